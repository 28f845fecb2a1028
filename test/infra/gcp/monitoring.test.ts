/**
 * `registry:monitoring` under the strict mock engine: what is declared, and the links
 * between them (every alert names the channels, the sink's identity may edit its dataset
 * and nothing else, a drained region leaves the backend service and nothing else).
 */
import { parseConfig } from "../../../infra/config";
import { DATA_EDITOR } from "../../../infra/gcp/monitoring";
import { registry } from "../../../infra/program";
import { RoutingTable } from "../../../redirector/routing-table";
import { evaluate, type Plan } from "../../../tools/plan/engine";
import { validConfig } from "../fixtures";
import { iamGrants, inputs, type Loose, ofType, one, outputs, TYPES } from "../planned";

const PROJECT = "example-redirector";
const PII = "example-pii";
const T = {
  channel: "gcp:monitoring/notificationChannel:NotificationChannel",
  uptime: "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig",
  alert: "gcp:monitoring/alertPolicy:AlertPolicy",
  metric: "gcp:logging/metric:Metric",
  dashboard: "gcp:monitoring/dashboard:Dashboard",
  dataset: "gcp:bigquery/dataset:Dataset",
  table: "gcp:bigquery/table:Table",
  sink: "gcp:logging/projectSink:ProjectSink",
  datasetMember: "gcp:bigquery/datasetIamMember:DatasetIamMember",
  audit: "gcp:projects/iAMAuditConfig:IAMAuditConfig",
  api: "gcp:projects/service:Service",
  topic: "aws:sns/topic:Topic",
  subscription: "aws:sns/topicSubscription:TopicSubscription",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
};

function watched(): Loose {
  const v = validConfig();
  v.redirector.drainedRegions = ["europe-west3"];
  v.monitoring = {
    channels: { emails: ["oncall@example.dev"], existing: ["4242"] },
    analytics: { project: PII, retentionDays: 30 },
  };
  return v;
}

async function plan(values: Loose): Promise<Plan> {
  const config = parseConfig(values, { stack: "prod" });
  return evaluate("prod", {}, () => registry({ config, stack: "prod" }).outputs);
}

let p: Plan;
beforeAll(async () => {
  p = await plan(watched());
}, 60_000);

describe("alerts reach someone", () => {
  it("an e-mail channel per address; every alert notifies it and the existing channel", () => {
    const channel = one(p, T.channel);
    expect(inputs(channel)).toMatchObject({
      project: PROJECT,
      type: "email",
      labels: { email_address: "oncall@example.dev" },
    });
    const alerts = ofType(p, T.alert);
    expect(alerts.map((a) => a.name.replace("monitoring-alert-", "")).sort()).toEqual(
      ["armor-429", "certificate", "latency", "load-balancer-5xx", "mirror-fallbacks", "uptime"].sort(),
    );
    for (const a of alerts) {
      expect(inputs(a).notificationChannels).toEqual([
        outputs(channel).name,
        `projects/${PROJECT}/notificationChannels/4242`,
      ]);
      expect(inputs(a).documentation.content).toMatch(/Runbook: docs\/operations\.md#/);
    }
  });

  it("an alert waits for the log-based metrics it reads", () => {
    const metrics = ofType(p, T.metric).map((m) => m.name);
    expect(metrics).toHaveLength(5);
    const fallbacks = one(p, T.alert, (a) => a.name === "monitoring-alert-mirror-fallbacks");
    expect(fallbacks.options.dependsOn).toEqual(expect.arrayContaining(metrics));
    expect(one(p, T.dashboard).options.dependsOn).toEqual(expect.arrayContaining(metrics));
  });

  it("the replication alarm e-mails the same people, from the source bucket's region", () => {
    const topic = one(p, T.topic);
    expect(inputs(topic).region).toBe("us-east-2");
    expect(inputs(one(p, T.subscription))).toMatchObject({ protocol: "email", endpoint: "oncall@example.dev" });
    const alarm = one(p, T.alarm);
    expect(inputs(alarm)).toMatchObject({
      region: "us-east-2",
      namespace: "AWS/S3",
      metricName: "OperationsFailedReplication",
      alarmActions: [outputs(topic).arn],
      dimensions: { SourceBucket: "example-registry-us-east-2", DestinationBucket: "example-registry-eu-west-1" },
    });
  });
});

describe("uptime", () => {
  it("checks / and /v2/ over HTTPS with SSL validation, every 60 s, from three checker locations at least", () => {
    const checks = ofType(p, T.uptime).map(inputs);
    expect(checks.map((c) => c.httpCheck.path)).toEqual(["/", "/v2/"]);
    for (const c of checks) {
      expect(c).toMatchObject({
        project: PROJECT,
        period: "60s",
        monitoredResource: { type: "uptime_url", labels: { host: "registry.example.dev" } },
        httpCheck: { useSsl: true, validateSsl: true, port: 443 },
        selectedRegions: ["USA", "EUROPE", "ASIA_PACIFIC"],
      });
    }
  });

  it("alerts when the certificate has fewer than 15 days left", () => {
    const cert = inputs(one(p, T.alert, (a) => a.name === "monitoring-alert-certificate"));
    expect(cert.conditions[0].conditionThreshold).toMatchObject({ comparison: "COMPARISON_LT", thresholdValue: 15 });
    expect(cert.conditions[0].conditionThreshold.filter).toContain("uptime_check/time_until_ssl_cert_expires");
  });
});

describe("request analytics", () => {
  it("a protected dataset in the configured project, partitions expiring after the retention", () => {
    const dataset = one(p, T.dataset);
    expect(inputs(dataset)).toMatchObject({
      project: PII,
      datasetId: "redirector_analytics",
      defaultPartitionExpirationMs: 30 * 86_400_000,
    });
    expect(dataset.options).toMatchObject({ protect: true, retainOnDelete: true });
    const tables = ofType(p, T.table).map(inputs);
    expect(tables.map((t) => t.tableId).sort()).toEqual(
      [
        "mirror_hit_ratio_per_day",
        "pulls_per_day_by_client",
        "pulls_per_day_by_image",
        "run_googleapis_com_stdout",
      ].sort(),
    );
    for (const view of tables.filter((t) => t.view)) expect(view.view.query).toContain(`${PII}.redirector_analytics.`);
  });

  it("the sink reads the redirector project's logs; its writer may edit that dataset and nothing else", () => {
    const sink = one(p, T.sink);
    expect(inputs(sink)).toMatchObject({
      project: PROJECT,
      destination: `bigquery.googleapis.com/projects/${PII}/datasets/redirector_analytics`,
      uniqueWriterIdentity: true,
      bigqueryOptions: { usePartitionedTables: true },
    });
    const writer = outputs(sink).writerIdentity;
    expect(writer).toMatch(/^serviceAccount:/);
    const grants = iamGrants(p).filter((g) => g.members.includes(writer));
    expect(
      grants.map((g) => [g.resource.type, g.role, inputs(g.resource).project, inputs(g.resource).datasetId]),
    ).toEqual([[T.datasetMember, DATA_EDITOR, PII, "redirector_analytics"]]);
  });

  it("turns on the image_pull lines in every region's routing table", () => {
    for (const svc of ofType(p, TYPES.service)) {
      const envs: Loose[] = inputs(svc).template.containers[0].envs;
      const table = RoutingTable.parse(JSON.parse(envs.find((e) => e.name === "REDIRECTOR_CONFIG")?.value));
      expect(table.logImagePulls).toBe(true);
    }
  });

  it("enables BigQuery where the dataset is, Monitoring and Logging where the logs are", () => {
    const apis = ofType(p, T.api).map((a) => `${inputs(a).project}/${inputs(a).service}`);
    expect(apis).toEqual(
      expect.arrayContaining([
        `${PII}/bigquery.googleapis.com`,
        `${PROJECT}/logging.googleapis.com`,
        `${PROJECT}/monitoring.googleapis.com`,
      ]),
    );
    expect(apis).not.toContain(`${PROJECT}/bigquery.googleapis.com`);
  });
});

describe("audit logs", () => {
  it("Artifact Registry's data reads and writes on the source project, created when not adopted", () => {
    const audit = one(p, T.audit);
    expect(inputs(audit)).toEqual({
      project: "example-artifacts",
      service: "artifactregistry.googleapis.com",
      auditLogConfigs: [{ logType: "DATA_READ" }, { logType: "DATA_WRITE" }],
    });
    expect(audit.options.import).toBeNull();
  });
});

describe("a drained region", () => {
  it("leaves the backend service; its service, NEG and routing stay", () => {
    const neg = (region: string) => one(p, TYPES.neg, (n) => inputs(n).region === region);
    const groups = inputs(one(p, TYPES.backendService)).backends.map((b: Loose) => b.group);
    expect(groups).toEqual([outputs(neg("us-central1")).selfLink]);
    expect(outputs(neg("europe-west3")).selfLink).toBeTruthy();
    expect(ofType(p, TYPES.service).map((s) => inputs(s).location)).toEqual(["us-central1", "europe-west3"]);
  });

  it("is watched like any other: the latency alert and dashboard read every serving service", () => {
    const latency = inputs(one(p, T.alert, (a) => a.name === "monitoring-alert-latency"));
    expect(latency.conditions[0].conditionPrometheusQueryLanguage.query).toContain(
      'service_name=~"^(redirector-europe-west3|redirector-us-central1)$"',
    );
  });
});
