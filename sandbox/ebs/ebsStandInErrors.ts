/**
 * The errors the EBS direct API stand-in answers with. Each one carries the HTTP status and the error type the
 * real service sends, so `@aws-sdk/client-ebs` turns it into the same exception class it would raise on AWS.
 */

/** An error answer of the stand-in: HTTP status, `x-amzn-ErrorType`, message and the modelled `Reason`. */
export class EbsStandInError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'EbsStandInError';
  }
}

/** 400 ValidationException with one of the modelled reasons. */
export function validationError(reason: string, message: string): EbsStandInError {
  return new EbsStandInError(400, 'ValidationException', message, reason);
}

/** 404 ResourceNotFoundException for a snapshot id the stand-in does not know. */
export function snapshotNotFound(snapshotId: string): EbsStandInError {
  return new EbsStandInError(
    404,
    'ResourceNotFoundException',
    `The snapshot '${snapshotId}' does not exist.`,
    'SNAPSHOT_NOT_FOUND',
  );
}

/** 409 ConflictException, e.g. a ClientToken reused with different parameters. */
export function conflictError(message: string): EbsStandInError {
  return new EbsStandInError(409, 'ConflictException', message);
}
