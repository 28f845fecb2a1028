/**
 * npm run bench: the redirector's performance, printed as a table. Not a test.
 *
 * - Server processes (the esbuild bundle, as in production, and a bare node:http
 *   server answering a fixed 307) run on core 0 (`taskset`), like a 1-vCPU Cloud Run
 *   instance; wrk and this script run on core 1.
 * - Requests/s and p50/p99 for a manifest redirect and a warm-cache blob redirect,
 *   against the bare server measured in the same run (rounds alternate; medians).
 * - Start-up: process start to first /healthz 200 with the full range files.
 * - RSS after the load; ns per IP lookup (parse + longest-prefix match).
 * - p99/max of blob redirects when the client's mirror never answers.
 *
 * Needs `wrk` (Debian package) and `taskset` (util-linux). Environment:
 * RANGES_DIR (default ../shared/data/ip-ranges), BENCH_SECONDS (5), BENCH_ROUNDS (3),
 * BENCH_CONNECTIONS (64), BENCH_NODE_OPTIONS (NODE_OPTIONS for the two servers, to try V8 flags).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, get, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createServer as createTcpServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseIp } from "../redirector/ip";
import { loadRangeTable, writeRangeIndex } from "../redirector/ip-ranges";
import type { RoutingTableInput } from "../redirector/routing-table";

const ROOT = join(__dirname, "..");
const BUNDLE = join(ROOT, "dist/redirector.js");
const RANGES_DIR = process.env.RANGES_DIR ?? join(ROOT, "../shared/data/ip-ranges");
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const SERVER_CORE = "0";
const CLIENT_CORE = "1";
const PARIS = "35.180.1.1"; // AWS eu-west-3 in the real ranges
const OREGON = "44.224.0.1"; // AWS us-west-2
const DIGEST = `sha256:${"ab".repeat(32)}`;
const UPSTREAM = "https://upstream.example.test";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

function listen(server: Server | ReturnType<typeof createTcpServer>): Promise<number> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
}

async function freePort(): Promise<number> {
  const s = createServer();
  const port = await listen(s);
  await new Promise((r) => s.close(r));
  return port;
}

/** GET on a fresh connection; resolves with the status, or rejects (e.g. ECONNREFUSED). */
function status(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ code: number; location?: string }> {
  return new Promise((resolve, reject) => {
    const req = get({ host: "127.0.0.1", port, path, headers, agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve({ code: res.statusCode ?? 0, location: res.headers.location }));
    });
    req.on("error", reject);
  });
}

/** Polls until the path answers `code`; returns when it did (performance.now()). */
async function until(port: number, path: string, code = 200, deadlineMs = 10_000): Promise<number> {
  const end = performance.now() + deadlineMs;
  while (performance.now() < end) {
    try {
      if ((await status(port, path)).code === code) return performance.now();
    } catch {
      // not listening yet
    }
    await sleep(1);
  }
  throw new Error(`no ${code} from ${path} on port ${port}`);
}

const children = new Set<ChildProcess>();

function startOnServerCore(script: string, env: Record<string, string>): ChildProcess {
  const child = spawn("taskset", ["-c", SERVER_CORE, process.execPath, script], {
    env: { PATH: process.env.PATH ?? "", NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS ?? "", ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
}

interface WrkResult {
  requests: number;
  duration_us: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  bad_status: number;
}

function wrk(url: string, headers: string[], seconds: number, env: Record<string, string> = {}): WrkResult {
  const args = ["-c", CLIENT_CORE, "wrk", "-t1", `-c${CONNECTIONS}`, `-d${seconds}s`, "--timeout", "10s"];
  for (const h of headers) args.push("-H", h);
  args.push("-s", join(__dirname, "wrk-report.lua"), url);
  const out = execFileSync("taskset", args, { env: { ...process.env, ...env }, encoding: "utf8" });
  const line = out.split("\n").find((l) => l.startsWith("{"));
  if (!line) throw new Error(`no wrk summary in:\n${out}`);
  const r = JSON.parse(line) as WrkResult;
  if (r.errors > 0 || r.bad_status > 0) throw new Error(`wrk saw errors: ${line}`);
  return r;
}

const rps = (r: WrkResult) => r.requests / (r.duration_us / 1e6);
const ms = (us: number) => (us / 1000).toFixed(2);

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+) kB/m);
  return Number(line?.[1]) / 1024;
}

/** ns per parse + lookup, over addresses drawn from the real ranges and outside them. */
function lookupNs(): { v4: number; v6: number; prefixes: number } {
  const table = loadRangeTable(RANGES_DIR);
  const aws = JSON.parse(readFileSync(join(RANGES_DIR, "aws-ip-ranges.json"), "utf8"));
  const v4: string[] = [];
  const v6: string[] = [];
  let seed = 7;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  for (let i = 0; i < 4096; i++) {
    // Half inside a published prefix, half anywhere.
    const p = aws.prefixes[rand(aws.prefixes.length)].ip_prefix.split("/")[0].split(".");
    v4.push(
      i % 2 ? `${p[0]}.${p[1]}.${rand(256)}.${1 + rand(254)}` : `${rand(224)}.${rand(256)}.${rand(256)}.${rand(256)}`,
    );
    const q = aws.ipv6_prefixes[rand(aws.ipv6_prefixes.length)].ipv6_prefix.split("::")[0];
    v6.push(
      i % 2 ? `${q}::${rand(65536).toString(16)}` : `2600:${rand(65536).toString(16)}::${rand(65536).toString(16)}`,
    );
  }
  const time = (addrs: string[]) => {
    let found = 0;
    const run = (n: number) => {
      for (let i = 0; i < n; i++) {
        const ip = parseIp(addrs[i & 4095] as string);
        if (ip && table.lookup(ip)) found++;
      }
    };
    run(200_000); // warm-up
    const n = 2_000_000;
    const t = process.hrtime.bigint();
    run(n);
    const ns = Number(process.hrtime.bigint() - t) / n;
    if (found === 0) throw new Error("no address matched: wrong ranges?");
    return ns;
  };
  return { v4: time(v4), v6: time(v6), prefixes: table.size };
}

async function main(): Promise<void> {
  for (const tool of ["wrk", "taskset"]) {
    try {
      execFileSync("which", [tool], { stdio: "ignore" });
    } catch {
      throw new Error(`${tool} is missing (apt-get install -y ${tool === "wrk" ? "wrk" : "util-linux"})`);
    }
  }
  readFileSync(BUNDLE); // built by `npm run bench` first
  execFileSync("taskset", ["-cp", CLIENT_CORE, String(process.pid)], { stdio: "ignore" });

  // Mirrors: one that holds every blob, one that accepts connections and never answers.
  const mirror = createServer((_req, res) => res.writeHead(200).end());
  const mirrorPort = await listen(mirror);
  const hung = new Set<Socket>();
  const silent = createTcpServer((s) => hung.add(s));
  const silentPort = await listen(silent);
  const table: RoutingTableInput = {
    upstream: { endpoint: UPSTREAM, path: "k8s-artifacts-prod/images" },
    infoUrl: "https://github.com/kubernetes/registry.k8s.io",
    privacyUrl: "https://www.linuxfoundation.org/privacy-policy/",
    mirrors: [
      { cloud: "aws", clientRegion: "eu-west-3", baseUrl: `http://127.0.0.1:${mirrorPort}` },
      { cloud: "aws", clientRegion: "us-west-2", baseUrl: `http://127.0.0.1:${silentPort}` },
    ],
  };
  const work = mkdtempSync(join(tmpdir(), "bench-"));
  const configFile = join(work, "routing.json");
  writeFileSync(configFile, JSON.stringify(table));
  // The image's layout: the same files plus the index ranges:update writes beside them.
  const indexed = join(work, "ranges");
  execFileSync("mkdir", ["-p", indexed]);
  for (const f of ["aws-ip-ranges.json", "gcp-cloud.json"]) copyFileSync(join(RANGES_DIR, f), join(indexed, f));
  writeRangeIndex(indexed);
  const env = (port: number, ranges = indexed) => ({
    REDIRECTOR_CONFIG_FILE: configFile,
    RANGES_DIR: ranges,
    PORT: String(port),
  });

  process.stderr.write("lookup...\n");
  const lookup = lookupNs();

  process.stderr.write("start-up...\n");
  const startup = async (ranges: string) => {
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      const port = await freePort();
      const t0 = performance.now();
      const child = startOnServerCore(BUNDLE, env(port, ranges));
      times.push((await until(port, "/healthz")) - t0);
      await stop(child);
    }
    return times;
  };
  const startIndexed = await startup(indexed);
  const startParsed = await startup(RANGES_DIR);

  process.stderr.write("load...\n");
  const barePort = await freePort();
  const bare = startOnServerCore(join(__dirname, "bare-server.js"), {
    PORT: String(barePort),
    LOCATION: `${UPSTREAM}/v2/k8s-artifacts-prod/images/pause/manifests/3.9`,
  });
  const port = await freePort();
  const redirector = startOnServerCore(BUNDLE, env(port));
  await until(barePort, "/", 307);
  await until(port, "/healthz");
  const xff = `X-Forwarded-For: ${PARIS}, 34.120.0.1`;
  const warm = await status(port, `/v2/pause/blobs/${DIGEST}`, { "x-forwarded-for": `${PARIS}, 34.120.0.1` });
  if (!warm.location?.startsWith(`http://127.0.0.1:${mirrorPort}/`))
    throw new Error(`blob not sent to the mirror: ${warm.location}`);
  const kinds = {
    bare: { url: `http://127.0.0.1:${barePort}/v2/pause/manifests/3.9`, headers: [] as string[] },
    manifest: { url: `http://127.0.0.1:${port}/v2/pause/manifests/3.9`, headers: [] as string[] },
    blob: { url: `http://127.0.0.1:${port}/v2/pause/blobs/${DIGEST}`, headers: [xff] },
  };
  const results: Record<keyof typeof kinds, WrkResult[]> = { bare: [], manifest: [], blob: [] };
  for (const [, k] of Object.entries(kinds)) wrk(k.url, k.headers, 1); // warm-up (JIT, connections)
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, k] of Object.entries(kinds) as [keyof typeof kinds, (typeof kinds)["bare"]][]) {
      results[name].push(wrk(k.url, k.headers, SECONDS));
    }
  }
  const rss = rssMb(redirector.pid as number);
  const bareRss = rssMb(bare.pid as number);
  await stop(redirector);
  await stop(bare);

  process.stderr.write("never-answering mirror...\n");
  const deadPort = await freePort();
  const dead = startOnServerCore(BUNDLE, env(deadPort));
  await until(deadPort, "/healthz");
  const silentRun = wrk(
    `http://127.0.0.1:${deadPort}/v2/pause/blobs/${DIGEST}`,
    [`X-Forwarded-For: ${OREGON}, 34.120.0.1`],
    SECONDS * 2,
    { DISTINCT_DIGESTS: "1" },
  );
  await stop(dead);
  for (const s of hung) s.destroy();
  mirror.close();
  silent.close();

  const summary = (name: keyof typeof kinds) => {
    const runs = results[name];
    return { rps: median(runs.map(rps)), p50: median(runs.map((r) => r.p50)), p99: median(runs.map((r) => r.p99)) };
  };
  const bareS = summary("bare");
  const row = (label: string, s: ReturnType<typeof summary>, target: string) => {
    const pct = (100 * s.rps) / bareS.rps;
    return `| ${label} | ${Math.round(s.rps)} | ${ms(s.p50)} | ${ms(s.p99)} | ${pct.toFixed(0)} % | ${target} |`;
  };
  const check = (ok: boolean) => (ok ? "met" : "MISSED");
  const manifestS = summary("manifest");
  const blobS = summary("blob");
  const startRow = (label: string, times: number[]) => {
    const m = median(times);
    return `| start to first /healthz 200, ${label} (median of ${times.length}; max) | ${m.toFixed(0)} ms; ${Math.max(...times).toFixed(0)} ms | <= 150 ms: ${check(m <= 150)} |`;
  };
  const lines = [
    `Node ${process.versions.node}; ${lookup.prefixes} distinct prefixes from ${RANGES_DIR}; server on core ${SERVER_CORE}, wrk (1 thread, ${CONNECTIONS} connections) on core ${CLIENT_CORE}; ${ROUNDS} rounds x ${SECONDS} s, medians.`,
    "",
    "| load | requests/s | p50 ms | p99 ms | of bare | target >= 80 % |",
    "|---|---|---|---|---|---|",
    row("bare node:http, fixed 307", bareS, "(ceiling)"),
    row("manifest redirect", manifestS, check(manifestS.rps >= 0.8 * bareS.rps)),
    row("blob redirect, warm cache", blobS, check(blobS.rps >= 0.8 * bareS.rps)),
    "",
    "| measure | value | target |",
    "|---|---|---|",
    startRow("image layout (range files + build-time index)", startIndexed),
    startRow("range files only (parsed at start)", startParsed),
    `| RSS after load (bare node:http server after the same load) | ${rss.toFixed(1)} MB (${bareRss.toFixed(1)} MB) | <= 60 MB: ${check(rss <= 60)} |`,
    `| IP lookup (parse + match), IPv4 / IPv6 | ${lookup.v4.toFixed(0)} ns / ${lookup.v6.toFixed(0)} ns | <= 1000 ns: ${check(Math.max(lookup.v4, lookup.v6) <= 1000)} |`,
    `| never-answering mirror: blob p99; max (${silentRun.requests} distinct blobs in ${SECONDS * 2} s) | ${ms(silentRun.p99)} ms; ${ms(silentRun.max)} ms | <= 1600 ms (HEAD timeout 1500 + 100): ${check(silentRun.p99 <= 1_600_000)} |`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err.message}\n`);
  for (const child of children) child.kill("SIGKILL");
  process.exit(1);
});
