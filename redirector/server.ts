/**
 * The HTTP server around the handler, and its graceful shutdown.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ExistenceChecker, type Head } from "./existence";
import { createHandler } from "./handler";
import type { RangeTable } from "./ip-ranges";
import type { Logger } from "./log";
import { Router } from "./router";
import type { RoutingTable } from "./routing-table";

export interface RedirectorOptions {
  table: RoutingTable;
  ranges: RangeTable;
  logger: Logger;
  /** Test seams for the existence check; production uses node:http(s) and the real clock. */
  head?: Head;
  now?: () => number;
}

export interface Redirector {
  server: Server;
  checker: ExistenceChecker;
  /** Listens on `port` (0: any) and `host`; resolves with the bound port. */
  listen(port: number, host?: string): Promise<number>;
  /**
   * Stops accepting, lets in-flight requests finish, closes idle keep-alive
   * connections at once and busy ones after their response; after `graceMs`, cuts
   * whatever is left.
   */
  close(graceMs?: number): Promise<void>;
}

export function createRedirector(options: RedirectorOptions): Redirector {
  const { table, ranges, logger } = options;
  const https = [table.defaultBlobBaseUrl, ...table.mirrors.map((m) => m.baseUrl)].some((u) => u?.startsWith("https:"));
  const checker = new ExistenceChecker(table.existenceCheck, {
    head: options.head,
    now: options.now,
    https,
    onHealthChange: ({ mirror, up, detail }) =>
      up
        ? logger.info({ mirror, reason: detail }, "mirror up")
        : logger.warn({ mirror, reason: detail }, "mirror down"),
    onBreakerOpen: (mirror, detail) => logger.warn({ mirror, reason: detail }, "mirror breaker open"),
  });
  const handler = createHandler({ router: new Router(table, ranges), checker, logger });
  const server = createServer(
    {
      // Google's LB allows about 64 KiB of request headers; Node's default is 16 KiB.
      maxHeaderSize: 64 * 1024,
      headersTimeout: 10_000,
      requestTimeout: 30_000,
      keepAliveTimeout: 65_000,
    },
    handler,
  );
  let closing: Promise<void> | undefined;
  return {
    server,
    checker,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          resolve((server.address() as AddressInfo).port);
        });
      }),
    // Idempotent: a second SIGTERM, or a test's cleanup, waits for the same close.
    close: (graceMs = 4000) => {
      closing ??= (async () => {
        handler.drain();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const cut = setTimeout(() => server.closeAllConnections(), graceMs);
        await closed;
        clearTimeout(cut);
        await checker.close();
      })();
      return closing;
    },
  };
}
