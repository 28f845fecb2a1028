/**
 * Progress of a sync: counters the workers bump, a line that describes them, and a
 * reporter that shows it as a redrawn bar on a terminal or as periodic lines in a log.
 */

export interface Stats {
  dryRun: boolean;
  manifests: number;
  /** Blobs to check, and their bytes (as far as descriptors give sizes). */
  blobs: number;
  blobBytes: number;
  /** Blobs done with (present, transferred or failed), and their bytes. */
  checked: number;
  checkedBytes: number;
  present: number;
  presentBytes: number;
  /** Uploaded, or in a dry run: would be. */
  transferred: number;
  transferredBytes: number;
  failed: number;
  foreign: number;
  /** Manifests skipped because the bucket has their marker, and markers written. */
  markedSkipped: number;
  markersWritten: number;
  /** Wrong copies found and replaced; copies wrong right after upload and sent again. */
  replaced: number;
  reuploaded: number;
  /** Writes that found the blob written meanwhile by another task (conditional write refused). */
  raced: number;
  /** Multipart uploads, and their parts sent or kept from an interrupted run. */
  multipart: number;
  partsUploaded: number;
  partsReused: number;
  /** Bytes downloaded and verified so far, counted as they stream: the live rate. */
  streamedBytes: number;
  /** When blob checking began (performance.now()), undefined while walking manifests. */
  blobPhaseStart: number | undefined;
}

export function newStats(dryRun: boolean): Stats {
  return {
    dryRun,
    manifests: 0,
    blobs: 0,
    blobBytes: 0,
    checked: 0,
    checkedBytes: 0,
    present: 0,
    presentBytes: 0,
    transferred: 0,
    transferredBytes: 0,
    failed: 0,
    foreign: 0,
    markedSkipped: 0,
    markersWritten: 0,
    replaced: 0,
    reuploaded: 0,
    raced: 0,
    multipart: 0,
    partsUploaded: 0,
    partsReused: 0,
    streamedBytes: 0,
    blobPhaseStart: undefined,
  };
}

/** Decimal units, as network rates are quoted: 1 MB = 10^6 bytes. */
export function formatBytes(n: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let value = n;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0)} ${units[unit]}`;
}

export function formatDuration(ms: number): string {
  if (ms < 9950) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

/** Bytes per second and remaining time, from what the blob phase has done so far. */
export function rates(stats: Stats, now: number): { bytesPerSecond: number; etaMs: number | undefined } {
  const elapsed = stats.blobPhaseStart === undefined ? 0 : now - stats.blobPhaseStart;
  if (elapsed <= 0 || stats.checked === 0) return { bytesPerSecond: 0, etaMs: undefined };
  const bytesPerSecond = (stats.streamedBytes * 1000) / elapsed;
  // ETA by blobs done, not bytes moved: present blobs cost a HEAD, not their size.
  const etaMs = ((stats.blobs - stats.checked) * elapsed) / stats.checked;
  return { bytesPerSecond, etaMs };
}

/** One line: what is done, how fast, and how long is left. */
export function statusLine(stats: Stats, now: number): string {
  if (stats.blobPhaseStart === undefined) return `walking manifests: ${stats.manifests} read`;
  const { bytesPerSecond, etaMs } = rates(stats, now);
  const moved = stats.dryRun ? "to upload" : "uploaded";
  return [
    `blobs ${stats.checked}/${stats.blobs}`,
    `${formatBytes(stats.checkedBytes)}/${formatBytes(stats.blobBytes)}`,
    `${stats.present} present, ${stats.transferred} ${moved} (${formatBytes(stats.transferredBytes)}), ${stats.failed} failed`,
    ...(stats.dryRun ? [] : [`${formatBytes(bytesPerSecond)}/s`]),
    `ETA ${etaMs === undefined ? "?" : formatDuration(etaMs)}`,
  ].join(", ");
}

/** `[#####-----]` for a fraction done. */
export function bar(fraction: number, width: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}]`;
}

/** The terminal line: a bar, then the status, cut to the terminal's width. */
export function ttyLine(stats: Stats, now: number, columns: number): string {
  const fraction = stats.blobs ? stats.checked / stats.blobs : 0;
  const line = `${bar(fraction, 20)} ${statusLine(stats, now)}`;
  return line.length > columns ? `${line.slice(0, Math.max(0, columns - 1))}…` : line;
}

export type ProgressMode = "tty" | "plain" | "none";

interface Out {
  write(text: string): unknown;
  columns?: number;
}

/** Shows `stats` on `out` until stopped; `log` prints a message without tearing the bar. */
export class Reporter {
  private timer: NodeJS.Timeout | undefined;
  private drawn = false;
  private stopped = false;

  constructor(
    private readonly out: Out,
    private readonly mode: ProgressMode,
    private readonly stats: Stats,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    if (this.mode === "none") return;
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  /** A plain line now (phase changes), or a redraw on a terminal. */
  tick(): void {
    if (this.mode === "plain") this.out.write(`progress: ${statusLine(this.stats, performance.now())}\n`);
    if (this.mode === "tty") {
      this.out.write(`\r\x1b[2K${ttyLine(this.stats, performance.now(), this.out.columns ?? 100)}`);
      this.drawn = true;
    }
  }

  log(message: string): void {
    if (this.drawn) this.out.write("\r\x1b[2K");
    this.out.write(`${message}\n`);
    if (this.drawn) this.tick();
  }

  /** Final state once; later calls do nothing. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.mode !== "none") this.tick();
    if (this.mode === "tty") this.out.write("\n");
    this.drawn = false;
  }
}
