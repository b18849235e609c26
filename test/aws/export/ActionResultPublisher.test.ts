/** ActionResultPublisher against the EventBridge stand-in with the real EventBridgeClient (one attempt per call). */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type EventBridgeStandIn,
  startEventBridgeStandIn,
} from '../../../sandbox/eventbridge/startEventBridgeStandIn.js';
import { ActionResultPublisher } from '../../../src/aws/export/ActionResultPublisher.js';
import {
  ACTION_RESULT_DETAIL_TYPE,
  ACTION_RESULT_SOURCE,
  type ActionResultDetail,
} from '../../../src/core/actions/actionResultEvent.js';
import { ActionError } from '../../../src/core/actions/exportWorkflow.js';

const BUS = 'arn:aws:events:eu-west-1:999988887777:event-bus/vaultpilot-central';
let standIn: EventBridgeStandIn;
let client: EventBridgeClient;
let publisher: ActionResultPublisher;

const detail: ActionResultDetail = {
  workflow: 'rds-export-parquet',
  outcome: 'exported',
  recoveryPointArn: 'arn:aws:rds:eu-west-1:111122223333:snapshot:awsbackup:job-1',
  resourceType: 'RDS',
  resourceName: 'prod-db',
  account: '111122223333',
  region: 'eu-west-1',
  warnings: [],
  tables: 2,
  completeTables: 2,
  bytes: 1234,
  finishedAt: '2026-11-20T03:00:00.000Z',
};

beforeAll(async () => {
  standIn = await startEventBridgeStandIn();
  client = new EventBridgeClient({
    endpoint: standIn.endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
  publisher = new ActionResultPublisher(client, BUS);
});

afterAll(async () => {
  client?.destroy();
  await standIn?.close();
});

async function rejectsWith(promise: Promise<unknown>, name: string): Promise<ActionError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ActionError);
  expect((error as ActionError).name).toBe(name);
  return error as ActionError;
}

describe('ActionResultPublisher', () => {
  it('puts the result on the bus as a Vaultpilot Action Result', async () => {
    const before = standIn.events().length;
    await publisher.publish(detail);
    const events = standIn.events().slice(before);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      source: ACTION_RESULT_SOURCE,
      detailType: ACTION_RESULT_DETAIL_TYPE,
      eventBusName: BUS,
      resources: [detail.recoveryPointArn],
      detail,
    });
    expect(events[0]?.time.toISOString()).toBe(detail.finishedAt);
  });

  it('a failed entry (HTTP 200, FailedEntryCount 1) is a TransientAwsError', async () => {
    const before = standIn.events().length;
    standIn.failNextEntries(1);
    const e = await rejectsWith(publisher.publish(detail), 'TransientAwsError');
    expect(e.message).toMatch(/InternalFailure/);
    expect(standIn.events()).toHaveLength(before);
    await publisher.publish(detail);
    expect(standIn.events()).toHaveLength(before + 1);
  });

  it('throttling and 5xx are TransientAwsError', async () => {
    standIn.injectError('PutEvents', { type: 'ThrottlingException', status: 400 });
    await rejectsWith(publisher.publish(detail), 'TransientAwsError');
    standIn.injectError('PutEvents', { type: 'InternalException', status: 500 });
    await rejectsWith(publisher.publish(detail), 'TransientAwsError');
  });

  it('a refused request is still named TransientAwsError, with the SDK error as cause', async () => {
    standIn.injectError('PutEvents', { type: 'AccessDeniedException', status: 400, message: 'no' });
    const e = await rejectsWith(publisher.publish(detail), 'TransientAwsError');
    expect((e.cause as Error).name).toBe('AccessDeniedException');
  });
});
