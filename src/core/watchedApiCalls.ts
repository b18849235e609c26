/**
 * The CloudTrail API calls Vaultpilot watches, named once: the EventBridge rules forward exactly these
 * and the normalizer reads exactly these.
 */

/** AWS Backup API calls that weaken or remove protection (CloudTrail `eventName`, `backup.amazonaws.com`). */
export const BACKUP_TAMPER_CALLS = [
  'DeleteRecoveryPoint',
  'DeleteBackupVault',
  'PutBackupVaultAccessPolicy',
  'DeleteBackupVaultAccessPolicy',
  'UpdateRecoveryPointLifecycle',
  'DeleteBackupPlan',
  'DeleteBackupSelection',
  'PutBackupVaultLockConfiguration',
  'DeleteBackupVaultLockConfiguration',
] as const;

/**
 * Organizations calls that change policies (`organizations.amazonaws.com`). Rules must not filter on the
 * policy type: DeletePolicy carries none, so the router recognises backup policies by the ids it has seen.
 */
export const ORGANIZATIONS_POLICY_CALLS = [
  'CreatePolicy',
  'UpdatePolicy',
  'DeletePolicy',
  'AttachPolicy',
  'DetachPolicy',
  'EnablePolicyType',
  'DisablePolicyType',
] as const;
