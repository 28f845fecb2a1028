/** Content addressing: every byte the sync moves is checked against its digest. */
import { createHash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";

export class DigestMismatch extends Error {
  override name = "DigestMismatch";
}

/** Hex sha256 of some bytes, as `sha256:<hex>`. */
export function sha256Digest(bytes: Buffer | string): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** The `ChecksumSHA256` S3 wants: the digest's bytes, base64. */
export function checksumSha256(digest: string): string {
  return Buffer.from(digest.slice("sha256:".length), "hex").toString("base64");
}

/**
 * Passes bytes through while hashing them, and fails the stream (so whatever it feeds
 * never completes) when the total differs from the expected size (as soon as it is
 * exceeded) or the hash from the expected digest (at the end). `size` -1: unknown.
 */
export class DigestVerifier extends Transform {
  private readonly hash = createHash("sha256");
  private bytes = 0;

  constructor(
    private readonly digest: string,
    private readonly size: number,
    /** Hears the size of every chunk that passed (live progress). */
    private readonly onBytes?: (n: number) => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.size >= 0 && this.bytes > this.size) {
      done(new DigestMismatch(`${this.digest}: more than the ${this.size} bytes its descriptor gives`));
      return;
    }
    this.hash.update(chunk);
    this.onBytes?.(chunk.length);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    const actual = `sha256:${this.hash.digest("hex")}`;
    if (this.size >= 0 && this.bytes !== this.size) {
      done(new DigestMismatch(`${this.digest}: got ${this.bytes} bytes, its descriptor gives ${this.size}`));
    } else if (actual !== this.digest) {
      done(new DigestMismatch(`${this.digest}: content hashes to ${actual}`));
    } else {
      done();
    }
  }
}

/** S3's limit on the parts of one upload. */
export const MAX_PARTS = 10_000;

/** The part size for a blob: the one asked for, or larger when that would need more than 10,000 parts. */
export function partSizeFor(size: number, wanted: number): number {
  const MiB = 1024 * 1024;
  return Math.max(wanted, Math.ceil(size / MAX_PARTS / MiB) * MiB);
}

/** `ChecksumSHA256` of some bytes (base64 of the raw SHA-256). */
export function checksumOf(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("base64");
}

/** S3's checksum of a multipart object: SHA-256 over its parts' raw SHA-256s (shown as `<base64>-<parts>`). */
export function compositeChecksum(partChecksums: readonly string[]): string {
  const hash = createHash("sha256");
  for (const c of partChecksums) hash.update(Buffer.from(c, "base64"));
  return hash.digest("base64");
}

export interface StoredObject {
  size: number;
  checksumSha256?: string;
  checksumType?: string;
}

export interface Expected {
  /** -1: unknown (schema 1 descriptors give none). */
  size: number;
  /** The blob's ChecksumSHA256 (from its digest). */
  checksum: string;
  /** When we uploaded it in parts: the composite of our parts' checksums. */
  composite?: string;
  /**
   * We just wrote it, so any checksum the server reports must be ours. Otherwise (a
   * HEAD of what someone wrote before) only a whole-object checksum can be judged: a
   * composite one depends on part sizes we do not know.
   */
  justWritten: boolean;
}

/**
 * What is wrong with a stored blob, or undefined when it is whole: the size the
 * descriptor gives, and the SHA-256 where the server reports one.
 */
export function storedProblem(stored: StoredObject | undefined, expected: Expected): string | undefined {
  if (!stored) return "missing";
  if (expected.size >= 0 && stored.size !== expected.size) return `holds ${stored.size} bytes, not ${expected.size}`;
  if (!stored.checksumSha256) return undefined;
  const value = stored.checksumSha256.replace(/-\d+$/, "");
  if (value === expected.checksum || (expected.composite !== undefined && value === expected.composite)) {
    return undefined;
  }
  const judgeable = expected.justWritten || stored.checksumType === "FULL_OBJECT";
  return judgeable ? `has SHA-256 ${stored.checksumSha256}, not ${expected.checksum}` : undefined;
}
