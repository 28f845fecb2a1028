/** Runs one of the project's TypeScript CLIs the way `npm run` does, and captures it. */
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";

export const ROOT = resolve(__dirname, "../..");

export function runCli(script: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const result = spawnSync(process.execPath, [require.resolve("tsx/cli"), resolve(ROOT, script), ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...options.env },
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
