import type { Plan, PlannedResource } from "../../../tools/plan/engine";
import { differences, renderMarkdown } from "../../../tools/plan/render";

const table = (region: string) => ({
  upstream: { endpoint: `https://${region}-docker.pkg.dev`, path: "p/images" },
  infoUrl: "https://example.dev/info",
  privacyUrl: "https://example.dev/privacy",
  mirrors: [{ cloud: "aws" as const, clientRegion: "us-east-2", baseUrl: "https://bucket.example.dev" }],
});

function service(name: string, config: unknown): PlannedResource {
  const inputs = {
    location: name,
    template: { containers: [{ envs: [{ name: "REDIRECTOR_CONFIG", value: JSON.stringify(config) }] }] },
  };
  return {
    type: "gcp:cloudrunv2/service:Service",
    name,
    parent: null,
    custom: true,
    inputs,
    outputs: inputs,
    options: { protect: false, retainOnDelete: false, provider: null, dependsOn: [], import: null },
  };
}

describe("routing tables in the Markdown plan", () => {
  const tables = { "us-central1": table("us-central1"), "europe-west3": table("europe-west4") };
  const tampered = { ...table("us-central1"), infoUrl: "https://elsewhere.example/" };
  const plan: Plan = {
    stack: "t",
    resources: [service("us-central1", tables["us-central1"]), service("europe-west3", tampered)],
    outputs: {},
    diagnostics: [],
    invokes: [],
  };
  const md = renderMarkdown(plan, { source: "Pulumi.t.yaml", routing: { tables, arRegions: 2 } });

  it("shows the first table once and the others as their differences", () => {
    expect(md).toContain('| europe-west3 | `upstream.endpoint: "https://europe-west4-docker.pkg.dev"` |');
    expect(md.match(/path: p\/images/g)).toHaveLength(2); // the section's table, and the tampered one in full
  });

  it("points a service at its table only when it holds exactly that table", () => {
    expect(md).toContain(`value: '(routing table of us-central1: see "Routing tables")'`);
    expect(md).toContain("infoUrl: https://elsewhere.example/");
    expect(md).not.toContain("(routing table of europe-west3");
  });

  it("lists leaf differences, absent keys included, and compares arrays whole", () => {
    expect(differences({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { b: 2, c: [1, 2] } })).toEqual([
      "a.b: 2",
      "d: (absent)",
    ]);
    expect(differences({ m: [1] }, { m: [1, 2] })).toEqual(["m: [1,2]"]);
    expect(differences(table("x"), table("x"))).toEqual([]);
  });
});
