/**
 * The typed stack config: one zod schema, the single source of truth; the TypeScript
 * types are inferred from it. `parseConfig` checks everything (shapes, region
 * catalogs, names, cross-field rules) before any resource is declared, and reports every
 * problem at once, each as `registry:<key path>: <message naming the value>`.
 */
import { z } from "zod";
import { ExistenceCheckOverrides, RoutingTable } from "../redirector/routing-table";
import { suggestion } from "./did-you-mean";
import { Backend, backendRoutes, DONOR_KIND_NAMES } from "./donors/kinds";
import {
  distinctList,
  GcpProjectId,
  GcpRegion,
  GcpResourceId,
  GcpServiceAccountId,
  GcpWriterMember,
  Hostname,
  HttpsBaseUrl,
  HttpsUrl,
  ImageReference,
  isDigestPinned,
} from "./fields";
import { certificateNamesProblem } from "./gcp/names";
import { buildRoutingTables, MAX_UPSTREAM_DISTANCE_KM, upstreamRegionFor } from "./routing";

export const NAMESPACE = "registry";

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
  })
  .superRefine((s, ctx) => {
    if (!s.regions.includes(s.canonicalRegion)) {
      ctx.addIssue({
        code: "custom",
        path: ["canonicalRegion"],
        message: `"${s.canonicalRegion}" is not one of source.regions`,
      });
    }
  });

export const RedirectorConfig = z.strictObject({
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
});

export const DnsConfig = z.strictObject({
  provider: z.literal("cloudflare"),
  /** The Cloudflare zone, looked up by name. */
  zone: Hostname,
  /** The record inside the zone: `registry` in `k8s.io` is registry.k8s.io. */
  record: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, {
    error: (iss) => `${show(iss.input)} is not a DNS label`,
  }),
  /** TTL of the A/AAAA records, in seconds. */
  ttl: z.int().min(60).max(86400).default(300),
  /** Certificate authorities allowed to issue for the domain (CAA). */
  caaIssuers: distinctList(Hostname).min(1).default(["pki.goog"]),
});

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

export const PromotionConfig = z.strictObject({
  /** The only principals that may push to the Artifact Registry repositories. */
  artifactWriters: distinctList(GcpWriterMember).min(1, { error: "must list at least one writer" }),
  /** The federated identity that writes the mirrors' source bucket. */
  blobWriter: BlobWriterConfig.optional(),
});

/** Cloud Armor accepts only these throttle intervals. */
const ARMOR_INTERVALS = [10, 30, 60, 120, 180, 240, 300, 600, 900, 1200, 1800, 2700, 3600];

export const ArmorConfig = z.strictObject({
  /** Per client IP: more than `count` requests in `intervalSec` seconds get 429. */
  rateLimit: z
    .strictObject({
      count: z.int().min(1).max(1_000_000).default(5000),
      intervalSec: z
        .int()
        .refine((v) => ARMOR_INTERVALS.includes(v), {
          error: (iss) => `${show(iss.input)} is not an interval Cloud Armor accepts (${ARMOR_INTERVALS.join(", ")})`,
        })
        .default(60),
    })
    .prefault({}),
});

/** The top-level keys, each parsed on its own so one bad key does not hide the others. */
const FIELDS = {
  /** The public domain clients pull from. */
  domain: Hostname,
  source: SourceConfig,
  redirector: RedirectorConfig,
  backends: z.array(Backend).default([]),
  dns: DnsConfig,
  promotion: PromotionConfig,
  armor: ArmorConfig.prefault({}),
};
type Fields = typeof FIELDS;
type FieldName = keyof Fields;

export const RegistryConfig = z.strictObject(FIELDS);

interface Rule<K extends FieldName> {
  needs: readonly K[];
  check(cfg: { [F in K]: z.output<Fields[F]> }, problem: (path: PropertyKey[], message: string) => void): void;
}

/** Declares a cross-field rule; it runs whenever the keys it needs are valid. */
function rule<K extends FieldName>(r: Rule<K>): Rule<FieldName> {
  return r as unknown as Rule<FieldName>;
}

const RULES = [
  rule({
    needs: ["domain"],
    check(cfg, problem) {
      const p = certificateNamesProblem(cfg.domain);
      if (p) problem(["domain"], `${show(cfg.domain)} ${p}`);
    },
  }),
  rule({
    needs: ["domain", "dns"],
    check(cfg, problem) {
      const record = `${cfg.dns.record}.${cfg.dns.zone}`;
      if (record !== cfg.domain) {
        problem(
          ["dns", "record"],
          `record "${cfg.dns.record}" in zone "${cfg.dns.zone}" is ${record}, but domain is ${cfg.domain}`,
        );
      }
    },
  }),
  rule({
    needs: ["redirector", "source"],
    check(cfg, problem) {
      cfg.redirector.regions.forEach((region, i) => {
        const up = upstreamRegionFor(region, cfg.source.regions);
        if (up.km > MAX_UPSTREAM_DISTANCE_KM) {
          problem(
            ["redirector", "regions", i],
            `"${region}" has no Artifact Registry region within ${MAX_UPSTREAM_DISTANCE_KM} km (nearest: ${up.region}, ${up.km} km); add one to source.regions`,
          );
        }
      });
    },
  }),
  rule({
    needs: ["backends", "promotion"],
    check(cfg, problem) {
      const i = cfg.backends.findIndex((b) => b.donor === "aws-s3");
      if (i >= 0 && !cfg.promotion.blobWriter) {
        problem(
          ["promotion", "blobWriter"],
          `is required: backends[${i}] (aws-s3) needs a writer for its source bucket`,
        );
      }
    },
  }),
  rule({
    needs: ["backends"],
    check(cfg, problem) {
      const accounts = new Map<string, number>();
      cfg.backends.forEach((b, i) => {
        if (b.donor !== "aws-s3") return;
        const first = accounts.get(b.accountId);
        if (first === undefined) accounts.set(b.accountId, i);
        else
          problem(
            ["backends", i, "accountId"],
            `account ${b.accountId} already has backends[${first}]; list all its regions there`,
          );
      });
      const claimed = new Map<string, number>();
      cfg.backends.forEach((b, i) => {
        for (const m of backendRoutes(b).mirrors) {
          const k = `${m.cloud} ${m.clientRegion}`;
          const first = claimed.get(k);
          if (first === undefined) claimed.set(k, i);
          else if (first !== i) problem(["backends", i], `${k} clients are already served by backends[${first}]`);
        }
      });
    },
  }),
  rule({
    // Only one answer to "where do the clients no mirror claims go".
    needs: ["backends", "redirector"],
    check(cfg, problem) {
      const fallbacks = cfg.backends.flatMap((b, i) => (backendRoutes(b).fallbackBaseUrl ? [i] : []));
      for (const i of fallbacks.slice(1)) {
        problem(["backends", i], `backends[${fallbacks[0]}] already serves every client no mirror claims; keep one`);
      }
      const first = fallbacks[0];
      if (first !== undefined && cfg.redirector.defaultBlobBaseUrl) {
        problem(
          ["redirector", "defaultBlobBaseUrl"],
          `backends[${first}] (${cfg.backends[first]?.donor}) already serves every client no mirror claims; remove this key`,
        );
      }
    },
  }),
  rule({
    needs: ["backends", "dns"],
    check(cfg, problem) {
      cfg.backends.forEach((b, i) => {
        if (b.donor === "cloudflare-r2" && !b.hostname.endsWith(`.${cfg.dns.zone}`)) {
          problem(["backends", i, "hostname"], `"${b.hostname}" is not in the registry's zone ${cfg.dns.zone}`);
        }
      });
    },
  }),
];

export type RegistryConfig = z.output<typeof RegistryConfig>;

/**
 * The last guard, for mistakes the rules missed: what the redirectors are given must
 * pass their own schema. Runs only on an otherwise valid config.
 */
function routingTableProblems(cfg: RegistryConfig): string[] {
  return Object.entries(buildRoutingTables(cfg)).flatMap(([region, table]) => {
    const check = RoutingTable.safeParse(table);
    return check.success
      ? []
      : check.error.issues.map(
          (i) => `${keyPath(["redirector", "regions"])}: routing table for ${region}: ${i.message}`,
        );
  });
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `invalid ${NAMESPACE} config (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  ${problems.join("\n  ")}`,
    );
    this.name = "ConfigError";
  }
}

export interface ParseOptions {
  /** The stack name; `prod` must pin the redirector image by digest. */
  stack: string;
}

/**
 * Validate the registry's config values (top-level keys without the `registry:`
 * namespace). Throws a ConfigError that lists every problem.
 */
export function parseConfig(values: Record<string, unknown>, opts: ParseOptions): RegistryConfig {
  const problems: string[] = [];
  const known = Object.keys(FIELDS);
  for (const key of Object.keys(values).filter((k) => !Object.hasOwn(FIELDS, k))) {
    problems.push(
      `${keyPath([key])}: unknown key${suggestion(key, known).replace(/"([^"]+)"/, (_, k) => `"${keyPath([k])}"`)}`,
    );
  }
  const parsed: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(FIELDS)) {
    const result = (schema as z.ZodType).safeParse(values[key], { error: friendlyMessage, reportInput: true });
    if (result.success) parsed[key] = result.data;
    else problems.push(...result.error.issues.flatMap((issue) => describe({ ...issue, path: [key, ...issue.path] })));
  }
  for (const r of RULES) {
    if (!r.needs.every((k) => k in parsed)) continue;
    r.check(parsed as RegistryConfig, (path, message) => problems.push(`${keyPath(path)}: ${message}`));
  }
  const cfg = parsed as RegistryConfig;
  if (problems.length === 0) problems.push(...routingTableProblems(cfg));
  if (cfg.redirector && opts.stack === "prod" && !isDigestPinned(cfg.redirector.image)) {
    problems.push(
      `${keyPath(["redirector", "image"])}: ${show(cfg.redirector.image)} must be pinned by digest (@sha256:...) in prod`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return cfg;
}

/** Whether the stack guards its services and addresses against deletion. */
export function deletionProtection(cfg: Pick<RegistryConfig, "redirector">, stack: string): boolean {
  return cfg.redirector.deletionProtection ?? stack === "prod";
}

/**
 * The registry's keys from a Pulumi config map (`registry:source` -> `source`), with
 * object values decoded from the JSON strings the engine passes them as.
 */
export function namespaceValues(all: Record<string, string>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(all)) {
    if (!key.startsWith(`${NAMESPACE}:`)) continue;
    values[key.slice(NAMESPACE.length + 1)] = decode(raw);
  }
  return values;
}

function decode(raw: string): unknown {
  if (!/^\s*[[{]/.test(raw)) return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** `registry:backends[1].regions[3]` */
export function keyPath(path: readonly PropertyKey[]): string {
  const [head, ...rest] = path;
  const tail = rest.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
  return head === undefined ? NAMESPACE : `${NAMESPACE}:${String(head)}${tail}`;
}

function describe(issue: z.core.$ZodIssue): string[] {
  if (issue.code === "unrecognized_keys") {
    const known = knownKeys(issue.path);
    return issue.keys.map((key) => {
      const at = keyPath([...issue.path, key]);
      const hint = suggestion(key, known).replace(/"([^"]+)"/, (_, k) => `"${keyPath([...issue.path, k])}"`);
      return `${at}: unknown key${hint}`;
    });
  }
  return [`${keyPath(issue.path)}: ${issue.message}`];
}

/** The keys the schema accepts at a path, for "did you mean" on unknown keys. */
function knownKeys(path: readonly PropertyKey[]): string[] {
  let schema: z.core.$ZodType | undefined = RegistryConfig;
  for (const step of [...path, null]) {
    // Unwrap wrappers until an object or array shows up.
    for (let i = 0; i < 8 && schema; i++) {
      const def: { type: string; innerType?: z.core.$ZodType } = schema._zod.def as never;
      if (def.innerType && ["optional", "default", "prefault", "nullable"].includes(def.type)) schema = def.innerType;
      else break;
    }
    if (!schema) return [];
    const def = schema._zod.def as unknown as {
      type: string;
      shape?: Record<string, z.core.$ZodType>;
      element?: z.core.$ZodType;
      options?: z.core.$ZodType[];
    };
    if (step === null) return def.shape ? Object.keys(def.shape) : [];
    if (typeof step === "number") schema = def.element;
    else if (def.shape) schema = def.shape[String(step)];
    else return [];
  }
  return [];
}

/** Messages that name the offending value, for the issues zod reports itself. */
function friendlyMessage(iss: z.core.$ZodRawIssue): string | undefined {
  const input = iss.input;
  switch (iss.code) {
    case "invalid_type":
      return input === undefined
        ? "is required"
        : `expected ${iss.expected === "int" ? "an integer" : `a ${iss.expected}`}, got ${show(input)}`;
    case "too_small":
      return iss.origin === "array"
        ? `must list at least ${iss.minimum}`
        : `must be at least ${iss.minimum}, got ${show(input)}`;
    case "too_big":
      return iss.origin === "array"
        ? `must list at most ${iss.maximum}`
        : `must be at most ${iss.maximum}, got ${show(input)}`;
    case "invalid_value":
      return `must be ${iss.values.map((v) => show(v)).join(" or ")}, got ${show(input)}`;
    case "invalid_union": {
      if (iss.note !== "No matching discriminator") return undefined;
      const donor = (input as { donor?: unknown } | undefined)?.donor;
      const known = `known kinds: ${DONOR_KIND_NAMES.join(", ")}`;
      return donor === undefined
        ? `is required (${known})`
        : `${show(donor)} is not a known donor kind; ${known}${suggestion(String(donor), DONOR_KIND_NAMES)}`;
    }
    default:
      return undefined;
  }
}
