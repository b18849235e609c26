/**
 * The delivery function's work: for each delivery job on the queue, read the channel's webhook URL from
 * Secrets Manager (cached per container) and POST the rendered message, retrying 429/5xx/timeouts inside the
 * invocation. A job that still fails is returned in `batchItemFailures`: SQS redelivers it after the visibility
 * timeout and, after the queue's maxReceiveCount, moves it to the dead-letter queue. Nothing is dropped, and a
 * job that cannot even be read goes the same way so people can look at it.
 *
 * With a ledger, each job is claimed first and closed after a successful post, so a message SQS delivers
 * twice (at-least-once) posts once.
 */
import type { Ledger } from '../../aws/ledger/Ledger.js';
import { type DeliveryJob, parseDeliveryJob } from '../../aws/notify/deliveryJob.js';
import { WebhookDeliveryError } from '../../aws/notify/NotifyError.js';
import type { WebhookPoster } from '../../aws/notify/WebhookPoster.js';
import type { WebhookSecretReader } from '../../aws/notify/WebhookSecretReader.js';
import { describeError } from '../describeError.js';
import type { FunctionLogger, SqsBatchResponse, SqsEvent, SqsRecord } from '../lambdaEvents.js';

export interface DeliveryWorkerDeps {
  readonly secrets: WebhookSecretReader;
  readonly poster: WebhookPoster;
  readonly logger: FunctionLogger;
  /** De-duplicates deliveries when set. */
  readonly ledger?: Ledger;
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
    const outcomes: DeliveryOutcome[] = new Array(event.Records.length);
    const failures: { itemIdentifier: string }[] = [];
    let next = 0;
    const worker = async () => {
      while (next < event.Records.length) {
        const index = next++;
        const record = event.Records[index]!;
        const outcome = await this.handleRecord(record, deadlineMs);
        outcomes[index] = outcome;
        if (outcome === 'failed') failures.push({ itemIdentifier: record.messageId });
      }
    };
    const lanes = Math.max(1, Math.min(this.deps.concurrency ?? 4, event.Records.length));
    await Promise.all(Array.from({ length: lanes }, worker));
    return { batchItemFailures: failures, outcomes };
  }

  /** Delivers one record; never throws. */
  async handleRecord(record: SqsRecord, deadlineMs?: number): Promise<DeliveryOutcome> {
    const { logger } = this.deps;
    const receiveCount = Number(record.attributes?.ApproximateReceiveCount ?? '1');
    let job: DeliveryJob;
    try {
      job = parseDeliveryJob(record.body);
    } catch (error) {
      // Kept by failing it: after maxReceiveCount it rests in the dead-letter queue for people to read.
      logger.error('delivery job unreadable; it will go to the dead-letter queue', {
        messageId: record.messageId,
        receiveCount,
        error: describeError(error),
      });
      return 'failed';
    }
    const log = {
      messageId: record.messageId,
      notificationId: job.notificationId,
      channel: job.channel.name,
      channelType: job.channel.type,
      summary: job.summary,
      receiveCount,
    };
    const deliveryId = `delivery#${job.notificationId}#${job.channel.type}:${job.channel.name}`;
    try {
      if (this.deps.ledger) {
        const claim = await this.deps.ledger.claim(deliveryId, record.messageId);
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
      await this.deps.ledger?.markDone(deliveryId, 'delivered');
      logger.info('delivered', { ...log, status: result.status, attempts: result.attempts });
      return 'delivered';
    } catch (error) {
      const fields = {
        ...log,
        error: describeError(error),
        ...(error instanceof WebhookDeliveryError
          ? { status: error.status, attempts: error.attempts, retryable: error.retryable }
          : {}),
      };
      logger.error('delivery failed; SQS will redeliver it, then dead-letter it', fields);
      return 'failed';
    }
  }
}
