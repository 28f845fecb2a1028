/**
 * The cloudflare-r2 donor as the sandbox stack declares it, under the mock engine: one
 * protected bucket, public only through its custom domain in the registry's zone, a
 * writer token scoped to that bucket's objects, and the redirectors defaulting to it.
 */

import { RoutingTable } from "../../../../redirector/routing-table";
import { evaluate, type Plan, type PlannedResource } from "../../../../tools/plan/engine";
import { FAKE_INVOKES } from "../../../../tools/plan/fake-outputs";
import { readStackFile, stackFilePath } from "../../../../tools/plan/stack-file";

const file = readStackFile(stackFilePath("sandbox"));
const ACCOUNT = "5f1c0a7e9b2d4c6e8a0f1b3d5c7e9a2b";
const COMPONENT = "cloudflare-r2-5f1c0a7e-registry-sandbox-blobs";

let plan: Plan;
beforeAll(async () => {
  plan = await evaluate(file.stack, file.config, () => require("../../../../infra/index"));
}, 60_000);

function only(type: string): PlannedResource {
  const found = plan.resources.filter((r) => r.type === type);
  expect(found.map((r) => r.name)).toHaveLength(1);
  return found[0] as PlannedResource;
}

describe("the R2 mirror", () => {
  it("is one component whose children are all parented to it", () => {
    const component = only("registry:cloudflare:R2Mirror");
    expect(component.name).toBe(COMPONENT);
    const children = plan.resources
      .filter((r) => r.parent === COMPONENT)
      .map((r) => r.type)
      .sort();
    expect(children).toEqual([
      "cloudflare:index/accountToken:AccountToken",
      "cloudflare:index/r2Bucket:R2Bucket",
      "cloudflare:index/r2CustomDomain:R2CustomDomain",
      "cloudflare:index/r2ManagedDomain:R2ManagedDomain",
    ]);
  });

  it("keeps the bucket: protected and retained on delete", () => {
    const bucket = only("cloudflare:index/r2Bucket:R2Bucket");
    expect(bucket.inputs).toMatchObject({
      accountId: ACCOUNT,
      name: "registry-sandbox-blobs",
      location: "enam",
      jurisdiction: "default",
    });
    expect(bucket.options).toMatchObject({ protect: true, retainOnDelete: true });
  });

  it("is public only through its custom domain in the registry's zone, TLS 1.2 or better", () => {
    expect(only("cloudflare:index/r2ManagedDomain:R2ManagedDomain").inputs).toMatchObject({ enabled: false });
    const zone = FAKE_INVOKES["cloudflare:index/getZone:getZone"]?.({ filter: { name: "k8s.io" } });
    expect(only("cloudflare:index/r2CustomDomain:R2CustomDomain").inputs).toMatchObject({
      bucketName: "registry-sandbox-blobs",
      domain: "blobs.registry-sandbox.k8s.io",
      zoneId: zone?.zoneId,
      enabled: true,
      minTls: "1.2",
    });
  });

  it("gives the sync a token for this bucket's objects and nothing else", () => {
    const token = only("cloudflare:index/accountToken:AccountToken").inputs as {
      policies: Array<{ effect: string; permissionGroups: Array<{ id: string }>; resources: string }>;
    };
    expect(token.policies).toHaveLength(1);
    const [policy] = token.policies;
    expect(policy?.effect).toBe("allow");
    expect(JSON.parse(policy?.resources ?? "{}")).toEqual({
      [`com.cloudflare.edge.r2.bucket.${ACCOUNT}_default_registry-sandbox-blobs`]: "*",
    });
    const lookup = FAKE_INVOKES[
      "cloudflare:index/getAccountApiTokenPermissionGroupsList:getAccountApiTokenPermissionGroupsList"
    ] as (i: object) => { results: Array<{ id: string }> };
    const groups = ["Workers R2 Storage Bucket Item Read", "Workers R2 Storage Bucket Item Write"].map(
      (name) => lookup({ name }).results[0]?.id,
    );
    expect(policy?.permissionGroups).toEqual(groups.map((id) => ({ id })));
  });

  it("exports the S3-compatible endpoint and writer credentials, the secret half hidden", () => {
    const donors = plan.outputs.donors as Array<Record<string, unknown>>;
    const token = only("cloudflare:index/accountToken:AccountToken");
    expect(donors[1]).toEqual({
      donor: "cloudflare-r2",
      accountId: ACCOUNT,
      bucket: "registry-sandbox-blobs",
      baseUrl: "https://blobs.registry-sandbox.k8s.io",
      s3Endpoint: `https://${ACCOUNT}.r2.cloudflarestorage.com`,
      writerAccessKeyId: token.outputs.id,
      writerSecretAccessKey: "[secret]",
    });
  });

  it("is every redirector's default blob base URL", () => {
    const services = plan.resources.filter((r) => r.type === "gcp:cloudrunv2/service:Service");
    expect(services).toHaveLength(3);
    for (const s of services) {
      const env = (
        s.inputs as { template: { containers: Array<{ envs: Array<{ name: string; value: string }> }> } }
      ).template.containers[0]?.envs.find((e) => e.name === "REDIRECTOR_CONFIG");
      const table = RoutingTable.parse(JSON.parse(env?.value ?? "{}"));
      expect(table.defaultBlobBaseUrl).toBe("https://blobs.registry-sandbox.k8s.io");
    }
  });
});
