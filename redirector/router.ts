/**
 * The routing decision for one request: pure, given the routing table and the cloud
 * ranges. Blob requests that may go to a mirror come back with the mirror to ask; the
 * caller asks it (existence.ts) and completes the decision with `settleBlob`.
 *
 * Exact behaviour is documented in docs/redirector.md (flow chart, tables): change both together.
 */
import { clientIp, firstHeader } from "./client-ip";
import type { Existence } from "./existence";
import type { CloudRange, RangeTable } from "./ip-ranges";
import { parseRequestTarget, type RegistryApi } from "./request-path";
import type { RoutingTable } from "./routing-table";

export type Route =
  | "info"
  | "privacy"
  | "healthz"
  | "api-version"
  | "catalog"
  | "manifest"
  | "signature"
  | "tags"
  | "referrers"
  | "blob"
  | "other"
  | "not-found"
  | "invalid"
  | "method";

export interface Client {
  ip: string;
  cloud?: string;
  region?: string;
  prefix?: string;
}

/** Which kind of host a redirect points to. */
export type Target = "upstream" | "signature-upstream" | "mirror" | "page";

interface Common {
  route: Route;
  /** The rule that applied, in words (see `reason()` for the whole story). */
  rule: string;
  /** For blobs: the client as resolved from its address. */
  client?: Client;
}

/** A 307: always with its Location. */
export interface Redirect extends Common {
  status: 307;
  location: string;
  /** Which kind of host `location` is on. */
  target: Target;
  /** For blobs that may be served by a mirror: ask it before redirecting (location is the fallback). */
  mirror?: { base: string; url: string };
  /** What the mirror's existence check said, once asked. */
  existence?: string;
  /** The same in one word, for metrics: `present`, `absent`, `failed`, `skipped`. */
  mirrorAnswer?: Existence["answer"];
  /** A manifest GET to record for analytics (`logImagePulls`): what, and from which cloud and region. */
  pull?: ImagePull;
}

export interface ImagePull {
  repository: string;
  reference: string;
  cloud?: string;
  region?: string;
}

/** Any other answer: a status and its text/plain body. */
export interface Answer extends Common {
  status: 200 | 400 | 404 | 405;
  body: string;
  // Absent on answers, so that they read as undefined on any Decision.
  location?: never;
  target?: never;
  mirror?: never;
  existence?: never;
  mirrorAnswer?: never;
  pull?: never;
}

export type Decision = Redirect | Answer;

const API_ROUTE: Record<RegistryApi, Route> = {
  manifests: "manifest",
  blobs: "blob",
  tags: "tags",
  referrers: "referrers",
  other: "other",
};

/** What a request may contribute to a Location: a path and a query of URL-safe characters. */
export const SAFE_PART = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*$/;

/**
 * Locations are a configured base (validated at start) plus the request's path and
 * query as request-path.ts re-encoded them. Checked again here, once per request, so
 * that a bug there can never become a header injection or an open redirect.
 */
function assertSafe(part: string): string {
  if (!SAFE_PART.test(part)) throw new Error(`unsafe Location part ${JSON.stringify(part)}`);
  return part;
}

/** Why a request went where it went, in one line for logs and the route CLI. */
export function reason(d: Decision): string {
  const c = d.client;
  const who = !c
    ? ""
    : c.cloud
      ? `client ${c.cloud}/${c.region} (${c.prefix}): `
      : `client ${c.ip} (in no cloud range): `;
  const asked =
    d.status !== 307 || d.existence === undefined
      ? ""
      : `; ${d.existence}${d.target === "upstream" ? ", so upstream" : ""}`;
  return who + d.rule + asked;
}

export class Router {
  private readonly mirrors: Map<string, string>;
  private readonly upstreamRepo: string;
  private readonly routeOfRange = new Map<CloudRange, string>();

  constructor(
    private readonly table: RoutingTable,
    private readonly ranges: RangeTable,
  ) {
    this.mirrors = new Map(table.mirrors.map((m) => [`${m.cloud}/${m.clientRegion}`, m.baseUrl]));
    this.upstreamRepo = `/v2/${table.upstream.path}`;
  }

  /**
   * Decides a request. `rawHeaders` are Node's raw header list (only the first
   * X-Forwarded-For line is read, for blobs); `socketAddress` is the peer's address.
   */
  decide(method: string, url: string, rawHeaders: readonly string[], socketAddress: string | undefined): Decision {
    if (method !== "GET" && method !== "HEAD") {
      return { status: 405, route: "method", rule: `method ${method}`, body: "Only GET and HEAD are allowed.\n" };
    }
    const t = parseRequestTarget(url);
    switch (t.kind) {
      case "invalid":
        return { status: 400, route: "invalid", rule: t.reason, body: `Bad request: ${t.reason}.\n` };
      case "not-found":
        return { status: 404, route: "not-found", rule: "no such route", body: "404 page not found\n" };
      case "page":
        return this.page(t.page);
    }
    const suffix = `${this.upstreamRepo}${assertSafe(t.path)}${t.query ? `?${assertSafe(t.query)}` : ""}`;
    if (t.signature && this.table.signatureUpstream) {
      const location = this.table.signatureUpstream + suffix;
      return { status: 307, route: "signature", rule: "cosign tag", location, target: "signature-upstream" };
    }
    const upstream = this.table.upstream.endpoint + suffix;
    if (t.digest) return this.blob(t.digest, upstream, firstHeader(rawHeaders, "x-forwarded-for"), socketAddress);
    // A blob whose digest no mirror can hold (another algorithm, a wrong length): upstream
    // answers it, as archeio does; no client lookup, no HEAD, no cache entry.
    const rule = t.api === "blobs" ? "digest not sha256 (64 hex) or sha512 (128 hex)" : "registry API";
    const decision: Decision = { status: 307, route: API_ROUTE[t.api], rule, location: upstream, target: "upstream" };
    if (t.api === "manifests" && method === "GET" && this.table.logImagePulls) {
      decision.pull = this.pull(t.path, firstHeader(rawHeaders, "x-forwarded-for"), socketAddress);
    }
    return decision;
  }

  /** `/<repository>/manifests/<reference>`, and where the client is (no address kept). */
  private pull(path: string, forwardedFor?: string, socketAddress?: string): ImagePull {
    const at = path.lastIndexOf("/manifests/");
    const pull: ImagePull = { repository: path.slice(1, at), reference: path.slice(at + "/manifests/".length) };
    const resolved = clientIp(forwardedFor, socketAddress);
    const range = resolved.ok ? this.ranges.lookup(resolved.ip) : undefined;
    return range ? { ...pull, cloud: range.cloud, region: range.region } : pull;
  }

  /** The mirror route of a client range, remembered per range (ranges are shared objects). */
  private mirrorFor(range: CloudRange): string | undefined {
    let base = this.routeOfRange.get(range);
    if (base === undefined) {
      base = this.mirrors.get(`${range.cloud}/${range.region}`) ?? "";
      this.routeOfRange.set(range, base);
    }
    return base || undefined;
  }

  private page(page: "info" | "privacy" | "healthz" | "api-version" | "catalog"): Decision {
    switch (page) {
      case "info":
        return { status: 307, route: page, rule: "info page", location: this.table.infoUrl, target: "page" };
      case "privacy":
        return { status: 307, route: page, rule: "privacy page", location: this.table.privacyUrl, target: "page" };
      case "healthz":
        return { status: 200, route: page, rule: "ready", body: "ok\n" };
      case "api-version":
        return { status: 200, route: page, rule: "registry API version check", body: "" };
      case "catalog":
        return { status: 404, route: page, rule: "catalog disabled", body: "_catalog is not supported\n" };
    }
  }

  private blob(digest: string, upstream: string, forwardedFor?: string, socketAddress?: string): Decision {
    const resolved = clientIp(forwardedFor, socketAddress);
    if (!resolved.ok) return { status: 400, route: "blob", rule: resolved.error, body: `${resolved.error}\n` };
    const range = this.ranges.lookup(resolved.ip);
    const client: Client = range
      ? { ip: resolved.text, cloud: range.cloud, region: range.region, prefix: range.prefix }
      : { ip: resolved.text };
    const upstreamCloud = !!range && this.table.upstreamClouds.includes(range.cloud);
    const routed = range && !upstreamCloud ? this.mirrorFor(range) : undefined;
    const base = upstreamCloud ? undefined : (routed ?? this.table.defaultBlobBaseUrl);
    const rule = upstreamCloud
      ? "upstream cloud"
      : routed
        ? "mirror route"
        : `no mirror route, ${base ? "default blob base" : "no default blob base"}`;
    return {
      status: 307,
      route: "blob",
      rule,
      location: upstream,
      target: "upstream",
      client,
      // A registered digest: lowercase hex and one colon, URL-safe.
      mirror: base ? { base, url: `${base}/containers/images/${digest}` } : undefined,
    };
  }
}

/** Completes a blob decision with what the mirror said: redirect there, or upstream. */
export function settleBlob<D extends Decision>(decision: D, existence: Existence): D {
  if (decision.status !== 307 || !decision.mirror) return decision;
  const asked = { existence: existence.detail, mirrorAnswer: existence.answer };
  return existence.exists
    ? { ...decision, ...asked, location: decision.mirror.url, target: "mirror" }
    : { ...decision, ...asked };
}
