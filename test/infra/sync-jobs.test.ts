/** Pure: what the config makes of the blob sync's jobs, before any resource is declared. */
import { durationSeconds, parseConfig } from "../../infra/config";
import { syncJobSettings, syncTargets } from "../../infra/sync-jobs";
import { validConfig } from "./fixtures";

const IMAGE = `us-docker.pkg.dev/example/registry-sync@sha256:${"b".repeat(64)}`;

function configWith(sync: Record<string, unknown>) {
  const values = validConfig();
  values.sync = { image: IMAGE, ...sync };
  values.backends.push({
    donor: "cloudflare-r2",
    accountId: "0123456789abcdef0123456789abcdef",
    bucket: "blobs",
    hostname: "blobs.example.dev",
  });
  const cfg = parseConfig(values, { stack: "sandbox" });
  return { ...cfg, sync: cfg.sync as NonNullable<typeof cfg.sync> };
}

describe("the jobs' shared settings", () => {
  it("default to the redirector's project, the canonical region as source and place, every six hours", () => {
    expect(syncJobSettings(configWith({}))).toEqual({
      project: "example-redirector",
      region: "us-central1",
      image: IMAGE,
      settings: {
        source: "us-central1-docker.pkg.dev/example-artifacts/images",
        rate: 80,
        concurrency: 16,
        multipartThresholdMiB: 100,
      },
      tasks: 1,
      taskTimeoutSeconds: 3 * 3600,
      maxRetries: 1,
      schedule: { cron: "0 */6 * * *", timeZone: "Etc/UTC", paused: false },
      audience: "sts.amazonaws.com",
    });
  });

  it("take a project and a region of their own; the source stays the canonical repository", () => {
    const s = syncJobSettings(configWith({ project: "example-sync", region: "europe-west4", paused: true }));
    expect(s).toMatchObject({ project: "example-sync", region: "europe-west4", schedule: { paused: true } });
    expect(s.settings.source).toBe("us-central1-docker.pkg.dev/example-artifacts/images");
  });

  it("read durations in seconds, minutes and hours", () => {
    expect([durationSeconds("90s"), durationSeconds("45m"), durationSeconds("168h")]).toEqual([90, 2700, 604800]);
    expect(() => durationSeconds("1d")).toThrow('"1d" is not a duration like "45m"');
  });
});

describe("one job per backend, in config order", () => {
  it("named after what identifies each backend, in or out of rotation", () => {
    const cfg = configWith({});
    const aws = cfg.backends[0];
    if (aws?.donor === "aws-s3") aws.inRotation = false;
    expect(syncTargets(cfg.backends).map((t) => [t.names.job, t.target.bucket, t.target.credentials.kind])).toEqual([
      ["sync-aws-123456789012", "example-registry-us-east-2", "aws-role"],
      ["sync-r2-01234567-blobs", "blobs", "keys"],
    ]);
  });
});
