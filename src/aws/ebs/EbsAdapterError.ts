/**
 * Errors of the EBS direct API adapters. They extend the archive engine's ArchiveError, so the engine handles
 * them like any other source or target failure, and keep the SDK error as `cause`.
 */
import { ArchiveError } from '../../archive/errors.js';

/** An EBS direct API call failed for good (not retryable, or still failing after every retry). */
export class EbsRequestError extends ArchiveError {
  constructor(
    readonly operation: string,
    readonly snapshotId: string,
    readonly blockIndex: number | undefined,
    options: ErrorOptions & { cause: unknown; attempts?: number },
  ) {
    const what = blockIndex === undefined ? snapshotId : `${snapshotId} block ${blockIndex}`;
    const cause =
      options.cause instanceof Error ? `${options.cause.name}: ${options.cause.message}` : String(options.cause);
    const tries = options.attempts === undefined ? '' : ` after ${options.attempts} attempt(s)`;
    super(`EBS ${operation} on ${what} failed${tries}: ${cause}`, options);
  }
}

/** CompleteSnapshot ended the new snapshot in `error` (wrong block count or LINEAR checksum, or a timeout). */
export class EbsSnapshotFailedError extends ArchiveError {
  constructor(
    readonly snapshotId: string,
    readonly status: string,
  ) {
    super(`EBS snapshot ${snapshotId} ended in status '${status}' after CompleteSnapshot`);
  }
}
