/**
 * The end-of-run report as one JSON document (one line): what a Cloud Run job logs so the
 * operations dashboard can count it. Cloud Logging reads `severity` and `message` from
 * a JSON line on stdout. The fields are documented in the README ("The report").
 */
import type { Stats } from "./progress";
import type { Shard } from "./shard";
import type { Failure } from "./walk";

export const REPORT_VERSION = 1;
/** Failures listed in full; beyond that only counted (a log line has a size limit). */
export const MAX_LISTED_FAILURES = 100;

export interface RunFacts {
  source: string;
  bucket: string;
  shard: Shard;
  /** Requests per second this task was allowed (the job's rate over the task count). */
  taskRate: number;
  startedAt: Date;
  finishedAt: Date;
  stats: Stats;
  repositories: number;
  failures: Failure[];
  /** The signal that stopped the run, if one did. */
  interrupted: NodeJS.Signals | undefined;
  exitCode: number;
  registryRequests: number;
  bucketRequests: Record<string, number>;
  /** process.cpuUsage() at the end: what the task cost in CPU. */
  cpu: { user: number; system: number };
  execution?: string;
}

export function buildReport(f: RunFacts) {
  const { stats } = f;
  const seconds = (f.finishedAt.getTime() - f.startedAt.getTime()) / 1000;
  return {
    severity: f.exitCode === 0 ? "INFO" : f.interrupted ? "WARNING" : "ERROR",
    message: `sync ${f.source} -> ${f.bucket} (task ${f.shard.index} of ${f.shard.count}): ${
      f.interrupted ? `interrupted by ${f.interrupted}` : f.failures.length ? `${f.failures.length} failed` : "done"
    }`,
    report: "registry-sync",
    version: REPORT_VERSION,
    source: f.source,
    bucket: f.bucket,
    dryRun: stats.dryRun,
    task: { index: f.shard.index, count: f.shard.count, ...(f.execution ? { execution: f.execution } : {}) },
    startedAt: f.startedAt.toISOString(),
    finishedAt: f.finishedAt.toISOString(),
    seconds: Math.round(seconds * 1000) / 1000,
    cpuSeconds: Math.round((f.cpu.user + f.cpu.system) / 1000) / 1000,
    exitCode: f.exitCode,
    interrupted: f.interrupted ?? null,
    repositories: f.repositories,
    manifests: { read: stats.manifests, skippedByMarker: stats.markedSkipped, markersWritten: stats.markersWritten },
    blobs: {
      walked: stats.blobs,
      walkedBytes: stats.blobBytes,
      present: stats.present,
      presentBytes: stats.presentBytes,
      uploaded: stats.transferred,
      uploadedBytes: stats.transferredBytes,
      replaced: stats.replaced,
      reuploaded: stats.reuploaded,
      raced: stats.raced,
      failed: stats.failed,
      notReached: Math.max(0, stats.blobs - stats.checked),
      foreignSkipped: stats.foreign,
    },
    multipart: { uploads: stats.multipart, partsUploaded: stats.partsUploaded, partsReused: stats.partsReused },
    requests: {
      registry: f.registryRequests,
      registryRatePerSecond: f.taskRate,
      bucket: Object.values(f.bucketRequests).reduce((a, b) => a + b, 0),
      bucketByOperation: f.bucketRequests,
    },
    failures: f.failures.slice(0, MAX_LISTED_FAILURES),
    failuresNotListed: Math.max(0, f.failures.length - MAX_LISTED_FAILURES),
  };
}

export type Report = ReturnType<typeof buildReport>;
