/** The README's config reference is the schema's: generated, complete, and current. */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { configTables, README } from "../../tools/docs";
import { fillTables, markdownTable, rows, typeOf, unionRows } from "../../tools/docs/config-tables";

describe("the README's config tables", () => {
  it("are what the schema says (else: npm run docs:update)", () => {
    const readme = readFileSync(README, "utf8");
    expect(fillTables(readme, configTables())).toBe(readme);
  });

  it("give every field a meaning and a type", () => {
    const blank = Object.entries(configTables()).flatMap(([table, md]) =>
      md
        .split("\n")
        .slice(2)
        .filter((line) => /\| {2}\|$/.test(line) || /^\| `[^`]+` \| {2}\|/.test(line))
        .map((line) => `${table}: ${line}`),
    );
    expect(blank).toEqual([]);
  });
});

describe("rows from a schema", () => {
  const Thing = z.strictObject({
    name: z.string().meta({ type: "DNS name", description: "where it is" }),
    count: z.int().min(1).max(9).default(3).meta({ description: "how many" }),
    mode: z.enum(["a", "b"]).optional().meta({ description: "which" }),
    tags: z
      .array(z.string().meta({ type: "tag" }))
      .default([])
      .meta({ description: "labels" }),
    nested: z.strictObject({ deep: z.boolean().default(false).meta({ description: "deeper" }) }).prefault({}),
    items: z.array(z.strictObject({ id: z.string().meta({ description: "its ID" }) })).default([]),
    special: z.boolean().optional().meta({ default: "on in prod", description: "worded default" }),
  });

  it("one row per field: type from metadata or structure, default, meaning; nested and listed objects flattened", () => {
    expect(rows(Thing)).toEqual([
      { key: "name", type: "DNS name", default: "", meaning: "where it is" },
      { key: "count", type: "integer 1-9", default: "`3`", meaning: "how many" },
      { key: "mode", type: "`a`, `b`", default: "none", meaning: "which" },
      { key: "tags", type: "list of tags", default: "`[]`", meaning: "labels" },
      { key: "nested.deep", type: "boolean", default: "`false`", meaning: "deeper" },
      { key: "items[].id", type: "string", default: "", meaning: "its ID" },
      { key: "special", type: "boolean", default: "on in prod", meaning: "worded default" },
    ]);
  });

  it("a union: shared fields first, the others marked with the options that have them", () => {
    const U = z.discriminatedUnion("kind", [
      z.strictObject({ kind: z.literal("x"), shared: z.string().meta({ description: "both" }) }),
      z.strictObject({ kind: z.literal("y"), shared: z.string().meta({ description: "both" }), only: z.int() }),
    ]);
    expect(unionRows(U, "kind").map((r) => [r.key, r.type, r.meaning])).toEqual([
      ["kind", "`x`, `y`", ""],
      ["shared", "string", "both"],
      ["only", "integer", "`y` only: "],
    ]);
    expect(typeOf(z.literal("x"))).toBe("`x`");
  });

  it("a markdown table escapes pipes in cells", () => {
    expect(markdownTable([{ key: "k", type: "a | b", default: "", meaning: "m" }])).toBe(
      "| key | type | default | meaning |\n|---|---|---|---|\n| `k` | a \\| b |  | m |",
    );
  });

  it("fills each marked table, and refuses a README without a place for one, or with an unknown one", () => {
    const text = "a\n<!-- config-table:t -->\nold\n<!-- /config-table -->\nb\n";
    expect(fillTables(text, { t: "new" })).toBe("a\n<!-- config-table:t -->\nnew\n<!-- /config-table -->\nb\n");
    expect(() => fillTables(text, { t: "new", u: "more" })).toThrow("no place for the config tables u");
    expect(() => fillTables(text, {})).toThrow('names a config table "t"');
  });
});
