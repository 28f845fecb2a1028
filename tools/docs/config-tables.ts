/**
 * The README's config reference tables, from the schema: each field's key, type, default
 * and meaning come from its zod schema (its `.meta({ description, type, default })` and
 * its structure), so the README cannot drift from the contract. Reads zod's schema
 * definitions, like infra/config/report.ts; test/tools/docs.test.ts pins what it relies on.
 */
import { z } from "zod";

/** What a field's metadata may say; `type` and `default` override what the structure shows. */
export interface FieldMeta {
  description?: string;
  /** A human type, e.g. "GCP region": lists of it read "list of GCP regions". */
  type?: string;
  /** The default in words, where it is not a plain value (`true` in prod, else `false`). */
  default?: string;
}

export interface Row {
  key: string;
  type: string;
  default: string;
  meaning: string;
}

interface Def {
  type: string;
  innerType?: z.core.$ZodType;
  defaultValue?: unknown;
  shape?: Record<string, z.core.$ZodType>;
  element?: z.core.$ZodType;
  options?: z.core.$ZodType[];
  values?: unknown[];
  entries?: Record<string, unknown>;
  keyType?: z.core.$ZodType;
  valueType?: z.core.$ZodType;
  checks?: Array<{ _zod: { def: { check: string; value?: unknown; format?: string } } }>;
  format?: string;
}

const WRAPPERS = ["optional", "default", "prefault", "nullable", "readonly"];
const defOf = (s: z.core.$ZodType) => s._zod.def as unknown as Def;
const metaOf = (s: z.core.$ZodType) => (z.globalRegistry.get(s as never) ?? {}) as FieldMeta;

/** A field as its schema states it: every wrapper's metadata merged (outer wins), and the core. */
function inspect(schema: z.core.$ZodType) {
  let s = schema;
  let meta: FieldMeta = {};
  let defaultValue: unknown;
  let hasDefault = false;
  let optional = false;
  for (let i = 0; i < 16; i++) {
    meta = { ...metaOf(s), ...meta };
    const def = defOf(s);
    if (!WRAPPERS.includes(def.type) || !def.innerType) break;
    if ((def.type === "default" || def.type === "prefault") && !hasDefault) {
      hasDefault = true;
      defaultValue = def.defaultValue;
    }
    if (def.type === "optional") optional = true;
    s = def.innerType;
  }
  return { core: s, meta, defaultValue, hasDefault, optional };
}

const code = (v: string) => `\`${v}\``;

function plural(type: string): string {
  return /s$/.test(type) || type.includes(" or ") ? type : `${type}s`;
}

/** The type in words: the metadata's, else what the structure says. */
export function typeOf(schema: z.core.$ZodType): string {
  const { core, meta } = inspect(schema);
  if (meta.type) return meta.type;
  const def = defOf(core);
  switch (def.type) {
    case "boolean":
      return "boolean";
    case "string":
      return "string";
    case "number": {
      const bounds = (def.checks ?? []).map((c) => c._zod.def);
      const min = bounds.find((b) => b.check === "greater_than")?.value;
      const max = bounds.find((b) => b.check === "less_than")?.value;
      const int = bounds.some((b) => b.check === "number_format") || def.format === "safeint";
      const kind = int ? "integer" : "number";
      return min !== undefined && max !== undefined ? `${kind} ${min}-${max}` : kind;
    }
    case "literal":
      return (def.values ?? []).map((v) => code(String(v))).join(" or ");
    case "enum":
      return Object.values(def.entries ?? {})
        .map((v) => code(String(v)))
        .join(", ");
    case "array":
      return def.element ? `list of ${plural(typeOf(def.element))}` : "list";
    case "record":
      return "map";
    case "object":
      return "object";
    default:
      return def.type;
  }
}

function defaultOf(f: ReturnType<typeof inspect>): string {
  if (f.meta.default !== undefined) return f.meta.default;
  if (f.hasDefault) return defaultText(f.defaultValue);
  return f.optional ? "none" : "";
}

function defaultText(value: unknown): string {
  if (Array.isArray(value)) return `${code(`[${value.map(String).join(", ")}]`)}`;
  if (value && typeof value === "object") return Object.keys(value).length ? code(JSON.stringify(value)) : code("{}");
  return code(String(value));
}

/** An object's fields (of every option, for a union of objects), in declaration order. */
function fieldsOf(schema: z.core.$ZodType): Array<[string, z.core.$ZodType]> {
  const def = defOf(inspect(schema).core);
  if (def.shape) return Object.entries(def.shape);
  return [];
}

/**
 * One row per field, nested objects flattened (`adopt.repositories`), objects in a list
 * under `key[].field`. An object with a default of its own (`prefault({})`) is flattened
 * too: its fields carry the defaults.
 */
export function rows(schema: z.core.$ZodType, prefix = "", skip: readonly string[] = []): Row[] {
  return fieldsOf(schema).flatMap(([key, field]): Row[] => {
    if (skip.includes(key)) return [];
    const f = inspect(field);
    const def = defOf(f.core);
    const path = `${prefix}${key}`;
    if (def.type === "object" && !f.meta.type) return rows(f.core, `${path}.`);
    if (def.type === "array" && def.element && defOf(inspect(def.element).core).type === "object" && !f.meta.type) {
      return rows(def.element, `${path}[].`);
    }
    return [{ key: path, type: typeOf(field), default: defaultOf(f), meaning: f.meta.description ?? "" }];
  });
}

/**
 * A discriminated union's options as one table: fields every option has, then those only
 * some have, their meaning prefixed with the options that have them.
 */
export function unionRows(schema: z.core.$ZodType, discriminator: string): Row[] {
  const options = defOf(inspect(schema).core).options ?? [];
  const perOption = options.map((o) => {
    const name = String(defOf(inspect(fieldsOf(o).find(([k]) => k === discriminator)?.[1] as never).core).values?.[0]);
    return { name, rows: rows(o) };
  });
  const all = new Map<string, { row: Row; in: string[] }>();
  for (const o of perOption) {
    for (const row of o.rows) {
      const seen = all.get(row.key);
      if (seen) seen.in.push(o.name);
      else all.set(row.key, { row, in: [o.name] });
    }
  }
  const names = perOption.map((o) => o.name);
  const disc = all.get(discriminator);
  if (disc) disc.row = { ...disc.row, type: names.map(code).join(", ") };
  return [...all.values()]
    .sort((a, b) => Number(a.in.length < names.length) - Number(b.in.length < names.length))
    .map(({ row, in: where }) =>
      where.length === names.length ? row : { ...row, meaning: `${where.map(code).join(", ")} only: ${row.meaning}` },
    );
}

export function markdownTable(rs: readonly Row[]): string {
  const cell = (s: string) => s.replaceAll("|", "\\|").replaceAll("\n", " ");
  return [
    "| key | type | default | meaning |",
    "|---|---|---|---|",
    ...rs.map((r) => `| ${code(r.key)} | ${cell(r.type)} | ${cell(r.default)} | ${cell(r.meaning)} |`),
  ].join("\n");
}

/** Replaces each `<!-- config-table:NAME -->...<!-- /config-table -->` block with its table. */
export function fillTables(text: string, tables: Readonly<Record<string, string>>): string {
  const used = new Set<string>();
  const out = text.replace(/<!-- config-table:([\w-]+) -->\n[\s\S]*?<!-- \/config-table -->/g, (_, name: string) => {
    const table = tables[name];
    if (table === undefined) throw new Error(`README names a config table "${name}" that nothing generates`);
    used.add(name);
    return `<!-- config-table:${name} -->\n${table}\n<!-- /config-table -->`;
  });
  const missing = Object.keys(tables).filter((n) => !used.has(n));
  if (missing.length) throw new Error(`README has no place for the config tables ${missing.join(", ")}`);
  return out;
}
