/**
 * The stack config's sections, one zod schema each: every field's type, default and
 * meaning (`.meta({ description })`) in one place, which the README's config reference is
 * generated from (`npm run docs:update`). A leaf: the donor modules and routing import
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
    project: GcpProjectId.meta({ description: "project holding the repositories, e.g. `k8s-artifacts-prod`" }),
    repository: GcpResourceId.meta({ description: "the DOCKER repository's ID in every region, e.g. `images`" }),
    canonicalRegion: GcpRegion.meta({
      description: "where cosign signatures live and the blob sync reads; must be in `regions`",
    }),
    regions: distinctList(GcpRegion)
      .min(1, { error: "must list at least one region" })
      .meta({ description: "one repository per region; no repeats" }),
    // What exists already: imported by the next `up` (docs/adopting-existing-infrastructure.md).
    adopt: z
      .strictObject({
        repositories: RegionSelection.optional().meta({
          description: "repositories that exist (each with its `allUsers` reader grant): imported",
        }),
        apis: z.boolean().default(false).meta({ description: "the project's APIs are enabled already: imported" }),
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
    project: GcpProjectId.meta({ description: "project of the services and the load balancer" }),
    image: ImageReference.meta({
      description: "`host/path@sha256:<digest>`; the `prod` stack refuses anything but a digest pin",
    }),
    regions: distinctList(GcpRegion)
      .min(1, { error: "must list at least one region" })
      .meta({ description: "one service per region behind the one load balancer" }),
    serviceAccount: GcpServiceAccountId.default("redirector").meta({
      description: "the services' runtime identity, created in `project` and granted no roles",
    }),
    maxInstances: z.int().min(1).max(1000).default(10).meta({ description: "per region" }),
    concurrency: z.int().min(1).max(1000).default(800).meta({ description: "requests per instance" }),
    defaultBlobBaseUrl: HttpsBaseUrl.optional().meta({
      description: "blobs for clients no mirror claims (a CDN); without it they go to Artifact Registry",
    }),
    infoUrl: HttpsUrl.default("https://github.com/kubernetes/registry.k8s.io").meta({
      description: "where `/` redirects",
    }),
    privacyUrl: HttpsUrl.default("https://www.linuxfoundation.org/privacy-policy/").meta({
      description: "where `/privacy` redirects",
    }),
    deletionProtection: z.boolean().optional().meta({
      default: "`true` in `prod`, else `false`",
      description:
        "Cloud Run `deletionProtection` on the services and `protect` on the load balancer's addresses; turn it off for one `up` to retire a region",
    }),
    existenceCheck: z.optional(ExistenceCheckOverrides).meta({
      type: "object",
      default: "the redirector's",
      description:
        "tuning of the mirror existence check and health checks (`timeoutMs`, TTLs, cache bounds, breaker, health check interval); see [docs/redirector.md](docs/redirector.md#the-routing-table)",
    }),
    legacyBackends: z
      .strictObject({
        regions: RegionSelection.meta({
          description:
            "regions still served by Cloud Run services another tool deployed: the load balancer keeps their NEGs (adopted, retained on delete) and no redirector service is deployed there; removing a region moves it to the redirector",
        }),
        service: namePattern(["project", "region"]).meta({
          description: "the live service's name, e.g. `{project}-{region}` (upstream's oci-proxy module)",
        }),
        neg: namePattern(["project", "region"]).meta({
          description: "the live serverless NEG's name, e.g. `{project}-{region}-neg`",
        }),
      })
      .optional(),
    drainedRegions: distinctList(GcpRegion).default([]).meta({
      description:
        "regions taken out of the load balancer: their NEG leaves the backend service, their service and routing stay, and the load balancer sends their clients to the next nearest region (docs/operations.md)",
    }),
    adopt: z
      .strictObject({
        apis: z.boolean().default(false).meta({ description: "the project's APIs are enabled already: imported" }),
      })
      .optional(),
  })
  .superRefine((r, ctx) => {
    r.drainedRegions.forEach((region, i) => {
      if (!r.regions.includes(region)) {
        ctx.addIssue({
          code: "custom",
          path: ["drainedRegions", i],
          message: `"${region}" is not one of redirector.regions: only a region that is served can be drained`,
        });
      }
    });
    if (r.regions.length > 0 && r.regions.every((region) => r.drainedRegions.includes(region))) {
      ctx.addIssue({
        code: "custom",
        path: ["drainedRegions"],
        message: "drains every region: the load balancer would have no backend left; keep at least one",
      });
    }
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
  certificateName: GcpResourceId.optional().meta({
    default: "`<domain with hyphens>-cert`",
    description: "the Certificate Manager certificate's name (registry.k8s.io's is `registry-k8s-io-20230508`)",
  }),
  sslPolicy: z
    .boolean()
    .default(true)
    .meta({ description: "attach an SSL policy (MODERN, TLS 1.2+); `false` leaves the project's default" }),
  adopt: z.boolean().default(false).meta({
    description: "every load balancer resource but the SSL policy exists already: imported",
  }),
});

const DnsLabel = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, {
    error: (iss) => `${show(iss.input)} is not a DNS label`,
  })
  .meta({ type: "DNS label" });

/** What every DNS provider takes: where the record lives and what it holds. */
const DnsRecordSettings = {
  zone: Hostname.meta({ description: "the zone (`cloudflare`: looked up by name)" }),
  record: DnsLabel.meta({ description: "the record in the zone (`registry` in `k8s.io`)" }),
  ttl: z
    .int()
    .min(60)
    .max(86400)
    .default(300)
    .meta({ description: "of every record (A, AAAA, the `_acme-challenge` CNAME, CAA)" }),
  caaIssuers: distinctList(Hostname).default(["pki.goog"]).meta({
    description:
      "certificate authorities allowed to issue for the domain; CAA at the record overrides the zone apex's, so keep `pki.goog` (Certificate Manager's CA) in it; `[]` writes no CAA and leaves the apex's in force",
  }),
};

export const DNS_PROVIDERS = ["cloudflare", "cloud-dns", "external"] as const;

export const DnsConfig = z.discriminatedUnion("provider", [
  /** A Cloudflare zone, looked up by name. */
  z.strictObject({
    provider: z.literal("cloudflare").meta({ description: "who serves the zone" }),
    ...DnsRecordSettings,
  }),
  /** A Cloud DNS managed zone, by its resource name and project. */
  z.strictObject({
    provider: z.literal("cloud-dns"),
    ...DnsRecordSettings,
    project: GcpProjectId.meta({ description: "the managed zone's project" }),
    managedZone: GcpResourceId.meta({ description: "the managed zone's resource name" }),
    adopt: z.boolean().default(false).meta({ description: "the records exist already: imported" }),
  }),
  /**
   * Someone else owns the zone (registry.k8s.io: OctoDNS, from YAML in kubernetes/k8s.io):
   * no records are declared; the stack output `dns` holds them, as an OctoDNS snippet too.
   */
  z.strictObject({ provider: z.literal("external"), ...DnsRecordSettings }),
]);

export const BlobWriterConfig = z.strictObject({
  oidcIssuer: HttpsUrl.refine((v) => !v.endsWith("/"), { error: 'must not end with "/"' }).meta({
    description: "issuer of the blob sync's tokens (a GKE cluster's)",
  }),
  audience: z
    .string()
    .min(1, { error: "must not be empty" })
    .meta({ description: "required `aud` claim, e.g. `sts.amazonaws.com`" }),
  subjects: distinctList(
    z.string().refine((v) => v.length > 0 && !/[*?]/.test(v), {
      error: (iss) => `${show(iss.input)} must be an exact subject (no wildcards)`,
    }),
  )
    .min(1, { error: "must list at least one subject" })
    .meta({ type: "list of strings", description: "exact `sub` claims allowed; no wildcards" }),
});

/** A service account in `source.project` that pushes images, and who may act as it. */
const Pusher = z.strictObject({
  account: GcpServiceAccountId.meta({
    description:
      "a service account in `source.project` that pushes images: it holds `roles/artifactregistry.writer` on every repository",
  }),
  displayName: z.string().max(100).optional().meta({ description: "the account's display name" }),
  impersonators: distinctList(GcpWriterMember).min(1, { error: "must list at least one principal" }).meta({
    description:
      "exactly these may act as it (`roles/iam.workloadIdentityUser`, authoritative): e.g. a Prow job's workload identity",
  }),
});

/** Artifact Registry roles that can write; one of them may be granted project-wide while adopting. */
const AR_WRITE_ROLES = ["writer", "repoAdmin", "admin", "createOnPushWriter", "createOnPushRepoAdmin"].map(
  (r) => `roles/artifactregistry.${r}`,
);

export const PromotionConfig = z
  .strictObject({
    pushers: z.array(Pusher).default([]),
    artifactWriters: distinctList(GcpWriterMember).default([]).meta({
      description:
        "members that push directly, with the same per-repository grant (`principal://`, `principalSet://`, `serviceAccount:`, `group:`); `allUsers` and a `principalSet` of a whole workload identity pool are refused. Pushers and writers together must name someone",
    }),
    projectWriteRole: z
      .string()
      .refine((v) => AR_WRITE_ROLES.includes(v), {
        error: (iss) => `${show(iss.input)} is not an Artifact Registry write role (${AR_WRITE_ROLES.join(", ")})`,
      })
      .optional()
      .meta({
        type: "an Artifact Registry write role",
        description:
          "adopting only: the writers hold this role on the whole project instead of writer per repository (registry.k8s.io grants `repoAdmin` today); removing it is the move to per-repository grants",
      }),
    blobWriter: BlobWriterConfig.optional(),
    adopt: z
      .strictObject({
        pushers: z
          .boolean()
          .default(false)
          .meta({ description: "the pushers' accounts and their impersonation bindings exist already: imported" }),
        projectWriteRole: z
          .boolean()
          .default(false)
          .meta({ description: "the project-wide grants exist already: imported" }),
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
const PathPattern = z
  .string()
  .regex(/^\^[\x20\x21\x23-\x26\x28-\x5b\x5d-\x7e]*\$$/, {
    error: (iss) =>
      `${show(iss.input)} is not an anchored path pattern like "^/v2/?$" (printable ASCII, no quotes or backslashes)`,
  })
  .meta({ type: "anchored RE2 pattern" });

export const ArmorConfig = z.strictObject({
  policyName: GcpResourceId.optional().meta({
    default: "`<redirector.project>-security-policy`",
    description: "the security policy's name (an adopted one keeps its own)",
  }),
  allowedPaths: distinctList(PathPattern)
    .min(1)
    .default([...DEFAULT_ALLOWED_PATHS])
    .meta({
      default: "the redirector's own paths: `/`, `/privacy`, `/v2/`, blobs, manifests, tag lists, referrers",
      description:
        "rule 1: any other path gets 404 at the edge, before Cloud Run (a test holds the default to what the redirector answers)",
    }),
  wafRules: z.boolean().default(false).meta({
    description:
      "upstream's 2023 preconfigured WAF rule sets (priorities 900-1010); upstream dropped them after false positives on ordinary pulls",
  }),
  rateLimit: z
    .strictObject({
      // Cloud Armor refuses a threshold above 10,000.
      count: z
        .int()
        .min(1)
        .max(10_000)
        .default(5000)
        .meta({ description: "requests per client IP per interval before 429" }),
      intervalSec: z
        .int()
        .refine((v) => ARMOR_INTERVALS.includes(v), {
          error: (iss) => `${show(iss.input)} is not an interval Cloud Armor accepts (${ARMOR_INTERVALS.join(", ")})`,
        })
        .default(60)
        .meta({ type: `one of ${ARMOR_INTERVALS.join(", ")}`, description: "seconds" }),
    })
    .prefault({}),
});

/** Checker regions of uptime checks, and how many checker locations each holds. */
export const UPTIME_REGIONS: Readonly<Record<string, number>> = {
  USA: 3,
  EUROPE: 1,
  SOUTH_AMERICA: 1,
  ASIA_PACIFIC: 1,
  USA_OREGON: 1,
  USA_IOWA: 1,
  USA_VIRGINIA: 1,
};

const Email = z
  .string()
  .regex(/^[^\s@]+@[^\s@]+\.[a-z]{2,}$/i, { error: (iss) => `${show(iss.input)} is not an e-mail address` })
  .meta({ type: "e-mail address" });

/** Request analytics in BigQuery: `registry:monitoring.analytics`. */
export const AnalyticsConfig = z.strictObject({
  project: GcpProjectId.optional().meta({
    default: "`redirector.project`",
    description:
      "the dataset's project: request logs hold client addresses, so a registry may keep them apart (upstream: `k8s-infra-public-pii`)",
  }),
  dataset: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,1023}$/, {
      error: (iss) => `${show(iss.input)} is not a BigQuery dataset ID`,
    })
    .default("redirector_analytics")
    .meta({ type: "BigQuery dataset ID", description: "the dataset the redirector's logs are exported to" }),
  location: z.string().default("US").meta({ type: "BigQuery location", description: "where the dataset lives" }),
  retentionDays: z.int().min(1).max(3650).default(400).meta({ description: "partitions older than this are deleted" }),
  imagePulls: z.boolean().default(true).meta({
    description:
      "the redirector logs one `image_pull` line per manifest GET (repository, reference, client cloud and region; no address)",
  }),
});

export const MonitoringConfig = z
  .strictObject({
    channels: z
      .strictObject({
        emails: distinctList(Email).default([]).meta({
          type: "list of e-mail addresses",
          description:
            "who is told: an e-mail channel each, and an e-mail subscription to each AWS donor's alarm topic",
        }),
        existing: distinctList(
          z.string().regex(/^\d+$/, { error: (iss) => `${show(iss.input)} is not a notification channel ID (digits)` }),
        )
          .default([])
          .meta({
            type: "list of notification channel IDs",
            description:
              "channels that exist in `redirector.project` (made by hand, e.g. a pager): every alert notifies them too",
          }),
      })
      .prefault({}),
    uptime: z
      .strictObject({
        paths: distinctList(
          z.string().regex(/^\/[\x21-\x7e]*$/, { error: (iss) => `${show(iss.input)} is not a path` }),
        )
          .min(1)
          .default(["/", "/v2/"])
          .meta({
            type: "list of paths",
            description: "an HTTPS check of `https://<domain><path>` each, with SSL validation",
          }),
        periodSeconds: z
          .literal([60, 300, 600, 900])
          .default(60)
          .meta({ description: "how often each checker region tries" }),
        checkerRegions: distinctList(z.enum(Object.keys(UPTIME_REGIONS) as [string, ...string[]]))
          .default(["USA", "EUROPE", "ASIA_PACIFIC"])
          .meta({
            type: `list of ${Object.keys(UPTIME_REGIONS)
              .map((r) => `\`${r}\``)
              .join(", ")}`,
            description: "where the checks run from: 3 checker locations at least (USA holds 3)",
          }),
        certificateDays: z
          .int()
          .min(1)
          .max(60)
          .default(15)
          .meta({ description: "alert when the certificate expires in fewer days than this" }),
      })
      .prefault({}),
    alerts: z
      .strictObject({
        loadBalancer5xxRatio: z
          .number()
          .gt(0)
          .lt(1)
          .default(0.05)
          .meta({ type: "fraction", description: "per backend region, 5xx answers over all answers, 5 minutes" }),
        latencyP99Ms: z
          .int()
          .min(1)
          .default(1000)
          .meta({ type: "milliseconds", description: "per region, the redirector's p99 request latency, 5 minutes" }),
        armor429PerSecond: z.number().gt(0).default(50).meta({
          type: "requests per second",
          description: "Cloud Armor's 429 answers (throttled clients), 5 minutes",
        }),
        mirrorFallbackRatio: z.number().gt(0).lt(1).default(0.2).meta({
          type: "fraction",
          description:
            "blob decisions that asked a mirror and went upstream because it failed or was out of rotation, 10 minutes",
        }),
      })
      .prefault({}),
    analytics: AnalyticsConfig.optional().meta({
      type: "object",
      default: "none",
      description: "request analytics in BigQuery (see the next table)",
    }),
    auditLogs: z
      .boolean()
      .default(true)
      .meta({ description: "Artifact Registry data-access audit logs (DATA_READ, DATA_WRITE) in `source.project`" }),
    adopt: z
      .strictObject({
        auditLogs: z.boolean().default(false).meta({ description: "the audit log config exists already: imported" }),
        apis: z
          .boolean()
          .default(false)
          .meta({ description: "Cloud Monitoring's, Logging's (and BigQuery's) APIs are enabled already: imported" }),
      })
      .optional(),
  })
  .superRefine((m, ctx) => {
    if (m.channels.emails.length === 0 && m.channels.existing.length === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["channels"],
        message: "name an e-mail or an existing channel: alerts must reach someone",
      });
    }
    const locations = m.uptime.checkerRegions.reduce((n, r) => n + (UPTIME_REGIONS[r] ?? 0), 0);
    if (locations < 3) {
      ctx.addIssue({
        code: "custom",
        path: ["uptime", "checkerRegions"],
        message: `holds ${locations} checker location${locations === 1 ? "" : "s"}; Cloud Monitoring needs 3 at least`,
      });
    }
  });

export type SourceConfig = z.output<typeof SourceConfig>;
export type RedirectorConfig = z.output<typeof RedirectorConfig>;
export type LoadBalancerConfig = z.output<typeof LoadBalancerConfig>;
export type DnsConfig = z.output<typeof DnsConfig>;
export type BlobWriterConfig = z.output<typeof BlobWriterConfig>;
export type PromotionConfig = z.output<typeof PromotionConfig>;
export type ArmorConfig = z.output<typeof ArmorConfig>;
export type MonitoringConfig = z.output<typeof MonitoringConfig>;
