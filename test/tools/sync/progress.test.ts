import {
  bar,
  formatBytes,
  formatDuration,
  newStats,
  Reporter,
  type Stats,
  statusLine,
  ttyLine,
} from "../../../tools/sync/progress";
import { formatSummary } from "../../../tools/sync/summary";

/** 40 of 100 blobs done in 10 s: 30 present, 10 uploaded (50 MB). */
function midway(dryRun = false): Stats {
  return {
    ...newStats(dryRun),
    manifests: 12,
    blobs: 100,
    blobBytes: 2_000_000_000,
    checked: 40,
    checkedBytes: 800_000_000,
    present: 30,
    presentBytes: 750_000_000,
    transferred: 10,
    transferredBytes: 50_000_000,
    streamedBytes: 50_000_000,
    blobPhaseStart: 1000,
  };
}

describe("formatting", () => {
  it("bytes in decimal units, durations compactly", () => {
    expect([0, 999, 1000, 12_345, 5_600_000, 2_000_000_000].map(formatBytes)).toEqual([
      "0 B",
      "999 B",
      "1.00 kB",
      "12.3 kB",
      "5.60 MB",
      "2.00 GB",
    ]);
    expect([250, 9_940, 62_000, 3_725_000].map(formatDuration)).toEqual(["0.3s", "9.9s", "1m02s", "1h02m"]);
  });

  it("a bar for the fraction done", () => {
    expect(bar(0.4, 10)).toBe("[####------]");
    expect(bar(2, 4)).toBe("[####]");
  });
});

describe("status", () => {
  it("says blobs, bytes, outcome, rate and ETA", () => {
    // 10 s in: 5 MB/s uploaded; 60 blobs left at 4 blobs/s is 15 s.
    expect(statusLine(midway(), 11_000)).toBe(
      "blobs 40/100, 800 MB/2.00 GB, 30 present, 10 uploaded (50.0 MB), 0 failed, 5.00 MB/s, ETA 15s",
    );
  });

  it("in a dry run says what would be uploaded, without a rate", () => {
    expect(statusLine(midway(true), 11_000)).toBe(
      "blobs 40/100, 800 MB/2.00 GB, 30 present, 10 to upload (50.0 MB), 0 failed, ETA 15s",
    );
  });

  it("while walking, counts manifests; before anything is done, has no ETA", () => {
    expect(statusLine({ ...newStats(false), manifests: 7 }, 0)).toBe("walking manifests: 7 read");
    expect(statusLine({ ...newStats(false), blobs: 3, blobPhaseStart: 0 }, 500)).toContain("ETA ?");
  });

  it("draws a bar on a terminal, cut to its width", () => {
    expect(ttyLine(midway(), 11_000, 200)).toBe(`[########------------] ${statusLine(midway(), 11_000)}`);
    expect(ttyLine(midway(), 11_000, 30)).toHaveLength(30);
  });
});

describe("Reporter", () => {
  const capture = () => {
    const lines: string[] = [];
    return { lines, out: { write: (t: string) => lines.push(t), columns: 80 } };
  };

  it("plain: a line per tick and at the end, messages on their own lines", () => {
    const { lines, out } = capture();
    const reporter = new Reporter(out, "plain", midway(), 60_000);
    reporter.start();
    reporter.log("retry 1 of GET x in 10 ms: 503");
    reporter.stop();
    reporter.stop();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe("retry 1 of GET x in 10 ms: 503\n");
    expect(lines[1]).toMatch(/^progress: blobs 40\/100, .*\n$/);
  });

  it("tty: redraws one line, clears it for messages, ends with a newline", () => {
    const { lines, out } = capture();
    const reporter = new Reporter(out, "tty", midway(), 60_000);
    reporter.tick();
    reporter.log("failed: blob x");
    reporter.stop();
    expect(lines[0]?.startsWith("\r\x1b[2K[#")).toBe(true);
    expect(lines.slice(1, 3)).toEqual(["\r\x1b[2K", "failed: blob x\n"]);
    expect(lines.at(-1)).toBe("\n");
  });

  it("none: only messages", () => {
    const { lines, out } = capture();
    const reporter = new Reporter(out, "none", midway(), 10);
    reporter.start();
    reporter.log("failed: blob x");
    reporter.stop();
    expect(lines).toEqual(["failed: blob x\n"]);
  });
});

describe("formatSummary", () => {
  it("counts, sizes, throughput, and every failure", () => {
    const stats = {
      ...midway(),
      checked: 100,
      checkedBytes: 2_000_000_000,
      failed: 1,
      foreign: 2,
      markedSkipped: 40,
      markersWritten: 3,
      replaced: 1,
      reuploaded: 2,
      multipart: 1,
      partsUploaded: 4,
      partsReused: 2,
    };
    const text = formatSummary({
      source: "reg/k8s-artifacts-prod/images",
      bucket: "b",
      shard: { index: 1, count: 4 },
      interrupted: undefined,
      registryRequests: 123,
      stats,
      blobPhaseMs: 10_000,
      totalMs: 12_000,
      failures: [{ subject: "blob sha256:1 (p/pause)", error: "sha256:1: content hashes to sha256:2" }],
    });
    expect(text).toBe(
      [
        "sync reg/k8s-artifacts-prod/images -> s3://b: applied (task 1 of 4)",
        "  manifests read:  12",
        "  already synced:  40 manifests (markers); 3 markers written",
        "  blobs:           100 (2.00 GB)",
        "    present:       30 (750 MB)",
        "    uploaded:      10 (50.0 MB)",
        "    repaired:      1 wrong copies replaced, 2 re-sent after a failed check",
        "    multipart:     1 uploads, 4 parts sent, 2 kept from an open upload",
        "    failed:        1",
        "  foreign layers:  2 skipped (clients fetch them from their URLs)",
        "  registry:        123 requests",
        "  time:            12s (blobs 10s)",
        "  throughput:      1.0 blobs/s, 5.00 MB/s",
        "failures (1):",
        "  blob sha256:1 (p/pause): sha256:1: content hashes to sha256:2",
        "",
      ].join("\n"),
    );
  });

  it("a dry run says nothing was written", () => {
    const text = formatSummary({
      source: "r/p",
      bucket: "b",
      shard: { index: 0, count: 1 },
      interrupted: "SIGTERM",
      registryRequests: 0,
      stats: midway(true),
      blobPhaseMs: 1,
      totalMs: 1,
      failures: [],
    });
    expect(text).toContain("dry run (nothing written; --apply uploads)\n");
    expect(text).toContain("INTERRUPTED by SIGTERM");
    expect(text).toContain("to upload:     10 (50.0 MB)");
    expect(text).not.toContain("throughput");
  });
});
