import { mapLimit, TokenBucket } from "../../../tools/sync/limits";

describe("TokenBucket", () => {
  it("lets a burst through, then spaces requests at the rate", () => {
    let now = 0;
    const bucket = new TokenBucket(10, 2, () => now);
    expect([bucket.take(), bucket.take()]).toEqual([0, 0]);
    // The next ones queue behind each other, 100 ms apart at 10/s.
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([100, 200, 300]);
    now = 1000;
    // 1 s refills 10 tokens against a debt of 3, capped at the burst of 2.
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([0, 0, 100]);
  });

  it("refuses a rate or burst that would never let anything through", () => {
    expect(() => new TokenBucket(0, 1)).toThrow("rate must be > 0");
    expect(() => new TokenBucket(5, 0)).toThrow("burst >= 1");
  });
});

describe("mapLimit", () => {
  it("keeps at most `limit` in flight and returns results in input order", async () => {
    let inFlight = 0;
    let peak = 0;
    const delays = [30, 5, 20, 1, 10, 15, 2];
    const results = await mapLimit(delays, 3, async (ms) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, ms));
      inFlight--;
      return ms * 2;
    });
    expect(results).toEqual(delays.map((ms) => ms * 2));
    expect(peak).toBe(3);
  });

  it("handles fewer items than workers, and none", async () => {
    expect(await mapLimit([1], 8, async (x) => x + 1)).toEqual([2]);
    expect(await mapLimit([], 8, async (x: number) => x)).toEqual([]);
  });
});
