import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ENV, HANDLER_ENTRIES } from '../../src/core/deployment/contract.js';
import { FunctionEnvironment } from '../../src/functions/environment.js';
import { InvalidEnvironmentError, MissingEnvironmentError } from '../../src/functions/FunctionError.js';
import { type LocalLedgerTable, startLocalLedgerTable } from '../aws/ledger/localLedgerTable.js';
import { fixture, QUEUE_URL, sqsRecord, TOPIC_ARN, testSettings } from './harness.js';

const sns = mockClient(SNSClient);
const sqs = mockClient(SQSClient);
let local: LocalLedgerTable;
const saved = { ...process.env };

beforeAll(async () => {
  local = await startLocalLedgerTable();
});
afterAll(async () => {
  process.env = saved;
  await local?.close();
});
beforeEach(() => {
  process.env = { ...saved };
  for (const name of Object.values(ENV)) delete process.env[name];
  vi.resetModules();
  sns.reset();
  sqs.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'sns-1' });
  sqs.on(SendMessageCommand).resolves({ MessageId: 'sqs-1' });
});

async function deployedEnvironment(): Promise<void> {
  Object.assign(process.env, {
    [ENV.ledgerTable]: await local.createTable(),
    [ENV.topicArn]: TOPIC_ARN,
    [ENV.deliveryQueueUrl]: QUEUE_URL,
    [ENV.settings]: JSON.stringify(testSettings()),
    AWS_ENDPOINT_URL_DYNAMODB: local.endpoint,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
}

describe('FunctionEnvironment', () => {
  it('names the missing variable', () => {
    expect(() => new FunctionEnvironment({}).ledgerTable).toThrow(MissingEnvironmentError);
    expect(() => new FunctionEnvironment({ [ENV.topicArn]: ' ' }).topicArn).toThrow(/VAULTPILOT_TOPIC_ARN/);
  });

  it('names the settings variable and what is wrong with it', () => {
    const env = new FunctionEnvironment({ [ENV.settings]: '{"version":1}' });
    expect(() => env.settings).toThrow(InvalidEnvironmentError);
    expect(() => env.settings).toThrow(/VAULTPILOT_SETTINGS is invalid: .*channels/);
  });

  it('defaults the metric namespace and reads optional variables as absent when empty', () => {
    const env = new FunctionEnvironment({ [ENV.unparsedTopicArn]: '' });
    expect(env.metricNamespace).toBe('Vaultpilot');
    expect(env.unparsedTopicArn).toBeUndefined();
  });
});

describe('handler entry points', () => {
  // The delivery function needs no variable (its ledger is optional); the others need several.
  const needingVariables = Object.entries(HANDLER_ENTRIES).filter(([name]) => name !== 'delivery');
  it.each(needingVariables)('%s fails at cold start naming a missing variable', async (_name, entry) => {
    await expect(import(`../../${entry}`)).rejects.toThrow(/VAULTPILOT_/);
  });

  it('the delivery entry point starts without a ledger', async () => {
    const module = (await import(`../../${HANDLER_ENTRIES.delivery}`)) as { handler: unknown };
    expect(typeof module.handler).toBe('function');
  });

  it('the router entry point routes an SQS batch end to end and prints EMF to stdout', async () => {
    await deployedEnvironment();
    const lines: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      const { handler } = (await import(
        `../../${HANDLER_ENTRIES.router}`
      )) as typeof import('../../src/functions/router.js');
      const event = fixture('eventbridge-backup/backup-job-failed');
      const out = await handler({ Records: [sqsRecord(event, 'm-1'), sqsRecord(event, 'm-2')] });
      expect(out).toEqual({ batchItemFailures: [] });
    } finally {
      write.mockRestore();
    }
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(1);
    const emf = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => '_aws' in l);
    expect(emf).toHaveLength(1);
    expect(emf[0]).toMatchObject({ FailedJobs: 1, Jobs: 1, Kind: 'backup-job' });
  });
});
