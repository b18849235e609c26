import type { Outcome, Severity, SignalKind } from '../signal.js';

/** What severity depends on: the kind, the outcome, and for API calls the operation and policy type. */
export interface SeverityInput {
  readonly kind: SignalKind;
  readonly outcome: Outcome;
  /** CloudTrail eventName for tamper and policy-change signals. */
  readonly operation?: string;
  /** Organizations policy type, when the event tells it. */
  readonly policyType?: string;
}

/** Tamper calls that destroy backups or remove a protection (the Put* calls only change one). */
export const DESTRUCTIVE_TAMPER_CALLS: ReadonlySet<string> = new Set([
  'DeleteRecoveryPoint',
  'DeleteBackupVault',
  'DeleteBackupVaultAccessPolicy',
  'UpdateRecoveryPointLifecycle',
  'DeleteBackupPlan',
  'DeleteBackupSelection',
  'DeleteBackupVaultLockConfiguration',
]);

/** Organizations calls that take a backup policy away from accounts. */
export const POLICY_REMOVAL_CALLS: ReadonlySet<string> = new Set(['DeletePolicy', 'DetachPolicy', 'DisablePolicyType']);

/**
 * How bad a signal is. The table in docs/signals.md is the specification of this function:
 * losing backups or protection is critical, degraded or changed protection is a warning, normal
 * progress is info.
 */
export function classifySeverity({ kind, outcome, operation, policyType }: SeverityInput): Severity {
  if (kind === 'unparsed') return 'warning';

  if (kind === 'tamper') {
    // A refused tamper call is still an attempt someone should know about: same severity as success.
    return operation === undefined || DESTRUCTIVE_TAMPER_CALLS.has(operation) ? 'critical' : 'warning';
  }

  if (kind === 'policy-change') {
    if (policyType !== undefined && policyType !== 'BACKUP_POLICY') return 'info';
    // An invalid effective backup policy: the account's backup plans are no longer applied as written.
    if (operation === 'EffectivePolicyValidation') return outcome === 'failed' ? 'critical' : 'info';
    const removal = operation === undefined || POLICY_REMOVAL_CALLS.has(operation);
    if (outcome === 'failed') return removal ? 'warning' : 'info';
    return removal ? 'critical' : 'warning';
  }

  switch (outcome) {
    case 'failed':
      // A failed search index loses no backup; every other failure does.
      return kind === 'index' ? 'warning' : 'critical';
    case 'expired':
      // An expired recovery point is past retention but could not be deleted: untidy, not lost.
      return kind === 'recovery-point' ? 'warning' : 'critical';
    case 'aborted':
    case 'threats-found':
    case 'in-alarm':
      return 'critical';
    case 'deleted':
      if (kind === 'vault') return 'critical';
      return kind === 'plan' ? 'warning' : 'info';
    case 'changed':
      // Vault (lock, access policy), plan and region opt-in changes alter protection.
      return kind === 'vault' || kind === 'plan' || kind === 'region-setting' ? 'warning' : 'info';
    case 'partial':
    case 'completed-with-issues':
    case 'canceled':
    case 'stopped':
    case 'insufficient-data':
    case 'unknown':
      return 'warning';
    case 'succeeded':
    case 'created':
    case 'pending':
    case 'running':
    case 'started':
    case 'ok':
      return 'info';
  }
}
