/**
 * `npm run sync` against real servers on 127.0.0.1: docker-registry as the source, s3rver
 * as the bucket, and proxies in front of both to log, require tokens and inject faults.
 */
import { mkdtempSync, rmSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type Pushed, push, pushFixtures } from "../e2e/harness/images";
import { run } from "../e2e/harness/processes";
import { startProxy, type TestProxy, type TestProxyOptions } from "../e2e/harness/proxy";
import { type Registry, startRegistry } from "../e2e/harness/registry";
import { bucketContents, putObject, S3RVER_CREDENTIALS, type S3Server, startS3 } from "../e2e/harness/s3";

const ROOT = resolve(__dirname, "../..");
const PREFIX = "k8s-artifacts-prod/images";
const BUCKETS = ["dry", "full", "corrupt", "token", "flaky", "broken", "narrow", "resized", "google", "r2"];

let dir: string;
let registry: Registry;
let s3: S3Server;
let s3tap: TestProxy;
let pushed: Pushed;
const proxies: TestProxy[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "sync-test-"));
  // Assigned as each comes up, so afterAll stops whichever started even if the other failed.
  await Promise.all([startRegistry(dir).then((r) => (registry = r)), startS3(dir, BUCKETS).then((s) => (s3 = s))]);
  s3tap = await startProxy(s3.url);
  pushed = await pushFixtures(dir, registry.url, PREFIX);
  // A repository outside the prefix, which no sync of the prefix may touch.
  await push(pushed.layout, "etcd:3.5", `127.0.0.1:${registry.port}/other/unrelated:1`);
}, 60_000);

afterAll(async () => {
  await Promise.all([registry?.stop(), s3?.stop(), s3tap?.close(), ...proxies.map((p) => p.close())]);
  rmSync(dir, { recursive: true, force: true });
});

/** A proxy in front of the registry, closed in afterAll. */
async function front(options: TestProxyOptions): Promise<TestProxy> {
  const proxy = await startProxy(registry.url, options);
  proxies.push(proxy);
  return proxy;
}

function sync(source: string, bucket: string, ...args: string[]) {
  const cli = [require.resolve("tsx/cli"), join(ROOT, "tools/sync.ts")];
  const flags = ["--source", `${source}/${PREFIX}`, "--bucket", bucket, "--endpoint", s3tap.url, "--progress", "plain"];
  return run(process.execPath, [...cli, ...flags, ...args], S3RVER_CREDENTIALS);
}

const keys = (digests: Iterable<string>) => [...digests].map((d) => `containers/images/${d}`).sort();

/** The bucket's blobs (markers aside) are exactly these, byte for byte. */
async function expectHolds(bucket: string, digests: Iterable<string>) {
  const contents = await bucketContents(s3.url, bucket);
  expect([...contents.keys()].filter((k) => k.startsWith("containers/")).sort()).toEqual(keys(digests));
  for (const digest of digests) {
    expect(contents.get(`containers/images/${digest}`)).toEqual(pushed.blobs.get(digest)?.bytes);
  }
}

const isBlob = (req: IncomingMessage, digest: string) => req.url === `/v2/${PREFIX}/etcd/blobs/${digest}`;
const bigLayer = () =>
  [...(pushed.needs.get("etcd:3.5") ?? [])].find((d) => (pushed.blobs.get(d)?.size ?? 0) > 200_000);

it("a dry run lists what it would upload, anonymously, and writes nothing", async () => {
  const mark = s3tap.log.length;
  const result = await sync(registry.url, "dry");
  expect(result.stderr).not.toContain("failed:");
  expect(result.status).toBe(0);
  expect(result.stdout).toContain("dry run (nothing written; --apply uploads)");
  expect(result.stdout).toMatch(/manifests read: {2}4\n/);
  expect(result.stdout).toContain(`to upload:     ${pushed.blobs.size} (`);
  expect(result.stderr).toMatch(/^progress: blobs 8\/8, .* 8 to upload .*$/m);
  const requests = s3tap.log.slice(mark);
  // One HEAD of the bucket, one listing of its markers, then one HEAD per blob; nothing else.
  expect(requests.map((r) => `${r.method} ${decodeURIComponent(r.path)}`).sort()).toEqual(
    [
      "HEAD /dry/",
      "GET /dry/?list-type=2&prefix=sync/manifests/",
      ...[...pushed.blobs.keys()].map((d) => `HEAD /dry/containers/images/${d}`),
    ].sort(),
  );
  expect(requests.every((r) => !r.authorization)).toBe(true);
  expect((await bucketContents(s3.url, "dry")).size).toBe(0);
}, 30_000);

it("--apply copies every blob of every image under the prefix, byte for byte, and only those", async () => {
  const mark = registry.accessLog().length;
  const tapMark = s3tap.log.length;
  const result = await sync(registry.url, "full", "--apply");
  expect(result.status).toBe(0);
  // Every PUT is signed and carries the blob's SHA-256 for S3 to check (s3rver ignores it).
  const puts = s3tap.log.slice(tapMark).filter((r) => r.method === "PUT" && r.path.includes("/containers/images/"));
  expect(puts).toHaveLength(pushed.blobs.size);
  for (const put of puts) {
    const digest = decodeURIComponent(put.path).split("/containers/images/")[1] ?? "";
    expect(put.authorization).toBe(true);
    expect(put.headers["x-amz-checksum-sha256"]).toBe(Buffer.from(digest.slice(7), "hex").toString("base64"));
  }
  expect(result.stdout).toContain(`uploaded:      ${pushed.blobs.size} (`);
  expect(result.stdout).toMatch(/throughput: +[\d.]+ blobs\/s, [\d.]+ [kM]?B\/s/);
  await expectHolds("full", pushed.blobs.keys());
  // Discovered through the catalog; the repository outside the prefix is never read.
  const paths = (await registry.accessLogSince(mark)).map((e) => e.path);
  expect(paths).toContain("/v2/_catalog?n=1000");
  expect(paths.filter((p) => p.startsWith("/v2/other/"))).toEqual([]);
  expect(paths.filter((p) => p.includes("/blobs/")).sort()).toEqual(
    [...pushed.blobs.keys()]
      .map((d) => `/v2/${PREFIX}/${pushed.needs.get("etcd:3.5")?.has(d) ? "etcd" : "pause"}/blobs/${d}`)
      .sort(),
  );

  // A marker per manifest (the index, its two images, etcd's image), saying what it vouches for.
  const contents = await bucketContents(s3.url, "full");
  const markers = [...contents.keys()].filter((k) => k.startsWith("sync/manifests/")).sort();
  const manifests = [pushed.digests.get("pause:3.9"), ...pushed.platforms.keys(), pushed.digests.get("etcd:3.5")];
  expect(markers).toEqual(manifests.map((d) => `sync/manifests/${d}`).sort());
  const etcdMarker = JSON.parse(contents.get(`sync/manifests/${pushed.digests.get("etcd:3.5")}`)?.toString() ?? "{}");
  expect(new Set(etcdMarker.blobs)).toEqual(pushed.needs.get("etcd:3.5"));

  // Again: the markers say it is all there; the registry sees the catalog, a tag list per
  // repository and a manifest per tag (a plain registry names no digests), the bucket a
  // HEAD and one listing. No blob is looked at.
  const again = registry.accessLog().length;
  const tap = s3tap.log.length;
  const second = await sync(registry.url, "full", "--apply");
  expect(second.status).toBe(0);
  expect(second.stdout).toContain("already synced:  2 manifests (markers); 0 markers written");
  expect(second.stdout).toContain("blobs:           0 (0 B)");
  expect((await registry.accessLogSince(again)).map((e) => `${e.method} ${e.path}`).sort()).toEqual(
    [
      // The prefix's own tag list first: Artifact Registry would answer it with the tree.
      `GET /v2/${PREFIX}/tags/list?n=1000`,
      "GET /v2/_catalog?n=1000",
      `GET /v2/${PREFIX}/etcd/tags/list?n=1000`,
      `GET /v2/${PREFIX}/pause/tags/list?n=1000`,
      `GET /v2/${PREFIX}/etcd/manifests/3.5`,
      `GET /v2/${PREFIX}/pause/manifests/3.9`,
    ].sort(),
  );
  expect(s3tap.log.slice(tap).map((r) => r.method)).toEqual(["HEAD", "GET"]);

  // --full ignores the markers: every blob is HEADed, found whole, and nothing is written.
  const tapFull = s3tap.log.length;
  const full = await sync(registry.url, "full", "--apply", "--full");
  expect(full.status).toBe(0);
  expect(full.stdout).toContain(`present:       ${pushed.blobs.size} (`);
  expect(full.stdout).toContain("uploaded:      0 (0 B)");
  expect(s3tap.log.slice(tapFull).filter((r) => r.method === "PUT" && r.path.includes("/containers/"))).toEqual([]);
}, 30_000);

it("never uploads a corrupted source blob, copies the rest, and exits 1 naming it", async () => {
  const bad = bigLayer() as string;
  const flip = (body: Buffer) => {
    const copy = Buffer.from(body);
    copy.writeUInt8(copy.readUInt8(copy.length - 1) ^ 0xff, copy.length - 1);
    return copy;
  };
  // Same length, last byte wrong: only the digest can tell.
  const corrupting = await front({ rewrite: (req) => (isBlob(req, bad) ? flip : undefined) });
  const tap = s3tap.log.length;
  const result = await sync(corrupting.url, "corrupt", "--apply");
  expect(result.status).toBe(1);
  expect(result.stdout).toContain("failed:        1");
  expect(result.stdout).toMatch(new RegExp(`blob ${bad} \\(${PREFIX}/etcd\\): ${bad}: content hashes to sha256:`));
  await expectHolds(
    "corrupt",
    [...pushed.blobs.keys()].filter((d) => d !== bad),
  );
  // Not even started: no PUT for it ever reached the bucket.
  expect(s3tap.log.slice(tap).filter((r) => r.method === "PUT" && r.path.includes(bad.slice(7)))).toEqual([]);
}, 30_000);

it("walks Artifact Registry's way when the registry has it: tags/list children and untagged manifests", async () => {
  // Google's tags/list extension, as Artifact Registry answers it: the prefix lists its
  // child repositories, and each repository every manifest it holds, tagged or not. Here
  // pause shows no tags, only its amd64 image as an untagged manifest.
  const [amd64, amd64Blobs] = [...pushed.platforms][0] as [string, Set<string>];
  const listings: Record<string, object> = {
    [PREFIX]: { child: ["etcd", "pause"], manifest: {}, tags: [] },
    [`${PREFIX}/pause`]: { child: [], manifest: { [amd64]: { tag: [] } }, tags: [] },
  };
  const google = await front({
    intercept: (req, res) => {
      if (req.url?.startsWith("/v2/_catalog")) {
        res.writeHead(404).end();
        return true;
      }
      const listing = listings[/^\/v2\/(.+)\/tags\/list/.exec(req.url ?? "")?.[1] ?? ""];
      if (!listing) return false;
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(listing));
      return true;
    },
    rewrite: (req) =>
      req.url?.startsWith(`/v2/${PREFIX}/etcd/tags/list`)
        ? (body) => Buffer.from(JSON.stringify({ ...JSON.parse(body.toString()), child: [], manifest: {} }))
        : undefined,
  });
  const result = await sync(google.url, "google", "--apply");
  expect(result.stdout).not.toContain("failures");
  expect(result.status).toBe(0);
  await expectHolds("google", new Set([...(pushed.needs.get("etcd:3.5") ?? []), ...amd64Blobs]));
  expect(google.log.filter((r) => r.path.startsWith("/v2/_catalog"))).toEqual([]);
  expect(google.log.filter((r) => r.path.includes("/pause/manifests/")).map((r) => r.path)).toEqual([
    `/v2/${PREFIX}/pause/manifests/${amd64}`,
  ]);
}, 30_000);

it("fetches an anonymous token when the registry asks for one (Artifact Registry's flow)", async () => {
  const realm: { url?: string } = {};
  const scopes: string[] = [];
  const tokened = await front({
    intercept: (req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? "/", "http://x");
      if (url.pathname === "/token") {
        scopes.push(url.searchParams.get("scope") ?? "");
        res.writeHead(200, { "content-type": "application/json" }).end('{"token":"anon-token","expires_in":300}');
        return true;
      }
      if (req.headers.authorization === "Bearer anon-token") return false;
      const name = /^\/v2\/(.+)\/(?:manifests|blobs|tags)\//.exec(url.pathname)?.[1];
      res.writeHead(401, {
        "www-authenticate": `Bearer realm="${realm.url}/token",service="front",scope="repository:${name}:pull"`,
      });
      res.end('{"errors":[{"code":"UNAUTHORIZED"}]}');
      return true;
    },
  });
  realm.url = tokened.url;
  const result = await sync(tokened.url, "token", "--apply", "pause:3.9");
  expect(result.stderr).not.toContain("failed:");
  expect(result.status).toBe(0);
  await expectHolds("token", pushed.needs.get("pause:3.9") ?? []);
  // One token for the one repository, reused for every request after the first 401.
  expect(scopes).toEqual([`repository:${PREFIX}/pause:pull`]);
  const unauthorized = tokened.log.filter((r) => r.status === 401);
  expect(unauthorized).toHaveLength(1);
  expect(
    tokened.log.filter((r) => !r.path.startsWith("/token") && r.status === 200).every((r) => r.authorization),
  ).toBe(true);
}, 30_000);

it("retries 503 and 429 with backoff, and succeeds", async () => {
  const seen = new Map<string, number>();
  const flaky = await front({
    intercept: (req, res) => {
      const n = (seen.get(req.url ?? "") ?? 0) + 1;
      seen.set(req.url ?? "", n);
      if (n > 2) return false;
      if (req.url?.includes("/blobs/")) res.writeHead(429, { "retry-after": "0" }).end();
      else res.writeHead(503).end();
      return true;
    },
  });
  const result = await sync(flaky.url, "flaky", "--apply", "--retry-delay", "5", "etcd:3.5");
  expect(result.status).toBe(0);
  expect(result.stderr).toMatch(/retry 1 of GET \/v2\/.*\/manifests\/3\.5 in \d+ ms: GET .*: 503/);
  expect(result.stderr).toMatch(/retry 2 of GET sha256:\w+ in \d+ ms: GET .*: 429/);
  await expectHolds("flaky", pushed.needs.get("etcd:3.5") ?? []);
  for (const digest of pushed.needs.get("etcd:3.5") ?? []) {
    expect(flaky.log.filter((r) => r.path.endsWith(`/blobs/${digest}`)).map((r) => r.status)).toEqual([429, 429, 200]);
  }
}, 30_000);

it("gives up on a blob after --retries attempts, copies the rest, and exits 1", async () => {
  const bad = bigLayer() as string;
  const broken = await front({
    intercept: (req, res) => {
      if (!isBlob(req, bad)) return false;
      res.writeHead(500).end();
      return true;
    },
  });
  const result = await sync(broken.url, "broken", "--apply", "--retries", "3", "--retry-delay", "5", "etcd:3.5");
  expect(result.status).toBe(1);
  expect(result.stdout).toContain(`blob ${bad} (${PREFIX}/etcd): GET /v2/${PREFIX}/etcd/blobs/${bad}: 500`);
  expect(broken.log.filter((r) => r.path.endsWith(bad))).toHaveLength(3);
  await expectHolds(
    "broken",
    [...(pushed.needs.get("etcd:3.5") ?? [])].filter((d) => d !== bad),
  );
}, 30_000);

it("syncs just what a digest names, and reports a missing tag as a failure", async () => {
  const [amd64, blobs] = [...pushed.platforms][0] as [string, Set<string>];
  const result = await sync(registry.url, "narrow", "--apply", `pause@${amd64}`, "pause:no-such-tag");
  expect(result.status).toBe(1);
  expect(result.stdout).toContain(
    `${PREFIX}/pause:no-such-tag: GET /v2/${PREFIX}/pause/manifests/no-such-tag: 404 MANIFEST_UNKNOWN`,
  );
  await expectHolds("narrow", blobs);
}, 30_000);

it("replaces a mirror object whose size is wrong", async () => {
  const target = bigLayer() as string;
  await putObject(s3.url, "resized", `containers/images/${target}`, Buffer.from("truncated"));
  const result = await sync(registry.url, "resized", "--apply", "etcd:3.5");
  expect(result.status).toBe(0);
  expect(result.stderr).toContain(
    `${target}: the mirror holds 9 bytes, not ${pushed.blobs.get(target)?.size}: replacing it`,
  );
  await expectHolds("resized", pushed.needs.get("etcd:3.5") ?? []);
}, 30_000);

it("fills a Cloudflare R2-style endpoint: region auto, path-style, signed for auto", async () => {
  const tapMark = s3tap.log.length;
  const result = await sync(registry.url, "r2", "--region", "auto", "--apply", "pause");
  expect(result.status).toBe(0);
  const puts = s3tap.log.slice(tapMark).filter((r) => r.method === "PUT");
  expect(puts.length).toBeGreaterThan(0);
  for (const put of puts) {
    expect(put.path).toMatch(
      /^\/r2\/(containers\/images|sync\/manifests)\/sha256(:|%3A)[0-9a-f]{64}(\?x-id=PutObject)?$/,
    );
    expect(String(put.headers.authorization)).toMatch(/Credential=S3RVER\/\d{8}\/auto\/s3\/aws4_request/);
  }
  await expectHolds("r2", pushed.needs.get("pause:3.9") ?? []);
}, 30_000);

it("--sign signs a dry run's reads (R2 refuses anonymous ones) and still writes nothing", async () => {
  const tapMark = s3tap.log.length;
  const result = await sync(registry.url, "dry", "--sign", "pause");
  expect(result.status).toBe(0);
  expect(result.stdout).toContain("dry run (nothing written; --apply uploads)");
  const requests = s3tap.log.slice(tapMark);
  expect(requests.length).toBeGreaterThan(0);
  expect(requests.every((r) => r.authorization && (r.method === "HEAD" || r.method === "GET"))).toBe(true);
}, 30_000);

it("stops before reading the registry when the bucket is out of reach", async () => {
  const mark = registry.accessLog().length;
  const result = await sync(registry.url, "no-such-bucket", "--apply");
  expect(result.status).toBe(1);
  expect(result.stderr).toContain("bucket no-such-bucket: NotFound (404)");
  expect(await registry.accessLogSince(mark)).toEqual([]);
}, 30_000);

it.each([
  [["--bucket", "b"], "--source is required"],
  [["--source", "h/p"], "--bucket is required"],
  [
    ["--source", "h/p", "--bucket", "b", "--rate", "0"],
    '--rate must be a number from 0.01 to 100000 (requests per second), not "0"',
  ],
  [["--source", "h/p", "--bucket", "b", "--rate", "1e-12"], "--rate must be a number from 0.01 to 100000"],
  [
    ["--source", "h/p", "--bucket", "b", "--rate", "-1"],
    '--rate must be a number from 0.01 to 100000 (requests per second), not "-1"',
  ],
  [
    ["--source", "h/p", "--bucket", "b", "--progress-interval", "3000000"],
    '--progress-interval must be a number from 1 to 86400 (seconds), not "3000000"',
  ],
  [
    ["--source", "h/p", "--bucket", "b", "--concurrency", "0.5"],
    '--concurrency must be a whole number from 1 to 1024, not "0.5"',
  ],
  [
    ["--source", "h/p", "--bucket", "b", "--endpoint", "not a url"],
    '--endpoint "not a url" is not a URL like https://host[:port]',
  ],
  [
    ["--source", "h/p", "--bucket", "b", "--shard", "4/4"],
    "--shard 4/4: the task index must be a whole number from 0 to 3",
  ],
  [
    ["--source", "h/p", "--bucket", "b", "--multipart-threshold", "1KiB"],
    '--multipart-threshold must be a size from 5MiB to 5GiB (bytes, or with KiB/MiB/GiB), not "1KiB"',
  ],
  [["--source", "h/p", "--bucket", "b", "--report", "xml"], '--report must be text or json, not "xml"'],
  [["--source", "h/p", "--bucket", "b", "--nope"], "Unknown option '--nope'"],
  [["--source", "h/p", "--bucket", "b", "Bad:Name"], 'image "Bad:Name"'],
])(
  "usage errors exit 2 with the usage: %j",
  async (args, message) => {
    const result = await run(process.execPath, [require.resolve("tsx/cli"), join(ROOT, "tools/sync.ts"), ...args]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain("usage: npm run sync --");
  },
  30_000,
);

it("refuses a task index the job's environment gets wrong, and a rate too thin to share", async () => {
  const cli = [require.resolve("tsx/cli"), join(ROOT, "tools/sync.ts"), "--source", "h/p", "--bucket", "b"];
  const env = await run(process.execPath, cli, { CLOUD_RUN_TASK_INDEX: "2", CLOUD_RUN_TASK_COUNT: "2" });
  expect(env.status).toBe(2);
  expect(env.stderr).toContain(
    "CLOUD_RUN_TASK_INDEX=2 CLOUD_RUN_TASK_COUNT=2: the task index must be a whole number from 0 to 1",
  );
  const thin = await run(process.execPath, [...cli, "--rate", "0.05", "--shard", "0/10"]);
  expect(thin.status).toBe(2);
  expect(thin.stderr).toContain("--rate 0.05 shared by 10 tasks leaves 0.005 requests per second each");
}, 30_000);

it("asks for a region up front when neither --region nor the environment gives one", async () => {
  const cli = [require.resolve("tsx/cli"), join(ROOT, "tools/sync.ts"), "--source", "h/p", "--bucket", "b"];
  const noRegion = { AWS_REGION: "", AWS_DEFAULT_REGION: "", AWS_PROFILE: "", AWS_CONFIG_FILE: join(dir, "none") };
  const result = await run(process.execPath, cli, noRegion);
  expect(result.status).toBe(2);
  expect(result.stderr).toContain("no region for the bucket: pass --region, or set AWS_REGION");
}, 30_000);
