/**
 * The partial batch response of the SQS-triggered functions (router, delivery), in one place, after
 * Powertools' batch processor: each record is handled on its own, a record whose handler throws is logged
 * (message id, receive count, error) and returned in `batchItemFailures`, so SQS redelivers only it. With a
 * deadline (from the Lambda's remaining time), records not started by then are returned untried instead of
 * the invocation timing out with the whole batch.
 */
import { describeError } from './describeError.js';
import { FunctionError } from './FunctionError.js';
import type { FunctionLogger, SqsBatchResponse, SqsRecord } from './lambdaEvents.js';

/** A record failed for a reason the handler has described: its message and fields become the log line. */
export class RecordFailedError extends FunctionError {
  constructor(
    message: string,
    readonly fields: Readonly<Record<string, unknown>>,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'RecordFailedError';
  }
}

export interface SqsBatchOptions {
  readonly logger: FunctionLogger;
  /** Epoch milliseconds after which no record is started; the rest go back to the queue untried. */
  readonly deadlineMs?: number;
  /** Records handled at the same time. @default every record of the batch */
  readonly concurrency?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

/** What became of one record. */
export type SqsRecordResult<T> =
  | { readonly status: 'done'; readonly value: T }
  | { readonly status: 'failed'; readonly error: unknown }
  | { readonly status: 'untried' };

/** The partial batch response, with each record's result in the order of the batch. */
export interface SqsBatchResult<T> extends SqsBatchResponse {
  readonly results: SqsRecordResult<T>[];
}

/** Handles every record of a batch with `handleRecord`; a record fails when its handler throws. */
export async function processSqsBatch<T>(
  records: readonly SqsRecord[],
  handleRecord: (record: SqsRecord) => Promise<T>,
  options: SqsBatchOptions,
): Promise<SqsBatchResult<T>> {
  const { logger, deadlineMs } = options;
  const now = options.now ?? Date.now;
  const results: SqsRecordResult<T>[] = new Array(records.length);
  let next = 0;
  const lane = async () => {
    while (next < records.length) {
      const index = next++;
      const record = records[index]!;
      const receiveCount = receiveCountOf(record);
      if (deadlineMs !== undefined && now() >= deadlineMs) {
        results[index] = { status: 'untried' };
        logger.warn('record not started before the deadline; back to the queue untried', {
          messageId: record.messageId,
          receiveCount,
        });
        continue;
      }
      try {
        results[index] = { status: 'done', value: await handleRecord(record) };
      } catch (error) {
        results[index] = { status: 'failed', error };
        const described = error instanceof RecordFailedError;
        logger.error(described ? error.message : 'record failed; SQS will redeliver it', {
          messageId: record.messageId,
          receiveCount,
          ...(described ? error.fields : {}),
          error: describeError(described && error.cause !== undefined ? error.cause : error),
        });
      }
    }
  };
  const lanes = Math.max(1, Math.min(options.concurrency ?? records.length, records.length));
  await Promise.all(Array.from({ length: lanes }, lane));
  const batchItemFailures = records
    .filter((_, index) => results[index]?.status !== 'done')
    .map((record) => ({ itemIdentifier: record.messageId }));
  return { batchItemFailures, results };
}

function receiveCountOf(record: SqsRecord): number | undefined {
  const count = Number(record.attributes?.ApproximateReceiveCount);
  return Number.isFinite(count) ? count : undefined;
}
