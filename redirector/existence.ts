/**
 * "Does this mirror hold this blob?": a HEAD of the blob URL, answered from a bounded
 * cache when possible.
 *
 * - Cache: lru-cache, bounded in entries. Blobs are content-addressed and written once,
 *   so a hit stays true for long; a miss may be filled by the next sync, so it expires
 *   soon. Failures are not cached: the breaker deals with them.
 * - Single flight: concurrent requests for one URL share one HEAD.
 * - Timeout: one budget for the whole HEAD (connect, TLS, headers, redirects), after
 *   which the caller falls back upstream.
 * - Circuit breaker per mirror: after `breakerFailures` consecutive failures (timeout,
 *   connection error, 5xx, 429) the mirror is skipped for `breakerCooldownSeconds`;
 *   then one probe decides whether it closes again. A dead region costs clients nothing.
 */
import { LRUCache } from "lru-cache";
import type * as Undici from "undici";

export interface ExistenceOptions {
  timeoutMs: number;
  positiveTtlSeconds: number;
  negativeTtlSeconds: number;
  maxEntries: number;
  breakerFailures: number;
  breakerCooldownSeconds: number;
}

/** Sends a HEAD and resolves with the final status; rejects on network errors or abort. */
export type Head = (url: string, signal: AbortSignal) => Promise<number>;

export interface Existence {
  exists: boolean;
  /** `cache`: answered without I/O; `head`: asked the mirror; `breaker`: mirror skipped. */
  source: "cache" | "head" | "breaker";
  /** What was observed, for logs and the route CLI: `HEAD 200`, `timeout after 1500 ms`... */
  detail: string;
}

/** Consecutive-failure breaker for one mirror. */
class Breaker {
  private failures = 0;
  private openUntil = 0;
  private probing = false;

  constructor(
    private readonly threshold: number,
    private readonly cooldownMs: number,
  ) {}

  /** Open and cooling down: the mirror is failing now, whatever the cache remembers. */
  isOpen(now: number): boolean {
    return this.failures >= this.threshold && now < this.openUntil;
  }

  /** Whether a HEAD may be sent now. After the cool-down, lets exactly one probe through. */
  allow(now: number): boolean {
    if (this.failures < this.threshold) return true;
    if (now < this.openUntil || this.probing) return false;
    this.probing = true;
    return true;
  }

  success(): void {
    this.failures = 0;
    this.probing = false;
  }

  failure(now: number): void {
    this.failures++;
    if (this.failures >= this.threshold) {
      this.openUntil = now + this.cooldownMs;
      this.probing = false;
    }
  }

  describe(): string {
    return `breaker open after ${this.failures} consecutive failures`;
  }
}

/**
 * A HEAD over a keep-alive pool, following up to 3 redirects as upstream does.
 * undici takes ~80 ms to load, so it is required on first use (or `warm()`), after
 * the server is already listening.
 */
export function undiciHead(timeoutMs: number): { head: Head; close: () => Promise<void> } {
  const { Agent, interceptors, request } = require("undici") as typeof Undici;
  const agent = new Agent({
    connections: 128,
    keepAliveTimeout: 30_000,
    // Backstops only: the caller's abort signal enforces the budget for the whole HEAD.
    connect: { timeout: timeoutMs * 2 },
    headersTimeout: timeoutMs * 2,
    bodyTimeout: timeoutMs * 2,
  });
  const dispatcher = agent.compose(interceptors.redirect({ maxRedirections: 3 }));
  const head: Head = async (url, signal) => {
    const res = await request(url, {
      method: "HEAD",
      dispatcher,
      signal,
      headers: { "user-agent": "registry-redirector" },
    });
    await res.body.dump();
    return res.statusCode;
  };
  return { head, close: () => agent.close() };
}

export class ExistenceChecker {
  /** Created with the HTTP client (`warm()`): allocating 100k slots takes ~12 ms of start-up. */
  private cache?: LRUCache<string, boolean>;
  private readonly inFlight = new Map<string, Promise<Existence>>();
  private readonly breakers = new Map<string, Breaker>();
  private http?: { head: Head; close: () => Promise<void> };
  private readonly now: () => number;

  constructor(
    private readonly options: ExistenceOptions,
    deps: { head?: Head; now?: () => number } = {},
  ) {
    this.now = deps.now ?? (() => performance.now());
    if (deps.head) this.http = { head: deps.head, close: async () => {} };
  }

  /** Loads the HTTP client and allocates the cache now rather than on the first blob request. */
  warm(): LRUCache<string, boolean> {
    this.http ??= undiciHead(this.options.timeoutMs);
    this.cache ??= new LRUCache({
      max: this.options.maxEntries,
      ttl: this.options.positiveTtlSeconds * 1000,
      ttlResolution: 0,
      perf: { now: this.now },
    });
    return this.cache;
  }

  /** Number of cached answers (bounded by `maxEntries`). */
  get size(): number {
    return this.cache?.size ?? 0;
  }

  /**
   * The answer that needs no I/O, if there is one: the mirror's open breaker (a cached
   * "present" must not send clients to a mirror that is failing right now), else the cache.
   */
  cached(base: string, url: string): Existence | undefined {
    const breaker = this.breakers.get(base);
    if (breaker?.isOpen(this.now())) return { exists: false, source: "breaker", detail: breaker.describe() };
    const hit = this.cache?.get(url);
    if (hit === undefined) return undefined;
    return hit ? CACHED_PRESENT : CACHED_ABSENT;
  }

  /** Whether the mirror at `base` holds the blob at `url` (which is under `base`). */
  check(base: string, url: string): Promise<Existence> {
    const known = this.cached(base, url);
    if (known) return Promise.resolve(known);
    const pending = this.inFlight.get(url);
    if (pending) return pending;
    return this.head(base, url, this.breakers.get(base));
  }

  private head(base: string, url: string, known: Breaker | undefined): Promise<Existence> {
    let breaker = known;
    if (!breaker) {
      breaker = new Breaker(this.options.breakerFailures, this.options.breakerCooldownSeconds * 1000);
      this.breakers.set(base, breaker);
    }
    if (!breaker.allow(this.now())) {
      return Promise.resolve({ exists: false, source: "breaker", detail: breaker.describe() });
    }
    const result = this.ask(url, breaker).finally(() => this.inFlight.delete(url));
    this.inFlight.set(url, result);
    return result;
  }

  private async ask(url: string, breaker: Breaker): Promise<Existence> {
    this.warm();
    const { timeoutMs } = this.options;
    const abort = new AbortController();
    // The budget is ours to keep, whatever the HEAD does with the abort signal.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abort.abort();
        reject(new Error(`timeout after ${timeoutMs} ms`));
      }, timeoutMs);
    });
    let status: number;
    try {
      status = await Promise.race([(this.http as { head: Head }).head(url, abort.signal), timeout]);
    } catch (err) {
      breaker.failure(this.now());
      const detail = abort.signal.aborted
        ? `timeout after ${timeoutMs} ms`
        : `HEAD failed: ${(err as { code?: string }).code ?? (err as Error).message}`;
      return { exists: false, source: "head", detail };
    } finally {
      clearTimeout(timer);
    }
    const detail = `HEAD ${status}`;
    if (status >= 500 || status === 429) {
      breaker.failure(this.now());
      return { exists: false, source: "head", detail };
    }
    breaker.success();
    const exists = status === 200;
    this.warm().set(url, exists, exists ? undefined : { ttl: this.options.negativeTtlSeconds * 1000 });
    return { exists, source: "head", detail };
  }

  /** Closes the HEAD connection pool. */
  async close(): Promise<void> {
    await this.http?.close();
  }
}

const CACHED_PRESENT: Existence = { exists: true, source: "cache", detail: "cached: present" };
const CACHED_ABSENT: Existence = { exists: false, source: "cache", detail: "cached: absent" };
