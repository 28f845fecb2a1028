/**
 * The redirector's settings, from the environment, validated before anything starts.
 *
 *   REDIRECTOR_CONFIG       the routing table as JSON, or
 *   REDIRECTOR_CONFIG_FILE  a path to it (exactly one of the two)
 *   RANGES_DIR              folder with aws-ip-ranges.json and gcp-cloud.json (default dist/ranges)
 *   PORT                    listen port (default 8080)
 *   LOG_LEVEL               trace|debug|info|warn|error|fatal|silent (default info)
 */
import { readFileSync } from "node:fs";
import { LOG_LEVELS } from "./log";
import { describeIssues, RoutingTable } from "./routing-table";

export const DEFAULT_RANGES_DIR = "dist/ranges";

export interface Settings {
  table: RoutingTable;
  rangesDir: string;
  port: number;
  logLevel: string;
}

/** Bad settings; `problems` are one line each, ready to print. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
  }
}

/** Validates a routing table given as JSON text; `source` names it in messages. */
export function parseRoutingTable(json: string, source: string): RoutingTable {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new ConfigError([`${source}: not valid JSON: ${(err as Error).message}`]);
  }
  const parsed = RoutingTable.safeParse(value);
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error).map((line) => `${source}: ${line}`));
  return parsed.data;
}

/** Reads the routing table from REDIRECTOR_CONFIG or REDIRECTOR_CONFIG_FILE. */
export function readRoutingTable(env: NodeJS.ProcessEnv): RoutingTable {
  const inline = env.REDIRECTOR_CONFIG;
  const file = env.REDIRECTOR_CONFIG_FILE;
  if (inline && file) throw new ConfigError(["set REDIRECTOR_CONFIG or REDIRECTOR_CONFIG_FILE, not both"]);
  if (inline) return parseRoutingTable(inline, "REDIRECTOR_CONFIG");
  if (!file) throw new ConfigError(["no routing table: set REDIRECTOR_CONFIG (JSON) or REDIRECTOR_CONFIG_FILE (path)"]);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError([`REDIRECTOR_CONFIG_FILE: cannot read ${file}: ${(err as Error).message}`]);
  }
  return parseRoutingTable(text, file);
}

/** All settings, or a ConfigError listing every problem found. */
export function readSettings(env: NodeJS.ProcessEnv): Settings {
  const problems: string[] = [];
  const port = env.PORT === undefined ? 8080 : Number(env.PORT);
  if (!/^\d{1,5}$/.test(env.PORT ?? "8080") || port > 65535)
    problems.push(`PORT: ${JSON.stringify(env.PORT)} is not a port`);
  const logLevel = env.LOG_LEVEL ?? "info";
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    problems.push(`LOG_LEVEL: ${JSON.stringify(logLevel)} is not one of ${LOG_LEVELS.join(", ")}`);
  }
  let table: RoutingTable | undefined;
  try {
    table = readRoutingTable(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }
  if (problems.length > 0 || !table) throw new ConfigError(problems);
  return { table, rangesDir: env.RANGES_DIR || DEFAULT_RANGES_DIR, port, logLevel };
}
