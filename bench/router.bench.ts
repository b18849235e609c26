/**
 * The router's throughput per invocation against the dynalite ledger: the fixture corpus as SQS batches of
 * 10 records, each signal claimed, recorded, counted (EMF), routed, rendered and handed to SNS/SQS stand-ins
 * that answer at once (so the number is the router and its ledger, not the network). Measured in the same
 * run as the baseline the public alarms sample pays for the same events: JSON.parse + JSON.stringify.
 *
 * Every round starts on an empty table, so every signal is new (the expensive path); a second pass over the
 * same table measures the duplicate path.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoLedgerStores } from '../src/aws/ledger/dynamoLedgerStores.js';
import { DeliveryQueue } from '../src/aws/notify/DeliveryQueue.js';
import { EmailPublisher } from '../src/aws/notify/EmailPublisher.js';
import type { FunctionLogger, SqsEvent } from '../src/functions/lambdaEvents.js';
import { Notifier } from '../src/functions/notification/Notifier.js';
import { SignalRouter } from '../src/functions/router/SignalRouter.js';
import { startLocalLedgerTable } from '../test/aws/ledger/localLedgerTable.js';
import { testSettings } from '../test/functions/harness.js';

const BATCH = 10;
const ROUNDS = 5;
const corpusDir = fileURLToPath(new URL('../test/fixtures/events', import.meta.url));

const texts = readdirSync(corpusDir, { withFileTypes: true, recursive: true })
  .filter((e) => e.isFile() && e.name.endsWith('.json') && !e.name.includes('.expected.'))
  .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'));
const batches: SqsEvent[] = [];
for (let i = 0; i < texts.length; i += BATCH) {
  batches.push({
    Records: texts.slice(i, i + BATCH).map((body, j) => ({ messageId: `m-${i + j}`, body, eventSource: 'aws:sqs' })),
  });
}

const settings = testSettings();

const quiet: FunctionLogger = { debug() {}, info() {}, warn() {}, error() {} };
let sent = 0;
const instantAws = { send: async () => ({ MessageId: `id-${++sent}` }) };

// dynalite in-process on an OS-chosen port, with the ledger's key schema (the tests' stand-in).
const local = await startLocalLedgerTable();
const documentClient = local.client;
let ledgerCalls = 0;
// Counts the ledger's DynamoDB calls, to put the rate next to what the stand-in itself can do.
const client = {
  send: (command: Parameters<DynamoDBDocumentClient['send']>[0]) => {
    ledgerCalls++;
    return documentClient.send(command);
  },
} as unknown as DynamoDBDocumentClient;
let tables = 0;
let lastTable = '';

async function freshRouter(): Promise<SignalRouter> {
  const name = await local.createTable(`bench-${++tables}`);
  lastTable = name;
  const { claims, jobs, policies, unparsed, sources } = dynamoLedgerStores({ client, tableName: name });
  return new SignalRouter({
    claims,
    jobs,
    policies,
    unparsed,
    sources,
    notifier: new Notifier({
      claims,
      email: new EmailPublisher(instantAws as unknown as SNSClient, 'arn:aws:sns:eu-west-1:444455556666:t'),
      deliveries: new DeliveryQueue(instantAws as unknown as SQSClient, 'https://sqs/q'),
    }),
    settings,
    logger: quiet,
    metricNamespace: 'Vaultpilot',
    writeMetrics: () => {},
  });
}

/** Routes every batch; returns signals, elapsed ms and per-invocation latencies. */
async function pass(router: SignalRouter): Promise<{ signals: number; ms: number; latencies: number[] }> {
  let signals = 0;
  const latencies: number[] = [];
  const start = performance.now();
  for (const batch of batches) {
    const t = performance.now();
    const out = await router.handleBatch(batch);
    latencies.push(performance.now() - t);
    if (out.batchItemFailures.length > 0) throw new Error(`bench batch failed: ${JSON.stringify(out.report)}`);
    signals += out.report.signals;
  }
  return { signals, ms: performance.now() - start, latencies };
}

/** The stand-in's own rate for single-item writes like the ledger's, with the same concurrency. */
async function dynaliteWriteRate(n: number): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: BATCH }, async () => {
      while (next < n) {
        const i = next++;
        await documentClient.send(
          new PutCommand({ TableName: lastTable, Item: { pk: `BENCH#${i}`, sk: 'X', atMs: i, note: 'x'.repeat(300) } }),
        );
      }
    }),
  );
  return n / ((performance.now() - start) / 1000);
}

let sink = 0;
function baselineRate(minMs: number): number {
  let events = 0;
  const start = performance.now();
  while (performance.now() - start < minMs) {
    for (const text of texts) sink += JSON.stringify(JSON.parse(text), null, 2).length;
    events += texts.length;
  }
  return events / ((performance.now() - start) / 1000);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

await pass(await freshRouter()); // warm up
baselineRate(200);
const newRates: number[] = [];
const dupRates: number[] = [];
const baseRates: number[] = [];
const latencies: number[] = [];
const writeRates: number[] = [];
let signalsPerPass = 0;
let callsPerPass = 0;
for (let round = 0; round < ROUNDS; round++) {
  const router = await freshRouter();
  const callsBefore = ledgerCalls;
  const first = await pass(router);
  callsPerPass = ledgerCalls - callsBefore;
  const again = await pass(router);
  writeRates.push(await dynaliteWriteRate(300));
  signalsPerPass = first.signals;
  newRates.push(first.signals / (first.ms / 1000));
  dupRates.push(again.signals / (again.ms / 1000));
  latencies.push(...first.latencies);
  baseRates.push(baselineRate(200));
}
const ours = median(newRates);
const dups = median(dupRates);
const base = median(baseRates);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
console.log(
  `corpus: ${texts.length} events → ${signalsPerPass} signals per pass, ${batches.length} invocations of ≤${BATCH} SQS records; ${ROUNDS} rounds, medians`,
);
console.log(`router, new signals (claim, record, EMF, render, send) on dynalite: ${fmt(ours)} signals/s`);
console.log(`router, duplicate signals (claim refused) on dynalite:             ${fmt(dups)} signals/s`);
console.log(
  `router, one invocation of ${BATCH} records: median ${median(latencies).toFixed(1)} ms, p90 ${[...latencies].sort((a, b) => a - b)[Math.floor(latencies.length * 0.9)]?.toFixed(1)} ms`,
);
console.log(
  `ledger calls per new signal: ${(callsPerPass / signalsPerPass).toFixed(1)}; dynalite alone in this run: ${fmt(median(writeRates))} writes/s ` +
    `→ stand-in ceiling ≈ ${fmt(median(writeRates) / (callsPerPass / signalsPerPass))} signals/s`,
);
console.log(`baseline JSON.parse + JSON.stringify (public sample):             ${fmt(base)} events/s`);
console.log(
  `ratio router/baseline: ${(ours / base).toFixed(4)} (the baseline makes no network call and keeps no state)`,
);
if (sink < 0) console.log(sink);
await local.close();
