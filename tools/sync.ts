/**
 * `npm run sync`: copies every blob the named images need from the source registry into
 * a mirror bucket, as `containers/images/<digest>`. A dry run unless --apply.
 *
 *   npm run sync -- --source us-central1-docker.pkg.dev/k8s-artifacts-prod/images \
 *     --bucket prod-registry-k8s-io-us-east-2 --region us-east-2 [--apply] [image...]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { TokenBucket } from "./sync/limits";
import { Mirror, s3Client } from "./sync/mirror";
import { newStats, type ProgressMode, Reporter } from "./sync/progress";
import { type ImageArg, parseImageArg, parseSource, type Source } from "./sync/reference";
import { Registry } from "./sync/registry";
import { DEFAULT_RETRY, type RetryPolicy } from "./sync/retry";
import { formatSummary } from "./sync/summary";
import { transferBlobs } from "./sync/transfer";
import { resolveRoots, walk } from "./sync/walk";

const USAGE = `usage: npm run sync -- --source <registry>/<path> --bucket <name> [options] [image...]

  image                 a repository under the source (pause), a tag (pause:3.10) or a
                        digest (pause@sha256:...); none: every repository under the source
  --source REF          [http(s)://]host[:port]/path; https unless written otherwise
  --bucket NAME         the mirror bucket to fill (in production: the replication source)
  --region REGION       the bucket's region (default: AWS_REGION / the AWS profile)
  --endpoint URL        an S3-compatible server instead of AWS (path-style addressing)
  --apply               upload; without it a dry run: anonymous, read-only, prints what it would do
  --sign                sign a dry run's requests (buckets without anonymous reads, e.g. R2)
  --concurrency N       manifests and blobs in flight (default 16)
  --rate N              registry requests per second (default 80)
  --retries N           attempts per request on 429, 5xx and network errors (default 5)
  --retry-delay MS      first backoff delay, doubled per retry (default 500)
  --progress MODE       auto | tty | plain | none (default auto: tty on a terminal)
  --progress-interval S seconds between plain progress lines (default 10)`;

class UsageError extends Error {}

interface Args {
  source: Source;
  images: ImageArg[];
  bucket: string;
  region: string | undefined;
  endpoint: string | undefined;
  apply: boolean;
  /** Sign a dry run's requests too (still read-only: a dry run never writes). */
  sign: boolean;
  concurrency: number;
  rate: number;
  retry: RetryPolicy;
  progress: ProgressMode;
  progressIntervalMs: number;
}

function positiveInteger(name: string, value: string | undefined, fallback: number): number {
  const n = positiveNumber(name, value, fallback);
  if (!Number.isInteger(n)) throw new UsageError(`--${name} must be a whole number, not "${value}"`);
  return n;
}

function positiveNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number, not "${value}"`);
  return n;
}

function parse(argv: string[]): Args | "help" {
  let parsed: ReturnType<typeof parseCli>;
  try {
    parsed = parseCli(argv);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return "help";
  if (!values.source) throw new UsageError("--source is required");
  if (!values.bucket) throw new UsageError("--bucket is required");
  const progress = values.progress === "auto" ? (process.stderr.isTTY ? "tty" : "plain") : values.progress;
  if (!["tty", "plain", "none"].includes(progress)) throw new UsageError(`unknown --progress "${values.progress}"`);
  try {
    if (values.endpoint) new URL(values.endpoint);
    return {
      source: parseSource(values.source),
      images: positionals.map(parseImageArg),
      bucket: values.bucket,
      region: values.region,
      endpoint: values.endpoint,
      apply: values.apply,
      sign: values.sign,
      concurrency: positiveInteger("concurrency", values.concurrency, 16),
      rate: positiveNumber("rate", values.rate, 80),
      retry: {
        ...DEFAULT_RETRY,
        attempts: positiveInteger("retries", values.retries, DEFAULT_RETRY.attempts),
        baseDelayMs: positiveNumber("retry-delay", values["retry-delay"], DEFAULT_RETRY.baseDelayMs),
      },
      progress: progress as ProgressMode,
      progressIntervalMs: positiveNumber("progress-interval", values["progress-interval"], 10) * 1000,
    };
  } catch (e) {
    throw e instanceof UsageError ? e : new UsageError((e as Error).message);
  }
}

function parseCli(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      source: { type: "string" },
      bucket: { type: "string" },
      region: { type: "string" },
      endpoint: { type: "string" },
      apply: { type: "boolean", default: false },
      sign: { type: "boolean", default: false },
      concurrency: { type: "string" },
      rate: { type: "string" },
      retries: { type: "string" },
      "retry-delay": { type: "string" },
      progress: { type: "string", default: "auto" },
      "progress-interval": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
}

async function main(argv: string[]): Promise<number> {
  const args = parse(argv);
  if (args === "help") {
    console.log(USAGE);
    return 0;
  }
  const started = performance.now();
  const stats = newStats(!args.apply);
  // A terminal line is redrawn often; log lines come at the interval asked for.
  const interval = args.progress === "tty" ? 250 : args.progressIntervalMs;
  const reporter = new Reporter(process.stderr, args.progress, stats, interval);
  const log = (line: string) => reporter.log(line);
  const registry = new Registry({
    source: args.source,
    limiter: new TokenBucket(args.rate, Math.max(1, Math.ceil(args.rate))),
    retry: args.retry,
    onRetry: (what, error, retry, delay) => log(`retry ${retry} of ${what} in ${delay} ms: ${error.message}`),
  });
  const s3 = s3Client({
    bucket: args.bucket,
    region: args.region,
    endpoint: args.endpoint,
    anonymous: !args.apply && !args.sign,
  });
  // Know the bucket's region before anything runs, rather than fail on the first request.
  try {
    await s3.config.region();
  } catch {
    throw new UsageError("no region for the bucket: pass --region, or set AWS_REGION");
  }
  const mirror = new Mirror(s3, args.bucket);
  const spoolDir = mkdtempSync(join(tmpdir(), "registry-sync-"));
  const interrupted = (signal: NodeJS.Signals) => {
    reporter.stop();
    rmSync(spoolDir, { recursive: true, force: true });
    console.error(`interrupted (${signal})`);
    process.exit(130);
  };
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);
  reporter.start();
  try {
    await mirror.check();
    const resolved = await resolveRoots(registry, args.source, args.images, args.concurrency);
    const walked = await walk(registry, resolved.roots, args.concurrency, () => stats.manifests++);
    const blobs = [...walked.blobs.values()];
    stats.blobs = blobs.length;
    stats.blobBytes = blobs.reduce((sum, b) => sum + Math.max(0, b.size), 0);
    stats.foreign = walked.foreign.size;
    stats.blobPhaseStart = performance.now();
    reporter.tick();
    const failed = await transferBlobs(blobs, {
      registry,
      mirror,
      apply: args.apply,
      concurrency: args.concurrency,
      retry: args.retry,
      spoolDir,
      stats,
      log,
    });
    reporter.stop();
    const sourceName = `${args.source.origin.replace(/^https:\/\//, "")}/${args.source.prefix}`;
    const failures = [...resolved.failures, ...walked.failures, ...failed];
    if (!resolved.roots.length && !failures.length) failures.push({ subject: sourceName, error: "no images found" });
    process.stdout.write(
      formatSummary({
        source: sourceName,
        bucket: args.bucket,
        stats,
        blobPhaseMs: performance.now() - (stats.blobPhaseStart ?? started),
        totalMs: performance.now() - started,
        failures,
      }),
    );
    return failures.length ? 1 : 0;
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
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
