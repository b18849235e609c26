import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exportTaskIdProblem } from '../../../src/core/actions/exportIdentifiers.js';
import { planRecoveryPoint, type RecoveryPointPlan } from '../../../src/core/actions/planRecoveryPoint.js';
import { type ActionsConfig, ActionsSchema } from '../../../src/core/config/actionsSchema.js';
import { splitJsonValues } from '../../../src/core/input/splitJsonValues.js';
import { normalizeInput } from '../../../src/core/normalize/normalizeInput.js';
import type { Signal } from '../../../src/core/signal.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/events');

function fixtureFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.json') && !e.name.includes('.expected.'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

function signalsOfText(text: string): Signal[] {
  return splitJsonValues(text).flatMap((chunk) => (chunk.ok ? normalizeInput(chunk.value) : []));
}

function signalsOf(path: string): Signal[] {
  return signalsOfText(readFileSync(join(fixtures, path), 'utf8'));
}

function event(path: string): Record<string, unknown> & { detail: Record<string, unknown> } {
  return JSON.parse(readFileSync(join(fixtures, path), 'utf8'));
}

function only(signals: Signal[]): Signal {
  expect(signals).toHaveLength(1);
  return signals[0]!;
}

const RAW_ALL_ON = {
  enabled: true,
  vaults: [{ name: 'prod-daily' }, { name: 'dr-vault', accounts: ['444455556666'] }],
  resourceTypes: { RDS: { export: 'parquet' }, Aurora: { export: 'parquet' } },
  rdsSnapshots: { automated: true, manual: true },
  deleteRecoveryPointAfterExport: true,
};
const ALL_ON: ActionsConfig = ActionsSchema.parse(RAW_ALL_ON);

/** Every action on, with some settings replaced. */
function config(overrides: Record<string, unknown>): ActionsConfig {
  return ActionsSchema.parse({ ...structuredClone(RAW_ALL_ON), ...overrides });
}

/** An RDS backup job COMPLETED in `vault`, made from the EBS fixture. */
function rdsBackupJob(vault = 'prod-daily'): Signal {
  const e = event('eventbridge-backup/backup-job-completed.json');
  e.detail.resourceType = 'RDS';
  e.detail.resourceArn = 'arn:aws:rds:eu-west-1:111122223333:db:prod-db';
  e.detail.backupVaultName = vault;
  e.detail.backupVaultArn = `arn:aws:backup:eu-west-1:111122223333:backup-vault:${vault}`;
  e.detail.recoveryPointArn =
    'arn:aws:rds:eu-west-1:111122223333:snapshot:awsbackup:job-9e2d4b6f-1a3c-4e5d-8f70-a1b2c3d4e5f6';
  e.resources = [e.detail.recoveryPointArn as string];
  return only(normalizeInput(e));
}

/** An RDS copy job COMPLETED into `vault` of `account`, made from the EBS fixture. */
function rdsCopyJob(vault = 'dr-vault', account = '444455556666'): Signal {
  const e = event('eventbridge-backup/copy-job-completed.json');
  e.detail.resourceType = 'RDS';
  e.detail.resourceArn = 'arn:aws:rds:eu-west-1:111122223333:db:prod-db';
  e.detail.destinationBackupVaultArn = `arn:aws:backup:eu-central-1:${account}:backup-vault:${vault}`;
  e.detail.destinationRecoveryPointArn = `arn:aws:rds:eu-central-1:${account}:snapshot:awsbackup:copyjob-0175de71-5784-589f-d8ac-541accb4cac8`;
  return only(normalizeInput(e));
}

describe('planRecoveryPoint over the event corpus', () => {
  const files = fixtureFiles(fixtures);
  const plans: { file: string; signal: Signal; plan: RecoveryPointPlan }[] = [];
  for (const file of files) {
    for (const signal of signalsOfText(readFileSync(file, 'utf8'))) {
      plans.push({ file: relative(fixtures, file), signal, plan: planRecoveryPoint(signal, ALL_ON) });
    }
  }

  it('reads the corpus', () => {
    expect(files.length).toBeGreaterThan(150);
    expect(plans.filter((p) => p.signal.kind === 'rds-snapshot').length).toBeGreaterThan(20);
  });

  it('gives every AWS Backup and RDS event an action or a reason, without crashing', () => {
    for (const { file, plan } of plans) {
      expect(['rds-export', 'none'], file).toContain(plan.action);
      expect(plan.reason.length, file).toBeGreaterThan(10);
      expect(typeof plan.deleteAfterExport, file).toBe('boolean');
      if (plan.action === 'rds-export') {
        expect(exportTaskIdProblem(plan.exportTaskIdentifier ?? ''), file).toBeUndefined();
        expect(plan.s3Prefix, file).toMatch(/^exports\/account=\d{12}\/region=[a-z0-9-]+\/type=(rds|aurora)\//);
        expect(plan.s3Prefix, file).not.toContain(':');
        expect(plan.checkedWhenRun.join(' '), file).toMatch(/engine/);
      } else {
        expect(plan.deleteAfterExport, file).toBe(false);
        expect(plan.exportTaskIdentifier, file).toBeUndefined();
      }
    }
  });

  it('plans exports for exactly the new RDS and Aurora snapshots and recovery points', () => {
    const planned = plans.filter((p) => p.plan.action === 'rds-export').map((p) => p.file);
    expect(planned).toEqual([
      'eventbridge-backup/recovery-point-available.json',
      'eventbridge-backup/recovery-point-completed.json',
      'rds-eventbridge/automated-snapshot-created.json',
      'rds-eventbridge/docs-automated-snapshot-created.json',
      'rds-sns/automated-created-without-source-arn.json',
      'rds-sns/automated-created.json',
      'rds-sns/cluster-automated-created.json',
      'rds-sns/cluster-manual-created.json',
      'rds-sns/manual-created.json',
    ]);
  });

  it.each([
    ['rds-sns/automated-created.json', 'RDS-EVENT-0091', 'RDS'],
    ['rds-eventbridge/automated-snapshot-created.json', 'RDS-EVENT-0091', 'RDS'],
    ['rds-sns/cluster-automated-created.json', 'RDS-EVENT-0169', 'Aurora'],
    ['rds-sns/manual-created.json', 'RDS-EVENT-0042', 'RDS'],
    ['rds-sns/cluster-manual-created.json', 'RDS-EVENT-0075', 'Aurora'],
  ])('plans %s (%s) and never deletes a snapshot taken outside AWS Backup', (file, eventId, type) => {
    const plan = planRecoveryPoint(only(signalsOf(file)), ALL_ON);
    expect(plan).toMatchObject({ action: 'rds-export', resourceType: type, deleteAfterExport: false });
    expect(plan.trigger).toContain(eventId);
  });

  it('plans the SNS and EventBridge deliveries of one snapshot event alike', () => {
    const sns = planRecoveryPoint(only(signalsOf('rds-sns/automated-created.json')), ALL_ON);
    const eventBridge = planRecoveryPoint(only(signalsOf('rds-eventbridge/automated-snapshot-created.json')), ALL_ON);
    expect(sns.exportTaskIdentifier).toBe(eventBridge.exportTaskIdentifier);
    expect(sns.s3Prefix).toBe(
      'exports/account=111122223333/region=eu-west-1/type=rds/resource=prod-db/date=2026-11-20',
    );
  });

  it.each(['rds-sns/awsbackup-local-copy-finished.json', 'rds-eventbridge/awsbackup-snapshot-copy-finished.json'])(
    'leaves snapshots AWS Backup made to the vault triggers (%s)',
    (file) => {
      const plan = planRecoveryPoint(only(signalsOf(file)), ALL_ON);
      expect(plan.action).toBe('none');
    },
  );

  it('says why an awsbackup: snapshot is skipped, also for a snapshot-created event', () => {
    const e = event('rds-eventbridge/automated-snapshot-created.json');
    const raw = JSON.stringify(e).replaceAll('rds:prod-db-2026-11-20-02-10', 'awsbackup:job-5f1c3a2e');
    const plan = planRecoveryPoint(only(normalizeInput(JSON.parse(raw))), ALL_ON);
    expect(plan).toMatchObject({ action: 'none' });
    expect(plan.reason).toMatch(/made by AWS Backup: the triggers of its vault cover it/);
  });

  it('respects rdsSnapshots.automated and manual', () => {
    const off = config({ rdsSnapshots: { automated: false, manual: true } });
    expect(planRecoveryPoint(only(signalsOf('rds-sns/automated-created.json')), off).reason).toMatch(
      /actions\.rdsSnapshots\.automated is false/,
    );
    expect(planRecoveryPoint(only(signalsOf('rds-sns/manual-created.json')), off).action).toBe('rds-export');
  });

  it('filters RDS snapshots by instance, and defers the check when the event cannot tell the instance', () => {
    const only = config({ rdsSnapshots: { automated: true, manual: true, instances: ['billing-*'] } });
    expect(planRecoveryPoint(signalsOf('rds-sns/automated-created.json')[0]!, only).reason).toMatch(
      /prod-db is not in actions\.rdsSnapshots\.instances/,
    );
    const manual = planRecoveryPoint(signalsOf('rds-sns/manual-created.json')[0]!, only);
    expect(manual.action).toBe('rds-export');
    expect(manual.checkedWhenRun.join(' ')).toMatch(/DB instance is in actions\.rdsSnapshots\.instances/);
  });

  it('carries the deletion flag for recovery points of a watched vault', () => {
    const rp = only(signalsOf('eventbridge-backup/recovery-point-completed.json'));
    expect(planRecoveryPoint(rp, ALL_ON)).toMatchObject({
      action: 'rds-export',
      deleteAfterExport: true,
      vault: 'prod-daily',
    });
    const keep = planRecoveryPoint(rp, config({ deleteRecoveryPointAfterExport: false }));
    expect(keep).toMatchObject({ action: 'rds-export', deleteAfterExport: false });
    expect(keep.reason).toMatch(/keep the recovery point/);
  });

  it('plans an RDS backup job COMPLETED in a watched vault, and gives its recovery point one export id', () => {
    const job = planRecoveryPoint(rdsBackupJob(), ALL_ON);
    expect(job).toMatchObject({
      action: 'rds-export',
      resourceType: 'RDS',
      vault: 'prod-daily',
      deleteAfterExport: true,
    });
    expect(job.s3Prefix).toBe(
      'exports/account=111122223333/region=eu-west-1/type=rds/resource=prod-db/date=2026-11-20',
    );
    expect(job.exportTaskIdentifier).toMatch(/^vp-prod-db-[0-9a-f]{12}-1$/);
  });

  it('says nothing is done for a recovery point in a vault that is not watched', () => {
    const plan = planRecoveryPoint(rdsBackupJob('scratch'), ALL_ON);
    expect(plan).toMatchObject({ action: 'none', deleteAfterExport: false });
    expect(plan.reason).toMatch(/vault scratch in 111122223333 \/ eu-west-1 is not one of actions\.vaults/);
  });

  it('plans a copy job COMPLETED into a watched vault from its destination vault and recovery point', () => {
    const plan = planRecoveryPoint(rdsCopyJob(), ALL_ON);
    expect(plan).toMatchObject({
      action: 'rds-export',
      vault: 'dr-vault',
      account: '444455556666',
      region: 'eu-central-1',
      recoveryPointArn:
        'arn:aws:rds:eu-central-1:444455556666:snapshot:awsbackup:copyjob-0175de71-5784-589f-d8ac-541accb4cac8',
      deleteAfterExport: true,
    });
    expect(plan.s3Prefix).toMatch(/^exports\/account=444455556666\/region=eu-central-1\/type=rds\/resource=prod-db\//);
  });

  it('does nothing for a copy into another vault, or into the watched name in another account', () => {
    expect(planRecoveryPoint(rdsCopyJob('other-vault'), ALL_ON).reason).toMatch(
      /vault other-vault .* is not one of actions\.vaults/,
    );
    expect(planRecoveryPoint(rdsCopyJob('dr-vault', '999988887777'), ALL_ON).action).toBe('none');
  });

  it('does nothing for EBS while its export is none, for failed jobs and for other kinds, and says why', () => {
    expect(planRecoveryPoint(only(signalsOf('eventbridge-backup/backup-job-completed.json')), ALL_ON).reason).toMatch(
      /actions\.resourceTypes\.EBS\.export is none/,
    );
    expect(planRecoveryPoint(only(signalsOf('eventbridge-backup/backup-job-failed.json')), ALL_ON).reason).toMatch(
      /backup job FAILED/,
    );
    expect(
      planRecoveryPoint(only(signalsOf('eventbridge-backup/recovery-point-creating.json')), ALL_ON).reason,
    ).toMatch(/recovery point CREATING/);
    expect(planRecoveryPoint(only(signalsOf('cloudtrail/backup-deletebackupvault.json')), ALL_ON).reason).toMatch(
      /tamper signal .* starts no action/,
    );
  });

  it('does nothing when actions are off, or the resource type is not exported, or a filter excludes it', () => {
    const rp = only(signalsOf('eventbridge-backup/recovery-point-completed.json'));
    expect(planRecoveryPoint(rp, ActionsSchema.parse({})).reason).toMatch(/actions are off/);
    expect(planRecoveryPoint(rp, config({ resourceTypes: { Aurora: { export: 'none' } } })).reason).toMatch(
      /actions\.resourceTypes\.Aurora\.export is none/,
    );
    expect(planRecoveryPoint(rp, config({ filters: { excludeResources: ['orders-*'] } })).reason).toMatch(
      /excludeResources matches it \(orders-\*\)/,
    );
    expect(planRecoveryPoint(rp, config({ filters: { includeResources: ['billing-*'] } })).action).toBe('none');
    const tagged = planRecoveryPoint(rp, config({ filters: { includeTags: [{ key: 'export' }] } }));
    expect(tagged.action).toBe('rds-export');
    expect(tagged.checkedWhenRun.join(' ')).toMatch(/tag filters/);
  });

  it('plans the vault notification of an RDS job, leaving the vault it does not name to the workflow', () => {
    const text = readFileSync(join(fixtures, 'backup-vault-sns/backup-job-completed.json'), 'utf8')
      .replaceAll(
        'arn:aws:ec2:eu-west-1::snapshot/snap-0f1e2d3c4b5a69788',
        'arn:aws:rds:eu-west-1:111122223333:snapshot:awsbackup:job-9e2d4b6f',
      )
      .replaceAll(
        'arn:aws:ec2:eu-west-1:111122223333:volume/vol-0a1b2c3d4e5f67890',
        'arn:aws:rds:eu-west-1:111122223333:db:prod-db',
      );
    const signal = only(signalsOfText(text));
    expect(signal.source).toBe('backup-vault-sns');
    const plan = planRecoveryPoint(signal, ALL_ON);
    expect(plan.action).toBe('rds-export');
    expect(plan.checkedWhenRun.join(' ')).toMatch(/the vault \(the event does not name it\)/);
  });
});
