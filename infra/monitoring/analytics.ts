/**
 * Pure: request analytics in BigQuery. A log sink exports the redirectors' request logs
 * and their own lines (image_pull, decisions) into one dataset with day-partitioned
 * tables; views answer the usual questions. The sink names its tables after the logs
 * (`run_googleapis_com_stdout`, `run_googleapis_com_requests`); the stdout table is
 * declared ahead with the columns the views read, so the views can be created before the
 * first line arrives (the sink adds the other columns itself).
 */
import { serviceLogs } from "./log-metrics";

export const STDOUT_TABLE = "run_googleapis_com_stdout";

/**
 * What the sink exports, from the services `pattern` matches: their request logs (as
 * upstream's sink), and the redirector's image_pull and decision lines.
 */
export function sinkFilter(project: string, pattern: string): string {
  return `${serviceLogs(pattern)} AND (log_name="projects/${project}/logs/run.googleapis.com%2Frequests" OR jsonPayload.message="image_pull" OR jsonPayload.route:*)`;
}

interface Field {
  name: string;
  type: "STRING" | "TIMESTAMP" | "RECORD";
  mode: "NULLABLE";
  fields?: Field[];
}

const str = (name: string): Field => ({ name, type: "STRING", mode: "NULLABLE" });
const record = (name: string, fields: Field[]): Field => ({ name, type: "RECORD", mode: "NULLABLE", fields });

/** The columns the views read, as the sink writes them (a compatible subset of its schema). */
export const STDOUT_SCHEMA: Field[] = [
  { name: "timestamp", type: "TIMESTAMP", mode: "NULLABLE" },
  record("resource", [str("type"), record("labels", [str("service_name"), str("location")])]),
  record("jsonPayload", [
    str("message"),
    str("repository"),
    str("reference"),
    str("route"),
    str("target"),
    str("mirrorAnswer"),
    record("client", [str("cloud"), str("region")]),
  ]),
];

export interface View {
  name: string;
  description: string;
  /** Standard SQL; `{table}` is the stdout table's full name. */
  query: string;
}

export const VIEWS: readonly View[] = [
  {
    name: "pulls_per_day_by_image",
    description: "Manifest GETs per day and repository (an index and its platform manifest count twice)",
    query: `SELECT DATE(timestamp) AS day, jsonPayload.repository AS repository, COUNT(*) AS pulls
FROM \`{table}\`
WHERE jsonPayload.message = "image_pull"
GROUP BY day, repository`,
  },
  {
    name: "pulls_per_day_by_client",
    description: "Manifest GETs per day by the client's cloud and region (null: in no cloud range)",
    query: `SELECT DATE(timestamp) AS day, jsonPayload.client.cloud AS client_cloud, jsonPayload.client.region AS client_region, COUNT(*) AS pulls
FROM \`{table}\`
WHERE jsonPayload.message = "image_pull"
GROUP BY day, client_cloud, client_region`,
  },
  {
    name: "mirror_hit_ratio_per_day",
    description: "Per day and client region: of the blob decisions that asked a mirror, the share sent to it",
    query: `SELECT DATE(timestamp) AS day, jsonPayload.client.cloud AS client_cloud, jsonPayload.client.region AS client_region,
  COUNTIF(jsonPayload.target = "mirror") AS to_mirror,
  COUNTIF(jsonPayload.mirrorAnswer IS NOT NULL) AS asked,
  SAFE_DIVIDE(COUNTIF(jsonPayload.target = "mirror"), COUNTIF(jsonPayload.mirrorAnswer IS NOT NULL)) AS hit_ratio
FROM \`{table}\`
WHERE jsonPayload.route = "blob"
GROUP BY day, client_cloud, client_region`,
  },
];

export function viewQuery(view: View, project: string, dataset: string): string {
  return view.query.replaceAll("{table}", `${project}.${dataset}.${STDOUT_TABLE}`);
}

/** The `jsonPayload` paths a query reads (`jsonPayload.client.cloud` -> `client.cloud`). */
export function payloadPaths(query: string): string[] {
  return [...new Set([...query.matchAll(/jsonPayload\.([A-Za-z_][\w.]*)/g)].map((m) => m[1] as string))];
}
