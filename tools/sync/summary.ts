/** The end-of-run report, printed on stdout. */
import { formatBytes, formatDuration, type Stats } from "./progress";
import type { Shard } from "./shard";
import type { Failure } from "./walk";

export interface Summary {
  source: string;
  bucket: string;
  shard: Shard;
  stats: Stats;
  /** Milliseconds of the blob phase (HEADs, downloads, uploads), and of the whole run. */
  blobPhaseMs: number;
  totalMs: number;
  failures: Failure[];
  interrupted: NodeJS.Signals | undefined;
  registryRequests: number;
}

const perSecond = (n: number, ms: number) => (ms > 0 ? (n * 1000) / ms : 0);

export function formatSummary(s: Summary): string {
  const { stats } = s;
  const mode = stats.dryRun ? "dry run (nothing written; --apply uploads)" : "applied";
  const moved = stats.dryRun ? "to upload" : "uploaded";
  const task = s.shard.count > 1 ? ` (task ${s.shard.index} of ${s.shard.count})` : "";
  const lines = [
    `sync ${s.source} -> s3://${s.bucket}: ${mode}${task}`,
    ...(s.interrupted ? [`  INTERRUPTED by ${s.interrupted}: the next run goes on from here`] : []),
    `  manifests read:  ${stats.manifests}`,
    `  already synced:  ${stats.markedSkipped} manifests (markers)${stats.dryRun ? "" : `; ${stats.markersWritten} markers written`}`,
    `  blobs:           ${stats.blobs} (${formatBytes(stats.blobBytes)})`,
    `    present:       ${stats.present} (${formatBytes(stats.presentBytes)})`,
    `    ${`${moved}:`.padEnd(15)}${stats.transferred} (${formatBytes(stats.transferredBytes)})`,
    ...(stats.replaced || stats.reuploaded
      ? [`    repaired:      ${stats.replaced} wrong copies replaced, ${stats.reuploaded} re-sent after a failed check`]
      : []),
    ...(stats.multipart
      ? [
          `    multipart:     ${stats.multipart} uploads, ${stats.partsUploaded} parts sent, ${stats.partsReused} kept from an open upload`,
        ]
      : []),
    `    failed:        ${stats.failed}`,
    ...(stats.foreign ? [`  foreign layers:  ${stats.foreign} skipped (clients fetch them from their URLs)`] : []),
    `  registry:        ${s.registryRequests} requests`,
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
