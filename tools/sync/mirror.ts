/** The mirror bucket: which blobs it holds, and writing verified blobs into it. */
import { createReadStream } from "node:fs";
import {
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { blobKey } from "./reference";
import { isRetryableStatus, isTransientNetworkError } from "./retry";
import { checksumSha256 } from "./verify";

export interface MirrorOptions {
  bucket: string;
  /** Defaults to the SDK's own resolution (AWS_REGION, profile). */
  region?: string;
  /** An S3-compatible server; implies path-style addressing. */
  endpoint?: string;
  /** Unsigned requests: what a dry run uses, so it cannot write and needs no credentials. */
  anonymous: boolean;
}

export function s3Client(options: MirrorOptions): S3Client {
  return new S3Client({
    ...(options.region ? { region: options.region } : options.endpoint ? { region: "us-east-1" } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
    // Checksums only when an operation requires them: we send ChecksumSHA256 ourselves, and
    // the default (aws-chunked trailers on streamed bodies) is stored verbatim, framing and
    // all, by S3-compatible servers that do not speak it.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    // One attempt per call: the sync's own retries reopen the body, which the SDK cannot.
    maxAttempts: 1,
    // The SDK has no anonymous mode; a signer that leaves requests alone is the known way
    // (aws/aws-sdk-js-v3#2321), and fixed credentials keep the chain from being consulted.
    ...(options.anonymous
      ? { signer: { sign: async (r) => r }, credentials: { accessKeyId: "anonymous", secretAccessKey: "anonymous" } }
      : {}),
  });
}

/** Whether an S3 failure is worth another attempt: throttling, 5xx, or the network. */
export function isRetryableS3Error(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  return (
    (status !== undefined && isRetryableStatus(status)) ||
    isTransientNetworkError(error) ||
    (error as { $retryable?: unknown })?.$retryable !== undefined ||
    (error as Error)?.name === "TimeoutError"
  );
}

/** `NotFound (404): ...`: an S3 error in one line. */
export function describeS3Error(error: unknown): string {
  const e = error as Error & { $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  const detail = e.message && e.message !== e.name && e.message !== "UnknownError" ? `: ${e.message}` : "";
  return `${e.name}${status ? ` (${status})` : ""}${detail}`;
}

export class Mirror {
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
  ) {}

  /**
   * Fails early, before a long walk, when the bucket is missing or out of reach (wrong
   * region, no credentials): HeadBucket needs only the ListBucket the mirrors grant.
   */
  async check(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (e) {
      throw new Error(`bucket ${this.bucket}: ${describeS3Error(e)}`);
    }
  }

  /** The stored size of a blob, or undefined when the bucket does not have it. */
  async size(digest: string): Promise<number | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: blobKey(digest) }));
      return head.ContentLength ?? 0;
    } catch (e) {
      // Missing is 404 (NotFound) for anyone allowed to list the bucket; a 403 is a real
      // permission problem and must not read as "absent".
      if (e instanceof S3ServiceException && e.$metadata.httpStatusCode === 404) return undefined;
      throw e;
    }
  }

  /**
   * Uploads a blob from a file already verified against its digest. S3 checks the body
   * against ChecksumSHA256 too, so what it stores is exactly the blob.
   */
  async put(digest: string, file: string, size: number): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: blobKey(digest),
        Body: createReadStream(file),
        ContentLength: size,
        ChecksumSHA256: checksumSha256(digest),
        ContentType: "application/octet-stream",
      }),
    );
  }
}
