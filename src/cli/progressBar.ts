/**
 * A one-line progress bar for long archive commands: percentage, bytes, throughput and ETA, redrawn at most
 * five times a second on stderr when it is a terminal, silent otherwise (logs and --json stay clean).
 */
import type { Writable } from 'node:stream';

/** What the engine reports (see Progress in src/archive). */
export interface ProgressSample {
  readonly bytes: number;
  readonly totalBytes: number;
  readonly storedBytes: number;
}

/** Formats a byte count with a binary unit (`1.5 GiB`). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

/** Formats seconds as `h:mm:ss` or `m:ss`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** Renders one bar line; `elapsed` in seconds. */
export function renderProgressLine(label: string, sample: ProgressSample, elapsed: number, width = 24): string {
  const fraction = sample.totalBytes > 0 ? Math.min(1, sample.bytes / sample.totalBytes) : 0;
  const filled = Math.floor(fraction * width);
  const rate = elapsed > 0 ? sample.bytes / elapsed : 0;
  const eta = rate > 0 ? (sample.totalBytes - sample.bytes) / rate : Number.NaN;
  return (
    `${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ` +
    `${formatBytes(sample.bytes)}/${formatBytes(sample.totalBytes)} ${(rate / 1e6).toFixed(0)} MB/s ` +
    `ETA ${formatDuration(eta)}`
  );
}

/** Draws progress on a terminal stream. */
export class ProgressBar {
  private readonly started: number;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private drawn = false;

  constructor(
    private readonly out: Writable,
    private readonly label: string,
    private readonly enabled: boolean,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
  }

  /** Takes a sample; redraws if enough time passed. */
  update(sample: ProgressSample): void {
    if (!this.enabled) return;
    const now = this.now();
    if (now - this.lastDraw < 200 && sample.bytes < sample.totalBytes) return;
    this.lastDraw = now;
    this.drawn = true;
    this.out.write(`\r\x1b[2K${renderProgressLine(this.label, sample, (now - this.started) / 1000)}`);
  }

  /** Ends the line so later output starts clean. */
  finish(): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}
