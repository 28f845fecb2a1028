/** Retries with exponential backoff for 429, 5xx and network failures. */

export interface RetryPolicy {
  /** Attempts in total, the first included. */
  attempts: number;
  /** Delay before the first retry; doubles each time. */
  baseDelayMs: number;
  /** No single wait is longer, whatever Retry-After asks. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 500, maxDelayMs: 30_000 };

/** Statuses worth another try: the server is busy or broken, not the request wrong. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status <= 599 && status !== 501);
}

/** A failure of one attempt, carrying what the backoff needs. */
export class AttemptError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    /** From the server's Retry-After, when it sent one. */
    readonly retryAfterMs?: number,
    /** The HTTP status, when the failure was a response. */
    readonly status?: number,
  ) {
    super(message);
    this.name = "AttemptError";
  }
}

/** `Retry-After` as delta-seconds or an HTTP date, in ms from `now`; undefined if absent or bad. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The wait before retry number `retry` (1-based): "full jitter" backoff (a random point
 * below base * 2^(retry-1)), so many workers hit by the same 429 do not come back in step;
 * the server's Retry-After, when given, is a floor.
 */
export function backoffDelay(policy: RetryPolicy, retry: number, random: number, retryAfterMs?: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  const jittered = Math.round(ceiling * random);
  return Math.min(policy.maxDelayMs, Math.max(jittered, retryAfterMs ?? 0));
}

/** Network-level failures (resets, refusals, timeouts) that another attempt may not meet. */
export function isTransientNetworkError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return (
    typeof code === "string" &&
    /^(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|EAI_AGAIN|ENOTFOUND|UND_ERR_SOCKET|UND_ERR_CONNECT_TIMEOUT|UND_ERR_HEADERS_TIMEOUT|UND_ERR_BODY_TIMEOUT|UND_ERR_CLOSED)$/.test(
      code,
    )
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` until it succeeds, fails for good, or the attempts run out. `onRetry`
 * hears about each retry (for the progress log).
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  attempt: () => Promise<T>,
  onRetry?: (error: Error, retry: number, delayMs: number) => void,
): Promise<T> {
  for (let retry = 1; ; retry++) {
    try {
      return await attempt();
    } catch (e) {
      const error = e as Error;
      const retryable = error instanceof AttemptError ? error.retryable : isTransientNetworkError(error);
      if (!retryable || retry >= policy.attempts) throw error;
      const delay = backoffDelay(
        policy,
        retry,
        Math.random(),
        error instanceof AttemptError ? error.retryAfterMs : undefined,
      );
      onRetry?.(error, retry, delay);
      await sleep(delay);
    }
  }
}
