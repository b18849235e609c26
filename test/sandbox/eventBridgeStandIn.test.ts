import {
  EventBridgeClient,
  InternalException,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type EventBridgeStandIn,
  PUT_EVENTS_MAX_TOTAL_BYTES,
  startEventBridgeStandIn,
} from '../../sandbox/eventbridge/startEventBridgeStandIn.js';

let standIn: EventBridgeStandIn;
let events: EventBridgeClient;
let seen = 0;

const entry = (overrides: Partial<PutEventsRequestEntry> = {}): PutEventsRequestEntry => ({
  Source: 'vaultpilot.backup',
  DetailType: 'Recovery point deleted',
  Detail: JSON.stringify({ recoveryPointArn: 'arn:aws:backup:eu-west-1:111122223333:recovery-point:1' }),
  ...overrides,
});

const put = (entries: PutEventsRequestEntry[]) => events.send(new PutEventsCommand({ Entries: entries }));

beforeAll(async () => {
  standIn = await startEventBridgeStandIn();
  events = new EventBridgeClient({
    endpoint: standIn.endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
});

beforeEach(() => {
  seen = standIn.events().length;
});

afterAll(async () => {
  events?.destroy();
  await standIn?.close();
});

const newEvents = () => standIn.events().slice(seen);

describe('PutEvents', () => {
  it('records accepted events with parsed Detail, bus, resources and time', async () => {
    const time = new Date('2026-03-01T12:00:00Z');
    const out = await put([
      entry({ EventBusName: 'vaultpilot', Resources: ['arn:aws:rds:eu-west-1:111122223333:db:orders'], Time: time }),
      entry(),
    ]);
    expect(out.FailedEntryCount).toBe(0);
    expect(out.Entries).toHaveLength(2);
    expect(out.Entries?.every((e) => typeof e.EventId === 'string')).toBe(true);
    const [first, second] = newEvents();
    expect(first).toMatchObject({
      source: 'vaultpilot.backup',
      detailType: 'Recovery point deleted',
      detail: { recoveryPointArn: 'arn:aws:backup:eu-west-1:111122223333:recovery-point:1' },
      eventBusName: 'vaultpilot',
      resources: ['arn:aws:rds:eu-west-1:111122223333:db:orders'],
      time,
    });
    expect(second?.eventBusName).toBe('default');
    expect(second?.time).toBeInstanceOf(Date);
  });

  it.each([
    { name: 'missing Source', e: entry({ Source: undefined }), code: 'InvalidArgument' },
    { name: 'missing DetailType', e: entry({ DetailType: undefined }), code: 'InvalidArgument' },
    { name: 'missing Detail', e: entry({ Detail: undefined }), code: 'InvalidArgument' },
    { name: 'Detail not JSON', e: entry({ Detail: '{not json' }), code: 'MalformedDetail' },
    { name: 'Detail a JSON array', e: entry({ Detail: '[1,2]' }), code: 'MalformedDetail' },
    { name: 'Detail a JSON string', e: entry({ Detail: '"text"' }), code: 'MalformedDetail' },
  ])('answers $code in Entries for $name, keeping the valid entries', async ({ e, code }) => {
    const out = await put([entry(), e, entry()]);
    expect(out.FailedEntryCount).toBe(1);
    expect(out.Entries?.[1]).toMatchObject({ ErrorCode: code });
    expect(out.Entries?.[1]?.EventId).toBeUndefined();
    expect(out.Entries?.[0]?.EventId).toBeDefined();
    expect(newEvents()).toHaveLength(2);
  });

  it('failNextEntries fails the next n valid entries with InternalFailure', async () => {
    standIn.failNextEntries(2);
    const out = await put([entry(), entry({ Detail: 'bad' }), entry(), entry()]);
    expect(out.FailedEntryCount).toBe(3);
    expect(out.Entries?.map((e) => e.ErrorCode)).toEqual([
      'InternalFailure',
      'MalformedDetail',
      'InternalFailure',
      undefined,
    ]);
    expect(newEvents()).toHaveLength(1);
  });
});

describe('request-level errors reach the SDK with their names', () => {
  const big = 'x'.repeat(PUT_EVENTS_MAX_TOTAL_BYTES / 2);
  it.each([
    { name: 'no entries', entries: [] as PutEventsRequestEntry[], type: 'ValidationException' },
    { name: '11 entries', entries: Array.from({ length: 11 }, () => entry()), type: 'ValidationException' },
    {
      name: 'entries over 256 KB in total',
      entries: [entry({ Detail: JSON.stringify({ big }) }), entry({ Detail: JSON.stringify({ big }) })],
      type: 'ValidationException',
    },
  ])('$name → $type, nothing recorded', async ({ entries, type }) => {
    const failure = await put(entries).catch((e: unknown) => e);
    expect((failure as Error).name).toBe(type);
    expect((failure as { $metadata: { httpStatusCode?: number } }).$metadata.httpStatusCode).toBe(400);
    expect(newEvents()).toHaveLength(0);
  });

  it('accepts exactly 10 entries', async () => {
    const out = await put(Array.from({ length: 10 }, () => entry()));
    expect(out.FailedEntryCount).toBe(0);
    expect(newEvents()).toHaveLength(10);
  });

  it('injected errors come out as the SDK exception class', async () => {
    standIn.injectError('PutEvents', { type: 'InternalException', status: 500, message: 'boom' });
    const failure = await put([entry()]).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(InternalException);
    expect((failure as Error).name).toBe('InternalException');
    await expect(put([entry()])).resolves.toMatchObject({ FailedEntryCount: 0 });
  });
});
