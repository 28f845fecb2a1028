import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { evaluate, type Plan } from "../../../tools/plan/engine";

class Box extends pulumi.ComponentResource {
  readonly arn: pulumi.Output<string>;
  constructor(name: string) {
    super("registry:test:Box", name, {}, {});
    const provider = new aws.Provider(
      `${name}-provider`,
      { region: "us-east-2", allowedAccountIds: ["123456789012"] },
      { parent: this },
    );
    const bucket = new aws.s3.Bucket(
      `${name}-bucket`,
      { bucket: "box-bucket", region: "eu-west-1" },
      { parent: this, provider, protect: true, retainOnDelete: true, import: "box-bucket@eu-west-1" },
    );
    const role = new aws.iam.Role(
      `${name}-role`,
      { name: "box-role", assumeRolePolicy: "{}" },
      {
        parent: this,
        provider,
        dependsOn: [bucket],
        // Its old name under this parent, and a URN it had at the top level.
        aliases: [{ name: `${name}-old-role` }, "urn:pulumi:unit::registry::aws:iam/role:Role::legacy-role"],
      },
    );
    this.arn = role.arn;
    this.registerOutputs({});
  }
}

let plan: Plan;
beforeAll(async () => {
  plan = await evaluate("unit", { "registry:domain": "r.example.dev" }, () => {
    const box = new Box("box");
    return { arn: box.arn, domain: new pulumi.Config("registry").require("domain") };
  });
}, 30_000);

const find = (name: string) => plan.resources.find((r) => r.name === name);

describe("evaluate under the mock engine", () => {
  it("records every resource with its type and parent", () => {
    expect(plan.resources.map((r) => [r.type, r.name, r.parent])).toEqual([
      ["registry:test:Box", "box", null],
      ["pulumi:providers:aws", "box-provider", "box"],
      ["aws:s3/bucket:Bucket", "box-bucket", "box"],
      ["aws:iam/role:Role", "box-role", "box"],
    ]);
  });

  it("records options: protect, retainOnDelete, explicit provider, dependsOn, import, aliases", () => {
    expect(find("box-bucket")?.options).toEqual({
      protect: true,
      retainOnDelete: true,
      provider: "box-provider",
      dependsOn: [],
      import: "box-bucket@eu-west-1",
      // The provider's own: v7's Bucket was BucketV2.
      aliases: ["urn:pulumi:unit::registry::registry:test:Box$aws:s3/bucketV2:BucketV2::box-bucket"],
    });
    expect(find("box-role")?.options).toEqual({
      protect: false,
      retainOnDelete: false,
      provider: "box-provider",
      dependsOn: ["box-bucket"],
      import: null,
      aliases: [
        "urn:pulumi:unit::registry::aws:iam/role:Role::legacy-role",
        "urn:pulumi:unit::registry::registry:test:Box$aws:iam/role:Role::box-old-role",
      ],
    });
    expect(find("box")?.custom).toBe(false);
  });

  it("fakes outputs shaped like the cloud's, using the provider's account", () => {
    expect(find("box-bucket")?.outputs).toMatchObject({
      arn: "arn:aws:s3:::box-bucket",
      bucketRegionalDomainName: "box-bucket.s3.eu-west-1.amazonaws.com",
    });
    expect(plan.outputs).toEqual({ arn: "arn:aws:iam::123456789012:role/box-role", domain: "r.example.dev" });
  });

  it("keeps inputs as the program passed them", () => {
    expect(find("box-bucket")?.inputs).toEqual({ bucket: "box-bucket", region: "eu-west-1" });
  });

  it("runs once per process", async () => {
    await expect(evaluate("again", {}, () => ({}))).rejects.toThrow("runs once per process");
  });
});
