/** Progress of a dump or restore: bytes read from the database (or the dump) and compressed bytes stored (or read). */

/** A progress sample. */
export interface DumpProgressSample {
  readonly phase: 'dump' | 'verify' | 'load';
  /** Uncompressed bytes so far (the dump's output as the tool wrote it). */
  readonly uncompressedBytes: number;
  /** Compressed bytes stored (dump) or read (verify, load) so far. */
  readonly compressedBytes: number;
  readonly files: number;
  readonly elapsedSeconds: number;
}

/** Counts bytes and reports them to `onProgress` at most every `intervalMs`. */
export class DumpProgress {
  private uncompressed = 0;
  private compressed = 0;
  private files = 0;
  private last = 0;
  private readonly started = Date.now();

  constructor(
    private phase: DumpProgressSample['phase'],
    private readonly onProgress?: (sample: DumpProgressSample) => void,
    private readonly intervalMs = 200,
  ) {}

  read(bytes: number): void {
    this.uncompressed += bytes;
    this.emit(false);
  }

  stored(bytes: number): void {
    this.compressed += bytes;
    this.emit(false);
  }

  fileDone(): void {
    this.files++;
    this.emit(false);
  }

  enter(phase: DumpProgressSample['phase']): void {
    this.phase = phase;
    this.uncompressed = 0;
    this.compressed = 0;
    this.files = 0;
    this.emit(true);
  }

  sample(): DumpProgressSample {
    return {
      phase: this.phase,
      uncompressedBytes: this.uncompressed,
      compressedBytes: this.compressed,
      files: this.files,
      elapsedSeconds: (Date.now() - this.started) / 1000,
    };
  }

  emit(force: boolean): void {
    const now = Date.now();
    if (!this.onProgress || (!force && now - this.last < this.intervalMs)) return;
    this.last = now;
    this.onProgress(this.sample());
  }
}
