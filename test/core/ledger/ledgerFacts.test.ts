import { describe, expect, it } from 'vitest';
import {
  expiresAtSeconds,
  goodRecoveryPointFact,
  jobFact,
  lifecycleRank,
  signalTimeMs,
  utcDay,
} from '../../../src/core/ledger/ledgerFacts.js';
import { dayJobKey, lastGoodKey, policyVersionKey, resourceArnOfSortKey } from '../../../src/core/ledger/ledgerKeys.js';
import { JOB_KINDS } from '../../../src/core/signal.js';
import { makeSignal } from '../../aws/ledger/makeSignal.js';

describe('lifecycleRank', () => {
  it('ranks created/pending below running below every ending', () => {
    expect(lifecycleRank('created')).toBeLessThan(lifecycleRank('running'));
    expect(lifecycleRank('pending')).toBeLessThan(lifecycleRank('running'));
    for (const end of ['succeeded', 'failed', 'expired', 'aborted', 'partial', 'completed-with-issues'] as const) {
      expect(lifecycleRank(end)).toBeGreaterThan(lifecycleRank('running'));
    }
  });
});

describe('signalTimeMs', () => {
  it('prefers the completion time, then the event time, then now', () => {
    const now = 1_000;
    expect(
      signalTimeMs(makeSignal({ times: { event: '2026-11-21T10:00:00Z', completed: '2026-11-21T09:59:00Z' } }), now),
    ).toBe(Date.parse('2026-11-21T09:59:00Z'));
    expect(signalTimeMs(makeSignal({ times: { event: 'not a time', created: '2026-11-21T08:00:00Z' } }), now)).toBe(
      Date.parse('2026-11-21T08:00:00Z'),
    );
    expect(signalTimeMs(makeSignal({ times: {} }), now)).toBe(now);
  });
});

describe('jobFact', () => {
  it.each(JOB_KINDS)('records a %s transition as a job', (kind) => {
    expect(jobFact(makeSignal({ kind }), 0)?.kind).toBe(kind);
  });

  it('describes a job transition with its rank and whether it ends the job', () => {
    expect(jobFact(makeSignal(), 0)).toMatchObject({ kind: 'backup-job', jobId: 'job-1', terminal: true, rank: 3 });
    expect(jobFact(makeSignal({ outcome: 'running' }), 0)).toMatchObject({ terminal: false, rank: 2 });
  });

  it('is undefined for signals without a job', () => {
    expect(jobFact(makeSignal({ jobId: undefined }), 0)).toBeUndefined();
    expect(jobFact(makeSignal({ kind: 'tamper' }), 0)).toBeUndefined();
  });
});

describe('goodRecoveryPointFact', () => {
  it('counts completed backups and available recovery points, not copies or failures', () => {
    expect(goodRecoveryPointFact(makeSignal({ outcome: 'succeeded' }), 0)?.resourceArn).toContain('vol-0abc');
    expect(goodRecoveryPointFact(makeSignal({ outcome: 'completed-with-issues' }), 0)).toBeDefined();
    expect(goodRecoveryPointFact(makeSignal({ kind: 'recovery-point', outcome: 'succeeded' }), 0)).toBeDefined();
    expect(goodRecoveryPointFact(makeSignal({ kind: 'copy-job', outcome: 'succeeded' }), 0)).toBeUndefined();
    expect(goodRecoveryPointFact(makeSignal(), 0)).toBeUndefined();
    expect(goodRecoveryPointFact(makeSignal({ outcome: 'succeeded', resource: {} }), 0)).toBeUndefined();
  });
});

describe('ledger keys', () => {
  it('sorts a policy’s versions and a day’s jobs by what queries need', () => {
    const a = policyVersionKey('p-1', '2026-11-20T09:00:00.000Z', 'x').sk;
    const b = policyVersionKey('p-1', '2026-11-21T09:00:00.000Z', 'a').sk;
    expect(a < b).toBe(true);
    // LATEST sorts before every version, so "the newest version before t" never returns it by mistake.
    expect('LATEST' < a).toBe(true);
    expect(dayJobKey('2026-11-21', 'backup-job', 'j')).toEqual({ pk: 'DAY#2026-11-21', sk: 'JOB#backup-job#j' });
    expect(resourceArnOfSortKey(lastGoodKey('arn:aws:rds:eu-west-1:1:db:x').sk)).toBe('arn:aws:rds:eu-west-1:1:db:x');
  });

  it('computes days and TTLs in UTC seconds', () => {
    expect(utcDay(Date.parse('2026-11-21T23:59:59Z'))).toBe('2026-11-21');
    expect(expiresAtSeconds(Date.parse('2026-11-21T00:00:00Z'), 1)).toBe(Date.parse('2026-11-22T00:00:00Z') / 1000);
  });
});
