/** Builds a Signal for tests: realistic defaults, overridden field by field. */
import type { Signal } from '../../../src/core/signal.js';

/** A failed backup job of an EBS volume unless told otherwise. */
export function makeSignal(overrides: Partial<Signal> = {}): Signal {
  return {
    id: 'backup-job:job-1:FAILED',
    kind: 'backup-job',
    outcome: 'failed',
    severity: 'critical',
    source: 'eventbridge',
    eventType: 'Backup Job State Change',
    state: 'FAILED',
    account: '111122223333',
    region: 'eu-west-1',
    vault: { name: 'prod-vault' },
    resource: { arn: 'arn:aws:ec2:eu-west-1:111122223333:volume/vol-0abc', type: 'EBS', name: 'vol-0abc' },
    jobId: 'job-1',
    times: { event: '2026-11-21T10:00:00Z' },
    details: {},
    links: [],
    raw: {},
    ...overrides,
  };
}
