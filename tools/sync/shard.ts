/**
 * Splitting one sync among the N tasks of a job (Cloud Run sets CLOUD_RUN_TASK_INDEX and
 * CLOUD_RUN_TASK_COUNT): each repository belongs to exactly one task, decided by a stable
 * hash, so every task works out the same split on its own without talking to the others.
 *
 * The unit is a repository's top-level name under the source (`sig-storage` for
 * `sig-storage/csi-provisioner`): Artifact Registry tells a repository's children only
 * to whoever lists it, so a subtree has to stay with the task that lists its top.
 *
 * Progress lives in the bucket (blobs and markers), not in a task, so changing N between
 * runs re-deals repositories but re-sends nothing. Within a run, a blob shared by
 * repositories of two tasks is uploaded once: each task HEADs it first, and a write of a
 * blob the HEAD found missing is conditional (If-None-Match: *), so of two tasks racing on
 * it only one write lands; the other sees it there and verifies it.
 */
import { createHash } from "node:crypto";

export interface Shard {
  /** 0-based. */
  index: number;
  count: number;
}

/** Cloud Run's upper bound on a job's tasks. */
export const MAX_TASKS = 10_000;

/** The part of a repository name that decides its shard: its first component under the prefix. */
export function shardKey(repository: string, prefix: string): string {
  const below = prefix && repository.startsWith(`${prefix}/`) ? repository.slice(prefix.length + 1) : repository;
  return below.split("/")[0] as string;
}

/** Which of `count` shards a key falls in: the first 32 bits of its SHA-256, modulo count. */
export function shardOf(key: string, count: number): number {
  return createHash("sha256").update(key).digest().readUInt32BE(0) % count;
}

export function inShard(repository: string, prefix: string, shard: Shard): boolean {
  return shard.count === 1 || shardOf(shardKey(repository, prefix), shard.count) === shard.index;
}

function checked(index: number, count: number, what: string): Shard {
  if (!Number.isInteger(count) || count < 1 || count > MAX_TASKS) {
    throw new Error(`${what}: the task count must be a whole number from 1 to ${MAX_TASKS}`);
  }
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new Error(`${what}: the task index must be a whole number from 0 to ${count - 1}`);
  }
  return { index, count };
}

const wholeNumber = (s: string) => (/^\d+$/.test(s.trim()) ? Number(s) : Number.NaN);

/** `I/N` (task I of N, 0-based), as given to --shard. */
export function parseShard(value: string, what: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  if (!m) throw new Error(`${what} must be I/N (task I of N, counting from 0), not ${JSON.stringify(value)}`);
  return checked(Number(m[1]), Number(m[2]), `${what} ${value}`);
}

/** The shard Cloud Run's task variables give, or undefined outside a job. */
export function shardFromEnv(env: NodeJS.ProcessEnv): Shard | undefined {
  const { CLOUD_RUN_TASK_INDEX: index, CLOUD_RUN_TASK_COUNT: count } = env;
  if (index === undefined && count === undefined) return undefined;
  const what = `CLOUD_RUN_TASK_INDEX=${index ?? ""} CLOUD_RUN_TASK_COUNT=${count ?? ""}`;
  return checked(wholeNumber(index ?? ""), wholeNumber(count ?? ""), what);
}
