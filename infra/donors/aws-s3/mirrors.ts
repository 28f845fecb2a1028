/**
 * `registry:aws:BlobMirrors`: one public-read bucket per region, and S3 replication from
 * the source bucket to every other one. What to declare comes from layout.ts and
 * policies.ts; this only turns it into resources.
 *
 * S3 answers concurrent configuration writes to one bucket with 409 OperationAborted, so
 * each bucket's settings are written one after another: public access block, policy
 * (new buckets refuse a public policy until the block allows it), ownership controls,
 * versioning, and on the source, replication last (it needs versioning at both ends).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { adopted, awsIds } from "../../import-ids";
import { type Transform, transformed } from "../../transform";
import { type Mirror, type MirrorLayout, type ReplicationSettings, replicationRules } from "./layout";
import { publicReadPolicy, replicationPolicy, replicationTrustPolicy } from "./policies";

export interface BlobMirrorsArgs {
  accountId: string;
  layout: MirrorLayout;
  provider: aws.Provider;
  publicAccessBlock: { blockPublicAcls: boolean; ignorePublicAcls: boolean };
  /** Each bucket's policy; the program's public-read-over-TLS policy when absent. */
  bucketPolicy?: (bucket: string) => object;
  replication: ReplicationSettings & {
    /** A role managed elsewhere; when absent this component declares its own. */
    role?: string;
  };
  /** Opt-in regions enabled by this program: their buckets wait for them. */
  optInRegions: Record<string, pulumi.Resource>;
  /** Regions whose bucket (with its settings, and the source's replication) exists: imported. */
  adopt: readonly string[];
  transform?: BlobMirrorsTransform;
}

/** Adjust any child before it is declared (see infra/transform.ts). */
export interface BlobMirrorsTransform {
  bucket?: Transform<aws.s3.BucketArgs>;
  publicAccessBlock?: Transform<aws.s3.BucketPublicAccessBlockArgs>;
  policy?: Transform<aws.s3.BucketPolicyArgs>;
  ownership?: Transform<aws.s3.BucketOwnershipControlsArgs>;
  versioning?: Transform<aws.s3.BucketVersioningArgs>;
  replication?: Transform<aws.s3.BucketReplicationConfigArgs>;
  replicationRole?: Transform<aws.iam.RoleArgs>;
}

/** One bucket and its settings, in the order they are written. */
export interface MirrorNodes {
  /** The bucket's name, known before anything is deployed (for logical names). */
  name: string;
  bucket: aws.s3.Bucket;
  publicAccessBlock: aws.s3.BucketPublicAccessBlock;
  policy: aws.s3.BucketPolicy;
  ownership: aws.s3.BucketOwnershipControls;
  /**
   * The last setting written: a new setting of this bucket (a lifecycle rule, say) must
   * depend on it, or S3 refuses the concurrent write.
   */
  versioning: aws.s3.BucketVersioning;
}

export class BlobMirrors extends pulumi.ComponentResource {
  readonly buckets: Array<{ region: string; name: pulumi.Output<string> }>;
  /** Null when there is only one bucket, so nothing to replicate to. */
  readonly replicationRoleArn: pulumi.Output<string> | null;
  /** The children, by bucket region; `replication` on the source bucket when there are replicas. */
  readonly nodes: { mirrors: Record<string, MirrorNodes>; replication?: aws.s3.BucketReplicationConfig };

  constructor(name: string, args: BlobMirrorsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("registry:aws:BlobMirrors", name, {}, opts);
    const { layout } = args;
    const mirrors = Object.fromEntries(layout.mirrors.map((m) => [m.region, this.mirror(m, args)]));
    this.buckets = layout.mirrors.map((m) => ({
      region: m.region,
      name: (mirrors[m.region] as MirrorNodes).bucket.bucket,
    }));

    const source = mirrors[layout.source.region];
    if (!source) throw new Error(`source bucket ${layout.source.bucket} is not among the mirrors`);
    const replication =
      layout.destinations.length > 0
        ? this.replication(
            args,
            source.bucket,
            Object.values(mirrors).map((m) => m.versioning),
          )
        : undefined;
    this.replicationRoleArn = replication?.role ?? null;
    this.nodes = { mirrors, ...(replication ? { replication: replication.config } : {}) };
    this.registerOutputs({ buckets: this.buckets, replicationRoleArn: this.replicationRoleArn });
  }

  /** A bucket and its settings, all in the bucket's region, each after the one before. */
  private mirror({ region, bucket: name }: Mirror, args: BlobMirrorsArgs): MirrorNodes {
    const child = { parent: this, provider: args.provider };
    const t = args.transform ?? {};
    const existing = adopted(args.adopt.includes(region) ? awsIds.s3(name, region) : undefined);
    const optIn = args.optInRegions[region];
    // The data: never deleted by Pulumi, even when dropped from the config.
    const bucket = new aws.s3.Bucket(
      ...transformed(
        t.bucket,
        name,
        { bucket: name, region },
        { ...child, ...existing, protect: true, retainOnDelete: true, ...(optIn ? { dependsOn: [optIn] } : {}) },
      ),
    );
    // Companions are named after their bucket, so the plan and dependsOn read unambiguously.
    // Public access only through the policy; with ownership enforced, ACLs have no effect anyway.
    const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
      ...transformed(
        t.publicAccessBlock,
        `${name}-public-access`,
        {
          bucket: bucket.id,
          region,
          ...args.publicAccessBlock,
          blockPublicPolicy: false,
          restrictPublicBuckets: false,
        },
        { ...child, ...existing },
      ),
    );
    const document = args.bucketPolicy?.(name) ?? publicReadPolicy(name);
    const policy = new aws.s3.BucketPolicy(
      ...transformed(
        t.policy,
        `${name}-policy`,
        { bucket: bucket.id, region, policy: JSON.stringify(document) },
        { ...child, ...existing, dependsOn: [publicAccessBlock] },
      ),
    );
    const ownership = new aws.s3.BucketOwnershipControls(
      ...transformed(
        t.ownership,
        `${name}-ownership`,
        { bucket: bucket.id, region, rule: { objectOwnership: "BucketOwnerEnforced" } },
        { ...child, ...existing, dependsOn: [policy] },
      ),
    );
    // Replication needs versioning on both ends.
    const versioning = new aws.s3.BucketVersioning(
      ...transformed(
        t.versioning,
        `${name}-versioning`,
        { bucket: bucket.id, region, versioningConfiguration: { status: "Enabled" } },
        { ...child, ...existing, dependsOn: [ownership] },
      ),
    );
    return { name, bucket, publicAccessBlock, policy, ownership, versioning };
  }

  /** The source's rules to every destination, as the program's own role or one managed elsewhere. */
  private replication(args: BlobMirrorsArgs, source: aws.s3.Bucket, chainEnds: pulumi.Resource[]) {
    const { layout } = args;
    const child = { parent: this, provider: args.provider };
    const own = args.replication.role === undefined ? this.replicationRole(args) : undefined;
    const role = own?.arn ?? pulumi.output(args.replication.role as string);
    const config = new aws.s3.BucketReplicationConfig(
      ...transformed(
        args.transform?.replication,
        `${layout.source.bucket}-replication`,
        {
          bucket: source.id,
          region: layout.source.region,
          role,
          rules: replicationRules(layout.destinations, args.replication),
        },
        {
          ...child,
          ...adopted(
            args.adopt.includes(layout.source.region)
              ? awsIds.s3(layout.source.bucket, layout.source.region)
              : undefined,
          ),
          dependsOn: [...chainEnds, ...(own ? [own.permissions] : [])],
        },
      ),
    );
    return { role, config };
  }

  /** Trusted only by S3, for this account's source bucket; allowed only to replicate into the mirrors. */
  private replicationRole(args: BlobMirrorsArgs) {
    const { layout } = args;
    const child = { parent: this, provider: args.provider };
    const roleName = layout.roles.replication;
    const role = new aws.iam.Role(
      ...transformed(
        args.transform?.replicationRole,
        roleName,
        {
          name: roleName,
          description: `S3 replication from ${layout.source.bucket} to the other registry mirrors`,
          assumeRolePolicy: JSON.stringify(replicationTrustPolicy(args.accountId, layout.source.bucket)),
        },
        child,
      ),
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
    return { arn: role.arn, permissions };
  }
}
