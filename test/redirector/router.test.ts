/**
 * Router.decide as one table, archeio's handlers_test.go style: request -> status and
 * Location (or body), and for blobs the mirror to ask. No sockets: server.test.ts
 * covers what needs them (headers on the wire, HEADs, caching, logs, shutdown).
 */
import { loadRangeTable } from "../../redirector/ip-ranges";
import { type Decision, Router, settleBlob } from "../../redirector/router";
import { RoutingTable } from "../../redirector/routing-table";
import { DIGEST, SIGNATURES, table, UPSTREAM } from "./http-fixtures";
import { IPS, writeRanges } from "./range-fixtures";

const PARIS = "https://paris.mirror.test";
const OREGON = "https://oregon.mirror.test";
const FALLBACK = "https://fallback.mirror.test";
const REPO = `${UPSTREAM}/v2/k8s-artifacts-prod/images`;
const ranges = loadRangeTable(writeRanges());
const router = new Router(RoutingTable.parse(table({ paris: PARIS, oregon: OREGON, fallback: FALLBACK })), ranges);
const SIG = `sha256-${"ab".repeat(32)}`;
const SHA512 = `sha512:${"c".repeat(128)}`;
const blobAt = (base: string, digest = DIGEST) => `${base}/containers/images/${digest}`;
const xff = (ip: string) => `${ip},34.120.0.1`;

interface Case {
  name: string;
  method?: string;
  path: string;
  /** The first X-Forwarded-For line; none: the request came from `socket`. */
  xff?: string;
  socket?: string;
  status: Decision["status"];
  /** For 307: the Location (for blobs with a mirror to ask: the upstream fallback). */
  location?: string;
  /** For blobs: the mirror URL to ask before redirecting there. */
  mirror?: string;
  route?: Decision["route"];
  body?: string;
}

const cases: Case[] = [
  // Pages.
  { name: "info", path: "/", status: 307, location: "https://github.com/kubernetes/registry.k8s.io", route: "info" },
  { name: "privacy", path: "/privacy", status: 307, location: "https://www.linuxfoundation.org/privacy-policy/" },
  { name: "healthz", path: "/healthz", status: 200, body: "ok\n" },
  { name: "API version, with slash", path: "/v2/", status: 200, route: "api-version" },
  { name: "API version, without slash", path: "/v2", status: 200, route: "api-version" },
  { name: "catalog", path: "/v2/_catalog", status: 404, body: "_catalog is not supported\n" },
  { name: "unknown page", path: "/nope", status: 404, body: "404 page not found\n" },
  { name: "no prefix matching (/v2foo)", path: "/v2foo", status: 404, route: "not-found" },
  { name: "no prefix matching (/privacy/x)", path: "/privacy/x", status: 404, route: "not-found" },
  // Methods.
  { name: "POST", method: "POST", path: "/v2/pause/manifests/3.9", status: 405, route: "method" },
  { name: "DELETE on a page", method: "DELETE", path: "/", status: 405 },
  { name: "OPTIONS", method: "OPTIONS", path: "/nope", status: 405, body: "Only GET and HEAD are allowed.\n" },
  {
    name: "HEAD like GET",
    method: "HEAD",
    path: "/v2/pause/manifests/3.9",
    status: 307,
    location: `${REPO}/pause/manifests/3.9`,
  },
  // Registry API, upstream.
  {
    name: "manifest by tag",
    path: "/v2/pause/manifests/3.9",
    status: 307,
    location: `${REPO}/pause/manifests/3.9`,
    route: "manifest",
  },
  {
    name: "manifest by digest",
    path: `/v2/pause/manifests/${DIGEST}`,
    status: 307,
    location: `${REPO}/pause/manifests/${DIGEST}`,
  },
  { name: "nested name", path: "/v2/a/b/c/manifests/x", status: 307, location: `${REPO}/a/b/c/manifests/x` },
  {
    name: "tag list, query kept",
    path: "/v2/pause/tags/list?n=10&last=3.9",
    status: 307,
    location: `${REPO}/pause/tags/list?n=10&last=3.9`,
    route: "tags",
  },
  {
    name: "referrers",
    path: "/v2/a/b/referrers/sha256:abc",
    status: 307,
    location: `${REPO}/a/b/referrers/sha256:abc`,
    route: "referrers",
  },
  {
    name: "uploads",
    path: "/v2/pause/blobs/uploads/",
    status: 307,
    location: `${REPO}/pause/blobs/uploads`,
    route: "other",
  },
  {
    name: "empty segments collapse",
    path: "/v2//pause//manifests/3.9/",
    status: 307,
    location: `${REPO}/pause/manifests/3.9`,
  },
  {
    name: "cosign signature",
    path: `/v2/pause/manifests/${SIG}.sig`,
    status: 307,
    location: `${SIGNATURES}/v2/k8s-artifacts-prod/images/pause/manifests/${SIG}.sig`,
    route: "signature",
  },
  {
    name: "cosign attestation",
    path: `/v2/pause/manifests/${SIG}.att`,
    status: 307,
    location: `${SIGNATURES}/v2/k8s-artifacts-prod/images/pause/manifests/${SIG}.att`,
  },
  // Blobs: by client cloud and region.
  {
    name: "blob, client with a mirror route",
    path: `/v2/pause/blobs/${DIGEST}`,
    xff: xff(IPS.awsParis),
    status: 307,
    location: `${REPO}/pause/blobs/${DIGEST}`,
    mirror: blobAt(PARIS),
    route: "blob",
  },
  {
    name: "blob, IPv6 client with a mirror route",
    path: `/v2/pause/blobs/${DIGEST}`,
    xff: xff(IPS.awsParisV6),
    status: 307,
    location: `${REPO}/pause/blobs/${DIGEST}`,
    mirror: blobAt(PARIS),
  },
  {
    name: "blob, IPv4-mapped IPv6 client",
    path: `/v2/pause/blobs/${DIGEST}`,
    xff: xff(`::ffff:${IPS.awsParis}`),
    status: 307,
    location: `${REPO}/pause/blobs/${DIGEST}`,
    mirror: blobAt(PARIS),
  },
  {
    name: "blob, sha512 digest",
    path: `/v2/pause/blobs/${SHA512}`,
    xff: xff(IPS.awsParis),
    status: 307,
    location: `${REPO}/pause/blobs/${SHA512}`,
    mirror: blobAt(PARIS, SHA512),
  },
  {
    name: "blob, encoded colon",
    path: `/v2/pause/blobs/${DIGEST.replace(":", "%3A")}`,
    xff: xff(IPS.awsParis),
    status: 307,
    location: `${REPO}/pause/blobs/${DIGEST}`,
    mirror: blobAt(PARIS),
  },
  {
    name: "blob, longest prefix: us-west-2 inside AWS GLOBAL",
    path: `/v2/pause/blobs/${DIGEST}`,
    xff: xff(IPS.awsOregonNested),
    status: 307,
    location: `${REPO}/pause/blobs/${DIGEST}`,
    mirror: blobAt(OREGON),
  },
  {
    name: "blob, longest prefix, IPv6",
    path: `/v2/pause/blobs/${DIGEST}`,
    xff: xff(IPS.awsOregonNestedV6),
    status: 307,
    location: `${REPO}/pause/blobs/${DIGEST}`,
    mirror: blobAt(OREGON),
  },
  {
    name: "blob, AWS GLOBAL: default base",
    path: `/v2/pause/blobs/${DIGEST}`,
    xff: xff(IPS.awsGlobal),
    status: 307,
    location: `${REPO}/pause/blobs/${DIGEST}`,
    mirror: blobAt(FALLBACK),
  },
  {
    name: "blob, no cloud: default base",
    path: `/v2/pause/blobs/${DIGEST}`,
    xff: xff(IPS.unknown),
    status: 307,
    location: `${REPO}/pause/blobs/${DIGEST}`,
    mirror: blobAt(FALLBACK),
  },
  {
    name: "blob, GCP client: upstream, no mirror",
    path: `/v2/pause/blobs/${DIGEST}`,
    xff: xff(IPS.gcp),
    status: 307,
    location: `${REPO}/pause/blobs/${DIGEST}`,
  },
  {
    name: "blob, GCP IPv6 client: upstream",
    path: `/v2/pause/blobs/${DIGEST}`,
    xff: xff(IPS.gcpV6),
    status: 307,
    location: `${REPO}/pause/blobs/${DIGEST}`,
  },
  {
    name: "blob, query kept upstream only",
    path: `/v2/pause/blobs/${DIGEST}?x=1`,
    xff: xff(IPS.awsParis),
    status: 307,
    location: `${REPO}/pause/blobs/${DIGEST}?x=1`,
    mirror: blobAt(PARIS),
  },
  // X-Forwarded-For.
  {
    name: "XFF: second-to-last entry, ignoring the client's own",
    path: `/v2/pause/blobs/${DIGEST}`,
    xff: `${IPS.gcp}, garbage, ${IPS.awsParis}, 34.120.0.1`,
    status: 307,
    location: `${REPO}/pause/blobs/${DIGEST}`,
    mirror: blobAt(PARIS),
  },
  {
    name: "XFF absent: the socket address",
    path: `/v2/pause/blobs/${DIGEST}`,
    socket: IPS.awsOregonNested,
    status: 307,
    location: `${REPO}/pause/blobs/${DIGEST}`,
    mirror: blobAt(OREGON),
  },
  {
    name: "XFF with one entry",
    path: `/v2/pause/blobs/${DIGEST}`,
    xff: IPS.awsParis,
    status: 400,
    body: `invalid X-Forwarded-For value: ${IPS.awsParis}\n`,
  },
  {
    name: "XFF not an address",
    path: `/v2/pause/blobs/${DIGEST}`,
    xff: "not-an-ip, 34.120.0.1",
    status: 400,
    body: "invalid client IP address: not-an-ip\n",
  },
  {
    name: "XFF with a port",
    path: `/v2/pause/blobs/${DIGEST}`,
    xff: `[${IPS.awsParisV6}]:443, 34.120.0.1`,
    status: 400,
  },
  {
    name: "XFF echoed at most 64 characters",
    path: `/v2/pause/blobs/${DIGEST}`,
    xff: "x".repeat(5000),
    status: 400,
    body: `invalid X-Forwarded-For value: ${"x".repeat(64)}…(5000 chars)\n`,
  },
  {
    name: "XFF ignored off blobs",
    path: "/v2/pause/manifests/3.9",
    xff: "garbage",
    status: 307,
    location: `${REPO}/pause/manifests/3.9`,
  },
  // Digests no mirror can hold: upstream, without looking at the client (so no 400 either).
  {
    name: "blob, unregistered algorithm",
    path: "/v2/p/blobs/sha256+b64u:abc_-=",
    xff: xff(IPS.awsParis),
    status: 307,
    location: `${REPO}/p/blobs/sha256+b64u:abc_-=`,
    route: "blob",
  },
  {
    name: "blob, sha256 of the wrong length",
    path: `/v2/p/blobs/sha256:${"a".repeat(63)}`,
    xff: "garbage",
    status: 307,
    location: `${REPO}/p/blobs/sha256:${"a".repeat(63)}`,
  },
  {
    name: "blob, upper-case hex",
    path: `/v2/p/blobs/sha256:${"A".repeat(64)}`,
    xff: xff(IPS.awsParis),
    status: 307,
    location: `${REPO}/p/blobs/sha256:${"A".repeat(64)}`,
  },
  {
    name: "blob, 30,000-character digest",
    path: `/v2/p/blobs/sha256:${"a".repeat(30_000)}`,
    xff: xff(IPS.awsParis),
    status: 307,
    location: `${REPO}/p/blobs/sha256:${"a".repeat(30_000)}`,
  },
  // Hostile paths.
  { name: "dot segments", path: "/v2/../../../foo/manifests/x", status: 400, route: "invalid" },
  { name: "encoded dot segments", path: "/v2/%2e%2e/%2e%2e/x/manifests/y", status: 400 },
  {
    name: "dot segments in a blob path",
    path: `/v2/pause/%2E%2E/%2e%2E/blobs/${DIGEST}`,
    xff: xff(IPS.awsParis),
    status: 400,
  },
  { name: "encoded slashes and dots", path: "/v2/a%2F..%2F..%2Fb/manifests/y", status: 400 },
  {
    name: "CR LF",
    path: "/v2/pause/manifests/x%0D%0ASet-Cookie:%20a=b",
    status: 400,
    body: "Bad request: control character in path.\n",
  },
  { name: "NUL", path: "/v2/pause/manifests/%00", status: 400 },
  { name: "malformed escape", path: "/v2/pause/manifests/%zz", status: 400 },
  {
    name: "host in the path stays in the path",
    path: "/v2//evil.example/manifests/x",
    status: 307,
    location: `${REPO}/evil.example/manifests/x`,
  },
  {
    name: "backslashes are encoded",
    path: "/v2/%5C%5Cevil.example/manifests/x",
    status: 307,
    location: `${REPO}/%5C%5Cevil.example/manifests/x`,
  },
  {
    name: "fragment is encoded",
    path: "/v2/x/manifests/a%23@evil.example",
    status: 307,
    location: `${REPO}/x/manifests/a%23@evil.example`,
  },
  {
    name: "absolute form",
    path: "http://evil.example/v2/p/manifests/x",
    status: 307,
    location: `${REPO}/p/manifests/x`,
  },
];

describe("Router.decide", () => {
  it.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const headers = c.xff === undefined ? [] : ["X-Forwarded-For", c.xff];
    const d = router.decide(c.method ?? "GET", c.path, headers, c.socket ?? "10.0.0.1");
    expect(d.status).toBe(c.status);
    expect(d.location).toBe(c.location);
    expect(d.mirror?.url).toBe(c.mirror);
    if (c.route) expect(d.route).toBe(c.route);
    if (c.body !== undefined) expect(d.status !== 307 && d.body).toBe(c.body);
  });

  it("completes a blob decision with what the mirror said", () => {
    const d = router.decide("GET", `/v2/pause/blobs/${DIGEST}`, ["X-Forwarded-For", xff(IPS.awsParis)], undefined);
    const there = settleBlob(d, { exists: true, source: "head", answer: "present", detail: "HEAD 200" });
    expect([there.location, there.target, there.existence]).toEqual([blobAt(PARIS), "mirror", "HEAD 200"]);
    const missing = settleBlob(d, { exists: false, source: "head", answer: "absent", detail: "HEAD 404" });
    expect([missing.location, missing.target]).toEqual([`${REPO}/pause/blobs/${DIGEST}`, "upstream"]);
    expect([there.mirrorAnswer, missing.mirrorAnswer]).toEqual(["present", "absent"]);
  });

  it("goes upstream when no route claims the client and there is no default base", () => {
    const bare = new Router(
      RoutingTable.parse({
        ...table({ paris: PARIS, oregon: OREGON, fallback: FALLBACK }),
        defaultBlobBaseUrl: undefined,
      }),
      ranges,
    );
    const d = bare.decide("GET", `/v2/pause/blobs/${DIGEST}`, ["X-Forwarded-For", xff(IPS.unknown)], undefined);
    expect([d.status, d.location, d.mirror, d.rule]).toEqual([
      307,
      `${REPO}/pause/blobs/${DIGEST}`,
      undefined,
      "no mirror route, no default blob base",
    ]);
  });
});
