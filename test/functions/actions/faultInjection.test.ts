/**
 * Fault injection over every Task of the export workflow, run locally (synthesized state machine, real Task
 * functions, stand-ins with real Parquet exports). At each Task state in turn:
 *
 * - a transient fault (TransientAwsError on the first call) is retried and the export ends as without it;
 * - a permanent fault (every call fails) runs cleanup, keeps the recovery point and notifies — unless the
 *   export was already verified and the fault is in a later step.
 *
 * Over all of them, the two safety properties: no temporary resource is left behind (no export task still
 * running, no objects of an unverified export), and no recovery point is deleted without a complete, verified
 * export (its manifest says `complete`).
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LOCAL_ACCOUNT as ACCOUNT,
  type LocalActions,
  type LocalExecution,
  LOCAL_REGION as REGION,
  startLocalActions,
  TASK_STATE_FUNCTIONS,
} from '../../../sandbox/actions/localActions.js';
import { backupJobCompletedEvent } from '../../../sandbox/actions/scenarioEvents.js';
import { exportRoot, MANIFEST_FILE } from '../../../src/core/actions/exportManifest.js';
import { exportRequestOf } from '../../../src/core/actions/exportRequest.js';
import {
  ACTION_ERRORS,
  ACTION_TASKS,
  ACTIVE_EXPORT_STATUSES,
  EXPORT_STATES,
  type ExportRequest,
  type ExportTaskStatus,
  TASK_STATES,
} from '../../../src/core/actions/exportWorkflow.js';
import { planRecoveryPoint } from '../../../src/core/actions/planRecoveryPoint.js';
import { ActionsSchema } from '../../../src/core/config/actionsSchema.js';
import { normalizeInput } from '../../../src/core/normalize/normalizeInput.js';
import { permanent, resultFor as resultOf, transientOnce } from './faults.js';
import { type SeededDatabase, seedPostgres } from './seedDatabase.js';

const actions = ActionsSchema.parse({
  enabled: true,
  vaults: [{ name: 'prod-daily' }],
  resourceTypes: { RDS: { export: 'parquet' } },
  deleteRecoveryPointAfterExport: true,
});

let local: LocalActions;
let db: SeededDatabase;
let counter = 0;

beforeAll(async () => {
  db = await seedPostgres(`vp_faults_${process.pid}`, 300);
  local = await startLocalActions({ actions, rdsTiming: { startingMs: 20, perTableMs: 15 } });
  local.backup.addVault('prod-daily');
});

afterAll(async () => {
  await local?.close();
  await db?.drop();
});

/** A fresh RDS recovery point backed by the seeded database, and the execution input its trigger plans. */
function newRecoveryPoint(): { arn: string; request: ExportRequest } {
  counter += 1;
  const instance = `faults-db-${counter}`;
  const arn = local.rds.addSnapshot({
    kind: 'db',
    identifier: `awsbackup:job-fault-${counter}`,
    sourceIdentifier: instance,
    engine: 'postgres',
    createdAt: new Date('2026-11-21T03:00:00Z'),
    source: { engine: 'postgres', host: '127.0.0.1', port: 5432, user: 'root', database: db.name },
  });
  local.backup.addRecoveryPoint({
    vault: 'prod-daily',
    recoveryPointArn: arn,
    resourceArn: `arn:aws:rds:${REGION}:${ACCOUNT}:db:${instance}`,
    resourceType: 'RDS',
    resourceName: instance,
  });
  const [signal] = normalizeInput(
    backupJobCompletedEvent({
      account: ACCOUNT,
      region: REGION,
      vault: 'prod-daily',
      recoveryPointArn: arn,
      resourceArn: `arn:aws:rds:${REGION}:${ACCOUNT}:db:${instance}`,
      resourceType: 'RDS',
      time: '2026-11-21T03:20:00Z',
    }),
  );
  const request = exportRequestOf(planRecoveryPoint(signal!, actions), actions, '2026-11-21T03:20:01Z');
  if (!request) throw new Error('the trigger planned no export');
  return { arn, request };
}

const resultFor = (arn: string) => resultOf(local, arn);

async function manifestResult(request: ExportRequest): Promise<string | undefined> {
  try {
    const key = `${exportRoot(request.s3Prefix, request.exportTaskIdentifier)}${MANIFEST_FILE}`;
    const out = await local.s3Client.send(new GetObjectCommand({ Bucket: local.bucket, Key: key }));
    return (JSON.parse(await out.Body!.transformToString()) as { result: string }).result;
  } catch {
    return undefined;
  }
}

/** The two safety properties for one execution. */
async function assertSafe(arn: string, request: ExportRequest, label: string) {
  await local.rds.idle();
  const running = local.rds
    .exportTasks()
    .filter((t) => t.sourceArn === arn && ACTIVE_EXPORT_STATUSES.includes(t.status as ExportTaskStatus));
  expect(running, `${label}: export task left running`).toEqual([]);
  const manifest = await manifestResult(request);
  const objects = await local.deps.archive.list(exportRoot(request.s3Prefix, request.exportTaskIdentifier));
  if (!manifest)
    expect(
      objects.map((o) => o.key),
      `${label}: objects of an unverified export left behind`,
    ).toEqual([]);
  if (local.backup.recoveryPoint(arn)?.deleted) {
    expect(manifest, `${label}: recovery point deleted without a complete, verified export`).toBe('complete');
  }
}

/** Task states on the path of an export that succeeds and deletes its recovery point. */
const HAPPY_PATH_TASKS = [
  EXPORT_STATES.describeSource,
  EXPORT_STATES.startExport,
  EXPORT_STATES.checkExport,
  EXPORT_STATES.verifyExport,
  EXPORT_STATES.writeManifest,
  EXPORT_STATES.deleteRecoveryPoint,
  EXPORT_STATES.confirmDeletion,
  EXPORT_STATES.recordOutcome,
];

/** The Tasks an RDS export runs (the others are the DynamoDB branch's). */
const EXPORT_TASK_NAMES_OF_RDS = new Set<string>(ACTION_TASKS.slice(0, ACTION_TASKS.indexOf('startRestore')));

const summary: { state: string; fault: string; execution: LocalExecution['status']; outcome?: string }[] = [];

describe('fault injection at every Task of the export workflow', () => {
  it('covers every Task state of the RDS branch (dynamoDbFaultInjection.test.ts covers the DynamoDB branch)', () => {
    const covered = new Set([...HAPPY_PATH_TASKS, EXPORT_STATES.cleanUp, EXPORT_STATES.recordFailure]);
    const dynamoDbOnly = new Set<string>(
      ACTION_TASKS.filter((t) => !EXPORT_TASK_NAMES_OF_RDS.has(t)).map((t) => TASK_STATES[t].state),
    );
    const all = TASK_STATE_FUNCTIONS.map((t) => t.state).filter(
      (s) => s !== EXPORT_STATES.recordNotExportable && !dynamoDbOnly.has(s),
    );
    expect(all.filter((s) => !covered.has(s as never))).toEqual([]);
  });

  it('runs the baseline: exported, verified, recovery point deleted', async () => {
    const { arn, request } = newRecoveryPoint();
    const run = await local.run({ request });
    expect(run.status, JSON.stringify(resultFor(arn))).toBe('SUCCEEDED');
    expect(resultFor(arn)).toMatchObject({ outcome: 'exported', deletion: { status: 'deleted' } });
    await assertSafe(arn, request, 'baseline');
  });

  for (const state of HAPPY_PATH_TASKS) {
    it(`retries a transient fault at ${state} and ends as without it`, async () => {
      const { arn, request } = newRecoveryPoint();
      const run = await local.run({ request }, { intercept: transientOnce(state) });
      summary.push({ state, fault: 'transient', execution: run.status, outcome: resultFor(arn)?.outcome });
      expect(run.status, JSON.stringify(resultFor(arn))).toBe('SUCCEEDED');
      expect(run.retries).toBeGreaterThanOrEqual(1);
      expect(resultFor(arn)).toMatchObject({ outcome: 'exported', deletion: { status: 'deleted' } });
      await assertSafe(arn, request, `transient at ${state}`);
    });
  }

  for (const state of HAPPY_PATH_TASKS) {
    it(`handles a permanent fault at ${state} safely and says so`, async () => {
      const { arn, request } = newRecoveryPoint();
      const run = await local.run({ request }, { intercept: permanent(state) });
      const result = resultFor(arn);
      summary.push({ state, fault: 'permanent', execution: run.status, outcome: result?.outcome });
      await assertSafe(arn, request, `permanent at ${state}`);
      if (state === EXPORT_STATES.confirmDeletion) {
        // The export is verified; only the confirmation failed: reported, not a failed export.
        expect(run.status).toBe('SUCCEEDED');
        expect(result).toMatchObject({ outcome: 'exported', deletion: { status: 'not-deleted' } });
        expect(result?.deletion?.reason).toContain('not confirmed');
        return;
      }
      expect(run.status).toBe('FAILED');
      expect(run.path).toContain(EXPORT_STATES.cleanUp);
      if (state === EXPORT_STATES.deleteRecoveryPoint) {
        // Verified before the fault: the export stands, the deletion failed and says why.
        expect(run.status).toBe('FAILED');
        expect(result).toMatchObject({ outcome: 'exported', deletion: { status: 'not-deleted' } });
        expect(result?.deletion?.reason).toContain('refused for good');
        expect(local.backup.recoveryPoint(arn)?.deleted).toBe(false);
        return;
      }
      if (state === EXPORT_STATES.recordOutcome) {
        // Record outcome failed: Record failure (the same function, another state) still reports it.
        expect(run.path).toContain(EXPORT_STATES.recordFailure);
        expect(result).toBeDefined();
        return;
      }
      expect(result, 'a notification for the failure').toMatchObject({ outcome: 'failed', failedStep: state });
      expect(result?.cause).toContain('refused for good');
      if (state === EXPORT_STATES.verifyExport || state === EXPORT_STATES.writeManifest) {
        // The export had written its Parquet: cleanup removed it (and says how much).
        expect(result?.cleanup?.objectsDeleted).toBeGreaterThan(0);
      }
      const verifiedBefore = [EXPORT_STATES.deleteRecoveryPoint, EXPORT_STATES.confirmDeletion].includes(
        state as never,
      );
      if (!verifiedBefore) expect(local.backup.recoveryPoint(arn)?.deleted, 'recovery point kept').toBe(false);
    });
  }

  it('still notifies, naming the cleanup failure, when cleanup itself fails for good', async () => {
    const { arn, request } = newRecoveryPoint();
    const run = await local.run(
      { request },
      {
        intercept: (state, task, input, call) =>
          state === EXPORT_STATES.checkExport || state === EXPORT_STATES.cleanUp
            ? permanent(state)(state, task, input, call)
            : call(),
      },
    );
    expect(run.status).toBe('FAILED');
    const result = resultFor(arn);
    expect(result).toMatchObject({ outcome: 'failed', failedStep: EXPORT_STATES.checkExport });
    expect(result?.warnings.join(' ')).toContain('cleanup failed');
    expect(local.backup.recoveryPoint(arn)?.deleted).toBe(false);
    await local.rds.idle();
  });

  it('fails the execution without a notification only when recording the failure itself fails', async () => {
    const { arn, request } = newRecoveryPoint();
    const run = await local.run(
      { request },
      {
        intercept: (state, task, input, call) =>
          state === EXPORT_STATES.startExport || state === EXPORT_STATES.recordFailure
            ? permanent(state)(state, task, input, call)
            : call(),
      },
    );
    expect(run.status).toBe('FAILED');
    expect(run.error).toBeDefined();
    expect(resultFor(arn)).toBeUndefined();
    await assertSafe(arn, request, 'record failure broken');
  });

  it('cancels a running export and removes what it wrote when polling fails for good', async () => {
    const { arn, request } = newRecoveryPoint();
    // Slow tables: the task is still writing when the fault hits.
    const run = await local.run({ request }, { intercept: permanent(EXPORT_STATES.checkExport), pollMs: 5 });
    expect(run.status).toBe('FAILED');
    await assertSafe(arn, request, 'cancel during export');
    const task = local.rds.exportTasks().find((t) => t.sourceArn === arn);
    expect(['CANCELED', 'COMPLETE']).toContain(task?.status);
  });

  it('queues a sixth concurrent export until a slot frees, never failing it', async () => {
    const points = Array.from({ length: 7 }, () => newRecoveryPoint());
    let mostActive = 0;
    const runs = await Promise.all(
      points.map(({ request }) =>
        local.run(
          { request },
          {
            slotRetryMs: 60,
            onState: () => {
              mostActive = Math.max(mostActive, local.rds.activeExportCount());
            },
          },
        ),
      ),
    );
    expect(mostActive).toBeLessThanOrEqual(5);
    for (const [i, run] of runs.entries()) {
      expect(run.status, JSON.stringify(resultFor(points[i]!.arn))).toBe('SUCCEEDED');
    }
    expect(runs.some((r) => r.retries > 0)).toBe(true);
    for (const { arn, request } of points) await assertSafe(arn, request, 'queued');
  });

  it('ran both kinds of fault at every Task of the happy path', () => {
    expect(summary.length).toBe(HAPPY_PATH_TASKS.length * 2);
  });
});

describe('an execution that ends without its Catch blocks (aborted, timed out)', () => {
  it('is cleaned up and reported by the sweeper, once', async () => {
    const { ExecutionSweeper } = await import('../../../src/functions/actions/ExecutionSweeper.js');
    const { arn, request } = newRecoveryPoint();
    const input = { request };
    const run = await local.run(input, { abortAt: EXPORT_STATES.checkExport });
    expect(run.status).toBe('FAILED');
    expect(resultFor(arn)).toBeUndefined();
    const sweeper = new ExecutionSweeper(local.deps, local.ledger);
    const detail = {
      executionArn: 'arn:aws:states:eu-west-1:111122223333:execution:x:y',
      status: 'ABORTED',
      input: JSON.stringify(input),
    };
    let swept: Awaited<ReturnType<typeof sweeper.sweep>> | undefined;
    // The queue redelivers while the cancelled export is still stopping (CleanupPending).
    for (let attempt = 0; attempt < 50 && !swept; attempt++) {
      try {
        swept = await sweeper.sweep(detail);
      } catch (error) {
        expect((error as Error).name).toBe(ACTION_ERRORS.cleanupPending);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    expect(swept).toEqual({ swept: true, status: 'ABORTED' });
    expect(resultFor(arn)).toMatchObject({ outcome: 'failed', failedStep: 'Execution ABORTED' });
    await assertSafe(arn, request, 'aborted');
    expect(await sweeper.sweep(detail)).toMatchObject({ swept: false });
  });
});

describe('fault injection on the not-exportable path', () => {
  function sqlServerPoint(): { arn: string; request: ExportRequest } {
    const { arn, request } = newRecoveryPoint();
    // Same request, but the snapshot behind it is SQL Server: RDS cannot export it.
    const sqlArn = local.rds.addSnapshot({
      kind: 'db',
      identifier: `awsbackup:job-sqlserver-${counter}`,
      sourceIdentifier: `erp-${counter}`,
      engine: 'sqlserver-se',
    });
    local.backup.addRecoveryPoint({
      vault: 'prod-daily',
      recoveryPointArn: sqlArn,
      resourceArn: `arn:aws:rds:${REGION}:${ACCOUNT}:db:erp-${counter}`,
      resourceType: 'RDS',
      resourceName: `erp-${counter}`,
    });
    void arn;
    return { arn: sqlArn, request: { ...request, recoveryPointArn: sqlArn } };
  }

  it('retries a transient fault at Record not exportable', async () => {
    const { arn, request } = sqlServerPoint();
    const run = await local.run({ request }, { intercept: transientOnce(EXPORT_STATES.recordNotExportable) });
    expect(run.status).toBe('SUCCEEDED');
    expect(run.retries).toBeGreaterThanOrEqual(1);
    expect(resultFor(arn)).toMatchObject({ outcome: 'not-exportable' });
    await assertSafe(arn, request, 'transient at Record not exportable');
  });

  it('reports a permanent fault at Record not exportable through Record failure', async () => {
    const { arn, request } = sqlServerPoint();
    const run = await local.run({ request }, { intercept: permanent(EXPORT_STATES.recordNotExportable) });
    expect(run.status).toBe('FAILED');
    expect(run.path).toContain(EXPORT_STATES.recordFailure);
    expect(resultFor(arn)).toMatchObject({ outcome: 'failed', failedStep: EXPORT_STATES.recordNotExportable });
    expect(local.backup.recoveryPoint(arn)?.deleted).toBe(false);
    await assertSafe(arn, request, 'permanent at Record not exportable');
  });
});
