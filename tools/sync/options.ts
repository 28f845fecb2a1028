/**
 * The sync's command line: flags (and the few environment variables a Cloud Run job sets)
 * to a checked `Options`, or a UsageError that names the option and what it allows.
 * Pure: argv and env in, options out.
 */
import { parseArgs } from "node:util";
import { type ImageArg, parseImageArg, parseSource, type Source } from "./reference";
import { DEFAULT_RETRY, type RetryPolicy } from "./retry";
import { parseShard, type Shard, shardFromEnv } from "./shard";

export const USAGE = `usage: npm run sync -- --source <registry>/<path> --bucket <name> [options] [image...]

  image                 a repository under the source (pause), a tag (pause:3.10) or a
                        digest (pause@sha256:...); none: every repository under the source
  --source REF          [http(s)://]host[:port]/path; https unless written otherwise
  --bucket NAME         the mirror bucket to fill (in production: the replication source)
  --region REGION       the bucket's region (default: AWS_REGION / the AWS profile)
  --endpoint URL        an S3-compatible server instead of AWS (path-style addressing)
  --apply               upload; without it a dry run: anonymous, read-only, prints what it would do
  --sign                sign a dry run's requests (buckets without anonymous reads, e.g. R2)
  --shard I/N           this task's share of the repositories: task I (0-based) of N
                        (default: CLOUD_RUN_TASK_INDEX / CLOUD_RUN_TASK_COUNT, else 0/1)
  --full                ignore the bucket's markers: read every manifest, check every blob
  --concurrency N       manifests and blobs in flight (1-1024, default 16)
  --rate N              registry requests per second for the whole job, divided among its
                        N tasks (0.01-100000, default 80)
  --retries N           attempts per request on 429, 5xx and network errors (1-100, default 5)
  --retry-delay MS      first backoff delay, doubled per retry (1-30000, default 500)
  --multipart-threshold SIZE  blobs this large or larger go up in parts (5MiB-5GiB, default 100MiB)
  --part-size SIZE      bytes per part (5MiB-5GiB, default 32MiB; raised to fit 10,000 parts)
  --report FORMAT       text | json: the end-of-run report on stdout (default text)
  --progress MODE       auto | tty | plain | none (default auto: tty on a terminal)
  --progress-interval S seconds between plain progress lines (1-86400, default 10)
  --role-arn ARN        assume this AWS role with a Google ID token (default AWS_ROLE_ARN)
  --id-token-audience A the audience of that Google ID token, fetched from the metadata
                        server (default SYNC_ID_TOKEN_AUDIENCE); unset: the AWS SDK's own chain

exit codes: 0 done, 1 something failed, 2 usage error, 130/143 interrupted (SIGINT/SIGTERM)`;

export class UsageError extends Error {}

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

export interface Options {
  source: Source;
  images: ImageArg[];
  bucket: string;
  region: string | undefined;
  endpoint: string | undefined;
  apply: boolean;
  /** Sign a dry run's requests too (still read-only: a dry run never writes). */
  sign: boolean;
  shard: Shard;
  /** Ignore markers (they are still written). */
  full: boolean;
  concurrency: number;
  /** The whole job's registry requests per second; each task gets rate / shard.count. */
  rate: number;
  retry: RetryPolicy;
  multipartThreshold: number;
  partSize: number;
  report: "text" | "json";
  progress: "tty" | "plain" | "none";
  progressIntervalMs: number;
  /** Federation from Google: both set, or neither. */
  roleArn: string | undefined;
  idTokenAudience: string | undefined;
}

/** A number option's allowed range, and how to say it. */
interface Range {
  min: number;
  max: number;
  integer?: boolean;
  unit?: string;
}

function number(name: string, value: string | undefined, fallback: number, range: Range): number {
  if (value === undefined) return fallback;
  const n = value.trim() === "" ? Number.NaN : Number(value);
  const allowed = `${range.integer ? "a whole number" : "a number"} from ${range.min} to ${range.max}${range.unit ? ` (${range.unit})` : ""}`;
  if (!Number.isFinite(n) || n < range.min || n > range.max || (range.integer && !Number.isInteger(n))) {
    throw new UsageError(`--${name} must be ${allowed}, not ${JSON.stringify(value)}`);
  }
  return n;
}

const SIZE_UNITS: Record<string, number> = { "": 1, b: 1, kib: 1024, mib: MiB, gib: GiB, kb: 1e3, mb: 1e6, gb: 1e9 };

/** `104857600`, `100MiB`, `5GiB`, `50MB`: bytes. */
function size(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  const unit = SIZE_UNITS[(m?.[2] ?? "").toLowerCase()];
  const bytes = m && unit ? Math.round(Number(m[1]) * unit) : Number.NaN;
  if (!(bytes >= min && bytes <= max)) {
    throw new UsageError(
      `--${name} must be a size from 5MiB to 5GiB (bytes, or with KiB/MiB/GiB), not ${JSON.stringify(value)}`,
    );
  }
  return bytes;
}

function endpointUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || !url.host) {
    throw new UsageError(`--endpoint ${JSON.stringify(value)} is not a URL like https://host[:port]`);
  }
  return value;
}

const STRING_OPTIONS = [
  "source",
  "bucket",
  "region",
  "endpoint",
  "shard",
  "concurrency",
  "rate",
  "retries",
  "retry-delay",
  "multipart-threshold",
  "part-size",
  "report",
  "progress",
  "progress-interval",
  "role-arn",
  "id-token-audience",
] as const;

/**
 * node's parseArgs reads the `-1` of `--rate -1` as an option and calls it ambiguous; a
 * value that looks like a negative number is joined to its option (`--rate=-1`), so the
 * range check can say what is wrong with it.
 */
export function joinNegativeValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = argv[i + 1];
    const takesValue = (STRING_OPTIONS as readonly string[]).includes(arg.slice(2)) && arg.startsWith("--");
    if (takesValue && next !== undefined && /^-(\d|\.\d)/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

function parseCli(argv: string[]) {
  return parseArgs({
    args: joinNegativeValues(argv),
    allowPositionals: true,
    strict: true,
    options: {
      ...Object.fromEntries(STRING_OPTIONS.map((name) => [name, { type: "string" as const }])),
      apply: { type: "boolean", default: false },
      sign: { type: "boolean", default: false },
      full: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
}

/** Options from argv and the environment, or "help"; throws UsageError. */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv, stderrIsTty: boolean): Options | "help" {
  let parsed: ReturnType<typeof parseCli>;
  try {
    parsed = parseCli(argv);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const str = (name: string) => values[name] as string | undefined;
  if (values.help) return "help";
  if (!str("source")) throw new UsageError("--source is required");
  if (!str("bucket")) throw new UsageError("--bucket is required");

  const progressArg = str("progress") ?? "auto";
  const progress = progressArg === "auto" ? (stderrIsTty ? "tty" : "plain") : progressArg;
  if (!["tty", "plain", "none"].includes(progress)) throw new UsageError(`unknown --progress "${progressArg}"`);
  const report = str("report") ?? "text";
  if (report !== "text" && report !== "json") {
    throw new UsageError(`--report must be text or json, not ${JSON.stringify(report)}`);
  }

  let shard: Shard;
  try {
    const flag = str("shard");
    shard = flag !== undefined ? parseShard(flag, "--shard") : (shardFromEnv(env) ?? { index: 0, count: 1 });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const rate = number("rate", str("rate"), 80, { min: 0.01, max: 100_000, unit: "requests per second" });
  if (rate / shard.count < 0.01) {
    throw new UsageError(
      `--rate ${rate} shared by ${shard.count} tasks leaves ${rate / shard.count} requests per second each; each task needs at least 0.01`,
    );
  }

  const roleArn = str("role-arn") ?? (env.AWS_ROLE_ARN || undefined);
  const idTokenAudience = str("id-token-audience") ?? (env.SYNC_ID_TOKEN_AUDIENCE || undefined);
  if (idTokenAudience && !roleArn) {
    throw new UsageError("--id-token-audience needs --role-arn (or AWS_ROLE_ARN): the role to assume with the token");
  }

  const partSize = size("part-size", str("part-size"), 32 * MiB, 5 * MiB, 5 * GiB);
  const multipartThreshold = size("multipart-threshold", str("multipart-threshold"), 100 * MiB, 5 * MiB, 5 * GiB);
  try {
    return {
      source: parseSource(str("source") as string),
      images: parsed.positionals.map(parseImageArg),
      bucket: str("bucket") as string,
      region: str("region"),
      endpoint: endpointUrl(str("endpoint")),
      apply: values.apply as boolean,
      sign: values.sign as boolean,
      shard,
      full: values.full as boolean,
      concurrency: number("concurrency", str("concurrency"), 16, { min: 1, max: 1024, integer: true }),
      rate,
      retry: {
        ...DEFAULT_RETRY,
        attempts: number("retries", str("retries"), DEFAULT_RETRY.attempts, { min: 1, max: 100, integer: true }),
        baseDelayMs: number("retry-delay", str("retry-delay"), DEFAULT_RETRY.baseDelayMs, {
          min: 1,
          max: DEFAULT_RETRY.maxDelayMs,
          unit: "milliseconds",
        }),
      },
      multipartThreshold,
      partSize,
      report,
      progress: progress as Options["progress"],
      progressIntervalMs:
        number("progress-interval", str("progress-interval"), 10, { min: 1, max: 86_400, unit: "seconds" }) * 1000,
      roleArn,
      idTokenAudience,
    };
  } catch (e) {
    throw e instanceof UsageError ? e : new UsageError((e as Error).message);
  }
}
