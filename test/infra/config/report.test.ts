/**
 * The zod-internals walker on its own, on small schemas: what it reads of zod's schema
 * definitions and raw issues. A zod upgrade that moves those breaks these first.
 */
import { z } from "zod";
import { describe as describeIssue, friendlyMessage, keyPath, knownKeys, unwrap } from "../../../infra/config/report";

const root = z.strictObject({
  source: z
    .strictObject({
      project: z.string(),
      regions: z.array(z.string()).min(1),
      adopt: z.strictObject({ apis: z.boolean() }).optional(),
    })
    .superRefine(() => {}),
  backends: z
    .array(
      z.discriminatedUnion("donor", [
        z.strictObject({ donor: z.literal("aws-s3"), accountId: z.string() }),
        z.strictObject({ donor: z.literal("cloudflare-r2"), bucket: z.string() }),
      ]),
    )
    .default([]),
  armor: z.strictObject({ rateLimit: z.strictObject({ count: z.int().max(10).default(5) }).prefault({}) }).prefault({}),
});

const messages = friendlyMessage({ donor: ["donor kind", "kinds"] });
function problems(values: unknown): string[] {
  const result = root.safeParse(values, { error: messages, reportInput: true });
  return result.success ? [] : result.error.issues.flatMap((i) => describeIssue(i, root));
}

describe("unwrap", () => {
  it("goes through optional, default, prefault and a refinement to the structure", () => {
    for (const s of [
      root.shape.source,
      root.shape.backends,
      root.shape.armor,
      root.shape.source.optional().default({} as never),
    ]) {
      const def = unwrap(s)?._zod.def as { type: string };
      expect(["object", "array"]).toContain(def.type);
    }
  });
});

describe("knownKeys", () => {
  it("lists an object's keys, at any depth, through wrappers", () => {
    expect(knownKeys(root, [])).toEqual(["source", "backends", "armor"]);
    expect(knownKeys(root, ["source"])).toEqual(["project", "regions", "adopt"]);
    expect(knownKeys(root, ["source", "adopt"])).toEqual(["apis"]);
    expect(knownKeys(root, ["armor", "rateLimit"])).toEqual(["count"]);
  });

  it("through array elements and every option of a union", () => {
    expect(knownKeys(root, ["backends", 0])).toEqual(["donor", "accountId", "bucket"]);
  });

  it("knows nothing below a leaf or an unknown key", () => {
    expect(knownKeys(root, ["source", "project"])).toEqual([]);
    expect(knownKeys(root, ["nope"])).toEqual([]);
  });
});

describe("messages", () => {
  it("unknown keys, each at its path, with a did-you-mean from the keys there", () => {
    expect(
      problems({
        source: { project: "p", regions: ["r"], regoins: [] },
        backends: [{ donor: "aws-s3", accountId: "1", acountId: "2" }],
      }),
    ).toEqual([
      'registry:source.regoins: unknown key (did you mean "registry:source.regions"?)',
      'registry:backends[0].acountId: unknown key (did you mean "registry:backends[0].accountId"?)',
    ]);
  });

  it("name the value: types, bounds, list lengths", () => {
    expect(problems({ source: { project: 7, regions: [] }, armor: { rateLimit: { count: 11 } } })).toEqual([
      "registry:source.project: expected a string, got 7",
      "registry:source.regions: must list at least 1",
      "registry:armor.rateLimit.count: must be at most 10, got 11",
    ]);
    expect(problems({ armor: { rateLimit: { count: 1.5 } } })[1]).toBe(
      "registry:armor.rateLimit.count: expected an integer, got 1.5",
    );
  });

  it("a missing or unknown discriminator lists the known values, with a suggestion", () => {
    expect(
      problems({
        source: { project: "p", regions: ["r"] },
        backends: [{ accountId: "1" }, { donor: "cloudflare-r3" }],
      }),
    ).toEqual([
      "registry:backends[0].donor: is required (known kinds: aws-s3, cloudflare-r2)",
      'registry:backends[1].donor: "cloudflare-r3" is not a known donor kind; known kinds: aws-s3, cloudflare-r2 (did you mean "cloudflare-r2"?)',
    ]);
  });

  it("formats key paths like the stack file", () => {
    expect(keyPath(["backends", 1, "regions", 3])).toBe("registry:backends[1].regions[3]");
    expect(keyPath([])).toBe("registry");
  });
});
