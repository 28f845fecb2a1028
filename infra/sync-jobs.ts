/**
 * Pure: from the stack config to the blob sync's jobs: where they run, what each one
 * reads and fills, and the settings every job shares. One job per backend, in or out of
 * rotation (a new donor is filled before it serves).
 */
import type { RedirectorConfig, SourceConfig } from "./config/sections";
import { durationSeconds, type SyncConfig } from "./config/sync";
import type { SyncTarget } from "./donors/donor";
import { type Backend, backendSyncTarget } from "./donors/kinds";
import { syncNames } from "./gcp/names";
import type { SyncSettings } from "./gcp/sync-container";
import { artifactRegistryHost } from "./routing";

export interface SyncInput {
  source: SourceConfig;
  redirector: RedirectorConfig;
  backends: readonly Backend[];
  sync: SyncConfig;
}

/** What every job of the stack shares. */
export interface SyncJobSettings {
  project: string;
  region: string;
  image: string;
  settings: SyncSettings;
  tasks: number;
  taskTimeoutSeconds: number;
  maxRetries: number;
  schedule: { cron: string; timeZone: string; paused: boolean };
  /** `aws-role` targets: the `aud` the jobs ask their Google ID tokens for. */
  audience: string;
}

export function syncJobSettings({ source, redirector, sync }: Omit<SyncInput, "backends">): SyncJobSettings {
  return {
    project: sync.project ?? redirector.project,
    region: sync.region ?? source.canonicalRegion,
    image: sync.image,
    settings: {
      // The canonical region: the one every image is promoted to first.
      source: `${artifactRegistryHost(source.canonicalRegion)}/${source.project}/${source.repository}`,
      rate: sync.rate,
      concurrency: sync.concurrency,
      multipartThresholdMiB: sync.multipartThresholdMiB,
    },
    tasks: sync.tasks,
    taskTimeoutSeconds: durationSeconds(sync.taskTimeout),
    maxRetries: sync.maxRetries,
    schedule: { cron: sync.schedule, timeZone: sync.timeZone, paused: sync.paused },
    audience: sync.audience,
  };
}

/** Per backend, in config order: what its job fills and what its pieces are called. */
export function syncTargets(
  backends: readonly Backend[],
): Array<{ target: SyncTarget; names: ReturnType<typeof syncNames> }> {
  return backends.map((b) => {
    const target = backendSyncTarget(b);
    return { target, names: syncNames(target.key) };
  });
}
