/**
 * The real server on 127.0.0.1, with real local HTTP servers as the mirrors.
 */

import type { RoutingTableInput } from "../../redirector/routing-table";
import {
  blob,
  DIGEST,
  Mirror,
  type Running,
  SIGNATURES,
  send,
  startRedirector,
  table,
  UPSTREAM,
} from "./http-fixtures";
import { IPS } from "./range-fixtures";

const REPO = `${UPSTREAM}/v2/k8s-artifacts-prod/images`;
let paris: Mirror;
let oregon: Mirror;
let fallback: Mirror;
let r: Running;

beforeAll(async () => {
  [paris, oregon, fallback] = await Promise.all([new Mirror().start(), new Mirror().start(), new Mirror().start()]);
});
afterAll(async () => {
  await Promise.all([paris, oregon, fallback].map((m) => m.stop()));
});
beforeEach(async () => {
  for (const m of [paris, oregon, fallback]) {
    m.mode = "present";
    m.requests.length = 0;
  }
  r = await startRedirector(table({ paris: paris.base, oregon: oregon.base, fallback: fallback.base }));
});
afterEach(() => r.stop());

/** Replaces the redirector with one whose table has `extra` over the fixture's. */
async function restart(extra: Partial<RoutingTableInput>, logLevel = "info"): Promise<void> {
  await r.stop();
  r = await startRedirector(
    table({ paris: paris.base, oregon: oregon.base, fallback: fallback.base }, extra),
    logLevel,
  );
}

const blobUrl = (m: Mirror, digest = DIGEST) => `${m.base}/containers/images/${digest}`;

describe("routes", () => {
  // Every route's decision is in router.test.ts; here, what reaches the wire.
  it.each([
    ["/", "https://github.com/kubernetes/registry.k8s.io"],
    ["/v2/pause/manifests/3.9", `${REPO}/pause/manifests/3.9`],
    [
      `/v2/pause/manifests/sha256-${"ab".repeat(32)}.sig`,
      `${SIGNATURES}/v2/k8s-artifacts-prod/images/pause/manifests/sha256-${"ab".repeat(32)}.sig`,
    ],
    ["/v2/x/manifests/a%3Cb%3E%22", `${REPO}/x/manifests/a%3Cb%3E%22`],
  ])("GET %s redirects (307) to %s", async (path, location) => {
    const res = await send(r.port, path);
    expect(res.status).toBe(307);
    expect(res.headers.location).toBe(location);
    expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(res.body).toBe(`<a href="${location}">Temporary Redirect</a>.\n\n`);
  });

  it("answers HEAD like GET, without a body", async () => {
    const res = await send(r.port, "/v2/pause/manifests/3.9", { method: "HEAD" });
    const get = await send(r.port, "/v2/pause/manifests/3.9");
    expect(res.status).toBe(307);
    expect(res.headers.location).toBe(`${REPO}/pause/manifests/3.9`);
    expect(res.body).toBe("");
    expect(res.headers["content-length"]).toBe(get.headers["content-length"]);
    const blobHead = await blob(r.port, IPS.awsParis, DIGEST, "HEAD");
    expect([blobHead.status, blobHead.headers.location, blobHead.body]).toEqual([307, blobUrl(paris), ""]);
  });

  it.each(["/v2/", "/v2"])("GET %s is the API version check", async (path) => {
    for (const method of ["GET", "HEAD"]) {
      const res = await send(r.port, path, { method });
      expect(res.status).toBe(200);
      expect(res.headers["docker-distribution-api-version"]).toBe("registry/2.0");
      expect(res.body).toBe("");
    }
  });

  it("/healthz answers 200", async () => {
    expect(await send(r.port, "/healthz")).toMatchObject({ status: 200, body: "ok\n" });
  });

  it.each([
    ["/v2/_catalog", "_catalog is not supported\n"],
    ["/nope", "404 page not found\n"],
  ])("GET %s is 404", async (path, body) => {
    const res = await send(r.port, path);
    expect(res).toMatchObject({ status: 404, body });
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
  });

  it.each(["POST", "OPTIONS"])("%s is 405 with Allow", async (method) => {
    for (const path of ["/", "/v2/pause/manifests/x"]) {
      const res = await send(r.port, path, { method });
      expect(res).toMatchObject({ status: 405, body: "Only GET and HEAD are allowed.\n" });
      expect(res.headers.allow).toBe("GET, HEAD");
    }
  });
});

describe("blobs", () => {
  it("sends clients of a routed region to their mirror when it holds the blob", async () => {
    const res = await blob(r.port, IPS.awsParis);
    expect([res.status, res.headers.location]).toEqual([307, blobUrl(paris)]);
    expect(paris.blobRequests).toEqual([{ method: "HEAD", url: `/containers/images/${DIGEST}` }]);
  });

  it("sends upstream-cloud clients upstream without asking any mirror", async () => {
    for (const ip of [IPS.gcp, IPS.gcpV6]) {
      expect((await blob(r.port, ip)).headers.location).toBe(`${REPO}/pause/blobs/${DIGEST}`);
    }
    expect([paris, oregon, fallback].map((m) => m.heads)).toEqual([0, 0, 0]);
  });

  it("falls back upstream when the mirror lacks the blob", async () => {
    paris.mode = "missing403";
    expect((await blob(r.port, IPS.awsParis)).headers.location).toBe(`${REPO}/pause/blobs/${DIGEST}`);
  });

  it("never asks a mirror about a digest it cannot hold, nor caches it", async () => {
    for (let i = 0; i < 20; i++) {
      const res = await blob(r.port, IPS.awsParis, `sha256:${String(i % 10).repeat(2000 + i)}`);
      expect(res.headers.location).toBe(`${REPO}/pause/blobs/sha256:${String(i % 10).repeat(2000 + i)}`);
    }
    expect(paris.heads).toBe(0);
    expect(r.redirector.checker.size).toBe(0);
  });
});

describe("X-Forwarded-For", () => {
  const get = (xff: string | string[] | undefined) =>
    send(r.port, `/v2/pause/blobs/${DIGEST}`, { headers: xff === undefined ? {} : { "x-forwarded-for": xff } });

  it("uses the first header line only", async () => {
    const res = await get([`${IPS.awsParis},34.120.0.1`, `${IPS.awsOregonNested},34.120.0.1`]);
    expect(res.headers.location).toBe(blobUrl(paris));
  });

  it("uses the socket address without the header", async () => {
    expect((await get(undefined)).headers.location).toBe(blobUrl(fallback)); // 127.0.0.1: in no range
  });

  it("refuses a bad one on blob requests with 400 and no Location", async () => {
    const res = await get("not-an-ip, 34.120.0.1");
    expect(res).toMatchObject({ status: 400, body: "invalid client IP address: not-an-ip\n" });
    expect(res.headers.location).toBeUndefined();
  });
});

describe("hostile paths", () => {
  it.each(["/v2/../../../foo/manifests/x", "/v2/pause/manifests/x%0D%0ASet-Cookie:%20a=b"])(
    "%s gets 400 and no redirect",
    async (path) => {
      const res = await send(r.port, path);
      expect(res.status).toBe(400);
      expect(res.headers.location).toBeUndefined();
      expect(res.headers["set-cookie"]).toBeUndefined();
    },
  );

  it("never points a Location outside the configured hosts, nor lets control bytes through", async () => {
    const allowed = new Set([UPSTREAM, SIGNATURES, paris.base, oregon.base, fallback.base]);
    const nasty = [
      "//evil.example/v2/x",
      "/v2//evil.example/manifests/x",
      "/v2/%2F%2Fevil.example/manifests/x",
      "/v2/%5C%5Cevil.example/manifests/x",
      "/v2/x/manifests/a%23@evil.example",
      "/v2/x/manifests/a%3F@evil.example",
      "/v2/x/tags/list?x=%0d%0aLocation:%20https://evil.example",
      "/v2/x/tags/list?#@evil.example",
      "/v2/x/manifests/@evil.example",
      "/v2/x/manifests/%E2%80%AEevil",
      "/v2/x%09y/manifests/z",
      `/v2/x/blobs/${DIGEST}?@evil.example`,
    ];
    for (const path of nasty) {
      for (const xff of [`${IPS.awsParis},1.1.1.1`, `${IPS.gcp},1.1.1.1`]) {
        const res = await send(r.port, path, { headers: { "x-forwarded-for": xff } });
        if (res.status !== 307) {
          expect([400, 404]).toContain(res.status);
          continue;
        }
        const location = res.headers.location as string;
        expect(location).toMatch(/^[\x21-\x7e]+$/);
        expect(allowed.has(new URL(location).origin)).toBe(true);
        expect(
          new URL(location).pathname.startsWith("/v2/k8s-artifacts-prod/images/") ||
            location.includes("/containers/images/"),
        ).toBe(true);
      }
    }
  });
});

describe("mirror faults fall back upstream within the HEAD timeout", () => {
  it.each([
    ["hang", "timeout after 300 ms"],
    ["error500", "HEAD 500"],
    ["missing403", "HEAD 403"],
    ["reset", "HEAD failed"],
  ] as const)("mirror %s", async (mode, detail) => {
    paris.mode = mode;
    const started = Date.now();
    const res = await blob(r.port, IPS.awsParis);
    // Budget: the 300 ms timeout plus a margin wide enough for a busy machine.
    expect(Date.now() - started).toBeLessThan(3000);
    expect([res.status, res.headers.location]).toEqual([307, `${REPO}/pause/blobs/${DIGEST}`]);
    const line = r.logs.lines.find((l) => l.route === "blob");
    expect(line?.reason).toContain(detail);
    expect(line?.target).toBe("upstream");
  });
});

describe("existence cache", () => {
  it("asks the mirror once for a present blob", async () => {
    for (let i = 0; i < 5; i++) expect((await blob(r.port, IPS.awsParis)).headers.location).toBe(blobUrl(paris));
    expect(paris.heads).toBe(1);
  });

  it("rechecks a missing blob after the negative TTL (60 s by default)", async () => {
    paris.mode = "missing404";
    await blob(r.port, IPS.awsParis);
    await blob(r.port, IPS.awsParis);
    expect(paris.heads).toBe(1);
    paris.mode = "present";
    r.advance(61_000);
    expect((await blob(r.port, IPS.awsParis)).headers.location).toBe(blobUrl(paris));
    expect(paris.heads).toBe(2);
  });

  it("shares one HEAD between concurrent requests for a blob", async () => {
    // A HEAD budget no busy machine exhausts: the mirror's 150 ms must not time out.
    await restart({ existenceCheck: { timeoutMs: 10_000 } });
    paris.mode = "slow";
    paris.slowMs = 150;
    const replies = await Promise.all(Array.from({ length: 20 }, () => blob(r.port, IPS.awsParis)));
    expect(replies.map((x) => x.headers.location)).toEqual(Array(20).fill(blobUrl(paris)));
    expect(paris.heads).toBe(1);
  });
});

describe("circuit breaker", () => {
  it("skips a failing mirror after 3 failures and tries it again after the cool-down", async () => {
    paris.mode = "error500";
    const digests = Array.from({ length: 6 }, (_, i) => `sha256:${String(i).repeat(64)}`);
    for (const d of digests.slice(0, 3)) await blob(r.port, IPS.awsParis, d);
    expect(paris.heads).toBe(3);
    // Open: answered upstream at once, the mirror is not asked; other mirrors still are.
    const skipped = await blob(r.port, IPS.awsParis, digests[3]);
    expect(skipped.headers.location).toBe(`${REPO}/pause/blobs/${digests[3]}`);
    expect(paris.heads).toBe(3);
    expect(r.logs.lines.at(-1)?.reason).toContain("breaker open");
    expect((await blob(r.port, IPS.awsOregonNested, digests[3])).headers.location).toBe(blobUrl(oregon, digests[3]));
    // Recovered mirror, after the cool-down: the probe succeeds and closes the breaker.
    paris.mode = "present";
    r.advance(30_000);
    expect((await blob(r.port, IPS.awsParis, digests[4])).headers.location).toBe(blobUrl(paris, digests[4]));
    expect((await blob(r.port, IPS.awsParis, digests[5])).headers.location).toBe(blobUrl(paris, digests[5]));
    expect(paris.heads).toBe(5);
  });
});

describe("health checks", () => {
  it("take a dead mirror out of rotation whatever the cache holds, and bring it back when it answers", async () => {
    await restart({ existenceCheck: { timeoutMs: 300, healthCheckIntervalMs: 100 } });
    const digests = Array.from({ length: 5 }, (_, i) => `sha256:${String(i).repeat(64)}`);
    for (const d of digests) expect((await blob(r.port, IPS.awsParis, d)).headers.location).toBe(blobUrl(paris, d));
    await paris.received((q) => q.url === "/"); // probed while in use
    const heads = paris.heads;

    await paris.stop();
    const down = await r.logs.line("mirror down");
    expect(down).toMatchObject({ severity: "WARNING", mirror: paris.base });
    expect(down.reason).toMatch(/^mirror down: 2 failed health checks \(last: ECONNREFUSED\)$/);
    // Cached as present, but out of rotation: upstream, and the reason says why.
    for (const d of digests) {
      expect((await blob(r.port, IPS.awsParis, d)).headers.location).toBe(`${REPO}/pause/blobs/${d}`);
    }
    expect(r.logs.lines.at(-1)?.reason).toContain("mirror down: 2 failed health checks");
    // Other mirrors are not affected.
    expect((await blob(r.port, IPS.awsOregonNested)).headers.location).toBe(blobUrl(oregon));

    const mark = r.logs.lines.length;
    await paris.start();
    expect(await r.logs.line("mirror up", mark)).toMatchObject({ severity: "INFO", mirror: paris.base });
    for (const d of digests) expect((await blob(r.port, IPS.awsParis, d)).headers.location).toBe(blobUrl(paris, d));
    // Back from the cache: no blob was HEADed again.
    expect(paris.heads).toBe(heads);
  });

  it("probe only the mirrors clients are sent to", async () => {
    await restart({ existenceCheck: { timeoutMs: 300, healthCheckIntervalMs: 100 } });
    paris.mode = "missing404";
    await blob(r.port, IPS.awsParis);
    await blob(r.port, IPS.awsOregonNested);
    await oregon.received((q) => q.url === "/");
    await oregon.received((q) => q.url === "/" && oregon.probes >= 3);
    // Oregon (holds blobs) was probed three times meanwhile; Paris (holds none) never.
    expect(paris.probes).toBe(0);
  });
});

describe("logs", () => {
  it("writes one Cloud Logging line per decision, with the route and the reason", async () => {
    await blob(r.port, IPS.awsParis);
    expect(r.logs.lines).toHaveLength(1);
    expect(r.logs.lines[0]).toMatchObject({
      severity: "INFO",
      message: "307 blob -> mirror",
      httpRequest: {
        requestMethod: "GET",
        requestUrl: `/v2/pause/blobs/${DIGEST}`,
        status: 307,
        remoteIp: IPS.awsParis,
        latency: expect.stringMatching(/^\d+\.\d{6}s$/),
      },
      route: "blob",
      target: "mirror",
      reason: "client aws/eu-west-3 (35.180.0.0/16): mirror route; HEAD 200",
      client: { ip: IPS.awsParis, cloud: "aws", region: "eu-west-3", prefix: "35.180.0.0/16" },
      mirror: paris.base,
    });
    expect(typeof r.logs.lines[0]?.time).toBe("string");
  });

  it("logs blob decisions at info; cache hits and path-only answers at debug", async () => {
    await blob(r.port, IPS.awsParis);
    await blob(r.port, IPS.awsParis);
    await blob(r.port, IPS.gcp);
    await send(r.port, "/v2/pause/manifests/3.9");
    await send(r.port, "/nope");
    expect(r.logs.lines.map((l) => [l.severity, l.message])).toEqual([
      ["INFO", "307 blob -> mirror"],
      ["INFO", "307 blob -> upstream"],
    ]);
    await r.stop();
    r = await startRedirector(table({ paris: paris.base, oregon: oregon.base, fallback: fallback.base }), "debug");
    await blob(r.port, IPS.awsParis);
    await blob(r.port, IPS.awsParis);
    await send(r.port, "/v2/pause/manifests/3.9");
    expect(r.logs.lines.map((l) => [l.severity, l.message, l.reason])).toEqual([
      ["INFO", "307 blob -> mirror", "client aws/eu-west-3 (35.180.0.0/16): mirror route; HEAD 200"],
      ["DEBUG", "307 blob -> mirror", "client aws/eu-west-3 (35.180.0.0/16): mirror route; cached: present"],
      ["DEBUG", "307 manifest -> upstream", "registry API"],
    ]);
  });

  it("logs refused requests as warnings", async () => {
    await send(r.port, "/v2/%2e%2e/x/manifests/y");
    expect(r.logs.lines[0]).toMatchObject({ severity: "WARNING", route: "invalid", reason: "dot segment in path" });
  });
});

describe("graceful close", () => {
  it("finishes in-flight requests, then stops accepting", async () => {
    // Events, not timers: the mirror holds the HEAD until the close has begun.
    await restart({ existenceCheck: { timeoutMs: 10_000 } });
    paris.mode = "held";
    const inFlight = blob(r.port, IPS.awsParis);
    await paris.received((q) => q.url.startsWith("/containers/images/"));
    const closed = r.redirector.close(10_000);
    await expect(send(r.port, "/healthz")).rejects.toThrow(/ECONNREFUSED/);
    paris.release();
    const res = await inFlight;
    expect([res.status, res.headers.location, res.headers.connection]).toEqual([307, blobUrl(paris), "close"]);
    await closed;
    await expect(send(r.port, "/healthz")).rejects.toThrow(/ECONNREFUSED/);
  });
});
