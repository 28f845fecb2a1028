/**
 * Pure: log-based metrics from the redirector's own JSON lines (docs/redirector.md,
 * "Logs": those field names are a contract). Each metric is a Cloud Logging query and
 * label extractors; test/infra/monitoring/ runs them over lines the real redirector writes.
 */

/**
 * A regex matching exactly the Cloud Run services that serve the domain: the redirector's
 * own (`redirector-<region>`) and any live ones still serving (`redirector.legacyBackends`).
 * One pattern for logs and PromQL (both RE2).
 */
export function servicePattern(services: readonly string[]): string {
  const bad = services.find((s) => !/^[a-z][a-z0-9-]*$/.test(s));
  if (bad !== undefined || services.length === 0)
    throw new Error(`not Cloud Run service names: ${services.join(", ")}`);
  return `^(${[...new Set(services)].sort().join("|")})$`;
}

/** Those services' log entries. */
export function serviceLogs(pattern: string): string {
  return `resource.type="cloud_run_revision" AND resource.labels.service_name=~"${pattern}"`;
}

export interface LogMetric {
  /** The metric's name: `logging.googleapis.com/user/<name>`, `logging_googleapis_com:user_<name>` in PromQL. */
  name: string;
  description: string;
  /** A Cloud Logging query. */
  filter: string;
  /** Label -> extractor (`EXTRACT(<field>)`). */
  labels: Record<string, string>;
}

const extract = (field: string) => `EXTRACT(${field})`;

/** The metrics, over the logs of the services `pattern` matches (servicePattern). */
export function logMetrics(pattern: string): LogMetric[] {
  const logs = serviceLogs(pattern);
  return [
    {
      name: "redirector_decisions",
      // `reason` is free text naming the client's prefix: no label. Its variable part, what
      // the mirror said, is `mirror_answer`.
      description:
        "Decision lines: blobs routed by the client's cloud and region, or by asking a mirror (cache hits and path-only answers are logged at debug)",
      filter: `${logs} AND jsonPayload.route:*`,
      labels: {
        region: extract("resource.labels.location"),
        route: extract("jsonPayload.route"),
        target: extract("jsonPayload.target"),
        client_cloud: extract("jsonPayload.client.cloud"),
        client_region: extract("jsonPayload.client.region"),
        mirror: extract("jsonPayload.mirror"),
        mirror_answer: extract("jsonPayload.mirrorAnswer"),
      },
    },
    {
      name: "redirector_mirror_fallbacks",
      description: "Blobs sent upstream because their mirror failed to answer or was out of rotation",
      filter: `${logs} AND jsonPayload.mirrorAnswer=("failed" OR "skipped")`,
      labels: {
        region: extract("resource.labels.location"),
        mirror: extract("jsonPayload.mirror"),
        mirror_answer: extract("jsonPayload.mirrorAnswer"),
      },
    },
    {
      name: "redirector_breaker_openings",
      description: "A mirror's circuit breaker opened after consecutive failed HEADs",
      filter: `${logs} AND jsonPayload.message="mirror breaker open"`,
      labels: { region: extract("resource.labels.location"), mirror: extract("jsonPayload.mirror") },
    },
    {
      name: "redirector_mirrors_down",
      description: "A mirror left rotation after failed health checks",
      filter: `${logs} AND jsonPayload.message="mirror down"`,
      labels: { region: extract("resource.labels.location"), mirror: extract("jsonPayload.mirror") },
    },
    {
      name: "redirector_image_pulls",
      description: "Manifest GETs (image_pull lines), by the client's cloud and region",
      filter: `${logs} AND jsonPayload.message="image_pull"`,
      labels: {
        region: extract("resource.labels.location"),
        client_cloud: extract("jsonPayload.client.cloud"),
        client_region: extract("jsonPayload.client.region"),
      },
    },
  ];
}

/** A log metric as PromQL names it. */
export function promMetric(name: string): string {
  return `logging_googleapis_com:user_${name}`;
}
