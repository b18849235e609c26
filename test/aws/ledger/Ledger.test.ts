import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger } from '../../../src/aws/ledger/Ledger.js';
import type { Signal } from '../../../src/core/signal.js';
import { type LocalLedgerTable, startLocalLedgerTable } from './localLedgerTable.js';
import { makeSignal } from './makeSignal.js';

let local: LocalLedgerTable;

beforeAll(async () => {
  local = await startLocalLedgerTable();
});
afterAll(async () => {
  await local?.close();
});

async function freshLedger(now: () => number = Date.now): Promise<Ledger> {
  return new Ledger({ client: local.client, tableName: await local.createTable(), now, claimLeaseMs: 60_000 });
}

function policySignal(overrides: Partial<Signal> & { policy: NonNullable<Signal['policy']> }): Signal {
  return makeSignal({
    kind: 'policy-change',
    outcome: 'changed',
    severity: 'warning',
    source: 'cloudtrail-api-call',
    eventType: overrides.policy.operation ?? 'UpdatePolicy',
    jobId: undefined,
    resource: {},
    ...overrides,
  });
}

describe('Ledger.claim', () => {
  it('grants the first claim and refuses a second claimant once the notification is done', async () => {
    const ledger = await freshLedger();
    expect((await ledger.claim('sig-1', 'msg-a')).status).toBe('new');
    await ledger.markDone('sig-1', 'notified');
    expect((await ledger.claim('sig-1', 'msg-b')).status).toBe('duplicate');
    expect((await ledger.claim('sig-1', 'msg-a')).status).toBe('duplicate');
  });

  it('lets the same claimant resume an unfinished claim and tells which channels already went out', async () => {
    const ledger = await freshLedger();
    await ledger.claim('sig-2', 'msg-a');
    await ledger.markChannelSent('sig-2', 'email:ops');
    const again = await ledger.claim('sig-2', 'msg-a');
    expect(again.status).toBe('resumed');
    expect(again.status !== 'duplicate' && [...again.sentChannels]).toEqual(['email:ops']);
  });

  it('treats another claimant as a duplicate while the lease is live, and lets it take over after', async () => {
    let now = Date.parse('2026-11-21T10:00:00Z');
    const ledger = await freshLedger(() => now);
    await ledger.claim('sig-3', 'msg-a');
    expect((await ledger.claim('sig-3', 'msg-b')).status).toBe('duplicate');
    now += 61_000;
    expect((await ledger.claim('sig-3', 'msg-b')).status).toBe('resumed');
  });
});

describe('Ledger.recordJob', () => {
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
    const ledger = await freshLedger();
    expect(await ledger.recordJob(failed)).toEqual({ stale: false });
    expect(await ledger.recordJob(running)).toEqual({ stale: true });
  });

  it('accepts the states of a job in order, and a retry of the same signal', async () => {
    const ledger = await freshLedger();
    expect(await ledger.recordJob(running)).toEqual({ stale: false });
    expect(await ledger.recordJob(failed)).toEqual({ stale: false });
    expect(await ledger.recordJob(failed)).toEqual({ stale: false });
  });

  it('keeps one item per terminal job in its day, with the latest outcome', async () => {
    const ledger = await freshLedger();
    const retried = makeSignal({
      id: 'j:COMPLETED',
      outcome: 'succeeded',
      state: 'COMPLETED',
      times: { event: '2026-11-21T11:00:00Z' },
    });
    await ledger.recordJob(failed);
    await ledger.recordJob(retried);
    await ledger.recordJob(makeSignal({ id: 'k:FAILED', jobId: 'job-2', times: { event: '2026-11-21T12:00:00Z' } }));
    const jobs = await ledger.jobsOfDay('2026-11-21');
    expect(jobs.map((j) => [j.jobId, j.outcome]).sort()).toEqual([
      ['job-1', 'succeeded'],
      ['job-2', 'failed'],
    ]);
    expect(await ledger.jobsOfDay('2026-11-22')).toEqual([]);
  });

  it('keeps a resource history of terminal jobs, newest first', async () => {
    const ledger = await freshLedger();
    await ledger.recordJob(failed);
    await ledger.recordJob(
      makeSignal({ id: 'k:OK', jobId: 'job-2', outcome: 'succeeded', times: { event: '2026-11-21T12:00:00Z' } }),
    );
    const history = await ledger.jobHistory('arn:aws:ec2:eu-west-1:111122223333:volume/vol-0abc');
    expect(history.map((j) => j.jobId)).toEqual(['job-2', 'job-1']);
    expect(history[1]?.statusMessage).toBe('Access denied');
  });

  it('ignores signals that are not about a job', async () => {
    const ledger = await freshLedger();
    expect(await ledger.recordJob(makeSignal({ kind: 'vault', jobId: undefined }))).toEqual({ stale: false });
    expect(await ledger.jobsOfDay('2026-11-21')).toEqual([]);
  });
});

describe('Ledger.recordGoodRecoveryPoint', () => {
  const completed = (id: string, at: string) =>
    makeSignal({ id, outcome: 'succeeded', state: 'COMPLETED', recoveryPointArn: `rp-${id}`, times: { event: at } });

  it('moves the last good recovery point forward only, whatever order events arrive in', async () => {
    const ledger = await freshLedger();
    expect(await ledger.recordGoodRecoveryPoint(completed('b', '2026-11-21T12:00:00Z'))).toBe(true);
    expect(await ledger.recordGoodRecoveryPoint(completed('a', '2026-11-21T08:00:00Z'))).toBe(false);
    const [last] = await ledger.lastGoodRecoveryPoints();
    expect(last).toMatchObject({
      resourceArn: 'arn:aws:ec2:eu-west-1:111122223333:volume/vol-0abc',
      recoveryPointArn: 'rp-b',
      atMs: Date.parse('2026-11-21T12:00:00Z'),
      resourceType: 'EBS',
      account: '111122223333',
    });
  });

  it('forgets a resource whose last good recovery point is older than the retention', async () => {
    const ledger = await freshLedger(() => Date.parse('2026-11-21T12:00:00Z'));
    await ledger.recordGoodRecoveryPoint(completed('old', '2026-08-01T00:00:00Z'));
    expect(await ledger.lastGoodRecoveryPoints()).toEqual([]);
    await ledger.recordGoodRecoveryPoint(completed('recent', '2026-09-01T00:00:00Z'));
    expect((await ledger.lastGoodRecoveryPoints()).map((r) => r.recoveryPointArn)).toEqual(['rp-recent']);
  });

  it('does not count a failed job as a good recovery point', async () => {
    const ledger = await freshLedger();
    expect(await ledger.recordGoodRecoveryPoint(makeSignal())).toBe(false);
    expect(await ledger.lastGoodRecoveryPoints()).toEqual([]);
  });
});

describe('Ledger policy versions', () => {
  const create = policySignal({
    id: 'p:create',
    times: { event: '2026-11-20T10:00:00Z' },
    policy: { id: 'p-123', name: 'daily', type: 'BACKUP_POLICY', operation: 'CreatePolicy', content: '{"v":1}' },
  });
  const update1 = policySignal({
    id: 'p:update1',
    times: { event: '2026-11-21T10:00:00Z' },
    policy: { id: 'p-123', name: 'daily', type: 'BACKUP_POLICY', operation: 'UpdatePolicy', content: '{"v":2}' },
  });
  const update2 = policySignal({
    id: 'p:update2',
    times: { event: '2026-11-21T11:00:00Z' },
    policy: { id: 'p-123', operation: 'UpdatePolicy', content: '{"v":3}' },
  });

  it('finds the version before an update, even when updates arrive out of order', async () => {
    const ledger = await freshLedger();
    await ledger.recordPolicyChange(create);
    await ledger.recordPolicyChange(update2);
    expect(await ledger.previousPolicyContent(update1)).toBe('{"v":1}');
    await ledger.recordPolicyChange(update1);
    expect(await ledger.previousPolicyContent(update2)).toBe('{"v":2}');
    expect(await ledger.previousPolicyContent(create)).toBeUndefined();
  });

  it('recognises a DeletePolicy without a type as a backup policy by the id it saw before', async () => {
    const ledger = await freshLedger();
    await ledger.recordPolicyChange(create);
    const del = policySignal({ id: 'p:del', policy: { id: 'p-123', operation: 'DeletePolicy' } });
    const delUnknown = policySignal({ id: 'p:del2', policy: { id: 'p-999', operation: 'DeletePolicy' } });
    expect(await ledger.isBackupPolicy(del)).toBe(true);
    expect(await ledger.isBackupPolicy(delUnknown)).toBe(false);
    await ledger.recordPolicyChange(del);
    // A retried DeletePolicy is still recognised: the type is kept, the deletion only added.
    expect(await ledger.knownPolicy('p-123')).toMatchObject({ type: 'BACKUP_POLICY', name: 'daily' });
    expect(await ledger.isBackupPolicy(del)).toBe(true);
  });

  it('does not take a refused UpdatePolicy or DeletePolicy as a change', async () => {
    const ledger = await freshLedger();
    await ledger.recordPolicyChange(create);
    const refusedUpdate = policySignal({
      id: 'p:refused',
      outcome: 'failed',
      times: { event: '2026-11-21T09:00:00Z' },
      policy: { id: 'p-123', operation: 'UpdatePolicy', content: '{"v":"attacker"}' },
    });
    await ledger.recordPolicyChange(refusedUpdate);
    expect(await ledger.previousPolicyContent(update1)).toBe('{"v":1}');
    await ledger.recordPolicyChange(
      policySignal({ id: 'p:del-refused', outcome: 'failed', policy: { id: 'p-123', operation: 'DeletePolicy' } }),
    );
    expect((await ledger.knownPolicy('p-123'))?.deletedAtMs).toBeUndefined();
    const [attempt] = await ledger.policyChangesOfDay('2026-11-21');
    expect(attempt).toMatchObject({ operation: 'UpdatePolicy', refused: true });
  });

  it('tells other policy types apart by the type they carry', async () => {
    const ledger = await freshLedger();
    const scp = policySignal({
      id: 'p:scp',
      policy: { id: 'p-scp', type: 'SERVICE_CONTROL_POLICY', operation: 'CreatePolicy' },
    });
    expect(await ledger.isBackupPolicy(scp)).toBe(false);
  });

  it('lists a day’s policy changes for the digest', async () => {
    const ledger = await freshLedger();
    await ledger.recordPolicyChange(create);
    await ledger.recordPolicyChange(update1);
    await ledger.recordPolicyChange(update2);
    const changes = await ledger.policyChangesOfDay('2026-11-21');
    expect(changes.map((c) => c.operation)).toEqual(['UpdatePolicy', 'UpdatePolicy']);
    expect(changes[0]).toMatchObject({ policyId: 'p-123', policyName: 'daily' });
  });
});

describe('Ledger.keepUnparsed', () => {
  it('keeps the raw input and the reason in its day', async () => {
    const ledger = await freshLedger();
    const unparsed = makeSignal({
      id: 'u:1',
      kind: 'unparsed',
      outcome: 'unknown',
      source: 'unknown',
      reason: 'not JSON',
      raw: '{{not json',
      times: { event: '2026-11-21T10:00:00Z' },
    });
    await ledger.keepUnparsed(unparsed);
    const kept = await ledger.unparsedOfDay('2026-11-21');
    expect(kept).toEqual([
      {
        signalId: 'u:1',
        reason: 'not JSON',
        source: 'unknown',
        raw: '{{not json',
        atMs: Date.parse('2026-11-21T10:00:00Z'),
      },
    ]);
  });

  it('truncates an input too large for one item instead of failing', async () => {
    const ledger = await freshLedger();
    const huge = makeSignal({ id: 'u:2', kind: 'unparsed', outcome: 'unknown', raw: { blob: 'x'.repeat(500_000) } });
    await ledger.keepUnparsed(huge);
    const [kept] = await ledger.unparsedOfDay('2026-11-21');
    expect(kept?.raw.length).toBe(300_000);
  });
});
