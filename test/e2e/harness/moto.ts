/**
 * A second S3 implementation, for what s3rver lacks: moto's server (Python; on these
 * machines) keeps multipart uploads open until completed or aborted, lists them and their
 * parts, honours If-None-Match on writes and reports SHA-256 checksums. Same lifecycle as
 * the other servers: a child process on a free loopback port, stopped in afterAll.
 */
import { CreateBucketCommand, ListMultipartUploadsCommand, S3Client } from "@aws-sdk/client-s3";
import { answers, freePort, type Server, startServer, waitFor } from "./processes";
import { contentsOf } from "./s3";

export interface MotoServer extends Server {
  readonly url: string;
  readonly client: S3Client;
  /** Keys of the multipart uploads still open in a bucket. */
  openUploads(bucket: string): Promise<string[]>;
  /** Every object in a bucket, key -> bytes. */
  contents(bucket: string): Promise<Map<string, Buffer>>;
}

/** Any credentials do for moto; these are what the sync under test gets in its environment. */
export const MOTO_CREDENTIALS = { AWS_ACCESS_KEY_ID: "moto", AWS_SECRET_ACCESS_KEY: "moto" };

export async function startMoto(buckets: string[]): Promise<MotoServer> {
  const port = await freePort();
  const server = startServer("moto_server", ["-H", "127.0.0.1", "-p", String(port)]);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor("moto_server", () => answers(`${url}/moto-api/`, (s) => s < 500), 30_000);
  } catch (e) {
    await server.stop();
    throw new Error(`${(e as Error).message}\n${server.output()}`);
  }
  const client = new S3Client({
    region: "us-east-1",
    endpoint: url,
    forcePathStyle: true,
    credentials: {
      accessKeyId: MOTO_CREDENTIALS.AWS_ACCESS_KEY_ID,
      secretAccessKey: MOTO_CREDENTIALS.AWS_SECRET_ACCESS_KEY,
    },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  for (const Bucket of buckets) await client.send(new CreateBucketCommand({ Bucket }));
  return {
    ...server,
    url,
    client,
    async openUploads(bucket) {
      const list = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
      return (list.Uploads ?? []).map((u) => u.Key ?? "");
    },
    contents: (bucket) => contentsOf(client, bucket),
    async stop() {
      client.destroy();
      await server.stop();
    },
  };
}
