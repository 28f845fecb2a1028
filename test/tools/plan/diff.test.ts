import { diffPlans, keyOfUrn, resourcesOf, StackMismatch } from "../../../tools/plan/diff/plan";
import { diffRouting } from "../../../tools/plan/diff/routing";
import { normalized, SECRET_SIG, valueAt, valueChanges } from "../../../tools/plan/diff/values";
import { BUCKET, donor, MIRRORS, planOf, res } from "./diff-fixtures";

describe("values", () => {
  it("masks secrets and reads JSON held in strings as the structure it is", () => {
    expect(
      normalized({
        token: { [SECRET_SIG]: "1b47061264138c4ac30d75fd1eb44270", value: "s3cr3t" },
        policy: '{"Statement":[{"Effect":"Allow"}]}',
        plain: "{not json",
        list: ["[secret]", 1],
      }),
    ).toEqual({
      token: "[secret]",
      policy: { Statement: [{ Effect: "Allow" }] },
      plain: "{not json",
      list: ["[secret]", 1],
    });
  });

  it("walks objects key by key and names list elements by their naming field", () => {
    const before = {
      rules: [
        { id: "to-a", priority: 1 },
        { id: "to-b", priority: 2 },
      ],
      tags: { x: "1" },
    };
    const after = {
      rules: [
        { id: "to-b", priority: 2 },
        { id: "to-a", priority: 3 },
        { id: "to-c", priority: 4 },
      ],
    };
    expect(valueChanges(before, after)).toEqual([
      { path: "rules[id=to-a].priority", before: 1, after: 3 },
      { path: "rules[id=to-c]", after: { id: "to-c", priority: 4 } },
      { path: "tags", before: { x: "1" } },
    ]);
  });

  it("falls back to positions when elements have no distinct name, and compares scalar lists whole", () => {
    expect(valueChanges({ s: [{ a: 1 }, { a: 2 }] }, { s: [{ a: 1 }, { a: 5 }] })).toEqual([
      { path: "s[1].a", before: 2, after: 5 },
    ]);
    expect(valueChanges({ members: ["a", "b"] }, { members: ["b", "c"] })).toEqual([
      { path: "members", before: ["a", "b"], after: ["b", "c"] },
    ]);
  });

  it("quotes keys that are not plain names, and reads such paths back", () => {
    const before = { Condition: { StringEquals: { "issuer.example/x:sub": ["a"] } } };
    const after = { Condition: { StringEquals: { "issuer.example/x:sub": ["b"] } } };
    const [change] = valueChanges(before, after);
    expect(change?.path).toBe('Condition.StringEquals["issuer.example/x:sub"]');
    expect(valueAt(after, change?.path ?? "")).toEqual(["b"]);
    expect(valueAt({ a: [{ b: 7 }] }, "a[0].b")).toBe(7);
  });
});

describe("resources", () => {
  it("finds nothing between a plan and itself", () => {
    const p = planOf([...donor(), res("gcp:compute/securityPolicy:SecurityPolicy", "armor", { rules: [] })]);
    const d = diffPlans(p, structuredClone(p));
    expect(d.summary).toEqual({ replace: 0, delete: 0, create: 0, import: 0, update: 0 });
    expect([d.changes, d.flags, d.iam, d.routing, d.upstreams, d.notes]).toEqual([[], [], [], [], [], []]);
  });

  it("keys resources by URN: the chain of parent types, the type and the name", () => {
    const [, bucket] = resourcesOf(planOf(donor()));
    expect(bucket?.key).toBe(`${MIRRORS}$${BUCKET}::b-us-east-2`);
    expect(keyOfUrn(`urn:pulumi:prod::registry::${MIRRORS}$${BUCKET}::b-us-east-2`)).toBe(bucket?.key);
  });

  it("parents a child by its component, not by a cloud resource of the same name, in any order", () => {
    const component = { ...res("registry:gcp:SyncJob", "sync-a"), custom: false };
    const job = { ...res("gcp:cloudrunv2/job:Job", "sync-a", { location: "us-central1" }, {}, "sync-a"), custom: true };
    const account = { ...res("gcp:serviceaccount/account:Account", "sync-a-runtime", {}, {}, "sync-a"), custom: true };
    const keys = (resources: (typeof job)[]) => resourcesOf(planOf(resources)).map((r) => r.key);
    const expected = "registry:gcp:SyncJob$gcp:serviceaccount/account:Account::sync-a-runtime";
    expect(keys([component, job, account])).toContain(expected);
    expect(keys([job, component, account])).toContain(expected);
    const moved = { ...job, inputs: { location: "europe-west4" } };
    expect(diffPlans(planOf([component, job, account]), planOf([moved, component, account])).summary).toMatchObject({
      replace: 0,
      update: 1,
    });
  });

  it("reports changed inputs and options, but not dependsOn (it only orders operations)", () => {
    const base = planOf(donor());
    const tagged = donor("b-us-east-2", { protect: false, dependsOn: ["x"] }).map((r) =>
      r.type === BUCKET ? { ...r, inputs: { ...r.inputs, tags: { team: "infra" } } } : r,
    );
    const head = planOf(tagged);
    const d = diffPlans(base, head);
    expect(d.changes).toEqual([
      {
        op: "update",
        type: BUCKET,
        name: "b-us-east-2",
        paths: ["tags", "options.protect"],
        values: [
          { path: "tags", after: { team: "infra" } },
          { path: "options.protect", before: true, after: false },
        ],
      },
    ]);
  });

  it("flags deleting a protected, retained bucket with what Pulumi will do", () => {
    const d = diffPlans(planOf(donor()), planOf([]));
    expect(d.summary).toMatchObject({ delete: 2 });
    expect(d.flags).toEqual([
      {
        op: "delete",
        type: BUCKET,
        name: "b-us-east-2",
        reasons: ["protect", "retainOnDelete", "data"],
        what: "bucket",
        consequence:
          "protected: `pulumi up` refuses until `pulumi state unprotect`; retainOnDelete: it stays in the cloud, no longer managed",
        text: "delete of bucket `b-us-east-2` (`aws:s3/bucket:Bucket`): protected: `pulumi up` refuses until `pulumi state unprotect`; retainOnDelete: it stays in the cloud, no longer managed",
      },
    ]);
  });

  it("flags deleting an unprotected repository: what it holds goes with it", () => {
    const repo = res("gcp:artifactregistry/repository:Repository", "images-us-east1", { location: "us-east1" });
    expect(diffPlans(planOf([repo]), planOf([])).flags.map((f) => f.text)).toEqual([
      "delete of repository `images-us-east1` (`gcp:artifactregistry/repository:Repository`): what it holds is deleted with it",
    ]);
  });

  it("calls a resource under a new parent type a replace (new URN), and says how to avoid it", () => {
    const moved = donor().map((r) => (r.type === MIRRORS ? { ...r, type: "registry:aws:Mirrors" } : r));
    const d = diffPlans(planOf(donor()), planOf(moved));
    expect(d.changes.map((c) => [c.op, c.name, c.paths, c.note])).toEqual([
      [
        "replace",
        "b-us-east-2",
        ["urn"],
        "new URN (parent `mirrors` (`registry:aws:BlobMirrors`) → `mirrors` (`registry:aws:Mirrors`)): Pulumi creates the new one, then deletes the old one, unless the new one declares the old URN in `aliases`",
      ],
      [
        "replace",
        "mirrors",
        ["urn"],
        "new URN (type `registry:aws:BlobMirrors` → `registry:aws:Mirrors`): Pulumi creates the new one, then deletes the old one, unless the new one declares the old URN in `aliases`",
      ],
    ]);
    // Same inputs: the same bucket, which the new URN would try to create again.
    expect(d.flags.map((f) => [f.op, f.name, f.reasons])).toEqual([
      ["replace", "b-us-east-2", ["protect", "retainOnDelete", "data", "same-identity"]],
    ]);
  });

  it("pairs a renamed resource with identical inputs and flags that it is the same cloud object", () => {
    const member = (name: string) =>
      res("gcp:projects/iAMMember:IAMMember", name, { project: "p", role: "roles/x", member: "user:a@example.dev" });
    const d = diffPlans(planOf([member("old")]), planOf([member("new")]));
    expect(d.changes.map((c) => [c.op, c.name, c.paths])).toEqual([["replace", "new", ["urn"]]]);
    expect(d.flags[0]?.reasons).toEqual(["same-identity"]);
    expect(d.iam).toEqual([]);
  });

  it("does not replace what declares its old URN as an alias", () => {
    const old = donor();
    const renamed = donor("b-renamed", {
      aliases: [`urn:pulumi:t::registry::${MIRRORS}$${BUCKET}::b-us-east-2`],
    }).map((r) => (r.type === BUCKET ? { ...r, inputs: { bucket: "b-us-east-2", region: "us-east-2" } } : r));
    const d = diffPlans(planOf(old), planOf(renamed));
    expect(d.changes).toEqual([]);
    expect(d.flags).toEqual([]);
    expect(d.notes).toEqual([
      "`aws:s3/bucket:Bucket` `b-renamed` was `b-us-east-2` (name `b-us-east-2` → `b-renamed`); its `aliases` keep it the same resource: no change in the cloud.",
    ]);
  });

  it("counts adoption as import, and forgetting an import as no change", () => {
    const adopted = donor("b-us-east-2", { import: "b-us-east-2@us-east-2" });
    const toAdopt = diffPlans(planOf(donor()), planOf(adopted));
    expect(toAdopt.changes.map((c) => [c.op, c.note])).toEqual([
      ["import", "adopts `b-us-east-2@us-east-2` (was created)"],
    ]);
    const fresh = diffPlans(planOf([]), planOf(adopted));
    expect(fresh.summary).toMatchObject({ create: 1, import: 1 });
    const forgotten = diffPlans(planOf(adopted), planOf(donor()));
    expect(forgotten.changes).toEqual([]);
    expect(forgotten.notes).toEqual([
      "1 resources are no longer imported: `b-us-east-2`. Once a `pulumi up` has adopted them this changes nothing in the cloud.",
    ]);
  });

  it("refuses to diff two different stacks", () => {
    expect(() => diffPlans(planOf([], undefined, "prod"), planOf([], undefined, "sandbox"))).toThrow(StackMismatch);
  });
});

describe("routing", () => {
  const mirror = (clientRegion: string, host: string) => ({
    cloud: "aws" as const,
    clientRegion,
    baseUrl: `https://${host}`,
  });
  const base = {
    upstreams: { "us-central1": "us-central1", "europe-west3": "europe-west4" },
    mirrors: [
      mirror("eu-west-1", "b-eu-west-1"),
      mirror("eu-west-2", "b-eu-west-1"),
      mirror("us-east-2", "b-us-east-2"),
    ],
    defaultBlobBaseUrl: "https://cdn.example.dev",
  };

  it("lists only the clients whose destination changes; a lost route falls back to the default", () => {
    const head = {
      ...base,
      mirrors: [mirror("eu-west-1", "b-eu-west-1"), mirror("us-east-2", "b2-us-east-2"), mirror("sa-east-1", "b-sa")],
    };
    expect(diffRouting(base, head).routing).toEqual([
      { cloud: "aws", clientRegion: "eu-west-2", before: "https://b-eu-west-1", after: "https://cdn.example.dev" },
      { cloud: "aws", clientRegion: "sa-east-1", before: "https://cdn.example.dev", after: "https://b-sa" },
      { cloud: "aws", clientRegion: "us-east-2", before: "https://b-us-east-2", after: "https://b2-us-east-2" },
    ]);
  });

  it("sends clients to Artifact Registry when neither a route nor a default blob base is left", () => {
    const head = { ...base, mirrors: [], defaultBlobBaseUrl: null };
    expect(diffRouting(base, head).routing).toEqual([
      { cloud: "aws", clientRegion: "eu-west-1", before: "https://b-eu-west-1", after: "artifact-registry" },
      { cloud: "aws", clientRegion: "eu-west-2", before: "https://b-eu-west-1", after: "artifact-registry" },
      { cloud: "aws", clientRegion: "us-east-2", before: "https://b-us-east-2", after: "artifact-registry" },
      { cloud: "*", clientRegion: "*", before: "https://cdn.example.dev", after: "artifact-registry" },
    ]);
  });

  it("lists each Cloud Run region whose Artifact Registry upstream changes, or that starts or stops serving", () => {
    const head = { ...base, upstreams: { "europe-west3": "europe-west3", "asia-east1": "asia-east1" } };
    expect(diffRouting(base, head).upstreams).toEqual([
      { region: "asia-east1", before: null, after: "asia-east1" },
      { region: "europe-west3", before: "europe-west4", after: "europe-west3" },
      { region: "us-central1", before: "us-central1", after: null },
    ]);
    expect(diffRouting(base, base)).toEqual({ routing: [], upstreams: [] });
  });
});
