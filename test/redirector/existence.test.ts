import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { ExistenceChecker, type ExistenceOptions, type Head } from "../../redirector/existence";
import type { HealthChange } from "../../redirector/health";

const CACHED_PRESENT = { exists: true, source: "cache", answer: "present", detail: "cached: present" };

const OPTIONS: ExistenceOptions = {
  timeoutMs: 100,
  positiveTtlSeconds: 3600,
  negativeTtlSeconds: 60,
  maxEntries: 1000,
  maxBytes: 1 << 20,
  breakerFailures: 3,
  breakerCooldownSeconds: 30,
  healthCheckIntervalMs: 2000,
  healthCheckFailures: 2,
  healthCheckSuccesses: 2,
};

/** A checker whose HEADs answer from `answer` (a status, or an Error to throw), with a fake clock. */
function setup(
  answer: (url: string) => number | Error | Promise<number>,
  options: Partial<ExistenceOptions> = {},
  record = true,
) {
  // lru-cache treats a start time of 0 as "no TTL": start the clock elsewhere.
  let clock = 1_000_000;
  const heads: string[] = [];
  const head: Head = async (url) => {
    if (record) heads.push(url);
    const a = await answer(url);
    if (a instanceof Error) throw a;
    return a;
  };
  const openings: string[] = [];
  const checker = new ExistenceChecker(
    { ...OPTIONS, ...options },
    { head, now: () => clock, onBreakerOpen: (mirror, detail) => openings.push(`${mirror}: ${detail}`) },
  );
  return {
    checker,
    heads,
    openings,
    advance: (ms: number) => {
      clock += ms;
    },
    check: (url: string) => checker.check("http://m", url),
  };
}

describe("ExistenceChecker", () => {
  it("caches a present blob for the positive TTL", async () => {
    const { check, heads, advance } = setup(() => 200);
    expect(await check("http://m/a")).toEqual({ exists: true, source: "head", answer: "present", detail: "HEAD 200" });
    expect(await check("http://m/a")).toEqual({
      exists: true,
      source: "cache",
      answer: "present",
      detail: "cached: present",
    });
    advance(3599_000);
    expect((await check("http://m/a")).source).toBe("cache");
    advance(2_000);
    expect((await check("http://m/a")).source).toBe("head");
    expect(heads).toHaveLength(2);
  });

  it("caches a missing blob (403, 404) only for the short negative TTL", async () => {
    const { check, heads, advance } = setup((url) => (url.endsWith("403") ? 403 : 404));
    expect(await check("http://m/403")).toEqual({
      exists: false,
      source: "head",
      answer: "absent",
      detail: "HEAD 403",
    });
    expect(await check("http://m/404")).toEqual({
      exists: false,
      source: "head",
      answer: "absent",
      detail: "HEAD 404",
    });
    expect(await check("http://m/404")).toEqual({
      exists: false,
      source: "cache",
      answer: "absent",
      detail: "cached: absent",
    });
    advance(61_000);
    expect((await check("http://m/404")).source).toBe("head");
    expect(heads).toEqual(["http://m/403", "http://m/404", "http://m/404"]);
  });

  it("does not cache failures: timeouts, 5xx, 429, connection errors", async () => {
    let n = 0;
    const { check, heads } = setup(
      () => [500, 429, Object.assign(new Error("reset"), { code: "ECONNRESET" }), 200][n++ % 4] as number | Error,
      { breakerFailures: 10 },
    );
    expect((await check("http://m/x")).detail).toBe("HEAD 500");
    expect((await check("http://m/x")).detail).toBe("HEAD 429");
    expect((await check("http://m/x")).detail).toBe("HEAD failed: ECONNRESET");
    expect(await check("http://m/x")).toMatchObject({ exists: true, detail: "HEAD 200" });
    expect(heads).toHaveLength(4);
  });

  it("gives up after the timeout", async () => {
    const { check } = setup(() => new Promise<number>(() => {}));
    const started = Date.now();
    expect(await check("http://m/x")).toEqual({
      exists: false,
      source: "head",
      answer: "failed",
      detail: "timeout after 100 ms",
    });
    // Budget: the timeout plus a margin wide enough for a busy machine.
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("sends one HEAD for concurrent requests of the same blob", async () => {
    let release: (status: number) => void = () => {};
    const { check, heads } = setup(() => new Promise<number>((r) => (release = r)));
    const all = Promise.all(Array.from({ length: 50 }, () => check("http://m/same")));
    await new Promise((r) => setImmediate(r));
    release(200);
    const results = await all;
    expect(heads).toEqual(["http://m/same"]);
    expect(results.every((r) => r.exists)).toBe(true);
    // Once settled, the next miss asks again.
    expect((await check("http://m/other")).source).toBe("head");
    expect(heads).toHaveLength(2);
  });

  it("opens the breaker after consecutive failures, probes once after the cool-down, and closes", async () => {
    let status = 500;
    const { check, heads, advance, openings } = setup(() => status);
    for (const url of ["http://m/1", "http://m/2"]) expect((await check(url)).detail).toBe("HEAD 500");
    expect(openings).toEqual([]);
    expect((await check("http://m/3")).detail).toBe("HEAD 500");
    expect(openings).toEqual(["http://m: breaker open after 3 consecutive failures"]);
    expect(await check("http://m/4")).toEqual({
      exists: false,
      source: "breaker",
      answer: "skipped",
      detail: "breaker open after 3 consecutive failures",
    });
    expect(heads).toHaveLength(3);
    // After the cool-down one probe goes out; while it is pending, others are still skipped.
    advance(30_000);
    status = 404;
    const probe = check("http://m/5");
    expect((await check("http://m/6")).source).toBe("breaker");
    expect(await probe).toMatchObject({ source: "head", detail: "HEAD 404" });
    expect((await check("http://m/7")).source).toBe("head");
    expect(heads).toEqual(["http://m/1", "http://m/2", "http://m/3", "http://m/5", "http://m/7"]);
  });

  it("re-opens the breaker when the probe fails", async () => {
    const { check, heads, advance, openings } = setup(() => 503, { breakerFailures: 1 });
    expect((await check("http://m/1")).detail).toBe("HEAD 503");
    expect((await check("http://m/2")).source).toBe("breaker");
    advance(30_000);
    expect((await check("http://m/3")).detail).toBe("HEAD 503");
    expect((await check("http://m/4")).source).toBe("breaker");
    advance(29_000);
    expect((await check("http://m/5")).source).toBe("breaker");
    expect(heads).toHaveLength(2);
    // One line per outage: the failed probe re-opens the breaker without another.
    expect(openings).toHaveLength(1);
  });

  it("stops trusting cached hits while the mirror's breaker is open, and again after the cool-down", async () => {
    let down = false;
    const { check, checker, heads, advance } = setup(() => (down ? new Error("ECONNRESET") : 200));
    expect((await check("http://m/hot")).exists).toBe(true);
    expect(checker.cached("http://m", "http://m/hot")?.exists).toBe(true);
    down = true;
    for (const blob of ["a", "b", "c"]) expect((await check(`http://m/${blob}`)).exists).toBe(false);
    // The hot blob is still cached as present, but the mirror is failing now.
    expect(await check("http://m/hot")).toEqual({
      exists: false,
      source: "breaker",
      answer: "skipped",
      detail: "breaker open after 3 consecutive failures",
    });
    // The handler's synchronous path (no promise for a known answer) agrees.
    expect(checker.cached("http://m", "http://m/hot")?.source).toBe("breaker");
    expect(heads).toEqual(["http://m/hot", "http://m/a", "http://m/b", "http://m/c"]);
    advance(30_001);
    expect(await check("http://m/hot")).toEqual({
      exists: true,
      source: "cache",
      answer: "present",
      detail: "cached: present",
    });
  });

  it("keeps a breaker per mirror", async () => {
    const { checker, heads } = setup((url) => (url.startsWith("http://dead") ? 500 : 200), { breakerFailures: 1 });
    await checker.check("http://dead", "http://dead/1");
    expect((await checker.check("http://dead", "http://dead/2")).source).toBe("breaker");
    expect((await checker.check("http://alive", "http://alive/1")).exists).toBe(true);
    expect(heads).toEqual(["http://dead/1", "http://alive/1"]);
  });

  it("stays bounded in entries and memory across 200k distinct digests", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const { checker } = setup(() => 200, { maxEntries: 1000 }, false);
    const url = (i: number) => `http://m/containers/images/sha256:${i.toString(16).padStart(64, "0")}`;
    for (let i = 0; i < 20_000; i++) await checker.check("http://m", url(i));
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 20_000; i < 200_000; i++) await checker.check("http://m", url(i));
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    expect(checker.size).toBe(1000);
    // 180k more entries would be ~30 MB if kept; allow noise only.
    expect(grown).toBeLessThan(3 * 1024 * 1024);
    expect((await checker.check("http://m", url(199_999))).source).toBe("cache");
    // The entry bound evicts the least recently used: the last 1000 stay, the one before goes.
    expect((await checker.check("http://m", url(199_000))).source).toBe("cache");
    expect((await checker.check("http://m", url(198_999))).source).toBe("head");
  });

  it("stays within its byte bound whatever the keys, before the entry bound", async () => {
    const { checker } = setup(() => 200, { maxEntries: 1_000_000, maxBytes: 256 * 1024 }, false);
    for (let i = 0; i < 5000; i++) await checker.check("http://m", `http://m/${String(i).padStart(900, "x")}`);
    expect(checker.bytes).toBeLessThanOrEqual(256 * 1024);
    // ~1000 bytes an entry: about 260 fit, and the newest is among them.
    expect(checker.size).toBeGreaterThan(200);
    expect(checker.size).toBeLessThan(300);
    expect((await checker.check("http://m", `http://m/${String(4999).padStart(900, "x")}`)).source).toBe("cache");
  });
});

describe("health checks", () => {
  /** A checker whose mirror answers probes (HEAD <base>/) per `alive`, with change events. */
  function monitored(options: Partial<ExistenceOptions> = {}) {
    const state = { alive: true, probes: 0, blob: 200 };
    const changes: HealthChange[] = [];
    let wake: () => void = () => {};
    const head: Head = async (url) => {
      if (url !== "http://m/") return state.blob;
      state.probes++;
      if (!state.alive) throw Object.assign(new Error("refused"), { code: "ECONNREFUSED" });
      return 403; // a bucket without ListBucket: alive
    };
    const checker = new ExistenceChecker(
      { ...OPTIONS, healthCheckIntervalMs: 10, ...options },
      {
        head,
        now: () => 1_000_000,
        onHealthChange: (c) => {
          changes.push(c);
          wake();
        },
      },
    );
    const change = async (n: number) => {
      while (changes.length < n) await new Promise<void>((r) => (wake = r));
      return changes[n - 1];
    };
    return { checker, state, change };
  }

  afterEach(() => jest.useRealTimers());

  it("takes a mirror out of rotation after failed probes, cache notwithstanding, and back after good ones", async () => {
    const { checker, state, change } = monitored();
    expect((await checker.check("http://m", "http://m/a")).exists).toBe(true);
    state.alive = false;
    expect(await change(1)).toEqual({
      mirror: "http://m",
      up: false,
      detail: "mirror down: 2 failed health checks (last: ECONNREFUSED)",
    });
    expect(checker.cached("http://m", "http://m/a")).toEqual({
      exists: false,
      source: "health",
      answer: "skipped",
      detail: "mirror down: 2 failed health checks (last: ECONNREFUSED)",
    });
    // Nor is an uncached blob asked about while the mirror is down.
    expect((await checker.check("http://m", "http://m/b")).source).toBe("health");
    state.alive = true;
    expect(await change(2)).toEqual({ mirror: "http://m", up: true, detail: "health checks pass again" });
    expect(checker.cached("http://m", "http://m/a")).toEqual(CACHED_PRESENT);
    await checker.close();
  });

  it("needs the configured number of consecutive failures: one lost probe changes nothing", async () => {
    jest.useFakeTimers();
    const { checker, state } = monitored({ healthCheckFailures: 3 });
    await checker.check("http://m", "http://m/a");
    const tick = async () => {
      await jest.advanceTimersByTimeAsync(10);
    };
    state.alive = false;
    await tick();
    await tick();
    state.alive = true;
    await tick();
    state.alive = false;
    await tick();
    await tick();
    expect(state.probes).toBe(5);
    expect(checker.health.down("http://m")).toBeUndefined();
    await tick();
    expect(checker.health.down("http://m")).toMatch(/^mirror down: 3 failed health checks/);
    await checker.close();
  });

  it("probes no mirror that holds nothing this instance sends clients to", async () => {
    jest.useFakeTimers();
    const { checker, state } = monitored();
    state.blob = 404;
    await checker.check("http://m", "http://m/a");
    await jest.advanceTimersByTimeAsync(100);
    expect(state.probes).toBe(0);
    state.blob = 200;
    await checker.check("http://m", "http://m/b");
    await jest.advanceTimersByTimeAsync(100);
    expect(state.probes).toBe(10);
    await checker.close();
  });
});
