/**
 * `npm run plan`: the credential-free preview. Evaluates the real program (infra/index.ts)
 * under Pulumi's mock engine and prints what it would declare.
 *
 *   npm run plan -- --stack prod [--format text|json|markdown]
 *   npm run plan -- --stack-file path/to/Pulumi.<name>.yaml [--format ...]
 *   npm run plan:update            rewrite plan/<stack>.md for every Pulumi.<stack>.yaml
 *   npm run plan -- --check        exit 1 if any plan/<stack>.md is stale
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ConfigError, namespaceValues, parseConfig } from "../infra/config";
import { buildRoutingTables } from "../infra/routing";
import { evaluate } from "./plan/engine";
import { renderJson, renderMarkdown, renderText } from "./plan/render";
import { readStackFile, StackFileError, stackFilePath, stackNameOf } from "./plan/stack-file";

const ROOT = resolve(__dirname, "..");
const PLAN_DIR = resolve(ROOT, "plan");
const FORMATS = ["text", "json", "markdown"] as const;
type Format = (typeof FORMATS)[number];

const USAGE = `usage: npm run plan -- (--stack <name> | --stack-file <path>) [--format text|json|markdown]
       npm run plan -- --update | --check`;

class UsageError extends Error {}

/** Evaluate one stack file in this process and render it. */
export async function planStackFile(path: string, format: Format): Promise<string> {
  const file = readStackFile(path);
  // Validate first, so a bad config is reported as such before the engine starts.
  const config = parseConfig(namespaceValues(file.config), { stack: file.stack });
  const plan = await evaluate(file.stack, file.config, () => require("../infra/index"));
  for (const line of plan.diagnostics) console.error(line);
  if (format === "json") return renderJson(plan);
  if (format === "text") return renderText(plan);
  const tables = buildRoutingTables(config);
  const source = relative(ROOT, path).startsWith("..") ? path : relative(ROOT, path);
  return renderMarkdown(plan, {
    source,
    routing: { tables, arRegions: config.source.regions.length },
  });
}

function stacksInRepo(): string[] {
  return readdirSync(ROOT)
    .map(stackNameOf)
    .filter((s): s is string => !!s)
    .sort();
}

/** Each stack in its own process: Pulumi's runtime state is per process. */
function planInChild(stack: string): string {
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, __filename, "--stack", stack, "--format", "markdown"],
    { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 },
  );
  if (child.status !== 0) throw new Error(`plan for ${stack} failed:\n${child.stderr}`);
  return child.stdout;
}

function updateOrCheck(check: boolean): number {
  mkdirSync(PLAN_DIR, { recursive: true });
  let stale = 0;
  for (const stack of stacksInRepo()) {
    const file = resolve(PLAN_DIR, `${stack}.md`);
    const fresh = planInChild(stack);
    const current = existsSync(file) ? readFileSync(file, "utf8") : "";
    if (current === fresh) {
      console.error(`plan/${stack}.md is up to date`);
    } else if (check) {
      stale++;
      console.error(`plan/${stack}.md is stale: run \`npm run plan:update\` and commit the result`);
    } else {
      writeFileSync(file, fresh);
      console.error(`plan/${stack}.md updated`);
    }
  }
  return stale ? 1 : 0;
}

function parse(argv: string[]) {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        stack: { type: "string" },
        "stack-file": { type: "string" },
        format: { type: "string", default: "text" },
        update: { type: "boolean", default: false },
        check: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    });
    if (!FORMATS.includes(values.format as Format)) throw new UsageError(`unknown format "${values.format}"`);
    const modes = [values.stack, values["stack-file"], values.update || undefined, values.check || undefined];
    if (!values.help && modes.filter((m) => m !== undefined).length !== 1) {
      throw new UsageError("give exactly one of --stack, --stack-file, --update, --check");
    }
    return { ...values, format: values.format as Format };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

async function main(argv: string[]): Promise<number> {
  const args = parse(argv);
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  if (args.update || args.check) return updateOrCheck(args.check);
  const path = args["stack-file"] ? resolve(args["stack-file"]) : stackFilePath(args.stack ?? "");
  if (!existsSync(path)) throw new UsageError(`no stack file ${path}`);
  process.stdout.write(await planStackFile(path, args.format));
  return 0;
}

if (require.main === module) {
  // exitCode, not exit(): stdout to a pipe is written asynchronously and exit() would cut it.
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      if (e instanceof UsageError) {
        console.error(`${e.message}\n${USAGE}`);
        process.exitCode = 2;
        return;
      }
      // Config problems are the user's to fix: the list, not a stack trace.
      const known = e instanceof ConfigError || e instanceof StackFileError || (e as Error)?.name === "RunError";
      const message = known ? (e as Error).message : e;
      console.error(message);
      process.exitCode = 1;
    },
  );
}
