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
