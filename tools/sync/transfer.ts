/**
 * The blob phase: for each blob, ask the mirror whether it holds it whole; if not (and the
 * run applies), copy it from the registry, then check what the mirror now holds.
 *
 * Nothing unverified may appear under a blob's key, because the redirector sends clients
 * to whatever a HEAD finds there:
 * - Below --multipart-threshold a blob is spooled to a file through the digest check and
 *   PUT only when it matches: a streamed PUT would have sent the whole body before the
 *   last byte proves it right, and S3-compatible servers differ on what they keep of a
 *   bad or cut-off PUT (s3rver keeps both).
 * - From the threshold up it goes as a multipart upload, streamed a part at a time (no
 *   spool: a 5 GiB spool would be 5 GiB of memory on Cloud Run), each part with its own
 *   SHA-256. Parts are invisible until CompleteMultipartUpload, which is sent only once
 *   the whole stream has passed the digest check; on any failure, or an interruption,
 *   the upload is aborted. One left open by a killed run is resumed by the next: its
 *   parts that match ours byte for byte are kept.
 * - After every write, a HEAD checks the size (and the SHA-256 where the server reports
 *   one); a copy that is wrong is uploaded again.
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { mapLimit } from "./limits";
import { describeS3Error, isRetryableS3Error, type Mirror, statusOf, type UploadedPart } from "./mirror";
import type { Stats } from "./progress";
import type { Registry } from "./registry";
import { AttemptError, type RetryPolicy, withRetries } from "./retry";
import {
  checksumOf,
  checksumSha256,
  compositeChecksum,
  DigestVerifier,
  type Expected,
  partSizeFor,
  storedProblem,
} from "./verify";
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
  /** Blobs of at least this many bytes go up as multipart uploads. */
  multipartThreshold: number;
  partSize: number;
  /**
   * Aborted on SIGINT/SIGTERM: no new blob starts, downloads and multipart uploads stop
   * (and are aborted); a single PUT in flight finishes, so nothing is left cut off.
   */
  signal: AbortSignal;
  /** A blob is in the bucket, verified (present, or uploaded and checked). */
  onVerified?: (digest: string) => Promise<void>;
}

/** S3 errors as AttemptErrors, so the sync's retry decides on them like on registry errors. */
export async function s3Attempt<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof AttemptError) throw e;
    throw new AttemptError(`${what}: ${describeS3Error(e)}`, isRetryableS3Error(e), undefined, statusOf(e));
  }
}

const onRetry =
  (options: Pick<TransferOptions, "log">, what: string) => (error: Error, attempt: number, delay: number) =>
    options.log(`retry ${attempt} of ${what} in ${delay} ms: ${error.message}`);

/** One bucket request, retried on throttling, 5xx and network errors like every other. */
export function s3WithRetries<T>(
  options: { retry: RetryPolicy; log: (line: string) => void },
  what: string,
  fn: () => Promise<T>,
): Promise<T> {
  return withRetries(options.retry, () => s3Attempt(what, fn), onRetry(options, what));
}

/** Bytes that have passed a blob's digest check, fed to a consumer (a spool file or the part uploader). */
type Feed = (consume: (source: AsyncIterable<Buffer>) => Promise<void>) => Promise<void>;

function registryFeed(blob: BlobRef, options: TransferOptions): Feed {
  return async (consume) => {
    const body = await options.registry.blob(blob.repository, blob.digest);
    const verifier = new DigestVerifier(blob.digest, blob.size, (n) => {
      options.stats.streamedBytes += n;
    });
    await pipeline(body, verifier, consume);
  };
}

const fileFeed =
  (file: string): Feed =>
  (consume) =>
    pipeline(createReadStream(file), consume);

/** Checks what the mirror holds after a write; throws (retryably) when it is not the blob. */
async function verifyStored(digest: string, expected: Expected, options: TransferOptions): Promise<void> {
  const stored = await s3Attempt(`HEAD ${digest}`, () => options.mirror.head(digest));
  const problem = storedProblem(stored, expected);
  if (problem) {
    options.stats.reuploaded++;
    options.log(`${digest}: the mirror's copy ${problem} after upload: uploading it again`);
    throw new AttemptError(`verify ${digest}: the mirror's copy ${problem}`, true);
  }
}

/** One PUT of a spooled, verified file, checked afterwards; a wrong copy is overwritten. */
async function putWhole(digest: string, file: string, size: number, absent: boolean, options: TransferOptions) {
  let ifAbsent = absent;
  await withRetries(
    options.retry,
    async () => {
      const outcome = await s3Attempt(`PUT ${digest}`, () => options.mirror.put(digest, file, size, ifAbsent));
      if (outcome === "exists") options.stats.raced++;
      // A copy that fails the check is ours to replace, unconditionally.
      ifAbsent = false;
      await verifyStored(
        digest,
        { size, checksum: checksumSha256(digest), justWritten: outcome === "written" },
        options,
      );
    },
    onRetry(options, `PUT ${digest}`),
  );
}

/** md5 of a part: S3's ETag of a part, for resuming where the server lists no checksums. */
const md5 = (b: Buffer) => createHash("md5").update(b).digest("hex");

/**
 * A multipart upload fed from `feed`, parts of `partSize` (the last one shorter), uploaded
 * as they fill; completed only after the feed has ended without error.
 */
async function putInParts(digest: string, size: number, absent: boolean, feed: Feed, options: TransferOptions) {
  const { mirror, stats, retry, signal } = options;
  const partSize = partSizeFor(Math.max(size, 0), options.partSize);
  const open = await withRetries(
    retry,
    () => s3Attempt(`list uploads of ${digest}`, () => mirror.openUpload(digest)),
    onRetry(options, `list uploads of ${digest}`),
  );
  // An upload cut into other part sizes cannot be continued with ours.
  const reusable = open && [...open.parts].every(([n, p]) => p.size === partSize || n === open.parts.size);
  if (open && !reusable) await mirror.abortUpload(digest, open.uploadId).catch(() => undefined);
  const uploadId = reusable
    ? open.uploadId
    : await withRetries(
        retry,
        () => s3Attempt(`CreateMultipartUpload ${digest}`, () => mirror.createUpload(digest)),
        onRetry(options, `CreateMultipartUpload ${digest}`),
      );
  if (reusable) options.log(`${digest}: resuming an open multipart upload (${open.parts.size} parts there)`);
  const stored = reusable ? open.parts : new Map();
  const done = new Map<number, UploadedPart>();
  let completed = false;
  stats.multipart++;

  const sendPart = async (n: number, part: Buffer) => {
    const checksum = checksumOf(part);
    if (done.get(n)?.ChecksumSHA256 === checksum) return;
    const there = stored.get(n);
    const same = there?.checksumSha256
      ? there.checksumSha256 === checksum
      : there?.etag.replace(/"/g, "") === md5(part);
    if (there && there.size === part.length && same) {
      done.set(n, { PartNumber: n, ETag: there.etag, ChecksumSHA256: checksum });
      stats.partsReused++;
      return;
    }
    const uploaded = await withRetries(
      retry,
      () =>
        s3Attempt(`UploadPart ${n} of ${digest}`, () => mirror.uploadPart(digest, uploadId, n, part, checksum, signal)),
      onRetry(options, `UploadPart ${n} of ${digest}`),
    );
    done.set(n, uploaded);
    stats.partsUploaded++;
  };

  try {
    let parts = 0;
    await withRetries(
      retry,
      () =>
        feed(async (source) => {
          parts = 0;
          let chunks: Buffer[] = [];
          let filled = 0;
          for await (const chunk of source) {
            chunks.push(chunk);
            filled += chunk.length;
            while (filled >= partSize) {
              const all = Buffer.concat(chunks);
              await sendPart(++parts, all.subarray(0, partSize));
              chunks = [all.subarray(partSize)];
              filled -= partSize;
            }
          }
          if (filled > 0 || parts === 0) await sendPart(++parts, Buffer.concat(chunks));
        }),
      onRetry(options, `GET ${digest}`),
    );
    const list = [...done.values()].filter((p) => p.PartNumber <= parts).sort((a, b) => a.PartNumber - b.PartNumber);
    let outcome: "written" | "exists";
    try {
      outcome = await withRetries(
        retry,
        () =>
          s3Attempt(`CompleteMultipartUpload ${digest}`, () => mirror.completeUpload(digest, uploadId, list, absent)),
        onRetry(options, `CompleteMultipartUpload ${digest}`),
      );
    } catch (e) {
      // Another task completed (or aborted) the upload it shared with us: judge what is there.
      if (!(e instanceof AttemptError && e.status === 404)) throw e;
      outcome = "exists";
    }
    completed = true;
    if (outcome === "exists") stats.raced++;
    const expected: Expected = {
      size: Math.max(size, 0),
      checksum: checksumSha256(digest),
      composite: compositeChecksum(list.map((p) => p.ChecksumSHA256)),
      justWritten: outcome === "written",
    };
    // A wrong assembly is reported, not retried: a new upload would meet the same server.
    await verifyStored(digest, expected, options);
  } finally {
    if (!completed) {
      await mirror.abortUpload(digest, uploadId).then(
        () => options.log(`${digest}: multipart upload aborted`),
        (e) => options.log(`${digest}: could not abort multipart upload ${uploadId}: ${describeS3Error(e)}`),
      );
    }
  }
}

/** Downloads a blob through the digest check into a spool file; returns its size. */
async function spool(blob: BlobRef, file: string, options: TransferOptions): Promise<number> {
  await withRetries(
    options.retry,
    () => registryFeed(blob, options)((source) => pipeline(source as unknown as Readable, createWriteStream(file))),
    onRetry(options, `GET ${blob.digest}`),
  );
  return (await stat(file)).size;
}

async function transferOne(blob: BlobRef, options: TransferOptions): Promise<void> {
  const { mirror, retry, stats, log } = options;
  const stored = await withRetries(
    retry,
    () => s3Attempt(`HEAD ${blob.digest}`, () => mirror.head(blob.digest)),
    onRetry(options, `HEAD ${blob.digest}`),
  );
  const problem = storedProblem(stored, { size: blob.size, checksum: checksumSha256(blob.digest), justWritten: false });
  if (stored && !problem) {
    stats.present++;
    stats.presentBytes += stored.size;
    await options.onVerified?.(blob.digest);
    return;
  }
  if (stored) log(`${blob.digest}: the mirror ${problem}: replacing it`);
  if (!options.apply) {
    stats.transferred++;
    stats.transferredBytes += Math.max(0, blob.size);
    return;
  }
  const absent = stored === undefined;
  if (blob.size >= options.multipartThreshold) {
    await putInParts(blob.digest, blob.size, absent, registryFeed(blob, options), options);
    stats.transferredBytes += blob.size;
  } else {
    const file = join(options.spoolDir, blob.digest.replace(":", "-"));
    try {
      const size = await spool(blob, file, options);
      // Schema 1 gives no sizes: the spool tells whether it is a large blob after all.
      if (size >= options.multipartThreshold) await putInParts(blob.digest, size, absent, fileFeed(file), options);
      else await putWhole(blob.digest, file, size, absent, options);
      stats.transferredBytes += size;
    } finally {
      await rm(file, { force: true });
    }
  }
  stats.transferred++;
  if (stored) stats.replaced++;
  await options.onVerified?.(blob.digest);
}

/** Checks (and with `apply`, fills) every blob; returns what failed. Stops early when `signal` aborts. */
export async function transferBlobs(blobs: BlobRef[], options: TransferOptions): Promise<Failure[]> {
  const failures: Failure[] = [];
  const { stats } = options;
  await mapLimit(
    blobs,
    options.concurrency,
    async (blob) => {
      try {
        await transferOne(blob, options);
      } catch (e) {
        // An interruption is not the blob's failure: the next run picks it up.
        if (options.signal.aborted) return;
        stats.failed++;
        failures.push({ subject: `blob ${blob.digest} (${blob.repository})`, error: message(e) });
        options.log(`failed: blob ${blob.digest}: ${message(e)}`);
      }
      stats.checked++;
      stats.checkedBytes += Math.max(0, blob.size);
    },
    options.signal,
  );
  return failures;
}
