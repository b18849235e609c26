/**
 * The demo's progress: one line per export workflow with the state it is in (`[2/4] orders-db  Wait for export
 * (3 polls)`). On a terminal the block of lines is redrawn in place; otherwise each export prints a plain line
 * per poll and per other state it enters for the first time, so logs show the path without the poll loop's
 * inner states.
 */
import type { Writable } from 'node:stream';

interface Row {
  readonly label: string;
  state: string;
  polls: number;
  transitions: number;
  finished?: string;
  readonly seen: Set<string>;
}

export class DemoProgress {
  private readonly rows: Row[] = [];
  private drawn = 0;
  private lastDraw = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly out: Writable,
    private readonly tty: boolean,
    /** The state that is polled (its entries are counted as polls). */
    private readonly pollState: string,
    /** States whose line shows the poll count (the poll loop). */
    private readonly pollLoop: ReadonlySet<string> = new Set([pollState]),
  ) {}

  /** Adds an export; returns its index for `enter` and `finish`. */
  add(label: string): number {
    this.rows.push({ label, state: 'queued', polls: 0, transitions: 0, seen: new Set() });
    return this.rows.length - 1;
  }

  /** The export entered a state. */
  enter(index: number, state: string): void {
    const row = this.rows[index];
    if (!row || this.stopped) return;
    row.state = state;
    row.transitions += 1;
    if (state === this.pollState) row.polls += 1;
    if (this.tty) {
      this.scheduleDraw();
    } else if (state === this.pollState || (!this.pollLoop.has(state) && !row.seen.has(state))) {
      // Plain lines: every poll, and every other state once (not the loop's own Check / Choice states).
      row.seen.add(state);
      this.out.write(`${this.line(index)}\n`);
    }
  }

  /** The export ended: `summary` replaces its state, e.g. `exported · 21 transitions`. */
  finish(index: number, summary: string): void {
    const row = this.rows[index];
    if (!row || this.stopped) return;
    row.finished = summary;
    if (this.tty) this.scheduleDraw();
    else this.out.write(`${this.line(index)}\n`);
  }

  /** Draws the final state (terminal) and stops redrawing. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.tty && this.rows.length > 0) this.draw();
  }

  private line(index: number): string {
    const row = this.rows[index]!;
    const width = Math.max(...this.rows.map((r) => r.label.length));
    const head = `[${index + 1}/${this.rows.length}] ${row.label.padEnd(width)}  `;
    if (row.finished) return `${head}${row.finished}`;
    const polls =
      row.polls > 0 && this.pollLoop.has(row.state) ? ` (${row.polls} poll${row.polls === 1 ? '' : 's'})` : '';
    return `${head}${row.state}${polls}`;
  }

  private scheduleDraw(): void {
    const wait = 50 - (Date.now() - this.lastDraw);
    if (wait <= 0) {
      this.draw();
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.draw();
    }, wait);
  }

  private draw(): void {
    this.lastDraw = Date.now();
    let text = this.drawn > 0 ? `\x1b[${this.drawn}A` : '';
    for (let i = 0; i < this.rows.length; i++) text += `\r\x1b[2K${this.line(i)}\n`;
    this.drawn = this.rows.length;
    this.out.write(text);
  }
}
