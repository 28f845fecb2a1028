/**
 * JSON logs on stdout in the shape Cloud Logging reads from Cloud Run: `severity`,
 * `message`, `time`, and `httpRequest` for request lines.
 */
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

/**
 * A logger writing to `destination` (default: stdout, asynchronously, so a burst of
 * requests never blocks on the pipe; call `flush()` before exiting).
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      messageKey: "message",
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ severity: SEVERITY[label] ?? "DEFAULT" }) },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/** Cloud Logging's `httpRequest.latency`: seconds with an "s" suffix. */
export function latency(startNs: bigint): string {
  return `${(Number(process.hrtime.bigint() - startNs) / 1e9).toFixed(6)}s`;
}
