/**
 * Downloads the official cloud IP range files into RANGES_DIR (default dist/ranges):
 *
 *   npm run ranges:update
 *
 * Run at image build time. Each file is checked with the redirector's own parser before
 * it replaces the old one (written to a temporary name, then renamed), so a truncated
 * or reformatted download fails the build instead of the service's start. Then the
 * parsed table is written beside them as ranges-index.bin, which the service loads
 * instead of parsing while its recorded hashes match the files.
 * AWS_IP_RANGES_URL and GCP_IP_RANGES_URL override the sources (tests use a local server).
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_RANGES_DIR } from "./config";
import { INDEX_FILE, RANGE_FILES, RangeTableBuilder, writeRangeIndex } from "./ip-ranges";

export const SOURCES = {
  aws: { env: "AWS_IP_RANGES_URL", url: "https://ip-ranges.amazonaws.com/ip-ranges.json" },
  gcp: { env: "GCP_IP_RANGES_URL", url: "https://www.gstatic.com/ipranges/cloud.json" },
} as const;

const TIMEOUT_MS = 60_000;

async function download(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.text();
}

/** Downloads, validates and writes both files; returns the paths written with their prefix counts. */
export async function updateRanges(env: NodeJS.ProcessEnv): Promise<string[]> {
  const dir = env.RANGES_DIR || DEFAULT_RANGES_DIR;
  const clouds = ["aws", "gcp"] as const;
  const texts = await Promise.all(clouds.map((cloud) => download(env[SOURCES[cloud].env] || SOURCES[cloud].url)));
  const written: string[] = [];
  clouds.forEach((cloud, i) => {
    const url = env[SOURCES[cloud].env] || SOURCES[cloud].url;
    const text = texts[i] as string;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new Error(`${url}: not valid JSON: ${(err as Error).message}`);
    }
    const builder = new RangeTableBuilder();
    const problems = cloud === "aws" ? builder.addAws(json) : builder.addGcp(json);
    if (problems.length > 0) throw new Error([`${url}: not in the expected format:`, ...problems].join("\n  "));
    written.push(`${join(dir, RANGE_FILES[cloud])} (${builder.build().size} prefixes)`);
  });
  mkdirSync(dir, { recursive: true });
  clouds.forEach((cloud, i) => {
    const path = join(dir, RANGE_FILES[cloud]);
    writeFileSync(`${path}.tmp`, texts[i] as string);
    renameSync(`${path}.tmp`, path);
  });
  // The pre-parsed index the service loads at start while it matches these files.
  writeRangeIndex(dir);
  return [...written, join(dir, INDEX_FILE)];
}

if (require.main === module) {
  updateRanges(process.env).then(
    (written) => process.stdout.write(written.map((w) => `wrote ${w}\n`).join("")),
    (err: Error) => {
      process.stderr.write(`ranges:update failed: ${err.message}\n`);
      process.exit(1);
    },
  );
}
