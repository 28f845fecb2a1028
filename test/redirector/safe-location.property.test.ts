/**
 * The request path's safety guarantee, as properties over every input rather than a
 * list of examples: whatever the request target and X-Forwarded-For, what the request
 * contributes to a Location stays in router.ts's safe alphabet, and a Location only
 * ever points to a configured host, under the repository or the blob layout.
 */
import { fc, test } from "@fast-check/jest";
import { loadRangeTable } from "../../redirector/ip-ranges";
import { parseRequestTarget } from "../../redirector/request-path";
import { Router, SAFE_PART } from "../../redirector/router";
import { RoutingTable } from "../../redirector/routing-table";
import { SIGNATURES, table, UPSTREAM } from "./http-fixtures";
import { IPS, writeRanges } from "./range-fixtures";

const MIRRORS = { paris: "https://paris.mirror.test", oregon: "http://127.0.0.1:9", fallback: "https://cdn.test/b" };
const routing = RoutingTable.parse(table(MIRRORS));
const router = new Router(routing, loadRangeTable(writeRanges()));
const HEX = "0123456789abcdef";

/** Pieces attackers and fuzzers use, to make the structured paths likelier to hit edges. */
const tricky = fc.constantFrom(
  "..",
  ".",
  "%2e%2e",
  "%2E.",
  "%2F",
  "%2f..",
  "%5C",
  "\\",
  "",
  "@evil.example",
  "evil.example:443",
  "?",
  "#",
  "%23",
  "%3F",
  "%0d%0a",
  "\r\n",
  "%00",
  "%",
  "%zz",
  "%ff",
  "%C3%A9",
  "é",
  "\u202e",
  " ",
  "blobs",
  "manifests",
  "tags",
  "list",
  "referrers",
  "_catalog",
  `sha256:${HEX.repeat(4)}`,
  `sha256%3A${HEX.repeat(4)}`,
  `sha512:${HEX.repeat(8)}`,
  `sha256-${HEX.repeat(4)}.sig`,
  "sha256+b64u:abc_-=",
);
const segment = fc.oneof(tricky, fc.string({ unit: "binary", maxLength: 12 }), fc.string({ maxLength: 12 }));
const structured = fc
  .tuple(
    fc.constantFrom("/v2/", "/v2", "/", "//", "http://evil.example/v2/", "/v2/%2e%2e/", ""),
    fc.array(segment, { maxLength: 8 }),
    fc.option(fc.string({ unit: "binary", maxLength: 20 }), { nil: undefined }),
  )
  .map(([start, segments, query]) => `${start}${segments.join("/")}${query === undefined ? "" : `?${query}`}`);
const target = fc.oneof(structured, fc.string({ unit: "binary" }), fc.string({ unit: "grapheme-ascii" }));
const forwardedFor = fc.option(
  fc.oneof(
    fc.constantFrom(...Object.values(IPS)).map((ip) => `${ip}, 34.120.0.1`),
    fc.string({ unit: "binary", maxLength: 40 }),
  ),
  { nil: undefined },
);

const ORIGINS = new Set([UPSTREAM, SIGNATURES, ...Object.values(MIRRORS).map((u) => new URL(u).origin)]);
const PAGES = new Set([routing.infoUrl, routing.privacyUrl]);

describe("parseRequestTarget, for all request targets", () => {
  test.prop([target], { numRuns: 3000 })("puts only safe characters into a Location's path and query", (t) => {
    const parsed = parseRequestTarget(t);
    if (parsed.kind !== "registry") return;
    expect(parsed.path).toMatch(SAFE_PART);
    expect(parsed.path.startsWith("/")).toBe(true);
    expect(parsed.query).toMatch(SAFE_PART);
    // Nothing can climb out of the repository: no dot segment survives.
    expect(parsed.path.split("/")).not.toContain("..");
    expect(parsed.path.split("/")).not.toContain(".");
    if (parsed.digest !== undefined) expect(parsed.digest).toMatch(/^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/);
  });
});

describe("Router.decide, for all request targets and X-Forwarded-For values", () => {
  test.prop([fc.constantFrom("GET", "HEAD"), target, forwardedFor], { numRuns: 3000 })(
    "redirects only to configured hosts, under the repository or the blob layout",
    (method, t, xff) => {
      const d = router.decide(method, t, xff === undefined ? [] : ["X-Forwarded-For", xff], "10.0.0.1");
      if (d.status !== 307) return;
      for (const location of [d.location, d.mirror?.url].filter((l) => l !== undefined)) {
        expect(location).toMatch(/^[\x21-\x7e]+$/);
        if (PAGES.has(location)) continue;
        const url = new URL(location);
        expect(ORIGINS.has(url.origin)).toBe(true);
        const underRepo = url.pathname.startsWith("/v2/k8s-artifacts-prod/images/");
        const underBlobs = Object.values(MIRRORS).some((m) => location.startsWith(`${m}/containers/images/sha`));
        expect(underRepo || underBlobs).toBe(true);
      }
    },
  );
});
