/**
 * The alerts, the dashboard and the metrics they read agree with each other and with the
 * runbook: every label a query selects or groups a log metric by is one the metric
 * extracts, and every runbook anchor a notification names exists in docs/operations.md.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { replicationAlarmSpecs } from "../../../infra/donors/aws-s3/replication-alarms";
import { alertSpecs, RUNBOOK } from "../../../infra/monitoring/alerts";
import { dashboardJson, dashboardTiles } from "../../../infra/monitoring/dashboard";
import { logMetrics, servicePattern } from "../../../infra/monitoring/log-metrics";

const PATTERN = servicePattern(["redirector-us-central1", "k8s-infra-oci-proxy-prod-us-central1"]);
const ALERTS = alertSpecs({
  domain: "registry.example.dev",
  project: "example-redirector",
  services: PATTERN,
  certificateDays: 15,
  thresholds: { loadBalancer5xxRatio: 0.05, latencyP99Ms: 1000, armor429PerSecond: 50, mirrorFallbackRatio: 0.2 },
});
const QUERIES = [
  ...ALERTS.flatMap((a) => (a.condition.kind === "promql" ? [a.condition.query] : [])),
  ...dashboardTiles("example-redirector", PATTERN).map((t) => t.query),
];
const RUNBOOK_TEXT = readFileSync(join(__dirname, "../../..", RUNBOOK), "utf8");

describe("servicePattern", () => {
  it("matches exactly the named services, in a stable order", () => {
    const re = new RegExp(PATTERN);
    expect(PATTERN).toBe("^(k8s-infra-oci-proxy-prod-us-central1|redirector-us-central1)$");
    expect(re.test("redirector-us-central1")).toBe(true);
    expect(re.test("redirector-us-central1-canary")).toBe(false);
    expect(servicePattern(["b-x", "a-y", "b-x"])).toBe("^(a-y|b-x)$");
  });

  it("refuses what is not a Cloud Run service name, rather than build a regex of it", () => {
    expect(() => servicePattern([])).toThrow("not Cloud Run service names");
    expect(() => servicePattern(["redirector.*"])).toThrow("not Cloud Run service names: redirector.*");
  });
});

describe("queries over the log-based metrics", () => {
  const labels = new Map(
    logMetrics(PATTERN).map((m) => [`logging_googleapis_com:user_${m.name}`, Object.keys(m.labels)]),
  );

  it("select and group only by labels the metric extracts", () => {
    const uses = QUERIES.flatMap((q) => {
      const out: { metric: string; label: string }[] = [];
      for (const [, metric, selectors] of q.matchAll(/(logging_googleapis_com:user_\w+)(?:\{([^}]*)\})?/g)) {
        for (const [, label] of (selectors ?? "").matchAll(/(\w+)\s*(?:=~|!=|=)/g)) {
          out.push({ metric: metric as string, label: label as string });
        }
      }
      // `sum by (x) (rate(metric...))`: x must be the metric's.
      for (const [, by, inner] of q.matchAll(
        /by \(([^)]*)\) \((?:rate|increase)\((logging_googleapis_com:user_\w+)/g,
      )) {
        for (const label of (by as string).split(",").map((l) => l.trim()))
          out.push({ metric: inner as string, label });
      }
      return out;
    });
    expect(uses.length).toBeGreaterThan(5);
    const unknown = uses.filter((u) => !(labels.get(u.metric) ?? []).includes(u.label));
    expect(unknown).toEqual([]);
  });

  it("name only metrics this program declares", () => {
    const named = QUERIES.flatMap((q) => [...q.matchAll(/logging_googleapis_com:user_\w+/g)].map((m) => m[0]));
    expect(named.filter((n) => !labels.has(n))).toEqual([]);
    expect(new Set(named)).toEqual(new Set(labels.keys()));
  });

  it("read the serving services by the pattern, and the load balancer by the project's rules", () => {
    for (const q of QUERIES.filter((q) => q.includes("run_googleapis_com:")))
      expect(q).toContain(`service_name=~"${PATTERN}"`);
    for (const q of QUERIES.filter((q) => q.includes("loadbalancing_googleapis_com:"))) {
      expect(q).toContain('forwarding_rule_name=~"example-redirector-.*"');
    }
  });
});

describe("the runbook", () => {
  const anchors = (text: string) => [...text.matchAll(/operations\.md#([\w-]+)/g)].map((m) => m[1] as string);
  const documented = new Set([...RUNBOOK_TEXT.matchAll(/<a id="([\w-]+)"><\/a>/g)].map((m) => m[1]));

  it("has a section for every alert a notification points to", () => {
    const pointed = ALERTS.flatMap((a) => anchors(a.documentation));
    expect(pointed).toEqual(ALERTS.map((a) => a.name));
    const replication = replicationAlarmSpecs(
      {
        source: { region: "us-east-2", bucket: "src" },
        destinations: [{ region: "eu-west-1", bucket: "dst" }],
      } as never,
      "replicate-to-{region}",
    ).flatMap((s) => anchors(s.description));
    expect(replication).toEqual(["replication"]);
    expect([...pointed, ...replication].filter((a) => !documented.has(a))).toEqual([]);
  });

  it("lists every alert in its table, linked to its section", () => {
    for (const a of ALERTS) expect(RUNBOOK_TEXT).toContain(`[${a.name}](#${a.name})`);
  });

  it("each alert tells what it means and what to do, in the notification itself", () => {
    for (const a of ALERTS) {
      expect(a.documentation.split("\n")[0]?.length).toBeGreaterThan(40);
      expect(a.documentation).toMatch(/\n- .+\n- .+/);
    }
  });
});

describe("the dashboard", () => {
  it("is one JSON document with a tile per query, two a row", () => {
    const json = JSON.parse(dashboardJson("registry.example.dev operations", "example-redirector", PATTERN));
    const tiles = json.mosaicLayout.tiles;
    expect(tiles).toHaveLength(dashboardTiles("example-redirector", PATTERN).length);
    expect(new Set(tiles.map((t: { xPos: number }) => t.xPos))).toEqual(new Set([0, 24]));
    expect(
      tiles.every(
        (t: { widget: { xyChart: { dataSets: { timeSeriesQuery: { prometheusQuery: string } }[] } } }) =>
          t.widget.xyChart.dataSets[0]?.timeSeriesQuery.prometheusQuery.length,
      ),
    ).toBeTruthy();
  });
});
