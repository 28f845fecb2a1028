/**
 * `npm run plan`: the credential-free preview. Evaluates the real program (infra/index.ts)
 * under Pulumi's mock engine and prints what it would declare, or what changes between two
 * versions of a stack.
 *
 *   npm run plan -- --stack prod [--format text|json|markdown]
 *   npm run plan -- --stack-file path/to/Pulumi.<name>.yaml [--format ...]
 *   npm run plan -- --diff <base> <head> [--format ...]   each a stack file or a plan JSON
 *   npm run plan -- --preview <pulumi preview --json output> [--stack <name>] [--format ...]
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { relative, resolve } from "node:path";
import { parseArgs, promisify } from "node:util";
import { DiffInputError, diffInput, previewInput } from "./plan/diff/inputs";
import type { PlanDiff } from "./plan/diff/model";
import { diffPlans, type PlanDocument, StackMismatch } from "./plan/diff/plan";
import { previewDiff } from "./plan/diff/preview";
import { renderDiffJson, renderDiffMarkdown, renderDiffText } from "./plan/diff/render";
import { StackFileError, stackFilePath } from "./plan/stack-file";

const ROOT = resolve(__dirname, "..");
const FORMATS = ["text", "json", "markdown"] as const;
type Format = (typeof FORMATS)[number];

const USAGE = `usage: npm run plan -- (--stack <name> | --stack-file <path>) [--format text|json|markdown]
       npm run plan -- --diff <base> <head> [--format text|json|markdown]   (stack files or plan JSONs)
       npm run plan -- --preview <pulumi preview --json output> [--stack <name>] [--format text|json|markdown]`;

class UsageError extends Error {}

const execFileAsync = promisify(execFile);

/** Evaluate one stack file in this process and render it. */
async function planStackFile(path: string, format: Format): Promise<string> {
  // Loaded here, not above: a diff of plan JSONs never needs the engine or the program.
  const { ConfigError, namespaceValues, parseConfig } = require("../infra/config") as typeof import("../infra/config");
  const { buildRoutingTables } = require("../infra/routing") as typeof import("../infra/routing");
  const { evaluate } = require("./plan/engine") as typeof import("./plan/engine");
  const { renderJson, renderMarkdown, renderText } = require("./plan/render") as typeof import("./plan/render");
  const { readStackFile } = require("./plan/stack-file") as typeof import("./plan/stack-file");
  const file = readStackFile(path);
  // Validate first, so a bad config is reported as such before the engine starts.
  let config: ReturnType<typeof parseConfig>;
  try {
    config = parseConfig(namespaceValues(file.config), { stack: file.stack });
  } catch (e) {
    if (e instanceof ConfigError) throw new KnownError((e as Error).message);
    throw e;
  }
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

/** An error whose message is the whole story (a config's problems): no stack trace. */
class KnownError extends Error {}

/** A stack file's plan JSON, from its own process: Pulumi's runtime state is per process. */
async function planJsonInChild(path: string): Promise<PlanDocument> {
  const args = [...process.execArgv, __filename, "--stack-file", path, "--format", "json"];
  try {
    const { stdout } = await execFileAsync(process.execPath, args, { maxBuffer: 256 * 1024 * 1024 });
    return JSON.parse(stdout);
  } catch (e) {
    const message = String((e as { stderr?: string }).stderr || e).trim();
    throw new KnownError(message.startsWith(path) ? message : `${path}: ${message}`);
  }
}

async function planOf(path: string): Promise<PlanDocument> {
  const input = diffInput(path);
  return input.kind === "plan" ? input.doc : planJsonInChild(input.path);
}

function rendered(diff: PlanDiff, format: Format): string {
  if (format === "json") return renderDiffJson(diff);
  if (format === "markdown") return renderDiffMarkdown(diff);
  return renderDiffText(diff);
}

function parse(argv: string[]) {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        stack: { type: "string" },
        "stack-file": { type: "string" },
        diff: { type: "boolean", default: false },
        preview: { type: "string" },
        format: { type: "string", default: "text" },
        help: { type: "boolean", short: "h", default: false },
      },
      allowPositionals: true,
      strict: true,
    });
    if (!FORMATS.includes(values.format as Format)) throw new UsageError(`unknown format "${values.format}"`);
    // With --preview, --stack only names the stack (a preview without changes names none).
    const modes = [
      values.preview ? undefined : values.stack,
      values["stack-file"],
      values.diff || undefined,
      values.preview,
    ];
    if (!values.help && modes.filter((m) => m !== undefined).length !== 1) {
      throw new UsageError("give exactly one of --stack, --stack-file, --diff, --preview");
    }
    if (values.diff && positionals.length !== 2) throw new UsageError("--diff takes two files: <base> <head>");
    if (!values.diff && positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    return { ...values, positionals, format: values.format as Format };
  } catch (e) {
    throw e instanceof UsageError ? e : new UsageError((e as Error).message);
  }
}

async function main(argv: string[]): Promise<number> {
  const args = parse(argv);
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  if (args.diff) {
    const [base = "", head = ""] = args.positionals.map((p) => resolve(p));
    const [b, h] = await Promise.all([planOf(base), planOf(head)]);
    process.stdout.write(rendered(diffPlans(b, h), args.format));
    return 0;
  }
  if (args.preview) {
    process.stdout.write(rendered(previewDiff(previewInput(resolve(args.preview)), args.stack), args.format));
    return 0;
  }
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
      // Problems with the input are the user's to fix: the message, not a stack trace.
      const known =
        e instanceof KnownError ||
        e instanceof StackFileError ||
        e instanceof DiffInputError ||
        e instanceof StackMismatch ||
        (e as Error)?.name === "RunError";
      console.error(known ? (e as Error).message : e);
      process.exitCode = 1;
    },
  );
}
