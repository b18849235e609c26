import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoJobHistory } from '../../../src/aws/ledger/DynamoJobHistory.js';
import { type LocalLedgerTable, startLocalLedgerTable } from './localLedgerTable.js';
import { makeSignal } from './makeSignal.js';

let local: LocalLedgerTable;

beforeAll(async () => {
  local = await startLocalLedgerTable();
});
afterAll(async () => {
  await local?.close();
});

async function freshJobs(now: () => number = Date.now): Promise<DynamoJobHistory> {
  return new DynamoJobHistory({ client: local.client, tableName: await local.createTable(), now });
}

describe('DynamoJobHistory.recordJob', () => {
  const running = makeSignal({
    id: 'j:RUNNING',
    outcome: 'running',
    state: 'RUNNING',
    times: { event: '2026-11-21T09:00:00Z' },
  });
  const failed = makeSignal({
    id: 'j:FAILED',
    times: { event: '2026-11-21T10:00:00Z' },
    statusMessage: 'Access denied',
  });

  it('marks an earlier state that arrives after a later one as stale', async () => {
    const store = await freshJobs();
    expect(await store.recordJob(failed)).toEqual({ stale: false });
    expect(await store.recordJob(running)).toEqual({ stale: true });
  });

  it('accepts the states of a job in order, and a retry of the same signal', async () => {
    const store = await freshJobs();
    expect(await store.recordJob(running)).toEqual({ stale: false });
    expect(await store.recordJob(failed)).toEqual({ stale: false });
    expect(await store.recordJob(failed)).toEqual({ stale: false });
  });

  it('keeps one item per terminal job in its day, with the latest outcome', async () => {
    const store = await freshJobs();
    const retried = makeSignal({
      id: 'j:COMPLETED',
      outcome: 'succeeded',
      state: 'COMPLETED',
      times: { event: '2026-11-21T11:00:00Z' },
    });
    await store.recordJob(failed);
    await store.recordJob(retried);
    await store.recordJob(makeSignal({ id: 'k:FAILED', jobId: 'job-2', times: { event: '2026-11-21T12:00:00Z' } }));
    const jobs = await store.jobsOfDay('2026-11-21');
    expect(jobs.map((j) => [j.jobId, j.outcome]).sort()).toEqual([
      ['job-1', 'succeeded'],
      ['job-2', 'failed'],
    ]);
    expect(await store.jobsOfDay('2026-11-22')).toEqual([]);
  });

  it('keeps a resource history of terminal jobs, newest first', async () => {
    const store = await freshJobs();
    await store.recordJob(failed);
    await store.recordJob(
      makeSignal({ id: 'k:OK', jobId: 'job-2', outcome: 'succeeded', times: { event: '2026-11-21T12:00:00Z' } }),
    );
    const history = await store.jobHistory('arn:aws:ec2:eu-west-1:111122223333:volume/vol-0abc');
    expect(history.map((j) => j.jobId)).toEqual(['job-2', 'job-1']);
    expect(history[1]?.statusMessage).toBe('Access denied');
  });

  it('ignores signals that are not about a job', async () => {
    const store = await freshJobs();
    expect(await store.recordJob(makeSignal({ kind: 'vault', jobId: undefined }))).toEqual({ stale: false });
    expect(await store.jobsOfDay('2026-11-21')).toEqual([]);
  });
});

describe('DynamoJobHistory.recordGoodRecoveryPoint', () => {
  const completed = (id: string, at: string) =>
    makeSignal({ id, outcome: 'succeeded', state: 'COMPLETED', recoveryPointArn: `rp-${id}`, times: { event: at } });

  it('moves the last good recovery point forward only, whatever order events arrive in', async () => {
    const store = await freshJobs();
    expect(await store.recordGoodRecoveryPoint(completed('b', '2026-11-21T12:00:00Z'))).toBe(true);
    expect(await store.recordGoodRecoveryPoint(completed('a', '2026-11-21T08:00:00Z'))).toBe(false);
    const [last] = await store.lastGoodRecoveryPoints();
    expect(last).toMatchObject({
      resourceArn: 'arn:aws:ec2:eu-west-1:111122223333:volume/vol-0abc',
      recoveryPointArn: 'rp-b',
      atMs: Date.parse('2026-11-21T12:00:00Z'),
      resourceType: 'EBS',
      account: '111122223333',
    });
  });

  it('forgets a resource whose last good recovery point is older than the retention', async () => {
    const store = await freshJobs(() => Date.parse('2026-11-21T12:00:00Z'));
    await store.recordGoodRecoveryPoint(completed('old', '2026-08-01T00:00:00Z'));
    expect(await store.lastGoodRecoveryPoints()).toEqual([]);
    await store.recordGoodRecoveryPoint(completed('recent', '2026-09-01T00:00:00Z'));
    expect((await store.lastGoodRecoveryPoints()).map((r) => r.recoveryPointArn)).toEqual(['rp-recent']);
  });

  it('does not count a failed job as a good recovery point', async () => {
    const store = await freshJobs();
    expect(await store.recordGoodRecoveryPoint(makeSignal())).toBe(false);
    expect(await store.lastGoodRecoveryPoints()).toEqual([]);
  });
});
