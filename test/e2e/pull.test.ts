/**
 * End to end with real OCI clients: images pushed with skopeo into docker-registry (the
 * Artifact Registry stand-in), blobs synced into s3rver buckets (the mirrors) by
 * `npm run sync`, pulled with skopeo through the redirector as four client personas.
 * Every process runs on 127.0.0.1 and is stopped in afterAll.
 */
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type Pushed, pushFixtures, skopeo } from "./harness/images";
import { run } from "./harness/processes";
import { startProxy, type TestProxy, type TestProxyLogEntry } from "./harness/proxy";
import { type Redirector, startRedirector, writeRanges } from "./harness/redirector";
import { type AccessLogEntry, type Registry, startRegistry } from "./harness/registry";
import { bucketContents, deleteObject, S3RVER_CREDENTIALS, type S3Server, startS3 } from "./harness/s3";

const ROOT = resolve(__dirname, "../..");
const PREFIX = "k8s-artifacts-prod/images";
const SOURCE_BUCKET = "prod-registry-k8s-io-us-east-2";
const REPLICA_BUCKET = "prod-registry-k8s-io-eu-west-3";
const IMAGES = ["pause:3.9", "etcd:3.5"];
/** The redirector's HEAD budget, small so the slow-mirror test is quick. */
const HEAD_TIMEOUT_MS = 300;
/** Cache lifetimes and breaker cool-down, in seconds: short, so fault phases start clean. */
const CACHE_SECONDS = 1;
const LB_IP = "130.211.0.9";

// A phase of several skopeo pulls takes seconds on a busy 2-core machine: a wide margin
// (what is timed, the redirector's added latency, is asserted on its own).
jest.setTimeout(120_000);

type PersonaName = "gcp" | "aws-mirrored" | "aws-partial" | "unknown";
const PERSONAS: Record<PersonaName, string> = {
  gcp: "35.220.26.1", // GCP asia-east1: blobs from Artifact Registry, no mirror asked
  "aws-mirrored": "3.12.0.1", // AWS us-east-2: the source bucket, complete
  "aws-partial": "35.180.1.1", // AWS eu-west-3: a replica missing one blob
  unknown: "192.0.2.1", // no cloud: the default blob base (the source bucket, as a CDN would front it)
};

let dir: string;
let registry: Registry;
let s3: S3Server;
let s3tap: TestProxy;
let redirector: Redirector;
let pushed: Pushed;
/** The blob the replica lacks: a layer only the amd64 pause image has. */
let missing: string;
const personas = new Map<PersonaName, TestProxy>();
const timings: Record<string, number> = {};

beforeAll(async () => {
  const started = performance.now();
  dir = mkdtempSync(join(tmpdir(), "e2e-"));
  // Assigned as each comes up, so afterAll stops whichever started even if the other failed.
  await Promise.all([
    startRegistry(dir).then((r) => (registry = r)),
    startS3(dir, [SOURCE_BUCKET, REPLICA_BUCKET]).then((s) => (s3 = s)),
  ]);
  s3tap = await startProxy(s3.url);
  pushed = await pushFixtures(dir, registry.url, PREFIX);

  const sync = (bucket: string) =>
    run(
      process.execPath,
      [require.resolve("tsx/cli"), join(ROOT, "tools/sync.ts"), "--apply", "--progress", "none"].concat([
        "--source",
        `${registry.url}/${PREFIX}`,
        "--bucket",
        bucket,
        "--endpoint",
        s3tap.url,
      ]),
      S3RVER_CREDENTIALS,
    );
  // The source bucket, and a second one as S3 replication would fill it.
  const syncs = await Promise.all([sync(SOURCE_BUCKET), sync(REPLICA_BUCKET)]);
  for (const s of syncs) if (s.status !== 0) throw new Error(`sync failed:\n${s.stdout}\n${s.stderr}`);
  timings.sync = Math.max(...syncs.map((s) => s.ms));
  const [amd64] = [...pushed.platforms.values()];
  const [arm64] = [...pushed.platforms.values()].slice(1);
  missing = [...(amd64 ?? [])].find((d) => !arm64?.has(d) && (pushed.blobs.get(d)?.size ?? 0) > 1000) ?? "";
  await deleteObject(s3.url, REPLICA_BUCKET, `containers/images/${missing}`);

  const ranges = join(dir, "ranges");
  mkdirSync(ranges);
  writeRanges(ranges, {
    aws: [
      { prefix: "3.12.0.0/16", region: "us-east-2" },
      { prefix: "35.180.0.0/16", region: "eu-west-3" },
    ],
    gcp: [{ prefix: "35.220.0.0/16", scope: "asia-east1" }],
  });
  redirector = await startRedirector(
    {
      upstream: { endpoint: registry.url, path: PREFIX },
      infoUrl: "https://github.com/kubernetes/registry.k8s.io",
      privacyUrl: "https://www.linuxfoundation.org/privacy-policy/",
      defaultBlobBaseUrl: `${s3tap.url}/${SOURCE_BUCKET}`,
      upstreamClouds: ["gcp"],
      mirrors: [
        { cloud: "aws", clientRegion: "us-east-2", baseUrl: `${s3tap.url}/${SOURCE_BUCKET}` },
        { cloud: "aws", clientRegion: "eu-west-3", baseUrl: `${s3tap.url}/${REPLICA_BUCKET}` },
      ],
      existenceCheck: {
        timeoutMs: HEAD_TIMEOUT_MS,
        positiveTtlSeconds: CACHE_SECONDS,
        negativeTtlSeconds: CACHE_SECONDS,
        breakerFailures: 3,
        breakerCooldownSeconds: CACHE_SECONDS,
        // The fault phases below test the per-blob HEADs and the breaker; health checks
        // (which would take the slow or stopped mirror out first) are tested on their own
        // in test/redirector/server.test.ts. One a minute: none during the suite's phases.
        healthCheckIntervalMs: 60_000,
      },
    },
    ranges,
  );
  for (const [name, ip] of Object.entries(PERSONAS) as [PersonaName, string][]) {
    personas.set(name, await startProxy(redirector.url, { headers: { "x-forwarded-for": `${ip},${LB_IP}` } }));
  }
  timings.setup = performance.now() - started;
}, 60_000);

afterAll(async () => {
  const suite = performance.now();
  await Promise.all([
    registry?.stop(),
    s3?.stop(),
    redirector?.stop(),
    s3tap?.close(),
    ...[...personas.values()].map((p) => p.close()),
  ]);
  if (dir) rmSync(dir, { recursive: true, force: true });
  // For the record (not asserted): how long the pieces took.
  process.stderr.write(`e2e timings (ms): ${JSON.stringify({ ...timings, teardown: performance.now() - suite })}\n`);
});

const sha256 = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const blobPath = (image: string, digest: string) => `/v2/${PREFIX}/${image.split(":")[0]}/blobs/${digest}`;

interface Traffic {
  registry: AccessLogEntry[];
  s3: TestProxyLogEntry[];
}

/** What reached the registry and S3 while `fn` ran. */
async function traffic<T>(fn: () => Promise<T>): Promise<{ result: T } & Traffic> {
  const [r, s] = [registry.accessLog().length, s3tap.log.length];
  const result = await fn();
  return { result, registry: await registry.accessLogSince(r), s3: s3tap.log.slice(s) };
}

/** `skopeo copy --all` through a persona into a `dir:` layout; the digest of what arrived. */
async function pull(persona: PersonaName, image: string): Promise<{ digest: string; ms: number }> {
  const proxy = personas.get(persona) as TestProxy;
  const out = mkdtempSync(join(dir, `pull-${persona}-`));
  const result = await skopeo(dir, [
    "copy",
    "--all",
    "--src-tls-verify=false",
    `docker://127.0.0.1:${proxy.port}/${image}`,
    `dir:${out}`,
  ]);
  if (result.status !== 0) throw new Error(`pull of ${image} as ${persona} failed:\n${result.stderr}`);
  return { digest: sha256(readFileSync(join(out, "manifest.json"))), ms: result.ms };
}

/** Blob GETs, as digests, per place they were served from. */
function blobSources(t: Traffic) {
  const fromRegistry = t.registry
    .filter((e) => e.method === "GET" && e.path.includes("/blobs/"))
    .map((e) => e.path.split("/blobs/")[1]);
  const fromS3 = (bucket: string) =>
    t.s3
      .filter((e) => e.method === "GET" && decodeURIComponent(e.path).startsWith(`/${bucket}/containers/images/`))
      .map((e) => decodeURIComponent(e.path).split("/containers/images/")[1]);
  return {
    registry: fromRegistry.sort(),
    source: fromS3(SOURCE_BUCKET).sort(),
    replica: fromS3(REPLICA_BUCKET).sort(),
  };
}

const needs = (image: string) => [...(pushed.needs.get(image) ?? [])].sort();
const expireCaches = () => new Promise((r) => setTimeout(r, CACHE_SECONDS * 1000 + 150));

it("the sync filled the source bucket and the replica with every blob, byte for byte", async () => {
  for (const bucket of [SOURCE_BUCKET, REPLICA_BUCKET]) {
    const contents = await bucketContents(s3.url, bucket);
    const expected = [...pushed.blobs.keys()].filter((d) => bucket === SOURCE_BUCKET || d !== missing);
    const blobs = [...contents.keys()].filter((k) => !k.startsWith("sync/manifests/"));
    expect(blobs.sort()).toEqual(expected.map((d) => `containers/images/${d}`).sort());
    for (const d of expected) expect(sha256(contents.get(`containers/images/${d}`) as Buffer)).toBe(d);
  }
  expect(missing).toMatch(/^sha256:/);
});

describe.each([
  ["gcp", { registry: "all", source: "none", replica: "none" }],
  ["aws-mirrored", { registry: "none", source: "all", replica: "none" }],
  ["aws-partial", { registry: "missing", source: "none", replica: "all but missing" }],
  ["unknown", { registry: "none", source: "all", replica: "none" }],
] as const)("persona %s", (persona, where) => {
  it.each(IMAGES)("pulls %s with the pushed digest; manifests from the registry, blobs as routed", async (image) => {
    const t = await traffic(() => pull(persona, image));
    expect(t.result.digest).toBe(pushed.digests.get(image));
    timings[`pull ${persona} ${image}`] = Math.round(t.result.ms);

    // Manifests always come from the registry, never from a mirror.
    expect(t.registry.filter((e) => e.path.includes("/manifests/")).length).toBeGreaterThanOrEqual(1);
    expect(t.s3.filter((e) => e.path.includes("manifests"))).toEqual([]);

    const all = needs(image);
    const has = all.filter((d) => d !== missing);
    const expected = {
      none: [],
      all,
      missing: all.filter((d) => d === missing),
      "all but missing": has,
    };
    expect(blobSources(t)).toEqual({
      registry: expected[where.registry],
      source: expected[where.source],
      replica: expected[where.replica],
    });
    // Clients in an upstream cloud cost the mirrors nothing, not even a HEAD.
    if (persona === "gcp") expect(t.s3).toEqual([]);
  });

  it("inspect reports the pushed digest of the index", async () => {
    const proxy = personas.get(persona) as TestProxy;
    const inspect = await skopeo(dir, ["inspect", "--tls-verify=false", `docker://127.0.0.1:${proxy.port}/pause:3.9`]);
    expect(inspect.status).toBe(0);
    expect(JSON.parse(inspect.stdout).Digest).toBe(pushed.digests.get("pause:3.9"));
  });
});

/** One blob request as a client sends it, redirect not followed: where to, and how long it took. */
async function redirectFor(persona: PersonaName, digest: string) {
  const proxy = personas.get(persona) as TestProxy;
  const started = performance.now();
  const res = await fetch(`${proxy.url}/v2/etcd/blobs/${digest}`, { redirect: "manual" });
  await res.arrayBuffer();
  return { status: res.status, location: res.headers.get("location") ?? "", ms: performance.now() - started };
}

describe("fault injection", () => {
  const etcdLayer = () => needs("etcd:3.5")[0] as string;

  it("a slow mirror within the HEAD budget still serves the blobs", async () => {
    await expireCaches();
    s3tap.delayMs = HEAD_TIMEOUT_MS / 6;
    try {
      const t = await traffic(() => pull("aws-mirrored", "etcd:3.5"));
      expect(t.result.digest).toBe(pushed.digests.get("etcd:3.5"));
      expect(blobSources(t)).toEqual({ registry: [], source: needs("etcd:3.5"), replica: [] });
    } finally {
      s3tap.delayMs = 0;
    }
  });

  it("a mirror slower than the budget: redirected upstream within the HEAD timeout, then the breaker skips it", async () => {
    await expireCaches();
    s3tap.delayMs = 2000;
    try {
      const digest = etcdLayer();
      // Three timeouts open the breaker (breakerFailures: 3).
      for (let i = 0; i < 3; i++) {
        const r = await redirectFor("aws-mirrored", digest);
        expect(r.status).toBe(307);
        expect(r.location).toBe(`${registry.url}${blobPath("etcd:3.5", digest)}`);
        // The added latency is the HEAD budget, plus scheduling slack (generous: a loaded CI machine).
        expect(r.ms).toBeGreaterThanOrEqual(HEAD_TIMEOUT_MS - 10);
        expect(r.ms).toBeLessThan(HEAD_TIMEOUT_MS + 700);
        timings[`slow-mirror redirect ${i + 1}`] = Math.round(r.ms);
      }
      // Blob requests only: the redirector's health checks (HEAD of the bucket) may come and go.
      const blobRequests = () => s3tap.log.filter((e) => e.path.includes("/containers/images/")).length;
      const heads = blobRequests();
      const skipped = await redirectFor("aws-mirrored", digest);
      expect(skipped.location).toBe(`${registry.url}${blobPath("etcd:3.5", digest)}`);
      expect(skipped.ms).toBeLessThan(HEAD_TIMEOUT_MS);
      expect(blobRequests()).toBe(heads);
      timings["slow-mirror redirect, breaker open"] = Math.round(skipped.ms);

      // A whole pull meanwhile: every blob from the registry, digests intact.
      const t = await traffic(() => pull("aws-mirrored", "pause:3.9"));
      expect(t.result.digest).toBe(pushed.digests.get("pause:3.9"));
      expect(blobSources(t)).toEqual({ registry: needs("pause:3.9"), source: [], replica: [] });
      timings["pull during slow mirror"] = Math.round(t.result.ms);
    } finally {
      s3tap.delayMs = 0;
    }
  });

  it("S3 stopped mid-suite: every persona still pulls, through the registry", async () => {
    await s3.stop();
    await expireCaches();
    for (const persona of ["aws-mirrored", "aws-partial", "unknown"] as const) {
      for (const image of IMAGES) {
        const t = await traffic(() => pull(persona, image));
        expect(t.result.digest).toBe(pushed.digests.get(image));
        expect(blobSources(t)).toEqual({ registry: needs(image), source: [], replica: [] });
        timings[`pull with S3 down ${persona} ${image}`] = Math.round(t.result.ms);
      }
    }
  });

  it("S3 back: after the breaker's cool-down, blobs come from the mirror again", async () => {
    s3 = await startS3(dir, [SOURCE_BUCKET, REPLICA_BUCKET], s3.port);
    await expireCaches();
    // The first request may be the breaker's probe; from then on the mirror is used.
    await redirectFor("aws-mirrored", etcdLayer());
    const t = await traffic(() => pull("aws-mirrored", "etcd:3.5"));
    expect(t.result.digest).toBe(pushed.digests.get("etcd:3.5"));
    expect(blobSources(t)).toEqual({ registry: [], source: needs("etcd:3.5"), replica: [] });
  });
});
