/**
 * The export workflow end to end, locally: the synthesized state machine in aws-local-stepfunctions, the real
 * Task functions, stand-ins for RDS (real Parquet from the machine's PostgreSQL and MariaDB), AWS Backup, S3,
 * EventBridge and DynamoDB, started by the real starter from trigger events.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LOCAL_ACCOUNT as ACCOUNT,
  type LocalActions,
  LOCAL_REGION as REGION,
  startLocalActions,
} from '../../../sandbox/actions/localActions.js';
import { backupJobCompletedEvent, rdsSnapshotEvent } from '../../../sandbox/actions/scenarioEvents.js';
import { type SeededDatabase, seedMariaDb, seedPostgres } from '../../../sandbox/actions/seedDatabase.js';
import { ACTION_RESULT_DETAIL_TYPE, type ActionResultDetail } from '../../../src/core/actions/actionResultEvent.js';
import { ActionsSchema } from '../../../src/core/config/actionsSchema.js';

const actions = ActionsSchema.parse({
  enabled: true,
  vaults: [{ name: 'prod-daily' }],
  resourceTypes: { RDS: { export: 'parquet' }, Aurora: { export: 'parquet' } },
  deleteRecoveryPointAfterExport: true,
  rdsSnapshots: { automated: true, manual: false },
});

const suffix = `${process.pid}`;
let local: LocalActions;
let pgDb: SeededDatabase;
let mariaDb: SeededDatabase;

beforeAll(async () => {
  [pgDb, mariaDb] = await Promise.all([seedPostgres(`vp_wf_pg_${suffix}`), seedMariaDb(`vp_wf_my_${suffix}`)]);
  local = await startLocalActions({ actions });
  local.backup.addVault('prod-daily');
});

afterAll(async () => {
  await local?.close();
  await Promise.allSettled([pgDb?.drop(), mariaDb?.drop()]);
});

const pgSource = () => ({
  engine: 'postgres' as const,
  host: '127.0.0.1',
  port: 5432,
  user: 'root',
  database: pgDb.name,
});

function results(): ActionResultDetail[] {
  return local.events
    .events()
    .filter((e) => e.detailType === ACTION_RESULT_DETAIL_TYPE)
    .map((e) => e.detail as ActionResultDetail);
}

async function readJson(key: string): Promise<Record<string, unknown>> {
  const out = await local.s3Client.send(new GetObjectCommand({ Bucket: local.bucket, Key: key }));
  return JSON.parse(await out.Body!.transformToString()) as Record<string, unknown>;
}

/** A recovery point AWS Backup made of an RDS PostgreSQL instance, backed by the seeded database. */
function addBackupRecoveryPoint(job: string, instance: string, source = pgSource(), engine = 'postgres') {
  const arn = local.rds.addSnapshot({
    kind: 'db',
    identifier: `awsbackup:job-${job}`,
    sourceIdentifier: instance,
    engine,
    createdAt: new Date('2026-11-20T02:10:00Z'),
    source,
  });
  local.backup.addRecoveryPoint({
    vault: 'prod-daily',
    recoveryPointArn: arn,
    resourceArn: `arn:aws:rds:${REGION}:${ACCOUNT}:db:${instance}`,
    resourceType: 'RDS',
    resourceName: instance,
    creationDate: new Date('2026-11-20T02:10:00Z'),
  });
  return arn;
}

function jobEvent(arn: string, instance: string) {
  return backupJobCompletedEvent({
    account: ACCOUNT,
    region: REGION,
    vault: 'prod-daily',
    recoveryPointArn: arn,
    resourceArn: `arn:aws:rds:${REGION}:${ACCOUNT}:db:${instance}`,
    resourceType: 'RDS',
    time: '2026-11-20T02:31:09Z',
  });
}

describe('the RDS export workflow, run locally', () => {
  it('exports an AWS Backup recovery point to Parquet, verifies it, writes the manifest and latest pointer, then deletes the recovery point', async () => {
    const arn = addBackupRecoveryPoint('a1b2c3d4-0001', 'orders-db');
    const { starter, executions } = local.starter();
    const decisions = await starter.handle(jobEvent(arn, 'orders-db'));
    expect(decisions).toMatchObject([{ decision: 'started', recoveryPointArn: arn }]);
    const [run] = await executions();
    expect(run?.status, JSON.stringify(results().find((r) => r.recoveryPointArn === arn))).toBe('SUCCEEDED');
    expect(run?.path).toContain('Confirm deletion');

    const result = results().find((r) => r.recoveryPointArn === arn);
    expect(result).toMatchObject({
      outcome: 'exported',
      tables: 3,
      completeTables: 3,
      deletion: { status: 'deleted' },
    });
    expect(result?.manifestKey).toMatch(
      /^exports\/account=111122223333\/region=eu-west-1\/type=rds\/resource=orders-db\/date=2026-11-20\/vp-orders-db-[0-9a-f]{12}-1\/vaultpilot-manifest\.json$/,
    );
    const manifest = await readJson(result!.manifestKey!);
    expect(manifest).toMatchObject({ format: 'vaultpilot-export-manifest', result: 'complete' });
    const tables = (manifest.tables as { target: string; objects: unknown[] }[]).map((t) => t.target).sort();
    expect(tables).toEqual([
      `${pgDb.name}.audit.events`,
      `${pgDb.name}.public.customers`,
      `${pgDb.name}.public.orders`,
    ]);
    const latest = await readJson(
      'latest/account=111122223333/region=eu-west-1/type=rds/resource=orders-db/latest.json',
    );
    expect(latest.manifestKey).toBe(result?.manifestKey);
    expect(local.backup.recoveryPoint(arn)?.deleted).toBe(true);
    expect(local.rds.snapshotExists(arn)).toBe(false);
    const record = await local.ledger.get(arn, 1);
    expect(record?.status).toBe('exported');
  });

  it('starts one export for a duplicated trigger', async () => {
    const arn = addBackupRecoveryPoint('a1b2c3d4-0002', 'dup-db');
    const { starter, executions } = local.starter();
    const event = jobEvent(arn, 'dup-db');
    const first = await starter.handle(event);
    const second = await starter.handle(event);
    expect(first[0]?.decision).toBe('started');
    expect(second[0]?.decision).toBe('duplicate');
    const runs = await executions();
    expect(runs).toHaveLength(1);
    expect(local.rds.exportTasks().filter((t) => t.sourceArn === arn)).toHaveLength(1);
  });

  it('leaves a copy that arrived in another account to the actions stack there', async () => {
    const { starter, executions } = local.starter();
    const arn = 'arn:aws:rds:eu-west-1:444455556666:snapshot:awsbackup:job-elsewhere-0001';
    const decisions = await starter.handle(
      backupJobCompletedEvent({
        account: '444455556666',
        region: REGION,
        vault: 'prod-daily',
        recoveryPointArn: arn,
        resourceArn: `arn:aws:rds:${REGION}:444455556666:db:far-db`,
        resourceType: 'RDS',
        time: '2026-11-20T02:31:09Z',
      }),
    );
    expect(decisions).toMatchObject([{ decision: 'none', reason: expect.stringContaining('444455556666') }]);
    expect(await executions()).toHaveLength(0);
  });

  it('exports a MariaDB snapshot and keeps an RDS automated snapshot (never deleted)', async () => {
    const snapshotId = 'rds:shop-db-2026-11-20-02-10';
    const arn = local.rds.addSnapshot({
      kind: 'db',
      identifier: snapshotId,
      sourceIdentifier: 'shop-db',
      engine: 'mariadb',
      createdAt: new Date('2026-11-20T02:10:00Z'),
      source: { engine: 'mariadb', host: '127.0.0.1', port: 3306, user: 'root', database: mariaDb.name },
    });
    const { starter, executions } = local.starter();
    await starter.handle(
      rdsSnapshotEvent({
        account: ACCOUNT,
        region: REGION,
        eventId: 'RDS-EVENT-0091',
        snapshotArn: arn,
        snapshotId,
        cluster: false,
        message: 'Automated snapshot created',
        time: '2026-11-20T02:13:05Z',
      }),
    );
    const [run] = await executions();
    expect(run?.status, JSON.stringify(run)).toBe('SUCCEEDED');
    const result = results().find((r) => r.recoveryPointArn === arn);
    expect(result).toMatchObject({ outcome: 'exported', tables: 2, deletion: { status: 'kept' } });
    expect(local.rds.snapshotExists(arn)).toBe(true);
  });

  it('reports an engine RDS cannot export as not exportable, without starting an export', async () => {
    const arn = local.rds.addSnapshot({
      kind: 'db',
      identifier: 'awsbackup:job-sqlserver-0001',
      sourceIdentifier: 'erp-db',
      engine: 'sqlserver-se',
    });
    local.backup.addRecoveryPoint({
      vault: 'prod-daily',
      recoveryPointArn: arn,
      resourceArn: `arn:aws:rds:${REGION}:${ACCOUNT}:db:erp-db`,
      resourceType: 'RDS',
      resourceName: 'erp-db',
    });
    const { starter, executions } = local.starter();
    await starter.handle(jobEvent(arn, 'erp-db'));
    const [run] = await executions();
    expect(run?.status).toBe('SUCCEEDED');
    expect(run?.path).toContain('Not exportable');
    expect(results().find((r) => r.recoveryPointArn === arn)).toMatchObject({
      outcome: 'not-exportable',
      cause: expect.stringContaining('SQL Server'),
    });
    expect(local.rds.exportTasks().some((t) => t.sourceArn === arn)).toBe(false);
    expect(local.backup.recoveryPoint(arn)?.deleted).toBe(false);
  });

  it('names skipped tables as warnings and never deletes after a partial export', async () => {
    const arn = local.rds.addSnapshot({
      kind: 'db',
      identifier: 'awsbackup:job-partial-0001',
      sourceIdentifier: 'partial-db',
      engine: 'postgres',
      source: pgSource(),
      faults: { skipTables: ['audit.events'] },
    });
    local.backup.addRecoveryPoint({
      vault: 'prod-daily',
      recoveryPointArn: arn,
      resourceArn: `arn:aws:rds:${REGION}:${ACCOUNT}:db:partial-db`,
      resourceType: 'RDS',
      resourceName: 'partial-db',
    });
    const { starter, executions } = local.starter();
    await starter.handle(jobEvent(arn, 'partial-db'));
    const [run] = await executions();
    expect(run?.status).toBe('SUCCEEDED');
    const result = results().find((r) => r.recoveryPointArn === arn);
    expect(result?.outcome).toBe('exported-partially');
    expect(result?.warnings.join(' ')).toContain('audit.events skipped');
    expect(result?.deletion?.status).toBe('kept');
    expect(local.backup.recoveryPoint(arn)?.deleted).toBe(false);
  });

  it('fails an export that says COMPLETE over an empty bucket, keeps the recovery point and notifies', async () => {
    const arn = local.rds.addSnapshot({
      kind: 'db',
      identifier: 'awsbackup:job-empty-0001',
      sourceIdentifier: 'empty-db',
      engine: 'postgres',
      source: pgSource(),
      faults: { writeNothing: true },
    });
    local.backup.addRecoveryPoint({
      vault: 'prod-daily',
      recoveryPointArn: arn,
      resourceArn: `arn:aws:rds:${REGION}:${ACCOUNT}:db:empty-db`,
      resourceType: 'RDS',
      resourceName: 'empty-db',
    });
    const { starter, executions } = local.starter();
    await starter.handle(jobEvent(arn, 'empty-db'));
    const [run] = await executions();
    expect(run?.status).toBe('FAILED');
    const result = results().find((r) => r.recoveryPointArn === arn);
    expect(result).toMatchObject({ outcome: 'failed', failedStep: 'Verify export', error: 'VerificationFailed' });
    expect(result?.cause).toContain('wrote nothing');
    expect(local.backup.recoveryPoint(arn)?.deleted).toBe(false);
  });

  it('reports a deletion that AWS Backup answered but did not do (EXPIRED)', async () => {
    const arn = addBackupRecoveryPoint('a1b2c3d4-0003', 'denied-db');
    local.backup.denyDeletion(arn);
    const { starter, executions } = local.starter();
    await starter.handle(jobEvent(arn, 'denied-db'));
    const [run] = await executions();
    expect(run?.status).toBe('SUCCEEDED');
    const result = results().find((r) => r.recoveryPointArn === arn);
    expect(result?.outcome).toBe('exported');
    expect(result?.deletion).toMatchObject({ status: 'not-deleted', reason: expect.stringContaining('EXPIRED') });
  });

  it('reports a Vault Lock refusal without failing the export', async () => {
    local.backup.addVault('locked-vault', { lock: { minRetentionDays: 30 } });
    const arn = local.rds.addSnapshot({
      kind: 'db',
      identifier: 'awsbackup:job-locked-0001',
      sourceIdentifier: 'locked-db',
      engine: 'postgres',
      source: pgSource(),
    });
    local.backup.addRecoveryPoint({
      vault: 'locked-vault',
      recoveryPointArn: arn,
      resourceArn: `arn:aws:rds:${REGION}:${ACCOUNT}:db:locked-db`,
      resourceType: 'RDS',
      resourceName: 'locked-db',
      creationDate: new Date(),
    });
    const lockedActions = ActionsSchema.parse({ ...actions, vaults: [{ name: 'locked-vault' }] });
    const { executions, starter } = local.starter();
    void starter;
    const local2 = { ...local };
    void local2;
    const { ActionStarter } = await import('../../../src/functions/actions/ActionStarter.js');
    const runs: Promise<unknown>[] = [];
    const lockedStarter = new ActionStarter({
      actions: lockedActions,
      ledger: local.ledger,
      stateMachineArn: 'arn:aws:states:eu-west-1:111122223333:stateMachine:vaultpilot-rds-export',
      executions: {
        async start(name, input) {
          runs.push(local.run(input));
          return {
            executionArn: `arn:aws:states:eu-west-1:111122223333:execution:vaultpilot-rds-export:${name}`,
            alreadyStarted: false,
          };
        },
      },
    });
    await lockedStarter.handle(
      backupJobCompletedEvent({
        account: ACCOUNT,
        region: REGION,
        vault: 'locked-vault',
        recoveryPointArn: arn,
        resourceArn: `arn:aws:rds:${REGION}:${ACCOUNT}:db:locked-db`,
        resourceType: 'RDS',
        time: new Date().toISOString(),
      }),
    );
    await Promise.all(runs);
    expect(await executions()).toHaveLength(0);
    const result = results().find((r) => r.recoveryPointArn === arn);
    expect(result?.outcome).toBe('exported');
    expect(result?.deletion).toMatchObject({ status: 'refused' });
    expect(local.backup.recoveryPoint(arn)?.deleted).toBe(false);
  });
});
