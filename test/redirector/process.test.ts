/**
 * The redirector as a process: start-up validation, readiness, SIGTERM, and the
 * esbuild bundle that the Docker image runs.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildSync } from "esbuild";
import { blob, Mirror, send, table } from "./http-fixtures";
import { IPS, tempDir, writeRanges } from "./range-fixtures";

const ROOT = join(__dirname, "../..");
const TSX = ["--import", "tsx", join(ROOT, "redirector/main.ts")];

interface Child {
  proc: ChildProcess;
  stdout: string[];
  stderr: string;
  exit: Promise<number | null>;
}

function start(args: string[], env: Record<string, string>): Child {
  const proc = spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? "", ...env } });
  const child: Child = { proc, stdout: [], stderr: "", exit: new Promise((r) => proc.on("exit", (code) => r(code))) };
  let partial = "";
  proc.stdout?.on("data", (d: Buffer) => {
    const lines = (partial + d.toString()).split("\n");
    partial = lines.pop() ?? "";
    child.stdout.push(...lines);
  });
  proc.stderr?.on("data", (d: Buffer) => {
    child.stderr += d.toString();
  });
  return child;
}

/** Waits for the "listening" log line and returns the bound port. */
async function listening(child: Child): Promise<number> {
  for (let i = 0; i < 400; i++) {
    const line = child.stdout.map((l) => JSON.parse(l)).find((l) => l.message === "listening");
    if (line) return line.port;
    if (child.proc.exitCode !== null) throw new Error(`exited ${child.proc.exitCode}: ${child.stderr}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`not listening: ${child.stderr}`);
}

let mirror: Mirror;
let configFile: string;
let rangesDir: string;

beforeAll(async () => {
  mirror = await new Mirror().start();
  configFile = join(tempDir(), "routing.json");
  writeFileSync(configFile, JSON.stringify(table({ paris: mirror.base, oregon: mirror.base, fallback: mirror.base })));
  rangesDir = writeRanges();
});
afterAll(() => mirror.stop());

describe("start-up", () => {
  it("exits 1 with every problem of a bad config", async () => {
    const child = start(TSX, {
      REDIRECTOR_CONFIG: JSON.stringify({ upstream: { endpoint: "https://ar/", path: "p/r" }, infoUrl: "x" }),
      PORT: "http",
      RANGES_DIR: rangesDir,
    });
    expect(await child.exit).toBe(1);
    expect(child.stderr).toBe(
      [
        "redirector: cannot start:",
        '  PORT: "http" is not a port',
        '  REDIRECTOR_CONFIG: upstream.endpoint: "https://ar/" must be a base URL: no query, fragment, credentials or trailing "/"',
        '  REDIRECTOR_CONFIG: upstream.endpoint: "https://ar/" must be an origin (scheme://host[:port]) with no path',
        '  REDIRECTOR_CONFIG: infoUrl: "x" is not an http(s) URL',
        "  REDIRECTOR_CONFIG: privacyUrl: Invalid input: expected string, received undefined",
        "",
      ].join("\n"),
    );
  });

  it("exits 1 naming a missing or malformed range file", async () => {
    const missing = start(TSX, { REDIRECTOR_CONFIG_FILE: configFile, RANGES_DIR: join(rangesDir, "none") });
    expect(await missing.exit).toBe(1);
    expect(missing.stderr).toContain(`${join(rangesDir, "none", "aws-ip-ranges.json")}: cannot read: ENOENT`);
    const malformed = start(TSX, { REDIRECTOR_CONFIG_FILE: configFile, RANGES_DIR: writeRanges(undefined, "[]") });
    expect(await malformed.exit).toBe(1);
    expect(malformed.stderr).toMatch(
      /gcp-cloud\.json: not in the expected format:\n {4}prefixes: missing or empty array/,
    );
  });
});

describe("SIGTERM", () => {
  it("finishes the in-flight request and exits 0 within 5 s", async () => {
    const child = start(TSX, { REDIRECTOR_CONFIG_FILE: configFile, RANGES_DIR: rangesDir, PORT: "0" });
    const port = await listening(child);
    expect((await send(port, "/healthz")).status).toBe(200);
    mirror.mode = "slow";
    mirror.slowMs = 250;
    const heads = mirror.heads;
    const inFlight = blob(port, IPS.awsParis);
    while (mirror.heads === heads) await new Promise((r) => setTimeout(r, 5));
    const signalled = Date.now();
    child.proc.kill("SIGTERM");
    const res = await inFlight;
    expect([res.status, res.headers.location]).toEqual([
      307,
      `${mirror.base}/containers/images/sha256:${"a".repeat(64)}`,
    ]);
    expect(await child.exit).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(5000);
    expect(child.stdout.map((l) => JSON.parse(l).message)).toEqual([
      "listening",
      "shutting down",
      "307 blob -> mirror",
      "stopped",
    ]);
  }, 15_000);
});

describe("the bundle", () => {
  it("builds with esbuild into one file that serves", async () => {
    const out = join(tempDir(), "redirector.js");
    buildSync({
      entryPoints: [join(ROOT, "redirector/main.ts")],
      bundle: true,
      platform: "node",
      target: "node24",
      outfile: out,
      logLevel: "warning",
    });
    const child = start([out], { REDIRECTOR_CONFIG_FILE: configFile, RANGES_DIR: rangesDir, PORT: "0" });
    const port = await listening(child);
    mirror.mode = "present";
    expect((await send(port, "/healthz")).status).toBe(200);
    // The lazily loaded HTTP client works from the bundle too.
    expect((await blob(port, IPS.awsParis, `sha256:${"b".repeat(64)}`)).headers.location).toContain(mirror.base);
    child.proc.kill("SIGTERM");
    expect(await child.exit).toBe(0);
  }, 15_000);
});
