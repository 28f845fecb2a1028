/**
 * The request handler: decide (router.ts), ask the mirror when a blob may be there
 * (existence.ts), answer, and log one line per decision.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { firstHeader } from "./client-ip";
import { CLIP, clip } from "./clip";
import type { ExistenceChecker } from "./existence";
import { type Logger, latency } from "./log";
import { type Decision, type Router, reason, settleBlob } from "./router";

export interface HandlerDeps {
  router: Router;
  checker: ExistenceChecker;
  logger: Logger;
}

export interface Handler {
  (req: IncomingMessage, res: ServerResponse): void;
  /** From now on, ask clients to close their connections (graceful shutdown). */
  drain(): void;
}

const TEXT = { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" };
const HTML = "text/html; charset=utf-8";

const HTML_SPECIAL = /[&<>"']/;
const HTML_SPECIALS = /[&<>"']/g;

/** Most Locations have nothing to escape: one test, no replace. */
function htmlEscape(s: string): string {
  return HTML_SPECIAL.test(s) ? s.replace(HTML_SPECIALS, (c) => `&#${c.charCodeAt(0)};`) : s;
}

/**
 * One line per decision at info: a blob routed by its client's cloud and region or
 * by asking a mirror. Refused requests are warnings. Answers fixed by the path alone
 * (manifests, tags, referrers, signatures, pages, 404, 405) and blobs answered from
 * the existence cache repeat a known rule at high volume: debug only. Cloud Run's
 * request log records every request anyway.
 */
export function logLevel(d: Decision, cacheHit: boolean): "debug" | "info" | "warn" {
  if (d.status === 400) return "warn";
  return d.client && !cacheHit ? "info" : "debug";
}

const clipped = (text: string | undefined, max: number) => (text === undefined ? undefined : clip(text, max));

export function createHandler({ router, checker, logger }: HandlerDeps): Handler {
  let draining = false;

  function respond(req: IncomingMessage, res: ServerResponse, d: Decision, start: number, cacheHit: boolean): void {
    if (draining) res.setHeader("connection", "close");
    if (d.status === 307) {
      const location = d.location;
      // Upstream's body; for HEAD, Node sends the headers (Content-Length included) only.
      const body = `<a href="${htmlEscape(location)}">Temporary Redirect</a>.\n\n`;
      // Locations are printable ASCII (config checks, SAFE_PART): length is the byte count.
      res.writeHead(307, { location, "content-type": HTML, "content-length": body.length });
      res.end(body);
    } else if (d.route === "api-version") {
      res.writeHead(200, { "docker-distribution-api-version": "registry/2.0", "content-length": 0 });
      res.end();
    } else {
      const body = d.body;
      const allow = d.status === 405 ? { allow: "GET, HEAD" } : {};
      res.writeHead(d.status, { ...TEXT, ...allow, "content-length": Buffer.byteLength(body) });
      res.end(body);
    }
    if (d.pull) {
      const { repository, reference, cloud, region } = d.pull;
      logger.info(
        { repository: clip(repository, CLIP.url), reference: clip(reference, CLIP.url), client: { cloud, region } },
        "image_pull",
      );
    }
    const level = logLevel(d, cacheHit);
    if (!logger.isLevelEnabled(level)) return;
    logger[level](
      {
        httpRequest: {
          requestMethod: req.method,
          requestUrl: clip(req.url ?? "", CLIP.url),
          status: d.status,
          remoteIp: d.client?.ip ?? req.socket.remoteAddress,
          userAgent: clipped(firstHeader(req.rawHeaders, "user-agent"), CLIP.userAgent),
          latency: latency(start),
        },
        route: d.route,
        target: d.target,
        reason: reason(d),
        client: d.client,
        mirror: d.mirror?.base,
        mirrorAnswer: d.mirrorAnswer,
      },
      `${d.status} ${d.route}${d.target ? ` -> ${d.target}` : ""}`,
    );
  }

  function fail(res: ServerResponse, err: unknown): void {
    logger.error({ err }, "handler failed");
    if (!res.headersSent) res.writeHead(500, TEXT);
    res.end("internal error\n");
  }

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const start = performance.now();
    try {
      const d = router.decide(req.method ?? "", req.url ?? "", req.rawHeaders, req.socket.remoteAddress);
      if (d.status !== 307 || !d.mirror) {
        respond(req, res, d, start, false);
        return;
      }
      const { base, url } = d.mirror;
      const known = checker.cached(base, url);
      if (known) respond(req, res, settleBlob(d, known), start, known.source === "cache");
      else {
        checker.check(base, url).then(
          (existence) => respond(req, res, settleBlob(d, existence), start, false),
          (err) => fail(res, err),
        );
      }
    } catch (err) {
      fail(res, err);
    }
  };
  return Object.assign(handle, {
    drain: () => {
      draining = true;
    },
  });
}
