/**
 * The `aws-s3` donor, pure side: its config entry, bucket naming and routes.
 * One bucket per region, all in one account; the sync writes the source bucket and S3
 * replication copies to the rest.
 */
import { z } from "zod";
import { byCodePoint } from "../../compare";
import { AwsAccountId, AwsRegion, awsRegionIn, distinctList, InRotation } from "../../fields";
import type { DonorKind, DonorRoutes } from "../donor";

/** S3 naming rules, plus no dots: virtual-hosted https breaks on dotted names. */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return `is ${name.length} characters (S3 allows 3-63)`;
  if (!/^[a-z0-9][a-z0-9-]*[a-z0-9]$/.test(name)) {
    return "may only hold lowercase letters, digits and inner hyphens";
  }
  if (/^(xn--|sthree-|amzn-s3-demo-)/.test(name) || /(-s3alias|--ol-s3|--x-s3|--table-s3)$/.test(name)) {
    return "uses a prefix or suffix S3 reserves";
  }
  return undefined;
}

export function bucketName(prefix: string, region: string): string {
  return `${prefix}${region}`;
}

/** IAM caps role names at 64 characters. */
const MAX_ROLE_NAME = 64;

/**
 * The backend's two IAM roles, named after its buckets so that stacks sharing an account
 * (prefixes differ, as bucket names are global) never collide.
 */
export function roleNames(prefix: string): { writer: string; replication: string } {
  return { writer: `${prefix}blob-writer`, replication: `${prefix}s3-replication` };
}

/** The dualstack virtual-hosted endpoint: reachable over IPv4 and IPv6. */
export function bucketBaseUrl(bucket: string, region: string): string {
  return `https://${bucket}.s3.dualstack.${region}.amazonaws.com`;
}

const Region = awsRegionIn("aws");

export const AwsS3Backend = z
  .strictObject({
    donor: z.literal("aws-s3"),
    /** `false`: out of the routing tables, resources kept. */
    inRotation: InRotation,
    /** The donor account that owns the buckets and the writer role. */
    accountId: AwsAccountId,
    /** Bucket names are `<bucketPrefix><region>`. */
    bucketPrefix: z.string(),
    /** The one bucket the blob sync writes; replication fans out from it. */
    sourceRegion: Region,
    /** One bucket per region. */
    regions: distinctList(Region).min(1, { error: "must list at least one region" }),
    /** Client regions without a bucket, served by another region's bucket. */
    serve: z.record(z.string(), z.string()).default({}),
    /** Role Pulumi assumes in the donor account, if the ambient credentials are elsewhere. */
    deployRoleArn: z
      .string()
      .regex(/^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]+$/, {
        error: (iss) => `${JSON.stringify(iss.input)} is not an IAM role ARN`,
      })
      .optional(),
  })
  .superRefine((b, ctx) => {
    if (!b.regions.includes(b.sourceRegion)) {
      ctx.addIssue({
        code: "custom",
        path: ["sourceRegion"],
        message: `"${b.sourceRegion}" has no bucket: add it to regions`,
      });
    }
    const longest = [...b.regions].sort((x, y) => y.length - x.length)[0];
    const problem = longest && bucketNameProblem(bucketName(b.bucketPrefix, longest));
    if (problem) {
      ctx.addIssue({
        code: "custom",
        path: ["bucketPrefix"],
        message: `${JSON.stringify(b.bucketPrefix)} makes bucket "${bucketName(b.bucketPrefix, longest)}", which ${problem}`,
      });
    }
    // One problem per prefix: a prefix short enough for the buckets may still be too long here.
    const longRole = Object.values(roleNames(b.bucketPrefix)).sort((x, y) => y.length - x.length)[0] ?? "";
    if (!problem && longRole.length > MAX_ROLE_NAME) {
      ctx.addIssue({
        code: "custom",
        path: ["bucketPrefix"],
        message: `${JSON.stringify(b.bucketPrefix)} makes IAM role "${longRole}", which is ${longRole.length} characters (IAM allows ${MAX_ROLE_NAME})`,
      });
    }
    for (const [client, target] of Object.entries(b.serve)) {
      const clientCheck = AwsRegion.safeParse(client);
      if (!clientCheck.success) {
        ctx.addIssue({ code: "custom", path: ["serve", client], message: clientCheck.error.issues[0]?.message ?? "" });
      } else if (b.regions.includes(client)) {
        ctx.addIssue({
          code: "custom",
          path: ["serve", client],
          message: `"${client}" has its own bucket; remove it from serve or from regions`,
        });
      }
      if (!b.regions.includes(target)) {
        ctx.addIssue({
          code: "custom",
          path: ["serve", client],
          message: `target ${JSON.stringify(target)} has no bucket (not in regions)`,
        });
      }
    }
  });
export type AwsS3Backend = z.output<typeof AwsS3Backend>;

/** Every client region the backend serves, with the region of the bucket serving it. */
export function servedRegions(b: AwsS3Backend): Array<{ clientRegion: string; bucketRegion: string }> {
  const own = b.regions.map((r) => ({ clientRegion: r, bucketRegion: r }));
  const aliased = Object.entries(b.serve).map(([clientRegion, bucketRegion]) => ({ clientRegion, bucketRegion }));
  return [...own, ...aliased].sort((x, y) => byCodePoint(x.clientRegion, y.clientRegion));
}

function routes(b: AwsS3Backend): DonorRoutes {
  return {
    mirrors: servedRegions(b).map(({ clientRegion, bucketRegion }) => ({
      cloud: "aws" as const,
      clientRegion,
      baseUrl: bucketBaseUrl(bucketName(b.bucketPrefix, bucketRegion), bucketRegion),
    })),
  };
}

export const awsS3 = { kind: "aws-s3", schema: AwsS3Backend, routes } satisfies DonorKind<AwsS3Backend>;
