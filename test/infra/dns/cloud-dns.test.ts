/** The records in a Cloud DNS managed zone, created or adopted, under the mock engine. */
import { parseConfig } from "../../../infra/config";
import { registry } from "../../../infra/program";
import { evaluate, type Plan } from "../../../tools/plan/engine";
import { validConfig } from "../fixtures";
import { inputs, ofType, outputs } from "../planned";

const values = validConfig();
values.dns = {
  provider: "cloud-dns",
  zone: "example.dev",
  record: "registry",
  project: "dns-project",
  managedZone: "example-dev",
  caaIssuers: ["pki.goog"],
  adopt: true,
};

let plan: Plan;
beforeAll(async () => {
  const config = parseConfig(values, { stack: "sandbox" });
  plan = await evaluate("sandbox", {}, () => registry({ config, stack: "sandbox" }).outputs);
}, 60_000);

it("declares one record set per name and type in the managed zone, with absolute names", () => {
  const sets = ofType(plan, "gcp:dns/recordSet:RecordSet");
  const lb = (ip: string) =>
    outputs(
      ofType(plan, "gcp:compute/globalAddress:GlobalAddress").find((a) => inputs(a).ipVersion === ip) ?? ({} as never),
    ).address;
  expect(sets.map((s) => [inputs(s).name, inputs(s).type, inputs(s).rrdatas])).toEqual([
    ["registry.example.dev.", "A", [lb("IPV4")]],
    ["registry.example.dev.", "AAAA", [lb("IPV6")]],
    [
      "_acme-challenge.registry.example.dev.",
      "CNAME",
      [expect.stringMatching(/\.authorize\.certificatemanager\.goog\.$/)],
    ],
    ["registry.example.dev.", "CAA", ['0 issue "pki.goog"']],
  ]);
  for (const s of sets)
    expect(inputs(s)).toMatchObject({ project: "dns-project", managedZone: "example-dev", ttl: 300 });
});

it("adopts them by their record set IDs when the zone has them", () => {
  expect(ofType(plan, "gcp:dns/recordSet:RecordSet").map((s) => s.options.import)).toEqual([
    "projects/dns-project/managedZones/example-dev/rrsets/registry.example.dev./A",
    "projects/dns-project/managedZones/example-dev/rrsets/registry.example.dev./AAAA",
    "projects/dns-project/managedZones/example-dev/rrsets/_acme-challenge.registry.example.dev./CNAME",
    "projects/dns-project/managedZones/example-dev/rrsets/registry.example.dev./CAA",
  ]);
  expect(ofType(plan, "cloudflare:index/dnsRecord:DnsRecord")).toEqual([]);
  expect(plan.invokes.filter((t) => t.startsWith("cloudflare:"))).toEqual([]);
});
