/**
 * Test fixtures: a routing table, a real HTTP server standing in for a mirror, a real
 * redirector on 127.0.0.1, and a plain HTTP client.
 */
import { createServer, type IncomingMessage, request, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { Writable } from "node:stream";
import { loadRangeTable } from "../../redirector/ip-ranges";
import { createLogger } from "../../redirector/log";
import { RoutingTable, type RoutingTableInput } from "../../redirector/routing-table";
import { createRedirector, type Redirector } from "../../redirector/server";
import { writeRanges } from "./range-fixtures";

export const DIGEST = `sha256:${"a".repeat(64)}`;
export const UPSTREAM = "https://upstream.example.test";
export const SIGNATURES = "https://signatures.example.test";

/** A routing table whose mirrors are the given base URLs. */
export function table(
  mirrors: { paris: string; oregon: string; fallback: string },
  extra: Partial<RoutingTableInput> = {},
) {
  const input: RoutingTableInput = {
    upstream: { endpoint: UPSTREAM, path: "k8s-artifacts-prod/images" },
    signatureUpstream: SIGNATURES,
    infoUrl: "https://github.com/kubernetes/registry.k8s.io",
    privacyUrl: "https://www.linuxfoundation.org/privacy-policy/",
    defaultBlobBaseUrl: mirrors.fallback,
    upstreamClouds: ["gcp"],
    mirrors: [
      { cloud: "aws", clientRegion: "eu-west-3", baseUrl: mirrors.paris },
      { cloud: "aws", clientRegion: "us-west-2", baseUrl: mirrors.oregon },
    ],
    existenceCheck: { timeoutMs: 300, breakerFailures: 3, breakerCooldownSeconds: 30 },
    ...extra,
  };
  return input;
}

export type MirrorMode = "present" | "missing403" | "missing404" | "error500" | "hang" | "reset" | "slow" | "held";

/** A real HTTP server standing in for a blob mirror; records every request. */
export class Mirror {
  readonly requests: { method: string; url: string }[] = [];
  mode: MirrorMode = "present";
  slowMs = 100;
  private server: Server;
  private sockets = new Set<Socket>();
  /** Blob requests held in "held" mode, answered 200 by `release()`. */
  private held: (() => void)[] = [];
  private waiters: (() => void)[] = [];
  base = "";
  private port = 0;

  constructor() {
    this.server = createServer((req, res) => {
      this.requests.push({ method: req.method ?? "", url: req.url ?? "" });
      for (const wake of this.waiters.splice(0)) wake();
      if (this.mode === "held" && req.url !== "/") {
        this.held.push(() => res.writeHead(200).end());
        return;
      }
      switch (this.mode) {
        case "present":
          return res.writeHead(200, { "content-length": 4 }).end(req.method === "HEAD" ? undefined : "blob");
        case "missing403":
          return res.writeHead(403).end();
        case "missing404":
          return res.writeHead(404).end();
        case "error500":
          return res.writeHead(500).end();
        case "hang":
          return; // never answers
        case "reset":
          return req.socket.destroy();
        case "slow":
          setTimeout(() => res.writeHead(200).end(), this.slowMs);
          return;
        case "held":
          return res.writeHead(200).end(); // health checks pass
      }
    });
    this.server.on("connection", (s) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
  }

  /** Listens on a free port, or again on the port it had (after `stop()`). */
  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(this.port, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
    this.base = `http://127.0.0.1:${this.port}`;
    return this;
  }

  /** Resolves once a request matching `test` has arrived (at once if one has). */
  async received(test: (r: { method: string; url: string }) => boolean): Promise<void> {
    while (!this.requests.some(test)) await new Promise<void>((wake) => this.waiters.push(wake));
  }

  /** Answers every held blob request with 200. */
  release(): void {
    for (const answer of this.held.splice(0)) answer();
  }

  /** HEADs received for blob URLs. */
  get heads(): number {
    return this.requests.filter((r) => r.method === "HEAD" && r.url.startsWith("/containers/images/")).length;
  }

  /** Health checks received (HEADs of the base URL). */
  get probes(): number {
    return this.requests.filter((r) => r.method === "HEAD" && r.url === "/").length;
  }

  /** Requests other than health checks. */
  get blobRequests(): { method: string; url: string }[] {
    return this.requests.filter((r) => r.url !== "/");
  }

  /** Stops listening and drops every connection, as a dead host would. */
  async stop(): Promise<void> {
    const closed = new Promise((resolve) => this.server.close(resolve));
    for (const s of this.sockets) s.destroy();
    this.held = [];
    await closed;
  }
}

/** Collects the JSON log lines of a redirector. */
export class LogCapture extends Writable {
  readonly lines: Record<string, unknown>[] = [];
  private waiters: (() => void)[] = [];
  override _write(chunk: Buffer, _enc: string, done: () => void) {
    for (const line of chunk.toString().split("\n")) if (line) this.lines.push(JSON.parse(line));
    for (const wake of this.waiters.splice(0)) wake();
    done();
  }

  /** Resolves with the first line (from `from` on) whose message is `message`, once it is written. */
  async line(message: string, from = 0): Promise<Record<string, unknown>> {
    for (;;) {
      const found = this.lines.slice(from).find((l) => l.message === message);
      if (found) return found;
      await new Promise<void>((wake) => this.waiters.push(wake));
    }
  }
}

export interface Running {
  redirector: Redirector;
  port: number;
  logs: LogCapture;
  /** Advance the existence cache's and breaker's clock. */
  advance(ms: number): void;
  stop(): Promise<void>;
}

/** A real redirector on 127.0.0.1 with the fixture ranges and a controllable clock. */
export async function startRedirector(input: RoutingTableInput, logLevel = "info"): Promise<Running> {
  const logs = new LogCapture();
  let clock = 1_000_000;
  const redirector = createRedirector({
    table: RoutingTable.parse(input),
    ranges: loadRangeTable(writeRanges()),
    logger: createLogger(logLevel, logs),
    now: () => clock,
  });
  const port = await redirector.listen(0, "127.0.0.1");
  return {
    redirector,
    port,
    logs,
    advance: (ms) => {
      clock += ms;
    },
    stop: () => redirector.close(100),
  };
}

export interface Reply {
  status: number;
  headers: IncomingMessage["headers"];
  body: string;
}

/**
 * One request on a fresh connection. `headers` values may be arrays: each element is
 * sent as its own header line. `path` is sent exactly as given.
 */
export function send(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string | string[]> } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, path, method: options.method ?? "GET", headers: options.headers, agent: false },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c) => {
          body += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** Sends a blob request as if through Google's LB from `ip`. */
export function blob(port: number, ip: string, digest = DIGEST, method = "GET"): Promise<Reply> {
  return send(port, `/v2/pause/blobs/${digest}`, { method, headers: { "x-forwarded-for": `${ip},34.120.0.1` } });
}
