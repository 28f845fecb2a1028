/**
 * The two knobs that keep the sync polite: a request rate (Artifact Registry has a
 * per-user request quota; upstream geranos uses 80/s) and a bound on work in flight.
 * Both are a few lines, so they are written here rather than pulled in as dependencies.
 */

/**
 * Token bucket: `rate` tokens per second, at most `burst` saved up. `take()` returns the
 * wait (ms) before the caller may go, and books the token, so concurrent callers queue
 * behind each other in order. Pure given the clock.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(rate > 0) || !(burst >= 1)) throw new Error("rate must be > 0 and burst >= 1");
    this.tokens = burst;
    this.last = now();
  }

  take(): number {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) * this.rate) / 1000);
    this.last = t;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens * 1000) / this.rate;
  }

  /** Waits for a token. */
  async acquire(): Promise<void> {
    const wait = this.take();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

/**
 * Runs `fn` over `items` with at most `limit` at a time; results in input order. `fn`
 * reports its own failures (the sync records them and goes on), so one throwing rejects
 * the whole run. Once `signal` aborts, no new item starts (their results stay undefined).
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
  signal?: AbortSignal,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length && !signal?.aborted) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
