import fc from "fast-check";
import { inShard, MAX_TASKS, parseShard, shardFromEnv, shardKey, shardOf } from "../../../tools/sync/shard";

const component = fc.stringMatching(/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/);
const repository = fc.array(component, { minLength: 1, maxLength: 4 }).map((parts) => parts.join("/"));
const PREFIX = "k8s-artifacts-prod/images";

describe("sharding", () => {
  it("puts every repository in exactly one shard, for any task count", () => {
    fc.assert(
      fc.property(fc.array(repository, { maxLength: 50 }), fc.integer({ min: 1, max: 64 }), (names, count) => {
        for (const name of names.map((n) => `${PREFIX}/${n}`)) {
          const owners = Array.from({ length: count }, (_, index) => index).filter((index) =>
            inShard(name, PREFIX, { index, count }),
          );
          expect(owners).toHaveLength(1);
        }
      }),
    );
  });

  it("keeps a subtree with its top-level repository (only its lister learns its children)", () => {
    fc.assert(
      fc.property(
        component,
        fc.array(component, { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 64 }),
        (top, rest, count) => {
          const shard = shardOf(shardKey(`${PREFIX}/${top}`, PREFIX), count);
          expect(shardOf(shardKey(`${PREFIX}/${top}/${rest.join("/")}`, PREFIX), count)).toBe(shard);
        },
      ),
    );
  });

  it("is the same on every machine and run: a stable hash, not the process's", () => {
    expect(shardKey(`${PREFIX}/sig-storage/csi-provisioner`, PREFIX)).toBe("sig-storage");
    expect(shardKey("pause", "")).toBe("pause");
    // SHA-256("pause") starts 0x6210c0bf = 1645265087: the split is fixed forever, whatever runs it.
    expect([1, 2, 3, 4, 7, 1_000_003].map((n) => shardOf("pause", n))).toEqual(
      [1, 2, 3, 4, 7, 1_000_003].map((n) => 1645265087 % n),
    );
  });

  it("spreads repositories roughly evenly", () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[shardOf(`img-${i}`, 4)] = (counts[shardOf(`img-${i}`, 4)] ?? 0) + 1;
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(150);
  });

  it("reads I/N and Cloud Run's task variables, and refuses what cannot be", () => {
    expect(parseShard("3/4", "--shard")).toEqual({ index: 3, count: 4 });
    expect(() => parseShard("4/4", "--shard")).toThrow(
      "--shard 4/4: the task index must be a whole number from 0 to 3",
    );
    expect(() => parseShard("0/0", "--shard")).toThrow(`the task count must be a whole number from 1 to ${MAX_TASKS}`);
    expect(() => parseShard("1", "--shard")).toThrow('--shard must be I/N (task I of N, counting from 0), not "1"');
    expect(shardFromEnv({})).toBeUndefined();
    expect(shardFromEnv({ CLOUD_RUN_TASK_INDEX: "1", CLOUD_RUN_TASK_COUNT: "3" })).toEqual({ index: 1, count: 3 });
    expect(() => shardFromEnv({ CLOUD_RUN_TASK_INDEX: "1" })).toThrow("CLOUD_RUN_TASK_INDEX=1 CLOUD_RUN_TASK_COUNT=");
    expect(() => shardFromEnv({ CLOUD_RUN_TASK_INDEX: "x", CLOUD_RUN_TASK_COUNT: "3" })).toThrow("task index");
  });
});
