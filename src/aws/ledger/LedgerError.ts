/** Base error of the ledger adapter: a DynamoDB call failed for a reason other than a lost condition. */
export class LedgerError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LedgerError';
  }
}

/** A ledger write or read failed; `cause` holds the SDK error. The caller retries the whole record. */
export class LedgerWriteError extends LedgerError {
  constructor(operation: string, options?: ErrorOptions) {
    super(`ledger ${operation} failed`, options);
    this.name = 'LedgerWriteError';
  }
}
