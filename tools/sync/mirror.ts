/** The mirror bucket: which blobs it holds, and writing verified blobs into it. */
import { createReadStream } from "node:fs";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { blobKey, DIGEST, MARKER_PREFIX, markerKey } from "./reference";
import { isRetryableStatus, isTransientNetworkError } from "./retry";
import { checksumSha256, type StoredObject } from "./verify";

export interface MirrorOptions {
  bucket: string;
  /** Defaults to the SDK's own resolution (AWS_REGION, profile). */
  region?: string;
  /** An S3-compatible server; implies path-style addressing. */
  endpoint?: string;
  /** Unsigned requests: what a dry run uses, so it cannot write and needs no credentials. */
  anonymous: boolean;
  /** Credentials for a signed client; default: the SDK's chain. */
  credentials?: S3ClientConfig["credentials"];
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
      : options.credentials
        ? { credentials: options.credentials }
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

export const statusOf = (error: unknown) =>
  (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;

/** `NotFound (404): ...`: an S3 error in one line. */
export function describeS3Error(error: unknown): string {
  const e = error as Error & { $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  const detail = e.message && e.message !== e.name && e.message !== "UnknownError" ? `: ${e.message}` : "";
  return `${e.name}${status ? ` (${status})` : ""}${detail}`;
}

/** A part as the server holds it: what a resumed upload compares its own parts with. */
export interface StoredPart {
  size: number;
  etag: string;
  checksumSha256?: string;
}

/** A multipart upload left open (by an interrupted run), to resume. */
export interface OpenUpload {
  uploadId: string;
  parts: Map<number, StoredPart>;
}

export interface UploadedPart {
  PartNumber: number;
  ETag: string;
  ChecksumSHA256: string;
}

/**
 * How a conditional write ended: written, or refused because the key now exists
 * (another task got there first: 412, or 409 while its write was in progress).
 */
export type WriteOutcome = "written" | "exists";

const CONDITION_FAILED = new Set([409, 412]);

/** A server without an operation answers 501 (NotImplemented) or 405; s3rver does for listings of uploads. */
const UNSUPPORTED = new Set([405, 501]);

export class Mirror {
  /** Requests sent, by operation (HeadObject, PutObject, ...), for the report. */
  readonly requests: Record<string, number> = {};

  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
  ) {
    client.middlewareStack.add(
      (next, context) => (args) => {
        const name = (context.commandName ?? "unknown").replace(/Command$/, "");
        this.requests[name] = (this.requests[name] ?? 0) + 1;
        return next(args);
      },
      { step: "initialize", name: "countRequests" },
    );
  }

  /**
   * Fails early, before a long walk, when the bucket is missing or out of reach (wrong
   * region, no credentials): HeadBucket needs only the ListBucket the mirrors grant.
   */
  async check(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
  }

  /** What the bucket holds for a blob, or undefined when it has nothing. */
  async head(digest: string): Promise<StoredObject | undefined> {
    try {
      const head = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: blobKey(digest), ChecksumMode: "ENABLED" }),
      );
      return {
        size: head.ContentLength ?? 0,
        ...(head.ChecksumSHA256 ? { checksumSha256: head.ChecksumSHA256 } : {}),
        ...(head.ChecksumType ? { checksumType: head.ChecksumType } : {}),
      };
    } catch (e) {
      // Missing is 404 (NotFound) for anyone allowed to list the bucket; a 403 is a real
      // permission problem and must not read as "absent".
      if (statusOf(e) === 404) return undefined;
      throw e;
    }
  }

  /**
   * Uploads a blob from a file already verified against its digest, in one PUT. S3 checks
   * the body against ChecksumSHA256 too. `ifAbsent`: only if the key does not exist yet.
   */
  async put(digest: string, file: string, size: number, ifAbsent: boolean): Promise<WriteOutcome> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: blobKey(digest),
          Body: createReadStream(file),
          ContentLength: size,
          ChecksumSHA256: checksumSha256(digest),
          ContentType: "application/octet-stream",
          ...(ifAbsent ? { IfNoneMatch: "*" } : {}),
        }),
      );
      return "written";
    } catch (e) {
      if (ifAbsent && CONDITION_FAILED.has(statusOf(e) ?? 0)) return "exists";
      throw e;
    }
  }

  /** Starts a multipart upload whose parts each carry a SHA-256. */
  async createUpload(digest: string): Promise<string> {
    const res = await this.client.send(
      new CreateMultipartUploadCommand({
        Bucket: this.bucket,
        Key: blobKey(digest),
        ChecksumAlgorithm: "SHA256",
        ContentType: "application/octet-stream",
      }),
    );
    if (!res.UploadId) throw new Error(`CreateMultipartUpload for ${digest} returned no UploadId`);
    return res.UploadId;
  }

  async uploadPart(
    digest: string,
    uploadId: string,
    partNumber: number,
    body: Buffer,
    checksum: string,
    signal?: AbortSignal,
  ): Promise<UploadedPart> {
    const res = await this.client.send(
      new UploadPartCommand({
        Bucket: this.bucket,
        Key: blobKey(digest),
        UploadId: uploadId,
        PartNumber: partNumber,
        Body: body,
        ContentLength: body.length,
        ChecksumSHA256: checksum,
      }),
      { abortSignal: signal },
    );
    return { PartNumber: partNumber, ETag: res.ETag ?? "", ChecksumSHA256: checksum };
  }

  /** Completes an upload; nothing is visible under the key before this. */
  async completeUpload(
    digest: string,
    uploadId: string,
    parts: UploadedPart[],
    ifAbsent: boolean,
  ): Promise<WriteOutcome> {
    try {
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: blobKey(digest),
          UploadId: uploadId,
          MultipartUpload: { Parts: parts },
          ...(ifAbsent ? { IfNoneMatch: "*" } : {}),
        }),
      );
      return "written";
    } catch (e) {
      if (ifAbsent && CONDITION_FAILED.has(statusOf(e) ?? 0)) return "exists";
      throw e;
    }
  }

  /** Throws away an upload's parts, so they stop being billed. */
  async abortUpload(digest: string, uploadId: string): Promise<void> {
    await this.client.send(
      new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: blobKey(digest), UploadId: uploadId }),
    );
  }

  /**
   * The newest open upload of a blob and its parts, to resume; undefined when there is
   * none, or the server cannot list uploads (s3rver).
   */
  async openUpload(digest: string): Promise<OpenUpload | undefined> {
    const key = blobKey(digest);
    try {
      const list = await this.client.send(new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: key }));
      const uploads = (list.Uploads ?? []).filter((u) => u.Key === key && u.UploadId);
      uploads.sort((a, b) => (b.Initiated?.getTime() ?? 0) - (a.Initiated?.getTime() ?? 0));
      const uploadId = uploads[0]?.UploadId;
      if (!uploadId) return undefined;
      const parts = new Map<number, StoredPart>();
      let marker: string | undefined;
      do {
        const page = await this.client.send(
          new ListPartsCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, PartNumberMarker: marker }),
        );
        for (const p of page.Parts ?? []) {
          if (p.PartNumber === undefined) continue;
          parts.set(p.PartNumber, {
            size: p.Size ?? -1,
            etag: p.ETag ?? "",
            ...(p.ChecksumSHA256 ? { checksumSha256: p.ChecksumSHA256 } : {}),
          });
        }
        marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
      } while (marker);
      return { uploadId, parts };
    } catch (e) {
      if (UNSUPPORTED.has(statusOf(e) ?? 0)) return undefined;
      throw e;
    }
  }

  /** Digests of the manifests the bucket has markers for. */
  async markers(): Promise<Set<string>> {
    const found = new Set<string>();
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: MARKER_PREFIX, ContinuationToken: token }),
      );
      for (const { Key } of page.Contents ?? []) {
        const digest = Key?.slice(MARKER_PREFIX.length);
        if (digest && DIGEST.test(digest)) found.add(digest);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return found;
  }

  /** Records that every blob of a manifest is in the bucket, verified. */
  async putMarker(digest: string, body: string): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: markerKey(digest),
        Body: body,
        ContentType: "application/json",
      }),
    );
  }
}
