/**
 * The aws-s3 donor, Pulumi side: `registry:aws:S3Donor` holds one backend's provider, the
 * opt-in regions it enables, its mirrors (BlobMirrors) and its blob writer (BlobWriter).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { selectedRegions } from "../../fields";
import { adopted, awsIds } from "../../import-ids";
import { type Transform, transformed } from "../../transform";
import type { DonorContext, Provisioned, SyncIdentity } from "../donor";
import { type AwsS3Backend, optInRegions, type PolicyTemplate } from "./backend";
import { mirrorLayout } from "./layout";
import { BlobMirrors, type BlobMirrorsTransform } from "./mirrors";
import { ReplicationAlarms } from "./replication-alarms";
import { BlobWriter, type BlobWriterConfig, type BlobWriterTransform } from "./writer";

/** Adjust any child of an aws-s3 backend before it is declared (see infra/transform.ts). */
export interface AwsS3DonorTransform {
  provider?: Transform<aws.ProviderArgs>;
  optInRegion?: Transform<aws.account.RegionArgs>;
  mirrors?: BlobMirrorsTransform;
  writer?: BlobWriterTransform;
}

/** The tags every resource of a backend carries unless the backend says otherwise. */
export function defaultTags(stack: string): Record<string, string> {
  // Donors see in their bill what is the registry's, and from which stack.
  return { "managed-by": "pulumi", "pulumi-project": pulumi.getProject(), "pulumi-stack": stack };
}

/**
 * One provider per backend, pinned to its account: applying with credentials for any
 * other account fails before anything is changed. IAM is global; every S3 resource
 * names its own region, so the provider's region is only the default.
 */
export function providerArgs(b: AwsS3Backend, stack: string): aws.ProviderArgs {
  const tags = b.tags ?? defaultTags(stack);
  return {
    region: b.sourceRegion,
    allowedAccountIds: [b.accountId],
    ...(b.deployRoleArn ? { assumeRoles: [{ roleArn: b.deployRoleArn, sessionName: `pulumi-${stack}` }] } : {}),
    ...(Object.keys(tags).length ? { defaultTags: { tags } } : {}),
  };
}

/** The config's policy with `{bucket}` replaced by one bucket's name, wherever it appears. */
export function fillPolicyTemplate(template: PolicyTemplate, bucket: string): object {
  return JSON.parse(JSON.stringify(template).replaceAll("{bucket}", bucket));
}

export interface AwsS3DonorArgs {
  backend: AwsS3Backend;
  /** `promotion.blobWriter`: none when the sync job is the only writer. */
  writer?: BlobWriterConfig;
  stack: string;
  /** E-mailed when replication fails (with replication metrics on). */
  alertEmails?: readonly string[];
  /** The sync job's service account, which the writer role trusts too. */
  syncIdentity?: SyncIdentity;
  transform?: AwsS3DonorTransform;
}

export class AwsS3Donor extends pulumi.ComponentResource {
  readonly mirrors: BlobMirrors;
  readonly writer: BlobWriter;
  /** The provider every resource of the backend uses: pinned to its account. */
  readonly provider: aws.Provider;
  /** The opt-in regions this backend enables, by region. */
  readonly optInRegions: Record<string, aws.account.Region>;
  /** Failed replication, e-mailed; absent without replicas, metrics or e-mails. */
  readonly replicationAlarms?: ReplicationAlarms;

  constructor(name: string, args: AwsS3DonorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("registry:aws:S3Donor", name, {}, opts);
    const { backend: b } = args;
    const t = args.transform ?? {};
    const layout = mirrorLayout(b);
    const provider = new aws.Provider(...transformed(t.provider, name, providerArgs(b, args.stack), { parent: this }));
    this.provider = provider;
    const optIn =
      b.optInRegions === "enable"
        ? Object.fromEntries(
            optInRegions(b.regions).map((region) => [
              region,
              // Never turned off by Pulumi: disabling a region with buckets in it would strand them.
              new aws.account.Region(
                ...transformed(
                  t.optInRegion,
                  `${name}-region-${region}`,
                  { regionName: region, enabled: true },
                  {
                    parent: this,
                    provider,
                    retainOnDelete: true,
                    ...adopted(b.adopt?.optInRegions ? awsIds.optInRegion(region) : undefined),
                  },
                ),
              ),
            ]),
          )
        : {};
    const template = b.bucketPolicy;
    this.mirrors = new BlobMirrors(
      `${name}-mirrors`,
      {
        accountId: b.accountId,
        layout,
        provider,
        publicAccessBlock: b.publicAccessBlock,
        ...(template ? { bucketPolicy: (bucket: string) => fillPolicyTemplate(template, bucket) } : {}),
        replication: b.replication,
        optInRegions: optIn,
        adopt: selectedRegions(b.adopt?.buckets, b.regions),
        transform: t.mirrors,
      },
      { parent: this },
    );
    this.writer = new BlobWriter(
      `${name}-writer`,
      {
        writer: args.writer,
        roleName: layout.roles.writer,
        sourceBucket: layout.source.bucket,
        provider,
        externalRoleArn: b.writerRole,
        adoptOidcProvider: b.adopt?.oidcProvider,
        syncIdentity: args.syncIdentity,
        transform: t.writer,
      },
      { parent: this },
    );
    this.optInRegions = optIn;
    const emails = args.alertEmails ?? [];
    if (layout.destinations.length > 0 && b.replication.metrics && emails.length > 0) {
      this.replicationAlarms = new ReplicationAlarms(
        `${name}-replication-alarms`,
        { layout, ruleId: b.replication.ruleId, emails, provider },
        { parent: this },
      );
    }
    this.registerOutputs({ replicationRoleArn: this.mirrors.replicationRoleArn, writerRoleArn: this.writer.roleArn });
  }
}

export function provisionAwsS3(backend: AwsS3Backend, ctx: DonorContext<AwsS3DonorTransform>): Provisioned<AwsS3Donor> {
  const writer = ctx.promotion.blobWriter;
  // The config refuses an aws-s3 backend with neither; this only keeps the invariant.
  if (!writer && !ctx.syncIdentity) throw new Error("an aws-s3 backend needs promotion.blobWriter or a sync job");
  const donor = new AwsS3Donor(
    `aws-s3-${backend.accountId}`,
    {
      backend,
      writer,
      stack: ctx.stack,
      alertEmails: ctx.alerts?.emails,
      syncIdentity: ctx.syncIdentity,
      transform: ctx.transform,
    },
    ctx.opts,
  );
  return {
    component: donor,
    outputs: {
      donor: backend.donor,
      accountId: backend.accountId,
      sourceBucket: mirrorLayout(backend).source.bucket,
      buckets: donor.mirrors.buckets,
      writerRoleArn: donor.writer.roleArn,
      replicationRoleArn: donor.mirrors.replicationRoleArn,
    },
  };
}
