/**
 * The Artifact Registry stand-in: the distribution registry (Debian's docker-registry),
 * filesystem storage in a temp dir, loopback only, anonymous pull and push.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { answers, freePort, type Server, startServer, waitFor } from "./processes";

export interface AccessLogEntry {
  method: string;
  path: string;
  status: number;
  userAgent: string;
}

/** The registry's access log (combined log format lines on its output). */
export function parseAccessLog(output: string): AccessLogEntry[] {
  const entries: AccessLogEntry[] = [];
  for (const m of output.matchAll(/^\S+ - - \[[^\]]+\] "(\w+) (\S+) HTTP\/[\d.]+" (\d{3}) \S+ "[^"]*" "([^"]*)"$/gm)) {
    entries.push({ method: m[1] ?? "", path: m[2] ?? "", status: Number(m[3]), userAgent: m[4] ?? "" });
  }
  return entries;
}

export interface Registry extends Server {
  readonly port: number;
  readonly url: string;
  accessLog(): AccessLogEntry[];
  /** The entries after the first `mark`, once the log has caught up with every request made so far. */
  accessLogSince(mark: number): Promise<AccessLogEntry[]>;
}

export async function startRegistry(dir: string): Promise<Registry> {
  const port = await freePort();
  const config = join(dir, "registry.yml");
  writeFileSync(
    config,
    [
      "version: 0.1",
      "log:",
      "  level: warn",
      "  accesslog:",
      "    disabled: false",
      "storage:",
      "  filesystem:",
      `    rootdirectory: ${join(dir, "registry-data")}`,
      "http:",
      `  addr: 127.0.0.1:${port}`,
      "",
    ].join("\n"),
  );
  const server = startServer("/usr/bin/docker-registry", ["serve", config]);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor("docker-registry", () => answers(`${url}/v2/`, (s) => s === 200));
  } catch (e) {
    await server.stop();
    throw new Error(`${(e as Error).message}\n${server.output()}`);
  }
  const accessLog = () => parseAccessLog(server.output());
  // The log arrives through a pipe; a marker request shows it has caught up.
  let markers = 0;
  const accessLogSince = async (mark: number) => {
    const marker = `/v2/?settled=${++markers}`;
    await fetch(`${url}${marker}`);
    await waitFor("the registry's access log", async () => accessLog().some((e) => e.path === marker));
    return accessLog()
      .slice(mark)
      .filter((e) => !e.path.startsWith("/v2/?settled="));
  };
  return { ...server, port, url, accessLog, accessLogSince };
}
