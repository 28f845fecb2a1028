import { joinNegativeValues, type Options, parseOptions, UsageError } from "../../../tools/sync/options";

const BASE = ["--source", "reg.example/p", "--bucket", "b"];
const parse = (args: string[], env: NodeJS.ProcessEnv = {}) => parseOptions([...BASE, ...args], env, false) as Options;
const refused = (args: string[], env: NodeJS.ProcessEnv = {}) => {
  try {
    parse(args, env);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error(`accepted ${args.join(" ")}`);
};

describe("sync options", () => {
  it("defaults: one task, the whole rate, 100 MiB threshold, 32 MiB parts, a text report", () => {
    const o = parse([]);
    expect(o.shard).toEqual({ index: 0, count: 1 });
    expect([o.rate, o.concurrency, o.multipartThreshold, o.partSize, o.report, o.full]).toEqual([
      80,
      16,
      100 * 1024 * 1024,
      32 * 1024 * 1024,
      "text",
      false,
    ]);
    expect(o.progressIntervalMs).toBe(10_000);
  });

  it("takes the shard from Cloud Run's variables, and --shard over them", () => {
    const env = { CLOUD_RUN_TASK_INDEX: "2", CLOUD_RUN_TASK_COUNT: "8" };
    expect(parse([], env).shard).toEqual({ index: 2, count: 8 });
    expect(parse(["--shard", "1/3"], env).shard).toEqual({ index: 1, count: 3 });
  });

  it("reads sizes with units", () => {
    expect(parse(["--multipart-threshold", "5MiB", "--part-size", "1GiB"])).toMatchObject({
      multipartThreshold: 5 * 1024 * 1024,
      partSize: 1024 ** 3,
    });
    expect(parse(["--part-size", "6000000"]).partSize).toBe(6_000_000);
    expect(refused(["--part-size", "6GiB"])).toContain("--part-size must be a size from 5MiB to 5GiB");
  });

  it("refuses values the timers cannot hold, naming the option and its range", () => {
    // 1e-12 requests/s would be a wait past setTimeout's 2^31-1 ms, which node turns into 1 ms.
    expect(refused(["--rate", "1e-12"])).toBe(
      '--rate must be a number from 0.01 to 100000 (requests per second), not "1e-12"',
    );
    expect(refused(["--progress-interval", "3000000"])).toBe(
      '--progress-interval must be a number from 1 to 86400 (seconds), not "3000000"',
    );
    expect(refused(["--retry-delay", "99999"])).toBe(
      '--retry-delay must be a number from 1 to 30000 (milliseconds), not "99999"',
    );
    expect(refused(["--retries", "2.5"])).toBe('--retries must be a whole number from 1 to 100, not "2.5"');
    expect(refused(["--rate", ""])).toContain('not ""');
  });

  it("says what is wrong with a negative number instead of calling it ambiguous", () => {
    expect(joinNegativeValues(["--rate", "-1", "--apply", "-h"])).toEqual(["--rate=-1", "--apply", "-h"]);
    expect(joinNegativeValues(["--apply", "-1"])).toEqual(["--apply", "-1"]);
    expect(refused(["--rate", "-1"])).toBe(
      '--rate must be a number from 0.01 to 100000 (requests per second), not "-1"',
    );
    expect(refused(["--concurrency", "-.5"])).toContain(
      '--concurrency must be a whole number from 1 to 1024, not "-.5"',
    );
  });

  it("names --endpoint when it is not an http(s) URL", () => {
    expect(refused(["--endpoint", "not a url"])).toBe('--endpoint "not a url" is not a URL like https://host[:port]');
    expect(refused(["--endpoint", "ftp://x"])).toBe('--endpoint "ftp://x" is not a URL like https://host[:port]');
    expect(parse(["--endpoint", "http://127.0.0.1:9000"]).endpoint).toBe("http://127.0.0.1:9000");
  });

  it("divides the rate among tasks, and refuses a share below the minimum", () => {
    expect(refused(["--rate", "0.05", "--shard", "0/10"])).toContain(
      "--rate 0.05 shared by 10 tasks leaves 0.005 requests per second each",
    );
    expect(parse(["--rate", "80", "--shard", "0/4"]).rate).toBe(80);
  });

  it("federates from Google only with a role to assume", () => {
    expect(
      parse([], { AWS_ROLE_ARN: "arn:aws:iam::1:role/w", SYNC_ID_TOKEN_AUDIENCE: "sts.amazonaws.com" }),
    ).toMatchObject({ roleArn: "arn:aws:iam::1:role/w", idTokenAudience: "sts.amazonaws.com" });
    expect(refused(["--id-token-audience", "x"])).toContain("--id-token-audience needs --role-arn");
  });
});
