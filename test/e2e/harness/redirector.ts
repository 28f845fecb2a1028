/**
 * The redirector under test, as a child process started the way `npm run redirector`
 * starts it, but as one process (`node --import tsx`) so its PID is the server's own.
 */
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { RoutingTableInput } from "../../../redirector/routing-table";
import { answers, freePort, type Server, startServer, waitFor } from "./processes";

const ROOT = resolve(__dirname, "../../..");

export interface RangeFixture {
  aws: { prefix: string; region: string }[];
  gcp: { prefix: string; scope: string }[];
}

/** Tiny range files in the official AWS and GCP formats. */
export function writeRanges(dir: string, ranges: RangeFixture): string {
  writeFileSync(
    join(dir, "aws-ip-ranges.json"),
    JSON.stringify({
      syncToken: "1767225600",
      createDate: "2026-01-01-00-00-00",
      prefixes: ranges.aws.map((r) => ({
        ip_prefix: r.prefix,
        region: r.region,
        service: "AMAZON",
        network_border_group: r.region,
      })),
      ipv6_prefixes: [],
    }),
  );
  writeFileSync(
    join(dir, "gcp-cloud.json"),
    JSON.stringify({
      syncToken: "1767225600000",
      creationTime: "2026-01-01T00:00:00.000000",
      prefixes: ranges.gcp.map((r) => ({ ipv4Prefix: r.prefix, service: "Google Cloud", scope: r.scope })),
    }),
  );
  return dir;
}

export interface Redirector extends Server {
  readonly url: string;
  /** Its JSON log lines, parsed. */
  logLines(): Record<string, unknown>[];
}

export async function startRedirector(table: RoutingTableInput, rangesDir: string): Promise<Redirector> {
  const port = await freePort();
  const server = startServer(
    process.execPath,
    ["--import", "tsx", join(ROOT, "redirector/main.ts")],
    {
      PORT: String(port),
      REDIRECTOR_CONFIG: JSON.stringify(table),
      RANGES_DIR: rangesDir,
      LOG_LEVEL: "info",
    },
    ROOT,
  );
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor("the redirector", () => answers(`${url}/healthz`, (s) => s === 200));
  } catch (e) {
    await server.stop();
    throw new Error(`${(e as Error).message}\n${server.output()}`);
  }
  const logLines = () =>
    server
      .output()
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { ...server, url, logLines };
}
