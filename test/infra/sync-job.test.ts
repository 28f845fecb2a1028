/**
 * The blob sync's jobs under the strict mock engine: one per donor (an aws-s3 backend and
 * a cloudflare-r2 one), in a project of their own. What each runs and how often, who may
 * start it, what its identity may do (nothing on any project), the AWS writer role's
 * trust in exactly that identity, and the R2 key pair in Secret Manager.
 */
import { createHash } from "node:crypto";
import { parseConfig } from "../../infra/config";
import { syncNames } from "../../infra/gcp/names";
import { runJobUri } from "../../infra/gcp/sync-container";
import { registry } from "../../infra/program";
import { evaluate, type Plan, type PlannedResource } from "../../tools/plan/engine";
import { declaredOf, judged } from "../policy/stack-plans";
import { validConfig } from "./fixtures";
import { identityOf } from "./identity";
import { iamGrants, inputs, jobTrustStatement, type Loose, ofType, one, outputs, TYPES } from "./planned";

const SYNC_PROJECT = "example-sync";
const IMAGE = `us-central1-docker.pkg.dev/k8s-staging-images/infra-tools/registry-sync@sha256:${"d".repeat(64)}`;
const values = validConfig();
values.backends.push({
  donor: "cloudflare-r2",
  accountId: "0123456789abcdef0123456789abcdef",
  bucket: "blobs",
  hostname: "blobs.example.dev",
});
values.sync = {
  image: IMAGE,
  project: SYNC_PROJECT,
  tasks: 3,
  rate: 120,
  taskTimeout: "90m",
  maxRetries: 2,
  schedule: "15 */4 * * *",
  timeZone: "Europe/Berlin",
  audience: "https://sync.example.dev",
};
const config = parseConfig(values, { stack: "prod" });
const S3 = syncNames("aws-123456789012");
const R2 = syncNames("r2-01234567-blobs");
const email = (id: string) => `${id}@${SYNC_PROJECT}.iam.gserviceaccount.com`;

let plan: Plan;
beforeAll(async () => {
  plan = await evaluate(
    "prod",
    {},
    () =>
      registry({
        config,
        stack: "prod",
        transform: { sync: { job: { labels: { team: "k8s-infra" } } } },
      }).outputs,
  );
}, 60_000);

const jobOf = (names: typeof S3) => one(plan, TYPES.job, (r) => inputs(r).name === names.job);
const accountOf = (id: string) => one(plan, TYPES.serviceAccount, (r) => inputs(r).accountId === id);
const containerOf = (job: PlannedResource) => {
  const [container, ...others] = inputs(job).template.template.containers;
  expect(others).toEqual([]);
  return container as Loose;
};
const donorOutput = (donor: string) => (plan.outputs.donors as Loose[]).find((d) => d.donor === donor) as Loose;

/** A Pulumi secret as the engine receives it; its value. */
function secretValue(v: unknown): string {
  expect(v).toMatchObject({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270" });
  return (v as { value: string }).value;
}

describe("one job per donor", () => {
  it("a SyncJob component each, with its job, schedule, two accounts and the invoker's grant", () => {
    const components = plan.resources.filter((r) => r.type === "registry:gcp:SyncJob");
    expect(components.map((c) => [c.name, c.parent])).toEqual([
      [S3.job, null],
      [R2.job, null],
    ]);
    for (const type of [TYPES.job, TYPES.schedule, TYPES.jobMember]) {
      expect(ofType(plan, type).map((r) => r.parent)).toEqual([S3.job, R2.job]);
    }
    const accounts = ofType(plan, TYPES.serviceAccount).filter((r) => inputs(r).project === SYNC_PROJECT);
    expect(accounts.map((a) => inputs(a).accountId).sort()).toEqual(
      [S3.serviceAccount, S3.invoker, R2.serviceAccount, R2.invoker].sort(),
    );
  });

  it("runs the pinned image in the sync project, next to the canonical repository, with its tasks all at once", () => {
    for (const names of [S3, R2]) {
      const job = inputs(jobOf(names));
      expect(job).toMatchObject({
        project: SYNC_PROJECT,
        location: "us-central1",
        launchStage: "GA",
        deletionProtection: false,
        labels: { team: "k8s-infra" },
        template: {
          taskCount: 3,
          parallelism: 3,
          template: { serviceAccount: email(names.serviceAccount), timeout: "5400s", maxRetries: 2 },
        },
      });
      expect(containerOf(jobOf(names))).toMatchObject({
        image: IMAGE,
        resources: { limits: { cpu: "1", memory: "2560Mi" } },
      });
    }
  });

  it("the aws-s3 job fills the source bucket as the writer role, with the job's whole rate", () => {
    const container = containerOf(jobOf(S3));
    expect(container.args).toEqual([
      "--source",
      "us-central1-docker.pkg.dev/example-artifacts/images",
      "--bucket",
      "example-registry-us-east-2",
      "--region",
      "us-east-2",
      "--apply",
      "--report",
      "json",
      "--progress",
      "plain",
      "--rate",
      "120",
      "--concurrency",
      "16",
      "--multipart-threshold",
      "100MiB",
    ]);
    expect(container.envs).toEqual([
      { name: "AWS_ROLE_ARN", value: donorOutput("aws-s3").writerRoleArn },
      { name: "SYNC_ID_TOKEN_AUDIENCE", value: "https://sync.example.dev" },
    ]);
  });

  it("the cloudflare-r2 job fills its bucket through R2's endpoint, the key pair read from Secret Manager", () => {
    const container = containerOf(jobOf(R2));
    expect(container.args.slice(0, 8)).toEqual([
      "--source",
      "us-central1-docker.pkg.dev/example-artifacts/images",
      "--bucket",
      "blobs",
      "--region",
      "auto",
      "--endpoint",
      "https://0123456789abcdef0123456789abcdef.r2.cloudflarestorage.com",
    ]);
    const secret = (id: string) => one(plan, TYPES.secret, (r) => inputs(r).secretId === id);
    const version = (id: string) => one(plan, TYPES.secretVersion, (r) => inputs(r).secret === outputs(secret(id)).id);
    expect(container.envs).toEqual([
      {
        name: "AWS_ACCESS_KEY_ID",
        valueSource: {
          secretKeyRef: { secret: R2.accessKeyIdSecret, version: outputs(version(R2.accessKeyIdSecret)).version },
        },
      },
      {
        name: "AWS_SECRET_ACCESS_KEY",
        valueSource: {
          secretKeyRef: {
            secret: R2.secretAccessKeySecret,
            version: outputs(version(R2.secretAccessKeySecret)).version,
          },
        },
      },
    ]);
  });

  it("reports where each job is", () => {
    expect(plan.outputs.syncJobs).toEqual([
      {
        donor: "aws-s3",
        bucket: "example-registry-us-east-2",
        project: SYNC_PROJECT,
        region: "us-central1",
        job: S3.job,
        serviceAccount: email(S3.serviceAccount),
      },
      {
        donor: "cloudflare-r2",
        bucket: "blobs",
        project: SYNC_PROJECT,
        region: "us-central1",
        job: R2.job,
        serviceAccount: email(R2.serviceAccount),
      },
    ]);
  });
});

describe("the schedule", () => {
  it("calls the Admin API's :run for its job, as the invoker account, on the configured cron", () => {
    for (const names of [S3, R2]) {
      const schedule = one(plan, TYPES.schedule, (r) => inputs(r).name === names.schedule);
      expect(inputs(schedule)).toMatchObject({
        project: SYNC_PROJECT,
        region: "us-central1",
        schedule: "15 */4 * * *",
        timeZone: "Europe/Berlin",
        paused: false,
        httpTarget: {
          httpMethod: "POST",
          uri: runJobUri(SYNC_PROJECT, "us-central1", outputs(jobOf(names)).name),
          oauthToken: {
            serviceAccountEmail: email(names.invoker),
            scope: "https://www.googleapis.com/auth/cloud-platform",
          },
        },
      });
      // Created once the invoker may run the job, so its first call is not refused.
      expect(schedule.options.dependsOn).toContain(`${names.job}-run-by-invoker`);
    }
  });

  it("the invoker may run its own job and nothing else; nobody else is granted anything on a job", () => {
    for (const names of [S3, R2]) {
      const grants = iamGrants(plan).filter((g) => g.members.includes(`serviceAccount:${email(names.invoker)}`));
      expect(
        grants.map((g) => [g.resource.type, g.role, inputs(g.resource).name, inputs(g.resource).location]),
      ).toEqual([[TYPES.jobMember, "roles/run.invoker", outputs(jobOf(names)).name, "us-central1"]]);
    }
    expect(ofType(plan, TYPES.jobMember).map((r) => inputs(r).member)).toEqual([
      `serviceAccount:${email(S3.invoker)}`,
      `serviceAccount:${email(R2.invoker)}`,
    ]);
  });
});

describe("the jobs' identity", () => {
  it("holds no role on any project, folder or organisation: no IAM resource of the plan is project-wide", () => {
    const wide = plan.resources.filter((r) => /^gcp:(projects|organizations|folder)\/iAM/.test(r.type));
    expect(wide).toEqual([]);
  });

  it("the aws-s3 job's account is granted nothing at all in GCP (it reads public repositories anonymously)", () => {
    const member = `serviceAccount:${email(S3.serviceAccount)}`;
    expect(iamGrants(plan).filter((g) => g.members.includes(member))).toEqual([]);
  });

  it("the cloudflare-r2 job's account may read its two secrets, and nothing else", () => {
    const member = `serviceAccount:${email(R2.serviceAccount)}`;
    const grants = iamGrants(plan).filter((g) => g.members.includes(member));
    expect(
      grants.map((g) => [g.resource.type, g.role, inputs(g.resource).project, inputs(g.resource).secretId]),
    ).toEqual([
      [TYPES.secretMember, "roles/secretmanager.secretAccessor", SYNC_PROJECT, R2.accessKeyIdSecret],
      [TYPES.secretMember, "roles/secretmanager.secretAccessor", SYNC_PROJECT, R2.secretAccessKeySecret],
    ]);
    // And nobody else may read them.
    expect(ofType(plan, TYPES.secretMember).map((r) => inputs(r).member)).toEqual([member, member]);
  });

  it("nobody may act as the jobs' or the schedules' accounts (no IAM binding on them)", () => {
    const onAccounts = plan.resources.filter(
      (r) => r.type.startsWith("gcp:serviceaccount/iAM") && String(inputs(r).serviceAccountId).includes(SYNC_PROJECT),
    );
    expect(onAccounts).toEqual([]);
  });
});

describe("the AWS writer role's trust in the aws-s3 job", () => {
  const trust = () => {
    const role = one(plan, TYPES.role, (r) => inputs(r).name === "example-registry-blob-writer");
    return JSON.parse(inputs(role).assumeRolePolicy).Statement as Loose[];
  };

  it("names exactly that account by its unique ID, with the configured audience, beside the GKE subjects", () => {
    const uniqueId = outputs(accountOf(S3.serviceAccount)).uniqueId;
    expect(uniqueId).toMatch(/^\d{21}$/);
    expect(trust()).toEqual([
      expect.objectContaining({ Sid: "BlobSyncWebIdentity" }),
      jobTrustStatement(uniqueId, "https://sync.example.dev"),
    ]);
  });

  it("does not trust the cloudflare-r2 job's account, nor either invoker", () => {
    const named = JSON.stringify(trust());
    for (const id of [R2.serviceAccount, S3.invoker, R2.invoker]) {
      expect(named).not.toContain(outputs(accountOf(id)).uniqueId);
    }
  });
});

describe("the R2 key pair in Secret Manager", () => {
  const token = () => one(plan, "cloudflare:index/accountToken:AccountToken");

  it("two secrets in the sync project, each with one version holding the donor's writer credentials", () => {
    const secrets = ofType(plan, TYPES.secret);
    expect(secrets.map((s) => inputs(s))).toEqual([
      { project: SYNC_PROJECT, secretId: R2.accessKeyIdSecret, replication: { auto: {} } },
      { project: SYNC_PROJECT, secretId: R2.secretAccessKeySecret, replication: { auto: {} } },
    ]);
    const data = (id: string) => {
      const secret = one(plan, TYPES.secret, (r) => inputs(r).secretId === id);
      return secretValue(
        inputs(one(plan, TYPES.secretVersion, (r) => inputs(r).secret === outputs(secret).id)).secretData,
      );
    };
    expect(data(R2.accessKeyIdSecret)).toBe(outputs(token()).id);
    // R2's S3 secret is the SHA-256 of the token's value.
    expect(data(R2.secretAccessKeySecret)).toBe(createHash("sha256").update(outputs(token()).value).digest("hex"));
  });

  it("the job waits for both versions and both grants: Cloud Run checks them when it deploys the job", () => {
    expect(jobOf(R2).options.dependsOn).toEqual(
      expect.arrayContaining([
        `${R2.accessKeyIdSecret}-version`,
        `${R2.accessKeyIdSecret}-accessor`,
        `${R2.secretAccessKeySecret}-version`,
        `${R2.secretAccessKeySecret}-accessor`,
      ]),
    );
  });
});

describe("the sync project", () => {
  it("gets the APIs the jobs use, enabled first and never disabled", () => {
    const apis = ofType(plan, "gcp:projects/service:Service").filter((r) => inputs(r).project === SYNC_PROJECT);
    expect(apis.map((a) => inputs(a).service)).toEqual([
      "cloudscheduler.googleapis.com",
      "iam.googleapis.com",
      "run.googleapis.com",
      "secretmanager.googleapis.com",
    ]);
    for (const a of apis) expect(a.options).toMatchObject({ retainOnDelete: true, import: null });
  });

  it("everything in it waits for them", () => {
    const inProject = plan.resources.filter(
      (r) => r.custom && r.type.startsWith("gcp:") && r.type !== "gcp:projects/service:Service",
    );
    const syncs = inProject.filter((r) => [S3.job, R2.job].includes(String(r.parent)));
    expect(syncs.length).toBe(16);
    expect(syncs.filter((r) => !r.options.dependsOn.includes(`apis-${SYNC_PROJECT}`)).map((r) => r.name)).toEqual([]);
  });
});

describe("guardrails", () => {
  it("no two GCP resources claim the same cloud object", () => {
    const gcp = plan.resources.filter((r) => r.type.startsWith("gcp:") && r.custom);
    const ids = gcp.map((r) => `${r.type} ${identityOf(r, plan)}`);
    expect(ids.length).toBeGreaterThan(40);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });

  it("the policy pack finds nothing to report", async () => {
    expect(await judged(declaredOf(plan), {})).toEqual({});
  });
});
