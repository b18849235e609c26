import { describe, expect, it } from 'vitest';
import { METRIC_NAMESPACE } from '../../../src/core/deployment/contract.js';
import { type EmfRecord, emfRecord } from '../../../src/core/metrics/emfRecords.js';
import { JOB_KINDS } from '../../../src/core/signal.js';
import { makeSignal } from '../../aws/ledger/makeSignal.js';

/** The metrics a record publishes, as `Name [dims]` strings, checking every dimension key has a value. */
function published(record: EmfRecord): string[] {
  return record._aws.CloudWatchMetrics.flatMap((d) =>
    d.Metrics.flatMap((m) =>
      d.Dimensions.map((dims) => {
        for (const key of dims) expect(typeof record[key]).toBe('string');
        expect(record[m.Name]).toBe(1);
        return `${m.Name} [${dims.join(',')}]`;
      }),
    ),
  ).sort();
}

describe('emfRecord', () => {
  it('counts a failed backup job under every dimension set of Jobs and FailedJobs', () => {
    const record = emfRecord(makeSignal(), METRIC_NAMESPACE, 1_700_000_000_000);
    expect(record._aws.Timestamp).toBe(1_700_000_000_000);
    expect(record._aws.CloudWatchMetrics.every((d) => d.Namespace === 'Vaultpilot')).toBe(true);
    expect(published(record)).toEqual(
      [
        'FailedJobs []',
        'FailedJobs [Kind]',
        'FailedJobs [Account]',
        'FailedJobs [ResourceType]',
        'Jobs []',
        'Jobs [Outcome]',
        'Jobs [Kind,Outcome]',
        'Jobs [Account]',
        'Jobs [ResourceType]',
        'Signals [Kind,Severity]',
      ].sort(),
    );
    expect(record).toMatchObject({
      Kind: 'backup-job',
      Outcome: 'failed',
      Account: '111122223333',
      ResourceType: 'EBS',
    });
  });

  it.each(JOB_KINDS)('counts a %s that ended as a job, like the ledger and the digest do', (kind) => {
    const names = published(emfRecord(makeSignal({ kind, outcome: 'failed' }), 'Ns', 0));
    expect(names).toContain('Jobs [Kind,Outcome]');
    expect(names).toContain('FailedJobs [Kind]');
  });

  it('counts a scan that found threats as a job, but not as a failed one', () => {
    const names = published(emfRecord(makeSignal({ kind: 'scan', outcome: 'threats-found' }), 'Ns', 0));
    expect(names).toContain('Jobs [Kind,Outcome]');
    expect(names.some((n) => n.startsWith('FailedJobs') || n.startsWith('CompletedJobs'))).toBe(false);
  });

  it('does not count a completed scan as a completed job: the freshness alarms must see backups stop', () => {
    const names = published(emfRecord(makeSignal({ kind: 'scan', outcome: 'succeeded' }), 'Ns', 0));
    expect(names).toContain('Jobs [Kind,Outcome]');
    expect(names.some((n) => n.startsWith('CompletedJobs'))).toBe(false);
  });

  it('counts a completed-with-issues job as completed, not failed', () => {
    const names = published(emfRecord(makeSignal({ outcome: 'completed-with-issues' }), 'Ns', 0));
    expect(names).toContain('CompletedJobs []');
    expect(names).toContain('CompletedJobs [ResourceType]');
    expect(names.some((n) => n.startsWith('FailedJobs'))).toBe(false);
  });

  it('leaves out dimension sets whose value the signal does not have', () => {
    const names = published(emfRecord(makeSignal({ account: undefined, resource: {} }), 'Ns', 0));
    expect(names.some((n) => n.includes('Account') || n.includes('ResourceType'))).toBe(false);
    expect(names).toContain('Jobs [Kind,Outcome]');
  });

  it('does not count a running job as a job outcome', () => {
    expect(published(emfRecord(makeSignal({ outcome: 'running' }), 'Ns', 0))).toEqual(['Signals [Kind,Severity]']);
  });

  it.each([
    ['policy-change', 'PolicyChanges'],
    ['tamper', 'TamperEvents'],
    ['unparsed', 'UnparsedEvents'],
  ] as const)('counts a %s signal as %s', (kind, metric) => {
    const names = published(emfRecord(makeSignal({ kind, outcome: 'changed', jobId: undefined }), 'Ns', 0));
    expect(names).toEqual([`${metric} []`, 'Signals [Kind,Severity]'].sort());
  });
});
