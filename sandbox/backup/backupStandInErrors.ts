/**
 * Errors of the AWS Backup stand-in, in the wire shape `@aws-sdk/client-backup` (REST-JSON) reads: the
 * `x-amzn-ErrorType` header names the exception (the SDK reads it before the body), the JSON body carries
 * `Message`, `Type` and `Context` as the service model declares them. Every Backup exception is modelled as a client
 * error without an explicit HTTP code (so 400), except `ServiceUnavailableException` (500).
 */

/** The error AWS Backup answers with, by name and HTTP status. */
export class BackupStandInError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    /** `User` for errors of the request, `Service` for the service's own. */
    readonly faultType: 'User' | 'Service' = status >= 500 ? 'Service' : 'User',
    readonly context?: string,
  ) {
    super(message);
    this.name = type;
  }
}

export const resourceNotFound = (message: string, context?: string) =>
  new BackupStandInError(400, 'ResourceNotFoundException', message, 'User', context);

export const invalidRequest = (message: string, context?: string) =>
  new BackupStandInError(400, 'InvalidRequestException', message, 'User', context);

export const invalidResourceState = (message: string, context?: string) =>
  new BackupStandInError(400, 'InvalidResourceStateException', message, 'User', context);

export const invalidParameterValue = (message: string, context?: string) =>
  new BackupStandInError(400, 'InvalidParameterValueException', message, 'User', context);

/** The answer for an error: status, headers and body. */
export function backupErrorAnswer(error: unknown): {
  status: number;
  headers: Record<string, string>;
  body: string;
} {
  const e =
    error instanceof BackupStandInError
      ? error
      : new BackupStandInError(
          500,
          'ServiceUnavailableException',
          error instanceof Error ? error.message : String(error),
          'Service',
        );
  return {
    status: e.status,
    headers: { 'content-type': 'application/json', 'x-amzn-ErrorType': e.type },
    body: JSON.stringify({
      Message: e.message,
      Type: e.faultType,
      ...(e.context === undefined ? {} : { Context: e.context }),
    }),
  };
}

/** An error to inject: its exception name, HTTP status and message. */
export interface InjectedError {
  readonly type: string;
  readonly status: number;
  readonly message?: string;
}

/** Injected errors by operation: each answers the next `times` calls of that operation, in the order injected. */
export class ErrorQueue {
  private readonly queues = new Map<string, { error: InjectedError; remaining: number }[]>();

  add(operation: string, error: InjectedError, times = 1): void {
    if (!Number.isInteger(times) || times < 1) throw new RangeError(`times must be a positive integer, not ${times}.`);
    const queue = this.queues.get(operation) ?? [];
    queue.push({ error, remaining: times });
    this.queues.set(operation, queue);
  }

  /** The injected error for this call of `operation`, if any (and counts it). */
  take(operation: string): InjectedError | undefined {
    const queue = this.queues.get(operation);
    const head = queue?.[0];
    if (!queue || !head) return undefined;
    head.remaining -= 1;
    if (head.remaining <= 0) queue.shift();
    return head.error;
  }
}
