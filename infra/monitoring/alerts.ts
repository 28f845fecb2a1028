/**
 * Pure: the alert policies, each with the documentation a responder reads first (what it
 * means, what to do; the long form is docs/operations.md). Uptime and certificate alerts
 * read the uptime checks' metrics; the service alerts are PromQL over the load balancer's,
 * Cloud Run's and the redirector's own log-based metrics (log-metrics.ts).
 */
import { promMetric } from "./log-metrics";

export interface AlertThresholds {
  loadBalancer5xxRatio: number;
  latencyP99Ms: number;
  armor429PerSecond: number;
  mirrorFallbackRatio: number;
}

export interface AlertSpec {
  /** Logical name and display name. */
  name: string;
  displayName: string;
  severity: "CRITICAL" | "ERROR" | "WARNING";
  /** Markdown for the notification: what it means, what to do. */
  documentation: string;
  condition:
    | {
        kind: "threshold";
        displayName: string;
        filter: string;
        threshold: number;
        comparison: "COMPARISON_GT" | "COMPARISON_LT";
        duration: string;
        aligner: string;
        reducer: string;
        period: string;
        groupBy: string[];
      }
    | { kind: "promql"; displayName: string; query: string; duration: string };
}

function doc(what: string, todo: string[], anchor: string, runbook: string): string {
  return [what, "", ...todo.map((t) => `- ${t}`), "", `Runbook: ${runbook}#${anchor}`].join("\n");
}

const LB = 'monitored_resource="https_lb_rule"';

export interface AlertInputs {
  domain: string;
  /** The load balancer's forwarding rules are `<project>-...`: only this registry's traffic. */
  project: string;
  /** The serving Cloud Run services (servicePattern). */
  services: string;
  certificateDays: number;
  thresholds: AlertThresholds;
}

/** The long form of every alert's documentation, one anchor per alert. */
export const RUNBOOK = "docs/operations.md";

export function alertSpecs(a: AlertInputs): AlertSpec[] {
  const runbook = RUNBOOK;
  const t = a.thresholds;
  const uptime = `resource.type="uptime_url" AND resource.label.host="${a.domain}"`;
  const lbRequests = (extra: string) =>
    `rate(loadbalancing_googleapis_com:https_request_count{${LB},forwarding_rule_name=~"${a.project}-.*"${extra}}[5m])`;
  return [
    {
      name: "uptime",
      displayName: `${a.domain} is down`,
      severity: "CRITICAL",
      documentation: doc(
        `Uptime checks of https://${a.domain} fail from more than one checker region.`,
        [
          "Look at the load balancer's and Cloud Run's errors in the dashboard.",
          "If one region is failing, drain it (redirector.drainedRegions) in a reviewed one-line change.",
        ],
        "uptime",
        runbook,
      ),
      condition: {
        kind: "threshold",
        displayName: "uptime check failing",
        filter: `metric.type="monitoring.googleapis.com/uptime_check/check_passed" AND ${uptime}`,
        // Like upstream's: more than one checker location failing for two minutes.
        comparison: "COMPARISON_GT",
        threshold: 1,
        duration: "120s",
        aligner: "ALIGN_NEXT_OLDER",
        reducer: "REDUCE_COUNT_FALSE",
        period: "300s",
        groupBy: ["resource.label.host", "metric.label.check_id"],
      },
    },
    {
      name: "certificate",
      displayName: `${a.domain}'s certificate expires in under ${a.certificateDays} days`,
      severity: "ERROR",
      documentation: doc(
        `The TLS certificate served for ${a.domain} expires in fewer than ${a.certificateDays} days: Certificate Manager did not renew it.`,
        [
          "Check the DNS authorization's `_acme-challenge` CNAME is still in the zone (the `dns` stack output).",
          "Check the certificate's state: `gcloud certificate-manager certificates describe <name> --location global`.",
        ],
        "certificate",
        runbook,
      ),
      condition: {
        kind: "threshold",
        displayName: "days until the certificate expires",
        filter: `metric.type="monitoring.googleapis.com/uptime_check/time_until_ssl_cert_expires" AND ${uptime}`,
        comparison: "COMPARISON_LT",
        threshold: a.certificateDays,
        duration: "600s",
        aligner: "ALIGN_MEAN",
        reducer: "REDUCE_MEAN",
        period: "1200s",
        groupBy: ["resource.label.host"],
      },
    },
    {
      name: "load-balancer-5xx",
      displayName: "5xx answers in a backend region",
      severity: "ERROR",
      documentation: doc(
        `More than ${t.loadBalancer5xxRatio * 100}% of one backend region's answers are 5xx (the label names the region).`,
        [
          "A redirector answers no 5xx of its own: a 5xx is Cloud Run failing (503, 504) in that region.",
          "If it lasts, drain the region (redirector.drainedRegions); undrain when Cloud Run is healthy again.",
        ],
        "load-balancer-5xx",
        runbook,
      ),
      condition: {
        kind: "promql",
        displayName: "5xx ratio per backend region",
        query: `sum by (backend_scope) (${lbRequests(',response_code_class="500"')}) / sum by (backend_scope) (${lbRequests("")}) > ${t.loadBalancer5xxRatio}`,
        duration: "300s",
      },
    },
    {
      name: "latency",
      displayName: "Redirector latency high in a region",
      severity: "WARNING",
      documentation: doc(
        `The redirector's p99 request latency in one region is above ${t.latencyP99Ms} ms. Its answers are redirects: slowness is mirror HEADs timing out, or Cloud Run starting instances.`,
        [
          "Check mirror fallbacks and breaker openings in the dashboard (a slow mirror).",
          "Check the region's instance count against `redirector.maxInstances`.",
        ],
        "latency",
        runbook,
      ),
      condition: {
        kind: "promql",
        displayName: "p99 latency per region",
        query: `histogram_quantile(0.99, sum by (location, le) (rate(run_googleapis_com:request_latencies_bucket{monitored_resource="cloud_run_revision",service_name=~"${a.services}"}[5m]))) > ${t.latencyP99Ms}`,
        duration: "300s",
      },
    },
    {
      name: "armor-429",
      displayName: "Cloud Armor throttling many requests",
      severity: "WARNING",
      documentation: doc(
        `Cloud Armor answers more than ${t.armor429PerSecond} requests per second with 429: clients over \`armor.rateLimit\`.`,
        [
          "Usually one CI system pulling without a cache: find it in the load balancer's logs (`enforcedSecurityPolicy`).",
          "Raise `armor.rateLimit` only for a real shift in legitimate traffic.",
        ],
        "armor-429",
        runbook,
      ),
      condition: {
        kind: "promql",
        displayName: "429 answers per second",
        query: `sum(${lbRequests(',response_code="429"')}) > ${t.armor429PerSecond}`,
        duration: "300s",
      },
    },
    {
      name: "mirror-fallbacks",
      displayName: "Blobs falling back upstream: a mirror is failing",
      severity: "WARNING",
      documentation: doc(
        `More than ${t.mirrorFallbackRatio * 100}% of the blob requests that asked a mirror went to Artifact Registry because the mirror failed or was out of rotation (label: the mirror). Clients still get their blobs, at the source's egress cost.`,
        [
          "Find the mirror in the dashboard's fallbacks by mirror; check the donor's status page and the bucket.",
          "A donor that stays down: take it out of rotation (`inRotation: false`).",
        ],
        "mirror-fallbacks",
        runbook,
      ),
      condition: {
        kind: "promql",
        displayName: "share of mirror answers that failed or were skipped",
        query: `sum(rate(${promMetric("redirector_mirror_fallbacks")}[10m])) / sum(rate(${promMetric("redirector_decisions")}{route="blob",mirror_answer!=""}[10m])) > ${t.mirrorFallbackRatio}`,
        duration: "600s",
      },
    },
  ];
}
