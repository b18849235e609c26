/** Base error of the notification adapters (webhooks, SNS, SQS, Secrets Manager). */
export class NotifyError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'NotifyError';
  }
}

/** A webhook POST did not succeed after every attempt, or failed in a way retrying cannot fix. */
export class WebhookDeliveryError extends NotifyError {
  constructor(
    message: string,
    /** HTTP status of the last answer; undefined after a network error or timeout. */
    readonly status: number | undefined,
    readonly attempts: number,
    /** Whether a later retry (SQS redrive) may succeed: false for 4xx answers other than 408 and 429. */
    readonly retryable: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'WebhookDeliveryError';
  }
}

/** A webhook secret could not be read, or its value holds no usable URL. */
export class SecretReadError extends NotifyError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SecretReadError';
  }
}

/** Publishing to SNS or sending to SQS failed. */
export class PublishError extends NotifyError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PublishError';
  }
}
