/**
 * The delivery function's work: for each delivery job on the queue, read the channel's webhook URL from
 * Secrets Manager (cached per container) and POST the rendered message, retrying 429/5xx/timeouts inside the
 * invocation. A job that still fails is returned in `batchItemFailures`: SQS redelivers it after the visibility
 * timeout and, after the queue's maxReceiveCount, moves it to the dead-letter queue. Nothing is dropped, and a
 * job that cannot even be read goes the same way so people can look at it.
 *
 * With the ledger's claims, each job is claimed first and closed after a successful post, so a message SQS delivers
 * twice (at-least-once) posts once.
 */
import { type DeliveryJob, parseDeliveryJob } from '../../aws/notify/deliveryJob.js';
import { WebhookDeliveryError } from '../../aws/notify/NotifyError.js';
import type { WebhookPoster } from '../../aws/notify/WebhookPoster.js';
import type { WebhookSecretReader } from '../../aws/notify/WebhookSecretReader.js';
import type { SignalClaims } from '../../core/ledger/ledgerPorts.js';
import type { FunctionLogger, SqsBatchResponse, SqsEvent, SqsRecord } from '../lambdaEvents.js';
import { processSqsBatch, RecordFailedError } from '../sqsBatch.js';

export interface DeliveryWorkerDeps {
  readonly secrets: WebhookSecretReader;
  readonly poster: WebhookPoster;
  readonly logger: FunctionLogger;
  /** De-duplicates deliveries when set. */
  readonly claims?: SignalClaims;
  /** Jobs posted at the same time. @default 4 */
  readonly concurrency?: number;
}

/** What happened to one delivery job. */
export type DeliveryOutcome = 'delivered' | 'duplicate' | 'failed';

/** Delivers Slack, Teams and webhook messages from the delivery queue. */
export class DeliveryWorker {
  constructor(private readonly deps: DeliveryWorkerDeps) {}

  /**
   * Handles one SQS batch; only the records that failed go back to the queue. With `deadlineMs` (from the
   * Lambda's remaining time), retries stop in time and jobs not started by then go back to the queue untried,
   * instead of the invocation timing out.
   */
  async handleBatch(event: SqsEvent, deadlineMs?: number): Promise<SqsBatchResponse & { outcomes: DeliveryOutcome[] }> {
    const { batchItemFailures, results } = await processSqsBatch(
      event.Records,
      (record) => this.deliver(record, deadlineMs),
      {
        logger: this.deps.logger,
        concurrency: this.deps.concurrency ?? 4,
        ...(deadlineMs !== undefined ? { deadlineMs } : {}),
      },
    );
    const outcomes = results.map((result) => (result.status === 'done' ? result.value : 'failed'));
    return { batchItemFailures, outcomes };
  }

  /** Delivers one record; throws RecordFailedError (with what to log) when it must go back to the queue. */
  private async deliver(record: SqsRecord, deadlineMs?: number): Promise<'delivered' | 'duplicate'> {
    const { logger } = this.deps;
    let job: DeliveryJob;
    try {
      job = parseDeliveryJob(record.body);
    } catch (error) {
      // Kept by failing it: after maxReceiveCount it rests in the dead-letter queue for people to read.
      throw new RecordFailedError('delivery job unreadable; it will go to the dead-letter queue', {}, { cause: error });
    }
    const log = {
      messageId: record.messageId,
      notificationId: job.notificationId,
      channel: job.channel.name,
      channelType: job.channel.type,
      summary: job.summary,
      receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? '1'),
    };
    const deliveryId = `delivery#${job.notificationId}#${job.channel.type}:${job.channel.name}`;
    try {
      if (this.deps.claims) {
        const claim = await this.deps.claims.claim(deliveryId, record.messageId);
        if (claim.status === 'duplicate') {
          logger.info('delivery already done or in progress elsewhere; dropped', log);
          return 'duplicate';
        }
      }
      const target = await this.deps.secrets.read(job.channel.secret);
      const result = await this.deps.poster.post({
        url: target.url,
        body: job.body,
        ...(target.headers ? { headers: target.headers } : {}),
        ...(deadlineMs !== undefined ? { deadlineMs } : {}),
      });
      await this.deps.claims?.markDone(deliveryId, 'delivered');
      logger.info('delivered', { ...log, status: result.status, attempts: result.attempts });
      return 'delivered';
    } catch (error) {
      const fields = {
        ...log,
        ...(error instanceof WebhookDeliveryError
          ? { status: error.status, attempts: error.attempts, retryable: error.retryable }
          : {}),
      };
      throw new RecordFailedError('delivery failed; SQS will redeliver it, then dead-letter it', fields, {
        cause: error,
      });
    }
  }
}
