/**
 * The stack config's sections, one zod schema each: every field's type, default and
 * meaning (its doc comment) in one place. A leaf: the donor modules and routing import
 * these types, and nothing here imports them back.
 */
import { z } from "zod";
import { ExistenceCheckOverrides } from "../../redirector/routing-table";
import {
  distinctList,
  fillPattern,
  GcpProjectId,
  GcpRegion,
  GcpResourceId,
  GcpServiceAccountId,
  GcpWriterMember,
  Hostname,
  HttpsBaseUrl,
  HttpsUrl,
  ImageReference,
  namePattern,
  RegionSelection,
  regionSelectionProblems,
} from "../fields";
import { DEFAULT_ALLOWED_PATHS } from "../gcp/cloud-armor";

const show = (v: unknown) => JSON.stringify(v);

export const SourceConfig = z
  .strictObject({
    /** The project holding the Artifact Registry repositories. */
    project: GcpProjectId,
    /** The repository ID, the same in every region. */
    repository: GcpResourceId,
    /** Signatures are read from, and the blob sync reads from, this region. */
    canonicalRegion: GcpRegion,
    /** One DOCKER repository per region. */
    regions: distinctList(GcpRegion).min(1, { error: "must list at least one region" }),
    /** What exists already: imported by the next `up` (see docs/adopting-existing-infrastructure.md). */
    adopt: z
      .strictObject({
        /** Repositories that exist, each with its `allUsers` reader grant. */
        repositories: RegionSelection.optional(),
        /** The project's Artifact Registry API is enabled. */
        apis: z.boolean().default(false),
      })
      .optional(),
  })
  .superRefine((s, ctx) => {
    if (!s.regions.includes(s.canonicalRegion)) {
      ctx.addIssue({
        code: "custom",
        path: ["canonicalRegion"],
        message: `"${s.canonicalRegion}" is not one of source.regions`,
      });
    }
    for (const p of regionSelectionProblems(s.adopt?.repositories, s.regions, "source.regions")) {
      ctx.addIssue({ code: "custom", path: ["adopt", "repositories", p.index], message: p.message });
    }
  });

export const RedirectorConfig = z
  .strictObject({
    /** The project the Cloud Run services and the load balancer live in. */
    project: GcpProjectId,
    /** The redirector image; prod requires a digest pin. */
    image: ImageReference,
    /** One Cloud Run service per region, each behind the one global load balancer. */
    regions: distinctList(GcpRegion).min(1, { error: "must list at least one region" }),
    /** The services' runtime identity, created in `project` and granted no roles. */
    serviceAccount: GcpServiceAccountId.default("redirector"),
    maxInstances: z.int().min(1).max(1000).default(10),
    concurrency: z.int().min(1).max(1000).default(800),
    /** Blobs for clients no mirror claims (a CDN); without it they go to Artifact Registry. */
    defaultBlobBaseUrl: HttpsBaseUrl.optional(),
    infoUrl: HttpsUrl.default("https://github.com/kubernetes/registry.k8s.io"),
    privacyUrl: HttpsUrl.default("https://www.linuxfoundation.org/privacy-policy/"),
    /**
     * Deletion protection of the services and the load balancer's addresses; on in prod
     * unless set. Turn it off for one `up` to retire a region, then unset it.
     */
    deletionProtection: z.boolean().optional(),
    /** Tuning of the mirror existence check; the redirector's defaults otherwise. */
    existenceCheck: z.optional(ExistenceCheckOverrides),
    /**
     * Regions still served by Cloud Run services another tool deployed: the load balancer
     * keeps their serverless NEGs (imported as they are) instead of this redirector's.
     * Removing a region moves its traffic to the redirector (see docs/adopting-existing-infrastructure.md).
     */
    legacyBackends: z
      .strictObject({
        regions: RegionSelection,
        /** The live service's name: `{project}-{region}` for upstream's oci-proxy module. */
        service: namePattern(["project", "region"]),
        /** The live serverless NEG's name. */
        neg: namePattern(["project", "region"]),
      })
      .optional(),
    /** What exists already in `project`: imported by the next `up`. */
    adopt: z
      .strictObject({
        /** The APIs the redirector and the load balancer need are enabled. */
        apis: z.boolean().default(false),
      })
      .optional(),
  })
  .superRefine((r, ctx) => {
    const legacy = r.legacyBackends;
    if (!legacy) return;
    for (const p of regionSelectionProblems(legacy.regions, r.regions, "redirector.regions")) {
      ctx.addIssue({ code: "custom", path: ["legacyBackends", "regions", p.index], message: p.message });
    }
    const longest = [...r.regions].sort((a, b) => b.length - a.length)[0] ?? "";
    for (const key of ["service", "neg"] as const) {
      const name = fillPattern(legacy[key], { project: r.project, region: longest });
      // A pattern with a placeholder it cannot fill is reported by its own schema.
      if (name.includes("{") || GcpResourceId.safeParse(name).success) continue;
      ctx.addIssue({
        code: "custom",
        path: ["legacyBackends", key],
        message: `${show(legacy[key])} makes ${show(name)}, which is not a valid name (lowercase letters, digits and hyphens, up to 63)`,
      });
    }
  });

export const LoadBalancerConfig = z.strictObject({
  /** The Certificate Manager certificate's name; unset: `<domain with hyphens>-cert`. */
  certificateName: GcpResourceId.optional(),
  /** Attach an SSL policy (MODERN profile, TLS 1.2 at least); `false` leaves the project's default. */
  sslPolicy: z.boolean().default(true),
  /** Every load balancer resource exists already (all but an SSL policy): imported by the next `up`. */
  adopt: z.boolean().default(false),
});

const DnsLabel = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, {
  error: (iss) => `${show(iss.input)} is not a DNS label`,
});

/** What every DNS provider takes: where the record lives and what it holds. */
const DnsRecordSettings = {
  /** The zone: `k8s.io`. */
  zone: Hostname,
  /** The record inside the zone: `registry` in `k8s.io` is registry.k8s.io. */
  record: DnsLabel,
  /** TTL of every record, in seconds. */
  ttl: z.int().min(60).max(86400).default(300),
  /**
   * Certificate authorities allowed to issue for the domain (CAA at the record, which
   * overrides the zone apex's); `[]` writes no CAA, leaving the apex's in force.
   */
  caaIssuers: distinctList(Hostname).default(["pki.goog"]),
};

export const DNS_PROVIDERS = ["cloudflare", "cloud-dns", "external"] as const;

export const DnsConfig = z.discriminatedUnion("provider", [
  /** A Cloudflare zone, looked up by name. */
  z.strictObject({ provider: z.literal("cloudflare"), ...DnsRecordSettings }),
  /** A Cloud DNS managed zone, by its resource name and project. */
  z.strictObject({
    provider: z.literal("cloud-dns"),
    ...DnsRecordSettings,
    project: GcpProjectId,
    managedZone: GcpResourceId,
    /** The records exist already: imported by the next `up`. */
    adopt: z.boolean().default(false),
  }),
  /**
   * Someone else owns the zone (registry.k8s.io: OctoDNS, from YAML in kubernetes/k8s.io):
   * no records are declared; the stack output `dns` holds them, as an OctoDNS snippet too.
   */
  z.strictObject({ provider: z.literal("external"), ...DnsRecordSettings }),
]);

export const BlobWriterConfig = z.strictObject({
  /** The OIDC issuer of the writer's tokens (e.g. a GKE cluster's issuer URL). */
  oidcIssuer: HttpsUrl.refine((v) => !v.endsWith("/"), { error: 'must not end with "/"' }),
  /** Required `aud` claim. */
  audience: z.string().min(1, { error: "must not be empty" }),
  /** Allowed `sub` claims, matched exactly. */
  subjects: distinctList(
    z.string().refine((v) => v.length > 0 && !/[*?]/.test(v), {
      error: (iss) => `${show(iss.input)} must be an exact subject (no wildcards)`,
    }),
  ).min(1, { error: "must list at least one subject" }),
});

/** A service account in `source.project` that pushes images, and who may act as it. */
const Pusher = z.strictObject({
  /** The account's ID (the part of its e-mail before `@`). */
  account: GcpServiceAccountId,
  displayName: z.string().max(100).optional(),
  /** Principals that may impersonate it (`roles/iam.workloadIdentityUser`, authoritative): exactly these. */
  impersonators: distinctList(GcpWriterMember).min(1, { error: "must list at least one principal" }),
});

/** Artifact Registry roles that can write; one of them may be granted project-wide while adopting. */
const AR_WRITE_ROLES = ["writer", "repoAdmin", "admin", "createOnPushWriter", "createOnPushRepoAdmin"].map(
  (r) => `roles/artifactregistry.${r}`,
);

export const PromotionConfig = z
  .strictObject({
    /** Service accounts that push: each holds `roles/artifactregistry.writer` on every repository. */
    pushers: z.array(Pusher).default([]),
    /** Other members that push directly, with the same per-repository grant. */
    artifactWriters: distinctList(GcpWriterMember).default([]),
    /**
     * Live only, while adopting: the writers hold this role on the whole of `source.project`
     * instead of writer on each repository (registry.k8s.io's Terraform grants repoAdmin).
     * Removing it is the change to per-repository grants.
     */
    projectWriteRole: z
      .string()
      .refine((v) => AR_WRITE_ROLES.includes(v), {
        error: (iss) => `${show(iss.input)} is not an Artifact Registry write role (${AR_WRITE_ROLES.join(", ")})`,
      })
      .optional(),
    /** The federated identity that writes the mirrors' source bucket. */
    blobWriter: BlobWriterConfig.optional(),
    /** What exists already: imported by the next `up`. */
    adopt: z
      .strictObject({
        /** The pushers' service accounts, and their impersonation bindings. */
        pushers: z.boolean().default(false),
        /** The project-wide grants of `projectWriteRole`. */
        projectWriteRole: z.boolean().default(false),
      })
      .optional(),
  })
  .superRefine((p, ctx) => {
    const problem = (path: PropertyKey[], message: string) => ctx.addIssue({ code: "custom", path, message });
    if (p.pushers.length === 0 && p.artifactWriters.length === 0) {
      problem(["pushers"], "name at least one pusher (or an artifactWriters member): nobody could push");
    }
    p.pushers.forEach((pusher, i) => {
      const first = p.pushers.findIndex((q) => q.account === pusher.account);
      if (first !== i)
        problem(["pushers", i, "account"], `${show(pusher.account)} is listed twice (also at [${first}])`);
    });
    if (p.adopt?.pushers && p.pushers.length === 0) problem(["adopt", "pushers"], "there are no pushers to adopt");
    if (p.adopt?.projectWriteRole && !p.projectWriteRole) {
      problem(["adopt", "projectWriteRole"], "adopts project-wide grants, but projectWriteRole is not set");
    }
  });

/** Cloud Armor accepts only these throttle intervals. */
const ARMOR_INTERVALS = [10, 30, 60, 120, 180, 240, 300, 600, 900, 1200, 1800, 2700, 3600];

/**
 * A Cloud Armor (RE2) path pattern, anchored at both ends. It is spliced into a CEL string
 * literal, so quotes and backslashes are refused rather than escaped.
 */
const PathPattern = z.string().regex(/^\^[\x20\x21\x23-\x26\x28-\x5b\x5d-\x7e]*\$$/, {
  error: (iss) =>
    `${show(iss.input)} is not an anchored path pattern like "^/v2/?$" (printable ASCII, no quotes or backslashes)`,
});

export const ArmorConfig = z.strictObject({
  /** The security policy's name; unset: `<redirector.project>-security-policy`. */
  policyName: GcpResourceId.optional(),
  /**
   * Rule 1: requests whose path matches none of these get 404 at the edge, before Cloud
   * Run. Unset: exactly the paths the redirector answers.
   */
  allowedPaths: distinctList(PathPattern)
    .min(1)
    .default([...DEFAULT_ALLOWED_PATHS]),
  /** The preconfigured WAF rule sets (upstream ran them in 2023 and dropped them for false positives). */
  wafRules: z.boolean().default(false),
  /** Per client IP: more than `count` requests in `intervalSec` seconds get 429. */
  rateLimit: z
    .strictObject({
      // Cloud Armor refuses a threshold above 10,000.
      count: z.int().min(1).max(10_000).default(5000),
      intervalSec: z
        .int()
        .refine((v) => ARMOR_INTERVALS.includes(v), {
          error: (iss) => `${show(iss.input)} is not an interval Cloud Armor accepts (${ARMOR_INTERVALS.join(", ")})`,
        })
        .default(60),
    })
    .prefault({}),
});

export type SourceConfig = z.output<typeof SourceConfig>;
export type RedirectorConfig = z.output<typeof RedirectorConfig>;
export type LoadBalancerConfig = z.output<typeof LoadBalancerConfig>;
export type DnsConfig = z.output<typeof DnsConfig>;
export type BlobWriterConfig = z.output<typeof BlobWriterConfig>;
export type PromotionConfig = z.output<typeof PromotionConfig>;
export type ArmorConfig = z.output<typeof ArmorConfig>;
