/**
 * The smallest aws-s3 backend, under the mock engine: one bucket (nothing to replicate),
 * managed through a deploy role in the donor account.
 */
import { parseConfig } from "../../../../infra/config";
import { registry } from "../../../../infra/program";
import { evaluate, type Plan } from "../../../../tools/plan/engine";
import { validConfig } from "../../fixtures";

const values = validConfig();
Object.assign(values.backends[0], {
  regions: ["us-east-2"],
  serve: {},
  deployRoleArn: "arn:aws:iam::123456789012:role/registry-deployer",
});
const config = parseConfig(values, { stack: "sandbox" });

let plan: Plan;
beforeAll(async () => {
  plan = await evaluate("sandbox", {}, () => registry({ config, stack: "sandbox" }).outputs);
}, 60_000);

const types = () => plan.resources.map((r) => r.type);

describe("a one-bucket aws-s3 backend", () => {
  it("declares the bucket with its companions and the writer, but no replication", () => {
    expect(
      types()
        .filter((t) => t.startsWith("aws:s3/"))
        .sort(),
    ).toEqual([
      "aws:s3/bucket:Bucket",
      "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
      "aws:s3/bucketPolicy:BucketPolicy",
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
      "aws:s3/bucketVersioning:BucketVersioning",
    ]);
    expect(plan.resources.filter((r) => r.type === "aws:iam/role:Role").map((r) => r.name)).toEqual([
      "example-registry-blob-writer",
    ]);
  });

  it("exports a null replication role", () => {
    expect(plan.outputs.donors).toEqual([
      expect.objectContaining({
        buckets: [{ region: "us-east-2", name: "example-registry-us-east-2" }],
        writerRoleArn: "arn:aws:iam::123456789012:role/example-registry-blob-writer",
        replicationRoleArn: null,
      }),
    ]);
  });

  it("assumes the deploy role, named after the stack, in the pinned account", () => {
    const provider = plan.resources.find((r) => r.type === "pulumi:providers:aws");
    // biome-ignore lint/suspicious/noExplicitAny: provider inputs reach the engine JSON-encoded
    const inputs = provider?.inputs as Record<string, any>;
    expect(JSON.parse(inputs.assumeRoles)).toEqual([
      { roleArn: "arn:aws:iam::123456789012:role/registry-deployer", sessionName: "pulumi-sandbox" },
    ]);
    expect(JSON.parse(inputs.allowedAccountIds)).toEqual(["123456789012"]);
    expect(JSON.parse(inputs.defaultTags)).toEqual({
      tags: { "managed-by": "pulumi", "pulumi-project": "registry", "pulumi-stack": "sandbox" },
    });
  });
});
