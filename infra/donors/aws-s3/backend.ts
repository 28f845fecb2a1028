/**
 * The `aws-s3` donor, pure side: its config entry, bucket naming and routes.
 * One bucket per region, all in one account; the sync writes the source bucket and S3
 * replication copies to the rest.
 */
import { z } from "zod";
import { AWS_REGIONS } from "../../catalog/aws-regions";
import { byCodePoint } from "../../compare";
import {
  AwsAccountId,
  AwsRegion,
  arnAccount,
  awsRegionIn,
  distinctList,
  fillPattern,
  IamRoleArn,
  InRotation,
  namePattern,
  RegionSelection,
  regionSelectionProblems,
} from "../../fields";
import type { DonorKind, DonorRoutes, SyncTarget } from "../donor";

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
/** S3 caps replication rule IDs at 255 characters. */
const MAX_RULE_ID = 255;

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
const show = (v: unknown) => JSON.stringify(v);

/** The regions of a list that AWS keeps disabled until the account opts in. */
export function optInRegions(regions: readonly string[]): string[] {
  return regions.filter((r) => AWS_REGIONS[r]?.optIn);
}

/** A bucket policy written out in the config: any IAM policy document, `{bucket}` for each bucket's name. */
const PolicyTemplate = z
  .strictObject({
    Id: z.string().optional(),
    Version: z.literal("2012-10-17"),
    Statement: z.array(z.record(z.string(), z.unknown())).min(1),
  })
  .refine((doc) => JSON.stringify(doc).includes("{bucket}"), {
    error: 'must refer to its bucket as "{bucket}" (each bucket gets its own copy)',
  });
export type PolicyTemplate = z.output<typeof PolicyTemplate>;

const Replication = z.strictObject({
  role: IamRoleArn.optional().meta({
    default: "this program's replication role (trusted only by S3, for this source bucket)",
    description: "a role managed elsewhere, for an adopted registry",
  }),
  ruleId: namePattern(["region"]).default("to-{region}").meta({ description: "each rule's ID" }),
  priorities: z.record(z.string(), z.int().min(0)).optional().meta({
    type: "map destination region -> integer",
    default: "1, 2, ... in `regions` order",
    description: "each rule's priority (distinct)",
  }),
  metrics: z
    .boolean()
    .default(true)
    .meta({ description: "replication metrics per rule (CloudWatch: pending, failed)" }),
});

const Adopt = z.strictObject({
  buckets: RegionSelection.optional().meta({
    description:
      "buckets that exist, with their settings (and the source's replication): imported as `<bucket>@<region>`",
  }),
  optInRegions: z.boolean().default(false).meta({ description: "the opt-in regions are enabled already: imported" }),
  oidcProvider: z
    .string()
    .regex(/^arn:aws:iam::\d{12}:oidc-provider\/[^\s/]+(\/[^\s/]+)*$/, {
      error: (iss) =>
        `${show(iss.input)} is not an OIDC provider ARN (arn:aws:iam::<account>:oidc-provider/<issuer host/path>)`,
    })
    .optional()
    .meta({
      type: "OIDC provider ARN",
      description:
        "the account's provider for `promotion.blobWriter.oidcIssuer`: imported (it must be that issuer's, in this account)",
    }),
});

export const AwsS3Backend = z
  .strictObject({
    donor: z.literal("aws-s3").meta({ description: "a bucket per AWS region, in one account" }),
    inRotation: InRotation,
    accountId: AwsAccountId.meta({ description: "the donor account; one backend per account" }),
    bucketPrefix: z.string().meta({
      description: "buckets are `<bucketPrefix><region>`; every name must be a valid S3 name without dots",
    }),
    sourceRegion: Region.meta({ description: "the bucket the sync writes; must be in `regions`" }),
    regions: distinctList(Region)
      .min(1, { error: "must list at least one region" })
      .meta({ type: "list of AWS regions (commercial partition)", description: "one bucket each" }),
    serve: z.record(z.string(), z.string()).default({}).meta({
      type: "map client region -> bucket region",
      description: "clients in a region without a bucket, served by another region's bucket (`cn-north-1: ap-east-1`)",
    }),
    deployRoleArn: IamRoleArn.optional().meta({
      description: "role Pulumi assumes to manage this account (session `pulumi-<stack>`)",
    }),
    optInRegions: z.enum(["enable", "enabled"]).optional().meta({
      default: "required when `regions` has an opt-in region",
      description:
        "`enable` declares them enabled (`aws.account.Region`, retained; the deploy role needs `account:EnableRegion`), and their buckets wait for it; `enabled` says they already are. A config without it names the opt-in regions",
    }),
    tags: z.record(z.string(), z.string()).optional().meta({
      default: "`managed-by`, `pulumi-project`, `pulumi-stack`",
      description: "tags on every resource of the backend (the provider's default tags); `{}` for none",
    }),
    publicAccessBlock: z
      .strictObject({ blockPublicAcls: z.boolean(), ignorePublicAcls: z.boolean() })
      .default({ blockPublicAcls: true, ignorePublicAcls: true })
      .meta({
        type: "`{blockPublicAcls, ignorePublicAcls}`",
        default: "both `true`",
        description:
          "the ACL blocks (the public policy is always allowed; ownership is always enforced, so ACLs do nothing either way)",
      }),
    bucketPolicy: PolicyTemplate.optional().meta({
      type: "IAM policy document with `{bucket}`",
      default: "public list and read, all else denied without TLS",
      description: "every bucket's policy, written out (an adopted registry's)",
    }),
    replication: Replication.prefault({}),
    writerRole: IamRoleArn.optional().meta({
      default: "this program's writer role",
      description: "the blob sync's role, when another tool manages it (no writer role is declared)",
    }),
    adopt: Adopt.optional(),
  })
  .superRefine((b, ctx) => {
    const problem = (path: PropertyKey[], message: string) => ctx.addIssue({ code: "custom", path, message });
    if (!b.regions.includes(b.sourceRegion))
      problem(["sourceRegion"], `"${b.sourceRegion}" has no bucket: add it to regions`);
    const longest = [...b.regions].sort((x, y) => y.length - x.length)[0];
    const nameProblem = longest && bucketNameProblem(bucketName(b.bucketPrefix, longest));
    if (nameProblem) {
      problem(
        ["bucketPrefix"],
        `${show(b.bucketPrefix)} makes bucket "${bucketName(b.bucketPrefix, longest)}", which ${nameProblem}`,
      );
    }
    // One problem per prefix: a prefix short enough for the buckets may still be too long here.
    const longRole = Object.values(roleNames(b.bucketPrefix)).sort((x, y) => y.length - x.length)[0] ?? "";
    if (!nameProblem && longRole.length > MAX_ROLE_NAME) {
      problem(
        ["bucketPrefix"],
        `${show(b.bucketPrefix)} makes IAM role "${longRole}", which is ${longRole.length} characters (IAM allows ${MAX_ROLE_NAME})`,
      );
    }
    for (const [client, target] of Object.entries(b.serve)) {
      const clientCheck = AwsRegion.safeParse(client);
      if (!clientCheck.success) problem(["serve", client], clientCheck.error.issues[0]?.message ?? "");
      else if (b.regions.includes(client)) {
        problem(["serve", client], `"${client}" has its own bucket; remove it from serve or from regions`);
      }
      if (!b.regions.includes(target))
        problem(["serve", client], `target ${show(target)} has no bucket (not in regions)`);
    }
    const optIn = optInRegions(b.regions);
    if (optIn.length && !b.optInRegions) {
      problem(
        ["optInRegions"],
        `is required: ${optIn.join(", ")} ${optIn.length === 1 ? "is an opt-in region" : "are opt-in regions"}, disabled in a new account; "enable" declares ${optIn.length === 1 ? "it" : "them"} enabled (needs account:EnableRegion), "enabled" says ${optIn.length === 1 ? "it is" : "they are"} already`,
      );
    }
    for (const [key, arn] of [
      ["deployRoleArn", b.deployRoleArn],
      ["writerRole", b.writerRole],
    ] as const) {
      if (arn && arnAccount(arn) !== b.accountId) problem([key], `${show(arn)} is not in account ${b.accountId}`);
    }
    if (b.replication.role && arnAccount(b.replication.role) !== b.accountId) {
      problem(["replication", "role"], `${show(b.replication.role)} is not in account ${b.accountId}`);
    }
    const destinations = b.regions.filter((r) => r !== b.sourceRegion);
    if (b.replication.priorities) {
      const given = b.replication.priorities;
      for (const r of Object.keys(given).filter((r) => !destinations.includes(r))) {
        problem(
          ["replication", "priorities", r],
          `${show(r)} is not a replication destination (one of regions, not sourceRegion)`,
        );
      }
      for (const r of destinations.filter((r) => !(r in given))) {
        problem(["replication", "priorities"], `has no priority for destination ${show(r)}`);
      }
      const seen = new Map<number, string>();
      for (const [r, p] of Object.entries(given)) {
        const first = seen.get(p);
        if (first !== undefined)
          problem(["replication", "priorities", r], `priority ${p} is also ${first}'s; S3 needs distinct priorities`);
        else seen.set(p, r);
      }
    }
    const longestRule = fillPattern(b.replication.ruleId, { region: longest ?? "" });
    if (longestRule.length > MAX_RULE_ID) {
      problem(
        ["replication", "ruleId"],
        `makes rule ID "${longestRule}", ${longestRule.length} characters (S3 allows ${MAX_RULE_ID})`,
      );
    }
    const adopt = b.adopt;
    if (!adopt) return;
    for (const p of regionSelectionProblems(adopt.buckets, b.regions, "regions")) {
      problem(["adopt", "buckets", p.index], p.message);
    }
    if (adopt.optInRegions && b.optInRegions !== "enable") {
      problem(
        ["adopt", "optInRegions"],
        'adopts the opt-in regions, but optInRegions is not "enable", so none are declared',
      );
    }
    if (adopt.oidcProvider && arnAccount(adopt.oidcProvider) !== b.accountId) {
      problem(["adopt", "oidcProvider"], `${show(adopt.oidcProvider)} is not in account ${b.accountId}`);
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

/** The blob writer role's ARN: the one managed elsewhere, or the one this program declares (path `/`). */
export function writerRoleArn(b: Pick<AwsS3Backend, "accountId" | "bucketPrefix" | "writerRole">): string {
  return b.writerRole ?? `arn:aws:iam::${b.accountId}:role/${roleNames(b.bucketPrefix).writer}`;
}

/** The sync fills the source bucket (replication does the rest) as the writer role. */
function syncTarget(b: AwsS3Backend): SyncTarget {
  return {
    key: `aws-${b.accountId}`,
    bucket: bucketName(b.bucketPrefix, b.sourceRegion),
    region: b.sourceRegion,
    credentials: { kind: "aws-role", roleArn: writerRoleArn(b) },
  };
}

export const awsS3 = { kind: "aws-s3", schema: AwsS3Backend, routes, syncTarget } satisfies DonorKind<AwsS3Backend>;
