/**
 * Who goes where with both donor kinds in the sandbox stack (aws-s3 in three regions plus
 * an alias, cloudflare-r2 for everyone else): the table infra derives, decided by the
 * redirector's own router, for every persona.
 */
import { namespaceValues, parseConfig } from "../../../infra/config";
import { buildRoutingTable } from "../../../infra/routing";
import { loadRangeTable } from "../../../redirector/ip-ranges";
import { Router, settleBlob } from "../../../redirector/router";
import { RoutingTable } from "../../../redirector/routing-table";
import { readStackFile, stackFilePath } from "../../../tools/plan/stack-file";
import { writeRanges } from "../../redirector/range-fixtures";

const aws = (ip_prefix: string, region: string) => ({
  ip_prefix,
  region,
  service: "EC2",
  network_border_group: region,
});
const ranges = loadRangeTable(
  writeRanges(
    {
      syncToken: "1",
      createDate: "2026-01-01-00-00-00",
      prefixes: [
        aws("13.184.0.0/16", "us-east-2"),
        aws("56.156.0.0/16", "ap-northeast-3"),
        aws("15.228.0.0/16", "sa-east-1"),
        aws("15.193.0.0/19", "GLOBAL"),
        aws("15.193.7.0/24", "ap-northeast-1"),
      ],
      ipv6_prefixes: [],
    },
    {
      syncToken: "1",
      creationTime: "2026-01-01T00:00:00",
      prefixes: [{ ipv4Prefix: "136.112.0.0/16", service: "Google Cloud", scope: "us-central1" }],
    },
  ),
);

const config = parseConfig(namespaceValues(readStackFile(stackFilePath("sandbox")).config), { stack: "sandbox" });
const table = RoutingTable.parse(buildRoutingTable(config, "europe-west3"));
const router = new Router(table, ranges);
const DIGEST = `sha256:${"d".repeat(64)}`;
const AR = `https://europe-west4-docker.pkg.dev/v2/k8s-infra-oci-proxy/images/pause/blobs/${DIGEST}`;
const bucket = (region: string) =>
  `https://sandbox-registry-k8s-io-${region}.s3.dualstack.${region}.amazonaws.com/containers/images/${DIGEST}`;
const R2 = `https://blobs.registry-sandbox.k8s.io/containers/images/${DIGEST}`;

/** Where a blob request from `ip` (behind the load balancer) ends up when the mirror has the blob. */
function destination(ip: string, by: Router = router): string | undefined {
  const decision = by.decide("GET", `/v2/pause/blobs/${DIGEST}`, ["X-Forwarded-For", `${ip}, 34.1.2.3`], "10.0.0.1");
  if (!decision.mirror) return decision.location;
  return settleBlob(decision, { exists: true, source: "cache", answer: "present", detail: "cached: present" }).location;
}

describe("routing with an aws-s3 and a cloudflare-r2 donor", () => {
  it.each([
    ["a GCP client", "136.112.0.1", AR],
    ["an AWS client in a region with a bucket", "13.184.0.1", bucket("us-east-2")],
    ["an AWS client in an aliased region", "56.156.0.1", bucket("ap-northeast-1")],
    ["an AWS client in a nested regional range (longest prefix)", "15.193.7.1", bucket("ap-northeast-1")],
    ["an AWS client in a region without a bucket", "15.228.0.1", R2],
    ["an AWS client in AWS GLOBAL space", "15.193.0.1", R2],
    ["a client in no cloud", "192.0.2.1", R2],
  ])("%s (%s)", (_persona, ip, expected) => {
    expect(destination(ip)).toBe(expected);
  });

  it("sends everyone upstream when the mirror lacks the blob", () => {
    const decision = router.decide(
      "GET",
      `/v2/pause/blobs/${DIGEST}`,
      ["X-Forwarded-For", "192.0.2.1, 34.1.2.3"],
      "10.0.0.1",
    );
    expect(settleBlob(decision, { exists: false, source: "head", answer: "absent", detail: "HEAD 404" }).location).toBe(
      AR,
    );
  });

  it("with the R2 donor out of rotation, unclaimed clients go upstream and bucket regions keep their buckets", () => {
    const values = namespaceValues(readStackFile(stackFilePath("sandbox")).config) as {
      backends: Array<Record<string, unknown>>;
    };
    values.backends = values.backends.map((b) => (b.donor === "cloudflare-r2" ? { ...b, inRotation: false } : b));
    const out = new Router(
      RoutingTable.parse(buildRoutingTable(parseConfig(values, { stack: "sandbox" }), "europe-west3")),
      ranges,
    );
    expect(destination("192.0.2.1", out)).toBe(AR);
    expect(destination("13.184.0.1", out)).toBe(bucket("us-east-2"));
  });
});
