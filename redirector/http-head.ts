/**
 * HEAD requests to the mirrors, over keep-alive pools of Node's own HTTP client.
 *
 * node:http is loaded by the server anyway; undici cost ~110 ms of start-up and ~29 MB
 * of RSS (measured on Node 24), so it was loaded lazily and its load fell on the first
 * blob request, outside the HEAD budget. node:https (~14 ms, ~8 MB) is loaded at start
 * when a mirror is https, else on the first https URL (a redirect).
 */
import * as http from "node:http";
import type * as Https from "node:https";

/** Sends a HEAD and resolves with the final status; rejects on network errors or abort. */
export type Head = (url: string, signal: AbortSignal) => Promise<number>;

/** Redirects followed, as upstream's Go client does (it allows 10; S3 needs at most one). */
const MAX_REDIRECTS = 3;
const REDIRECT = new Set([301, 302, 303, 307, 308]);
const HEADERS = { "user-agent": "registry-redirector" };

export interface HeadClient {
  head: Head;
  close(): void;
}

/** A HEAD client; `https` loads node:https now (a mirror is https) rather than on first use. */
export function nodeHead(options: { https: boolean }): HeadClient {
  // Idle pooled sockets are dropped after 30 s; the caller's signal bounds each HEAD.
  const pool = { keepAlive: true, maxSockets: 128, timeout: 30_000 };
  const httpAgent = new http.Agent(pool);
  let secure: { module: typeof Https; agent: Https.Agent } | undefined;
  const tls = () => {
    if (!secure) {
      const module = require("node:https") as typeof Https;
      secure = { module, agent: new module.Agent(pool) };
    }
    return secure;
  };
  if (options.https) tls();

  const once = (url: URL, signal: AbortSignal) =>
    new Promise<{ status: number; location?: string }>((resolve, reject) => {
      const { module, agent } = url.protocol === "https:" ? tls() : { module: http, agent: httpAgent };
      const req = module.request(url, { method: "HEAD", agent, signal, headers: HEADERS }, (res) => {
        res.resume(); // a HEAD has no body: this returns the socket to the pool
        resolve({ status: res.statusCode ?? 0, location: res.headers.location });
      });
      req.on("error", reject);
      req.end();
    });

  const head: Head = async (url, signal) => {
    let target = new URL(url);
    for (let hop = 0; ; hop++) {
      const { status, location } = await once(target, signal);
      if (!REDIRECT.has(status) || location === undefined || hop === MAX_REDIRECTS) return status;
      target = new URL(location, target);
      if (target.protocol !== "http:" && target.protocol !== "https:") return status;
    }
  };
  return {
    head,
    close: () => {
      httpAgent.destroy();
      secure?.agent.destroy();
    },
  };
}
