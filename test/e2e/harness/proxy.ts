/**
 * A small reverse proxy on 127.0.0.1, for what the real servers cannot do themselves:
 * set a client persona's X-Forwarded-For, log every request (s3rver's own log is
 * unusable), add latency, and inject faults. Responses (307s included) pass unchanged.
 */
import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, request, type ServerResponse } from "node:http";
import { type Readable, Transform } from "node:stream";
import { finished } from "node:stream/promises";

export interface TestProxyLogEntry {
  method: string;
  path: string;
  status: number;
  authorization: boolean;
  headers: IncomingHttpHeaders;
}

export interface TestProxyOptions {
  /** Request headers to set (a persona's X-Forwarded-For). */
  headers?: Record<string, string>;
  /** Answer a request here instead of forwarding it; return true when it was answered. */
  intercept?: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** Rewrite a response body (fault injection), or undefined to pass it through. */
  rewrite?: (req: IncomingMessage) => ((body: Buffer) => Buffer) | undefined;
  /** Forward only the first N bytes of a request body, as a server that keeps a cut-off upload would see it. */
  truncateRequest?: (req: IncomingMessage) => number | undefined;
  /** How long an idle client connection stays open (default 1 s); clients that keep sockets longer race its close. */
  keepAliveMs?: number;
  /** Forward a request body at most this many bytes per second (a slow upload). */
  throttleRequest?: (req: IncomingMessage) => number | undefined;
}

/** Passes the first `keep` bytes and swallows the rest. */
function truncate(keep: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const room = Math.max(0, keep - seen);
      seen += chunk.length;
      done(null, chunk.subarray(0, room));
    },
  });
}

/** Delays chunks so they pass at about `bytesPerSecond`. */
function throttle(bytesPerSecond: number): Transform {
  return new Transform({
    highWaterMark: 1024,
    transform(chunk: Buffer, _encoding, done) {
      setTimeout(() => done(null, chunk), (chunk.length / bytesPerSecond) * 1000);
    },
  });
}

export interface TestProxy {
  readonly port: number;
  readonly url: string;
  readonly log: TestProxyLogEntry[];
  /** Wait this long before forwarding each request (a slow backend). */
  delayMs: number;
  close(): Promise<void>;
}

export async function startProxy(target: string, options: TestProxyOptions = {}): Promise<TestProxy> {
  const upstream = new URL(target);
  const log: TestProxyLogEntry[] = [];
  const state = { delayMs: 0 };
  const server = createServer(async (req, res) => {
    const entry = {
      method: req.method ?? "",
      path: req.url ?? "",
      status: 0,
      authorization: !!req.headers.authorization,
      headers: req.headers,
    };
    log.push(entry);
    res.on("finish", () => {
      entry.status = res.statusCode;
    });
    if (options.intercept?.(req, res)) return;
    if (state.delayMs) await new Promise((r) => setTimeout(r, state.delayMs));
    const rewrite = options.rewrite?.(req);
    const keep = options.truncateRequest?.(req);
    const rate = options.throttleRequest?.(req);
    const headers = {
      ...req.headers,
      ...options.headers,
      host: upstream.host,
      ...(keep !== undefined
        ? { "content-length": String(Math.min(keep, Number(req.headers["content-length"]))) }
        : {}),
    };
    // A server that keeps a cut-off upload still reads the whole body before it answers;
    // answering early would make the client's write fail (EPIPE) instead of succeeding.
    const bodyRead = keep !== undefined ? finished(req).catch(() => undefined) : undefined;
    const forward = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
      async (up) => {
        if (bodyRead) await bodyRead;
        if (!rewrite) {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        up.on("data", (c) => chunks.push(c));
        up.on("end", () => {
          const body = rewrite(Buffer.concat(chunks));
          res.writeHead(up.statusCode ?? 502, { ...up.headers, "content-length": String(body.length) });
          res.end(body);
        });
      },
    );
    // The backend is down: drop the client's connection, as a dead server behind a
    // load balancer looks to a client.
    forward.on("error", () => res.destroy());
    let body: Readable = req;
    if (keep !== undefined) body = body.pipe(truncate(keep));
    if (rate !== undefined) body = body.pipe(throttle(rate));
    // The client went away mid-body: so does the request upstream (a cut-off upload).
    req.on("aborted", () => forward.destroy());
    body.pipe(forward);
  });
  // Connections a client keeps alive would hold close() open.
  server.keepAliveTimeout = options.keepAliveMs ?? 1000;
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    log,
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(ms: number) {
      state.delayMs = ms;
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, "close").catch(() => undefined);
    },
  };
}
