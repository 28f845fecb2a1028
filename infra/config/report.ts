/**
 * Zod issues as config problems: `registry:<key path>: <message naming the value>`, with
 * "did you mean" hints for unknown keys and discriminator values. This module reads zod's
 * internals (schema definitions, raw issues), so a zod upgrade breaks it first: its tests
 * (test/infra/config/report.test.ts) pin what it relies on.
 */
import type { z } from "zod";
import { suggestion } from "../did-you-mean";
import { NAMESPACE } from "./schema";

const show = (v: unknown) => JSON.stringify(v);

/** `registry:backends[1].regions[3]` */
export function keyPath(path: readonly PropertyKey[]): string {
  const [head, ...rest] = path;
  const tail = rest.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
  return head === undefined ? NAMESPACE : `${NAMESPACE}:${String(head)}${tail}`;
}

/** The parts of a schema definition the walker reads. */
interface Def {
  type: string;
  innerType?: z.core.$ZodType;
  shape?: Record<string, z.core.$ZodType>;
  element?: z.core.$ZodType;
  options?: z.core.$ZodType[];
}

const WRAPPERS = ["optional", "default", "prefault", "nullable", "readonly", "pipe"];

/** Through optional/default/... (and a refinement's pipe) to the schema that holds the structure. */
export function unwrap(schema: z.core.$ZodType | undefined): z.core.$ZodType | undefined {
  let s = schema;
  for (let i = 0; i < 16 && s; i++) {
    const def = s._zod.def as unknown as Def & { in?: z.core.$ZodType };
    const inner = def.innerType ?? (def.type === "pipe" ? def.in : undefined);
    if (inner && WRAPPERS.includes(def.type)) s = inner;
    else break;
  }
  return s;
}

/** The object schemas a schema may be: itself, or each option of a union. */
function objects(schema: z.core.$ZodType | undefined): Array<Record<string, z.core.$ZodType>> {
  const s = unwrap(schema);
  if (!s) return [];
  const def = s._zod.def as unknown as Def;
  if (def.shape) return [def.shape];
  return (def.options ?? []).flatMap(objects);
}

/** The keys the schema accepts at a path (of any union option there), for "did you mean". */
export function knownKeys(root: z.core.$ZodType, path: readonly PropertyKey[]): string[] {
  let schema: z.core.$ZodType | undefined = root;
  for (const step of path) {
    const s = unwrap(schema);
    if (!s) return [];
    const def = s._zod.def as unknown as Def;
    schema =
      typeof step === "number"
        ? def.element
        : objects(s)
            .map((shape) => shape[String(step)])
            .find((x) => x !== undefined);
  }
  return [...new Set(objects(schema).flatMap((shape) => Object.keys(shape)))];
}

/** One problem per issue (one per unknown key), each prefixed with its key path. */
export function describe(issue: z.core.$ZodIssue, root: z.core.$ZodType): string[] {
  if (issue.code === "unrecognized_keys") {
    const known = knownKeys(root, issue.path);
    return issue.keys.map((key) => {
      const at = keyPath([...issue.path, key]);
      const hint = suggestion(key, known).replace(/"([^"]+)"/, (_, k) => `"${keyPath([...issue.path, k])}"`);
      // No near miss: a short list of what the key could be says more than nothing.
      const list = !hint && known.length <= 8 ? ` (known keys: ${known.join(", ")})` : "";
      return `${at}: unknown key${hint}${list}`;
    });
  }
  return [`${keyPath(issue.path)}: ${issue.message}`];
}

/** What a discriminator selects, for messages: `donor` -> ["donor kind", "kinds"]. */
export type DiscriminatorNames = Readonly<Record<string, readonly [singular: string, plural: string]>>;

/** Messages that name the offending value, for the issues zod reports itself. */
export function friendlyMessage(names: DiscriminatorNames) {
  return (iss: z.core.$ZodRawIssue): string | undefined => {
    const input = iss.input;
    switch (iss.code) {
      case "invalid_type":
        return input === undefined
          ? "is required"
          : `expected ${iss.expected === "int" ? "an integer" : `a ${iss.expected}`}, got ${show(input)}`;
      case "too_small":
        return iss.origin === "array"
          ? `must list at least ${iss.minimum}`
          : `must be ${iss.inclusive === false ? "more than" : "at least"} ${iss.minimum}, got ${show(input)}`;
      case "too_big":
        return iss.origin === "array"
          ? `must list at most ${iss.maximum}`
          : `must be ${iss.inclusive === false ? "less than" : "at most"} ${iss.maximum}, got ${show(input)}`;
      case "invalid_value":
        return `must be ${iss.values.map((v) => show(v)).join(" or ")}, got ${show(input)}`;
      case "invalid_union": {
        const key = iss.discriminator;
        if (iss.note !== "No matching discriminator" || !key) return undefined;
        const [singular, plural] = names[key] ?? [key, `${key}s`];
        const options = ((iss as { options?: unknown[] }).options ?? []).map(String);
        const value = (input as Record<string, unknown> | undefined)?.[key];
        const known = `known ${plural}: ${options.join(", ")}`;
        return value === undefined
          ? `is required (${known})`
          : `${show(value)} is not a known ${singular}; ${known}${suggestion(String(value), options)}`;
      }
      default:
        return undefined;
    }
  };
}
