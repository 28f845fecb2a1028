/**
 * `registry:aws:BlobMirrors`: one public-read bucket per region, and S3 replication from
 * the source bucket to every other one. What to declare comes from layout.ts and
 * policies.ts; this only turns it into resources.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type Mirror, type MirrorLayout, replicationRules } from "./layout";
import { publicReadPolicy, replicationPolicy, replicationTrustPolicy } from "./policies";

export interface BlobMirrorsArgs {
  accountId: string;
  layout: MirrorLayout;
  provider: aws.Provider;
}

export class BlobMirrors extends pulumi.ComponentResource {
  readonly buckets: Array<{ region: string; name: pulumi.Output<string> }>;
  /** Null when there is only one bucket, so nothing to replicate to. */
  readonly replicationRoleArn: pulumi.Output<string> | null;

  constructor(name: string, args: BlobMirrorsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("registry:aws:BlobMirrors", name, {}, opts);
    const { layout } = args;
    const declared = layout.mirrors.map((m) => ({ mirror: m, ...this.mirror(m, args.provider) }));
    this.buckets = declared.map(({ mirror, bucket }) => ({ region: mirror.region, name: bucket.bucket }));

    const source = declared.find((d) => d.mirror.bucket === layout.source.bucket);
    if (!source) throw new Error(`source bucket ${layout.source.bucket} is not among the mirrors`);
    const versionings = declared.map((d) => d.versioning);
    this.replicationRoleArn =
      layout.destinations.length > 0 ? this.replication(args, source.bucket, versionings) : null;
    this.registerOutputs({ buckets: this.buckets, replicationRoleArn: this.replicationRoleArn });
  }

  /** A bucket and its settings, all in the bucket's region. */
  private mirror({ region, bucket: name }: Mirror, provider: aws.Provider) {
    const child = { parent: this, provider };
    // Companions are named after their bucket, so the plan and dependsOn read unambiguously.
    // The data: never deleted by Pulumi, even when dropped from the config.
    const bucket = new aws.s3.Bucket(name, { bucket: name, region }, { ...child, protect: true, retainOnDelete: true });
    // ACLs off (ownership enforced, public ACLs blocked); public access only through the policy.
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access`,
      {
        bucket: bucket.id,
        region,
        blockPublicAcls: true,
        ignorePublicAcls: true,
        blockPublicPolicy: false,
        restrictPublicBuckets: false,
      },
      child,
    );
    // New buckets block public policies until the access block above says otherwise.
    const policy = new aws.s3.BucketPolicy(
      `${name}-policy`,
      { bucket: bucket.id, region, policy: JSON.stringify(publicReadPolicy(name)) },
      { ...child, dependsOn: [publicAccess] },
    );
    // After the policy: S3 refuses concurrent configuration changes to one bucket.
    new aws.s3.BucketOwnershipControls(
      `${name}-ownership`,
      { bucket: bucket.id, region, rule: { objectOwnership: "BucketOwnerEnforced" } },
      { ...child, dependsOn: [policy] },
    );
    // Replication needs versioning on both ends.
    const versioning = new aws.s3.BucketVersioning(
      `${name}-versioning`,
      { bucket: bucket.id, region, versioningConfiguration: { status: "Enabled" } },
      child,
    );
    return { bucket, versioning };
  }

  /** The replication role (S3 only, this source only) and the source's rules to every destination. */
  private replication(args: BlobMirrorsArgs, source: aws.s3.Bucket, versionings: aws.s3.BucketVersioning[]) {
    const { layout } = args;
    const child = { parent: this, provider: args.provider };
    const roleName = layout.roles.replication;
    const role = new aws.iam.Role(
      roleName,
      {
        name: roleName,
        description: `S3 replication from ${layout.source.bucket} to the other registry mirrors`,
        assumeRolePolicy: JSON.stringify(replicationTrustPolicy(args.accountId, layout.source.bucket)),
      },
      child,
    );
    const permissions = new aws.iam.RolePolicy(
      `${roleName}-policy`,
      {
        role: role.name,
        name: "replicate-mirrors",
        policy: JSON.stringify(
          replicationPolicy(
            layout.source.bucket,
            layout.destinations.map((d) => d.bucket),
          ),
        ),
      },
      child,
    );
    new aws.s3.BucketReplicationConfig(
      `${layout.source.bucket}-replication`,
      { bucket: source.id, region: layout.source.region, role: role.arn, rules: replicationRules(layout.destinations) },
      { ...child, dependsOn: [...versionings, permissions] },
    );
    return role.arn;
  }
}
