/** Runs one of the project's TypeScript CLIs the way `npm run` does, and captures it. */
import { execFile, spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";

export const ROOT = resolve(__dirname, "../..");
const TSX = require.resolve("tsx/cli");
const execFileAsync = promisify(execFile);

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(
  script: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): CliResult {
  const result = spawnSync(process.execPath, [TSX, resolve(ROOT, script), ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...options.env },
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The same, without blocking: for running several CLIs side by side. */
export async function runCliAsync(script: string, args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [TSX, resolve(ROOT, script), ...args], {
      cwd: ROOT,
      maxBuffer: 256 * 1024 * 1024,
    });
    return { status: 0, stdout, stderr };
  } catch (e) {
    const failed = e as { code?: number; stdout?: string; stderr?: string };
    return { status: failed.code ?? null, stdout: failed.stdout ?? "", stderr: failed.stderr ?? String(e) };
  }
}
