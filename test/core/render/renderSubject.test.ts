import { describe, expect, it } from 'vitest';
import { MAX_SUBJECT_LENGTH, renderSubject } from '../../../src/core/render/renderSubject.js';
import type { Signal } from '../../../src/core/signal.js';
import { alarm, failedBackup, partialCopy, policyUpdate, tamper, unparsed } from './sampleSignals.js';

describe('renderSubject', () => {
  it('says what happened to what, where, for a failed backup job', () => {
    expect(renderSubject(failedBackup)).toBe('Backup FAILED: prod-db (RDS) in 111122223333 / eu-west-1');
  });

  it('names copy jobs and their outcome', () => {
    expect(renderSubject(partialCopy)).toBe('Copy job PARTIAL: shared-home (EFS) in 111122223333 / eu-west-1');
  });

  it('names the policy, its id and who changed it for a backup-policy update', () => {
    expect(renderSubject(policyUpdate)).toBe('Backup policy UPDATED: Daily (p-89nw1aav4i) by admin/mendiof');
  });

  it('says where a policy was attached', () => {
    const attach: Signal = {
      ...policyUpdate,
      eventType: 'AttachPolicy',
      policy: { ...policyUpdate.policy, operation: 'AttachPolicy', targetId: 'ou-ab12-cdef3456', content: undefined },
    };
    expect(renderSubject(attach)).toBe(
      'Backup policy ATTACHED: Daily (p-89nw1aav4i) to ou-ab12-cdef3456 by admin/mendiof',
    );
  });

  it('calls a policy of another type an Organizations policy', () => {
    const scp: Signal = { ...policyUpdate, policy: { ...policyUpdate.policy, type: 'SERVICE_CONTROL_POLICY' } };
    expect(renderSubject(scp)).toMatch(/^Organizations policy UPDATED: /);
  });

  it('says a tamper call was refused when AWS refused it', () => {
    const refused: Signal = {
      ...tamper,
      outcome: 'failed',
      details: { Result: 'refused: AccessDeniedException — not authorized' },
    };
    // The location no longer fits in 99 characters; the actor is kept first.
    expect(renderSubject(refused)).toBe('TAMPER REFUSED: DeleteRecoveryPoint on snap-0123456789abcdef0 by mallory');
  });

  it('flags tampering with the API call, the target and the actor', () => {
    expect(renderSubject(tamper)).toBe(
      'TAMPER: DeleteRecoveryPoint on snap-0123456789abcdef0 by mallory in 111122223333 / eu-west-1',
    );
  });

  it('gives the alarm state and name', () => {
    expect(renderSubject(alarm)).toBe('Alarm ALARM: vaultpilot-failed-jobs in 111122223333 / eu-west-1');
  });

  it('gives the reason for unparsed input', () => {
    expect(renderSubject(unparsed)).toBe('Unparsed event: no known input shape matches (missing detail-type)');
  });

  it('marks completed-with-issues distinctly from plain success', () => {
    const withIssues: Signal = {
      ...failedBackup,
      outcome: 'completed-with-issues',
      state: 'COMPLETED',
      severity: 'warning',
    };
    expect(renderSubject(withIssues)).toMatch(/^Backup COMPLETED WITH ISSUES: prod-db \(RDS\)/);
  });

  it('keeps the outcome and the resource when a 200-character name does not fit, cutting the name in the middle', () => {
    const name = `db-${'x'.repeat(190)}-tail-2026`;
    const subject = renderSubject({ ...failedBackup, resource: { ...failedBackup.resource, name } });
    expect(subject.length).toBeLessThanOrEqual(MAX_SUBJECT_LENGTH);
    expect(subject.startsWith('Backup FAILED: db-xxx')).toBe(true);
    expect(subject).toContain('...');
    expect(subject.endsWith('-tail-2026 (RDS)')).toBe(true);
  });

  it('drops the location before cutting the resource name', () => {
    const name = 'n'.repeat(70);
    const subject = renderSubject({ ...failedBackup, resource: { ...failedBackup.resource, name } });
    expect(subject).toBe(`Backup FAILED: ${name} (RDS)`);
  });

  it('is printable ASCII on one line even for unicode names and line breaks', () => {
    const subject = renderSubject({
      ...failedBackup,
      resource: { ...failedBackup.resource, name: 'Crème brûlée\n— données 🎂 日本' },
    });
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
    expect(subject).toContain('Creme brulee - donnees ? ??');
  });

  it('is never empty', () => {
    const blank: Signal = { ...unparsed, reason: '\n\n', kind: 'unparsed' };
    expect(renderSubject(blank)).toBe('Unparsed event: input not recognized');
  });
});
