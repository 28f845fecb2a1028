/**
 * "Does this mirror hold this blob?": a HEAD of the blob URL, answered from a bounded
 * cache when possible.
 *
 * - Cache: lru-cache, bounded in entries and in bytes (keys are only ever registered
 *   digests under a configured base, but the byte bound holds whatever they are).
 *   Blobs are content-addressed and written once, so a hit stays true for long; a miss
 *   may be filled by the next sync, so it expires soon. Failures are not cached: the
 *   breaker deals with them.
 * - Single flight: concurrent requests for one URL share one HEAD.
 * - Timeout: one budget for the whole HEAD (connect, TLS, headers, redirects), after
 *   which the caller falls back upstream.
 * - Circuit breaker per mirror: after `breakerFailures` consecutive failures (timeout,
 *   connection error, 5xx, 429) the mirror is skipped for `breakerCooldownSeconds`;
 *   then one probe decides whether it closes again. A dead region costs clients nothing.
 * - Health checks (health.ts) of the mirrors in use: a mirror failing them is out of
 *   rotation whatever the cache remembers.
 */
import { LRUCache } from "lru-cache";
import { type HealthChange, HealthChecks } from "./health";
import { type Head, type HeadClient, nodeHead } from "./http-head";

export type { Head } from "./http-head";

export interface ExistenceOptions {
  timeoutMs: number;
  positiveTtlSeconds: number;
  negativeTtlSeconds: number;
  maxEntries: number;
  maxBytes: number;
  breakerFailures: number;
  breakerCooldownSeconds: number;
  healthCheckIntervalMs: number;
  healthCheckFailures: number;
  healthCheckSuccesses: number;
}

/**
 * What one cache entry costs beyond its key's characters (measured: ~200 bytes of
 * heap per entry with a 110-character key): lru-cache's slots, the Map entry, the
 * string header. `maxBytes` counts key length + this.
 */
export const ENTRY_OVERHEAD_BYTES = 100;

export interface Existence {
  exists: boolean;
  /**
   * `cache`: answered without I/O; `head`: asked the mirror; `breaker` or `health`:
   * the mirror is out of rotation (failing HEADs, failing health checks).
   */
  source: "cache" | "head" | "breaker" | "health";
  /**
   * The answer in one word, for metrics: the blob is `present` or `absent` there, the mirror
   * `failed` to answer (timeout, error, 5xx, 429), or was `skipped` (out of rotation).
   */
  answer: "present" | "absent" | "failed" | "skipped";
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

  /** Counts a failure; true when it is the one that opens the breaker. */
  failure(now: number): boolean {
    this.failures++;
    if (this.failures < this.threshold) return false;
    this.openUntil = now + this.cooldownMs;
    this.probing = false;
    return this.failures === this.threshold;
  }

  describe(): string {
    return `breaker open after ${this.failures} consecutive failures`;
  }
}

export class ExistenceChecker {
  /**
   * URL -> until when the answer holds (ms on `now`): present while positive, absent
   * (negated) while negative. Expiry is checked here against one clock reading per
   * request, so the LRU itself keeps no TTL state. Its storage grows with its entries
   * (lru-cache with no `max`: bounded by `maxBytes`, and by `maxEntries` here), rather
   * than `maxEntries` slots allocated up front (~3.6 MB of RSS for 100k, mostly unused).
   */
  private readonly cache: LRUCache<string, number>;
  private readonly inFlight = new Map<string, Promise<Existence>>();
  private readonly breakers = new Map<string, Breaker>();
  private readonly http: HeadClient;
  private readonly now: () => number;
  readonly health: HealthChecks;
  private readonly onBreakerOpen: (mirror: string, detail: string) => void;

  constructor(
    private readonly options: ExistenceOptions,
    deps: {
      head?: Head;
      now?: () => number;
      https?: boolean;
      onHealthChange?: (c: HealthChange) => void;
      /** A mirror's breaker opened: it is skipped for the cool-down. */
      onBreakerOpen?: (mirror: string, detail: string) => void;
    } = {},
  ) {
    this.onBreakerOpen = deps.onBreakerOpen ?? (() => {});
    this.cache = new LRUCache({
      maxSize: options.maxBytes,
      sizeCalculation: (_value, key) => key.length + ENTRY_OVERHEAD_BYTES,
    });
    this.now = deps.now ?? (() => performance.now());
    this.http = deps.head ? { head: deps.head, close: () => {} } : nodeHead({ https: deps.https ?? false });
    this.health = new HealthChecks(
      {
        intervalMs: options.healthCheckIntervalMs,
        failures: options.healthCheckFailures,
        successes: options.healthCheckSuccesses,
        timeoutMs: options.timeoutMs,
      },
      this.http.head,
      this.now,
      deps.onHealthChange,
    );
  }

  /** Remembers an answer; past `maxEntries`, the least recently used one goes (`maxBytes`: lru-cache). */
  private remember(url: string, until: number): void {
    this.cache.set(url, until);
    if (this.cache.size > this.options.maxEntries) this.cache.pop();
  }

  /** Number of cached answers (bounded by `maxEntries` and `maxBytes`). */
  get size(): number {
    return this.cache.size;
  }

  /** Bytes the cache accounts for (key characters + a fixed overhead per entry). */
  get bytes(): number {
    return this.cache.calculatedSize;
  }

  /**
   * The answer that needs no I/O, if there is one: the mirror out of rotation (a cached
   * "present" must not send clients to a mirror that is failing right now), else the cache.
   */
  cached(base: string, url: string): Existence | undefined {
    const down = this.health.down(base);
    if (down) return { exists: false, source: "health", answer: "skipped", detail: down };
    const now = this.now();
    const breaker = this.breakers.get(base);
    if (breaker?.isOpen(now))
      return { exists: false, source: "breaker", answer: "skipped", detail: breaker.describe() };
    const until = this.cache.get(url);
    if (until === undefined) return undefined;
    if (until > now) return CACHED_PRESENT;
    if (-until > now) return CACHED_ABSENT;
    this.cache.delete(url);
    return undefined;
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
      return Promise.resolve({ exists: false, source: "breaker", answer: "skipped", detail: breaker.describe() });
    }
    const result = this.ask(base, url, breaker).finally(() => this.inFlight.delete(url));
    this.inFlight.set(url, result);
    return result;
  }

  private async ask(base: string, url: string, breaker: Breaker): Promise<Existence> {
    const { timeoutMs } = this.options;
    // The budget starts first and is ours to keep, whatever the HEAD does with the signal.
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abort.abort();
        reject(new Error(`timeout after ${timeoutMs} ms`));
      }, timeoutMs);
    });
    let status: number;
    try {
      status = await Promise.race([this.http.head(url, abort.signal), timeout]);
    } catch (err) {
      const detail = abort.signal.aborted
        ? `timeout after ${timeoutMs} ms`
        : `HEAD failed: ${(err as { code?: string }).code ?? (err as Error).message}`;
      this.failed(base, breaker);
      return { exists: false, source: "head", answer: "failed", detail };
    } finally {
      clearTimeout(timer);
    }
    const detail = `HEAD ${status}`;
    if (status >= 500 || status === 429) {
      this.failed(base, breaker);
      return { exists: false, source: "head", answer: "failed", detail };
    }
    breaker.success();
    const exists = status === 200;
    const now = this.now();
    if (exists) {
      const until = now + this.options.positiveTtlSeconds * 1000;
      this.remember(url, until);
      this.health.inUse(base, until);
    } else {
      this.remember(url, -(now + this.options.negativeTtlSeconds * 1000));
    }
    return { exists, source: "head", answer: exists ? "present" : "absent", detail };
  }

  private failed(base: string, breaker: Breaker): void {
    if (breaker.failure(this.now())) this.onBreakerOpen(base, breaker.describe());
  }

  /** Stops the health checks and closes the HEAD connection pools. */
  async close(): Promise<void> {
    this.health.stop();
    this.http.close();
  }
}

const CACHED_PRESENT: Existence = { exists: true, source: "cache", answer: "present", detail: "cached: present" };
const CACHED_ABSENT: Existence = { exists: false, source: "cache", answer: "absent", detail: "cached: absent" };
