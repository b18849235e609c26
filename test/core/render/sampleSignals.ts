/**
 * Hand-built signals for renderer unit tests, shaped after real AWS Backup events (an RDS backup that
 * failed, an UpdatePolicy CloudTrail call, …). Golden tests over the real fixture corpus live next to these.
 */
import type { Signal } from '../../../src/core/signal.js';

const account = '111122223333';
const region = 'eu-west-1';

/** A failed RDS backup job as normalized from an EventBridge `Backup Job State Change`. */
export const failedBackup: Signal = {
  id: 'backup-job:4a2c1e0f-0000-4d5e-9b53-1e2f3a4b5c6d:FAILED',
  kind: 'backup-job',
  outcome: 'failed',
  severity: 'critical',
  source: 'eventbridge',
  eventType: 'Backup Job State Change',
  state: 'FAILED',
  account,
  region,
  vault: { name: 'prod-vault', arn: `arn:aws:backup:${region}:${account}:backup-vault:prod-vault` },
  resource: { arn: `arn:aws:rds:${region}:${account}:db:prod-db`, type: 'RDS', name: 'prod-db' },
  jobId: '4a2c1e0f-0000-4d5e-9b53-1e2f3a4b5c6d',
  statusMessage: 'An internal error occurred while taking the snapshot. Retry the backup job.',
  times: {
    event: '2026-11-21T03:17:42Z',
    created: '2026-11-21T02:05:00Z',
    completed: '2026-11-21T03:17:30Z',
  },
  details: { 'Backup plan': 'daily-35d' },
  links: [
    {
      label: 'AWS Backup backup job',
      url: `https://${region}.console.aws.amazon.com/backup/home?region=${region}#/jobs/backup/details/4a2c1e0f-0000-4d5e-9b53-1e2f3a4b5c6d`,
    },
  ],
  raw: { 'detail-type': 'Backup Job State Change', source: 'aws.backup', detail: { state: 'FAILED' } },
};

/** The policy document before and after the change in `policyUpdate`. */
export const policyBefore = JSON.stringify({
  plans: {
    Daily: {
      regions: { '@@assign': ['eu-west-1'] },
      rules: {
        Daily: {
          schedule_expression: { '@@assign': 'cron(0 5 ? * * *)' },
          lifecycle: { delete_after_days: { '@@assign': '2' } },
          target_backup_vault_name: { '@@assign': 'Default' },
        },
      },
    },
  },
});

/** The new content as CloudTrail carried it: with a raw line break inside a key, as in a real sample. */
export const policyAfterBroken =
  '{"plans":{"Daily":{"regions":{"@@assign":["eu-west-1"]},"rules":{"Daily":{"schedule_expression":{"@@assign":"cron(0 5 ? * * *)"},"lifecycle":{"delete_aft\ner_days":{"@@assign":"7"}},"target_backup_vault_name":{"@@assign":"Default"}}}},"Weekly":{"rules":{"Weekly":{"schedule_expression":{"@@assign":"cron(0 5 ? * 1 *)"}}}}}}';

/** An Organizations UpdatePolicy call on a backup policy. */
export const policyUpdate: Signal = {
  id: 'policy-change:UpdatePolicy:p-89nw1aav4i:evt-1',
  kind: 'policy-change',
  outcome: 'changed',
  severity: 'warning',
  source: 'cloudtrail-api-call',
  eventType: 'UpdatePolicy',
  account: '123456789012',
  region: 'us-east-1',
  resource: { arn: 'arn:aws:organizations::123456789012:policy/o-abc/backup_policy/p-89nw1aav4i', name: 'Daily' },
  actor: 'arn:aws:sts::123456789012:assumed-role/admin/mendiof',
  policy: {
    id: 'p-89nw1aav4i',
    name: 'Daily',
    type: 'BACKUP_POLICY',
    arn: 'arn:aws:organizations::123456789012:policy/o-abc/backup_policy/p-89nw1aav4i',
    content: policyAfterBroken,
    operation: 'UpdatePolicy',
  },
  times: { event: '2026-11-21T10:00:00Z' },
  details: {},
  links: [],
  raw: { detail: { eventName: 'UpdatePolicy' } },
};

/** A DeleteRecoveryPoint CloudTrail call (tampering). */
export const tamper: Signal = {
  id: 'tamper:DeleteRecoveryPoint:evt-2',
  kind: 'tamper',
  outcome: 'deleted',
  severity: 'critical',
  source: 'cloudtrail-api-call',
  eventType: 'DeleteRecoveryPoint',
  account,
  region,
  vault: { name: 'prod-vault' },
  resource: { arn: `arn:aws:ec2:${region}::snapshot/snap-0123456789abcdef0`, type: 'EBS' },
  recoveryPointArn: `arn:aws:ec2:${region}::snapshot/snap-0123456789abcdef0`,
  actor: `arn:aws:iam::${account}:user/mallory`,
  times: { event: '2026-11-21T11:00:00Z' },
  details: {},
  links: [],
  raw: {},
};

/** A CloudWatch alarm of ours going into ALARM. */
export const alarm: Signal = {
  id: 'alarm:vaultpilot-failed-jobs:2026-11-21T12:00:00Z',
  kind: 'alarm',
  outcome: 'in-alarm',
  severity: 'critical',
  source: 'cloudwatch-alarm',
  eventType: 'vaultpilot-failed-jobs',
  state: 'ALARM',
  account,
  region,
  resource: {
    name: 'vaultpilot-failed-jobs',
    arn: `arn:aws:cloudwatch:${region}:${account}:alarm:vaultpilot-failed-jobs`,
  },
  statusMessage: 'Threshold Crossed: 1 datapoint [3.0] was greater than or equal to the threshold (1.0).',
  times: { event: '2026-11-21T12:00:00Z' },
  details: {},
  links: [],
  raw: {},
};

/** Input nobody could read. */
export const unparsed: Signal = {
  id: 'unparsed:deadbeef',
  kind: 'unparsed',
  outcome: 'unknown',
  severity: 'warning',
  source: 'unknown',
  eventType: 'unknown',
  resource: {},
  reason: 'no known input shape matches (missing detail-type)',
  times: {},
  details: {},
  links: [],
  raw: { hello: 'world', payload: 'x'.repeat(500), nested: { a: [1, 2, 3] } },
};

/** A copy job that ended PARTIAL. */
export const partialCopy: Signal = {
  ...failedBackup,
  id: 'copy-job:c-1:PARTIAL',
  kind: 'copy-job',
  outcome: 'partial',
  severity: 'warning',
  eventType: 'Copy Job State Change',
  state: 'PARTIAL',
  jobId: 'c-1',
  resource: {
    arn: `arn:aws:elasticfilesystem:${region}:${account}:file-system/fs-0123`,
    type: 'EFS',
    name: 'shared-home',
  },
  statusMessage: 'Some items could not be copied.',
};

/** Every hand-built signal, by name. */
export const sampleSignals: Readonly<Record<string, Signal>> = {
  failedBackup,
  policyUpdate,
  tamper,
  alarm,
  unparsed,
  partialCopy,
};
