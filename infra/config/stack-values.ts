/**
 * The registry's keys from a Pulumi config map (`registry:source` -> `source`), with
 * object values decoded from the JSON strings the engine passes them as.
 */
import { NAMESPACE } from "./schema";

export function namespaceValues(all: Record<string, string>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(all)) {
    if (!key.startsWith(`${NAMESPACE}:`)) continue;
    values[key.slice(NAMESPACE.length + 1)] = decode(raw);
  }
  return values;
}

function decode(raw: string): unknown {
  if (!/^\s*[[{]/.test(raw)) return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
