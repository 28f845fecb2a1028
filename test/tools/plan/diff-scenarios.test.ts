/**
 * The plan diff of changes a maintainer makes, each a copy of the checked-in sandbox stack
 * with one edit, evaluated by the real program under the mock engine (once each, two at a
 * time, in child processes) and diffed against the stack as checked in.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { diffPlans, type PlanDocument } from "../../../tools/plan/diff/plan";
import { renderDiffMarkdown, renderDiffText } from "../../../tools/plan/diff/render";
import { ROOT, runCli, runCliAsync } from "../run-cli";

// biome-ignore lint/suspicious/noExplicitAny: edits reach into the stack's YAML as written
type Config = Record<string, any>;

const WRITER =
  "principal://iam.googleapis.com/projects/180382678033/locations/global/workloadIdentityPools/k8s-infra-prow-build-trusted.svc.id.goog/subject/ns/test-pods/sa";
const ISSUER =
  "container.googleapis.com/v1/projects/k8s-infra-prow-build-trusted/locations/us-central1/clusters/prow-build-trusted";
const R2 = "https://blobs.registry-sandbox.k8s.io";
/** The AWS sync job's service account's unique ID, as the mock engine fakes it (deterministic). */
const SYNC_JOB_ID = "120226233371173415851";
const bucketUrl = (prefix: string, region: string) => `https://${prefix}${region}.s3.dualstack.${region}.amazonaws.com`;
const ENV = "template.containers[name=redirector].envs[name=REDIRECTOR_CONFIG].value";
const SERVICES = ["redirector-asia-northeast1", "redirector-europe-west3", "redirector-us-central1"];

const EDITS: Record<string, (c: Config) => void> = {
  "add an AWS region": (c) => c["registry:backends"][0].regions.push("eu-west-1"),
  "add an Artifact Registry region": (c) => c["registry:source"].regions.push("europe-west3"),
  "drop a donor": (c) => c["registry:backends"].splice(1, 1),
  "rename a bucket prefix": (c) => {
    c["registry:backends"][0].bucketPrefix = "sandbox-blobs-k8s-io-";
  },
  "take a donor out of rotation": (c) => {
    c["registry:backends"][0].inRotation = false;
  },
  "change the writers": (c) => {
    c["registry:promotion"].artifactWriters = [`${WRITER}/image-promoter`];
    c["registry:promotion"].blobWriter.subjects = ["system:serviceaccount:test-pods:blob-sync"];
  },
  "raise the Cloud Armor limit": (c) => {
    c["registry:armor"] = { rateLimit: { count: 10000 } };
  },
  "move the canonical region": (c) => {
    c["registry:source"].canonicalRegion = "europe-west4";
  },
};

const files: Record<string, string> = {};
const plans: Record<string, PlanDocument> = {};
let base: PlanDocument;

/** Each variant a stack file named like the original (a diff compares versions of one stack). */
function write(edit?: (c: Config) => void): string {
  const doc = parse(readFileSync(join(ROOT, "Pulumi.sandbox.yaml"), "utf8"));
  edit?.(doc.config);
  const file = join(mkdtempSync(join(tmpdir(), "plan-diff-")), "Pulumi.sandbox.yaml");
  writeFileSync(file, stringify(doc));
  return file;
}

beforeAll(async () => {
  files.base = write();
  for (const [name, edit] of Object.entries(EDITS)) files[name] = write(edit);
  const queue = Object.keys(files);
  const evaluate = async () => {
    for (let name = queue.shift(); name; name = queue.shift()) {
      const r = await runCliAsync("tools/plan.ts", ["--stack-file", files[name] as string, "--format", "json"]);
      if (r.status !== 0) throw new Error(`${name}: ${r.stderr}`);
      plans[name] = JSON.parse(r.stdout);
    }
  };
  // Two at a time: CI has two cores.
  await Promise.all([evaluate(), evaluate()]);
  base = plans.base as PlanDocument;
}, 300_000);

/** The lines of one section of the text rendering, as a reader sees them. */
function section(name: string, title: string): string[] {
  const text = renderDiffText(diffPlans(base, plans[name] as PlanDocument));
  const lines = text.split("\n");
  const start = lines.findIndex((l) => l.startsWith(`${title} (`));
  if (start < 0) return [];
  const end = lines.indexOf("", start);
  return lines.slice(start + 1, end < 0 ? undefined : end).map((l) => l.slice(2));
}

const diffOf = (name: string) => diffPlans(base, plans[name] as PlanDocument);
const summary = (create: number, update: number, del: number) => ({
  create,
  update,
  delete: del,
  replace: 0,
  import: 0,
});
const changes = (name: string) => diffOf(name).changes.map((c) => [c.op, c.name, c.paths]);

describe("the plan diff of a maintainer's change", () => {
  it("of the stack with itself is empty, and says so", () => {
    const d = diffPlans(base, base);
    expect(renderDiffText(d)).toBe(
      "Plan diff of stack sandbox (offline plans): no changes: the same resources, IAM and routing.\n",
    );
  });

  it("add an AWS region: a new bucket with its settings, its public read, routes for its clients", () => {
    const name = "add an AWS region";
    expect(diffOf(name).summary).toEqual(summary(5, 5, 0));
    expect(section(name, "Flags")).toEqual([]);
    expect(section(name, "Blob routing")).toEqual([
      `aws eu-west-1: ${R2} -> ${bucketUrl("sandbox-registry-k8s-io-", "eu-west-1")}`,
    ]);
    expect(section(name, "IAM")).toEqual([
      "+ anyone (*) gains s3:ListBucket on arn:aws:s3:::sandbox-registry-k8s-io-eu-west-1 (BucketPolicy sandbox-registry-k8s-io-eu-west-1-policy)",
      "+ anyone (*) is now denied s3:* on arn:aws:s3:::sandbox-registry-k8s-io-eu-west-1 when aws:SecureTransport = false (BucketPolicy sandbox-registry-k8s-io-eu-west-1-policy)",
      "+ anyone (*) is now denied s3:* on arn:aws:s3:::sandbox-registry-k8s-io-eu-west-1/* when aws:SecureTransport = false (BucketPolicy sandbox-registry-k8s-io-eu-west-1-policy)",
      "+ anyone (*) gains s3:GetObject on arn:aws:s3:::sandbox-registry-k8s-io-eu-west-1/* (BucketPolicy sandbox-registry-k8s-io-eu-west-1-policy)",
      "+ role sandbox-registry-k8s-io-s3-replication gains s3:ReplicateDelete, s3:ReplicateObject, s3:ReplicateTags on arn:aws:s3:::sandbox-registry-k8s-io-eu-west-1/* (RolePolicy sandbox-registry-k8s-io-s3-replication-policy)",
    ]);
    expect(changes(name).filter(([op]) => op === "update")).toEqual([
      ["update", "sandbox-registry-k8s-io-s3-replication-policy", ["policy.Statement[Sid=WriteReplicas].Resource"]],
      ["update", "sandbox-registry-k8s-io-us-east-2-replication", ["rules[id=to-eu-west-1]"]],
      ...SERVICES.map((s) => ["update", s, [`${ENV}.mirrors[clientRegion=eu-west-1]`]]),
    ]);
  });

  it("add an Artifact Registry region: a protected repository, its grants, and the nearest upstream moves", () => {
    const name = "add an Artifact Registry region";
    expect(diffOf(name).summary).toEqual(summary(3, 1, 0));
    expect(section(name, "Flags")).toEqual([]);
    expect(section(name, "Blob routing")).toEqual([]);
    expect(section(name, "Artifact Registry upstream per Cloud Run region")).toEqual([
      "europe-west3: europe-west4 -> europe-west3",
    ]);
    expect(section(name, "IAM")).toEqual([
      "+ allUsers gains roles/artifactregistry.reader on repository k8s-infra-oci-proxy/europe-west3/images (RepositoryIamMember images-europe-west3-public-read)",
      `+ ${WRITER}/infra-tools gains roles/artifactregistry.writer on repository k8s-infra-oci-proxy/europe-west3/images (RepositoryIamBinding images-europe-west3-writers)`,
    ]);
    expect(changes(name)).toEqual([
      ["create", "images-europe-west3", []],
      ["create", "images-europe-west3-writers", []],
      ["create", "images-europe-west3-public-read", []],
      ["update", "redirector-europe-west3", [`${ENV}.upstream.endpoint`]],
    ]);
  });

  it("drop a donor: its protected bucket is flagged, and every unclaimed client falls back to Artifact Registry", () => {
    const name = "drop a donor";
    // The bucket, its component and its token (5), and the donor's sync job (13).
    expect(diffOf(name).summary).toEqual(summary(0, 3, 18));
    expect(section(name, "Flags")).toEqual([
      "! delete of bucket `cloudflare-r2-5f1c0a7e-registry-sandbox-blobs-bucket` (`cloudflare:index/r2Bucket:R2Bucket`): protected: `pulumi up` refuses until `pulumi state unprotect`; retainOnDelete: it stays in the cloud, no longer managed",
      // Only the R2 donor's sync job kept its keys in Secret Manager: the API is no longer
      // declared, and stays enabled.
      "! delete of resource `k8s-infra-oci-proxy-secretmanager.googleapis.com` (`gcp:projects/service:Service`): retainOnDelete: it stays in the cloud, no longer managed",
    ]);
    expect(section(name, "Blob routing")).toEqual([`every client no mirror claims: ${R2} -> Artifact Registry`]);
    // The R2 donor's sync job goes with it: its invoker and its secrets' reader.
    const job = "sync-r2-5f1c0a7e-registry-sandbox-blobs";
    const runtime = "serviceAccount:sync-r2-5f1c0a7e-regist-82c805@k8s-infra-oci-proxy.iam.gserviceaccount.com";
    expect(section(name, "IAM")).toEqual([
      `- serviceAccount:sync-r2-5f1c0a7-82c805-invoker@k8s-infra-oci-proxy.iam.gserviceaccount.com loses roles/run.invoker on Cloud Run job k8s-infra-oci-proxy/us-central1/${job} (JobIamMember ${job}-run-by-invoker)`,
      ...["access-key-id", "secret-access-key"].map(
        (k) =>
          `- ${runtime} loses roles/secretmanager.secretAccessor on secret k8s-infra-oci-proxy/${job}-${k} (SecretIamMember ${job}-${k}-accessor)`,
      ),
    ]);
    expect(changes(name).filter(([op]) => op === "update")).toEqual(
      SERVICES.map((s) => ["update", s, [`${ENV}.defaultBlobBaseUrl`]]),
    );
  });

  it("rename a bucket prefix: new buckets and roles, the old ones flagged, every AWS route moves", () => {
    const name = "rename a bucket prefix";
    const [old, now] = ["sandbox-registry-k8s-io-", "sandbox-blobs-k8s-io-"];
    // Updates: the 3 services' routes, and the AWS sync job's bucket, region-bound trust and schedule.
    expect(diffOf(name).summary).toEqual(summary(20, 6, 20));
    expect(section(name, "Flags")).toEqual([
      `! delete of 3 buckets (\`aws:s3/bucket:Bucket\`): protected: \`pulumi up\` refuses until \`pulumi state unprotect\`; retainOnDelete: it stays in the cloud, no longer managed: ${old}ap-northeast-1, ${old}eu-central-1, ${old}us-east-2`,
    ]);
    expect(section(name, "Blob routing")).toEqual([
      `aws ap-northeast-1: ${bucketUrl(old, "ap-northeast-1")} -> ${bucketUrl(now, "ap-northeast-1")}`,
      `aws ap-northeast-3: ${bucketUrl(old, "ap-northeast-1")} -> ${bucketUrl(now, "ap-northeast-1")}`,
      `aws eu-central-1: ${bucketUrl(old, "eu-central-1")} -> ${bucketUrl(now, "eu-central-1")}`,
      `aws us-east-2: ${bucketUrl(old, "us-east-2")} -> ${bucketUrl(now, "us-east-2")}`,
    ]);
    const arns = (prefix: string, suffix: string, regions = ["ap-northeast-1", "eu-central-1", "us-east-2"]) =>
      regions.map((r) => `arn:aws:s3:::${prefix}${r}${suffix}`).join(", ");
    const both = (prefix: string) =>
      ["ap-northeast-1", "eu-central-1", "us-east-2"]
        .flatMap((r) => [`arn:aws:s3:::${prefix}${r}`, `arn:aws:s3:::${prefix}${r}/*`])
        .join(", ");
    const roleLines = (prefix: string, verb: string) => [
      `role ${prefix}s3-replication ${verb} s3:ReplicateDelete, s3:ReplicateObject, s3:ReplicateTags on arn:aws:s3:::${prefix}ap-northeast-1/* (RolePolicy ${prefix}s3-replication-policy)`,
      `role ${prefix}s3-replication ${verb} s3:ReplicateDelete, s3:ReplicateObject, s3:ReplicateTags on arn:aws:s3:::${prefix}eu-central-1/* (RolePolicy ${prefix}s3-replication-policy)`,
      `role ${prefix}blob-writer ${verb} s3:ListBucket, s3:ListBucketMultipartUploads on arn:aws:s3:::${prefix}us-east-2 (RolePolicy ${prefix}blob-writer-policy)`,
      `role ${prefix}s3-replication ${verb} s3:GetReplicationConfiguration, s3:ListBucket on arn:aws:s3:::${prefix}us-east-2 (RolePolicy ${prefix}s3-replication-policy)`,
      `role ${prefix}blob-writer ${verb} s3:AbortMultipartUpload, s3:GetObject, s3:ListMultipartUploadParts, s3:PutObject on arn:aws:s3:::${prefix}us-east-2/* (RolePolicy ${prefix}blob-writer-policy)`,
      `role ${prefix}s3-replication ${verb} s3:GetObjectVersionAcl, s3:GetObjectVersionForReplication, s3:GetObjectVersionTagging on arn:aws:s3:::${prefix}us-east-2/* (RolePolicy ${prefix}s3-replication-policy)`,
    ];
    expect(section(name, "IAM")).toEqual([
      `+ anyone (*) gains s3:ListBucket on 3 resources (BucketPolicy): ${arns(now, "")}`,
      `+ anyone (*) is now denied s3:* on 6 resources when aws:SecureTransport = false (BucketPolicy): ${both(now)}`,
      `+ anyone (*) gains s3:GetObject on 3 resources (BucketPolicy): ${arns(now, "/*")}`,
      ...roleLines(now, "gains").map((l) => `+ ${l}`),
      `- anyone (*) loses s3:ListBucket on 3 resources (BucketPolicy): ${arns(old, "")}`,
      `- anyone (*) is no longer denied s3:* on 6 resources when aws:SecureTransport = false (BucketPolicy): ${both(old)}`,
      `- anyone (*) loses s3:GetObject on 3 resources (BucketPolicy): ${arns(old, "/*")}`,
      ...roleLines(old, "loses").map((l) => `- ${l}`),
      `+ ${SYNC_JOB_ID} (sub) from accounts.google.com gains sts:AssumeRoleWithWebIdentity on role ${now}blob-writer when aud = ${SYNC_JOB_ID} and oaud = sts.amazonaws.com (Role ${now}blob-writer)`,
      `+ system:serviceaccount:test-pods:s3-sync-sandbox (sub) from ${ISSUER} gains sts:AssumeRoleWithWebIdentity on role ${now}blob-writer when aud = sts.amazonaws.com (Role ${now}blob-writer)`,
      `+ service s3.amazonaws.com gains sts:AssumeRole on role ${now}s3-replication when aws:SourceAccount = 210987654321 and aws:SourceArn = arn:aws:s3:::${now}us-east-2 (Role ${now}s3-replication)`,
      `- ${SYNC_JOB_ID} (sub) from accounts.google.com loses sts:AssumeRoleWithWebIdentity on role ${old}blob-writer when aud = ${SYNC_JOB_ID} and oaud = sts.amazonaws.com (Role ${old}blob-writer)`,
      `- system:serviceaccount:test-pods:s3-sync-sandbox (sub) from ${ISSUER} loses sts:AssumeRoleWithWebIdentity on role ${old}blob-writer when aud = sts.amazonaws.com (Role ${old}blob-writer)`,
      `- service s3.amazonaws.com loses sts:AssumeRole on role ${old}s3-replication when aws:SourceAccount = 210987654321 and aws:SourceArn = arn:aws:s3:::${old}us-east-2 (Role ${old}s3-replication)`,
    ]);
  });

  it("take a donor out of rotation: nothing is deleted, its clients go to the default blob base", () => {
    const name = "take a donor out of rotation";
    expect(diffOf(name).summary).toEqual(summary(0, 3, 0));
    expect(section(name, "Flags")).toEqual([]);
    expect(section(name, "Blob routing")).toEqual([
      `aws ap-northeast-1: ${bucketUrl("sandbox-registry-k8s-io-", "ap-northeast-1")} -> ${R2}`,
      `aws ap-northeast-3: ${bucketUrl("sandbox-registry-k8s-io-", "ap-northeast-1")} -> ${R2}`,
      `aws eu-central-1: ${bucketUrl("sandbox-registry-k8s-io-", "eu-central-1")} -> ${R2}`,
      `aws us-east-2: ${bucketUrl("sandbox-registry-k8s-io-", "us-east-2")} -> ${R2}`,
    ]);
    expect(section(name, "IAM")).toEqual([]);
  });

  it("change the writers: who gains and loses push and the blob writer's trust", () => {
    const name = "change the writers";
    expect(diffOf(name).summary).toEqual(summary(0, 4, 0));
    expect(section(name, "Flags")).toEqual([]);
    expect(section(name, "Blob routing")).toEqual([]);
    const repos = ["asia-northeast1", "europe-west4", "us-central1"]
      .map((r) => `k8s-infra-oci-proxy/${r}/images`)
      .join(", ");
    expect(section(name, "IAM")).toEqual([
      `+ ${WRITER}/image-promoter gains roles/artifactregistry.writer on 3 repositories (RepositoryIamBinding): ${repos}`,
      `- ${WRITER}/infra-tools loses roles/artifactregistry.writer on 3 repositories (RepositoryIamBinding): ${repos}`,
      `+ system:serviceaccount:test-pods:blob-sync (sub) from ${ISSUER} gains sts:AssumeRoleWithWebIdentity on role sandbox-registry-k8s-io-blob-writer when aud = sts.amazonaws.com (Role sandbox-registry-k8s-io-blob-writer)`,
      `- system:serviceaccount:test-pods:s3-sync-sandbox (sub) from ${ISSUER} loses sts:AssumeRoleWithWebIdentity on role sandbox-registry-k8s-io-blob-writer when aud = sts.amazonaws.com (Role sandbox-registry-k8s-io-blob-writer)`,
    ]);
  });

  it("raise the Cloud Armor limit: one update, with the old and new threshold", () => {
    const name = "raise the Cloud Armor limit";
    expect(diffOf(name).summary).toEqual(summary(0, 1, 0));
    for (const s of ["Flags", "Blob routing", "IAM"]) expect(section(name, s)).toEqual([]);
    expect(section(name, "Resources")).toEqual([
      "update  gcp:compute/securityPolicy:SecurityPolicy  k8s-infra-oci-proxy-security-policy",
      "          rules[priority=2147483647].rateLimitOptions.rateLimitThreshold.count: 5000 -> 10000",
    ]);
  });

  it("move the canonical region: every redirector's signature upstream, and the sync jobs follow it", () => {
    const name = "move the canonical region";
    // 3 services; per donor, its sync job, its schedule and its invoker grant (registry:sync's
    // region defaults to the canonical one). Their location is fixed at creation: the
    // provider replaces them, which an offline diff cannot know, so it says "update".
    expect(diffOf(name).summary).toEqual(summary(0, 9, 0));
    for (const s of ["Flags", "Blob routing", "Artifact Registry upstream per Cloud Run region"]) {
      expect(section(name, s)).toEqual([]);
    }
    const changes = diffOf(name).changes;
    expect(changes.filter((c) => SERVICES.includes(c.name)).map((c) => [c.name, c.values])).toEqual(
      SERVICES.map((s) => [
        s,
        [
          {
            path: `${ENV}.signatureUpstream`,
            before: "https://us-central1-docker.pkg.dev",
            after: "https://europe-west4-docker.pkg.dev",
          },
        ],
      ]),
    );
    const jobs = changes.filter((c) => !SERVICES.includes(c.name));
    expect(jobs).toHaveLength(6);
    for (const c of jobs) {
      expect(c.values.filter((v) => v.before === "us-central1").map((v) => v.after)).toEqual(["europe-west4"]);
    }
  });

  it("is what `npm run plan -- --diff` prints for plan JSONs, Markdown included", () => {
    const dir = mkdtempSync(join(tmpdir(), "plan-diff-"));
    const [b, h] = ["base.json", "head.json"].map((f) => join(dir, f)) as [string, string];
    writeFileSync(b, JSON.stringify(base));
    writeFileSync(h, JSON.stringify(plans["drop a donor"]));
    const result = runCli("tools/plan.ts", ["--diff", b, h, "--format", "markdown"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(renderDiffMarkdown(diffOf("drop a donor")));
    expect(result.stdout).toContain("#### ⚠️ Flags");
  }, 60_000);
});
