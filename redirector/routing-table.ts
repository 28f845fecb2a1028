/**
 * The routing table: the redirector's whole configuration for one Cloud Run region.
 *
 * `infra/routing.ts` produces it from the stack config and validates it with this
 * schema before it reaches a service's environment; the redirector validates it again
 * at start. One schema, imported by both, so the two sides cannot drift.
 *
 * Written with zod/mini, zod's tree-shakable build: the service's bundle carries ~25 KB
 * of it instead of ~750 KB of classic zod (half the bundle's parse time at start-up and
 * ~10 MB of RSS), and the schemas compose with infra's classic ones.
 */
import { en } from "zod/locales";
import * as z from "zod/mini";

// English messages ("Invalid input: expected string, received undefined"), as classic zod has.
z.config(en());

/** Clouds whose published IP ranges the redirector loads (see `RANGES_DIR`). */
export const CLOUDS = ["aws", "gcp"] as const;
export const Cloud = z.enum(CLOUDS);
export type Cloud = z.infer<typeof Cloud>;

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/**
 * An absolute http(s) URL, written in printable ASCII: Location headers are built from
 * it, and URL parsing would silently drop a CR/LF or tab rather than refuse it.
 */
const HttpUrl = z.string().check(
  z.refine((v) => /^[\x21-\x7e]+$/.test(v), {
    abort: true,
    error: (iss) => `${JSON.stringify(iss.input)} must be printable ASCII (percent-encode)`,
  }),
  z.refine((v) => /^https?:$/.test(parseUrl(v)?.protocol ?? ""), {
    error: (iss) => `${JSON.stringify(iss.input)} is not an http(s) URL`,
  }),
);

/**
 * A base that paths are appended to: http(s), no query, no fragment, no trailing
 * slash, and no credentials (they would leak into every Location header).
 */
const BaseUrl = HttpUrl.check(
  z.refine(
    (v) => {
      const u = parseUrl(v);
      return !!u && !u.search && !u.hash && !u.username && !u.password && !v.endsWith("/") && !v.includes("?");
    },
    {
      error: (iss) =>
        `${JSON.stringify(iss.input)} must be a base URL: no query, fragment, credentials or trailing "/"`,
    },
  ),
);

/** Scheme, host and optional port only: where registry API paths (`/v2/...`) go. */
const Origin = BaseUrl.check(
  z.refine((v) => parseUrl(v)?.pathname === "/" && !v.endsWith("/"), {
    error: (iss) => `${JSON.stringify(iss.input)} must be an origin (scheme://host[:port]) with no path`,
  }),
);

/** `project/repository`: segments of lowercase letters, digits, `.`, `_` and `-`. */
const RepositoryPath = z.string().check(
  z.regex(/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/, {
    error: (iss) => `${JSON.stringify(iss.input)} is not a repository path like "project/repository"`,
  }),
);

export const MirrorRoute = z.strictObject({
  /** The client's cloud, as resolved from its IP address. */
  cloud: Cloud,
  /** The client's region in that cloud's own naming (`eu-west-3`). */
  clientRegion: z
    .string()
    .check(z.regex(/^[a-z0-9-]+$/, { error: (iss) => `${JSON.stringify(iss.input)} is not a region name` })),
  /** The mirror; a blob lives at `baseUrl + "/containers/images/" + digest`. */
  baseUrl: BaseUrl,
});
export type MirrorRoute = z.infer<typeof MirrorRoute>;

export const ExistenceCheck = z.strictObject({
  /** Budget for one HEAD to a mirror before the request falls back upstream. */
  timeoutMs: z._default(z.int().check(z.minimum(50), z.maximum(10_000)), 1500),
  /**
   * Blobs are content-addressed and written once, so a hit could stay true for a day;
   * but a cached hit sends no HEAD: a mirror that died is caught by the health checks,
   * a blob deleted from a live mirror only by this TTL. Ten minutes, for one HEAD per
   * blob per instance per ten minutes. A mirror is health-checked this long after its
   * last hit.
   */
  positiveTtlSeconds: z._default(z.int().check(z.minimum(1)), 600),
  /** A miss may be filled by the next sync: recheck soon. */
  negativeTtlSeconds: z._default(z.int().check(z.minimum(1)), 60),
  /** Bound on cached (mirror, digest) answers. */
  maxEntries: z._default(z.int().check(z.minimum(1)), 100_000),
  /**
   * Bound on the cache's bytes (each entry counts its URL's length + 100). The default
   * holds the 100k entries of S3-length URLs and caps the cache's heap near 40 MB.
   */
  maxBytes: z._default(z.int().check(z.minimum(64 * 1024)), 24 * 1024 * 1024),
  /** Consecutive failures (timeouts, 5xx, resets) that open a mirror's breaker. */
  breakerFailures: z._default(z.int().check(z.minimum(1)), 5),
  /** How long an open breaker skips the mirror before trying it again. */
  breakerCooldownSeconds: z._default(z.int().check(z.minimum(1)), 30),
  /** Period of the health checks of each mirror in use (a HEAD of its base URL). */
  healthCheckIntervalMs: z._default(z.int().check(z.minimum(100), z.maximum(60_000)), 2000),
  /** Consecutive failed health checks that take a mirror out of rotation. */
  healthCheckFailures: z._default(z.int().check(z.minimum(1)), 2),
  /** Consecutive passed health checks that bring it back. */
  healthCheckSuccesses: z._default(z.int().check(z.minimum(1)), 2),
});

/** The same fields, each optional: a stack's overrides of the defaults (infra's config). */
export const ExistenceCheckOverrides = z.partial(ExistenceCheck);

export const RoutingTable = z
  .strictObject({
    /** Artifact Registry for manifests, tags, referrers and every fallback. */
    upstream: z.strictObject({ endpoint: Origin, path: RepositoryPath }),
    /** Where cosign `sha256-<hex>.sig|.att` tags go (the canonical region), if set. */
    signatureUpstream: z.optional(Origin),
    /** Target of `/`. */
    infoUrl: HttpUrl,
    /** Target of `/privacy`. */
    privacyUrl: HttpUrl,
    /** Blob mirror for clients no mirror route claims; none means upstream. */
    defaultBlobBaseUrl: z.optional(BaseUrl),
    /** Clients in these clouds always fetch blobs upstream (their egress is free). */
    upstreamClouds: z._default(z.array(Cloud), ["gcp"]),
    /** Exact (cloud, client region) matches. */
    mirrors: z._default(z.array(MirrorRoute), []),
    existenceCheck: z.prefault(ExistenceCheck, {}),
    /**
     * One `image_pull` line per manifest GET (repository, reference, the client's cloud and
     * region; never its address), for request analytics. Off: manifests are logged at debug only.
     */
    logImagePulls: z._default(z.boolean(), false),
  })
  .check(
    z.superRefine((table, ctx) => {
      const seen = new Map<string, number>();
      table.mirrors.forEach((m, i) => {
        const key = `${m.cloud}/${m.clientRegion}`;
        const first = seen.get(key);
        if (first !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: ["mirrors", i],
            message: `${key} is routed twice (first at mirrors[${first}])`,
          });
        } else seen.set(key, i);
        if (table.upstreamClouds.includes(m.cloud)) {
          ctx.addIssue({
            code: "custom",
            path: ["mirrors", i, "cloud"],
            message: `"${m.cloud}" clients always go upstream (upstreamClouds), so this route could never be used`,
          });
        }
      });
    }),
  );

/** The table as the redirector uses it, defaults filled in. */
export type RoutingTable = z.output<typeof RoutingTable>;
/** The table as written into a service's environment (defaults may be left out). */
export type RoutingTableInput = z.input<typeof RoutingTable>;

/** Every issue as one line `key.path: message`, for start-up errors and test assertions. */
export function describeIssues(error: { issues: readonly { path: PropertyKey[]; message: string }[] }): string[] {
  return error.issues.map((issue) => {
    const path = issue.path
      .map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`))
      .join("");
    return path ? `${path}: ${issue.message}` : issue.message;
  });
}
