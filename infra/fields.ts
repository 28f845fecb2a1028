/**
 * Field schemas shared by the config and the donor modules. Every refinement names the
 * offending value, so a message reads on its own: `"us-esat-1" is not an AWS region`.
 */
import { z } from "zod";
import { AWS_REGIONS, type AwsPartition } from "./catalog/aws-regions";
import { GCP_REGIONS } from "./catalog/gcp-regions";
import { suggestion } from "./did-you-mean";

const show = (v: unknown) => JSON.stringify(v);

export const GcpRegion = z
  .string()
  .refine((v) => Object.hasOwn(GCP_REGIONS, v), {
    abort: true,
    error: (iss) => `${show(iss.input)} is not a GCP region${suggestion(String(iss.input), Object.keys(GCP_REGIONS))}`,
  })
  .meta({ type: "GCP region" });

export const AwsRegion = z
  .string()
  .refine((v) => Object.hasOwn(AWS_REGIONS, v), {
    abort: true,
    error: (iss) => `${show(iss.input)} is not an AWS region${suggestion(String(iss.input), Object.keys(AWS_REGIONS))}`,
  })
  .meta({ type: "AWS region" });

/** An AWS region of one partition: where a given account can create resources. */
export function awsRegionIn(partition: AwsPartition) {
  return AwsRegion.refine((v) => AWS_REGIONS[v]?.partition === partition, {
    error: (iss) =>
      `${show(iss.input)} is in the ${AWS_REGIONS[String(iss.input)]?.partition} partition; this account is in "${partition}"`,
  });
}

/** A list whose items must be distinct; each repeat is reported at its own index. */
export function distinctList<T extends z.ZodType<string>>(item: T) {
  return z.array(item).superRefine((items, ctx) => {
    items.forEach((v, i) => {
      const first = items.indexOf(v);
      if (first !== i)
        ctx.addIssue({ code: "custom", path: [i], message: `${show(v)} is listed twice (also at [${first}])` });
    });
  });
}

export const GcpProjectId = z
  .string()
  .regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, {
    error: (iss) => `${show(iss.input)} is not a GCP project ID (6-30 lowercase letters, digits or hyphens)`,
  })
  .meta({ type: "GCP project ID" });

/** A service account's ID, the part of its email before `@`. */
export const GcpServiceAccountId = z
  .string()
  .regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, {
    error: (iss) => `${show(iss.input)} is not a service account ID (6-30 lowercase letters, digits or hyphens)`,
  })
  .meta({ type: "service account ID" });

/** Artifact Registry repository IDs, Cloud Run service names and the like. */
export const GcpResourceId = z
  .string()
  .regex(/^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/, {
    error: (iss) => `${show(iss.input)} is not a valid ID (lowercase letters, digits and hyphens, up to 63)`,
  })
  .meta({ type: "name" });

export const AwsAccountId = z
  .string()
  .regex(/^\d{12}$/, {
    error: (iss) => `${show(iss.input)} is not an AWS account ID (12 digits, quoted in YAML)`,
  })
  .meta({ type: "string of 12 digits (quote it in YAML)" });

const HOSTNAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;
export const Hostname = z
  .string()
  .regex(HOSTNAME, {
    error: (iss) => `${show(iss.input)} is not a lowercase DNS name`,
  })
  .meta({ type: "DNS name" });

/** Printable ASCII only: URLs end up in Location headers, and parsing hides CR/LF. */
const UrlText = z.string().refine((v) => /^[\x21-\x7e]+$/.test(v), {
  abort: true,
  error: (iss) => `${show(iss.input)} must be printable ASCII (percent-encode)`,
});

/** An https URL to prefix paths with: no query, fragment, credentials or trailing slash. */
export const HttpsBaseUrl = UrlText.refine(
  (v) => {
    try {
      const u = new URL(v);
      return u.protocol === "https:" && !u.search && !u.hash && !u.username && !u.password && !v.endsWith("/");
    } catch {
      return false;
    }
  },
  { error: (iss) => `${show(iss.input)} is not an https URL without query, fragment or trailing "/"` },
).meta({ type: "https URL" });

export const HttpsUrl = UrlText.refine(
  (v) => {
    try {
      return new URL(v).protocol === "https:";
    } catch {
      return false;
    }
  },
  { error: (iss) => `${show(iss.input)} is not an https URL` },
).meta({ type: "https URL" });

/** `<host>/<path>[:tag][@sha256:<64 hex>]`. */
const IMAGE = /^[a-z0-9.-]+(?::\d+)?(?:\/[a-z0-9._-]+)+(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
export const ImageReference = z
  .string()
  .regex(IMAGE, {
    error: (iss) => `${show(iss.input)} is not an image reference like "host/path@sha256:<digest>"`,
  })
  .meta({ type: "image reference" });

export function isDigestPinned(image: string): boolean {
  return /@sha256:[a-f0-9]{64}$/.test(image);
}

/**
 * Who may write to Artifact Registry. Public members are refused here: nothing in this
 * registry is ever publicly writable.
 */
export const GcpWriterMember = z
  .string()
  .refine((v) => v !== "allUsers" && v !== "allAuthenticatedUsers", {
    error: (iss) => `${show(iss.input)} would make every repository publicly writable`,
    abort: true,
  })
  .regex(/^(principal|principalSet):\/\/iam\.googleapis\.com\/\S+$|^(serviceAccount|group):[^\s@]+@[^\s@]+$/, {
    error: (iss) =>
      `${show(iss.input)} is not a writer principal (principal://, principalSet://, serviceAccount: or group:)`,
  })
  // `.../workloadIdentityPools/<pool>/*` is every identity the pool federates.
  .refine((v) => !/^principalSet:\/\/.*\/workloadIdentityPools\/[^/]+\/\*$/.test(v), {
    error: (iss) =>
      `${show(iss.input)} lets every identity of the pool push; name the subject (principal://...) or an attribute`,
  })
  .meta({ type: "principal" });

/**
 * Every backend entry has it: `false` takes the donor out of the routing tables while
 * keeping its resources (and data), the first step of retiring or pausing a donor.
 */
export const InRotation = z
  .boolean()
  .default(true)
  .meta({ description: "`false` takes the donor out of every routing table, keeping its resources and data" });

/**
 * Which of a section's regions something applies to: `all` of them, or a list. Used by
 * `adopt` (which of the declared resources already exist); a listed region the section
 * does not declare is refused by the section's own rule (see `regionSelectionProblems`).
 */
export const RegionSelection = z
  .union([z.literal("all"), distinctList(z.string())], {
    error: (iss) => `${show(iss.input)} must be "all" or a list of regions`,
  })
  .meta({ type: "`all` or a list of regions" });
export type RegionSelection = z.output<typeof RegionSelection>;

export function selectedRegions(selection: RegionSelection | undefined, declared: readonly string[]): string[] {
  if (selection === undefined) return [];
  return selection === "all" ? [...declared] : declared.filter((r) => selection.includes(r));
}

/** One problem per selected region that `declared` lacks, at `path` + its index. */
export function regionSelectionProblems(
  selection: RegionSelection | undefined,
  declared: readonly string[],
  what: string,
): Array<{ index: number; message: string }> {
  if (selection === undefined || selection === "all") return [];
  return selection.flatMap((region, index) =>
    declared.includes(region)
      ? []
      : [
          {
            index,
            message: `${show(region)} is not one of ${what}${suggestion(region, declared)}; only what the config declares can be adopted`,
          },
        ],
  );
}

/**
 * A resource name with placeholders, e.g. `{project}-{region}-neg`: names that another
 * tool gave resources which this program adopts. Only the listed placeholders are allowed,
 * and `{region}` is required so each region gets its own name.
 */
export function namePattern(placeholders: readonly string[]) {
  return z
    .string()
    .superRefine((v, ctx) => {
      const used = [...v.matchAll(/\{([^}]*)\}/g)].map((m) => m[1] ?? "");
      const unknown = used.filter((p) => !placeholders.includes(p));
      if (unknown.length) {
        ctx.addIssue({
          code: "custom",
          message: `${show(v)} uses ${unknown.map((p) => `{${p}}`).join(", ")}; known placeholders: ${placeholders.map((p) => `{${p}}`).join(", ")}`,
        });
      } else if (!used.includes("region")) {
        ctx.addIssue({ code: "custom", message: `${show(v)} must contain {region}` });
      } else if (!/^[a-z{][a-z0-9{}-]*$/.test(v)) {
        ctx.addIssue({
          code: "custom",
          message: `${show(v)} may only hold lowercase letters, digits, hyphens and placeholders`,
        });
      }
    })
    .meta({ type: `name pattern with ${placeholders.map((p) => `{${p}}`).join(", ")}` });
}

/** Fills a name pattern's placeholders. */
export function fillPattern(pattern: string, values: Record<string, string>): string {
  return pattern.replace(/\{([^}]*)\}/g, (whole, p: string) => values[p] ?? whole);
}

/** An IAM role's ARN (commercial partition), e.g. one another tool manages. */
export const IamRoleArn = z
  .string()
  .regex(/^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]+$/, {
    error: (iss) => `${show(iss.input)} is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)`,
  })
  .meta({ type: "IAM role ARN" });

/** The account an IAM ARN belongs to. */
export function arnAccount(arn: string): string | undefined {
  return /^arn:aws:iam::(\d{12}):/.exec(arn)?.[1];
}
