import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DeliveryQueue } from '../../../src/aws/notify/DeliveryQueue.js';
import { parseDeliveryJob } from '../../../src/aws/notify/deliveryJob.js';
import { EmailPublisher, fitBytes, snsSubject } from '../../../src/aws/notify/EmailPublisher.js';
import { PublishError, SecretReadError } from '../../../src/aws/notify/NotifyError.js';
import { parseWebhookSecret, WebhookSecretReader } from '../../../src/aws/notify/WebhookSecretReader.js';

const sns = mockClient(SNSClient);
const sqs = mockClient(SQSClient);
const secrets = mockClient(SecretsManagerClient);

beforeEach(() => {
  sns.reset();
  sqs.reset();
  secrets.reset();
});

describe('snsSubject', () => {
  it('keeps a short subject as it is', () => {
    expect(snsSubject('Backup failed: prod-db')).toBe('Backup failed: prod-db');
  });

  it('turns line breaks and control characters into spaces', () => {
    expect(snsSubject('a\nb\r\tc\u0007d')).toBe('a b c d');
  });

  it('cuts a long subject below 100 characters, marking the cut', () => {
    const subject = snsSubject(`Backup failed: ${'x'.repeat(200)}`);
    expect([...subject].length).toBe(99);
    expect(subject.endsWith('…')).toBe(true);
  });

  it('never sends an empty subject', () => {
    expect(snsSubject(' \n ')).toBe('Vaultpilot notification');
  });
});

describe('fitBytes', () => {
  it('leaves text within the limit alone and cuts longer text at a character boundary', () => {
    expect(fitBytes('héllo', 100)).toBe('héllo');
    const cut = fitBytes('é'.repeat(100), 60);
    expect(Buffer.byteLength(cut, 'utf8')).toBeLessThanOrEqual(60);
    expect(cut).not.toContain('\uFFFD');
    expect(cut.endsWith('(truncated)')).toBe(true);
  });
});

describe('EmailPublisher', () => {
  it('publishes a fitted subject and the text, tagged with the channel', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const id = await new EmailPublisher(new SNSClient({ region: 'us-east-1' }), 'arn:topic').publish({
      subject: 'Line\nbreak',
      text: 'body',
      channel: 'ops-email',
    });
    expect(id).toBe('m-1');
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input).toEqual({
      TopicArn: 'arn:topic',
      Subject: 'Line break',
      Message: 'body',
      MessageAttributes: { channel: { DataType: 'String', StringValue: 'ops-email' } },
    });
  });

  it('wraps an SNS failure in a PublishError keeping the cause', async () => {
    sns.on(PublishCommand).rejects(new Error('throttled'));
    const error = await new EmailPublisher(new SNSClient({ region: 'us-east-1' }), 'arn:topic')
      .publish({ subject: 's', text: 't' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishError);
    expect((error as Error).cause).toBeInstanceOf(Error);
  });
});

describe('DeliveryQueue and parseDeliveryJob', () => {
  it('sends a job that the delivery side reads back unchanged', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'q-1' });
    const job = {
      version: 1 as const,
      notificationId: 'sig-1',
      channel: { name: 'ops-slack', type: 'slack' as const, secret: 'vaultpilot/slack' },
      summary: 'Backup failed',
      body: { text: 'hello' },
    };
    await new DeliveryQueue(new SQSClient({ region: 'us-east-1' }), 'https://queue').send(job);
    const body = sqs.commandCalls(SendMessageCommand)[0]?.args[0].input.MessageBody ?? '';
    expect(parseDeliveryJob(body)).toEqual(job);
  });

  it('rejects a message that is not a delivery job', () => {
    expect(() => parseDeliveryJob('{"version":1}')).toThrow();
    expect(() => parseDeliveryJob('not json')).toThrow(SyntaxError);
  });
});

describe('parseWebhookSecret', () => {
  it('reads a bare URL or JSON with url and headers', () => {
    expect(parseWebhookSecret(' https://hooks.slack.com/services/T/B/X \n', 's')).toEqual({
      url: 'https://hooks.slack.com/services/T/B/X',
    });
    expect(parseWebhookSecret('{"url":"https://example.com/h","headers":{"authorization":"Bearer x"}}', 's')).toEqual({
      url: 'https://example.com/h',
      headers: { authorization: 'Bearer x' },
    });
  });

  it('refuses a value without a URL and does not echo the value', () => {
    const error = (() => {
      try {
        parseWebhookSecret('{"token":"hunter2"}', 'my-secret');
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(SecretReadError);
    expect(error?.message).toContain('my-secret');
    expect(error?.message).not.toContain('hunter2');
  });
});

describe('WebhookSecretReader', () => {
  it('reads a secret once per cache period', async () => {
    let now = 0;
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'https://example.com/a' });
    const reader = new WebhookSecretReader({
      client: new SecretsManagerClient({ region: 'us-east-1' }),
      cacheMs: 1000,
      now: () => now,
    });
    await reader.read('s');
    await reader.read('s');
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    now = 1001;
    await reader.read('s');
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('does not cache a failed read', async () => {
    secrets.on(GetSecretValueCommand).rejectsOnce(new Error('denied')).resolves({ SecretString: 'https://e.com/b' });
    const reader = new WebhookSecretReader({ client: new SecretsManagerClient({ region: 'us-east-1' }) });
    await expect(reader.read('s')).rejects.toBeInstanceOf(SecretReadError);
    await expect(reader.read('s')).resolves.toEqual({ url: 'https://e.com/b' });
  });
});
