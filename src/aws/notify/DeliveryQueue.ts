/** Sends delivery jobs to the SQS queue that feeds the delivery Lambda. */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DeliveryJob } from './deliveryJob.js';
import { PublishError } from './NotifyError.js';

/** The delivery queue. */
export class DeliveryQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  /** Enqueues one delivery job; returns the SQS message id. */
  async send(job: DeliveryJob): Promise<string | undefined> {
    try {
      const out = await this.client.send(
        new SendMessageCommand({
          QueueUrl: this.queueUrl,
          MessageBody: JSON.stringify(job),
          MessageAttributes: {
            channel: { DataType: 'String', StringValue: job.channel.name },
            notificationId: { DataType: 'String', StringValue: job.notificationId.slice(0, 256) },
          },
        }),
      );
      return out.MessageId;
    } catch (error) {
      throw new PublishError(`SQS send to ${this.queueUrl} failed`, { cause: error });
    }
  }
}
