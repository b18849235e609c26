/**
 * Publishes email notifications to the SNS topic. SNS rejects subjects with line breaks or control
 * characters and subjects of 100 characters or more, and messages over 256 KB: both are made to fit here
 * rather than failing the whole notification.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { PublishError } from './NotifyError.js';

/** Longest subject SNS accepts ("less than 100 characters"). */
export const MAX_SUBJECT_CHARS = 99;
/** Room below the 256 KB message limit for the encoding overhead. */
const MAX_MESSAGE_BYTES = 250_000;

/** One email to publish. */
export interface EmailMessage {
  readonly subject: string;
  readonly text: string;
  /** Set as the `channel` message attribute, so one topic can feed several email channels by filter policy. */
  readonly channel?: string;
}

/** Publishes to one SNS topic. */
export class EmailPublisher {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  /** Publishes an email; returns the SNS message id. */
  async publish(message: EmailMessage): Promise<string | undefined> {
    try {
      const out = await this.client.send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Subject: snsSubject(message.subject),
          Message: fitBytes(message.text, MAX_MESSAGE_BYTES),
          ...(message.channel
            ? { MessageAttributes: { channel: { DataType: 'String', StringValue: message.channel } } }
            : {}),
        }),
      );
      return out.MessageId;
    } catch (error) {
      throw new PublishError(`SNS publish to ${this.topicArn} failed`, { cause: error });
    }
  }
}

/** A subject SNS accepts: one line, no control characters, under 100 characters, never empty. */
export function snsSubject(subject: string): string {
  const oneLine = subject
    .replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const chars = [...(oneLine || 'Vaultpilot notification')];
  if (chars.length <= MAX_SUBJECT_CHARS) return chars.join('');
  return `${chars
    .slice(0, MAX_SUBJECT_CHARS - 1)
    .join('')
    .trimEnd()}…`;
}

/** Cuts text to at most `maxBytes` of UTF-8, at a character boundary, marking the cut. */
export function fitBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const marker = '\n… (truncated)';
  const room = maxBytes - Buffer.byteLength(marker, 'utf8');
  // A cut inside a multi-byte character decodes to U+FFFD: drop it.
  const cut = Buffer.from(text, 'utf8')
    .subarray(0, room)
    .toString('utf8')
    .replace(/\uFFFD+$/, '');
  return `${cut}${marker}`;
}
