/**
 * The S3 stand-in: s3rver as a child process, one bucket per "region", path-style, data
 * in a temp dir (so a stopped server can be started again on the same port and data).
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { answers, freePort, type Server, startServer, waitFor } from "./processes";

/** s3rver accepts only these credentials (and unsigned requests). */
export const S3RVER_CREDENTIALS = { AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER" };

export interface S3Server extends Server {
  readonly port: number;
  readonly url: string;
}

export async function startS3(dir: string, buckets: string[], port?: number): Promise<S3Server> {
  const listen = port ?? (await freePort());
  const bin = join(createRequire(__filename).resolve("s3rver/package.json"), "..", "bin", "s3rver.js");
  const args = [bin, "--directory", join(dir, "s3-data"), "--address", "127.0.0.1", "--port", String(listen)];
  args.push("--silent", ...buckets.flatMap((b) => ["--configure-bucket", b]));
  const server = startServer(process.execPath, args);
  const url = `http://127.0.0.1:${listen}`;
  try {
    await waitFor("s3rver", () => answers(`${url}/${buckets[0]}`, (s) => s === 200));
  } catch (e) {
    await server.stop();
    throw new Error(`${(e as Error).message}\n${server.output()}`);
  }
  return { ...server, port: listen, url };
}

/** Every object in a bucket (via the S3 API, as a client sees it), key -> bytes. */
export async function bucketContents(url: string, bucket: string): Promise<Map<string, Buffer>> {
  const client = new S3Client({
    region: "us-east-1",
    endpoint: url,
    forcePathStyle: true,
    credentials: {
      accessKeyId: S3RVER_CREDENTIALS.AWS_ACCESS_KEY_ID,
      secretAccessKey: S3RVER_CREDENTIALS.AWS_SECRET_ACCESS_KEY,
    },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  try {
    return await contentsOf(client, bucket);
  } finally {
    client.destroy();
  }
}

/** Every object in a bucket through a given client, key -> bytes. */
export async function contentsOf(client: S3Client, bucket: string): Promise<Map<string, Buffer>> {
  const contents = new Map<string, Buffer>();
  const list = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
  for (const { Key } of list.Contents ?? []) {
    if (!Key) continue;
    const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key }));
    contents.set(Key, Buffer.from((await object.Body?.transformToByteArray()) ?? []));
  }
  return contents;
}

/** Puts one object (to seed or damage a mirror). */
export async function putObject(url: string, bucket: string, key: string, body: Buffer): Promise<void> {
  const res = await fetch(`${url}/${bucket}/${key}`, { method: "PUT", body });
  if (!res.ok) throw new Error(`PUT ${key}: ${res.status}`);
}

/** Deletes one object (a replica that missed a blob). */
export async function deleteObject(url: string, bucket: string, key: string): Promise<void> {
  const res = await fetch(`${url}/${bucket}/${key}`, { method: "DELETE" });
  if (!res.ok) throw new Error(`DELETE ${key}: ${res.status}`);
}
