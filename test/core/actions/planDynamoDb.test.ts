import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exportTaskIdProblem } from '../../../src/core/actions/exportIdentifiers.js';
import { exportRequestOf } from '../../../src/core/actions/exportRequest.js';
import { exportRequestSchema } from '../../../src/core/actions/exportWorkflow.js';
import { planRecoveryPoint } from '../../../src/core/actions/planRecoveryPoint.js';
import { type ActionsConfig, ActionsSchema } from '../../../src/core/config/actionsSchema.js';
import { splitJsonValues } from '../../../src/core/input/splitJsonValues.js';
import { normalizeInput } from '../../../src/core/normalize/normalizeInput.js';
import type { Signal } from '../../../src/core/signal.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/events');

const TABLE_ARN = 'arn:aws:dynamodb:eu-west-1:111122223333:table/Orders';
/** Tables without AWS Backup's advanced features: a DynamoDB backup. */
const DDB_BACKUP_ARN = 'arn:aws:dynamodb:eu-west-1:111122223333:table/Orders/backup/01763611211204-5f1c3a2e';
/** Tables with AWS Backup's advanced features: an AWS Backup recovery point. */
const BACKUP_RP_ARN = 'arn:aws:backup:eu-west-1:111122223333:recovery-point:7d3a1e5c-0b2f-4c6d-9e8a-1f2b3c4d5e6f';
const FORMS = [
  ['table/<name>/backup/<id>', DDB_BACKUP_ARN],
  ['recovery-point:<id>', BACKUP_RP_ARN],
] as const;

const RAW = {
  enabled: true,
  vaults: [{ name: 'prod-daily' }, { name: 'dr-vault', accounts: ['444455556666'] }],
  resourceTypes: { RDS: { export: 'parquet' }, DynamoDB: { export: 'parquet' } },
  deleteRecoveryPointAfterExport: true,
};
const ON: ActionsConfig = ActionsSchema.parse(RAW);

function config(overrides: Record<string, unknown>): ActionsConfig {
  return ActionsSchema.parse({ ...structuredClone(RAW), ...overrides });
}

function text(path: string): string {
  return readFileSync(join(fixtures, path), 'utf8');
}

function only(signals: Signal[]): Signal {
  expect(signals).toHaveLength(1);
  return signals[0]!;
}

function signalOfText(raw: string): Signal {
  return only(splitJsonValues(raw).flatMap((chunk) => (chunk.ok ? normalizeInput(chunk.value) : [])));
}

type Event = Record<string, unknown> & { detail: Record<string, unknown> };

function event(path: string): Event {
  return JSON.parse(text(path));
}

/** A DynamoDB backup job COMPLETED (EventBridge), made from the EBS fixture. */
function backupJob(rpArn: string, opts: { resourceType?: string | null; resourceArn?: string | null } = {}): Signal {
  const e = event('eventbridge-backup/backup-job-completed.json');
  if (opts.resourceType === null) delete e.detail.resourceType;
  else e.detail.resourceType = opts.resourceType ?? 'DynamoDB';
  if (opts.resourceArn === null) delete e.detail.resourceArn;
  else e.detail.resourceArn = opts.resourceArn ?? TABLE_ARN;
  e.detail.recoveryPointArn = rpArn;
  e.resources = [rpArn];
  return only(normalizeInput(e));
}

/** A DynamoDB copy job COMPLETED into `vault` of `account` (eu-central-1). */
function copyJob(form: 'ddb' | 'backup', vault = 'dr-vault', account = '444455556666'): Signal {
  const e = event('eventbridge-backup/copy-job-completed.json');
  e.detail.resourceType = 'DynamoDB';
  e.detail.resourceArn = TABLE_ARN;
  e.detail.destinationBackupVaultArn = `arn:aws:backup:eu-central-1:${account}:backup-vault:${vault}`;
  e.detail.destinationRecoveryPointArn =
    form === 'ddb'
      ? `arn:aws:dynamodb:eu-central-1:${account}:table/Orders/backup/01763611211999-0c0ffee0`
      : `arn:aws:backup:eu-central-1:${account}:recovery-point:0175de71-5784-589f-d8ac-541accb4cac8`;
  return only(normalizeInput(e));
}

/** A DynamoDB Recovery Point State Change in prod-daily, made from the Aurora fixture. */
function recoveryPoint(rpArn: string, file = 'eventbridge-backup/recovery-point-completed.json'): Signal {
  const e = event(file);
  e.detail.resourceType = 'DynamoDB';
  e.detail.resourceArn = TABLE_ARN;
  e.resources = [rpArn];
  return only(normalizeInput(e));
}

/** The vault SNS notification of a DynamoDB job (no resource type, no vault: both told otherwise). */
function vaultNotification(rpArn: string): Signal {
  return signalOfText(
    text('backup-vault-sns/backup-job-completed.json')
      .replaceAll('arn:aws:ec2:eu-west-1::snapshot/snap-0f1e2d3c4b5a69788', rpArn)
      .replaceAll('arn:aws:ec2:eu-west-1:111122223333:volume/vol-0a1b2c3d4e5f67890', TABLE_ARN),
  );
}

/** The BackupJobCompleted CloudTrail service event of a DynamoDB job. */
function serviceEvent(rpArn: string): Signal {
  const raw = text('cloudtrail/service-event-backupjobcompleted.json')
    .replaceAll('arn:aws:ec2:eu-west-1::snapshot/snap-0f1e2d3c4b5a69788', rpArn)
    .replaceAll('arn:aws:ec2:eu-west-1:111122223333:volume/vol-0a1b2c3d4e5f67890', TABLE_ARN)
    .replace('"resourceType": "EBS"', '"resourceType": "DynamoDB"');
  return signalOfText(raw);
}

function expectDynamoDbExport(signal: Signal, rpArn: string, actions = ON) {
  const plan = planRecoveryPoint(signal, actions);
  expect(plan, plan.reason).toMatchObject({
    action: 'dynamodb-export',
    workflow: 'dynamodb-export-parquet',
    resourceType: 'DynamoDB',
    resourceName: 'Orders',
    recoveryPointArn: rpArn,
    fromBackup: true,
    dynamoDbExportFrom: 'backup',
  });
  expect(exportTaskIdProblem(plan.exportTaskIdentifier ?? '')).toBeUndefined();
  expect(plan.exportTaskIdentifier).toMatch(/^vp-orders-[0-9a-f]{12}-1$/);
  expect(plan.s3Prefix).toMatch(/^exports\/account=\d{12}\/region=[a-z0-9-]+\/type=dynamodb\/resource=Orders\/date=/);
  expect(plan.checkedWhenRun.join(' ')).not.toMatch(/engine/);
  expect(plan.checkedWhenRun.join(' ')).toMatch(/the recovery point: it must be COMPLETED or AVAILABLE/);
  return plan;
}

describe('planRecoveryPoint for DynamoDB', () => {
  describe.each(FORMS)('with a %s recovery point ARN', (_form, rpArn) => {
    it('plans a backup job COMPLETED (EventBridge) in a watched vault', () => {
      const plan = expectDynamoDbExport(backupJob(rpArn), rpArn);
      expect(plan).toMatchObject({ vault: 'prod-daily', account: '111122223333', region: 'eu-west-1' });
      expect(plan.trigger).toBe('backup job COMPLETED (EventBridge)');
      expect(plan.deleteAfterExport).toBe(true);
      expect(plan.s3Prefix).toBe(
        'exports/account=111122223333/region=eu-west-1/type=dynamodb/resource=Orders/date=2026-11-20',
      );
      expect(plan.reason).toMatch(/restored to a temporary table.*then delete the recovery point/);
    });

    it('plans the vault notification, leaving the vault to the workflow', () => {
      const signal = vaultNotification(rpArn);
      expect(signal.source).toBe('backup-vault-sns');
      const plan = expectDynamoDbExport(signal, rpArn);
      expect(plan.checkedWhenRun.join(' ')).toMatch(/the vault \(the event does not name it\)/);
    });

    it('plans the BackupJobCompleted CloudTrail service event', () => {
      const plan = expectDynamoDbExport(serviceEvent(rpArn), rpArn);
      expect(plan.trigger).toMatch(/CloudTrail service event/);
    });

    it.each([
      ['COMPLETED', 'eventbridge-backup/recovery-point-completed.json'],
      ['AVAILABLE', 'eventbridge-backup/recovery-point-available.json'],
    ])('plans a recovery point %s in a watched vault', (state, file) => {
      const plan = expectDynamoDbExport(recoveryPoint(rpArn, file), rpArn);
      expect(plan).toMatchObject({ vault: 'prod-daily', trigger: `recovery point ${state}` });
    });

    it('gives every trigger of one recovery point the same export id and prefix', () => {
      const plans = [backupJob(rpArn), vaultNotification(rpArn), serviceEvent(rpArn)].map((s) =>
        planRecoveryPoint(s, ON),
      );
      expect(new Set(plans.map((p) => p.exportTaskIdentifier)).size).toBe(1);
    });

    it('does nothing for a job that did not complete, or a recovery point still creating', () => {
      const failed = event('eventbridge-backup/backup-job-failed.json');
      failed.detail.resourceType = 'DynamoDB';
      failed.detail.resourceArn = TABLE_ARN;
      expect(planRecoveryPoint(only(normalizeInput(failed)), ON).reason).toMatch(/backup job FAILED/);
      const creating = recoveryPoint(rpArn, 'eventbridge-backup/recovery-point-creating.json');
      expect(planRecoveryPoint(creating, ON)).toMatchObject({ action: 'none', deleteAfterExport: false });
    });
  });

  it.each([
    ['ddb', 'arn:aws:dynamodb:eu-central-1:444455556666:table/Orders/backup/01763611211999-0c0ffee0'],
    ['backup', 'arn:aws:backup:eu-central-1:444455556666:recovery-point:0175de71-5784-589f-d8ac-541accb4cac8'],
  ] as const)('plans a %s copy job COMPLETED into a watched vault from its destination', (form, rpArn) => {
    const plan = expectDynamoDbExport(copyJob(form), rpArn);
    expect(plan).toMatchObject({ vault: 'dr-vault', account: '444455556666', region: 'eu-central-1' });
    expect(plan.s3Prefix).toMatch(
      /^exports\/account=444455556666\/region=eu-central-1\/type=dynamodb\/resource=Orders\//,
    );
    expect(planRecoveryPoint(copyJob(form, 'other-vault'), ON).reason).toMatch(/vault other-vault .* not one of/);
    expect(planRecoveryPoint(copyJob(form, 'dr-vault', '999988887777'), ON).action).toBe('none');
  });

  it('tells DynamoDB by the ARNs when the event gives no resource type, and the table from the backup ARN', () => {
    const byBackupArn = planRecoveryPoint(backupJob(DDB_BACKUP_ARN, { resourceType: null, resourceArn: null }), ON);
    expect(byBackupArn).toMatchObject({ action: 'dynamodb-export', resourceType: 'DynamoDB', resourceName: 'Orders' });
    // An AWS Backup recovery point ARN alone says nothing of the table; the resource ARN does.
    expect(planRecoveryPoint(backupJob(BACKUP_RP_ARN, { resourceType: null }), ON)).toMatchObject({
      action: 'dynamodb-export',
      resourceName: 'Orders',
    });
    expect(planRecoveryPoint(backupJob(BACKUP_RP_ARN, { resourceType: null, resourceArn: null }), ON)).toMatchObject({
      action: 'none',
      reason: expect.stringMatching(/resource type unknown has no action yet/),
    });
  });

  it('names the table from the backup ARN when the resource ARN is missing, and filters on the table ARN', () => {
    const signal = backupJob(DDB_BACKUP_ARN, { resourceArn: null });
    expect(planRecoveryPoint(signal, ON).resourceName).toBe('Orders');
    const byArn = config({ filters: { excludeResources: ['arn:aws:dynamodb:*:table/Orders'] } });
    expect(planRecoveryPoint(signal, byArn).reason).toMatch(/excludeResources matches it/);
  });

  it('refuses a DynamoDB resource whose recovery point ARN is of another kind', () => {
    const plan = planRecoveryPoint(
      backupJob('arn:aws:rds:eu-west-1:111122223333:snapshot:awsbackup:job-1', { resourceType: 'DynamoDB' }),
      ON,
    );
    expect(plan).toMatchObject({ action: 'none', resourceType: 'DynamoDB' });
    expect(plan.reason).toMatch(/is not a DynamoDB recovery point/);
  });

  it('does nothing when DynamoDB export is none (the default), and says so', () => {
    const off = config({ resourceTypes: { RDS: { export: 'parquet' } } });
    expect(off.resourceTypes.DynamoDB).toEqual({ export: 'none', exportFrom: 'backup' });
    for (const [, rpArn] of FORMS) {
      const plan = planRecoveryPoint(backupJob(rpArn), off);
      expect(plan).toMatchObject({ action: 'none', resourceType: 'DynamoDB', deleteAfterExport: false });
      expect(plan.reason).toMatch(/actions\.resourceTypes\.DynamoDB\.export is none/);
    }
    // RDS stays as it was.
    const rds = event('eventbridge-backup/backup-job-completed.json');
    rds.detail.resourceType = 'RDS';
    rds.detail.resourceArn = 'arn:aws:rds:eu-west-1:111122223333:db:prod-db';
    rds.detail.recoveryPointArn = 'arn:aws:rds:eu-west-1:111122223333:snapshot:awsbackup:job-9e2d';
    expect(planRecoveryPoint(only(normalizeInput(rds)), off).action).toBe('rds-export');
  });

  it('applies the resource filters to the table name and ARN', () => {
    const signal = backupJob(BACKUP_RP_ARN);
    expect(planRecoveryPoint(signal, config({ filters: { excludeResources: ['Ord*'] } })).reason).toMatch(
      /excludeResources matches it \(Ord\*\)/,
    );
    expect(planRecoveryPoint(signal, config({ filters: { includeResources: ['billing-*'] } })).reason).toMatch(
      /no pattern of actions\.filters\.includeResources/,
    );
    expect(planRecoveryPoint(signal, config({ filters: { includeResources: [TABLE_ARN] } })).action).toBe(
      'dynamodb-export',
    );
    const tagged = planRecoveryPoint(signal, config({ filters: { includeTags: [{ key: 'export' }] } }));
    expect(tagged.action).toBe('dynamodb-export');
    expect(tagged.checkedWhenRun.join(' ')).toMatch(/tag filters/);
  });

  it('deletes after export only when configured', () => {
    const keep = planRecoveryPoint(backupJob(DDB_BACKUP_ARN), config({ deleteRecoveryPointAfterExport: false }));
    expect(keep).toMatchObject({ action: 'dynamodb-export', deleteAfterExport: false });
    expect(keep.reason).toMatch(/keep the recovery point/);
  });

  it('with exportFrom source-pitr, says so and lists the PITR check', () => {
    const pitr = config({ resourceTypes: { DynamoDB: { export: 'parquet', exportFrom: 'source-pitr' } } });
    const plan = planRecoveryPoint(backupJob(BACKUP_RP_ARN), pitr);
    expect(plan).toMatchObject({ action: 'dynamodb-export', dynamoDbExportFrom: 'source-pitr' });
    expect(plan.reason).toMatch(/point-in-time recovery/);
    expect(plan.checkedWhenRun.join(' ')).toMatch(/point-in-time recovery: it must be on .* 35 days/);
    expect(planRecoveryPoint(backupJob(BACKUP_RP_ARN), ON).checkedWhenRun.join(' ')).not.toMatch(/point-in-time/);
  });

  it('never takes RDS snapshot events for DynamoDB', () => {
    const plan = planRecoveryPoint(only(normalizeInput(event('rds-eventbridge/automated-snapshot-created.json'))), {
      ...ON,
      rdsSnapshots: { ...ON.rdsSnapshots, automated: true },
    });
    expect(plan).toMatchObject({ action: 'rds-export', resourceType: 'RDS', workflow: 'rds-export-parquet' });
  });
});

describe('exportRequestOf for DynamoDB', () => {
  it.each(['backup', 'source-pitr'] as const)('makes a request the workflow accepts (exportFrom %s)', (from) => {
    const actions = config({ resourceTypes: { DynamoDB: { export: 'parquet', exportFrom: from } } });
    for (const [, rpArn] of FORMS) {
      const plan = planRecoveryPoint(backupJob(rpArn), actions);
      const request = exportRequestOf(plan, actions, '2026-11-20T02:31:10.000Z');
      expect(request).toMatchObject({
        workflow: 'dynamodb-export-parquet',
        resourceType: 'DynamoDB',
        dynamoDbExportFrom: from,
        recoveryPointArn: rpArn,
        resourceName: 'Orders',
        vault: 'prod-daily',
        watchedVaults: ['prod-daily'],
        fromBackup: true,
        deleteAfterExport: true,
        attempt: 1,
        exportTaskIdentifier: plan.exportTaskIdentifier,
        s3Prefix: plan.s3Prefix,
      });
      expect(exportRequestSchema.parse(request)).toEqual(request);
    }
  });

  it('gives RDS requests no dynamoDbExportFrom', () => {
    const rds = event('eventbridge-backup/backup-job-completed.json');
    rds.detail.resourceType = 'RDS';
    rds.detail.resourceArn = 'arn:aws:rds:eu-west-1:111122223333:db:prod-db';
    rds.detail.recoveryPointArn = 'arn:aws:rds:eu-west-1:111122223333:snapshot:awsbackup:job-9e2d';
    const request = exportRequestOf(planRecoveryPoint(only(normalizeInput(rds)), ON), ON, 'now');
    expect(request?.workflow).toBe('rds-export-parquet');
    expect(request).not.toHaveProperty('dynamoDbExportFrom');
  });

  it('makes no request when the action and the resource type disagree', () => {
    const plan = planRecoveryPoint(backupJob(DDB_BACKUP_ARN), ON);
    expect(exportRequestOf({ ...plan, action: 'rds-export' }, ON, 'now')).toBeUndefined();
    expect(exportRequestOf({ ...plan, resourceType: 'RDS' }, ON, 'now')).toBeUndefined();
  });
});
