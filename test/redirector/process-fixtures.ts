/** Test fixtures: the redirector as a child process, its stdout read line by line. */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";

export const ROOT = join(__dirname, "../..");
/** Runs the redirector from its sources. */
export const TSX = ["--import", "tsx", join(ROOT, "redirector/main.ts")];

export interface Child {
  proc: ChildProcess;
  stdout: string[];
  stderr: string;
  exit: Promise<number | null>;
}

/** Resolves with the first stdout log line whose message is `message`, once written. */
export async function logLine(child: Child, message: string): Promise<Record<string, unknown>> {
  for (;;) {
    const line = child.stdout.map((l) => JSON.parse(l)).find((l) => l.message === message);
    if (line) return line;
    if (child.proc.exitCode !== null) throw new Error(`exited ${child.proc.exitCode}: ${child.stderr}`);
    await new Promise((wake) => child.proc.stdout?.once("data", wake));
  }
}

/** Spawns `node <args>` with only PATH and `env`, collecting stdout lines and stderr. */
export function start(args: string[], env: Record<string, string>): Child {
  const proc = spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? "", ...env } });
  const child: Child = { proc, stdout: [], stderr: "", exit: new Promise((r) => proc.on("exit", (code) => r(code))) };
  let partial = "";
  proc.stdout?.on("data", (d: Buffer) => {
    const lines = (partial + d.toString()).split("\n");
    partial = lines.pop() ?? "";
    child.stdout.push(...lines);
  });
  proc.stderr?.on("data", (d: Buffer) => {
    child.stderr += d.toString();
  });
  return child;
}

/** Waits for the "listening" log line and returns the bound port. */
export async function listening(child: Child): Promise<number> {
  return (await logLine(child, "listening")).port as number;
}
