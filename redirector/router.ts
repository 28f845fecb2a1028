/**
 * The routing decision for one request: pure, given the routing table and the cloud
 * ranges. Blob requests that may go to a mirror come back with the mirror to ask; the
 * caller asks it (existence.ts) and completes the decision with `settleBlob`.
 */
import { clientIp } from "./client-ip";
import type { Existence } from "./existence";
import type { CloudRange, RangeTable } from "./ip-ranges";
import { encodeSegment, parseRequestTarget, type RegistryApi } from "./request-path";
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

export interface Decision {
  status: 200 | 307 | 400 | 404 | 405;
  route: Route;
  /** Why, in words: what an operator reads in the log line or the route CLI. */
  reason: string;
  /** For 307: where to. */
  location?: string;
  /** Which kind of host `location` is on. */
  target?: "upstream" | "signature-upstream" | "mirror" | "page";
  /** For other statuses: the text/plain body. */
  body?: string;
  /** For blobs: the client as resolved from its address. */
  client?: Client;
  /** For blobs that may be served by a mirror: ask it before redirecting (location is the fallback). */
  mirror?: { base: string; url: string };
}

const API_ROUTE: Record<RegistryApi, Route> = {
  manifests: "manifest",
  blobs: "blob",
  tags: "tags",
  referrers: "referrers",
  other: "other",
};

/** Only these characters may follow a configured base in a Location we build. */
const SAFE_SUFFIX = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*$/;

/** The one place a Location is assembled: a configured base plus a path we encoded. */
function locate(base: string, suffix: string): string {
  // Defence in depth: request-path.ts already encodes everything else.
  if (!SAFE_SUFFIX.test(suffix)) throw new Error(`unsafe Location suffix ${JSON.stringify(suffix)}`);
  return base + suffix;
}

function describeClient(c: Client): string {
  return c.cloud ? `${c.cloud}/${c.region} (${c.prefix})` : `${c.ip} (in no cloud range)`;
}

export class Router {
  private readonly mirrors: Map<string, string>;
  private readonly upstreamRepo: string;

  constructor(
    private readonly table: RoutingTable,
    private readonly ranges: RangeTable,
  ) {
    this.mirrors = new Map(table.mirrors.map((m) => [`${m.cloud}/${m.clientRegion}`, m.baseUrl]));
    this.upstreamRepo = `/v2/${table.upstream.path}`;
  }

  /** The cloud range of an address, if any (exposed for the route CLI). */
  lookup(ip: Parameters<RangeTable["lookup"]>[0]): CloudRange | undefined {
    return this.ranges.lookup(ip);
  }

  decide(method: string, url: string, forwardedFor: string | undefined, socketAddress: string | undefined): Decision {
    if (method !== "GET" && method !== "HEAD") {
      return { status: 405, route: "method", reason: `method ${method}`, body: "Only GET and HEAD are allowed.\n" };
    }
    const t = parseRequestTarget(url);
    switch (t.kind) {
      case "invalid":
        return { status: 400, route: "invalid", reason: t.reason, body: `Bad request: ${t.reason}.\n` };
      case "not-found":
        return { status: 404, route: "not-found", reason: "no such route", body: "404 page not found\n" };
      case "page":
        return this.page(t.page);
    }
    const query = t.query ? `?${t.query}` : "";
    const upstream = locate(this.table.upstream.endpoint, `${this.upstreamRepo}${t.path}${query}`);
    const route = API_ROUTE[t.api];
    if (t.signature && this.table.signatureUpstream) {
      const location = locate(this.table.signatureUpstream, `${this.upstreamRepo}${t.path}${query}`);
      return { status: 307, route: "signature", reason: "cosign tag", location, target: "signature-upstream" };
    }
    if (!t.digest) return { status: 307, route, reason: "registry API", location: upstream, target: "upstream" };
    return this.blob(t.digest, upstream, forwardedFor, socketAddress);
  }

  private page(page: "info" | "privacy" | "healthz" | "api-version" | "catalog"): Decision {
    switch (page) {
      case "info":
        return { status: 307, route: page, reason: "info page", location: this.table.infoUrl, target: "page" };
      case "privacy":
        return { status: 307, route: page, reason: "privacy page", location: this.table.privacyUrl, target: "page" };
      case "healthz":
        return { status: 200, route: page, reason: "ready", body: "ok\n" };
      case "api-version":
        return { status: 200, route: page, reason: "registry API version check", body: "" };
      case "catalog":
        return { status: 404, route: page, reason: "catalog disabled", body: "_catalog is not supported\n" };
    }
  }

  private blob(digest: string, upstream: string, forwardedFor?: string, socketAddress?: string): Decision {
    const resolved = clientIp(forwardedFor, socketAddress);
    if (!resolved.ok) {
      return { status: 400, route: "blob", reason: resolved.error, body: `${resolved.error}\n` };
    }
    const range = this.ranges.lookup(resolved.ip);
    const client: Client = range ? { ip: resolved.text, ...range } : { ip: resolved.text };
    const fallback = { status: 307 as const, route: "blob" as const, location: upstream, target: "upstream" as const };
    if (range && this.table.upstreamClouds.includes(range.cloud)) {
      return { ...fallback, client, reason: `client ${describeClient(client)} is in an upstream cloud` };
    }
    const routed = range && this.mirrors.get(`${range.cloud}/${range.region}`);
    const base = routed ?? this.table.defaultBlobBaseUrl;
    const why = `client ${describeClient(client)}: ${routed ? "mirror route" : "no mirror route"}`;
    if (!base) return { ...fallback, client, reason: `${why}, no default blob base` };
    const url = locate(base, `/containers/images/${encodeSegment(digest)}`);
    return { ...fallback, client, reason: routed ? why : `${why}, default blob base`, mirror: { base, url } };
  }
}

/** Completes a blob decision with what the mirror said: redirect there, or upstream. */
export function settleBlob(decision: Decision, existence: Existence): Decision {
  if (!decision.mirror) return decision;
  const reason = `${decision.reason}; ${existence.detail}`;
  return existence.exists
    ? { ...decision, reason, location: decision.mirror.url, target: "mirror" }
    : { ...decision, reason: `${reason}: upstream` };
}
