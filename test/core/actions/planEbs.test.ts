import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exportTaskIdProblem } from '../../../src/core/actions/exportIdentifiers.js';
import { exportRequestOf } from '../../../src/core/actions/exportRequest.js';
import { exportRequestSchema } from '../../../src/core/actions/exportWorkflow.js';
import {
  EC2_NOT_ARCHIVED_REASON,
  planRecoveryPoint,
  type RecoveryPointPlan,
} from '../../../src/core/actions/planRecoveryPoint.js';
import { type ActionsConfig, ActionsSchema } from '../../../src/core/config/actionsSchema.js';
import { splitJsonValues } from '../../../src/core/input/splitJsonValues.js';
import { normalizeInput } from '../../../src/core/normalize/normalizeInput.js';
import type { Signal } from '../../../src/core/signal.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/events');

const SNAPSHOT_ARN = 'arn:aws:ec2:eu-west-1::snapshot/snap-0f1e2d3c4b5a69788';
const VOLUME_ARN = 'arn:aws:ec2:eu-west-1:111122223333:volume/vol-0a1b2c3d4e5f67890';
const COPY_SNAPSHOT_ARN = 'arn:aws:ec2:eu-central-1::snapshot/snap-0726fe70935586180';
const AMI_ARN = 'arn:aws:ec2:eu-west-1::image/ami-0abcdef1234567890';
const INSTANCE_ARN = 'arn:aws:ec2:eu-west-1:111122223333:instance/i-0123456789abcdef0';

const RAW = {
  enabled: true,
  vaults: [{ name: 'prod-daily' }, { name: 'dr-vault', accounts: ['444455556666'] }],
  resourceTypes: { RDS: { export: 'parquet' }, EBS: { export: 'block' }, EC2: { export: 'block' } },
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

function fixture(path: string): Signal {
  return only(splitJsonValues(text(path)).flatMap((chunk) => (chunk.ok ? normalizeInput(chunk.value) : [])));
}

type Event = Record<string, unknown> & { detail: Record<string, unknown> };

function event(path: string): Event {
  return JSON.parse(text(path));
}

/** The EBS backup job fixture, with the resource type, resource ARN or recovery point ARN replaced or removed. */
function backupJob(opts: { rpArn?: string; resourceType?: string | null; resourceArn?: string | null } = {}): Signal {
  const e = event('eventbridge-backup/backup-job-completed.json');
  if (opts.resourceType === null) delete e.detail.resourceType;
  else if (opts.resourceType) e.detail.resourceType = opts.resourceType;
  if (opts.resourceArn === null) delete e.detail.resourceArn;
  else if (opts.resourceArn) e.detail.resourceArn = opts.resourceArn;
  if (opts.rpArn) {
    e.detail.recoveryPointArn = opts.rpArn;
    e.resources = [opts.rpArn];
  }
  return only(normalizeInput(e));
}

/** An EBS Recovery Point State Change in prod-daily, made from the Aurora fixture. */
function recoveryPoint(file: string): Signal {
  const e = event(file);
  e.detail.resourceType = 'EBS';
  e.detail.resourceArn = VOLUME_ARN;
  e.resources = [SNAPSHOT_ARN];
  return only(normalizeInput(e));
}

function expectEbsArchive(signal: Signal, rpArn = SNAPSHOT_ARN, actions = ON): RecoveryPointPlan {
  const plan = planRecoveryPoint(signal, actions);
  expect(plan, plan.reason).toMatchObject({
    action: 'ebs-archive',
    workflow: 'ebs-block-archive',
    resourceType: 'EBS',
    resourceName: 'vol-0a1b2c3d4e5f67890',
    recoveryPointArn: rpArn,
    fromBackup: true,
    ebsMaxChainDepth: 7,
  });
  expect(exportTaskIdProblem(plan.exportTaskIdentifier ?? '')).toBeUndefined();
  expect(plan.exportTaskIdentifier).toMatch(/^vp-vol-0a1b2c3d4e5f67890-[0-9a-f]{12}-1$/);
  expect(plan.s3Prefix).toMatch(
    /^exports\/account=\d{12}\/region=[a-z0-9-]+\/type=ebs\/resource=vol-0a1b2c3d4e5f67890\/date=2026-11-20$/,
  );
  const checks = plan.checkedWhenRun.join(' ');
  expect(checks).not.toMatch(/engine/);
  expect(checks).toMatch(/the snapshot: it must be completed and in the standard tier/);
  expect(checks).toMatch(/archive-tier snapshot .* is reported, not read/);
  expect(checks).toMatch(/the previous archive of vol-0a1b2c3d4e5f67890: incremental .* fewer than 7/);
  return plan;
}

describe('planRecoveryPoint for EBS', () => {
  it('plans a backup job COMPLETED (EventBridge) in a watched vault, the account from the signal', () => {
    const plan = expectEbsArchive(fixture('eventbridge-backup/backup-job-completed.json'));
    expect(plan).toMatchObject({
      vault: 'prod-daily',
      account: '111122223333',
      region: 'eu-west-1',
      trigger: 'backup job COMPLETED (EventBridge)',
      deleteAfterExport: true,
    });
    expect(plan.s3Prefix).toBe(
      'exports/account=111122223333/region=eu-west-1/type=ebs/resource=vol-0a1b2c3d4e5f67890/date=2026-11-20',
    );
    expect(plan.reason).toMatch(/block archive.*decided when the workflow runs.*then delete the recovery point/);
  });

  it('plans the vault notification, leaving the vault to the workflow', () => {
    const signal = fixture('backup-vault-sns/backup-job-completed.json');
    expect(signal.source).toBe('backup-vault-sns');
    const plan = expectEbsArchive(signal);
    expect(plan.account).toBe('111122223333');
    expect(plan.checkedWhenRun.join(' ')).toMatch(/the vault \(the event does not name it\)/);
  });

  it('plans the BackupJobCompleted CloudTrail service event', () => {
    const plan = expectEbsArchive(fixture('cloudtrail/service-event-backupjobcompleted.json'));
    expect(plan.trigger).toMatch(/CloudTrail service event/);
  });

  it('plans a copy job COMPLETED into a watched vault, the account from the destination vault', () => {
    const plan = expectEbsArchive(fixture('eventbridge-backup/copy-job-completed.json'), COPY_SNAPSHOT_ARN);
    expect(plan).toMatchObject({ vault: 'dr-vault', account: '444455556666', region: 'eu-central-1' });
    expect(plan.s3Prefix).toMatch(/^exports\/account=444455556666\/region=eu-central-1\/type=ebs\//);
  });

  it('plans the vault notification of a copy job', () => {
    const plan = expectEbsArchive(fixture('backup-vault-sns/copy-job-successful.json'), COPY_SNAPSHOT_ARN);
    expect(plan.region).toBe('eu-central-1');
  });

  it.each([
    ['COMPLETED', 'eventbridge-backup/recovery-point-completed.json'],
    ['AVAILABLE', 'eventbridge-backup/recovery-point-available.json'],
  ])('plans a recovery point %s in a watched vault', (state, file) => {
    const plan = expectEbsArchive(recoveryPoint(file));
    expect(plan).toMatchObject({ vault: 'prod-daily', account: '111122223333', trigger: `recovery point ${state}` });
  });

  it('gives every trigger of one recovery point the same archive id and prefix', () => {
    const plans = [
      'eventbridge-backup/backup-job-completed.json',
      'backup-vault-sns/backup-job-completed.json',
      'cloudtrail/service-event-backupjobcompleted.json',
    ].map((f) => planRecoveryPoint(fixture(f), ON));
    expect(new Set(plans.map((p) => p.exportTaskIdentifier)).size).toBe(1);
    expect(new Set(plans.map((p) => p.s3Prefix)).size).toBe(1);
  });

  it('does nothing for a job that did not complete, a recovery point still creating, or an unwatched vault', () => {
    expect(planRecoveryPoint(fixture('eventbridge-backup/backup-job-failed.json'), ON).reason).toMatch(
      /backup job FAILED/,
    );
    expect(planRecoveryPoint(recoveryPoint('eventbridge-backup/recovery-point-creating.json'), ON)).toMatchObject({
      action: 'none',
      deleteAfterExport: false,
    });
    const e = event('eventbridge-backup/backup-job-completed.json');
    e.detail.backupVaultName = 'scratch';
    e.detail.backupVaultArn = 'arn:aws:backup:eu-west-1:111122223333:backup-vault:scratch';
    expect(planRecoveryPoint(only(normalizeInput(e)), ON).reason).toMatch(/vault scratch .* not one of/);
  });

  it('tells EBS by the snapshot ARN when the event gives no resource type, and names the volume', () => {
    const plan = planRecoveryPoint(backupJob({ resourceType: null }), ON);
    expect(plan).toMatchObject({ action: 'ebs-archive', resourceType: 'EBS', resourceName: 'vol-0a1b2c3d4e5f67890' });
  });

  it('names the archive after the snapshot when there is no volume ARN, and takes the account from the signal', () => {
    const plan = planRecoveryPoint(backupJob({ resourceType: null, resourceArn: null }), ON);
    expect(plan).toMatchObject({
      action: 'ebs-archive',
      resourceName: 'snap-0f1e2d3c4b5a69788',
      account: '111122223333',
    });
    expect(plan.exportTaskIdentifier).toMatch(/^vp-snap-0f1e2d3c4b5a69788-[0-9a-f]{12}-1$/);
    expect(plan.s3Prefix).toMatch(/\/type=ebs\/resource=snap-0f1e2d3c4b5a69788\//);
  });

  it('takes the account from the volume ARN when the signal has none', () => {
    const { account: _account, ...rest } = fixture('eventbridge-backup/backup-job-completed.json');
    const signal = { ...rest, resource: { ...rest.resource, arn: VOLUME_ARN.replace('111122223333', '777788889999') } };
    expect(planRecoveryPoint(signal as Signal, ON)).toMatchObject({ action: 'ebs-archive', account: '777788889999' });
  });

  it('refuses an EBS resource whose recovery point is not a snapshot', () => {
    const plan = planRecoveryPoint(
      backupJob({ rpArn: 'arn:aws:backup:eu-west-1:111122223333:recovery-point:abcd1234' }),
      ON,
    );
    expect(plan).toMatchObject({ action: 'none', resourceType: 'EBS' });
    expect(plan.reason).toMatch(/is not an EBS snapshot/);
    expect(planRecoveryPoint(fixture('eventbridge-backup/recovery-point-change.json'), ON).action).toBe('none');
  });

  it('does nothing when EBS export is none (the default), and says so', () => {
    const off = config({ resourceTypes: { RDS: { export: 'parquet' } } });
    expect(off.resourceTypes.EBS).toEqual({ export: 'none', maxChainDepth: 7 });
    expect(off.resourceTypes.EC2).toEqual({ export: 'none' });
    const plan = planRecoveryPoint(fixture('eventbridge-backup/backup-job-completed.json'), off);
    expect(plan).toMatchObject({ action: 'none', resourceType: 'EBS', deleteAfterExport: false });
    expect(plan.reason).toMatch(/actions\.resourceTypes\.EBS\.export is none/);
  });

  it('applies the resource filters to the volume id and ARN', () => {
    const signal = fixture('eventbridge-backup/backup-job-completed.json');
    expect(planRecoveryPoint(signal, config({ filters: { excludeResources: ['vol-0a1b*'] } })).reason).toMatch(
      /excludeResources matches it \(vol-0a1b\*\)/,
    );
    expect(planRecoveryPoint(signal, config({ filters: { includeResources: ['vol-ffff*'] } })).reason).toMatch(
      /no pattern of actions\.filters\.includeResources/,
    );
    expect(planRecoveryPoint(signal, config({ filters: { includeResources: [VOLUME_ARN] } })).action).toBe(
      'ebs-archive',
    );
    const tagged = planRecoveryPoint(signal, config({ filters: { includeTags: [{ key: 'archive' }] } }));
    expect(tagged.action).toBe('ebs-archive');
    expect(tagged.checkedWhenRun.join(' ')).toMatch(/tag filters/);
  });

  it('deletes after the archive is verified only when configured', () => {
    const keep = planRecoveryPoint(
      fixture('eventbridge-backup/backup-job-completed.json'),
      config({ deleteRecoveryPointAfterExport: false }),
    );
    expect(keep).toMatchObject({ action: 'ebs-archive', deleteAfterExport: false });
    expect(keep.reason).toMatch(/keep the recovery point/);
  });

  it('with maxChainDepth 0, says every archive is full', () => {
    const full = config({ resourceTypes: { EBS: { export: 'block', maxChainDepth: 0 } } });
    const plan = planRecoveryPoint(fixture('eventbridge-backup/backup-job-completed.json'), full);
    expect(plan).toMatchObject({ action: 'ebs-archive', ebsMaxChainDepth: 0 });
    expect(plan.reason).toMatch(/full \(maxChainDepth 0\)/);
    expect(plan.checkedWhenRun.join(' ')).toMatch(/every archive is full/);
  });
});

describe('planRecoveryPoint for EC2', () => {
  it.each([
    ['resource type EC2', { resourceType: 'EC2', resourceArn: INSTANCE_ARN, rpArn: AMI_ARN }],
    ['an image ARN, no resource type', { resourceType: null, resourceArn: null, rpArn: AMI_ARN }],
  ])('plans nothing for %s, even with export block, and says why', (_what, opts) => {
    for (const actions of [ON, config({ resourceTypes: { EC2: { export: 'none' } } })]) {
      const plan = planRecoveryPoint(backupJob(opts), actions);
      expect(plan).toMatchObject({ action: 'none', deleteAfterExport: false, recoveryPointArn: AMI_ARN });
      expect(plan.reason).toContain(EC2_NOT_ARCHIVED_REASON);
      expect(plan.reason).toContain(
        "EC2 recovery points (AMIs) are not archived yet: archive their EBS snapshots' own recovery points",
      );
      expect(exportRequestOf(plan, actions, 'now')).toBeUndefined();
    }
  });
});

describe('exportRequestOf for EBS', () => {
  it.each([7, 0, 100])('makes a request the workflow accepts, with ebsMaxChainDepth %i', (depth) => {
    const actions = config({ resourceTypes: { EBS: { export: 'block', maxChainDepth: depth } } });
    const plan = planRecoveryPoint(fixture('eventbridge-backup/backup-job-completed.json'), actions);
    const request = exportRequestOf(plan, actions, '2026-11-20T02:31:10.000Z');
    expect(request).toMatchObject({
      workflow: 'ebs-block-archive',
      resourceType: 'EBS',
      ebsMaxChainDepth: depth,
      recoveryPointArn: SNAPSHOT_ARN,
      resourceName: 'vol-0a1b2c3d4e5f67890',
      vault: 'prod-daily',
      watchedVaults: ['prod-daily'],
      account: '111122223333',
      region: 'eu-west-1',
      fromBackup: true,
      deleteAfterExport: true,
      attempt: 1,
      exportTaskIdentifier: plan.exportTaskIdentifier,
      s3Prefix: plan.s3Prefix,
    });
    expect(request).not.toHaveProperty('dynamoDbExportFrom');
    expect(exportRequestSchema.parse(request)).toEqual(request);
  });

  it('gives RDS requests no ebsMaxChainDepth', () => {
    const rds = event('eventbridge-backup/backup-job-completed.json');
    rds.detail.resourceType = 'RDS';
    rds.detail.resourceArn = 'arn:aws:rds:eu-west-1:111122223333:db:prod-db';
    rds.detail.recoveryPointArn = 'arn:aws:rds:eu-west-1:111122223333:snapshot:awsbackup:job-9e2d';
    const request = exportRequestOf(planRecoveryPoint(only(normalizeInput(rds)), ON), ON, 'now');
    expect(request?.workflow).toBe('rds-export-parquet');
    expect(request).not.toHaveProperty('ebsMaxChainDepth');
  });

  it('makes no request when the action and the resource type disagree', () => {
    const plan = planRecoveryPoint(fixture('eventbridge-backup/backup-job-completed.json'), ON);
    expect(exportRequestOf({ ...plan, action: 'rds-export' }, ON, 'now')).toBeUndefined();
    expect(exportRequestOf({ ...plan, action: 'dynamodb-export' }, ON, 'now')).toBeUndefined();
    expect(exportRequestOf({ ...plan, resourceType: 'RDS' }, ON, 'now')).toBeUndefined();
  });
});

describe('the EBS and EC2 configuration', () => {
  it('defaults to none and a chain of 7, and refuses depths outside 0–100 and other formats', () => {
    const parsed = ActionsSchema.parse({});
    expect(parsed.resourceTypes.EBS).toEqual({ export: 'none', maxChainDepth: 7 });
    expect(parsed.resourceTypes.EC2).toEqual({ export: 'none' });
    expect(ActionsSchema.parse({ resourceTypes: { EBS: { export: 'block' } } }).resourceTypes.EBS).toEqual({
      export: 'block',
      maxChainDepth: 7,
    });
    for (const EBS of [
      { maxChainDepth: -1 },
      { maxChainDepth: 101 },
      { maxChainDepth: 2.5 },
      { export: 'parquet' },
      { other: 1 },
    ]) {
      expect(ActionsSchema.safeParse({ resourceTypes: { EBS } }).success, JSON.stringify(EBS)).toBe(false);
    }
    expect(ActionsSchema.safeParse({ resourceTypes: { EC2: { export: 'parquet' } } }).success).toBe(false);
    expect(ActionsSchema.safeParse({ resourceTypes: { EC2: { maxChainDepth: 3 } } }).success).toBe(false);
  });
});
