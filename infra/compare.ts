/**
 * Code-point order for sorting names. Not localeCompare: its order follows the machine's
 * locale, and the plan files must come out byte-identical everywhere.
 */
export function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
