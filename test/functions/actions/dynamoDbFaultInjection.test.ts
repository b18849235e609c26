/**
 * The DynamoDB branch of the export workflow, run locally (the synthesized state machine with its two Map states,
 * the real Task functions and converter, AWS Backup / DynamoDB / S3 stand-ins that write AWS's export layout):
 * an export from the backup and one from the source table's PITR, read back item for item; then a fault at every
 * Task state of the branch and the shared tail. Over all of them, the two safety properties: no temporary table is
 * left behind (and no export still writing), no objects of an unverified attempt stay, and no recovery point is
 * deleted without a complete, verified export.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LOCAL_ACCOUNT as ACCOUNT,
  LOCAL_CENTRAL_ACCOUNT,
  type LocalActions,
  type LocalExecution,
  LOCAL_REGION as REGION,
  startLocalActions,
  TASK_STATE_FUNCTIONS,
} from '../../../sandbox/actions/localActions.js';
import { convertParquetToDynamoDb, LocalConvertLocation } from '../../../src/archive/dynamodb/index.js';
import { S3ConvertLocation } from '../../../src/aws/dynamodb/S3ConvertLocation.js';
import { exportRoot, MANIFEST_FILE } from '../../../src/core/actions/exportManifest.js';
import { ACTION_ERRORS, EXPORT_STATES, type ExportRequest } from '../../../src/core/actions/exportWorkflow.js';
import { ActionsSchema } from '../../../src/core/config/actionsSchema.js';
import { TEMPORARY_TABLE_PREFIX } from '../../../src/functions/actions/dynamoDbTasks.js';
import { permanent, resultFor as resultOf, transientOnce } from './faults.js';

const actions = ActionsSchema.parse({ enabled: true, vaults: [{ name: 'prod-daily' }] });

let local: LocalActions;
let counter = 0;

beforeAll(async () => {
  // 5 items per data file and 1-byte batches: every data file is a batch of its own, the Maps run several.
  local = await startLocalActions({ actions, itemsPerDataFile: 5, conversionBatchBytes: 1 });
  local.backup.addVault('prod-daily');
});

afterAll(async () => {
  await local?.close();
});

type Item = Record<string, unknown>;

/**
 * Items of every DynamoDB type, nesting and awkward name (and one top-level attribute of mixed types). Numbers are
 * spelled as DynamoDB stores them (it trims leading and trailing zeros: `1.50` comes back `1.5`, from AWS and the
 * stand-in alike), so the round trip can be compared exactly.
 */
function itemsOf(count: number): Item[] {
  return Array.from({ length: count }, (_, i) => ({
    pk: { S: `order-${i}` },
    sk: { N: String(i) },
    total: { N: i % 3 === 0 ? '12345678901234567890123456789012345678' : `${i}.5` },
    'shipping address': { M: { city: { S: 'Lyon' }, lines: { L: [{ S: '1 rue' }, { NULL: true }] } } },
    tags: { SS: ['a', `t${i}`] },
    sizes: { NS: ['1', '2.5', `-${i + 1}`, '0.000000000000000000000000000000000000012345'] },
    blobs: { BS: ['AAE=', 'AgM='] },
    raw: { B: 'AAECAwQ=' },
    paid: { BOOL: i % 2 === 0 },
    note: i % 4 === 0 ? { NULL: true } : { S: '' },
    mixed: i % 2 === 0 ? { S: 'text' } : { N: '7' },
    deep: { M: { a: { M: { b: { L: [{ M: { c: { N: '-0.001' } } }] } } } } },
  }));
}

function newRecoveryPoint(
  options: {
    count?: number;
    exportFrom?: 'backup' | 'source-pitr';
    deleteAfterExport?: boolean;
    restoreMs?: number;
  } = {},
): { arn: string; request: ExportRequest; items: Item[]; tableArn: string } {
  counter += 1;
  const table = `orders-${counter}`;
  const arn = `arn:aws:backup:${REGION}:${ACCOUNT}:recovery-point:ddb-fault-${counter}`;
  const tableArn = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${table}`;
  const items = itemsOf(options.count ?? 17);
  local.backup.addRecoveryPoint({
    vault: 'prod-daily',
    recoveryPointArn: arn,
    resourceArn: tableArn,
    resourceType: 'DynamoDB',
    resourceName: table,
    dynamoDbItems: items,
    ...(options.restoreMs ? { restoreMs: options.restoreMs } : {}),
    keySchema: [
      { attributeName: 'pk', keyType: 'HASH', attributeType: 'S' },
      { attributeName: 'sk', keyType: 'RANGE', attributeType: 'N' },
    ],
  });
  const request: ExportRequest = {
    workflow: 'dynamodb-export-parquet',
    recoveryPointArn: arn,
    resourceType: 'DynamoDB',
    dynamoDbExportFrom: options.exportFrom ?? 'backup',
    vault: 'prod-daily',
    watchedVaults: ['prod-daily'],
    account: ACCOUNT,
    region: REGION,
    resourceName: table,
    trigger: 'backup job COMPLETED',
    fromBackup: true,
    deleteAfterExport: options.deleteAfterExport ?? true,
    attempt: 1,
    exportTaskIdentifier: `vp-${table}-ddbfault${String(counter).padStart(4, '0')}-1`,
    s3Prefix: `exports/account=${ACCOUNT}/region=${REGION}/type=dynamodb/resource=${table}/date=2026-12-04`,
    includeTags: [],
    excludeTags: [],
    sourcePatterns: [],
    requestedAt: '2026-12-04T03:00:00Z',
  };
  return { arn, request, items, tableArn };
}

const resultFor = (arn: string) => resultOf(local, arn);

async function manifestOf(request: ExportRequest): Promise<Record<string, unknown> | undefined> {
  try {
    const key = `${exportRoot(request.s3Prefix, request.exportTaskIdentifier)}${MANIFEST_FILE}`;
    const out = await local.s3Client.send(new GetObjectCommand({ Bucket: local.bucket, Key: key }));
    return JSON.parse(await out.Body!.transformToString()) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

async function temporaryTables(): Promise<string[]> {
  // Deleting a table takes dynalite a moment: look until it is gone (at most ~1 s).
  for (let i = 0; i < 50; i++) {
    const left = (await local.dynamodb.tables()).filter((t) => t.startsWith(TEMPORARY_TABLE_PREFIX));
    if (left.length === 0) return [];
    await new Promise((r) => setTimeout(r, 20));
  }
  return (await local.dynamodb.tables()).filter((t) => t.startsWith(TEMPORARY_TABLE_PREFIX));
}

/** The safety properties for one execution. */
async function assertSafe(arn: string, request: ExportRequest, label: string) {
  await local.dynamodb.idle();
  expect(await temporaryTables(), `${label}: temporary table left behind`).toEqual([]);
  const manifest = await manifestOf(request);
  const objects = await local.deps.archive.list(exportRoot(request.s3Prefix, request.exportTaskIdentifier));
  if (!manifest) {
    expect(
      objects.map((o) => o.key),
      `${label}: objects of an unverified export left behind`,
    ).toEqual([]);
  }
  if (local.backup.recoveryPoint(arn)?.deleted) {
    expect(manifest?.result, `${label}: recovery point deleted without a complete, verified export`).toBe('complete');
  }
}

/** The archive's Parquet converted back to DynamoDB JSON: the items, as DynamoDB's ImportTable would read them. */
async function itemsReadBack(request: ExportRequest): Promise<Item[]> {
  const dir = await mkdtemp(join(tmpdir(), 'vp-ddb-back-'));
  try {
    const parquet = `${exportRoot(request.s3Prefix, request.exportTaskIdentifier)}parquet/`;
    await convertParquetToDynamoDb({
      source: new S3ConvertLocation(local.s3Client, local.bucket, parquet),
      destination: new LocalConvertLocation(dir),
      concurrency: 2,
    });
    const items: Item[] = [];
    for (const name of (await readdir(join(dir, 'data'))).sort()) {
      const bytes = await readFile(join(dir, 'data', name));
      const text = name.endsWith('.gz') ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
      for (const line of text.split('\n').filter(Boolean)) items.push((JSON.parse(line) as { Item: Item }).Item);
    }
    return items;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Sets compare as sets (DynamoDB does not keep their order). */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, ['SS', 'NS', 'BS'].includes(k) ? [...(v as string[])].sort() : canonical(v)]),
    );
  }
  return value;
}

function byKey(items: Item[]): Item[] {
  return items.map((i) => canonical(i) as Item).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

/** The temporary table of a Task's input state. */
function restoredTable(input: unknown): string {
  const table = (input as { restore?: { tableArn?: string } }).restore?.tableArn;
  if (!table) throw new Error('no restored table in the state');
  return table;
}

/** Task states on the path of a DynamoDB export from the backup that succeeds and deletes its recovery point. */
const HAPPY_PATH_TASKS = [
  EXPORT_STATES.describeSource,
  EXPORT_STATES.startRestore,
  EXPORT_STATES.checkRestore,
  EXPORT_STATES.enablePitr,
  EXPORT_STATES.startTableExport,
  EXPORT_STATES.checkTableExport,
  EXPORT_STATES.deleteTemporaryTable,
  EXPORT_STATES.planConversion,
  EXPORT_STATES.scanBatch,
  EXPORT_STATES.chooseColumns,
  EXPORT_STATES.convertBatch,
  EXPORT_STATES.finishConversion,
  EXPORT_STATES.writeManifest,
  EXPORT_STATES.deleteRecoveryPoint,
  EXPORT_STATES.confirmDeletion,
  EXPORT_STATES.recordOutcome,
];

/** The Task states only the RDS branch has (its own fault-injection suite covers them). */
const RDS_ONLY = [EXPORT_STATES.startExport, EXPORT_STATES.checkExport, EXPORT_STATES.verifyExport];
/** … and those only the EBS branch has (ebsFaultInjection.test.ts). */
const EBS_ONLY = [
  EXPORT_STATES.planArchive,
  EXPORT_STATES.archiveShard,
  EXPORT_STATES.verifyShard,
  EXPORT_STATES.mergeArchive,
];

describe('the DynamoDB export workflow, locally', () => {
  it('exports the backup through a temporary table to Parquet that gives back every item', async () => {
    const { arn, request, items } = newRecoveryPoint({ count: 23 });
    const run = await local.run({ request });
    const result = resultFor(arn);
    expect(run.status, JSON.stringify(result)).toBe('SUCCEEDED');
    expect(result).toMatchObject({
      workflow: 'dynamodb-export-parquet',
      outcome: 'exported',
      resourceType: 'DynamoDB',
      deletion: { status: 'deleted' },
      archiveUri: `s3://${local.bucket}/${exportRoot(request.s3Prefix, request.exportTaskIdentifier)}`,
    });
    expect(run.path).toContain(EXPORT_STATES.startRestore);
    // 23 items at 5 per data file: 5 files, 5 batches, each scanned and converted once.
    expect(run.path.filter((s) => s === EXPORT_STATES.scanBatch)).toHaveLength(5);
    expect(run.path.filter((s) => s === EXPORT_STATES.convertBatch)).toHaveLength(5);
    const manifest = (await manifestOf(request)) as {
      result: string;
      export: { dynamodb: { exportFrom: string; itemCount: number } };
      tables: { objects: unknown[] }[];
    };
    expect(manifest.result).toBe('complete');
    expect(manifest.export.dynamodb).toMatchObject({ exportFrom: 'backup', itemCount: 23 });
    expect(manifest.tables[0]?.objects).toHaveLength(5);
    // The archive bucket is another account's: the export names its owner, as DynamoDB requires.
    expect(local.dynamodb.exports().find((e) => e.s3Prefix?.startsWith(request.s3Prefix))?.s3BucketOwner).toBe(
      LOCAL_CENTRAL_ACCOUNT,
    );
    expect(byKey(await itemsReadBack(request))).toEqual(byKey(items));
    await assertSafe(arn, request, 'from the backup');
  });

  it("exports the source table's PITR at the backup's creation time when asked and possible: no restore", async () => {
    const { arn, request, items, tableArn } = newRecoveryPoint({ exportFrom: 'source-pitr', deleteAfterExport: false });
    // The source table exists, with PITR on since before the backup.
    await local.dynamodb.restoreTable({
      tableName: tableArn.split('/').pop()!,
      keySchema: [
        { attributeName: 'pk', keyType: 'HASH', attributeType: 'S' },
        { attributeName: 'sk', keyType: 'RANGE', attributeType: 'N' },
      ],
      items,
    });
    local.dynamodb.setPointInTimeRecovery(tableArn.split('/').pop()!, {
      enabled: true,
      earliestRestorableDateTime: new Date(Date.now() - 3_600_000),
    });
    const run = await local.run({ request });
    expect(run.status, JSON.stringify(resultFor(arn))).toBe('SUCCEEDED');
    expect(run.path).not.toContain(EXPORT_STATES.startRestore);
    expect(resultFor(arn)).toMatchObject({ outcome: 'exported', deletion: { status: 'kept' } });
    const manifest = (await manifestOf(request)) as {
      export: { dynamodb: { exportFrom: string; exportTime?: string } };
    };
    expect(manifest.export.dynamodb.exportFrom).toBe('source-pitr');
    expect(manifest.export.dynamodb.exportTime).toBeDefined();
    expect(byKey(await itemsReadBack(request))).toEqual(byKey(items));
    await assertSafe(arn, request, 'source-pitr');
  });

  it('falls back to the backup, and says why, when the source table has no PITR', async () => {
    const { arn, request } = newRecoveryPoint({ exportFrom: 'source-pitr', deleteAfterExport: false, count: 4 });
    const run = await local.run({ request });
    expect(run.status).toBe('SUCCEEDED');
    expect(run.path).toContain(EXPORT_STATES.startRestore);
    const result = resultFor(arn);
    expect(result?.outcome).toBe('exported');
    expect(result?.warnings.join(' ')).toMatch(/source-pitr: .*no longer exists|PITR|point-in-time recovery is off/);
    await assertSafe(arn, request, 'source-pitr fallback');
  });

  it('records a restore that fails, cleans up, keeps the recovery point', async () => {
    const { arn, request } = newRecoveryPoint({ count: 3 });
    local.backup.failRestore(arn, 'injected: the restore failed');
    const run = await local.run({ request });
    expect(run.status).toBe('FAILED');
    expect(run.path).toContain(EXPORT_STATES.restoreFailed);
    expect(resultFor(arn)).toMatchObject({
      outcome: 'failed',
      failedStep: EXPORT_STATES.checkRestore,
      error: 'RestoreFailed',
    });
    expect(local.backup.recoveryPoint(arn)?.deleted).toBe(false);
    await assertSafe(arn, request, 'restore failed');
  });

  it('records a table export that fails, cleans up, keeps the recovery point', async () => {
    const { arn, request } = newRecoveryPoint({ count: 3 });
    const run = await local.run(
      { request },
      {
        // Exports started from now on fail: set just before Start table export runs.
        intercept: (state, _task, input, call) => {
          if (state === EXPORT_STATES.startTableExport) {
            local.dynamodb.failExport(restoredTable(input), 'injected: S3 refused the export');
          }
          return call();
        },
      },
    );
    expect(run.status).toBe('FAILED');
    expect(run.path).toContain(EXPORT_STATES.tableExportFailed);
    const result = resultFor(arn);
    expect(result).toMatchObject({ outcome: 'failed', failedStep: EXPORT_STATES.checkTableExport });
    expect(result?.cause).toContain('injected: S3 refused the export');
    await assertSafe(arn, request, 'table export failed');
  });

  it('refuses an export whose data file does not match DynamoDB’s manifest, deletes nothing it should keep', async () => {
    const { arn, request } = newRecoveryPoint({ count: 12 });
    const run = await local.run(
      { request },
      {
        intercept: (state, _task, input, call) => {
          if (state === EXPORT_STATES.startTableExport) local.dynamodb.corruptExport(restoredTable(input));
          return call();
        },
      },
    );
    expect(run.status).toBe('FAILED');
    const result = resultFor(arn);
    expect(result).toMatchObject({
      outcome: 'failed',
      failedStep: EXPORT_STATES.scanFiles,
      error: 'VerificationFailed',
    });
    expect(local.backup.recoveryPoint(arn)?.deleted).toBe(false);
    await assertSafe(arn, request, 'corrupt data file');
  });
});

const summary: { state: string; fault: string; execution: LocalExecution['status']; outcome?: string }[] = [];

describe('fault injection at every Task of the DynamoDB export workflow', () => {
  it('covers every Task state of the workflow (with the RDS and EBS suites)', () => {
    const covered = new Set<string>([
      ...HAPPY_PATH_TASKS,
      ...RDS_ONLY,
      ...EBS_ONLY,
      EXPORT_STATES.cleanUp,
      EXPORT_STATES.recordFailure,
      EXPORT_STATES.recordNotExportable,
    ]);
    expect(TASK_STATE_FUNCTIONS.map((t) => t.state).filter((s) => !covered.has(s))).toEqual([]);
  });

  for (const state of HAPPY_PATH_TASKS) {
    it(`retries a transient fault at ${state} and ends as without it`, async () => {
      const { arn, request } = newRecoveryPoint({ count: 8 });
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
      const { arn, request } = newRecoveryPoint({ count: 8 });
      const run = await local.run({ request }, { intercept: permanent(state) });
      const result = resultFor(arn);
      summary.push({ state, fault: 'permanent', execution: run.status, outcome: result?.outcome });
      await assertSafe(arn, request, `permanent at ${state}`);
      if (state === EXPORT_STATES.confirmDeletion) {
        expect(run.status).toBe('SUCCEEDED');
        expect(result).toMatchObject({ outcome: 'exported', deletion: { status: 'not-deleted' } });
        return;
      }
      expect(run.status).toBe('FAILED');
      expect(run.path).toContain(EXPORT_STATES.cleanUp);
      if (state === EXPORT_STATES.deleteRecoveryPoint) {
        expect(result).toMatchObject({ outcome: 'exported', deletion: { status: 'not-deleted' } });
        expect(local.backup.recoveryPoint(arn)?.deleted).toBe(false);
        return;
      }
      if (state === EXPORT_STATES.recordOutcome) {
        expect(run.path).toContain(EXPORT_STATES.recordFailure);
        expect(result).toBeDefined();
        return;
      }
      // A fault inside a Map fails the Map state: the failure names it.
      const failedStep =
        state === EXPORT_STATES.scanBatch
          ? EXPORT_STATES.scanFiles
          : state === EXPORT_STATES.convertBatch
            ? EXPORT_STATES.convertFiles
            : state;
      expect(result, 'a notification for the failure').toMatchObject({ outcome: 'failed', failedStep });
      expect(result?.cause).toContain('refused for good');
      expect(local.backup.recoveryPoint(arn)?.deleted, 'recovery point kept').toBe(false);
    });
  }

  it('cleans up a temporary table whose restore was still running when the workflow failed', async () => {
    const { arn, request } = newRecoveryPoint({ count: 4 });
    // Check restore fails for good right after the start: the restore is still RUNNING; cleanup waits for it.
    const run = await local.run({ request }, { intercept: permanent(EXPORT_STATES.checkRestore), pollMs: 1 });
    expect(run.status).toBe('FAILED');
    expect(resultFor(arn)?.cleanup?.temporaryTableDeleted).toBe(true);
    await assertSafe(arn, request, 'restore running at failure');
  });

  it('ran both kinds of fault at every Task of the happy path', () => {
    expect(summary.length).toBe(HAPPY_PATH_TASKS.length * 2);
  });
});

describe('a DynamoDB execution that ends without its Catch blocks (aborted, timed out)', () => {
  for (const abortAt of [EXPORT_STATES.waitForRestore, EXPORT_STATES.scanFiles]) {
    it(`is cleaned up and reported by the sweeper from its input alone (aborted at ${abortAt})`, async () => {
      const { ExecutionSweeper } = await import('../../../src/functions/actions/ExecutionSweeper.js');
      // A slow restore: at the abort during Wait for restore, the restore job is still RUNNING.
      const { arn, request } = newRecoveryPoint({ count: 9, restoreMs: 400 });
      const input = { request };
      const run = await local.run(input, { abortAt });
      expect(run.status).toBe('FAILED');
      expect(resultFor(arn)).toBeUndefined();
      const sweeper = new ExecutionSweeper(local.deps, local.ledger);
      const detail = {
        executionArn: `arn:aws:states:${REGION}:${ACCOUNT}:execution:x:${request.exportTaskIdentifier}`,
        status: 'ABORTED',
        input: JSON.stringify(input),
      };
      let swept: Awaited<ReturnType<typeof sweeper.sweep>> | undefined;
      let pending = 0;
      // The queue redelivers while the restore is still running (CleanupPending).
      for (let attempt = 0; attempt < 100 && !swept; attempt++) {
        try {
          swept = await sweeper.sweep(detail);
        } catch (error) {
          expect((error as Error).name).toBe(ACTION_ERRORS.cleanupPending);
          pending += 1;
          await new Promise((r) => setTimeout(r, 10));
        }
      }
      expect(swept).toEqual({ swept: true, status: 'ABORTED' });
      if (abortAt === EXPORT_STATES.waitForRestore) expect(pending).toBeGreaterThan(0);
      expect(resultFor(arn)).toMatchObject({ outcome: 'failed', failedStep: 'Execution ABORTED' });
      await assertSafe(arn, request, `aborted at ${abortAt}`);
    });
  }
});
