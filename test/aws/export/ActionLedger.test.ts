/** ActionLedger against dynalite with the real DynamoDB document client (actions table: pk / sk string keys). */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ActionLedger } from '../../../src/aws/export/ActionLedger.js';
import type { ActionResultDetail } from '../../../src/core/actions/actionResultEvent.js';
import { ActionError } from '../../../src/core/actions/exportWorkflow.js';
import { type LocalLedgerTable, startLocalLedgerTable } from '../ledger/localLedgerTable.js';

const NOW = Date.parse('2026-11-20T02:10:00.000Z');
let local: LocalLedgerTable;
let table: string;
let ledger: ActionLedger;
let counter = 0;
let arn: string;

beforeAll(async () => {
  local = await startLocalLedgerTable();
});

afterAll(async () => {
  await local?.close();
});

beforeEach(async () => {
  table = await local.createTable();
  ledger = new ActionLedger(local.client, table, () => NOW);
  arn = `arn:aws:rds:eu-west-1:111122223333:snapshot:awsbackup:job-${++counter}`;
});

const outcome = (overrides: Partial<ActionResultDetail> = {}): ActionResultDetail => ({
  workflow: 'rds-export-parquet',
  outcome: 'exported',
  recoveryPointArn: arn,
  resourceType: 'RDS',
  resourceName: 'prod-db',
  account: '111122223333',
  region: 'eu-west-1',
  warnings: ['a warning'],
  deletion: { status: 'kept', reason: 'deleteRecoveryPointAfterExport is off' },
  finishedAt: '2026-11-20T05:00:00.000Z',
  ...overrides,
});

describe('ActionLedger', () => {
  it('claims an attempt once; a second claim returns the existing record', async () => {
    expect(await ledger.claim(arn, 1, 'rp-1-a1')).toEqual({ claimed: true });
    const second = await ledger.claim(arn, 1, 'rp-other-a1');
    expect(second).toEqual({
      claimed: false,
      existing: expect.objectContaining({
        recoveryPointArn: arn,
        attempt: 1,
        status: 'claimed',
        executionName: 'rp-1-a1',
        claimedAt: new Date(NOW).toISOString(),
      }),
    });
    // Another attempt of the same recovery point is its own claim.
    expect(await ledger.claim(arn, 2, 'rp-1-a2')).toEqual({ claimed: true });
  });

  it('keys the item pk/sk and keeps it 400 days', async () => {
    await ledger.claim(arn, 1, 'rp-1-a1');
    const item = (await ledger.get(arn, 1)) as unknown as Record<string, unknown>;
    expect(item.pk).toBe(`action#${arn}`);
    expect(item.sk).toBe('attempt#1');
    expect(item.expiresAt).toBe(Math.floor(NOW / 1000) + 400 * 86_400);
    expect(await ledger.get(arn, 9)).toBeUndefined();
  });

  it('markStarted notes the execution of a claimed attempt', async () => {
    await ledger.claim(arn, 1, 'rp-1-a1');
    await ledger.markStarted(arn, 1, 'arn:aws:states:eu-west-1:1:execution:sm:rp-1-a1');
    expect(await ledger.get(arn, 1)).toMatchObject({
      status: 'started',
      executionArn: 'arn:aws:states:eu-west-1:1:execution:sm:rp-1-a1',
    });
  });

  it('markStarted never moves a finished record back, and creates nothing for an unclaimed attempt', async () => {
    await ledger.claim(arn, 1, 'rp-1-a1');
    await ledger.recordOutcome(1, outcome());
    await ledger.markStarted(arn, 1, 'arn:late');
    const record = await ledger.get(arn, 1);
    expect(record?.status).toBe('exported');
    expect(record?.executionArn).toBeUndefined();
    await ledger.markStarted(arn, 5, 'arn:none');
    expect(await ledger.get(arn, 5)).toBeUndefined();
  });

  it('recordOutcome is idempotent and keeps the claim', async () => {
    await ledger.claim(arn, 1, 'rp-1-a1');
    await ledger.markStarted(arn, 1, 'arn:exec');
    await ledger.recordOutcome(1, outcome());
    const first = await ledger.get(arn, 1);
    await ledger.recordOutcome(1, outcome());
    const second = await ledger.get(arn, 1);
    expect(second).toEqual(first);
    expect(second).toMatchObject({
      status: 'exported',
      executionName: 'rp-1-a1',
      executionArn: 'arn:exec',
      claimedAt: new Date(NOW).toISOString(),
      finishedAt: '2026-11-20T05:00:00.000Z',
      outcome: outcome(),
    });
  });

  it('recordOutcome without a claim (a hand-started execution) still makes a whole record', async () => {
    await ledger.recordOutcome(
      3,
      outcome({ outcome: 'failed', error: 'ExportTaskFailed', failedStep: 'Check export' }),
    );
    expect(await ledger.get(arn, 3)).toMatchObject({
      recoveryPointArn: arn,
      attempt: 3,
      status: 'failed',
      executionName: 'unknown',
      claimedAt: '2026-11-20T05:00:00.000Z',
    });
    // A claim after the outcome does not overwrite it.
    const claim = await ledger.claim(arn, 3, 'rp-late-a3');
    expect(claim.claimed).toBe(false);
  });

  it('a table that does not exist is a named error', async () => {
    const missing = new ActionLedger(local.client, 'no-such-table', () => NOW);
    const error = await missing.claim(arn, 1, 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ActionError);
    expect((error as ActionError).cause).toBeDefined();
  });
});
