/**
 * The blob phase: for each blob, ask the mirror whether it has it; if not (and the run
 * applies), download it through the digest verifier into a spool file, then upload it.
 *
 * Why spool instead of streaming straight into the PUT: the digest is only known to be
 * right after the last byte, and by then a streamed PUT has sent the whole body. Real S3
 * would still refuse it (ChecksumSHA256) and never stores a cut-off PUT, but S3-compatible
 * servers differ (s3rver ignores the checksum and keeps a cut-off body), so the one safe
 * rule is: nothing reaches the bucket before its digest checks out.
 */
import { createWriteStream } from "node:fs";
import { rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { mapLimit } from "./limits";
import { describeS3Error, isRetryableS3Error, type Mirror } from "./mirror";
import type { Stats } from "./progress";
import type { Registry } from "./registry";
import { AttemptError, type RetryPolicy, withRetries } from "./retry";
import { DigestVerifier } from "./verify";
import { type BlobRef, type Failure, message } from "./walk";

export interface TransferOptions {
  registry: Registry;
  mirror: Mirror;
  apply: boolean;
  concurrency: number;
  retry: RetryPolicy;
  spoolDir: string;
  stats: Stats;
  log: (line: string) => void;
}

/** S3 errors as AttemptErrors, so the sync's retry decides on them like on registry errors. */
async function s3Attempt<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw new AttemptError(`${what}: ${describeS3Error(e)}`, isRetryableS3Error(e));
  }
}

async function transferOne(blob: BlobRef, options: TransferOptions): Promise<void> {
  const { registry, mirror, retry, stats, log } = options;
  const onRetry = (what: string) => (error: Error, attempt: number, delay: number) =>
    log(`retry ${attempt} of ${what} in ${delay} ms: ${error.message}`);

  const stored = await withRetries(
    retry,
    () => s3Attempt(`HEAD ${blob.digest}`, () => mirror.size(blob.digest)),
    onRetry(`HEAD ${blob.digest}`),
  );
  if (stored !== undefined && (blob.size < 0 || stored === blob.size)) {
    stats.present++;
    stats.presentBytes += stored;
    return;
  }
  if (stored !== undefined) log(`${blob.digest}: the mirror holds ${stored} bytes, not ${blob.size}: replacing it`);
  if (!options.apply) {
    stats.transferred++;
    stats.transferredBytes += Math.max(0, blob.size);
    return;
  }

  const file = join(options.spoolDir, blob.digest.replace(":", "-"));
  try {
    await withRetries(
      retry,
      async () => {
        const body = await registry.blob(blob.repository, blob.digest);
        const verifier = new DigestVerifier(blob.digest, blob.size, (n) => {
          stats.streamedBytes += n;
        });
        await pipeline(body, verifier, createWriteStream(file));
      },
      onRetry(`GET ${blob.digest}`),
    );
    const { size } = await stat(file);
    await withRetries(
      retry,
      () => s3Attempt(`PUT ${blob.digest}`, () => mirror.put(blob.digest, file, size)),
      onRetry(`PUT ${blob.digest}`),
    );
    stats.transferred++;
    stats.transferredBytes += size;
  } finally {
    await rm(file, { force: true });
  }
}

/** Checks (and with `apply`, fills) every blob; returns what failed. */
export async function transferBlobs(blobs: BlobRef[], options: TransferOptions): Promise<Failure[]> {
  const failures: Failure[] = [];
  const { stats } = options;
  await mapLimit(blobs, options.concurrency, async (blob) => {
    try {
      await transferOne(blob, options);
    } catch (e) {
      stats.failed++;
      failures.push({ subject: `blob ${blob.digest} (${blob.repository})`, error: message(e) });
      options.log(`failed: blob ${blob.digest}: ${message(e)}`);
    }
    stats.checked++;
    stats.checkedBytes += Math.max(0, blob.size);
  });
  return failures;
}
