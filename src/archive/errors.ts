/** Errors of the block-archive engine. Adapters in src/aws throw these too, so the engine can react. */

/** Base class of every block-archive error. */
export class ArchiveError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An archive store has no object under the requested key. */
export class ArchiveObjectNotFoundError extends ArchiveError {
  constructor(
    readonly key: string,
    options?: ErrorOptions,
  ) {
    super(`object not found: ${key}`, options);
  }
}

/** A block's bytes do not match the checksum its source reported, even after re-reading. */
export class BlockChecksumMismatchError extends ArchiveError {
  constructor(
    readonly blockIndex: number,
    readonly expected: string,
    readonly actual: string,
    options?: ErrorOptions,
  ) {
    super(`block ${blockIndex}: checksum ${actual} does not match the source's ${expected}`, options);
  }
}

/** The archive is not what its manifest says (verify and restore raise it with every problem found). */
export class ArchiveCorruptError extends ArchiveError {
  constructor(
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(`archive is corrupt: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? '; …' : ''}`, options);
  }
}

/** The caller asked for something the archive or source cannot do (bad range, wrong block size, …). */
export class ArchiveUsageError extends ArchiveError {}

/** The operation was cancelled through its AbortSignal. */
export class ArchiveAbortedError extends ArchiveError {}
