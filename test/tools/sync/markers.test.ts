import fc from "fast-check";
import { Completion } from "../../../tools/sync/markers";
import type { ManifestNode } from "../../../tools/sync/walk";

const image = (...blobs: string[]): ManifestNode => ({ blobs, children: [] });
const index = (...children: string[]): ManifestNode => ({ blobs: [], children });

describe("Completion: when a manifest earns its marker", () => {
  it("marks an image once its last blob is verified, and its index after it", () => {
    const graph = new Map([
      ["idx", index("amd64", "arm64")],
      ["amd64", image("base", "a")],
      ["arm64", image("base", "b")],
    ]);
    const c = new Completion(graph, new Set());
    expect(c.initial()).toEqual([]);
    expect(c.blobVerified("base")).toEqual([]);
    expect(c.blobVerified("a")).toEqual(["amd64"]);
    expect(c.blobVerified("b")).toEqual(["arm64", "idx"]);
    expect(JSON.parse(c.body("amd64"))).toEqual({ manifest: "amd64", blobs: ["base", "a"], manifests: [] });
  });

  it("never marks a manifest with a blob that failed, nor its index", () => {
    const c = new Completion(
      new Map([
        ["idx", index("x")],
        ["x", image("ok", "failed")],
      ]),
      new Set(),
    );
    expect(c.blobVerified("ok")).toEqual([]);
    // "failed" is never verified: nothing more is ever marked.
    expect(c.blobVerified("unrelated")).toEqual([]);
  });

  it("counts children that already have markers (not read this run) as complete", () => {
    const c = new Completion(
      new Map([
        ["idx", index("old", "new")],
        ["new", image("n")],
      ]),
      new Set(["old"]),
    );
    expect(c.blobVerified("n")).toEqual(["new", "idx"]);
  });

  it("marks at once what waits on nothing, and never an index whose child could not be read", () => {
    const c = new Completion(
      new Map([
        ["windows", image()],
        ["idx", index("missing")],
      ]),
      new Set(),
    );
    expect(c.initial()).toEqual(["windows"]);
  });

  it("marks each manifest exactly once, children before parents, in any blob order", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 4 }), { minLength: 1, maxLength: 6 }),
        fc.infiniteStream(fc.nat()),
        (images, randoms) => {
          const graph = new Map<string, ManifestNode>(
            images.map((b, i) => [`img${i}`, image(...b.map((n) => `blob${n}`))]),
          );
          graph.set("idx", index(...images.map((_, i) => `img${i}`)));
          const c = new Completion(graph, new Set());
          const order = [...new Set(images.flat())].map((n) => `blob${n}`);
          const shuffled = order.map((b) => [randoms.next().value as number, b] as const).sort((x, y) => x[0] - y[0]);
          const marked = [...c.initial(), ...shuffled.flatMap(([, b]) => c.blobVerified(b))];
          expect([...marked].sort()).toEqual([...graph.keys()].sort());
          expect(marked[marked.length - 1]).toBe("idx");
        },
      ),
    );
  });
});
