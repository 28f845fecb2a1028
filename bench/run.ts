/**
 * npm run bench: the redirector's performance, printed as tables of ratios. Not a test.
 *
 * Every server under test runs on core 0 (`taskset`), like a 1-vCPU Cloud Run
 * instance; wrk, the mirrors and this script run on core 1. In the same run, side by
 * side, with rounds alternating:
 *
 * - a bare node:http server answering a fixed 307 (bench/bare-server.js): the ceiling;
 * - the redirector as the image runs it (the esbuild bundle, range files + index);
 * - upstream archeio, when ARCHEIO_BIN names its binary (run with GOMAXPROCS=1).
 *
 * Measured: requests/s, p50/p99 and CPU time per request (utime+stime of the server
 * over the requests it answered, steadier than requests/s on a shared machine) for a
 * manifest and a warm-cache blob redirect; start to first answer; RSS idle and after
 * load; RSS after 200k distinct real digests; p99 when a mirror never answers; and,
 * when a mirror dies, the time from its death to the last 307 that still pointed to it
 * (and from its return to the first 307 to it again).
 *
 * Needs `wrk` (Debian package) and `taskset` (util-linux). Environment:
 * RANGES_DIR (default ../shared/data/ip-ranges; read in place, never copied),
 * BENCH_SECONDS (5), BENCH_ROUNDS (3), BENCH_CONNECTIONS (64), BENCH_DIGESTS (200000),
 * BENCH_NODE_OPTIONS (NODE_OPTIONS for the Node servers; default: the image's, from
 * redirector/Dockerfile, for the redirector and the bare server alike), ARCHEIO_BIN (optional).
 */
import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { Agent, createServer, get, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createServer as createTcpServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { parseIp } from "../redirector/ip";
import { loadRangeTable, writeRangeIndex } from "../redirector/ip-ranges";
import type { RoutingTableInput } from "../redirector/routing-table";

const ROOT = join(__dirname, "..");
const BUNDLE = join(ROOT, "dist/redirector.js");
const RANGES_DIR = resolve(process.env.RANGES_DIR ?? join(ROOT, "../shared/data/ip-ranges"));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const DIGESTS = Number(process.env.BENCH_DIGESTS ?? 200_000);
const ARCHEIO_BIN = process.env.ARCHEIO_BIN;
const SERVER_CORE = "0";
const CLIENT_CORE = "1";
const PARIS = "35.180.1.1"; // AWS eu-west-3 in the real ranges
const OREGON = "44.224.0.1"; // AWS us-west-2
const FRANKFURT = "3.120.0.1"; // AWS eu-central-1
const NO_CLOUD = "192.0.2.1"; // archeio's default bucket is its only configurable mirror
const LB = "34.120.0.1";
const DIGEST = `sha256:${"ab".repeat(32)}`;
const UPSTREAM = "https://upstream.example.test";
const execFileAsync = promisify(execFile);
const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const realDigest = (i: number) => `sha256:${createHash("sha256").update(`blob ${i}`).digest("hex")}`;

function listen(server: Server | ReturnType<typeof createTcpServer>, port = 0): Promise<number> {
  return new Promise((ok) => server.listen(port, "127.0.0.1", () => ok((server.address() as AddressInfo).port)));
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
  agent: Agent | false = false,
): Promise<{ code: number; location?: string }> {
  return new Promise((ok, fail) => {
    const req = get({ host: "127.0.0.1", port, path, headers, agent }, (res) => {
      res.resume();
      res.on("end", () => ok({ code: res.statusCode ?? 0, location: res.headers.location }));
    });
    req.on("error", fail);
  });
}

/** Polls until the path answers `code`; returns when it did (performance.now()). */
async function until(port: number, path: string, code: number, deadlineMs = 10_000): Promise<number> {
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

function startOnServerCore(command: string[], env: Record<string, string>): ChildProcess {
  const child = spawn("taskset", ["-c", SERVER_CORE, ...command], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
}

/** A server kind: how to start it and what its requests are. */
interface Kind {
  name: string;
  start(port: number): ChildProcess;
  /** Answers 200 once it serves (archeio has no /healthz). */
  ready: string;
  manifest: string;
  blob?: { path: string; xff: string };
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

/**
 * Runs wrk without blocking this process: the stand-in mirrors live here, and a blocked
 * event loop would fail the redirector's health checks, take the mirror out of rotation
 * mid-run and turn the "warm blob redirect" into upstream answers.
 */
async function wrk(
  url: string,
  headers: string[],
  seconds: number,
  env: Record<string, string> = {},
): Promise<WrkResult> {
  const args = ["-c", CLIENT_CORE, "wrk", "-t1", `-c${CONNECTIONS}`, `-d${seconds}s`, "--timeout", "10s"];
  for (const h of headers) args.push("-H", h);
  args.push("-s", join(__dirname, "wrk-report.lua"), url);
  const { stdout: out } = await execFileAsync("taskset", args, {
    env: { ...process.env, ...env },
    encoding: "utf8",
  });
  const line = out.split("\n").find((l) => l.startsWith("{"));
  if (!line) throw new Error(`no wrk summary in:\n${out}`);
  const r = JSON.parse(line) as WrkResult;
  if (r.errors > 0 || r.bad_status > 0) throw new Error(`wrk saw errors: ${line}`);
  return r;
}

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+) kB/m);
  return Number(line?.[1]) / 1024;
}

/** utime+stime of a process, in microseconds. */
function cpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) / CLK_TCK) * 1e6;
}

/** A load run with the server's CPU time per request. */
async function measured(pid: number, url: string, headers: string[]) {
  const cpu0 = cpuUs(pid);
  const r = await wrk(url, headers, SECONDS);
  return { rps: r.requests / (r.duration_us / 1e6), p50: r.p50, p99: r.p99, cpuUs: (cpuUs(pid) - cpu0) / r.requests };
}
type Run = Awaited<ReturnType<typeof measured>>;

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

/** `count` blob requests, each for a new real digest, 32 at a time on keep-alive connections. */
async function distinctDigests(port: number, xff: string, count: number, mirrorBase: string): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  let next = 0;
  let toMirror = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const r = await status(port, `/v2/pause/blobs/${realDigest(i)}`, { "x-forwarded-for": xff }, agent);
      if (r.location?.startsWith(mirrorBase)) toMirror++;
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  agent.destroy();
  return toMirror;
}

/** A mirror on a fixed port that holds every blob, and can die and come back. */
class MortalMirror {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  constructor(readonly port: number) {}
  get base() {
    return `http://127.0.0.1:${this.port}`;
  }
  async up(): Promise<void> {
    this.server = createServer((_req, res) => res.writeHead(200).end());
    this.server.on("connection", (s) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    await listen(this.server, this.port);
  }
  async down(): Promise<void> {
    const closed = new Promise((r) => this.server?.close(r));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}

/**
 * Clients keep pulling blobs the server has cached as present on `mirror`; the mirror
 * dies, then comes back. Returns ms from death to the last 307 to it (null: it never
 * stopped within the window) and from its return to the first 307 to it again.
 */
async function deadMirror(port: number, mirror: MortalMirror, xff: string, windowMs: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const digests = Array.from({ length: 50 }, (_, i) => realDigest(1_000_000 + i));
  for (const d of digests) await status(port, `/v2/pause/blobs/${d}`, { "x-forwarded-for": xff }, agent);
  let stopAt = Number.POSITIVE_INFINITY;
  let lastToMirror = 0;
  let firstBack = Number.NaN;
  let diedAt = Number.NaN;
  let backAt = Number.NaN;
  let n = 0;
  const worker = async () => {
    while (performance.now() < stopAt) {
      const r = await status(
        port,
        `/v2/pause/blobs/${digests[n++ % digests.length]}`,
        { "x-forwarded-for": xff },
        agent,
      );
      const now = performance.now();
      if (r.location?.startsWith(mirror.base)) {
        lastToMirror = now;
        if (now > backAt && Number.isNaN(firstBack)) firstBack = now;
      }
      await sleep(2);
    }
  };
  const workers = Promise.all(Array.from({ length: 8 }, worker));
  await sleep(500);
  diedAt = performance.now();
  await mirror.down();
  await sleep(windowMs);
  const stillSent = lastToMirror > performance.now() - 200;
  const lastAfterDeath = lastToMirror - diedAt;
  await mirror.up();
  backAt = performance.now();
  stopAt = backAt + windowMs;
  await workers;
  agent.destroy();
  return { deathToLast: stillSent ? null : Math.max(0, lastAfterDeath), backToFirst: firstBack - backAt, n };
}

/** The NODE_OPTIONS the image runs the service with: the bench runs both Node servers so. */
function imageNodeOptions(): string {
  const dockerfile = readFileSync(join(ROOT, "redirector/Dockerfile"), "utf8");
  const m = dockerfile.match(/NODE_OPTIONS="([^"]*)"/);
  if (!m) throw new Error("no NODE_OPTIONS in redirector/Dockerfile");
  return m[1] as string;
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

  // Mirrors: one that holds every blob, one that accepts connections and never answers,
  // and one that will die and come back.
  const mirror = createServer((_req, res) => res.writeHead(200).end());
  const mirrorPort = await listen(mirror);
  const mirrorBase = `http://127.0.0.1:${mirrorPort}`;
  const hung = new Set<Socket>();
  const silent = createTcpServer((s) => hung.add(s));
  const silentPort = await listen(silent);
  const mortal = new MortalMirror(await freePort());
  await mortal.up();
  const table: RoutingTableInput = {
    upstream: { endpoint: UPSTREAM, path: "k8s-artifacts-prod/images" },
    infoUrl: "https://github.com/kubernetes/registry.k8s.io",
    privacyUrl: "https://www.linuxfoundation.org/privacy-policy/",
    mirrors: [
      { cloud: "aws", clientRegion: "eu-west-3", baseUrl: mirrorBase },
      { cloud: "aws", clientRegion: "us-west-2", baseUrl: `http://127.0.0.1:${silentPort}` },
      { cloud: "aws", clientRegion: "eu-central-1", baseUrl: mortal.base },
    ],
  };
  const work = mkdtempSync(join(tmpdir(), "bench-"));
  const configFile = join(work, "routing.json");
  writeFileSync(configFile, JSON.stringify(table));
  // The same table with request analytics on: an image_pull line per manifest GET.
  const pullsConfigFile = join(work, "routing-pulls.json");
  writeFileSync(pullsConfigFile, JSON.stringify({ ...table, logImagePulls: true }));
  // The image's layout: the range files (linked, read in place) plus the index
  // ranges:update writes beside them.
  const indexed = join(work, "ranges");
  mkdirSync(indexed);
  for (const f of ["aws-ip-ranges.json", "gcp-cloud.json"]) symlinkSync(join(RANGES_DIR, f), join(indexed, f));
  writeRangeIndex(indexed);
  const nodeOptions = process.env.BENCH_NODE_OPTIONS ?? imageNodeOptions();

  const kinds: Kind[] = [
    {
      name: "bare node:http",
      start: (port) =>
        startOnServerCore([process.execPath, join(__dirname, "bare-server.js")], {
          PORT: String(port),
          LOCATION: `${UPSTREAM}/v2/k8s-artifacts-prod/images/pause/manifests/3.9`,
          BLOB_LOCATION: `${mirrorBase}/containers/images/${DIGEST}`,
          NODE_OPTIONS: nodeOptions,
        }),
      ready: "/",
      manifest: "/v2/pause/manifests/3.9",
      // The same request and answer bytes as the redirector's warm blob redirect.
      blob: { path: `/v2/pause/blobs/${DIGEST}`, xff: `${PARIS}, ${LB}` },
    },
    {
      name: "redirector",
      start: (port) =>
        startOnServerCore([process.execPath, BUNDLE], {
          REDIRECTOR_CONFIG_FILE: configFile,
          RANGES_DIR: indexed,
          PORT: String(port),
          NODE_OPTIONS: nodeOptions,
        }),
      ready: "/healthz",
      manifest: "/v2/pause/manifests/3.9",
      blob: { path: `/v2/pause/blobs/${DIGEST}`, xff: `${PARIS}, ${LB}` },
    },
  ];
  kinds.push({
    name: "redirector, image_pull lines",
    start: (port) =>
      startOnServerCore([process.execPath, BUNDLE], {
        REDIRECTOR_CONFIG_FILE: pullsConfigFile,
        RANGES_DIR: indexed,
        PORT: String(port),
        NODE_OPTIONS: nodeOptions,
      }),
    ready: "/healthz",
    manifest: "/v2/pause/manifests/3.9",
  });
  if (ARCHEIO_BIN) {
    kinds.push({
      name: "archeio",
      start: (port) =>
        startOnServerCore([ARCHEIO_BIN], {
          PORT: String(port),
          GOMAXPROCS: "1",
          UPSTREAM_REGISTRY_ENDPOINT: UPSTREAM,
          UPSTREAM_REGISTRY_PATH: "k8s-artifacts-prod/images",
          DEFAULT_AWS_BASE_URL: mirrorBase,
        }),
      ready: "/v2/",
      manifest: "/v2/pause/manifests/3.9",
      blob: { path: `/v2/pause/blobs/${DIGEST}`, xff: `${NO_CLOUD}, ${LB}` },
    });
  }
  const readyCode = (k: Kind) => (k.ready === "/" ? 307 : 200);

  process.stderr.write("lookup...\n");
  const lookup = lookupNs();

  process.stderr.write("start-up...\n");
  const startTimes = new Map<string, number[]>(kinds.map((k) => [k.name, []]));
  const parsedStart: number[] = [];
  for (let i = 0; i < 7; i++) {
    for (const k of kinds) {
      const port = await freePort();
      const t0 = performance.now();
      const child = k.start(port);
      startTimes.get(k.name)?.push((await until(port, k.ready, readyCode(k))) - t0);
      await stop(child);
    }
    const port = await freePort();
    const t0 = performance.now();
    const child = startOnServerCore([process.execPath, BUNDLE], {
      REDIRECTOR_CONFIG_FILE: configFile,
      RANGES_DIR,
      PORT: String(port),
    });
    parsedStart.push((await until(port, "/healthz", 200)) - t0);
    await stop(child);
  }

  process.stderr.write("load...\n");
  const running = await Promise.all(
    kinds.map(async (k) => {
      const port = await freePort();
      const child = k.start(port);
      await until(port, k.ready, readyCode(k));
      return { kind: k, port, pid: child.pid as number, child };
    }),
  );
  await sleep(1500); // let start-up work (JIT, deferred loads, first health checks) settle
  const idleRss = new Map(running.map((r) => [r.kind.name, rssMb(r.pid)]));
  for (const r of running) {
    if (!r.kind.blob) continue;
    const warm = await status(r.port, r.kind.blob.path, { "x-forwarded-for": r.kind.blob.xff });
    if (!warm.location?.startsWith(mirrorBase)) throw new Error(`${r.kind.name}: blob not sent to the mirror`);
  }
  type Load = { server: (typeof running)[number]; load: "manifest" | "blob"; url: string; headers: string[] };
  const loads: Load[] = running.flatMap((r) => [
    { server: r, load: "manifest" as const, url: `http://127.0.0.1:${r.port}${r.kind.manifest}`, headers: [] },
    ...(r.kind.blob
      ? [
          {
            server: r,
            load: "blob" as const,
            url: `http://127.0.0.1:${r.port}${r.kind.blob.path}`,
            headers: [`X-Forwarded-For: ${r.kind.blob.xff}`],
          },
        ]
      : []),
  ]);
  const runs = new Map<Load, Run[]>(loads.map((l) => [l, []]));
  for (const l of loads) await wrk(l.url, l.headers, 1); // warm-up (JIT, connections)
  for (let round = 0; round < ROUNDS; round++) {
    for (const l of loads) runs.get(l)?.push(await measured(l.server.pid, l.url, l.headers));
  }
  // The blob load measured warm redirects to the mirror only if the mirror stayed in rotation.
  for (const r of running) {
    if (!r.kind.blob) continue;
    const after = await status(r.port, r.kind.blob.path, { "x-forwarded-for": r.kind.blob.xff });
    if (!after.location?.startsWith(mirrorBase))
      throw new Error(`${r.kind.name}: the mirror left rotation during the load`);
  }
  const loadRss = new Map(running.map((r) => [r.kind.name, rssMb(r.pid)]));
  for (const r of running) await stop(r.child);

  process.stderr.write(`${DIGESTS} distinct digests...\n`);
  const digestRss = new Map<string, { before: number; after: number; toMirror: number }>();
  for (const k of kinds) {
    if (!k.blob || k.name === "bare node:http") continue;
    const port = await freePort();
    const child = k.start(port);
    await until(port, k.ready, readyCode(k));
    await sleep(1000);
    const before = rssMb(child.pid as number);
    const xff = k.name === "archeio" ? `${NO_CLOUD}, ${LB}` : `${PARIS}, ${LB}`;
    const toMirror = await distinctDigests(port, xff, DIGESTS, mirrorBase);
    digestRss.set(k.name, { before, after: rssMb(child.pid as number), toMirror });
    await stop(child);
  }

  process.stderr.write("never-answering mirror...\n");
  const deadPort = await freePort();
  const dead = kinds[1] as Kind;
  const deadChild = dead.start(deadPort);
  await until(deadPort, "/healthz", 200);
  const silentRun = await wrk(
    `http://127.0.0.1:${deadPort}/v2/pause/blobs/${DIGEST}`,
    [`X-Forwarded-For: ${OREGON}, ${LB}`],
    SECONDS * 2,
    { DISTINCT_DIGESTS: "1" },
  );
  await stop(deadChild);

  process.stderr.write("a mirror dies and comes back...\n");
  const WINDOW_MS = 15_000;
  const mortalPort = await freePort();
  const mortalChild = dead.start(mortalPort);
  await until(mortalPort, "/healthz", 200);
  const death = await deadMirror(mortalPort, mortal, `${FRANKFURT}, ${LB}`, WINDOW_MS);
  await stop(mortalChild);

  for (const s of hung) s.destroy();
  mirror.close();
  silent.close();
  await mortal.down();

  // The tables.
  const us = (x: number) => (x / 1000).toFixed(2);
  const ratio = (x: number, of: number) => (x / of).toFixed(2);
  const check = (ok: boolean) => (ok ? "met" : "MISSED");
  const summary = (name: string, load: "manifest" | "blob") => {
    const l = loads.find((x) => x.server.kind.name === name && x.load === load);
    const rs = l ? (runs.get(l) ?? []) : [];
    if (rs.length === 0) return undefined;
    return {
      rps: median(rs.map((r) => r.rps)),
      p50: median(rs.map((r) => r.p50)),
      p99: median(rs.map((r) => r.p99)),
      cpuUs: median(rs.map((r) => r.cpuUs)),
    };
  };
  const bareOf = {
    manifest: summary("bare node:http", "manifest"),
    blob: summary("bare node:http", "blob"),
  };
  const archeio = { manifest: summary("archeio", "manifest"), blob: summary("archeio", "blob") };
  const loadRows: string[] = [];
  for (const name of kinds.map((k) => k.name)) {
    for (const load of ["manifest", "blob"] as const) {
      const s = summary(name, load);
      const bare = bareOf[load];
      if (!s || !bare) continue;
      const a = archeio[load];
      const isRedirector = name === "redirector";
      const target = isRedirector ? `>= 0.90: ${check(s.rps >= 0.9 * bare.rps)}` : "";
      const cpuTarget = isRedirector && a ? `; CPU <= 0.80 of archeio: ${check(s.cpuUs <= 0.8 * a.cpuUs)}` : "";
      const what =
        name === "bare node:http"
          ? `fixed 307 to a ${load} request`
          : `${load} redirect${load === "blob" ? " (warm cache)" : ""}`;
      loadRows.push(
        `| ${name}, ${what} | ${Math.round(s.rps)} | ${ratio(s.rps, bare.rps)} | ${us(s.p50)} | ${us(s.p99)} | ${s.cpuUs.toFixed(1)} | ${ratio(s.cpuUs, bare.cpuUs)} | ${a ? ratio(s.cpuUs, a.cpuUs) : "-"} | ${target}${cpuTarget} |`,
      );
    }
  }
  const bareStart = median(startTimes.get("bare node:http") ?? []);
  const startRows = kinds.map((k) => {
    const t = startTimes.get(k.name) ?? [];
    const m = median(t);
    const target = k.name === "redirector" ? `<= 1.5x bare: ${check(m <= 1.5 * bareStart)}` : "";
    return `| ${k.name} (first ${k.ready} answer) | ${m.toFixed(0)} ms | ${Math.max(...t).toFixed(0)} ms | ${ratio(m, bareStart)} | ${target} |`;
  });
  startRows.push(
    `| redirector, range files only (no index) | ${median(parsedStart).toFixed(0)} ms | ${Math.max(...parsedStart).toFixed(0)} ms | ${ratio(median(parsedStart), bareStart)} | |`,
  );
  const bareIdle = idleRss.get("bare node:http") ?? 0;
  const bareLoad = loadRss.get("bare node:http") ?? 0;
  const rssRows = kinds.map((k) => {
    const idle = idleRss.get(k.name) ?? 0;
    const after = loadRss.get(k.name) ?? 0;
    const target =
      k.name === "redirector"
        ? `<= bare + 10 MB: idle ${check(idle <= bareIdle + 10)}, after load ${check(after <= bareLoad + 10)}`
        : "";
    const digests = digestRss.get(k.name);
    const d = digests ? `${digests.before.toFixed(0)} -> ${digests.after.toFixed(0)} MB` : "-";
    return `| ${k.name} | ${idle.toFixed(1)} MB (+${(idle - bareIdle).toFixed(1)}) | ${after.toFixed(1)} MB (+${(after - bareLoad).toFixed(1)}) | ${d} | ${target} |`;
  });
  const rd = digestRss.get("redirector");
  const lines = [
    `Node ${process.versions.node} (NODE_OPTIONS "${nodeOptions}" for both Node servers); ${lookup.prefixes} distinct prefixes from ${RANGES_DIR}; servers on core ${SERVER_CORE}, wrk (1 thread, ${CONNECTIONS} connections), mirrors and this script on core ${CLIENT_CORE}; ${ROUNDS} rounds x ${SECONDS} s, medians; each load's "of bare" is against the bare server answering the same request with a same-size 307${ARCHEIO_BIN ? "; archeio with GOMAXPROCS=1" : "; ARCHEIO_BIN not set: no archeio column"}.`,
    "",
    "| load | requests/s | of bare | p50 ms | p99 ms | CPU µs/request | CPU of bare | CPU of archeio | target |",
    "|---|---|---|---|---|---|---|---|---|",
    ...loadRows,
    "",
    "| start to first answer | median of 7 | max | of bare | target |",
    "|---|---|---|---|---|",
    ...startRows,
    "",
    `| RSS | idle (vs bare) | after the load above (vs bare) | ${DIGESTS} distinct digests: before -> after | target |`,
    "|---|---|---|---|---|",
    ...rssRows,
    "",
    "| measure | value | target |",
    "|---|---|---|",
    `| RSS after ${DIGESTS} distinct real digests (${rd?.toMirror ?? 0} sent to the mirror) | ${rd?.after.toFixed(0)} MB | <= 150 MB: ${check((rd?.after ?? 1e9) <= 150)} |`,
    `| mirror dies under clients re-pulling cached blobs: death to last 307 to it | ${death.deathToLast === null ? `still sent after ${WINDOW_MS / 1000} s` : `${death.deathToLast.toFixed(0)} ms`} | within seconds: ${check(death.deathToLast !== null && death.deathToLast <= 10_000)} |`,
    `| the mirror answers again: return to first 307 to it | ${Number.isNaN(death.backToFirst) ? `none within ${WINDOW_MS / 1000} s` : `${death.backToFirst.toFixed(0)} ms`} | within seconds |`,
    `| IP lookup (parse + match), IPv4 / IPv6 | ${lookup.v4.toFixed(0)} ns / ${lookup.v6.toFixed(0)} ns | <= 1000 ns: ${check(Math.max(lookup.v4, lookup.v6) <= 1000)} |`,
    `| never-answering mirror: blob p99; max (${silentRun.requests} distinct blobs in ${SECONDS * 2} s) | ${us(silentRun.p99)} ms; ${us(silentRun.max)} ms | <= 1600 ms (HEAD timeout 1500 + 100): ${check(silentRun.p99 <= 1_600_000)} |`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err.stack ?? err.message}\n`);
  for (const child of children) child.kill("SIGKILL");
  process.exit(1);
});
