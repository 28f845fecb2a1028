/**
 * npm run bench:sync: the blob sync at scale, printed as tables. Not a test.
 *
 * - A synthetic registry: BENCH_IMAGES (1000) small images, one repository each
 *   (`bench/img-NNNN:v1`), every one a shared base layer, a layer of its own and a config,
 *   written straight through the registry's HTTP API into a local docker-registry.
 * - Buckets on a local s3rver. The sync runs as in production: the esbuild bundle
 *   (npm run build:sync), --apply, --report json.
 * - Per scenario (BENCH_SCENARIOS, "80/0,1000/0,1000/25": total requests/s / added
 *   latency in ms, put on every registry and bucket request by a proxy, as a cloud's round
 *   trip would): a first run and a no-op re-run, with 1 task and with 4 tasks
 *   (--shard i/4, each at rate/4) started together.
 *   Columns: wall seconds (the slowest task), registry and bucket requests per image,
 *   CPU seconds of all tasks, and the 4-task speed-up over 1 task from the same run.
 *
 * Needs docker-registry (Debian package) like the end-to-end tests.
 */
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startProxy, type TestProxy } from "../test/e2e/harness/proxy";
import { type Registry, startRegistry } from "../test/e2e/harness/registry";
import { S3RVER_CREDENTIALS, type S3Server, startS3 } from "../test/e2e/harness/s3";
import { mapLimit } from "../tools/sync/limits";
import type { Report } from "../tools/sync/report";

const ROOT = join(__dirname, "..");
const IMAGES = Number(process.env.BENCH_IMAGES ?? 1000);
const SCENARIOS = (process.env.BENCH_SCENARIOS ?? "80/0,1000/0,1000/25").split(",").map((s) => {
  const [rate, latency] = s.split("/").map(Number);
  return { rate: rate as number, latencyMs: latency ?? 0 };
});
const SHARDS = 4;
const sha = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

async function ok(res: Response, what: string): Promise<Response> {
  if (!res.ok) throw new Error(`${what}: ${res.status} ${await res.text()}`);
  return res;
}

/** A monolithic blob upload (POST, then PUT with the digest), as any client pushes. */
async function pushBlob(registry: string, repository: string, bytes: Buffer): Promise<string> {
  const digest = sha(bytes);
  const start = await ok(await fetch(`${registry}/v2/${repository}/blobs/uploads/`, { method: "POST" }), "POST upload");
  const location = new URL(start.headers.get("location") as string, registry);
  location.searchParams.set("digest", digest);
  await ok(
    await fetch(location, { method: "PUT", body: bytes, headers: { "content-type": "application/octet-stream" } }),
    "PUT blob",
  );
  return digest;
}

async function pushImage(registry: string, repository: string, base: Buffer): Promise<void> {
  const layer = randomBytes(2048);
  const config = Buffer.from(
    JSON.stringify({ architecture: "amd64", os: "linux", salt: randomBytes(8).toString("hex") }),
  );
  const descriptors = [];
  for (const [mediaType, bytes] of [
    ["application/vnd.oci.image.config.v1+json", config],
    ["application/vnd.oci.image.layer.v1.tar+gzip", base],
    ["application/vnd.oci.image.layer.v1.tar+gzip", layer],
  ] as const) {
    descriptors.push({ mediaType, digest: await pushBlob(registry, repository, bytes), size: bytes.length });
  }
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: descriptors[0],
    layers: descriptors.slice(1),
  });
  await ok(
    await fetch(`${registry}/v2/${repository}/manifests/v1`, {
      method: "PUT",
      body: manifest,
      headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" },
    }),
    "PUT manifest",
  );
}

interface Run {
  seconds: number;
  reports: Report[];
}

/** The sync bundle as `tasks` processes started together; wall time is the slowest. */
interface Endpoints {
  registry: string;
  s3: string;
}

async function sync(at: Endpoints, bucket: string, rate: number, tasks: number): Promise<Run> {
  const started = performance.now();
  const reports = await Promise.all(
    Array.from({ length: tasks }, async (_, index) => {
      const args = [join(ROOT, "dist/sync.js"), "--source", `${at.registry}/bench`, "--bucket", bucket];
      args.push("--endpoint", at.s3, "--apply", "--report", "json", "--progress", "none", "--rate", String(rate));
      args.push("--shard", `${index}/${tasks}`);
      const child = spawn(process.execPath, args, {
        env: { ...process.env, ...S3RVER_CREDENTIALS },
        stdio: ["ignore", "pipe", "inherit"],
      });
      let out = "";
      child.stdout.on("data", (d) => {
        out += d;
      });
      const [code] = await once(child, "exit");
      if (code !== 0) throw new Error(`sync task ${index}/${tasks} exited ${code}: ${out}`);
      return JSON.parse(out) as Report;
    }),
  );
  return { seconds: (performance.now() - started) / 1000, reports };
}

const sum = (run: Run, f: (r: Report) => number) => run.reports.reduce((n, r) => n + f(r), 0);

function row(
  label: string,
  scenario: { rate: number; latencyMs: number },
  tasks: number,
  run: Run,
  baseline?: Run,
): string {
  const perImage = (n: number) => (n / IMAGES).toFixed(2);
  return [
    label,
    String(scenario.rate),
    String(scenario.latencyMs),
    String(tasks),
    run.seconds.toFixed(1),
    perImage(sum(run, (r) => r.requests.registry)),
    perImage(sum(run, (r) => r.requests.bucket)),
    String(sum(run, (r) => r.blobs.uploaded)),
    String(sum(run, (r) => r.manifests.skippedByMarker)),
    sum(run, (r) => r.cpuSeconds).toFixed(1),
    baseline ? `${(baseline.seconds / run.seconds).toFixed(2)}x` : "",
  ].join(" | ");
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "bench-sync-"));
  const buckets = SCENARIOS.flatMap((_, i) => [`one-${i}`, `four-${i}`]);
  let registry: Registry | undefined;
  let s3: S3Server | undefined;
  const proxies: TestProxy[] = [];
  try {
    [registry, s3] = await Promise.all([startRegistry(dir), startS3(dir, buckets)]);
    const pushStart = performance.now();
    const base = randomBytes(4096);
    const names = Array.from({ length: IMAGES }, (_, i) => `bench/img-${String(i).padStart(4, "0")}`);
    await mapLimit(names, 32, (name) => pushImage((registry as Registry).url, name, base));
    const pushSeconds = (performance.now() - pushStart) / 1000;
    console.log(
      `registry: ${IMAGES} images (one repository each, 3 blobs each, one of them shared by all), pushed in ${pushSeconds.toFixed(1)} s`,
    );
    console.log(`machine: ${(await import("node:os")).cpus().length} CPUs; the sync: dist/sync.js, concurrency 16\n`);
    console.log(
      "run | rate/s (total) | added latency ms | tasks | seconds | registry req/image | bucket req/image | blobs uploaded | manifests skipped (markers) | CPU s | speed-up (4 over 1)",
    );
    console.log("--- | --- | --- | --- | --- | --- | --- | --- | --- | --- | ---");
    for (const [i, scenario] of SCENARIOS.entries()) {
      let at: Endpoints = { registry: registry.url, s3: s3.url };
      if (scenario.latencyMs) {
        const longLived = { keepAliveMs: 120_000 };
        const [r, b] = await Promise.all([startProxy(registry.url, longLived), startProxy(s3.url, longLived)]);
        r.delayMs = scenario.latencyMs;
        b.delayMs = scenario.latencyMs;
        proxies.push(r, b);
        at = { registry: r.url, s3: b.url };
      }
      const one = await sync(at, `one-${i}`, scenario.rate, 1);
      const four = await sync(at, `four-${i}`, scenario.rate, SHARDS);
      console.log(row("first", scenario, 1, one));
      console.log(row("first", scenario, SHARDS, four, one));
      const oneAgain = await sync(at, `one-${i}`, scenario.rate, 1);
      const fourAgain = await sync(at, `four-${i}`, scenario.rate, SHARDS);
      console.log(row("no-op re-run", scenario, 1, oneAgain));
      console.log(row("no-op re-run", scenario, SHARDS, fourAgain, oneAgain));
    }
  } finally {
    await Promise.all([registry?.stop(), s3?.stop(), ...proxies.map((p) => p.close())]);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
