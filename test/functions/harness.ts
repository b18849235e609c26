/**
 * Builds the router, delivery worker and scheduled functions for tests on real local stand-ins: the ledger in
 * dynalite, SNS and SQS through aws-sdk-client-mock (every publish and enqueue is recorded), EMF lines and
 * logs captured in memory.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PublishCommand, type PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { dynamoLedgerStores } from '../../src/aws/ledger/dynamoLedgerStores.js';
import { DeliveryQueue } from '../../src/aws/notify/DeliveryQueue.js';
import { type DeliveryJob, parseDeliveryJob } from '../../src/aws/notify/deliveryJob.js';
import { EmailPublisher } from '../../src/aws/notify/EmailPublisher.js';
import type { RuntimeSettings } from '../../src/core/config/runtimeSettings.js';
import type { LedgerStores } from '../../src/core/ledger/ledgerPorts.js';
import type { FunctionLogger, SqsRecord } from '../../src/functions/lambdaEvents.js';
import { Notifier } from '../../src/functions/notification/Notifier.js';
import { SignalRouter } from '../../src/functions/router/SignalRouter.js';
import type { LocalLedgerTable } from '../aws/ledger/localLedgerTable.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/events');

/** A fixture event from test/fixtures/events, parsed. */
export function fixture(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(fixtures, `${path}.json`), 'utf8')) as Record<string, unknown>;
}

/** An SQS record carrying `body` (an object is sent as JSON, as EventBridge's SQS target does). */
export function sqsRecord(body: unknown, messageId: string): SqsRecord {
  return {
    messageId,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: { ApproximateReceiveCount: '1' },
    eventSource: 'aws:sqs',
  };
}

/** Runtime settings with an email default channel and a Slack channel for critical and warning signals. */
export function testSettings(overrides: Partial<RuntimeSettings> = {}): RuntimeSettings {
  return {
    version: 1,
    organizationId: 'o-a1b2c3d4e5',
    managementAccount: '999988887777',
    centralAccount: '444455556666',
    centralRegion: 'eu-west-1',
    eventBusName: 'vaultpilot',
    channels: [
      { name: 'ops-email', type: 'email' },
      { name: 'ops-slack', type: 'slack', secret: 'vaultpilot/slack' },
    ],
    defaultChannel: 'ops-email',
    routes: [{ channels: ['ops-email', 'ops-slack'], severities: ['critical', 'warning'] }],
    successMessages: false,
    progressMessages: false,
    watchedVaults: [],
    rpo: { enabled: true, defaultHours: 24, resourceTypes: { RDS: 12 }, tags: [] },
    digest: { enabled: true, time: '08:00', timeZone: 'UTC', channels: ['ops-email', 'ops-slack'] },
    ...overrides,
  };
}

/** Log lines kept in memory. */
export class MemoryLogger implements FunctionLogger {
  readonly lines: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  debug = (message: string, ...extra: Record<string, unknown>[]) => this.push('debug', message, extra);
  info = (message: string, ...extra: Record<string, unknown>[]) => this.push('info', message, extra);
  warn = (message: string, ...extra: Record<string, unknown>[]) => this.push('warn', message, extra);
  error = (message: string, ...extra: Record<string, unknown>[]) => this.push('error', message, extra);
  private push(level: string, message: string, extra: Record<string, unknown>[]) {
    this.lines.push({ level, message, fields: Object.assign({}, ...extra) });
  }
}

// One mock per client class for the whole test file: each harness resets it.
const sns = mockClient(SNSClient);
const sqs = mockClient(SQSClient);

export const TOPIC_ARN = 'arn:aws:sns:eu-west-1:444455556666:vaultpilot-notifications';
export const UNPARSED_TOPIC_ARN = 'arn:aws:sns:eu-west-1:444455556666:vaultpilot-unparsed';
export const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/444455556666/vaultpilot-delivery';

/** Everything a router test looks at. */
export interface RouterHarness {
  readonly router: SignalRouter;
  /** The ledger's stores over the harness's table. */
  readonly ledger: LedgerStores;
  /** The harness's ledger table. */
  readonly tableName: string;
  readonly notifier: Notifier;
  readonly logger: MemoryLogger;
  readonly metrics: Record<string, unknown>[];
  /** Emails SNS accepted on the notification topic. */
  emails(): PublishCommandInput[];
  /** Inputs SNS accepted on the unparsed topic. */
  archived(): PublishCommandInput[];
  /** Delivery jobs SQS accepted. */
  deliveries(): DeliveryJob[];
  /** Makes the next `n` SNS publishes fail. */
  failPublishes(n: number): void;
  /** Makes every SNS publish for which `reject` says true fail (until called again). */
  failPublishesWhere(reject: (input: PublishCommandInput) => boolean): void;
  /** Makes the next `n` SQS sends fail. */
  failSends(n: number): void;
}

/** A router over a fresh ledger table. SNS and SQS answer success unless a test scripts otherwise. */
export async function routerHarness(
  local: LocalLedgerTable,
  options: { settings?: RuntimeSettings; now?: () => number } = {},
): Promise<RouterHarness> {
  sns.reset();
  sqs.reset();
  const accepted: PublishCommandInput[] = [];
  const queued: DeliveryJob[] = [];
  let publishFailures = 0;
  let rejectPublish: (input: PublishCommandInput) => boolean = () => false;
  let sendFailures = 0;
  sns.on(PublishCommand).callsFake(async (input: PublishCommandInput) => {
    if (publishFailures > 0 && publishFailures--) throw new Error('SNS: Rate exceeded');
    if (rejectPublish(input)) throw new Error('SNS: InvalidParameter');
    accepted.push(input);
    return { MessageId: `sns-${accepted.length}` };
  });
  sqs.on(SendMessageCommand).callsFake(async (input: { MessageBody?: string }) => {
    if (sendFailures > 0 && sendFailures--) throw new Error('SQS: service unavailable');
    queued.push(parseDeliveryJob(input.MessageBody ?? ''));
    return { MessageId: `sqs-${queued.length}` };
  });
  const tableName = await local.createTable();
  const ledger = dynamoLedgerStores({
    client: local.client,
    tableName,
    ...(options.now ? { now: options.now } : {}),
  });
  const snsClient = new SNSClient({ region: 'eu-west-1' });
  const notifier = new Notifier({
    claims: ledger.claims,
    email: new EmailPublisher(snsClient, TOPIC_ARN),
    deliveries: new DeliveryQueue(new SQSClient({ region: 'eu-west-1' }), QUEUE_URL),
  });
  const logger = new MemoryLogger();
  const metrics: Record<string, unknown>[] = [];
  const router = new SignalRouter({
    claims: ledger.claims,
    jobs: ledger.jobs,
    policies: ledger.policies,
    unparsed: ledger.unparsed,
    sources: ledger.sources,
    notifier,
    settings: options.settings ?? testSettings(),
    logger,
    metricNamespace: 'Vaultpilot',
    writeMetrics: (line) => metrics.push(JSON.parse(line) as Record<string, unknown>),
    unparsedArchive: new EmailPublisher(snsClient, UNPARSED_TOPIC_ARN),
    ...(options.now ? { now: options.now } : {}),
  });
  return {
    router,
    ledger,
    tableName,
    notifier,
    logger,
    metrics,
    emails: () => accepted.filter((p) => p.TopicArn === TOPIC_ARN),
    archived: () => accepted.filter((p) => p.TopicArn === UNPARSED_TOPIC_ARN),
    deliveries: () => [...queued],
    failPublishes: (n) => {
      publishFailures = n;
    },
    failPublishesWhere: (reject) => {
      rejectPublish = reject;
    },
    failSends: (n) => {
      sendFailures = n;
    },
  };
}
