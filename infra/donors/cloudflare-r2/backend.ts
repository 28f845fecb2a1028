/**
 * The `cloudflare-r2` donor, pure side: one global bucket (R2 has no regions to pick
 * per client; Cloudflare's edge serves it from everywhere) behind a custom domain on the
 * registry's zone. It claims every client no regional mirror claims: it becomes the
 * redirector's default blob base URL.
 */
import { z } from "zod";
import { Hostname, InRotation } from "../../fields";
import type { DonorKind, DonorRoutes, SyncTarget } from "../donor";

const show = (v: unknown) => JSON.stringify(v);

export const R2_JURISDICTIONS = ["default", "eu", "fedramp"] as const;
/** R2 location hints: where the bucket's primary copy should live. */
export const R2_LOCATIONS = ["wnam", "enam", "weur", "eeur", "apac", "oc"] as const;

export const CloudflareR2Backend = z.strictObject({
  donor: z.literal("cloudflare-r2").meta({ description: "one global bucket behind a custom domain" }),
  inRotation: InRotation,
  accountId: z
    .string()
    .regex(/^[0-9a-f]{32}$/, {
      error: (iss) => `${show(iss.input)} is not a Cloudflare account ID (32 hex characters)`,
    })
    .meta({ type: "32 hex characters", description: "the donor's Cloudflare account" }),
  bucket: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/, {
      error: (iss) => `${show(iss.input)} is not an R2 bucket name (3-63 lowercase letters, digits, inner hyphens)`,
    })
    .meta({ type: "R2 bucket name", description: "unique within the account" }),
  locationHint: z
    .enum(R2_LOCATIONS)
    .optional()
    .meta({ description: "where the primary copy lives; Cloudflare picks when unset" }),
  jurisdiction: z
    .enum(R2_JURISDICTIONS)
    .default("default")
    .meta({ description: "where R2 keeps the data (and its S3 endpoint's subdomain)" }),
  hostname: Hostname.meta({
    type: "DNS name inside `dns.zone`",
    description: "the bucket's public custom domain, e.g. `blobs.registry-sandbox.k8s.io`",
  }),
});
export type CloudflareR2Backend = z.output<typeof CloudflareR2Backend>;

export function r2BaseUrl(b: Pick<CloudflareR2Backend, "hostname">): string {
  return `https://${b.hostname}`;
}

/** The S3-compatible API endpoint the sync writes through. */
export function r2S3Endpoint(b: Pick<CloudflareR2Backend, "accountId" | "jurisdiction">): string {
  const sub = b.jurisdiction === "default" ? "" : `${b.jurisdiction}.`;
  return `https://${b.accountId}.${sub}r2.cloudflarestorage.com`;
}

/** How a Cloudflare API token policy names one R2 bucket. */
export function r2BucketResource(b: Pick<CloudflareR2Backend, "accountId" | "jurisdiction" | "bucket">): string {
  return `com.cloudflare.edge.r2.bucket.${b.accountId}_${b.jurisdiction}_${b.bucket}`;
}

/** The permission groups the blob sync's token holds: object read and write, nothing else. */
export const R2_WRITER_PERMISSION_GROUPS = [
  "Workers R2 Storage Bucket Item Read",
  "Workers R2 Storage Bucket Item Write",
] as const;

function routes(b: CloudflareR2Backend): DonorRoutes {
  return { mirrors: [], fallbackBaseUrl: r2BaseUrl(b) };
}

/** The sync writes through R2's S3 API with the bucket's writer token (R2 has no federation). */
function syncTarget(b: CloudflareR2Backend): SyncTarget {
  return {
    // The account as R2Mirror names it: a bucket name is unique only within its account.
    key: `r2-${b.accountId.slice(0, 8)}-${b.bucket}`,
    bucket: b.bucket,
    region: "auto",
    endpoint: r2S3Endpoint(b),
    credentials: { kind: "keys" },
  };
}

export const cloudflareR2 = {
  kind: "cloudflare-r2",
  schema: CloudflareR2Backend,
  routes,
  syncTarget,
} satisfies DonorKind<CloudflareR2Backend>;
