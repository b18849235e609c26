/** Errors of the DynamoDB conversion. */

/** Base class: `kind` says how a command should end (failed input, corrupt data, a destination in use). */
export class DynamoConversionError extends Error {
  constructor(
    message: string,
    readonly kind: 'failed' | 'corrupt' | 'usage' = 'failed',
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A data file (or Parquet file) is not what its manifest says: nothing is written as verified. */
export class DataFileMismatchError extends DynamoConversionError {
  constructor(
    readonly file: string,
    readonly problem: string,
    options?: ErrorOptions,
  ) {
    super(`${file}: ${problem}`, 'corrupt', options);
  }
}
