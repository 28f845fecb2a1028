/**
 * `npm run sync`: copies every blob the named images need from the source registry into
 * a mirror bucket, as `containers/images/<digest>`. A dry run unless --apply.
 *
 *   npm run sync -- --source us-central1-docker.pkg.dev/k8s-artifacts-prod/images \
 *     --bucket prod-registry-k8s-io-us-east-2 --region us-east-2 [--apply] [image...]
 *
 * The same program is the Cloud Run job's entry point (tools/sync/Dockerfile): each task
 * takes its shard of the repositories (tools/sync/shard.ts) and logs a JSON report.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { constants, tmpdir } from "node:os";
import { join } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import { googleFederatedCredentials } from "./sync/credentials";
import { TokenBucket } from "./sync/limits";
import { Completion } from "./sync/markers";
import { Mirror, s3Client } from "./sync/mirror";
import { type Options, parseOptions, USAGE, UsageError } from "./sync/options";
import { newStats, Reporter } from "./sync/progress";
import { Registry } from "./sync/registry";
import { buildReport } from "./sync/report";
import { formatSummary } from "./sync/summary";
import { s3WithRetries, transferBlobs } from "./sync/transfer";
import { type Failure, message, resolveRoots, walk } from "./sync/walk";

/** How long an interrupted run waits for single PUTs in flight (Cloud Run kills 10 s after SIGTERM). */
const DRAIN_MS = 8_000;

const exitCodeFor = (signal: NodeJS.Signals) => 128 + (constants.signals[signal] ?? 2);

async function main(argv: string[]): Promise<number> {
  const args = parseOptions(argv, process.env, !!process.stderr.isTTY);
  if (args === "help") {
    console.log(USAGE);
    return 0;
  }
  return run(args);
}

async function run(args: Options): Promise<number> {
  const startedAt = new Date();
  const started = performance.now();
  const stats = newStats(!args.apply);
  // A terminal line is redrawn often; log lines come at the interval asked for.
  const interval = args.progress === "tty" ? 250 : args.progressIntervalMs;
  const reporter = new Reporter(process.stderr, args.progress, stats, interval);
  const log = (line: string) => reporter.log(line);
  const taskRate = args.rate / args.shard.count;
  const stop = new AbortController();
  const registry = new Registry({
    source: args.source,
    limiter: new TokenBucket(taskRate, Math.max(1, Math.ceil(taskRate))),
    retry: args.retry,
    onRetry: (what, error, retry, delay) => log(`retry ${retry} of ${what} in ${delay} ms: ${error.message}`),
    signal: stop.signal,
  });
  const s3: S3Client = s3Client({
    bucket: args.bucket,
    region: args.region,
    endpoint: args.endpoint,
    anonymous: !args.apply && !args.sign,
    ...(args.roleArn && args.idTokenAudience
      ? {
          credentials: googleFederatedCredentials({
            roleArn: args.roleArn,
            audience: args.idTokenAudience,
            region: () => s3.config.region(),
            env: process.env,
          }),
        }
      : {}),
  });
  // Know the bucket's region before anything runs, rather than fail on the first request.
  try {
    await s3.config.region();
  } catch {
    throw new UsageError("no region for the bucket: pass --region, or set AWS_REGION");
  }
  const mirror = new Mirror(s3, args.bucket);
  const spoolDir = mkdtempSync(join(tmpdir(), "registry-sync-"));
  const sourceName = `${args.source.origin.replace(/^https:\/\//, "")}/${args.source.prefix}`;
  const failures: Failure[] = [];
  let repositories = 0;
  let interrupted: NodeJS.Signals | undefined;

  const finish = (exitCode: number): number => {
    reporter.stop();
    const facts = {
      source: sourceName,
      bucket: args.bucket,
      shard: args.shard,
      taskRate,
      startedAt,
      finishedAt: new Date(),
      stats,
      repositories,
      failures,
      interrupted,
      exitCode,
      registryRequests: registry.requests,
      bucketRequests: mirror.requests,
      cpu: process.cpuUsage(),
      ...(process.env.CLOUD_RUN_EXECUTION ? { execution: process.env.CLOUD_RUN_EXECUTION } : {}),
    };
    process.stdout.write(
      args.report === "json"
        ? `${JSON.stringify(buildReport(facts))}\n`
        : formatSummary({
            source: sourceName,
            bucket: args.bucket,
            shard: args.shard,
            stats,
            blobPhaseMs: performance.now() - (stats.blobPhaseStart ?? started),
            totalMs: performance.now() - started,
            failures,
            interrupted,
            registryRequests: registry.requests,
          }),
    );
    return exitCode;
  };

  // First signal: stop starting work, abort downloads and multipart uploads, let single
  // PUTs in flight finish (a cut-off PUT is what some servers would keep), then report.
  // A second signal, or the drain deadline, ends the process at once.
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) process.exit(exitCodeFor(signal));
    interrupted = signal;
    log(`interrupted (${signal}): finishing uploads in flight (up to ${DRAIN_MS / 1000} s; again to quit now)`);
    stop.abort(new Error(`interrupted (${signal})`));
    setTimeout(() => {
      rmSync(spoolDir, { recursive: true, force: true });
      process.exit(finish(exitCodeFor(signal)));
    }, DRAIN_MS).unref();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  reporter.start();
  try {
    const retrying = { retry: args.retry, log };
    await s3WithRetries(retrying, `bucket ${args.bucket}`, () => mirror.check());
    const marked = args.full
      ? new Set<string>()
      : await s3WithRetries(retrying, `bucket ${args.bucket} (listing markers)`, () => mirror.markers());
    const resolved = await resolveRoots(registry, args.source, args.images, args.concurrency, args.shard);
    repositories = resolved.repositories;
    const walked = await walk(registry, resolved.roots, {
      concurrency: args.concurrency,
      onManifest: () => stats.manifests++,
      isMarked: (digest) => marked.has(digest),
      onMarked: () => stats.markedSkipped++,
      signal: stop.signal,
    });
    const blobs = [...walked.blobs.values()];
    stats.blobs = blobs.length;
    stats.blobBytes = blobs.reduce((sum, b) => sum + Math.max(0, b.size), 0);
    stats.foreign = walked.foreign.size;
    stats.blobPhaseStart = performance.now();
    reporter.tick();
    failures.push(...resolved.failures, ...walked.failures);

    const completion = new Completion(walked.graph, marked);
    const writeMarkers = async (digests: string[]) => {
      if (!args.apply) return;
      for (const digest of digests) {
        try {
          await s3WithRetries(retrying, `marker ${digest}`, () => mirror.putMarker(digest, completion.body(digest)));
          stats.markersWritten++;
        } catch (e) {
          failures.push({ subject: `marker ${digest}`, error: message(e) });
        }
      }
    };
    await writeMarkers(completion.initial());
    failures.push(
      ...(await transferBlobs(blobs, {
        registry,
        mirror,
        apply: args.apply,
        concurrency: args.concurrency,
        retry: args.retry,
        spoolDir,
        stats,
        log,
        multipartThreshold: args.multipartThreshold,
        partSize: args.partSize,
        signal: stop.signal,
        onVerified: (digest) => writeMarkers(completion.blobVerified(digest)),
      })),
    );
    if (!interrupted && !resolved.roots.length && !failures.length && !args.images.length && args.shard.count === 1) {
      failures.push({ subject: sourceName, error: "no images found" });
    }
    return finish(interrupted ? exitCodeFor(interrupted) : failures.length ? 1 : 0);
  } catch (e) {
    if (interrupted) return finish(exitCodeFor(interrupted));
    if (args.report !== "json") throw e;
    // A job's dashboard counts reports: one that stopped early still files one.
    console.error(message(e));
    failures.push({ subject: "sync", error: message(e) });
    return finish(1);
  } finally {
    reporter.stop();
    rmSync(spoolDir, { recursive: true, force: true });
    await registry.close();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      if (e instanceof UsageError) {
        console.error(`${e.message}\n${USAGE}`);
        process.exit(2);
      }
      console.error(message(e));
      process.exit(1);
    },
  );
}
