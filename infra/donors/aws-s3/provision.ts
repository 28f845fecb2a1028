/**
 * The aws-s3 donor, Pulumi side: `registry:aws:S3Donor` holds one backend's provider, its
 * mirrors (BlobMirrors) and its blob writer (BlobWriter).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { DonorContext, DonorOutputs } from "../donor";
import type { AwsS3Backend } from "./backend";
import { mirrorLayout } from "./layout";
import { BlobMirrors } from "./mirrors";
import { BlobWriter, type BlobWriterConfig } from "./writer";

/**
 * One provider per backend, pinned to its account: applying with credentials for any
 * other account fails before anything is changed. IAM is global; every S3 resource
 * names its own region, so the provider's region is only the default.
 */
export function providerArgs(b: AwsS3Backend, stack: string): aws.ProviderArgs {
  return {
    region: b.sourceRegion,
    allowedAccountIds: [b.accountId],
    ...(b.deployRoleArn ? { assumeRoles: [{ roleArn: b.deployRoleArn, sessionName: `pulumi-${stack}` }] } : {}),
    // Donors see in their bill what is the registry's, and from which stack.
    defaultTags: { tags: { "managed-by": "pulumi", "pulumi-project": pulumi.getProject(), "pulumi-stack": stack } },
  };
}

export interface AwsS3DonorArgs {
  backend: AwsS3Backend;
  writer: BlobWriterConfig;
  stack: string;
}

export class AwsS3Donor extends pulumi.ComponentResource {
  readonly mirrors: BlobMirrors;
  readonly writer: BlobWriter;

  constructor(name: string, args: AwsS3DonorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("registry:aws:S3Donor", name, {}, opts);
    const { backend } = args;
    const layout = mirrorLayout(backend);
    const provider = new aws.Provider(name, providerArgs(backend, args.stack), { parent: this });
    this.mirrors = new BlobMirrors(
      `${name}-mirrors`,
      { accountId: backend.accountId, layout, provider },
      { parent: this },
    );
    this.writer = new BlobWriter(
      `${name}-writer`,
      { writer: args.writer, roleName: layout.roles.writer, sourceBucket: layout.source.bucket, provider },
      { parent: this },
    );
    this.registerOutputs({});
  }
}

export function provisionAwsS3(backend: AwsS3Backend, ctx: DonorContext): DonorOutputs {
  const writer = ctx.promotion.blobWriter;
  // The config refuses an aws-s3 backend without a blob writer; this only narrows the type.
  if (!writer) throw new Error("an aws-s3 backend needs promotion.blobWriter");
  const donor = new AwsS3Donor(
    `aws-s3-${backend.accountId}`,
    { backend, writer, stack: ctx.stack },
    { parent: ctx.parent },
  );
  return {
    donor: backend.donor,
    accountId: backend.accountId,
    sourceBucket: mirrorLayout(backend).source.bucket,
    buckets: donor.mirrors.buckets,
    writerRoleArn: donor.writer.roleArn,
    replicationRoleArn: donor.mirrors.replicationRoleArn,
  };
}
