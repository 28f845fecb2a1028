/**
 * The operator's "why did this client go there?":
 *
 *   npm run route -- --config <routing-table.json> --ip <client address> <request path>
 *   npm run route -- --stack-file <Pulumi.x.yaml> [--region <cloud run region>] --ip ... <path>
 *   npm run route -- --stack <name> [--region ...] --ip ... <path>
 *
 * With a stack, the table is the one infra/routing.ts derives for that region (default:
 * the stack's first), so a config change can be checked before `pulumi up`.
 *
 * Runs the redirector's own decision for one request, asking the mirror for real when
 * a blob may be there, and prints the outcome with the reason: which rule, which
 * cloud/region the address resolved to, which mirror, what the existence check said.
 * Options: --ranges <dir> (default $RANGES_DIR or dist/ranges), --method GET|HEAD,
 * --json (one JSON object instead of text).
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { ConfigError, DEFAULT_RANGES_DIR, parseRoutingTable } from "../redirector/config";
import { ExistenceChecker } from "../redirector/existence";
import { parseIp } from "../redirector/ip";
import { loadRangeTable, RangesError } from "../redirector/ip-ranges";
import { type Decision, Router, reason, settleBlob } from "../redirector/router";

const USAGE =
  "usage: npm run route -- (--config <file> | --stack <name> | --stack-file <path> [--region <region>]) --ip <addr> [--ranges <dir>] [--method GET|HEAD] [--json] <path>";

class UsageError extends Error {}
class HelpRequested extends Error {}

export interface RouteReport {
  request: { method: string; path: string; ip: string };
  decision: Decision;
  /** What the mirror said, when it was asked (or the cache/breaker answered). */
  existence?: string;
}

/** The routing table's JSON: from --config, or derived from a stack file by infra. */
function routingTableText(values: { config?: string; stack?: string; "stack-file"?: string; region?: string }): string {
  if (values.config) {
    try {
      return readFileSync(values.config, "utf8");
    } catch (err) {
      throw new ConfigError([`--config: cannot read ${values.config}: ${(err as Error).message}`]);
    }
  }
  // Loaded only here: the service itself never depends on infra/.
  const { routingTableFromStackFile } = require("./route/stack-routing") as typeof import("./route/stack-routing");
  const { stackFilePath } = require("./plan/stack-file") as typeof import("./plan/stack-file");
  const file = values["stack-file"] ?? stackFilePath(values.stack ?? "");
  try {
    return JSON.stringify(routingTableFromStackFile(file, values.region).table);
  } catch (err) {
    const problems = (err as { problems?: string[] }).problems ?? [(err as Error).message];
    throw new ConfigError(problems);
  }
}

/** Decides like the server would for a request from `ip`, asking the mirror if needed. */
export async function explainRoute(args: string[], env: NodeJS.ProcessEnv): Promise<RouteReport> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      config: { type: "string" },
      stack: { type: "string" },
      "stack-file": { type: "string" },
      region: { type: "string" },
      ip: { type: "string" },
      ranges: { type: "string" },
      method: { type: "string", default: "GET" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) throw new HelpRequested();
  const path = positionals[0];
  const sources = [values.config, values.stack, values["stack-file"]].filter((s) => s !== undefined);
  if (sources.length !== 1 || !values.ip || !path || positionals.length > 1) throw new UsageError(USAGE);
  if (values.region && values.config) throw new UsageError("--region goes with --stack or --stack-file");
  if (!parseIp(values.ip)) throw new UsageError(`--ip: ${JSON.stringify(values.ip)} is not an IP address`);
  const table = parseRoutingTable(routingTableText(values), values.config ?? "routing table");
  const router = new Router(table, loadRangeTable(values.ranges ?? (env.RANGES_DIR || DEFAULT_RANGES_DIR)));
  const request = { method: values.method, path, ip: values.ip };
  // As a direct request from `ip`: no X-Forwarded-For, the address is the socket's.
  const decision = router.decide(values.method, path, [], values.ip);
  if (decision.status !== 307 || !decision.mirror) return { request, decision };
  const checker = new ExistenceChecker(table.existenceCheck);
  try {
    const existence = await checker.check(decision.mirror.base, decision.mirror.url);
    return { request, decision: settleBlob(decision, existence), existence: existence.detail };
  } finally {
    await checker.close();
  }
}

/** The report as the lines an operator reads. */
export function formatReport({ request, decision: d, existence }: RouteReport): string {
  const client = d.client;
  const lines: [string, string | undefined][] = [
    ["request", `${request.method} ${request.path} from ${request.ip}`],
    ["route", d.route],
    [
      "client",
      client && (client.cloud ? `${client.cloud} ${client.region} (prefix ${client.prefix})` : "in no cloud range"),
    ],
    ["mirror", d.mirror?.base],
    ["existence", existence],
    ["decision", d.status === 307 ? `${d.status} -> ${d.location} (${d.target})` : `${d.status}`],
    ["reason", reason(d)],
  ];
  return lines
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k.padEnd(10)}${v}`)
    .join("\n");
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  try {
    const report = await explainRoute(args, process.env);
    process.stdout.write(`${args.includes("--json") ? JSON.stringify(report, null, 2) : formatReport(report)}\n`);
  } catch (err) {
    if (err instanceof HelpRequested) {
      process.stdout.write(`${USAGE}\n`);
      return;
    }
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      const message = (err as Error).message;
      process.stderr.write(message === USAGE ? `${USAGE}\n` : `${message}\n${USAGE}\n`);
      process.exit(2);
    }
    if (err instanceof ConfigError || err instanceof RangesError) {
      process.stderr.write(`route: ${err.problems.join("\n")}\n`);
      process.exit(1);
    }
    throw err;
  }
}

if (require.main === module) main();
