/**
 * The components are open: a caller adjusts any child through `transform` (a partial of
 * its args, or a function), reaches children through `components.<x>.nodes` to attach new
 * resources (the README's lifecycle-rule example, test/infra/examples/), and passes
 * Pulumi resource options that reach every child.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { parseConfig } from "../../infra/config";
import { registry } from "../../infra/program";
import { evaluate, type Plan } from "../../tools/plan/engine";
import { ROOT } from "../tools/run-cli";
import { expireLeftovers } from "./examples/mirror-lifecycle";
import { validConfig } from "./fixtures";
import { inputs, ofType, one, TYPES } from "./planned";

const config = parseConfig(validConfig(), { stack: "sandbox" });

// Pulumi's SDK-side transformation (the engine runs `transforms`; the mock engine does not).
const describeAddresses: pulumi.ResourceTransformation = (a) =>
  a.type === TYPES.address ? { props: { ...a.props, description: "anycast" }, opts: a.opts } : undefined;

let plan: Plan;
beforeAll(async () => {
  plan = await evaluate("sandbox", {}, () => {
    const { outputs, components } = registry(
      {
        config,
        stack: "sandbox",
        transform: {
          redirector: {
            service: (args) => {
              args.labels = { team: "k8s-infra" };
            },
          },
          artifactRegistry: { repository: { cleanupPolicyDryRun: true } },
          donors: { "aws-s3": { mirrors: { bucket: { forceDestroy: false } } } },
        },
      },
      { transformations: [describeAddresses] },
    );
    expireLeftovers(components);
    return outputs;
  });
}, 60_000);

describe("transform: adjust a child's args", () => {
  it("a function edits each Cloud Run service's args (a label)", () => {
    const services = ofType(plan, TYPES.service);
    expect(services.length).toBe(2);
    for (const s of services) expect(inputs(s).labels).toEqual({ team: "k8s-infra" });
  });

  it("a partial is spread over the component's own args, which it keeps", () => {
    for (const repo of ofType(plan, TYPES.repository)) {
      expect(inputs(repo)).toMatchObject({ cleanupPolicyDryRun: true, format: "DOCKER", repositoryId: "images" });
    }
    for (const bucket of ofType(plan, "aws:s3/bucket:Bucket")) {
      expect(inputs(bucket)).toEqual({
        bucket: inputs(bucket).bucket,
        region: inputs(bucket).region,
        forceDestroy: false,
      });
      expect(bucket.options).toMatchObject({ protect: true, retainOnDelete: true });
    }
  });
});

describe("nodes: attach new resources to the children (the README's lifecycle rule)", () => {
  it("each mirror bucket gets its rule, in its region, through the backend's provider, after its last setting", () => {
    const rules = ofType(plan, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration");
    expect(rules.map((r) => r.name).sort()).toEqual([
      "example-registry-eu-west-1-lifecycle",
      "example-registry-us-east-2-lifecycle",
    ]);
    for (const r of rules) {
      const bucket = String(r.name).replace(/-lifecycle$/, "");
      expect(inputs(r)).toMatchObject({ bucket, region: bucket.replace("example-registry-", "") });
      expect(inputs(r).rules[0].abortIncompleteMultipartUpload).toEqual({ daysAfterInitiation: 7 });
      expect(r.parent).toBe("aws-s3-123456789012-mirrors");
      expect(r.options).toMatchObject({ provider: "aws-s3-123456789012", dependsOn: [`${bucket}-versioning`] });
    }
  });

  it("is the code the README shows", () => {
    const example = readFileSync(join(__dirname, "examples/mirror-lifecycle.ts"), "utf8");
    const code = /\/\/ example:start\n([\s\S]*?)\/\/ example:end/.exec(example)?.[1] ?? "";
    expect(code.length).toBeGreaterThan(200);
    expect(readFileSync(join(ROOT, "README.md"), "utf8")).toContain(code.trim());
  });
});

describe("resource options reach every child", () => {
  it("a transformation passed to registry() changes the load balancer's addresses", () => {
    const addresses = ofType(plan, TYPES.address);
    expect(addresses).toHaveLength(2);
    for (const a of addresses) expect(inputs(a).description).toBe("anycast");
    expect(inputs(one(plan, TYPES.backendService)).description).toBeUndefined();
  });
});
