import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SilentSourceChecker } from '../../src/functions/scheduled/SilentSourceChecker.js';
import { type LocalLedgerTable, startLocalLedgerTable } from '../aws/ledger/localLedgerTable.js';
import { MemoryLogger, routerHarness, sqsRecord, testSettings } from './harness.js';

let local: LocalLedgerTable;
beforeAll(async () => {
  local = await startLocalLedgerTable();
});
afterAll(async () => {
  await local?.close();
});

const T0 = Date.parse('2026-12-03T10:00:00Z');
const MINUTE = 60_000;

function beat(account: string, atMs: number) {
  return {
    version: '0',
    id: `beat-${account}-${atMs}`,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account,
    time: new Date(atMs).toISOString(),
    region: 'eu-west-1',
    resources: [`arn:aws:events:eu-west-1:${account}:rule/vaultpilot-heartbeat`],
    detail: {},
  };
}

describe('the source check, end to end through the router', () => {
  it('alerts once for a source silent over an hour, not for one heard recently, and again after a new silence', async () => {
    let now = T0;
    const h = await routerHarness(local, { now: () => now });
    const checker = new SilentSourceChecker({
      ...h.ledger,
      notifier: h.notifier,
      settings: testSettings(),
      logger: new MemoryLogger(),
      now: () => now,
    });
    await h.router.handleBatch({
      Records: [sqsRecord(beat('111111111111', T0), 'm-1'), sqsRecord(beat('222222222222', T0), 'm-2')],
    });
    now = T0 + 50 * MINUTE;
    expect(await checker.run()).toMatchObject({ sources: 2, silent: 0, alerted: 0 });

    // Account 2 keeps beating, account 1 falls silent.
    await h.router.handleBatch({ Records: [sqsRecord(beat('222222222222', T0 + 45 * MINUTE), 'm-3')] });
    now = T0 + 75 * MINUTE;
    expect(await checker.run()).toMatchObject({ silent: 1, alerted: 1 });
    await h.router.handleBatch({ Records: [sqsRecord(beat('222222222222', T0 + 120 * MINUTE), 'm-6')] });
    now = T0 + 135 * MINUTE;
    // Account 1 is still silent but was reported already: no second alert for the same silence.
    expect(await checker.run()).toMatchObject({ silent: 0, alerted: 0 });
    expect(h.emails()).toHaveLength(1);
    expect(h.emails()[0]?.Subject).toMatch(/SILENT.*111111111111 \/ eu-west-1/);
    expect(h.emails()[0]?.Message).toContain('heard nothing from account 111111111111 in eu-west-1');

    // It is heard again (the router says so), then falls silent once more: a second alert.
    await h.router.handleBatch({ Records: [sqsRecord(beat('111111111111', T0 + 140 * MINUTE), 'm-4')] });
    await h.router.handleBatch({ Records: [sqsRecord(beat('222222222222', T0 + 200 * MINUTE), 'm-5')] });
    now = T0 + 210 * MINUTE;
    expect(await checker.run()).toMatchObject({ silent: 1, alerted: 1 });
    expect(h.emails()).toHaveLength(2);
  });
});
