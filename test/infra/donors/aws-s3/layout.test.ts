import { parseConfig } from "../../../../infra/config";
import type { AwsS3Backend } from "../../../../infra/donors/aws-s3/backend";
import { mirrorLayout, replicationRules } from "../../../../infra/donors/aws-s3/layout";
import { validConfig } from "../../fixtures";

function backend(change: (b: Record<string, unknown>) => void = () => {}): AwsS3Backend {
  const values = validConfig();
  change(values.backends[0]);
  return parseConfig(values, { stack: "sandbox" }).backends[0] as AwsS3Backend;
}

describe("mirror layout", () => {
  const layout = mirrorLayout(backend((b) => (b.regions = ["eu-west-1", "us-east-2", "ap-south-1"])));

  it("names one bucket per region, in config order", () => {
    expect(layout.mirrors).toEqual([
      { region: "eu-west-1", bucket: "example-registry-eu-west-1" },
      { region: "us-east-2", bucket: "example-registry-us-east-2" },
      { region: "ap-south-1", bucket: "example-registry-ap-south-1" },
    ]);
  });

  it("makes the source region's bucket the source and every other bucket a destination", () => {
    expect(layout.source).toEqual({ region: "us-east-2", bucket: "example-registry-us-east-2" });
    expect(layout.destinations.map((d) => d.region)).toEqual(["eu-west-1", "ap-south-1"]);
  });

  it("names the two roles after the bucket prefix", () => {
    expect(layout.roles).toEqual({
      writer: "example-registry-blob-writer",
      replication: "example-registry-s3-replication",
    });
  });

  it("has nothing to replicate to when the source is the only bucket", () => {
    expect(
      mirrorLayout(
        backend((b) => {
          b.regions = ["us-east-2"];
          b.serve = {};
        }),
      ).destinations,
    ).toEqual([]);
  });
});

describe("replication rules", () => {
  const destinations = [
    { region: "eu-west-1", bucket: "r-eu-west-1" },
    { region: "ap-south-1", bucket: "r-ap-south-1" },
  ];

  const rules = replicationRules(destinations, { ruleId: "to-{region}", metrics: true });

  it("has one whole-bucket rule per destination that replicates delete markers, with metrics", () => {
    expect(rules[0]).toEqual({
      id: "to-eu-west-1",
      status: "Enabled",
      priority: 1,
      filter: {},
      deleteMarkerReplication: { status: "Enabled" },
      destination: { bucket: "arn:aws:s3:::r-eu-west-1", storageClass: "STANDARD", metrics: { status: "Enabled" } },
    });
  });

  it("takes rule IDs, priorities and metrics as a live configuration states them", () => {
    const live = replicationRules(destinations, {
      ruleId: "registry-k8s-io-us-east-2-to-registry-k8s-io-{region}",
      priorities: { "eu-west-1": 22, "ap-south-1": 13 },
      metrics: false,
    });
    expect(live.map((r) => [r.id, r.priority, r.destination.metrics])).toEqual([
      ["registry-k8s-io-us-east-2-to-registry-k8s-io-eu-west-1", 22, undefined],
      ["registry-k8s-io-us-east-2-to-registry-k8s-io-ap-south-1", 13, undefined],
    ]);
  });

  it("numbers the rules 1..n, one per destination, in order", () => {
    expect(rules.map((r) => [r.id, r.priority, r.destination.bucket])).toEqual([
      ["to-eu-west-1", 1, "arn:aws:s3:::r-eu-west-1"],
      ["to-ap-south-1", 2, "arn:aws:s3:::r-ap-south-1"],
    ]);
  });
});
