/** The end-of-run report, printed on stdout. */
import { formatBytes, formatDuration, type Stats } from "./progress";
import type { Failure } from "./walk";

export interface Summary {
  source: string;
  bucket: string;
  stats: Stats;
  /** Milliseconds of the blob phase (HEADs, downloads, uploads), and of the whole run. */
  blobPhaseMs: number;
  totalMs: number;
  failures: Failure[];
}

const perSecond = (n: number, ms: number) => (ms > 0 ? (n * 1000) / ms : 0);

export function formatSummary(s: Summary): string {
  const { stats } = s;
  const mode = stats.dryRun ? "dry run (nothing written; --apply uploads)" : "applied";
  const moved = stats.dryRun ? "to upload" : "uploaded";
  const lines = [
    `sync ${s.source} -> s3://${s.bucket}: ${mode}`,
    `  manifests read:  ${stats.manifests}`,
    `  blobs:           ${stats.blobs} (${formatBytes(stats.blobBytes)})`,
    `    present:       ${stats.present} (${formatBytes(stats.presentBytes)})`,
    `    ${`${moved}:`.padEnd(15)}${stats.transferred} (${formatBytes(stats.transferredBytes)})`,
    `    failed:        ${stats.failed}`,
    ...(stats.foreign ? [`  foreign layers:  ${stats.foreign} skipped (clients fetch them from their URLs)`] : []),
    `  time:            ${formatDuration(s.totalMs)} (blobs ${formatDuration(s.blobPhaseMs)})`,
  ];
  if (!stats.dryRun && stats.transferred) {
    const blobsPerSecond = perSecond(stats.transferred, s.blobPhaseMs).toFixed(1);
    lines.push(
      `  throughput:      ${blobsPerSecond} blobs/s, ${formatBytes(perSecond(stats.transferredBytes, s.blobPhaseMs))}/s`,
    );
  }
  if (s.failures.length) {
    lines.push(`failures (${s.failures.length}):`, ...s.failures.map((f) => `  ${f.subject}: ${f.error}`));
  }
  return `${lines.join("\n")}\n`;
}
