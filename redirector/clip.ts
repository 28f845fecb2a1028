/**
 * Request-supplied text copied into a log line or an error body is cut to a fixed
 * length, so that a 60 KiB header or path costs a log line no more than a short one.
 */

/** Lengths kept of each request field that logs or bodies copy. */
export const CLIP = { url: 1024, userAgent: 256, address: 64 } as const;

/** At most `max` characters of `text`, marked with the full length when cut. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…(${text.length} chars)`;
}
