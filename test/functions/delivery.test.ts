import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoSignalClaims } from '../../src/aws/ledger/DynamoSignalClaims.js';
import type { DeliveryJob } from '../../src/aws/notify/deliveryJob.js';
import { WebhookPoster } from '../../src/aws/notify/WebhookPoster.js';
import { WebhookSecretReader } from '../../src/aws/notify/WebhookSecretReader.js';
import { normalizeInput } from '../../src/core/normalize/normalizeInput.js';
import { renderSignal } from '../../src/core/render/renderSignal.js';
import { DeliveryWorker } from '../../src/functions/delivery/DeliveryWorker.js';
import { type LocalLedgerTable, startLocalLedgerTable } from '../aws/ledger/localLedgerTable.js';
import { type LocalWebhookServer, startLocalWebhookServer } from '../aws/notify/localWebhookServer.js';
import { fixture, MemoryLogger, routerHarness, sqsRecord, testSettings } from './harness.js';
import { LocalQueue } from './localQueue.js';

const secrets = mockClient(SecretsManagerClient);
let local: LocalLedgerTable;
let server: LocalWebhookServer;

beforeAll(async () => {
  local = await startLocalLedgerTable();
  server = await startLocalWebhookServer();
});
afterAll(async () => {
  await server?.close();
  await local?.close();
});
beforeEach(() => {
  secrets.reset();
  // Each secret names the path it posts to on the local server.
  secrets.on(GetSecretValueCommand).callsFake(async (input: { SecretId: string }) => {
    if (input.SecretId === 'vaultpilot/missing') throw new Error('ResourceNotFoundException');
    return { SecretString: JSON.stringify({ url: `${server.url}/${input.SecretId}`, headers: { 'x-hook': 'v' } }) };
  });
});

function worker(logger = new MemoryLogger(), claims?: DynamoSignalClaims): DeliveryWorker {
  return new DeliveryWorker({
    secrets: new WebhookSecretReader({ client: new SecretsManagerClient({ region: 'eu-west-1' }) }),
    poster: new WebhookPoster({ maxAttempts: 2, sleep: async () => undefined, timeoutMs: 2_000 }),
    logger,
    ...(claims ? { claims } : {}),
  });
}

function job(channel: string, type: DeliveryJob['channel']['type'], notificationId = 'sig-1'): DeliveryJob {
  return {
    version: 1,
    notificationId,
    channel: { name: channel, type, secret: `hooks/${channel}` },
    summary: 'Backup FAILED: orders',
    body: { text: `for ${channel}` },
  };
}

describe('delivery', () => {
  it('posts what the router rendered for Slack to the URL in the channel’s secret', async () => {
    const h = await routerHarness(local, {
      settings: testSettings({
        channels: [
          { name: 'ops-email', type: 'email' },
          { name: 'slack-e2e', type: 'slack', secret: 'hooks/slack-e2e' },
          { name: 'teams-e2e', type: 'teams', secret: 'hooks/teams-e2e' },
          { name: 'hook-e2e', type: 'webhook', secret: 'hooks/hook-e2e' },
        ],
        routes: [{ channels: ['slack-e2e', 'teams-e2e', 'hook-e2e'], severities: ['critical'] }],
      }),
    });
    const event = fixture('eventbridge-backup/backup-job-failed');
    await h.router.handleBatch({ Records: [sqsRecord(event, 'm-1')] });
    const queue = new LocalQueue(3);
    for (const j of h.deliveries()) queue.send(JSON.stringify(j));
    await queue.drain((e) => worker().handleBatch(e));
    const rendering = renderSignal(normalizeInput(event)[0]!);
    expect(server.delivered('/hooks/slack-e2e').map((p) => p.json)).toEqual([rendering.slack]);
    expect(server.delivered('/hooks/teams-e2e').map((p) => p.json)).toEqual([rendering.teams]);
    expect(server.delivered('/hooks/hook-e2e').map((p) => p.json)).toEqual([rendering.webhook]);
    expect(server.delivered('/hooks/hook-e2e')[0]?.headers['x-hook']).toBe('v');
    expect(queue.deadLetters).toEqual([]);
  });

  it('retries a failing channel, then dead-letters the job unchanged while the others are delivered', async () => {
    server.script(
      Array.from({ length: 20 }, () => ({ status: 500 })),
      '/hooks/teams-down',
    );
    const queue = new LocalQueue(3);
    const down = JSON.stringify(job('teams-down', 'teams'));
    queue.send(down);
    queue.send(JSON.stringify(job('slack-up', 'slack')));
    const logger = new MemoryLogger();
    const rounds = await queue.drain((e) => worker(logger).handleBatch(e));
    expect(rounds).toBe(3);
    // Two attempts per receive, three receives: six posts, then the dead-letter queue.
    expect(server.received.filter((p) => p.path === '/hooks/teams-down')).toHaveLength(6);
    expect(queue.deadLetters.map((m) => m.body)).toEqual([down]);
    expect(server.delivered('/hooks/slack-up')).toHaveLength(1);
    const failures = logger.lines.filter((l) => l.message.startsWith('delivery failed'));
    expect(failures.map((l) => l.fields.receiveCount)).toEqual([1, 2, 3]);
    expect(failures[0]?.fields).toMatchObject({ status: 500, attempts: 2, retryable: true, channel: 'teams-down' });
  });

  it('delivers on a later receive once the endpoint recovers, and nothing reaches the dead-letter queue', async () => {
    server.script([{ status: 503 }, { status: 502 }, { status: 500 }], '/hooks/flaky');
    const queue = new LocalQueue(3);
    queue.send(JSON.stringify(job('flaky', 'webhook')));
    const rounds = await queue.drain((e) => worker().handleBatch(e));
    expect(rounds).toBe(2);
    expect(server.delivered('/hooks/flaky')).toHaveLength(1);
    expect(queue.deadLetters).toEqual([]);
  });

  it('keeps a job whose secret cannot be read, and one that is not a delivery job, for the dead-letter queue', async () => {
    const queue = new LocalQueue(2);
    queue.send(
      JSON.stringify({ ...job('x', 'slack'), channel: { name: 'x', type: 'slack', secret: 'vaultpilot/missing' } }),
    );
    queue.send('{"hello": "world"}');
    await queue.drain((e) => worker().handleBatch(e));
    expect(queue.deadLetters).toHaveLength(2);
  });

  it('stops before the invocation’s deadline and returns the jobs it could not try to the queue', async () => {
    server.script(
      Array.from({ length: 6 }, () => ({ hang: true })),
      '/hooks/stuck',
    );
    const records = Array.from({ length: 6 }, (_, i) =>
      sqsRecord(JSON.stringify(job('stuck', 'slack', `sig-${i}`)), `s-${i}`),
    );
    const out = await worker().handleBatch({ Records: records }, Date.now() + 1_500);
    expect(out.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(records.map((r) => r.messageId).sort());
    // Four lanes posted once each and were cut at the deadline; the last two jobs were never tried.
    expect(server.received.filter((p) => p.path === '/hooks/stuck')).toHaveLength(4);
  });

  it('posts once when SQS delivers the same job twice, with the ledger', async () => {
    const claims = new DynamoSignalClaims({ client: local.client, tableName: await local.createTable() });
    const twice = JSON.stringify(job('dedupe', 'slack', 'sig-dup'));
    const out = await worker(new MemoryLogger(), claims).handleBatch({
      Records: [sqsRecord(twice, 'a'), sqsRecord(twice, 'b')],
    });
    expect([...out.outcomes].sort()).toEqual(['delivered', 'duplicate']);
    expect(server.delivered('/hooks/dedupe')).toHaveLength(1);
  });
});
