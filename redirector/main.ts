/**
 * The redirector process: read and validate everything, then listen. Bad settings or
 * range files stop it with a clear message and exit code 1; SIGTERM (Cloud Run's stop
 * signal) and SIGINT drain it and exit 0 within 5 s.
 */
import { ConfigError, readSettings } from "./config";
import { loadRangeTable, RangesError } from "./ip-ranges";
import { createLogger } from "./log";
import { createRedirector } from "./server";

/** Cloud Run waits 10 s after SIGTERM; we promise 5 s. */
const SHUTDOWN_GRACE_MS = 4000;
const SHUTDOWN_DEADLINE_MS = 4800;

function load() {
  try {
    const settings = readSettings(process.env);
    return { settings, ranges: loadRangeTable(settings.rangesDir) };
  } catch (err) {
    if (!(err instanceof ConfigError || err instanceof RangesError)) throw err;
    process.stderr.write(`redirector: cannot start:\n${err.problems.map((p) => `  ${p}`).join("\n")}\n`);
    process.exit(1);
  }
}

async function main(): Promise<void> {
  const { settings, ranges } = load();
  const logger = createLogger(settings.logLevel);
  const redirector = createRedirector({ table: settings.table, ranges, logger });
  let port: number;
  try {
    port = await redirector.listen(settings.port);
  } catch (err) {
    process.stderr.write(`redirector: cannot listen on port ${settings.port}: ${(err as Error).message}\n`);
    process.exit(1);
  }
  logger.info(
    {
      port,
      prefixes: ranges.size,
      ranges: ranges.source,
      mirrors: settings.table.mirrors.length,
      startupMs: Math.round(performance.now()),
    },
    "listening",
  );

  const stop = (signal: string) => {
    logger.info({ signal }, "shutting down");
    setTimeout(() => {
      logger.error("shutdown deadline passed");
      logger.flush(() => process.exit(1));
    }, SHUTDOWN_DEADLINE_MS).unref();
    redirector.close(SHUTDOWN_GRACE_MS).then(() => {
      logger.info("stopped");
      logger.flush(() => process.exit(0));
    });
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

main();
