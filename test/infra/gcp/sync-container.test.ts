/**
 * The sync job's container, held to the sync's own contract: the arguments and variables
 * the program writes are parsed by the sync's real option parser (tools/sync/options.ts),
 * as Cloud Run would start it, and mean what the job intends.
 */
import { fc, test } from "@fast-check/jest";
import type { SyncTarget } from "../../../infra/donors/donor";
import {
  runJobUri,
  syncArgs,
  syncContainer,
  syncEnv,
  syncResources,
  TASK_MEMORY_LIMIT_MIB,
} from "../../../infra/gcp/sync-container";
import { parseOptions } from "../../../tools/sync/options";

const MiB = 1024 * 1024;
const SETTINGS = {
  source: "us-central1-docker.pkg.dev/k8s-artifacts-prod/images",
  rate: 80,
  concurrency: 16,
  multipartThresholdMiB: 100,
};
const S3: SyncTarget = {
  key: "aws-123456789012",
  bucket: "prod-registry-k8s-io-us-east-2",
  region: "us-east-2",
  credentials: { kind: "aws-role", roleArn: "arn:aws:iam::123456789012:role/prod-blob-writer" },
};
const R2: SyncTarget = {
  key: "r2-0123abcd-blobs",
  bucket: "blobs",
  region: "auto",
  endpoint: "https://0123456789abcdef0123456789abcdef.r2.cloudflarestorage.com",
  credentials: { kind: "keys" },
};

/** What a task sees: Cloud Run's task variables, plus the container's literal variables. */
function asTask(target: SyncTarget, env: Record<string, string>, index = 2, count = 4) {
  const options = parseOptions(
    syncArgs(target, SETTINGS),
    {
      CLOUD_RUN_TASK_INDEX: String(index),
      CLOUD_RUN_TASK_COUNT: String(count),
      CLOUD_RUN_EXECUTION: "sync-x-abc12",
      ...env,
    },
    false,
  );
  if (options === "help") throw new Error("the arguments asked for help");
  return options;
}

describe("the sync's arguments, as the sync reads them", () => {
  it("an S3 donor: its source bucket in its region, applied, JSON report, plain progress, the job's whole rate", () => {
    const o = asTask(S3, {
      AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/prod-blob-writer",
      SYNC_ID_TOKEN_AUDIENCE: "sts.amazonaws.com",
    });
    expect(o).toMatchObject({
      source: { origin: "https://us-central1-docker.pkg.dev", prefix: "k8s-artifacts-prod/images" },
      images: [],
      bucket: "prod-registry-k8s-io-us-east-2",
      region: "us-east-2",
      endpoint: undefined,
      apply: true,
      sign: false,
      full: false,
      report: "json",
      progress: "plain",
      rate: 80,
      concurrency: 16,
      multipartThreshold: 100 * MiB,
      // The shard is Cloud Run's; the rate stays the job's, which the sync divides.
      shard: { index: 2, count: 4 },
      roleArn: "arn:aws:iam::123456789012:role/prod-blob-writer",
      idTokenAudience: "sts.amazonaws.com",
    });
  });

  it("an R2 donor: through its S3 endpoint, region auto, with no role (the key pair is the SDK's)", () => {
    const o = asTask(R2, { AWS_ACCESS_KEY_ID: "id", AWS_SECRET_ACCESS_KEY: "secret" }, 0, 1);
    expect(o).toMatchObject({
      bucket: "blobs",
      region: "auto",
      endpoint: R2.endpoint,
      apply: true,
      shard: { index: 0, count: 1 },
      roleArn: undefined,
      idTokenAudience: undefined,
    });
  });
});

describe("the credentials as container variables", () => {
  it("an S3 donor's: the role and the token audience, as literals (neither is a secret)", () => {
    expect(syncEnv({ kind: "aws-role", roleArn: "arn:r", audience: "sts.amazonaws.com" })).toEqual([
      { name: "AWS_ROLE_ARN", value: "arn:r" },
      { name: "SYNC_ID_TOKEN_AUDIENCE", value: "sts.amazonaws.com" },
    ]);
  });

  it("an R2 donor's: both halves of the key pair from Secret Manager, nothing as a literal", () => {
    const env = syncEnv({
      kind: "keys",
      accessKeyId: { secret: "id-secret", version: "3" },
      secretAccessKey: { secret: "key-secret", version: "4" },
    });
    expect(env).toEqual([
      { name: "AWS_ACCESS_KEY_ID", valueSource: { secretKeyRef: { secret: "id-secret", version: "3" } } },
      { name: "AWS_SECRET_ACCESS_KEY", valueSource: { secretKeyRef: { secret: "key-secret", version: "4" } } },
    ]);
    expect(env.some((e) => "value" in e)).toBe(false);
  });
});

describe("a task's memory and vCPUs", () => {
  it("defaults: 16 blobs of up to 100 MiB spooled at once, plus the runtime: 2560Mi on 1 vCPU", () => {
    expect(syncResources({ concurrency: 16, multipartThresholdMiB: 100 })).toEqual({
      cpu: "1",
      memory: "2560Mi",
      memoryMiB: 2560,
    });
  });

  it("a lower threshold shrinks it, down to the two parts a multipart upload holds per slot", () => {
    expect(syncResources({ concurrency: 16, multipartThresholdMiB: 16 }).memoryMiB).toBe(1536);
    expect(syncResources({ concurrency: 16, multipartThresholdMiB: 5 }).memoryMiB).toBe(1536);
  });

  it("more than 1 vCPU allows is given the vCPUs Cloud Run requires for it", () => {
    expect(syncResources({ concurrency: 64, multipartThresholdMiB: 100 })).toMatchObject({ cpu: "2", memoryMiB: 7168 });
    expect(syncResources({ concurrency: 300, multipartThresholdMiB: 100 })).toMatchObject({ cpu: "8" });
  });

  test.prop([fc.integer({ min: 1, max: 1024 }), fc.integer({ min: 5, max: 5120 })])(
    "always covers every slot's worst case, in 512 MiB steps, on the fewest vCPUs Cloud Run allows it with",
    (concurrency, multipartThresholdMiB) => {
      const r = syncResources({ concurrency, multipartThresholdMiB });
      expect(r.memoryMiB).toBeGreaterThanOrEqual(concurrency * Math.max(multipartThresholdMiB, 64) + 512);
      expect(r.memoryMiB % 512).toBe(0);
      expect(r.memory).toBe(`${r.memoryMiB}Mi`);
      const maxFor: Record<string, number> = { "1": 4096, "2": 8192, "4": 16384, "8": TASK_MEMORY_LIMIT_MIB };
      const fits = Object.entries(maxFor)
        .filter(([, max]) => r.memoryMiB <= max)
        .map(([cpu]) => cpu);
      if (r.memoryMiB <= TASK_MEMORY_LIMIT_MIB) expect(r.cpu).toBe(fits[0]);
    },
  );
});

describe("the job's container and its schedule's call", () => {
  it("runs the pinned image with the arguments, variables and resources above", () => {
    const image = `us-central1-docker.pkg.dev/k8s-staging-images/infra-tools/registry-sync@sha256:${"c".repeat(64)}`;
    const container = syncContainer({
      image,
      target: S3,
      settings: SETTINGS,
      credentials: { kind: "aws-role", roleArn: "arn:r", audience: "a" },
    });
    expect(container).toEqual({
      name: "sync",
      image,
      args: syncArgs(S3, SETTINGS),
      envs: syncEnv({ kind: "aws-role", roleArn: "arn:r", audience: "a" }),
      resources: { limits: { cpu: "1", memory: "2560Mi" } },
    });
  });

  it("starts an execution through the Cloud Run Admin API, as `gcloud run jobs execute` does", () => {
    expect(runJobUri("p-1", "us-central1", "sync-aws-1")).toBe(
      "https://run.googleapis.com/v2/projects/p-1/locations/us-central1/jobs/sync-aws-1:run",
    );
  });
});
