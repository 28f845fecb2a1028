/**
 * Pure: the operations dashboard as Cloud Monitoring's dashboard JSON: requests and
 * latency by region (Cloud Run), decisions by target and mirror answers, fallbacks and
 * breaker openings by mirror (the redirector's log-based metrics), 5xx and 429 at the load
 * balancer. Every tile is a PromQL query.
 */
import { promMetric } from "./log-metrics";

interface Tile {
  title: string;
  query: string;
}

/** `project`: the load balancer's; `services`: the serving Cloud Run services (servicePattern). */
export function dashboardTiles(project: string, services: string): Tile[] {
  const run = `monitored_resource="cloud_run_revision",service_name=~"${services}"`;
  const lb = `monitored_resource="https_lb_rule",forwarding_rule_name=~"${project}-.*"`;
  return [
    {
      title: "Requests per second, by region",
      query: `sum by (location) (rate(run_googleapis_com:request_count{${run}}[5m]))`,
    },
    {
      title: "p99 latency (ms), by region",
      query: `histogram_quantile(0.99, sum by (location, le) (rate(run_googleapis_com:request_latencies_bucket{${run}}[5m])))`,
    },
    {
      title: "Decisions per second, by target",
      query: `sum by (target) (rate(${promMetric("redirector_decisions")}[5m]))`,
    },
    {
      title: "Mirror answers per second, by answer",
      query: `sum by (mirror_answer) (rate(${promMetric("redirector_decisions")}{route="blob",mirror_answer!=""}[5m]))`,
    },
    {
      title: "Mirror fallbacks per second, by mirror",
      query: `sum by (mirror) (rate(${promMetric("redirector_mirror_fallbacks")}[5m]))`,
    },
    {
      title: "Breaker openings and mirrors down, by mirror",
      query: `sum by (mirror) (increase(${promMetric("redirector_breaker_openings")}[10m])) or sum by (mirror) (increase(${promMetric("redirector_mirrors_down")}[10m]))`,
    },
    {
      title: "Image pulls per second, by client cloud",
      query: `sum by (client_cloud) (rate(${promMetric("redirector_image_pulls")}[5m]))`,
    },
    {
      title: "Load balancer 5xx and 429 per second",
      query: `sum by (response_code) (rate(loadbalancing_googleapis_com:https_request_count{${lb},response_code=~"5..|429"}[5m]))`,
    },
  ];
}

/** The dashboard's JSON: two tiles a row. */
export function dashboardJson(displayName: string, project: string, services: string): string {
  const tiles = dashboardTiles(project, services).map((t, i) => ({
    xPos: (i % 2) * 24,
    yPos: Math.floor(i / 2) * 16,
    width: 24,
    height: 16,
    widget: {
      title: t.title,
      xyChart: { dataSets: [{ timeSeriesQuery: { prometheusQuery: t.query }, plotType: "LINE" }] },
    },
  }));
  return JSON.stringify({ displayName, mosaicLayout: { columns: 48, tiles } });
}
