/**
 * The redirector as a process: start-up validation, readiness, SIGTERM, and the
 * esbuild bundle that the Docker image runs.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildSync } from "esbuild";
import { blob, Mirror, send, table } from "./http-fixtures";
import { listening, logLine, ROOT, start, TSX } from "./process-fixtures";
import { IPS, tempDir, writeRanges } from "./range-fixtures";

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
  it("finishes the in-flight request and exits 0 before its deadline", async () => {
    // Events, not timers: a HEAD budget no busy machine exhausts, and a mirror that
    // holds the in-flight HEAD until the shutdown has begun.
    const patient = join(tempDir(), "routing.json");
    const fixture = table({ paris: mirror.base, oregon: mirror.base, fallback: mirror.base });
    writeFileSync(patient, JSON.stringify({ ...fixture, existenceCheck: { timeoutMs: 10_000 } }));
    const child = start(TSX, { REDIRECTOR_CONFIG_FILE: patient, RANGES_DIR: rangesDir, PORT: "0" });
    const port = await listening(child);
    expect((await send(port, "/healthz")).status).toBe(200);
    mirror.mode = "held";
    const digest = `sha256:${"c".repeat(64)}`;
    const inFlight = blob(port, IPS.awsParis, digest);
    await mirror.received((q) => q.url === `/containers/images/${digest}`);
    child.proc.kill("SIGTERM");
    await logLine(child, "shutting down");
    mirror.release();
    const res = await inFlight;
    expect([res.status, res.headers.location]).toEqual([307, `${mirror.base}/containers/images/${digest}`]);
    // 0, not the 1 of the 4.8 s deadline: the drain finished in time.
    expect(await child.exit).toBe(0);
    expect(child.stdout.map((l) => JSON.parse(l).message)).toEqual([
      "listening",
      "shutting down",
      "307 blob -> mirror",
      "stopped",
    ]);
  }, 60_000);
});

describe("the bundle", () => {
  it("builds with esbuild into one file that serves", async () => {
    const out = join(tempDir(), "redirector.js");
    buildSync({
      entryPoints: [join(ROOT, "redirector/main.ts")],
      bundle: true,
      minify: true,
      keepNames: true,
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
  }, 60_000);
});
