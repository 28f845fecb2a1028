/**
 * The log-based metrics, the analytics sink and its views, checked against what the real
 * redirector writes: a process started from its sources, sent requests, its stdout read.
 * A renamed log field fails here, not on the dashboard.
 */
import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { alertSpecs } from "../../../infra/monitoring/alerts";
import { payloadPaths, STDOUT_SCHEMA, sinkFilter, VIEWS } from "../../../infra/monitoring/analytics";
import { dashboardTiles } from "../../../infra/monitoring/dashboard";
import { type LogMetric, logMetrics, servicePattern } from "../../../infra/monitoring/log-metrics";
import { blob, Mirror, send, table } from "../../redirector/http-fixtures";
import { type Child, listening, logLine, start, TSX } from "../../redirector/process-fixtures";
import { IPS, tempDir, writeRanges } from "../../redirector/range-fixtures";
import { compile, type Entry, entryOf, extract } from "./log-query";

const PROJECT = "registry-test";
const SERVICE = "redirector-europe-west1";
const PATTERN = servicePattern([SERVICE, "registry-test-us-central1"]);
const METRICS = logMetrics(PATTERN);
const digest = (c: string) => `sha256:${c.repeat(64)}`;
const metric = (name: string): LogMetric => {
  const m = METRICS.find((x) => x.name === name);
  if (!m) throw new Error(`no metric ${name}`);
  return m;
};

let paris: Mirror;
/** A mirror that answers every blob HEAD 500 and its health checks 403 (alive). */
let failing: Server;
let failingBase: string;
let lines: Record<string, unknown>[];
let entries: Entry[];

beforeAll(async () => {
  paris = await new Mirror().start();
  failing = createServer((req, res) => res.writeHead(req.url === "/" ? 403 : 500).end());
  await new Promise<void>((r) => failing.listen(0, "127.0.0.1", r));
  failingBase = `http://127.0.0.1:${(failing.address() as AddressInfo).port}`;
  const config = join(tempDir(), "routing.json");
  const routing = table(
    { paris: paris.base, oregon: failingBase, fallback: paris.base },
    {
      logImagePulls: true,
      existenceCheck: {
        timeoutMs: 5000,
        breakerFailures: 3,
        breakerCooldownSeconds: 600,
        healthCheckIntervalMs: 200,
        healthCheckFailures: 2,
        healthCheckSuccesses: 2,
      },
    },
  );
  writeFileSync(config, JSON.stringify(routing));
  const child: Child = start(TSX, { REDIRECTOR_CONFIG_FILE: config, RANGES_DIR: writeRanges(), PORT: "0" });
  const port = await listening(child);
  const forwarded = (ip: string) => ({ headers: { "x-forwarded-for": `${ip},34.120.0.1` } });

  // Two pulls (a manifest GET each; a HEAD is no pull), one from no cloud.
  await send(port, "/v2/pause/manifests/3.10", forwarded(IPS.awsParis));
  await send(port, "/v2/pause/manifests/3.10", { method: "HEAD", ...forwarded(IPS.awsParis) });
  await send(port, `/v2/pause/manifests/${digest("e")}`, forwarded(IPS.unknown));
  // A blob on a mirror that has it.
  expect((await blob(port, IPS.awsParis, digest("a"))).headers.location).toContain(paris.base);
  // Three failed HEADs open the failing mirror's breaker; the next blob skips it.
  for (const c of ["b", "c", "d"]) await blob(port, IPS.awsOregonNested, digest(c));
  await logLine(child, "mirror breaker open");
  await blob(port, IPS.awsOregonNested, digest("f"));
  // The Paris mirror dies: health checks take it out, its cached blob is skipped.
  await paris.stop();
  await logLine(child, "mirror down");
  await blob(port, IPS.awsParis, digest("a"));

  child.proc.kill("SIGTERM");
  expect(await child.exit).toBe(0);
  lines = child.stdout.filter((l) => l).map((l) => JSON.parse(l));
  entries = lines.map((l) => entryOf(l, SERVICE, "europe-west1", PROJECT));
}, 60_000);

afterAll(() => new Promise((r) => failing.close(r)));

/** The entries a metric counts, each as its labels' values. */
function counted(m: LogMetric, from = entries): Record<string, string | undefined>[] {
  const test = compile(m.filter);
  return from.filter(test).map((e) => Object.fromEntries(Object.entries(m.labels).map(([k, x]) => [k, extract(x, e)])));
}
const values = (rows: Record<string, string | undefined>[], label: string) =>
  [...new Set(rows.map((r) => r[label]).filter((v) => v !== undefined))].sort();

describe("log-based metrics over the redirector's own lines", () => {
  it("decisions: every blob decision, by route, target, client and mirror answer", () => {
    const rows = counted(metric("redirector_decisions"));
    expect(rows.filter((r) => r.route === "blob")).toHaveLength(6);
    expect(values(rows, "mirror_answer")).toEqual(["failed", "present", "skipped"]);
    expect(values(rows, "target")).toEqual(expect.arrayContaining(["mirror"]));
    expect(values(rows, "client_cloud")).toEqual(["aws"]);
    expect(values(rows, "client_region")).toEqual(["eu-west-3", "us-west-2"]);
    expect(values(rows, "region")).toEqual(["europe-west1"]);
    expect(values(rows, "mirror")).toEqual([failingBase, paris.base].sort());
  });

  it("mirror fallbacks: the failed HEADs and the blobs sent past a mirror out of rotation", () => {
    const rows = counted(metric("redirector_mirror_fallbacks"));
    expect(rows.map((r) => `${r.mirror} ${r.mirror_answer}`).sort()).toEqual(
      [
        `${failingBase} failed`,
        `${failingBase} failed`,
        `${failingBase} failed`,
        `${failingBase} skipped`,
        `${paris.base} skipped`,
      ].sort(),
    );
  });

  it("breaker openings and mirrors down: one line each, naming the mirror", () => {
    expect(counted(metric("redirector_breaker_openings"))).toEqual([{ region: "europe-west1", mirror: failingBase }]);
    expect(values(counted(metric("redirector_mirrors_down")), "mirror")).toEqual([paris.base]);
  });

  it("image pulls: one per manifest GET, with the client's cloud and region when it has one", () => {
    expect(counted(metric("redirector_image_pulls"))).toEqual([
      { region: "europe-west1", client_cloud: "aws", client_region: "eu-west-3" },
      { region: "europe-west1", client_cloud: undefined, client_region: undefined },
    ]);
  });

  it("the image_pull line keeps no address, and says what was pulled", () => {
    const pulls = lines.filter((l) => l.message === "image_pull");
    expect(pulls.map((l) => [l.repository, l.reference])).toEqual([
      ["pause", "3.10"],
      ["pause", digest("e")],
    ]);
    for (const line of pulls) expect(JSON.stringify(line)).not.toMatch(/35\.180\.1\.1|192\.0\.2\.1|remoteIp/);
  });

  it("count nothing from services outside the pattern", () => {
    const other = lines.map((l) => entryOf(l, "someone-elses-service", "europe-west1", PROJECT));
    for (const m of METRICS) expect(counted(m, other)).toEqual([]);
  });

  it("every label value an alert or a dashboard tile selects on occurs in the lines", () => {
    const queries = [
      ...alertSpecs({
        domain: "registry.example",
        project: PROJECT,
        services: PATTERN,
        certificateDays: 15,
        thresholds: { loadBalancer5xxRatio: 0.05, latencyP99Ms: 1000, armor429PerSecond: 50, mirrorFallbackRatio: 0.2 },
      }).flatMap((a) => (a.condition.kind === "promql" ? [a.condition.query] : [])),
      ...dashboardTiles(PROJECT, PATTERN).map((t) => t.query),
    ];
    const selected = queries.flatMap((q) =>
      [...q.matchAll(/logging_googleapis_com:user_(\w+)\{([^}]*)\}/g)].flatMap(([, name, selectors]) =>
        [...(selectors as string).matchAll(/(\w+)="([^"]+)"/g)].map(([, label, value]) => ({ name, label, value })),
      ),
    );
    expect(selected.length).toBeGreaterThan(0);
    for (const s of selected) {
      expect({ ...s, seen: values(counted(metric(s.name as string)), s.label as string) }).toEqual({
        ...s,
        seen: expect.arrayContaining([s.value]),
      });
    }
  });
});

describe("the analytics sink and its views", () => {
  const requestLog: Entry = {
    logName: `projects/${PROJECT}/logs/run.googleapis.com%2Frequests`,
    resource: { type: "cloud_run_revision", labels: { service_name: SERVICE, location: "europe-west1" } },
    httpRequest: { requestMethod: "GET", status: 307 },
  };

  it("exports the request logs, the image_pull lines and the decisions, nothing else", () => {
    const exported = compile(sinkFilter(PROJECT, PATTERN));
    expect(exported(requestLog)).toBe(true);
    expect(exported({ ...requestLog, logName: "projects/other/logs/run.googleapis.com%2Frequests" })).toBe(false);
    const messages = new Set(entries.filter(exported).map((e) => (e.jsonPayload as Entry).message as string));
    expect(messages.has("image_pull")).toBe(true);
    expect([...messages].filter((m) => m.startsWith("307 blob")).length).toBeGreaterThan(0);
    for (const quiet of ["listening", "mirror down", "mirror breaker open", "shutting down"]) {
      expect(messages.has(quiet)).toBe(false);
    }
  });

  /** `a.b` paths of a schema's RECORD fields. */
  const schemaPaths = (fields: typeof STDOUT_SCHEMA, prefix = ""): string[] =>
    fields.flatMap((f) => (f.fields ? schemaPaths(f.fields, `${prefix}${f.name}.`) : [`${prefix}${f.name}`]));
  const payload = schemaPaths(STDOUT_SCHEMA)
    .filter((p) => p.startsWith("jsonPayload."))
    .map((p) => p.slice("jsonPayload.".length));
  const has = (line: Record<string, unknown>, path: string) =>
    path.split(".").reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Entry)[k] : undefined), line) !==
    undefined;

  it("declares only columns the redirector writes", () => {
    for (const path of payload)
      expect({ path, written: lines.some((l) => has(l, path)) }).toEqual({ path, written: true });
  });

  it.each(VIEWS.map((v) => [v.name, v] as const))(
    "%s reads declared columns, and its filters match real lines",
    (_, view) => {
      for (const path of payloadPaths(view.query)) expect(payload).toContain(path);
      const filters = [...view.query.matchAll(/jsonPayload\.([\w.]+) = "([^"]+)"/g)];
      expect(filters.length).toBeGreaterThan(0);
      for (const [, path, value] of filters) {
        const p = path as string;
        const found = lines.some(
          (l) => String(p.split(".").reduce<unknown>((v, k) => (v as Entry | undefined)?.[k], l)) === value,
        );
        expect({ path, value, found }).toEqual({ path, value, found: true });
      }
    },
  );
});
