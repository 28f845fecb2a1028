/**
 * Pure: what the blob sync's Cloud Run job runs, built to the sync's job contract (README,
 * "The Cloud Run job contract"): its arguments, its credentials as environment, the
 * memory a task needs, and the Admin API call its schedule makes.
 */
import type { SyncTarget } from "../donors/donor";

export interface SyncSettings {
  /** `<canonical region>-docker.pkg.dev/<project>/<repository>`. */
  source: string;
  rate: number;
  concurrency: number;
  multipartThresholdMiB: number;
}

/**
 * The sync's flags. Rate, concurrency and threshold are always written out: the memory a
 * task is given is computed from them, so they must not drift with the tool's defaults.
 */
export function syncArgs(target: SyncTarget, s: SyncSettings): string[] {
  return [
    "--source",
    s.source,
    "--bucket",
    target.bucket,
    "--region",
    target.region,
    ...(target.endpoint ? ["--endpoint", target.endpoint] : []),
    "--apply",
    "--report",
    "json",
    "--progress",
    "plain",
    "--rate",
    String(s.rate),
    "--concurrency",
    String(s.concurrency),
    "--multipart-threshold",
    `${s.multipartThresholdMiB}MiB`,
  ];
}

/** A container variable: a literal, or a Secret Manager secret's version. */
export type SyncEnv<T> =
  | { name: string; value: T }
  | { name: string; valueSource: { secretKeyRef: { secret: T; version: T } } };

export type SyncCredentials<T> =
  | { kind: "aws-role"; roleArn: T; audience: T }
  | { kind: "keys"; accessKeyId: SecretRef<T>; secretAccessKey: SecretRef<T> };

export interface SecretRef<T> {
  secret: T;
  version: T;
}

/** The sync reads AWS_ROLE_ARN and SYNC_ID_TOKEN_AUDIENCE itself; a key pair goes to the SDK's chain. */
export function syncEnv<T>(c: SyncCredentials<T>): SyncEnv<T>[] {
  if (c.kind === "aws-role") {
    return [
      { name: "AWS_ROLE_ARN", value: c.roleArn },
      { name: "SYNC_ID_TOKEN_AUDIENCE", value: c.audience },
    ];
  }
  return [
    { name: "AWS_ACCESS_KEY_ID", valueSource: { secretKeyRef: c.accessKeyId } },
    { name: "AWS_SECRET_ACCESS_KEY", valueSource: { secretKeyRef: c.secretAccessKey } },
  ];
}

/**
 * A multipart upload holds one part, and a second while the next is cut (the sync's 32 MiB
 * default). Measured with the bundle: each concurrent 150 MiB multipart upload added 64 MiB
 * of peak RSS (1, 4 and 8 at once: 281, 495, 726 MiB).
 */
const MULTIPART_SLOT_MIB = 2 * 32;
/**
 * Node, the AWS SDK and the walk's manifests, beside the blobs in flight: measured peaks of
 * 138-299 MiB RSS (a no-op and a first run over 1,000 images; a task with uploads in
 * flight, less their parts), so about twice that.
 */
const RUNTIME_MIB = 512;
/** Cloud Run's most memory for a job's task (with 8 vCPUs). */
export const TASK_MEMORY_LIMIT_MIB = 32 * 1024;
/** Cloud Run's vCPU choices and the most memory each allows. */
const CPU_STEPS = [
  { cpu: 1, maxMiB: 4 * 1024 },
  { cpu: 2, maxMiB: 8 * 1024 },
  { cpu: 4, maxMiB: 16 * 1024 },
  { cpu: 8, maxMiB: TASK_MEMORY_LIMIT_MIB },
];

/**
 * A task's memory: on Cloud Run `/tmp` is memory, and the sync spools each single PUT
 * (a blob below the multipart threshold) there, so the worst case is every slot holding
 * the largest such blob (or a multipart upload's two parts), plus the runtime; rounded
 * up to 512 MiB. The fewest vCPUs that allow it (one is plenty at the default rate).
 */
export function syncResources(s: { concurrency: number; multipartThresholdMiB: number }): {
  cpu: string;
  memory: string;
  memoryMiB: number;
} {
  const need = s.concurrency * Math.max(s.multipartThresholdMiB, MULTIPART_SLOT_MIB) + RUNTIME_MIB;
  const memoryMiB = Math.ceil(need / 512) * 512;
  const step = CPU_STEPS.find((c) => c.maxMiB >= memoryMiB) ?? CPU_STEPS[CPU_STEPS.length - 1];
  return { cpu: String(step?.cpu), memory: `${memoryMiB}Mi`, memoryMiB };
}

/** The Cloud Run Admin API call that starts an execution (what `gcloud run jobs execute` sends). */
export function runJobUri(project: string, region: string, job: string): string {
  return `https://run.googleapis.com/v2/projects/${project}/locations/${region}/jobs/${job}:run`;
}

export interface ContainerArgs<T> {
  image: string;
  target: SyncTarget;
  settings: SyncSettings;
  credentials: SyncCredentials<T>;
}

/** The job's one container: the sync's image, its flags, its credentials, its memory. */
export function syncContainer<T>({ image, target, settings, credentials }: ContainerArgs<T>) {
  const { cpu, memory } = syncResources(settings);
  return {
    name: "sync",
    image,
    args: syncArgs(target, settings),
    envs: syncEnv(credentials),
    resources: { limits: { cpu, memory } },
  };
}
