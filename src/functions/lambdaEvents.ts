/** The few Lambda event shapes the handlers read (the parts we use of the SQS event source contract). */

/** One SQS message as Lambda delivers it. */
export interface SqsRecord {
  readonly messageId: string;
  readonly body: string;
  readonly attributes?: { readonly ApproximateReceiveCount?: string } & Readonly<Record<string, string | undefined>>;
  readonly eventSource?: string;
  readonly eventSourceARN?: string;
}

/** An SQS batch. */
export interface SqsEvent {
  readonly Records: readonly SqsRecord[];
}

/** The partial batch response: only these messages return to the queue (needs ReportBatchItemFailures). */
export interface SqsBatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

/** The part of the Lambda context the handlers log. */
export interface LambdaContextLike {
  readonly awsRequestId?: string;
  readonly functionName?: string;
  getRemainingTimeInMillis?(): number;
}

/** What the handlers log through: the Powertools logger in Lambda, a silent or recording one in tests. */
export interface FunctionLogger {
  debug(message: string, ...extra: Record<string, unknown>[]): void;
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}
