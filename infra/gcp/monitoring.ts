/**
 * `registry:gcp:Monitoring`: how the registry is watched. Notification channels; HTTPS
 * uptime checks of the domain; alerts with what-to-do documentation (alerts.ts); the
 * redirector's log-based metrics (log-metrics.ts) and a dashboard (dashboard.ts); request
 * analytics in BigQuery (analytics.ts): a sink whose writer may edit that dataset and
 * nothing else; and Artifact Registry's data-access audit logs.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { childOf, waitingFor } from "../child-options";
import { adopted, gcpIds } from "../import-ids";
import { type AlertThresholds, alertSpecs } from "../monitoring/alerts";
import { STDOUT_SCHEMA, STDOUT_TABLE, sinkFilter, VIEWS, viewQuery } from "../monitoring/analytics";
import { dashboardJson } from "../monitoring/dashboard";
import { logMetrics, servicePattern } from "../monitoring/log-metrics";
import { type Transform, transformed } from "../transform";

export interface MonitoringArgs {
  /**
   * Where everything but the audit config and the dataset lives: the redirector's project,
   * whose logs and metrics (Cloud Run's, the load balancer's) these read.
   */
  project: string;
  /** The Cloud Run services serving the domain, by name: the redirector's and any legacy ones. */
  services: readonly string[];
  /** The Artifact Registry project, for its audit logs. */
  sourceProject: string;
  domain: string;
  channels: { emails: readonly string[]; existing: readonly string[] };
  uptime: {
    paths: readonly string[];
    periodSeconds: number;
    checkerRegions: readonly string[];
    certificateDays: number;
  };
  alerts: AlertThresholds;
  /** `project`: the dataset's, `project` above when not given. */
  analytics?: { project?: string; dataset: string; location: string; retentionDays: number };
  auditLogs: boolean;
  adopt: { auditLogs: boolean };
  transform?: MonitoringTransform;
}

/** Adjust any child before it is declared (see infra/transform.ts). */
export interface MonitoringTransform {
  uptimeCheck?: Transform<gcp.monitoring.UptimeCheckConfigArgs>;
  alertPolicy?: Transform<gcp.monitoring.AlertPolicyArgs>;
  dashboard?: Transform<gcp.monitoring.DashboardArgs>;
  dataset?: Transform<gcp.bigquery.DatasetArgs>;
}

export const DATA_EDITOR = "roles/bigquery.dataEditor";
const DAY_MS = 24 * 60 * 60 * 1000;

/** `/v2/` -> `v2`, `/` -> `root`: a path in a resource name. */
export function pathSlug(path: string): string {
  return path.replace(/[^a-z0-9]+/gi, "-").replace(/^-|-$/g, "") || "root";
}

export class Monitoring extends pulumi.ComponentResource {
  readonly nodes: {
    channels: gcp.monitoring.NotificationChannel[];
    uptimeChecks: gcp.monitoring.UptimeCheckConfig[];
    alertPolicies: gcp.monitoring.AlertPolicy[];
    logMetrics: gcp.logging.Metric[];
    dashboard: gcp.monitoring.Dashboard;
    dataset?: gcp.bigquery.Dataset;
    sink?: gcp.logging.ProjectSink;
  };
  /** Every channel alerts notify, by its resource name. */
  readonly channels: pulumi.Output<string>[];

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("registry:gcp:Monitoring", name, {}, opts);
    const child = childOf(this, opts);
    const t = args.transform ?? {};
    const { project } = args;
    const services = servicePattern(args.services);

    const channels = args.channels.emails.map(
      (email) =>
        new gcp.monitoring.NotificationChannel(
          `${name}-email-${email}`,
          { project, type: "email", displayName: email, labels: { email_address: email } },
          child,
        ),
    );
    this.channels = [
      ...channels.map((c) => c.name),
      ...args.channels.existing.map((id) => pulumi.output(`projects/${project}/notificationChannels/${id}`)),
    ];

    const uptimeChecks = args.uptime.paths.map(
      (path) =>
        new gcp.monitoring.UptimeCheckConfig(
          ...transformed(
            t.uptimeCheck,
            `${name}-uptime-${pathSlug(path)}`,
            {
              project,
              displayName: `https://${args.domain}${path}`,
              period: `${args.uptime.periodSeconds}s`,
              timeout: "10s",
              selectedRegions: [...args.uptime.checkerRegions],
              monitoredResource: { type: "uptime_url", labels: { project_id: project, host: args.domain } },
              httpCheck: {
                path,
                port: 443,
                useSsl: true,
                validateSsl: true,
                requestMethod: "GET",
                // `/` answers 307 to the project's page; the API answers 200.
                acceptedResponseStatusCodes: [{ statusClass: "STATUS_CLASS_2XX" }, { statusClass: "STATUS_CLASS_3XX" }],
              },
            },
            child,
          ),
        ),
    );

    // Before the alerts and the dashboard that read them.
    const metrics: gcp.logging.Metric[] = logMetrics(services).map(
      (m) =>
        new gcp.logging.Metric(
          `${name}-metric-${m.name}`,
          {
            project,
            name: m.name,
            description: m.description,
            filter: m.filter,
            metricDescriptor: {
              metricKind: "DELTA",
              valueType: "INT64",
              unit: "1",
              labels: Object.keys(m.labels).map((key) => ({ key, valueType: "STRING" })),
            },
            labelExtractors: m.labels,
          },
          child,
        ),
    );

    const alertPolicies = alertSpecs({
      domain: args.domain,
      project,
      services,
      certificateDays: args.uptime.certificateDays,
      thresholds: args.alerts,
    }).map((spec) => {
      const c = spec.condition;
      const condition =
        c.kind === "threshold"
          ? {
              displayName: c.displayName,
              conditionThreshold: {
                filter: c.filter,
                comparison: c.comparison,
                thresholdValue: c.threshold,
                duration: c.duration,
                aggregations: [
                  {
                    alignmentPeriod: c.period,
                    perSeriesAligner: c.aligner,
                    crossSeriesReducer: c.reducer,
                    groupByFields: c.groupBy,
                  },
                ],
                trigger: { count: 1 },
              },
            }
          : {
              displayName: c.displayName,
              conditionPrometheusQueryLanguage: { query: c.query, duration: c.duration, evaluationInterval: "60s" },
            };
      return new gcp.monitoring.AlertPolicy(
        ...transformed(
          t.alertPolicy,
          `${name}-alert-${spec.name}`,
          {
            project,
            displayName: spec.displayName,
            severity: spec.severity,
            combiner: "OR",
            conditions: [condition],
            notificationChannels: this.channels,
            documentation: { content: spec.documentation, mimeType: "text/markdown" },
            alertStrategy: { autoClose: "1800s" },
          },
          // The log-based metrics an alert reads must exist before it does.
          waitingFor(child, metrics),
        ),
      );
    });

    const dashboard = new gcp.monitoring.Dashboard(
      ...transformed(
        t.dashboard,
        `${name}-dashboard`,
        { project, dashboardJson: dashboardJson(`${args.domain} operations`, project, services) },
        waitingFor(child, metrics),
      ),
    );

    const analytics = args.analytics ? this.analytics(name, args, services, child, t) : undefined;

    if (args.auditLogs) {
      new gcp.projects.IAMAuditConfig(
        `${name}-audit-artifactregistry`,
        {
          project: args.sourceProject,
          service: "artifactregistry.googleapis.com",
          auditLogConfigs: [{ logType: "DATA_READ" }, { logType: "DATA_WRITE" }],
        },
        {
          ...child,
          ...adopted(
            args.adopt.auditLogs
              ? gcpIds.auditConfig(args.sourceProject, "artifactregistry.googleapis.com")
              : undefined,
          ),
        },
      );
    }

    this.nodes = {
      channels,
      uptimeChecks,
      alertPolicies,
      logMetrics: metrics,
      dashboard,
      ...(analytics ? { dataset: analytics.dataset, sink: analytics.sink } : {}),
    };
    this.registerOutputs({ channels: this.channels });
  }

  /** The dataset, its stdout table and views, and the sink whose writer may edit this dataset only. */
  private analytics(
    name: string,
    args: MonitoringArgs,
    services: string,
    child: pulumi.CustomResourceOptions,
    t: MonitoringTransform,
  ) {
    const a = args.analytics;
    if (!a) throw new Error("no analytics configured");
    // The sink reads the redirector project's logs; the dataset may be elsewhere.
    const project = a.project ?? args.project;
    const dataset = new gcp.bigquery.Dataset(
      ...transformed(
        t.dataset,
        `${name}-${a.dataset}`,
        {
          project,
          datasetId: a.dataset,
          location: a.location,
          description: `Request logs and decisions of ${args.domain}'s redirectors`,
          defaultPartitionExpirationMs: a.retentionDays * DAY_MS,
          deleteContentsOnDestroy: false,
        },
        // Months of analytics: not lost to a config change.
        { ...child, protect: true, retainOnDelete: true },
      ),
    );
    const stdout = new gcp.bigquery.Table(
      `${name}-${a.dataset}-${STDOUT_TABLE}`,
      {
        project,
        datasetId: dataset.datasetId,
        tableId: STDOUT_TABLE,
        timePartitioning: { type: "DAY", field: "timestamp", expirationMs: a.retentionDays * DAY_MS },
        schema: JSON.stringify(STDOUT_SCHEMA),
        deletionProtection: true,
      },
      // The sink adds every other column of its lines: those are not drift.
      { ...child, ignoreChanges: ["schema"] },
    );
    for (const view of VIEWS) {
      new gcp.bigquery.Table(
        `${name}-${a.dataset}-${view.name}`,
        {
          project,
          datasetId: dataset.datasetId,
          tableId: view.name,
          description: view.description,
          deletionProtection: false,
          view: { query: viewQuery(view, project, a.dataset), useLegacySql: false },
        },
        waitingFor(child, [stdout]),
      );
    }
    const sink = new gcp.logging.ProjectSink(
      `${name}-${a.dataset}-sink`,
      {
        project: args.project,
        name: `redirector-${a.dataset.replaceAll("_", "-")}`,
        destination: pulumi.interpolate`bigquery.googleapis.com/projects/${project}/datasets/${dataset.datasetId}`,
        filter: sinkFilter(args.project, services),
        uniqueWriterIdentity: true,
        bigqueryOptions: { usePartitionedTables: true },
      },
      waitingFor(child, [stdout]),
    );
    // The sink's own identity, on this dataset only: nothing else in the project.
    new gcp.bigquery.DatasetIamMember(
      `${name}-${a.dataset}-sink-writer`,
      { project, datasetId: dataset.datasetId, role: DATA_EDITOR, member: sink.writerIdentity },
      child,
    );
    return { dataset, sink };
  }
}
