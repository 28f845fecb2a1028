import {
  AttemptError,
  backoffDelay,
  isRetryableStatus,
  isTransientNetworkError,
  parseRetryAfter,
  withRetries,
} from "../../../tools/sync/retry";

const policy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 1000 };

describe("backoff", () => {
  it("doubles the ceiling per retry, jittered below it, capped", () => {
    expect([1, 2, 3, 4, 5].map((r) => backoffDelay(policy, r, 1))).toEqual([100, 200, 400, 800, 1000]);
    expect(backoffDelay(policy, 3, 0.5)).toBe(200);
    expect(backoffDelay(policy, 3, 0)).toBe(0);
  });

  it("waits at least what Retry-After asks, never past the cap", () => {
    expect(backoffDelay(policy, 1, 0, 700)).toBe(700);
    expect(backoffDelay(policy, 1, 0, 60_000)).toBe(1000);
  });

  it("reads Retry-After as seconds or as a date", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("3", now)).toBe(3000);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:02 GMT", now)).toBe(2000);
    expect(parseRetryAfter("Wed, 31 Dec 2025 00:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it("retries throttling and server errors, not client errors", () => {
    expect([408, 429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 501].some(isRetryableStatus)).toBe(false);
    expect(isTransientNetworkError(Object.assign(new Error("x"), { code: "ECONNRESET" }))).toBe(true);
    expect(isTransientNetworkError(Object.assign(new Error("x"), { code: "ERR_INVALID_ARG" }))).toBe(false);
  });
});

describe("withRetries", () => {
  const fast = { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 };

  it("retries a retryable failure until it succeeds, reporting each retry", async () => {
    const seen: number[] = [];
    let calls = 0;
    const result = await withRetries(
      fast,
      async () => {
        calls++;
        if (calls < 3) throw new AttemptError("503", true);
        return "ok";
      },
      (_e, retry) => seen.push(retry),
    );
    expect(result).toBe("ok");
    expect(seen).toEqual([1, 2]);
  });

  it("gives up after the last attempt with the last error", async () => {
    let calls = 0;
    await expect(
      withRetries(fast, async () => {
        calls++;
        throw new AttemptError(`503 #${calls}`, true);
      }),
    ).rejects.toThrow("503 #3");
    expect(calls).toBe(3);
  });

  it("does not retry what another attempt cannot fix", async () => {
    let calls = 0;
    await expect(
      withRetries(fast, async () => {
        calls++;
        throw new AttemptError("404", false);
      }),
    ).rejects.toThrow("404");
    await expect(
      withRetries(fast, async () => {
        calls++;
        throw new Error("digest mismatch");
      }),
    ).rejects.toThrow("digest mismatch");
    expect(calls).toBe(2);
  });
});
