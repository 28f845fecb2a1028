/**
 * The sync at the registry's scale, against real servers on 127.0.0.1: docker-registry as
 * the source; s3rver (which keeps a cut-off PUT under its key) and moto (which keeps
 * multipart uploads, lists them, and honours conditional writes) as buckets. Multipart
 * round trips, interruptions, repairs, shards, markers, the JSON report, and credentials
 * from a Google ID token.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { type Pushed, push, pushFixtures } from "../e2e/harness/images";
import { MOTO_CREDENTIALS, type MotoServer, startMoto } from "../e2e/harness/moto";
import { type RunResult, waitFor } from "../e2e/harness/processes";
import { startProxy, type TestProxy, type TestProxyOptions } from "../e2e/harness/proxy";
import { type Registry, startRegistry } from "../e2e/harness/registry";
import { bucketContents, S3RVER_CREDENTIALS, type S3Server, startS3 } from "../e2e/harness/s3";

const ROOT = resolve(__dirname, "../..");
const PREFIX = "k8s-artifacts-prod/images";
const MiB = 1024 * 1024;
const S3RVER_BUCKETS = ["mp", "cut", "repair", "ar", "federated"];
const MOTO_BUCKETS = ["mp-moto", "abort-moto", "resume-moto", "sharded"];
/** More repositories (copies of pause, flat and nested) for the shards to split. */
const EXTRA = ["alpha", "beta", "gamma", "team-a/agent", "team-a/server", "team-b/tool"];

let dir: string;
let registry: Registry;
let s3: S3Server;
let moto: MotoServer;
let pushed: Pushed;
const proxies: TestProxy[] = [];
const servers: Server[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "sync-scale-"));
  await Promise.all([
    startRegistry(dir).then((r) => (registry = r)),
    startS3(dir, S3RVER_BUCKETS).then((s) => (s3 = s)),
    startMoto(MOTO_BUCKETS).then((m) => (moto = m)),
  ]);
  // etcd's first layer is 12 MiB of random bytes: three 5 MiB parts (the last one short).
  pushed = await pushFixtures(dir, registry.url, PREFIX, { bigLayerBytes: 12 * MiB });
  const host = `127.0.0.1:${registry.port}/${PREFIX}`;
  for (const name of EXTRA) await push(pushed.layout, "pause:3.9", `${host}/${name}:3.9`);
}, 120_000);

afterAll(async () => {
  await Promise.all([
    registry?.stop(),
    s3?.stop(),
    moto?.stop(),
    ...proxies.map((p) => p.close()),
    ...servers.map((s) => new Promise((r) => s.close(r))),
  ]);
  rmSync(dir, { recursive: true, force: true });
});

async function proxy(target: string, options: TestProxyOptions = {}): Promise<TestProxy> {
  const p = await startProxy(target, options);
  proxies.push(p);
  return p;
}

interface Running {
  child: ChildProcess;
  result: Promise<RunResult>;
}

/** The sync as its own process (node --import tsx, so a signal reaches it and nothing else). */
function start(args: string[], env: NodeJS.ProcessEnv): Running {
  const started = performance.now();
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "tools/sync.ts"), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d) => {
    stdout += d;
  });
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  const result = once(child, "exit").then(([code]) => ({
    status: code as number | null,
    stdout,
    stderr,
    ms: performance.now() - started,
  }));
  return { child, result };
}

const flags = (source: string, bucket: string, endpoint: string) => [
  "--source",
  `${source}/${PREFIX}`,
  "--bucket",
  bucket,
  "--endpoint",
  endpoint,
  "--progress",
  "plain",
];

const sync = (endpoint: string, bucket: string, args: string[], env: NodeJS.ProcessEnv = S3RVER_CREDENTIALS) =>
  start([...flags(registry.url, bucket, endpoint), ...args], env).result;

const etcdNeeds = () => pushed.needs.get("etcd:3.5") ?? new Set<string>();
const bigLayer = () => [...etcdNeeds()].find((d) => (pushed.blobs.get(d)?.size ?? 0) > 10 * MiB) as string;
const bytesOf = (digest: string) => pushed.blobs.get(digest)?.bytes as Buffer;
const b64sha = (b: Buffer) => createHash("sha256").update(b).digest("base64");
const parts = (b: Buffer, size: number) =>
  Array.from({ length: Math.ceil(b.length / size) }, (_, i) => b.subarray(i * size, (i + 1) * size));
const isPart = (r: { method: string; path: string }) => r.method === "PUT" && r.path.includes("partNumber=");

/** Every object under containers/images/ is exactly the blob its key names (nothing partial). */
function expectWhole(contents: Map<string, Buffer>) {
  for (const [key, bytes] of contents) {
    if (!key.startsWith("containers/images/")) continue;
    expect([key, `sha256:${createHash("sha256").update(bytes).digest("hex")}`]).toEqual([key, key.slice(18)]);
  }
}

function expectBlobs(contents: Map<string, Buffer>, digests: Iterable<string>) {
  const keys = [...contents.keys()].filter((k) => k.startsWith("containers/images/"));
  expect(keys.sort()).toEqual([...digests].map((d) => `containers/images/${d}`).sort());
  expectWhole(contents);
}

const MULTIPART = ["--multipart-threshold", "5MiB", "--part-size", "5MiB"];

it("sends a blob over the multipart threshold in parts, each with its SHA-256, and it round-trips byte-identical", async () => {
  const tap = await proxy(s3.url);
  const result = await sync(tap.url, "mp", ["--apply", ...MULTIPART, "etcd:3.5"]);
  expect(result.stderr).not.toContain("failed:");
  expect(result.status).toBe(0);
  expect(result.stdout).toContain("multipart:     1 uploads, 3 parts sent, 0 kept from an open upload");
  const big = bigLayer();
  const key = `/mp/containers/images/${encodeURIComponent(big)}`;
  const requests = tap.log.filter((r) => r.path.startsWith(key));
  expect(requests.map((r) => `${r.method} ${r.path.slice(key.length).replace(/uploadId=\w+/, "uploadId=U")}`)).toEqual([
    "HEAD ",
    "POST ?uploads=",
    "PUT ?partNumber=1&uploadId=U&x-id=UploadPart",
    "PUT ?partNumber=2&uploadId=U&x-id=UploadPart",
    "PUT ?partNumber=3&uploadId=U&x-id=UploadPart",
    "POST ?uploadId=U",
    "HEAD ",
  ]);
  expect(requests.filter(isPart).map((r) => r.headers["x-amz-checksum-sha256"])).toEqual(
    parts(bytesOf(big), 5 * MiB).map(b64sha),
  );
  expect(requests.find((r) => r.path.includes("?uploads"))?.headers["x-amz-checksum-algorithm"]).toBe("SHA256");
  expectBlobs(await bucketContents(s3.url, "mp"), etcdNeeds());
}, 60_000);

it("on an S3 that keeps uploads (moto): the object carries the composite SHA-256 and no upload stays open", async () => {
  const result = await sync(moto.url, "mp-moto", ["--apply", ...MULTIPART, "etcd:3.5"], MOTO_CREDENTIALS);
  expect(result.status).toBe(0);
  expectBlobs(await moto.contents("mp-moto"), etcdNeeds());
  expect(await moto.openUploads("mp-moto")).toEqual([]);
  const big = bigLayer();
  const head = await moto.client.send(
    new HeadObjectCommand({ Bucket: "mp-moto", Key: `containers/images/${big}`, ChecksumMode: "ENABLED" }),
  );
  const composite = createHash("sha256")
    .update(Buffer.concat(parts(bytesOf(big), 5 * MiB).map((p) => createHash("sha256").update(p).digest())))
    .digest("base64");
  expect(head.ChecksumSHA256?.replace(/-3$/, "")).toBe(composite);
}, 60_000);

it("aborts a multipart upload it is interrupted in: nothing visible, nothing left open; the re-run completes", async () => {
  // Parts crawl at 2 MiB/s, so the interruption lands between parts.
  const slow = await proxy(moto.url, {
    throttleRequest: (req) => (req.url?.includes("partNumber=") ? 2 * MiB : undefined),
  });
  const running = start(
    [...flags(registry.url, "abort-moto", slow.url), "--apply", ...MULTIPART, "etcd:3.5"],
    MOTO_CREDENTIALS,
  );
  await waitFor("the first part to land", async () => slow.log.some((r) => isPart(r) && r.status === 200), 60_000);
  running.child.kill("SIGTERM");
  const result = await running.result;
  expect(result.status).toBe(143);
  expect(result.stderr).toContain("interrupted (SIGTERM)");
  expect(result.stderr).toContain(`${bigLayer()}: multipart upload aborted`);
  expect(result.stdout).toContain("INTERRUPTED by SIGTERM");
  expect(slow.log.filter((r) => r.method === "DELETE" && r.path.includes("uploadId="))).toHaveLength(1);
  expect(await moto.openUploads("abort-moto")).toEqual([]);
  expect([...(await moto.contents("abort-moto")).keys()]).not.toContain(`containers/images/${bigLayer()}`);

  const again = await sync(moto.url, "abort-moto", ["--apply", ...MULTIPART, "etcd:3.5"], MOTO_CREDENTIALS);
  expect(again.status).toBe(0);
  expectBlobs(await moto.contents("abort-moto"), etcdNeeds());
}, 90_000);

it("resumes an upload a killed run left open, keeping the parts that match", async () => {
  const big = bigLayer();
  const Key = `containers/images/${big}`;
  const open = await moto.client.send(
    new CreateMultipartUploadCommand({ Bucket: "resume-moto", Key, ChecksumAlgorithm: "SHA256" }),
  );
  const first = parts(bytesOf(big), 5 * MiB)[0] as Buffer;
  await moto.client.send(
    new UploadPartCommand({
      Bucket: "resume-moto",
      Key,
      UploadId: open.UploadId,
      PartNumber: 1,
      Body: first,
      ChecksumSHA256: b64sha(first),
    }),
  );
  const result = await sync(moto.url, "resume-moto", ["--apply", ...MULTIPART, "etcd:3.5"], MOTO_CREDENTIALS);
  expect(result.status).toBe(0);
  expect(result.stderr).toContain(`${big}: resuming an open multipart upload (1 parts there)`);
  expect(result.stdout).toContain("multipart:     1 uploads, 2 parts sent, 1 kept from an open upload");
  expectBlobs(await moto.contents("resume-moto"), etcdNeeds());
  const left = await moto.client.send(new ListMultipartUploadsCommand({ Bucket: "resume-moto" }));
  expect(left.Uploads ?? []).toEqual([]);
}, 60_000);

it("an interrupted run leaves nothing partial under a final key (on s3rver, which would keep it); the re-run completes", async () => {
  // The 12 MiB layer is one PUT at the default threshold; it crawls at 6 MiB/s.
  const big = bigLayer();
  const slow = await proxy(s3.url, {
    throttleRequest: (req) => (req.url?.includes(big.slice(7)) ? 6 * MiB : undefined),
  });
  const running = start([...flags(registry.url, "cut", slow.url), "--apply", "etcd:3.5"], S3RVER_CREDENTIALS);
  await waitFor(
    "the big PUT to start",
    async () => slow.log.some((r) => r.method === "PUT" && r.path.includes(big.slice(7))),
    60_000,
  );
  running.child.kill("SIGTERM");
  const result = await running.result;
  expect(result.status).toBe(143);
  expect(result.stderr).toContain("finishing uploads in flight");
  expectWhole(await bucketContents(s3.url, "cut"));

  const again = await sync(s3.url, "cut", ["--apply", "etcd:3.5"]);
  expect(again.status).toBe(0);
  expectBlobs(await bucketContents(s3.url, "cut"), etcdNeeds());
}, 90_000);

it("checks every upload and sends again a copy the server kept cut off", async () => {
  const big = bigLayer();
  let cut = false;
  // The first PUT of the big layer reaches s3rver with 1000 bytes, and s3rver answers 200.
  const lossy = await proxy(s3.url, {
    truncateRequest: (req) => {
      if (cut || req.method !== "PUT" || !req.url?.includes(big.slice(7))) return undefined;
      cut = true;
      return 1000;
    },
  });
  const result = await sync(lossy.url, "repair", ["--apply", "etcd:3.5"]);
  expect(result.status).toBe(0);
  expect(result.stderr).toContain(
    `${big}: the mirror's copy holds 1000 bytes, not ${bytesOf(big).length} after upload: uploading it again`,
  );
  expect(result.stdout).toContain("re-sent after a failed check");
  expect(lossy.log.filter((r) => r.method === "PUT" && r.path.includes(big.slice(7)))).toHaveLength(2);
  expectBlobs(await bucketContents(s3.url, "repair"), etcdNeeds());
}, 60_000);

interface ReportLine {
  severity: string;
  task: { index: number; count: number };
  exitCode: number;
  repositories: number;
  manifests: { read: number; skippedByMarker: number; markersWritten: number };
  blobs: { walked: number; uploaded: number; present: number; raced: number; failed: number };
  requests: {
    registry: number;
    registryRatePerSecond: number;
    bucket: number;
    bucketByOperation: Record<string, number>;
  };
  failures: unknown[];
}

const report = (r: RunResult) => {
  expect(r.stderr).not.toContain("failed:");
  const lines = r.stdout.trim().split("\n");
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0] as string) as ReportLine;
};

it("three shards: each repository read by exactly one task, the rate split, a JSON report from each", async () => {
  const tap = await proxy(registry.url);
  const mark = tap.log.length;
  const results = await Promise.all(
    [0, 1, 2].map(
      (i) =>
        start([...flags(tap.url, "sharded", moto.url), "--apply", "--report", "json", "--rate", "300"], {
          ...MOTO_CREDENTIALS,
          CLOUD_RUN_TASK_INDEX: String(i),
          CLOUD_RUN_TASK_COUNT: "3",
        }).result,
    ),
  );
  const reports = results.map(report);
  expect(reports.map((r) => [r.task, r.exitCode, r.requests.registryRatePerSecond])).toEqual(
    [0, 1, 2].map((index) => [{ index, count: 3 }, 0, 100]),
  );
  const repositories = ["etcd", "pause", ...EXTRA].map((n) => `${PREFIX}/${n}`);
  expect(reports.reduce((n, r) => n + r.repositories, 0)).toBe(repositories.length);
  const tagLists = tap.log
    .slice(mark)
    .filter((r) => r.path.endsWith("/tags/list?n=1000") && r.path !== `/v2/${PREFIX}/tags/list?n=1000`);
  expect(tagLists.map((r) => r.path).sort()).toEqual(repositories.map((n) => `/v2/${n}/tags/list?n=1000`).sort());
  // The pause copies share their blobs across shards: a conditional write keeps each to one copy.
  expectBlobs(await moto.contents("sharded"), pushed.blobs.keys());
  const written = reports.reduce((n, r) => n + r.blobs.uploaded, 0);
  expect(written).toBeGreaterThanOrEqual(pushed.blobs.size);
  expect(written - reports.reduce((n, r) => n + r.blobs.raced, 0)).toBeLessThanOrEqual(pushed.blobs.size);

  // Changing the task count re-deals repositories and re-sends nothing.
  const again = await Promise.all(
    [0, 1].map(
      (i) =>
        start(
          [...flags(registry.url, "sharded", moto.url), "--apply", "--report", "json", "--shard", `${i}/2`],
          MOTO_CREDENTIALS,
        ).result,
    ),
  );
  for (const r of again.map(report)) {
    expect([r.exitCode, r.blobs.walked, r.blobs.uploaded, r.requests.bucketByOperation.PutObject ?? 0]).toEqual([
      0, 0, 0, 0,
    ]);
  }
}, 120_000);

/**
 * Artifact Registry's tags/list, emulated in front of docker-registry: a listing names the
 * child repositories and every manifest (index children included) with its tags.
 */
async function googleListings(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const name = /^\/v2\/(.+)\/tags\/list/.exec(req.url ?? "")?.[1] ?? "";
  const get = async (path: string, accept = "*/*") => fetch(`${registry.url}${path}`, { headers: { accept } });
  const catalog = ((await (await get("/v2/_catalog?n=1000")).json()) as { repositories: string[] }).repositories;
  const child = [
    ...new Set(catalog.filter((r) => r.startsWith(`${name}/`)).map((r) => r.slice(name.length + 1).split("/")[0])),
  ];
  const manifest: Record<string, { tag: string[] }> = {};
  let tags: string[] = [];
  if (catalog.includes(name)) {
    tags = ((await (await get(`/v2/${name}/tags/list`)).json()) as { tags: string[] }).tags;
    const accept =
      "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";
    for (const tag of tags) {
      const m = await get(`/v2/${name}/manifests/${tag}`, accept);
      const digest = m.headers.get("docker-content-digest") as string;
      manifest[digest] = { tag: [...(manifest[digest]?.tag ?? []), tag] };
      for (const c of ((await m.json()) as { manifests?: { digest: string }[] }).manifests ?? []) {
        manifest[c.digest] ??= { tag: [] };
      }
    }
  }
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ name, child, manifest, tags }));
}

it("a no-op re-run on Artifact Registry costs one registry request per repository and nothing per manifest", async () => {
  const google = await proxy(registry.url, {
    intercept: (req, res) => {
      if (!/\/tags\/list/.test(req.url ?? "")) return false;
      googleListings(req, res).catch(() => res.destroy());
      return true;
    },
  });
  const viaGoogle = () =>
    start([...flags(google.url, "ar", s3.url), "--apply", "--report", "json"], S3RVER_CREDENTIALS);
  const first = report(await viaGoogle().result);
  expect([first.exitCode, first.blobs.failed, first.blobs.uploaded]).toEqual([0, 0, pushed.blobs.size]);
  const repositories = 2 + EXTRA.length;

  const mark = google.log.length;
  const noop = report(await viaGoogle().result);
  const requests = google.log.slice(mark);
  // The prefix's listing (the tree), then one per repository; the team-a and team-b
  // namespaces are listings too, as on Artifact Registry.
  expect(requests.every((r) => r.path.endsWith("/tags/list?n=1000"))).toBe(true);
  expect(requests).toHaveLength(1 + 2 + repositories);
  expect(noop.requests.registry).toBe(requests.length);
  expect(noop.manifests).toEqual({ read: 0, skippedByMarker: expect.any(Number), markersWritten: 0 });
  expect(noop.blobs.walked).toBe(0);
  // The bucket: HeadBucket and one page of markers.
  expect(noop.requests.bucketByOperation).toEqual({ HeadBucket: 1, ListObjectsV2: 1 });
}, 90_000);

async function listen(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<string> {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => handler(req, body, res));
  });
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

it("writes as the role it assumes with a Google ID token from the metadata server (no AWS keys anywhere)", async () => {
  const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJzdHMuYW1hem9uYXdzLmNvbSJ9.c2lnbmF0dXJl";
  const metadataSeen: { url?: string; flavor?: string }[] = [];
  const metadata = await listen((req, _body, res) => {
    metadataSeen.push({ url: req.url, flavor: req.headers["metadata-flavor"] as string });
    if (req.headers["metadata-flavor"] !== "Google") return void res.writeHead(403).end();
    res.writeHead(200, { "content-type": "text/plain" }).end(jwt);
  });
  const stsSeen: URLSearchParams[] = [];
  const sts = await listen((_req, body, res) => {
    stsSeen.push(new URLSearchParams(body));
    const expiry = new Date(Date.now() + 3600_000).toISOString();
    res
      .writeHead(200, { "content-type": "text/xml" })
      .end(
        `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult>` +
          `<Credentials><AccessKeyId>S3RVER</AccessKeyId><SecretAccessKey>S3RVER</SecretAccessKey>` +
          `<SessionToken>session-from-google</SessionToken><Expiration>${expiry}</Expiration></Credentials>` +
          `<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/writer/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser>` +
          `</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>`,
      );
  });
  const tap = await proxy(s3.url);
  const result = await sync(tap.url, "federated", ["--apply", "pause:3.9"], {
    AWS_ACCESS_KEY_ID: "",
    AWS_SECRET_ACCESS_KEY: "",
    AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/writer",
    SYNC_ID_TOKEN_AUDIENCE: "sts.amazonaws.com",
    GCE_METADATA_HOST: metadata,
    AWS_ENDPOINT_URL_STS: `http://${sts}`,
    CLOUD_RUN_EXECUTION: "sync-abc",
  });
  expect(result.stderr).not.toContain("failed:");
  expect(result.stderr).not.toContain("WARN");
  expect(result.status).toBe(0);
  expect(metadataSeen[0]).toEqual({
    url: "/computeMetadata/v1/instance/service-accounts/default/identity?audience=sts.amazonaws.com&format=full",
    flavor: "Google",
  });
  expect(Object.fromEntries(stsSeen[0] ?? [])).toMatchObject({
    Action: "AssumeRoleWithWebIdentity",
    RoleArn: "arn:aws:iam::123456789012:role/writer",
    WebIdentityToken: jwt,
    RoleSessionName: "registry-sync-sync-abc-0",
  });
  const writes = tap.log.filter((r) => r.method === "PUT");
  expect(writes.length).toBeGreaterThan(0);
  expect(writes.every((r) => r.headers["x-amz-security-token"] === "session-from-google")).toBe(true);
  expectBlobs(await bucketContents(s3.url, "federated"), pushed.needs.get("pause:3.9") ?? []);
}, 60_000);
