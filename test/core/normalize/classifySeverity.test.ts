import { describe, expect, it } from 'vitest';
import { classifySeverity, DESTRUCTIVE_TAMPER_CALLS } from '../../../src/core/normalize/classifySeverity.js';
import { TAMPER_CALLS } from '../../../src/core/normalize/cloudTrailEvents.js';
import { OUTCOMES, type Outcome, SEVERITIES, SIGNAL_KINDS, type SignalKind } from '../../../src/core/signal.js';

const JOB_KINDS: SignalKind[] = ['backup-job', 'copy-job', 'restore-job'];

describe('classifySeverity', () => {
  it('returns a severity for every kind and outcome', () => {
    for (const kind of SIGNAL_KINDS)
      for (const outcome of OUTCOMES) expect(SEVERITIES).toContain(classifySeverity({ kind, outcome }));
  });

  it('marks an invalid effective backup policy critical and a valid-again one info', () => {
    const input = {
      kind: 'policy-change',
      operation: 'EffectivePolicyValidation',
      policyType: 'BACKUP_POLICY',
    } as const;
    expect(classifySeverity({ ...input, outcome: 'failed' })).toBe('critical');
    expect(classifySeverity({ ...input, outcome: 'succeeded' })).toBe('info');
  });

  it.each(JOB_KINDS)('marks failed, expired and aborted %s signals critical', (kind) => {
    for (const outcome of ['failed', 'expired', 'aborted'] as Outcome[])
      expect(classifySeverity({ kind, outcome })).toBe('critical');
  });

  it.each(JOB_KINDS)('marks partial, completed-with-issues, canceled and stopping %s signals as warnings', (kind) => {
    for (const outcome of ['partial', 'completed-with-issues', 'canceled', 'stopped'] as Outcome[])
      expect(classifySeverity({ kind, outcome })).toBe('warning');
  });

  it.each(JOB_KINDS)('marks successes and progress of %s signals info', (kind) => {
    for (const outcome of ['succeeded', 'created', 'pending', 'running', 'started'] as Outcome[])
      expect(classifySeverity({ kind, outcome })).toBe('info');
  });

  it('marks an outcome it cannot read as a warning, so someone looks', () => {
    for (const kind of JOB_KINDS) expect(classifySeverity({ kind, outcome: 'unknown' })).toBe('warning');
  });

  it('marks destructive tamper calls critical, succeeded or refused', () => {
    for (const operation of DESTRUCTIVE_TAMPER_CALLS) {
      expect(classifySeverity({ kind: 'tamper', outcome: 'deleted', operation })).toBe('critical');
      expect(classifySeverity({ kind: 'tamper', outcome: 'failed', operation })).toBe('critical');
    }
  });

  it('marks vault access-policy and lock configuration changes as warnings', () => {
    for (const operation of ['PutBackupVaultAccessPolicy', 'PutBackupVaultLockConfiguration'])
      expect(classifySeverity({ kind: 'tamper', outcome: 'changed', operation })).toBe('warning');
  });

  it('treats every watched tamper call as either destructive or a change', () => {
    const puts = [...TAMPER_CALLS].filter((c) => !DESTRUCTIVE_TAMPER_CALLS.has(c));
    expect(puts.sort()).toEqual(['PutBackupVaultAccessPolicy', 'PutBackupVaultLockConfiguration']);
  });

  it('marks backup-policy deletes, detaches and disabling the policy type critical', () => {
    for (const operation of ['DeletePolicy', 'DetachPolicy', 'DisablePolicyType'])
      expect(classifySeverity({ kind: 'policy-change', outcome: 'changed', operation })).toBe('critical');
  });

  it('marks backup-policy create, update, attach and enable as warnings', () => {
    for (const operation of ['CreatePolicy', 'UpdatePolicy', 'AttachPolicy', 'EnablePolicyType'])
      expect(
        classifySeverity({ kind: 'policy-change', outcome: 'changed', operation, policyType: 'BACKUP_POLICY' }),
      ).toBe('warning');
  });

  it('marks changes of other policy types info', () => {
    expect(
      classifySeverity({
        kind: 'policy-change',
        outcome: 'deleted',
        operation: 'DeletePolicy',
        policyType: 'SERVICE_CONTROL_POLICY',
      }),
    ).toBe('info');
  });

  it('lowers refused policy calls: a refused removal is a warning, a refused creation info', () => {
    expect(classifySeverity({ kind: 'policy-change', outcome: 'failed', operation: 'DeletePolicy' })).toBe('warning');
    expect(classifySeverity({ kind: 'policy-change', outcome: 'failed', operation: 'CreatePolicy' })).toBe('info');
  });

  it('marks a deleted vault critical and a changed vault a warning', () => {
    expect(classifySeverity({ kind: 'vault', outcome: 'deleted' })).toBe('critical');
    expect(classifySeverity({ kind: 'vault', outcome: 'changed' })).toBe('warning');
    expect(classifySeverity({ kind: 'vault', outcome: 'created' })).toBe('info');
  });

  it('marks threats found by a scan critical', () => {
    expect(classifySeverity({ kind: 'scan', outcome: 'threats-found' })).toBe('critical');
    expect(classifySeverity({ kind: 'scan', outcome: 'failed' })).toBe('critical');
    expect(classifySeverity({ kind: 'scan', outcome: 'completed-with-issues' })).toBe('warning');
  });

  it('marks a failed index a warning, not critical: no backup is lost', () => {
    expect(classifySeverity({ kind: 'index', outcome: 'failed' })).toBe('warning');
    expect(classifySeverity({ kind: 'index', outcome: 'deleted' })).toBe('info');
  });

  it('marks a failed RDS export critical and a canceled one a warning', () => {
    expect(classifySeverity({ kind: 'rds-snapshot', outcome: 'failed' })).toBe('critical');
    expect(classifySeverity({ kind: 'rds-snapshot', outcome: 'canceled' })).toBe('warning');
    expect(classifySeverity({ kind: 'rds-snapshot', outcome: 'deleted' })).toBe('info');
  });

  it('marks alarms by state: ALARM critical, INSUFFICIENT_DATA warning, OK info', () => {
    expect(classifySeverity({ kind: 'alarm', outcome: 'in-alarm' })).toBe('critical');
    expect(classifySeverity({ kind: 'alarm', outcome: 'insufficient-data' })).toBe('warning');
    expect(classifySeverity({ kind: 'alarm', outcome: 'ok' })).toBe('info');
  });

  it('marks expired, partial or stopped recovery points as warnings', () => {
    for (const outcome of ['expired', 'partial', 'stopped'] as Outcome[])
      expect(classifySeverity({ kind: 'recovery-point', outcome })).toBe('warning');
  });

  it('marks plan and region-setting changes as warnings', () => {
    expect(classifySeverity({ kind: 'plan', outcome: 'changed' })).toBe('warning');
    expect(classifySeverity({ kind: 'plan', outcome: 'deleted' })).toBe('warning');
    expect(classifySeverity({ kind: 'region-setting', outcome: 'changed' })).toBe('warning');
  });

  it('marks unparsed input a warning', () => {
    expect(classifySeverity({ kind: 'unparsed', outcome: 'unknown' })).toBe('warning');
  });
});
