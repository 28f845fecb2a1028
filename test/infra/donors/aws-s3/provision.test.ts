/**
 * The aws-s3 donor as the prod stack declares it once its move from Terraform is done
 * (this program's own settings), under the mock engine: every bucket and companion in its
 * region, under its component, in the order S3 accepts, with the options that keep data safe.
 */
import { AWS_REGIONS } from "../../../../infra/catalog/aws-regions";
import { parseConfig } from "../../../../infra/config";
import type { AwsS3Backend } from "../../../../infra/donors/aws-s3/backend";
import { registry } from "../../../../infra/program";
import { evaluate, type Plan, type PlannedResource } from "../../../../tools/plan/engine";
import { migrated, prodValues } from "../../fixtures";

const config = parseConfig(migrated(prodValues()), { stack: "prod" });
const backend = config.backends[0] as AwsS3Backend;
const blobWriter = config.promotion.blobWriter;
const account = backend.accountId;
const bucketOf = (region: string) => `prod-registry-k8s-io-${region}`;
const source = bucketOf("us-east-2");
const destinations = backend.regions.filter((r) => r !== "us-east-2");

const OPT_IN = Object.entries(AWS_REGIONS).flatMap(([r, info]) => (info.optIn ? [r] : []));
const COMPONENT = `aws-s3-${account}`;
const MIRRORS = `${COMPONENT}-mirrors`;
const WRITER = `${COMPONENT}-writer`;
const PROVIDER = COMPONENT;

// Companion type -> logical name suffix after the bucket name.
const COMPANIONS = {
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "-public-access",
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": "-ownership",
  "aws:s3/bucketVersioning:BucketVersioning": "-versioning",
  "aws:s3/bucketPolicy:BucketPolicy": "-policy",
} as const;

let plan: Plan;
beforeAll(async () => {
  plan = await evaluate("prod", {}, () => registry({ config, stack: "prod" }).outputs);
}, 60_000);

const ofType = (type: string) => plan.resources.filter((r) => r.type === type);
function only(type: string): PlannedResource {
  const found = ofType(type);
  expect(found).toHaveLength(1);
  return found[0] as PlannedResource;
}
// biome-ignore lint/suspicious/noExplicitAny: reading engine-recorded inputs
const inputs = (r: PlannedResource | undefined) => (r?.inputs ?? {}) as Record<string, any>;

describe("prod: aws-s3 mirrors", () => {
  it("has 31 regions, us-east-2 the source", () => {
    expect(backend.regions).toHaveLength(31);
    expect(backend.sourceRegion).toBe("us-east-2");
  });

  it("declares exactly one bucket per region and nothing else", () => {
    const buckets = ofType("aws:s3/bucket:Bucket");
    expect(buckets.map((b) => inputs(b).bucket).sort()).toEqual(backend.regions.map(bucketOf).sort());
  });

  it.each(backend.regions)("%s: bucket in its region, protected, retained, under BlobMirrors", (region) => {
    const bucket = ofType("aws:s3/bucket:Bucket").find((b) => b.name === bucketOf(region));
    expect(inputs(bucket)).toEqual({ bucket: bucketOf(region), region });
    expect(bucket?.parent).toBe(MIRRORS);
    expect(bucket?.options).toMatchObject({ protect: true, retainOnDelete: true, provider: PROVIDER });
  });

  describe.each(Object.entries(COMPANIONS))("%s", (type, suffix) => {
    it("exists once per region, nowhere else", () => {
      expect(
        ofType(type)
          .map((r) => r.name)
          .sort(),
      ).toEqual(backend.regions.map((r) => bucketOf(r) + suffix).sort());
    });

    it.each(backend.regions)(
      "%s: on its bucket, in its region, under BlobMirrors, via the backend's provider",
      (region) => {
        const r = ofType(type).find((c) => c.name === bucketOf(region) + suffix);
        expect(inputs(r)).toMatchObject({ bucket: bucketOf(region), region });
        expect(r?.parent).toBe(MIRRORS);
        expect(r?.options.provider).toBe(PROVIDER);
      },
    );
  });

  it("blocks ACLs but lets the public-read policy through", () => {
    for (const r of ofType("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")) {
      expect(inputs(r)).toMatchObject({
        blockPublicAcls: true,
        ignorePublicAcls: true,
        blockPublicPolicy: false,
        restrictPublicBuckets: false,
      });
    }
  });

  it("enforces bucket ownership and enables versioning everywhere", () => {
    for (const r of ofType("aws:s3/bucketOwnershipControls:BucketOwnershipControls")) {
      expect(inputs(r).rule).toEqual({ objectOwnership: "BucketOwnerEnforced" });
    }
    for (const r of ofType("aws:s3/bucketVersioning:BucketVersioning")) {
      expect(inputs(r).versioningConfiguration).toEqual({ status: "Enabled" });
    }
  });

  it("sets each bucket's policy only after its public access block allows it", () => {
    for (const region of backend.regions) {
      const policy = ofType("aws:s3/bucketPolicy:BucketPolicy").find((p) => p.name === `${bucketOf(region)}-policy`);
      expect(policy?.options.dependsOn).toEqual([`${bucketOf(region)}-public-access`]);
      expect(JSON.parse(inputs(policy).policy).Statement[0].Resource).toBe(`arn:aws:s3:::${bucketOf(region)}`);
    }
  });

  // S3 answers concurrent configuration writes to one bucket with 409 OperationAborted.
  it.each(backend.regions)("%s: writes its bucket's settings one at a time, in one chain", (region) => {
    const b = bucketOf(region);
    const onBucket = plan.resources.filter((r) => r.type.startsWith("aws:s3/") && inputs(r).bucket === b);
    const waitsFor = (r: PlannedResource) => r.options.dependsOn.filter((d) => onBucket.some((o) => o.name === d));
    // Each setting waits for exactly the one before it; the chain covers every setting.
    const chain = [`${b}-public-access`, `${b}-policy`, `${b}-ownership`, `${b}-versioning`];
    for (const [i, name] of chain.entries()) {
      const r = onBucket.find((o) => o.name === name);
      expect(r && waitsFor(r)).toEqual(i === 0 ? [] : [chain[i - 1]]);
    }
    const replication = onBucket.find((o) => o.type === "aws:s3/bucketReplicationConfig:BucketReplicationConfig");
    expect(onBucket).toHaveLength(region === "us-east-2" ? 6 : 5);
    if (replication) expect(waitsFor(replication)).toEqual([`${b}-versioning`]);
  });

  it("creates a bucket in an opt-in region only once the region is enabled", () => {
    const regionResources = ofType("aws:account/region:Region");
    expect(regionResources.map((r) => inputs(r).regionName).sort()).toEqual(
      backend.regions.filter((r) => OPT_IN.includes(r)).sort(),
    );
    for (const r of regionResources) {
      expect(inputs(r).enabled).toBe(true);
      expect(r.options.retainOnDelete).toBe(true);
      const bucket = ofType("aws:s3/bucket:Bucket").find((b) => inputs(b).region === inputs(r).regionName);
      expect(bucket?.options.dependsOn).toEqual([r.name]);
    }
    expect(ofType("aws:s3/bucket:Bucket").find((b) => b.name === bucketOf("us-east-1"))?.options.dependsOn).toEqual([]);
  });
});

describe("prod: replication", () => {
  const config = () => only("aws:s3/bucketReplicationConfig:BucketReplicationConfig");

  it("is one configuration on the source bucket, in its region, run by the replication role", () => {
    expect(config().name).toBe(`${source}-replication`);
    expect(config().parent).toBe(MIRRORS);
    expect(inputs(config())).toMatchObject({
      bucket: source,
      region: "us-east-2",
      role: `arn:aws:iam::${account}:role/prod-registry-k8s-io-s3-replication`,
    });
  });

  it("has a rule for every other bucket exactly once, and none for the source", () => {
    const targets = inputs(config()).rules.map((r: { destination: { bucket: string } }) => r.destination.bucket);
    expect([...targets].sort()).toEqual(destinations.map((r) => `arn:aws:s3:::${bucketOf(r)}`).sort());
    expect(new Set(targets).size).toBe(30);
  });

  it("replicates the whole bucket and its delete markers, with distinct priorities", () => {
    const rules = inputs(config()).rules;
    for (const rule of rules) {
      expect(rule).toMatchObject({ status: "Enabled", filter: {}, deleteMarkerReplication: { status: "Enabled" } });
    }
    expect(new Set(rules.map((r: { priority: number }) => r.priority)).size).toBe(rules.length);
    expect(new Set(rules.map((r: { id: string }) => r.id)).size).toBe(rules.length);
  });

  it("waits for versioning on every bucket and for the role's permissions", () => {
    expect(config().options.dependsOn).toEqual(
      [...backend.regions.map((r) => `${bucketOf(r)}-versioning`), "prod-registry-k8s-io-s3-replication-policy"].sort(),
    );
  });

  it("has its own role and inline policy under BlobMirrors", () => {
    const role = ofType("aws:iam/role:Role").find((r) => r.name === "prod-registry-k8s-io-s3-replication");
    const policy = ofType("aws:iam/rolePolicy:RolePolicy").find((r) => r.name.endsWith("s3-replication-policy"));
    expect(role?.parent).toBe(MIRRORS);
    expect(JSON.parse(inputs(role).assumeRolePolicy).Statement[0].Principal).toEqual({ Service: "s3.amazonaws.com" });
    expect(inputs(policy).role).toBe("prod-registry-k8s-io-s3-replication");
  });
});

describe("prod: blob writer", () => {
  it("has exactly one OIDC provider in total, for the configured issuer and audience, kept when the backend goes", () => {
    const oidc = only("aws:iam/openIdConnectProvider:OpenIdConnectProvider");
    expect(inputs(oidc)).toEqual({ url: blobWriter?.oidcIssuer, clientIdLists: [blobWriter?.audience] });
    expect(oidc.parent).toBe(WRITER);
    expect(oidc.options).toMatchObject({ provider: PROVIDER, retainOnDelete: true });
  });

  it("has one role trusting that provider, with a policy on the source bucket only", () => {
    const role = ofType("aws:iam/role:Role").find((r) => r.name === "prod-registry-k8s-io-blob-writer");
    const trust = JSON.parse(inputs(role).assumeRolePolicy);
    const oidc = only("aws:iam/openIdConnectProvider:OpenIdConnectProvider");
    expect(trust.Statement[0].Principal).toEqual({ Federated: oidc.outputs.arn });
    expect(role?.parent).toBe(WRITER);
    const policy = ofType("aws:iam/rolePolicy:RolePolicy").find((r) => r.name.endsWith("blob-writer-policy"));
    const resources = JSON.parse(inputs(policy).policy).Statement.flatMap((s: { Resource: string }) => s.Resource);
    expect(resources).toEqual([`arn:aws:s3:::${source}`, `arn:aws:s3:::${source}/*`]);
  });

  it("declares no IAM resource in a region: IAM is global", () => {
    for (const r of plan.resources.filter((r) => r.type.startsWith("aws:iam/")))
      expect(inputs(r).region).toBeUndefined();
  });
});

describe("prod: provider and components", () => {
  it("has one explicit provider pinned to the donor account, used by every AWS resource", () => {
    const provider = only("pulumi:providers:aws");
    expect(provider.name).toBe(PROVIDER);
    expect(JSON.parse(inputs(provider).allowedAccountIds)).toEqual([account]);
    expect(inputs(provider).assumeRoles).toBeUndefined();
    for (const r of plan.resources.filter((r) => r.type.startsWith("aws:"))) expect(r.options.provider).toBe(PROVIDER);
  });

  it("nests BlobMirrors, BlobWriter and the replication alarms under one S3Donor at the top level", () => {
    const components = plan.resources.filter((r) => r.type.startsWith("registry:aws:"));
    expect(components.map((c) => [c.type, c.name, c.parent])).toEqual([
      ["registry:aws:S3Donor", COMPONENT, null],
      ["registry:aws:BlobMirrors", MIRRORS, COMPONENT],
      ["registry:aws:BlobWriter", WRITER, COMPONENT],
      ["registry:aws:ReplicationAlarms", `${COMPONENT}-replication-alarms`, COMPONENT],
    ]);
  });

  it("adds 213 resources: 5 per region, the replication, the writer, the provider, the components, 15 opt-in regions, the alarms", () => {
    const aws = plan.resources.filter((r) => /^(aws:|registry:aws:|pulumi:providers:aws$)/.test(r.type));
    // The alarms: a topic, prod's one e-mail subscription, one alarm per destination.
    expect(aws).toHaveLength(31 * 5 + 3 + 3 + 1 + 4 + 15 + (2 + 30));
  });
});

describe("prod: stack outputs", () => {
  it("export each bucket with its region, and both role ARNs", () => {
    expect(plan.outputs.donors).toEqual([
      {
        donor: "aws-s3",
        accountId: account,
        sourceBucket: source,
        buckets: backend.regions.map((region) => ({ region, name: bucketOf(region) })),
        writerRoleArn: `arn:aws:iam::${account}:role/prod-registry-k8s-io-blob-writer`,
        replicationRoleArn: `arn:aws:iam::${account}:role/prod-registry-k8s-io-s3-replication`,
      },
    ]);
  });

  it("keep the routing outputs", () => {
    expect(plan.outputs).toMatchObject({ domain: "registry.k8s.io", routing: { mirrors: expect.any(Array) } });
  });
});
