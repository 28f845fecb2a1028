/**
 * Pure: what changed between two resource input documents, as readable paths with their old
 * and new values. JSON held in strings (IAM policies, routing tables) is compared as the
 * structure it holds, and secrets are masked before anything is compared or shown.
 */
import { byCodePoint } from "../../../infra/compare";

/** Pulumi's marker for a secret value (`{"4dabf…": "1b47…", "value": …}`) in engine and state JSON. */
export const SECRET_SIG = "4dabf18193072939515e22adb298388d";
export const SECRET = "[secret]";

/** A value with secrets replaced by "[secret]" and JSON strings parsed into what they hold. */
export function normalized(value: unknown): unknown {
  if (typeof value === "string") {
    if (!/^\s*[{[]/.test(value)) return value;
    try {
      return normalized(JSON.parse(value));
    } catch {
      return value;
    }
  }
  if (Array.isArray(value)) return value.map(normalized);
  if (value && typeof value === "object") {
    if (SECRET_SIG in value) return SECRET;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalized(v)]));
  }
  return value;
}

/** Deep equality of JSON values (object key order ignored; no prototype checks, which JSON does not need). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  }
  if (!isObject(a) || !isObject(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => k in b && sameJson(a[k], b[k]));
}

/** One changed leaf; `undefined` means the path is absent on that side. */
export interface ValueChange {
  path: string;
  before?: unknown;
  after?: unknown;
}

/** Fields that name an element of a list, tried in this order: `rules[id=to-eu-west-1]` reads better than `rules[3]`. */
const ELEMENT_KEYS = ["id", "name", "Sid", "priority", "clientRegion", "region", "group", "key"];

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === "object" && !Array.isArray(v);
}

function keyPath(path: string, key: string): string {
  const part = /^[\w:$-]+$/.test(key) ? key : `[${JSON.stringify(key)}]`;
  return !path ? part : part.startsWith("[") ? `${path}${part}` : `${path}.${part}`;
}

/** The field that tells elements apart on both sides, if every element has a distinct scalar one. */
function elementKey(a: unknown[], b: unknown[]): string | undefined {
  const all = [...a, ...b];
  if (!all.length || !all.every(isObject)) return undefined;
  return ELEMENT_KEYS.find((k) =>
    [a, b].every((side) => {
      const values = (side as Record<string, unknown>[]).map((e) => e[k]);
      const scalar = values.every((v) => typeof v === "string" || typeof v === "number");
      return scalar && new Set(values).size === values.length;
    }),
  );
}

/**
 * Leaf differences between two normalized values, in document order. Objects are walked key
 * by key; lists of objects element by element (matched by a naming field when they have one);
 * lists of scalars, and anything added or removed whole, are one leaf.
 */
export function valueChanges(before: unknown, after: unknown, path = ""): ValueChange[] {
  if (sameJson(before, after)) return [];
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort(byCodePoint);
    return keys.flatMap((k) => valueChanges(before[k], after[k], keyPath(path, k)));
  }
  if (Array.isArray(before) && Array.isArray(after) && [...before, ...after].some((e) => e && typeof e === "object")) {
    const k = elementKey(before, after);
    if (k) {
      const byKey = (side: unknown[]) => new Map(side.map((e) => [String((e as Record<string, unknown>)[k]), e]));
      const [b, a] = [byKey(before), byKey(after)];
      const ids = [...new Set([...b.keys(), ...a.keys()])];
      return ids.flatMap((id) => valueChanges(b.get(id), a.get(id), `${path}[${k}=${id}]`));
    }
    const n = Math.max(before.length, after.length);
    return Array.from({ length: n }, (_, i) => valueChanges(before[i], after[i], `${path}[${i}]`)).flat();
  }
  return [
    { path: path || "(value)", ...(before === undefined ? {} : { before }), ...(after === undefined ? {} : { after }) },
  ];
}

/** A value as one line of JSON, cut at `max` characters; "(absent)" for a missing one. */
export function shown(value: unknown, max = 400): string {
  if (value === undefined) return "(absent)";
  const s = JSON.stringify(value) ?? String(value);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** The value at a Pulumi property path (`a.b[0]["c.d"]`), or undefined. */
export function valueAt(root: unknown, path: string): unknown {
  const parts = [...path.matchAll(/\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]|\.?([^.[\]]+)/g)].map(
    (m) => m[1] ?? (m[2] !== undefined ? JSON.parse(`"${m[2]}"`) : m[3]),
  );
  let v: unknown = root;
  for (const p of parts) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[p as string];
  }
  return v;
}
