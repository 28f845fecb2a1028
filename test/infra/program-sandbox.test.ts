/**
 * The checked-in sandbox stack under the strict mock engine: a non-prod stack, and the
 * other path than prod's, a registry created from zero in projects and accounts that
 * have nothing yet.
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { namespaceValues, parseConfig } from "../../infra/config";
import { registry } from "../../infra/program";
import { RoutingTable } from "../../redirector/routing-table";
import { evaluate, type Plan } from "../../tools/plan/engine";
import { action } from "../../tools/plan/render";
import { readStackFile, stackFilePath } from "../../tools/plan/stack-file";
import { ROOT } from "../tools/run-cli";
import { inputs, type Loose, ofType, one, TYPES } from "./planned";

const file = readStackFile(stackFilePath("sandbox"));
const config = parseConfig(namespaceValues(file.config), { stack: "sandbox" });

let plan: Plan;
beforeAll(async () => {
  plan = await evaluate("sandbox", file.config, () => registry({ config, stack: "sandbox" }).outputs);
}, 60_000);

describe("sandbox stack", () => {
  it("europe-west3, which has no repository, reads from the nearest one (europe-west4)", () => {
    const svc = one(plan, TYPES.service, (r) => inputs(r).location === "europe-west3");
    const envs: Loose[] = inputs(svc).template.containers[0].envs;
    const table = RoutingTable.parse(JSON.parse(envs.find((e) => e.name === "REDIRECTOR_CONFIG")?.value));
    expect(table.upstream).toEqual({
      endpoint: "https://europe-west4-docker.pkg.dev",
      path: "k8s-infra-oci-proxy/images",
    });
    expect(ofType(plan, TYPES.repository).map((r) => inputs(r).location)).not.toContain("europe-west3");
  });

  it("leaves deletion protection off outside prod, but never unprotects the repositories", () => {
    for (const svc of ofType(plan, TYPES.service)) expect(inputs(svc).deletionProtection).toBe(false);
    for (const a of ofType(plan, TYPES.address)) expect(a.options.protect).toBe(false);
    for (const repo of ofType(plan, TYPES.repository)) {
      expect(repo.options).toMatchObject({ protect: true, retainOnDelete: true });
    }
  });

  it("names the runtime service account by default", () => {
    expect(inputs(one(plan, TYPES.serviceAccount, (r) => r.parent === "redirector"))).toMatchObject({
      project: "k8s-infra-oci-proxy",
      accountId: "redirector",
    });
  });

  it("fills both donors with a two-task sync job each, in the redirector's project, every six hours", () => {
    const jobs = ofType(plan, TYPES.job);
    expect(jobs.map((j) => [inputs(j).name, inputs(j).project, inputs(j).location])).toEqual([
      ["sync-aws-210987654321", "k8s-infra-oci-proxy", "us-central1"],
      ["sync-r2-5f1c0a7e-registry-sandbox-blobs", "k8s-infra-oci-proxy", "us-central1"],
    ]);
    for (const j of jobs) expect(inputs(j).template).toMatchObject({ taskCount: 2, parallelism: 2 });
    expect(ofType(plan, TYPES.schedule).map((s) => inputs(s).schedule)).toEqual(["0 */6 * * *", "0 */6 * * *"]);
    const buckets = jobs.map((j) => {
      const args: string[] = inputs(j).template.template.containers[0].args;
      return args[args.indexOf("--bucket") + 1];
    });
    expect(buckets).toEqual(["sandbox-registry-k8s-io-us-east-2", "registry-sandbox-blobs"]);
  });

  it("declares one service per Cloud Run region and one repository per AR region", () => {
    expect(ofType(plan, TYPES.service).map((r) => inputs(r).location)).toEqual(config.redirector.regions);
    expect(ofType(plan, TYPES.repository).map((r) => inputs(r).location)).toEqual(config.source.regions);
  });
});

describe("sandbox: created from zero", () => {
  it("adopts nothing", () => {
    expect(plan.resources.filter((r) => r.options.import).map((r) => r.name)).toEqual([]);
    expect(plan.resources.filter((r) => action(r) === "create").length).toBeGreaterThan(60);
  });

  it("enables each API its project needs once, though source and redirector share the project", () => {
    const apis = ofType(plan, "gcp:projects/service:Service");
    expect(apis.map((a) => inputs(a).service)).toEqual([
      "artifactregistry.googleapis.com",
      "certificatemanager.googleapis.com",
      "cloudscheduler.googleapis.com",
      "compute.googleapis.com",
      "iam.googleapis.com",
      "logging.googleapis.com",
      "monitoring.googleapis.com",
      "run.googleapis.com",
      "secretmanager.googleapis.com",
    ]);
    for (const a of apis) expect(a.options.retainOnDelete).toBe(true);
  });

  it("creates every GCP resource only after its project's APIs", () => {
    const waiting = plan.resources.filter(
      (r) => r.custom && r.type.startsWith("gcp:") && r.type !== "gcp:projects/service:Service",
    );
    expect(waiting.length).toBeGreaterThan(30);
    const late = waiting.filter((r) => !r.options.dependsOn.includes("apis-k8s-infra-oci-proxy"));
    expect(late.map((r) => r.name)).toEqual([]);
  });
});

describe("sandbox: the preview's read-only Cloudflare token", () => {
  // What each Cloudflare function the program calls needs (Cloudflare's API token permission names).
  const NEEDS: Record<string, string> = {
    "cloudflare:index/getZone:getZone": "Zone Read",
    "cloudflare:index/getAccountApiTokenPermissionGroupsList:getAccountApiTokenPermissionGroupsList":
      "Account API Tokens Read",
  };

  it("is documented with every permission the program's lookups need", () => {
    const calls = plan.invokes.filter((t) => t.startsWith("cloudflare:"));
    expect(calls.length).toBeGreaterThan(1);
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const documented = /`CLOUDFLARE_READ_TOKEN` \(([^)]*)\)/.exec(readme)?.[1] ?? "";
    expect(calls.map((t) => NEEDS[t] ?? `(unknown: ${t})`).filter((p) => !documented.includes(p))).toEqual([]);
  });
});

describe("sandbox: watched, without analytics", () => {
  it("alerts notify the hand-made channel only; no dataset, no sink, no image_pull lines", () => {
    const alerts = ofType(plan, "gcp:monitoring/alertPolicy:AlertPolicy");
    expect(alerts.length).toBeGreaterThan(0);
    for (const a of alerts) {
      expect(inputs(a).notificationChannels).toEqual([
        "projects/k8s-infra-oci-proxy/notificationChannels/3237876589275698022",
      ]);
    }
    expect(ofType(plan, "gcp:monitoring/notificationChannel:NotificationChannel")).toEqual([]);
    expect(ofType(plan, "gcp:bigquery/dataset:Dataset")).toEqual([]);
    expect(ofType(plan, "gcp:logging/projectSink:ProjectSink")).toEqual([]);
    for (const svc of ofType(plan, TYPES.service)) {
      const envs: Loose[] = inputs(svc).template.containers[0].envs;
      expect(JSON.parse(envs.find((e) => e.name === "REDIRECTOR_CONFIG")?.value).logImagePulls).toBeUndefined();
    }
  });
});
