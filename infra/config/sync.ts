/**
 * `registry:sync`: the blob sync as a scheduled Cloud Run job per donor it fills (every
 * backend: an aws-s3 backend's source bucket, a cloudflare-r2 bucket). Its settings are
 * the job's (image, schedule, tasks, limits); what each job writes and as whom comes from
 * its backend. A leaf like sections.ts: types and checks only.
 */
import { z } from "zod";
import { GcpProjectId, GcpRegion, ImageReference } from "../fields";
import { syncResources, TASK_MEMORY_LIMIT_MIB } from "../gcp/sync-container";

const show = (v: unknown) => JSON.stringify(v);

const DURATION_UNITS = { s: 1, m: 60, h: 3600 } as const;
/** Cloud Run stops a job's task after at most 7 days. */
const MAX_TASK_SECONDS = 168 * 3600;

/** `90s`, `45m`, `3h`: seconds. */
export function durationSeconds(value: string): number {
  const m = /^(\d+)([smh])$/.exec(value);
  if (!m) throw new Error(`${show(value)} is not a duration like "45m"`);
  return Number(m[1]) * DURATION_UNITS[m[2] as keyof typeof DURATION_UNITS];
}

const TaskTimeout = z
  .string()
  .regex(/^\d+[smh]$/, {
    abort: true,
    error: (iss) => `${show(iss.input)} is not a duration like "90s", "45m" or "3h"`,
  })
  .refine((v) => durationSeconds(v) >= 60 && durationSeconds(v) <= MAX_TASK_SECONDS, {
    error: (iss) => `${show(iss.input)} is out of range: from 1m to 168h (Cloud Run's limit for a task attempt)`,
  })
  .meta({ type: "duration (`90s`, `45m`, `3h`)" });

/** Unix cron, as Cloud Scheduler takes it: five fields of digits, names and `*,-/`. */
const CronSchedule = z
  .string()
  .regex(/^[\w*,/-]+( [\w*,/-]+){4}$/, {
    error: (iss) => `${show(iss.input)} is not a unix-cron schedule of five fields, like "0 */6 * * *"`,
  })
  .meta({ type: "unix-cron schedule" });

const TimeZone = z
  .string()
  .refine(
    (v) => {
      try {
        new Intl.DateTimeFormat("en", { timeZone: v });
        return v.includes("/") || v === "UTC";
      } catch {
        return false;
      }
    },
    { error: (iss) => `${show(iss.input)} is not a time zone of the tz database, like "Etc/UTC" or "Europe/Berlin"` },
  )
  .meta({ type: "tz database name" });

export const SyncConfig = z
  .strictObject({
    image: ImageReference.meta({
      description:
        "the sync's image (`tools/sync/Dockerfile`; the Sync image workflow prints the digest), `host/path@sha256:<digest>`; the `prod` stack refuses anything but a digest pin",
    }),
    project: GcpProjectId.optional().meta({
      default: "`redirector.project`",
      description: "project of the jobs, their schedules, service accounts and secrets (its APIs are enabled)",
    }),
    region: GcpRegion.optional().meta({
      default: "`source.canonicalRegion`",
      description: "where the jobs and their schedules run: next to the repository they read",
    }),
    schedule: CronSchedule.default("0 */6 * * *").meta({
      description:
        "when each job starts an execution (Cloud Scheduler); keep it longer apart than `taskTimeout` x (`maxRetries` + 1), so executions do not overlap (overlap is safe, only wasted)",
    }),
    timeZone: TimeZone.default("Etc/UTC").meta({ description: "the schedule's time zone" }),
    paused: z.boolean().default(false).meta({
      description: "the schedules start nothing; a running execution finishes (`gcloud run jobs execute` still works)",
    }),
    tasks: z.int().min(1).max(10_000).default(1).meta({
      description:
        "tasks per execution, all running at once (`parallelism`), each with its shard of the repositories; more than one helps only when `rate` is raised beyond what one task moves, or to bound each task's memory and failure domain",
    }),
    rate: z.number().min(0.01).max(100_000).default(80).meta({
      type: "number 0.01-100000",
      description:
        "registry requests per second of the whole job, divided among its tasks; upstream's 80 stays under Artifact Registry's per-user quota",
    }),
    concurrency: z.int().min(1).max(1024).default(16).meta({
      description: "manifests and blobs in flight per task; with `multipartThresholdMiB` it sizes each task's memory",
    }),
    multipartThresholdMiB: z.int().min(5).max(5120).default(100).meta({
      description:
        "blobs this large or larger go up in parts; smaller ones are held in memory (Cloud Run's `/tmp`) until uploaded, so `concurrency` x this is most of a task's memory, which is sized from it (at most 32 GiB)",
    }),
    taskTimeout: TaskTimeout.default("3h").meta({
      description:
        "a task attempt's limit; one stopped by it loses nothing it finished, and the next execution goes on from there (a first fill of a new mirror takes several)",
    }),
    maxRetries: z.int().min(0).max(10).default(1).meta({
      description: "attempts after a failed task; a retry starts over cheaply (the bucket holds what is done)",
    }),
    audience: z.string().min(1, { error: "must not be empty" }).default("sts.amazonaws.com").meta({
      description:
        "`aws-s3` jobs: the `aud` of the Google ID token they trade for the writer role (`SYNC_ID_TOKEN_AUDIENCE`); the role's trust requires it (`accounts.google.com:oaud`)",
    }),
  })
  .superRefine((s, ctx) => {
    const perTask = s.rate / s.tasks;
    if (perTask < 0.01) {
      ctx.addIssue({
        code: "custom",
        path: ["rate"],
        message: `${s.rate} requests per second shared by ${s.tasks} tasks leaves ${perTask} each; each task needs at least 0.01`,
      });
    }
    const { memoryMiB } = syncResources(s);
    if (memoryMiB > TASK_MEMORY_LIMIT_MIB) {
      ctx.addIssue({
        code: "custom",
        path: ["concurrency"],
        message: `${s.concurrency} blobs in flight below multipartThresholdMiB ${s.multipartThresholdMiB} need ${memoryMiB} MiB per task; Cloud Run gives a task at most ${TASK_MEMORY_LIMIT_MIB} MiB: lower concurrency or multipartThresholdMiB`,
      });
    }
  });
export type SyncConfig = z.output<typeof SyncConfig>;
