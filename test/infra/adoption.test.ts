/**
 * Step 1 of taking over registry.k8s.io (docs/adopting-existing-infrastructure.md): the
 * prod stack imports what exists, with the inputs it has today, and creates nothing but
 * the monitoring it adds (checks, alerts, metrics, analytics: they watch, they serve nothing).
 * What exists comes from kubernetes/k8s.io's files (test/fixtures/upstream-live.ts), not
 * from this program's config, and identities are read from each resource's inputs.
 */
import { pathRuleExpression } from "../../infra/gcp/cloud-armor";
import { evaluate, type Plan } from "../../tools/plan/engine";
import { action } from "../../tools/plan/render";
import { readStackFile, stackFilePath } from "../../tools/plan/stack-file";
import { UPSTREAM_LIVE, UPSTREAM_OBSERVABILITY, UPSTREAM_ROLES } from "../fixtures/upstream-live";
import { identityOf } from "./identity";
import { inputs, type Loose, ofType, one } from "./planned";

let plan: Plan;
beforeAll(async () => {
  const file = readStackFile(stackFilePath("prod"));
  plan = await evaluate("prod", file.config, () => require("../../infra/index"));
}, 60_000);

const PROJECT = "k8s-infra-oci-proxy-prod";
/** What watches the registry: alerts, checks, metrics, dashboards, analytics, alarm topics. */
const OBSERVABILITY =
  /^(gcp:(monitoring|logging|bigquery)\/|aws:(cloudwatch\/metricAlarm|sns\/topic|sns\/topicSubscription):)/;
const cloud = () => plan.resources.filter((r) => identityOf(r, plan) !== undefined);

describe("prod, step 1: adopt, change nothing", () => {
  it("creates nothing that serves clients: only monitoring, none of it named like upstream's", () => {
    const creates = plan.resources.filter((r) => action(r) === "create");
    expect(creates.filter((r) => !OBSERVABILITY.test(r.type)).map((r) => `${r.type} ${r.name}`)).toEqual([]);
    expect(creates.length).toBeGreaterThan(40);
    const named = (type: string, key: (i: Loose) => string) =>
      creates.filter((r) => r.type === type).map((r) => `${inputs(r).project}:${key(inputs(r))}`);
    const datasets = named("gcp:bigquery/dataset:Dataset", (i) => i.datasetId);
    const sinks = named("gcp:logging/projectSink:ProjectSink", (i) => i.name);
    expect(datasets.filter((d) => UPSTREAM_OBSERVABILITY.datasets.includes(d))).toEqual([]);
    expect(sinks.filter((d) => UPSTREAM_OBSERVABILITY.sinks.includes(d))).toEqual([]);
  });

  it("creates nothing that upstream's files say exists: each one is imported, by exactly its own ID", () => {
    const problems = UPSTREAM_LIVE.flatMap((live) => {
      const same = cloud().filter((r) => r.type === live.type && identityOf(r, plan) === live.id);
      if (same.length !== 1) return [`${live.type} ${live.id}: declared ${same.length} times (${live.why})`];
      const r = same[0];
      return r?.options.import === live.id ? [] : [`${live.type} ${live.id}: imported as ${r?.options.import}`];
    });
    expect(problems).toEqual([]);
  });

  it("imports only what upstream's files say exists, each by the ID its own inputs name", () => {
    const live = new Set(UPSTREAM_LIVE.map((l) => `${l.type} ${l.id}`));
    const adopted = cloud().filter((r) => r.options.import);
    expect(adopted.filter((r) => r.options.import !== identityOf(r, plan)).map((r) => r.name)).toEqual([]);
    expect(adopted.filter((r) => !live.has(`${r.type} ${r.options.import}`)).map((r) => r.name)).toEqual([]);
    expect(adopted).toHaveLength(UPSTREAM_LIVE.length);
  });

  it("declares none of upstream's roles (the writer-and-replication role is only referred to)", () => {
    expect(ofType(plan, "aws:iam/role:Role").filter((r) => UPSTREAM_ROLES.includes(inputs(r).name))).toEqual([]);
  });
});

describe("prod, step 1: the inputs are upstream's, so the import changes nothing", () => {
  const bucket = "prod-registry-k8s-io-us-east-2";
  const named = (type: string, name: string) => one(plan, type, (r) => r.name === name);

  it("buckets: no tags, ACL blocks off, upstream's policy document", () => {
    const provider = one(plan, "pulumi:providers:aws");
    expect(inputs(provider).defaultTags).toBeUndefined();
    expect(
      inputs(named("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", `${bucket}-public-access`)),
    ).toMatchObject({
      blockPublicAcls: false,
      ignorePublicAcls: false,
      blockPublicPolicy: false,
      restrictPublicBuckets: false,
    });
    const policy = JSON.parse(inputs(named("aws:s3/bucketPolicy:BucketPolicy", `${bucket}-policy`)).policy);
    expect(policy).toEqual({
      Id: "Public-Access",
      Version: "2012-10-17",
      Statement: [
        { Action: "s3:ListBucket", Effect: "Allow", Resource: `arn:aws:s3:::${bucket}`, Principal: "*" },
        { Action: "s3:GetObject", Effect: "Allow", Resource: `arn:aws:s3:::${bucket}/*`, Principal: "*" },
        {
          Sid: "AllowSSLRequestsOnly",
          Action: "s3:*",
          Effect: "Deny",
          Resource: `arn:aws:s3:::${bucket}/*`,
          Condition: { Bool: { "aws:SecureTransport": "false" } },
          Principal: "*",
        },
      ],
    });
  });

  it("replication: upstream's role, rule IDs and metrics", () => {
    const config = inputs(one(plan, "aws:s3/bucketReplicationConfig:BucketReplicationConfig"));
    expect(config.role).toBe("arn:aws:iam::513428760722:role/registry.k8s.io_s3writer");
    const toIreland = config.rules.find(
      (r: Loose) => r.destination.bucket === "arn:aws:s3:::prod-registry-k8s-io-eu-west-1",
    );
    expect(toIreland).toEqual({
      id: "registry-k8s-io-us-east-2-to-registry-k8s-io-eu-west-1",
      status: "Enabled",
      priority: 22,
      filter: {},
      deleteMarkerReplication: { status: "Enabled" },
      destination: {
        bucket: "arn:aws:s3:::prod-registry-k8s-io-eu-west-1",
        storageClass: "STANDARD",
        metrics: { status: "Enabled" },
      },
    });
  });

  it("the OIDC provider: upstream's issuer and audience, thumbprints left as IAM has them", () => {
    expect(inputs(one(plan, "aws:iam/openIdConnectProvider:OpenIdConnectProvider"))).toEqual({
      url: "https://container.googleapis.com/v1/projects/k8s-infra-prow-build-trusted/locations/us-central1/clusters/prow-build-trusted",
      clientIdLists: ["sts.amazonaws.com"],
    });
  });

  it("Cloud Armor: upstream's two rules, word for word", () => {
    const policy = inputs(one(plan, "gcp:compute/securityPolicy:SecurityPolicy"));
    expect(policy.description).toBeUndefined();
    expect(policy.rules.map((r: Loose) => [r.priority, r.action, r.description])).toEqual([
      [1, "deny(404)", "Block invalid request paths."],
      [2147483647, "throttle", "Default rule. Limit excessive usage."],
    ]);
    expect(policy.rules[0].match.expr.expression).toBe(
      "!request.path.matches('^/$|^/privacy$|^/token$|^/v2/?$|^/v2/.+/blobs/.+$|^/v2/.+/manifests/.+$|^/v2/.*tags/list$')",
    );
    expect(policy.rules[1].rateLimitOptions.rateLimitThreshold).toEqual({ count: 2490, intervalSec: 30 });
    expect(pathRuleExpression(["^/$"])).toBe("!request.path.matches('^/$')");
  });

  it("the load balancer keeps serving archeio: the backend service's groups are the live NEGs' self links", () => {
    const backends = inputs(one(plan, "gcp:compute/backendService:BackendService")).backends.map((b: Loose) => b.group);
    const negs = ofType(plan, "gcp:compute/regionNetworkEndpointGroup:RegionNetworkEndpointGroup");
    expect(backends).toEqual(negs.map((n) => n.outputs.selfLink));
    expect(negs).toHaveLength(22);
    for (const neg of negs) {
      const region = inputs(neg).region;
      expect(inputs(neg).cloudRun).toEqual({ service: `${PROJECT}-${region}` });
      expect(neg.options.retainOnDelete).toBe(true);
    }
    expect(ofType(plan, "gcp:cloudrunv2/service:Service")).toEqual([]);
    expect(ofType(plan, "gcp:serviceaccount/account:Account").map((a) => inputs(a).project)).toEqual([
      "k8s-artifacts-prod",
      "k8s-artifacts-prod",
    ]);
  });

  it("HTTPS: no SSL policy, and the certificate of 2023 by its name", () => {
    expect(inputs(one(plan, "gcp:compute/targetHttpsProxy:TargetHttpsProxy")).sslPolicy).toBeUndefined();
    expect(ofType(plan, "gcp:compute/sSLPolicy:SSLPolicy")).toEqual([]);
    expect(inputs(one(plan, "gcp:certificatemanager/certificate:Certificate"))).toEqual({
      project: PROJECT,
      location: "global",
      name: "registry-k8s-io-20230508",
      managed: {
        domains: ["registry.k8s.io"],
        dnsAuthorizations: [`projects/${PROJECT}/locations/global/dnsAuthorizations/registry-k8s-io-dnsauth`],
      },
    });
  });

  it("Artifact Registry: repositories without description or labels; the promoters' project-wide grant, no per-repository one", () => {
    for (const repo of ofType(plan, "gcp:artifactregistry/repository:Repository")) {
      expect(Object.keys(inputs(repo)).sort()).toEqual(["format", "location", "mode", "project", "repositoryId"]);
    }
    expect(ofType(plan, "gcp:artifactregistry/repositoryIamBinding:RepositoryIamBinding")).toEqual([]);
    expect(ofType(plan, "gcp:projects/iAMMember:IAMMember").map((m) => inputs(m).role)).toEqual([
      "roles/artifactregistry.repoAdmin",
      "roles/artifactregistry.repoAdmin",
    ]);
  });

  it("DNS: no record is declared; the OctoDNS snippet names upstream's records", () => {
    expect(plan.resources.filter((r) => /^(cloudflare|gcp:dns)/.test(r.type))).toEqual([]);
    const dns = plan.outputs.dns as Loose;
    expect(dns.provider).toBe("external");
    expect(dns.octodns).toMatch(/^registry:\n {2}- type: A\n {4}ttl: 3600\n {4}value: [\d.]+\n {2}- type: AAAA\n/);
    expect(dns.octodns).toMatch(
      /\n_acme-challenge\.registry:\n {2}- type: CNAME\n {4}ttl: 3600\n {4}value: \S+\.authorize\.certificatemanager\.goog\.\n/,
    );
    expect(dns.octodns).not.toContain("CAA");
  });
});
