/**
 * JSON logs on stdout in the shape Cloud Logging reads from Cloud Run: `severity`,
 * `message`, `time`, and `httpRequest` for request lines.
 */
import { write, writeSync } from "node:fs";
import pino from "pino";

export type Logger = pino.Logger;

/** pino level label -> Cloud Logging severity. */
const SEVERITY: Record<string, string> = {
  trace: "DEBUG",
  debug: "DEBUG",
  info: "INFO",
  warn: "WARNING",
  error: "ERROR",
  fatal: "CRITICAL",
};

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;

/** RFC 3339 time, formatted at most once per millisecond (many lines share one under load). */
let lastMs = 0;
let lastTime = "";
function time(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastTime = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastTime;
}

/**
 * Stdout for log lines: the lines of one event-loop turn are joined and written with
 * one asynchronous write, so a burst of requests costs a few writes, not one per line,
 * and a slow log pipe never blocks requests (past `maxPendingBytes` waiting, lines are
 * dropped and counted rather than memory grown). pino's own destination (sonic-boom)
 * re-measures its whole pending buffer on every line, which costs more than the line.
 */
export class BatchedWriter {
  private pending: string[] = [];
  private pendingBytes = 0;
  private writing = false;
  /** Flushes waiting for the write in flight, so that lines keep their order. */
  private waiting: (() => void)[] = [];
  /** Lines dropped because the pipe did not keep up. */
  dropped = 0;

  constructor(
    private readonly fd = 1,
    private readonly maxPendingBytes = 8 << 20,
  ) {}

  write(line: string): boolean {
    if (this.pendingBytes > this.maxPendingBytes) {
      this.dropped++;
      return false;
    }
    this.pending.push(line);
    this.pendingBytes += line.length;
    if (this.pending.length === 1 && !this.writing) setImmediate(() => this.drain());
    return true;
  }

  private take(): Buffer {
    const chunk = Buffer.from(this.pending.join(""));
    this.pending = [];
    this.pendingBytes = 0;
    return chunk;
  }

  private drain(): void {
    if (this.writing || this.pending.length === 0) return;
    this.writing = true;
    const send = (chunk: Buffer, from: number) => {
      write(this.fd, chunk, from, chunk.length - from, null, (err, written) => {
        if (!err && from + written < chunk.length) return send(chunk, from + written);
        this.writing = false;
        const waiting = this.waiting.splice(0);
        for (const flush of waiting) flush();
        this.drain();
      });
    };
    send(this.take(), 0);
  }

  /**
   * Writes what is pending, synchronously, after the write in flight if any; then calls
   * `done` (pino's `logger.flush(done)` calls this before exiting).
   */
  flush(done?: (err?: Error) => void): void {
    if (this.writing) {
      this.waiting.push(() => this.flush(done));
      return;
    }
    if (this.pending.length > 0) writeSync(this.fd, this.take());
    done?.();
  }
}

/** A JSON logger writing to `destination` (default: batched stdout). */
export function createLogger(level: string, destination: pino.DestinationStream = new BatchedWriter()): Logger {
  return pino(
    {
      level,
      base: undefined,
      messageKey: "message",
      timestamp: time,
      formatters: { level: (label) => ({ severity: SEVERITY[label] ?? "DEFAULT" }) },
    },
    destination,
  );
}

/** Cloud Logging's `httpRequest.latency` since `start` (performance.now()): seconds with an "s" suffix. */
export function latency(start: number): string {
  return `${((performance.now() - start) / 1000).toFixed(6)}s`;
}
