/**
 * The DynamoDB export path's Tasks in sequence against the stand-ins (AWS Backup restore jobs, DynamoDB's control
 * plane over dynalite, S3), with the real converter: the temporary table is gone afterwards on the success path
 * and on the failure path, and a failed attempt leaves no objects.
 */
import { BackupClient } from '@aws-sdk/client-backup';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BackupStandIn, startBackupStandIn } from '../../../sandbox/backup/startBackupStandIn.js';
import { type DynamoDbStandIn, startDynamoDbStandIn } from '../../../sandbox/dynamodb/startDynamoDbStandIn.js';
import { type S3StandIn, startS3StandIn } from '../../../sandbox/s3/startS3StandIn.js';
import { S3ConvertLocation } from '../../../src/aws/dynamodb/S3ConvertLocation.js';
import { ArchiveObjects } from '../../../src/aws/export/ArchiveObjects.js';
import { DynamoDbExports } from '../../../src/aws/export/dynamodb/DynamoDbExports.js';
import { RecoveryPoints } from '../../../src/aws/export/RecoveryPoints.js';
import { createS3Client } from '../../../src/aws/s3/createS3Client.js';
import type { ExportRequest, ExportState } from '../../../src/core/actions/exportWorkflow.js';
import {
  type ConversionDependencies,
  chooseColumns,
  convertFiles,
  finishConversion,
  planConversion,
  scanFiles,
} from '../../../src/functions/actions/conversionTasks.js';
import {
  checkRestore,
  checkTableExport,
  cleanUpDynamoDb,
  type DynamoDbTaskDependencies,
  deleteTemporaryTable,
  enablePitr,
  startRestore,
  startTableExport,
  temporaryTableName,
} from '../../../src/functions/actions/dynamoDbTasks.js';

const REGION = 'eu-west-1';
const ACCOUNT = '111122223333';
const BUCKET = 'vaultpilot-archive';
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

let s3: S3StandIn;
let dynamo: DynamoDbStandIn;
let backup: BackupStandIn;
let deps: DynamoDbTaskDependencies;
let conversion: ConversionDependencies;
let counter = 0;

beforeAll(async () => {
  s3 = await startS3StandIn({ buckets: [BUCKET] });
  dynamo = await startDynamoDbStandIn({
    s3: { endpoint: s3.endpoint, region: REGION },
    timing: { pitrEnablingMs: 15, exportMs: 15 },
    itemsPerDataFile: 10,
  });
  backup = await startBackupStandIn({ accountId: ACCOUNT, region: REGION, restoreMs: 15 });
  backup.onDynamoDbRestore((restore) => dynamo.restoreTable(restore));
  const options = { region: REGION, credentials, maxAttempts: 1 };
  const s3Client = createS3Client({ region: REGION, credentials, endpoint: s3.endpoint, forcePathStyle: true });
  const backupClient = new BackupClient({ ...options, endpoint: backup.endpoint });
  deps = {
    dynamodb: new DynamoDbExports(backupClient, new DynamoDBClient({ ...options, endpoint: dynamo.endpoint })),
    recoveryPoints: new RecoveryPoints(backupClient),
    archive: new ArchiveObjects(s3Client, BUCKET),
    restoreRoleArn: `arn:aws:iam::${ACCOUNT}:role/vaultpilot-restore`,
    exportKmsKeyArn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/00000000-0000-4000-8000-000000000000`,
    // The conversion steps here are in-process calls: a short quiet period before cleanup is done.
    cleanupQuietMs: 100,
  };
  conversion = {
    location: (prefix) => new S3ConvertLocation(s3Client, BUCKET, prefix),
    concurrency: 2,
    // Small batches: the 25 items in 3 data files make more than one.
    targetBatchBytes: 1,
  };
});

afterAll(async () => {
  await Promise.allSettled([dynamo?.close(), backup?.close()]);
  await s3?.close();
});

function newRecoveryPoint(count = 25): ExportRequest {
  counter += 1;
  const recoveryPointArn = `arn:aws:backup:${REGION}:${ACCOUNT}:recovery-point:ddb-task-${counter}`;
  backup.addRecoveryPoint({
    vault: 'prod-daily',
    recoveryPointArn,
    resourceArn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/orders-${counter}`,
    resourceType: 'DynamoDB',
    resourceName: `orders-${counter}`,
    dynamoDbItems: Array.from({ length: count }, (_, i) => ({
      pk: { S: `o-${i}` },
      sk: { N: String(i) },
      total: { N: `${i}.25` },
      items: { L: [{ M: { sku: { S: 'a' }, qty: { N: '2' } } }] },
    })),
    keySchema: [
      { attributeName: 'pk', keyType: 'HASH', attributeType: 'S' },
      { attributeName: 'sk', keyType: 'RANGE', attributeType: 'N' },
    ],
  });
  return {
    workflow: 'dynamodb-export-parquet',
    recoveryPointArn,
    resourceType: 'DynamoDB',
    vault: 'prod-daily',
    watchedVaults: ['prod-daily'],
    account: ACCOUNT,
    region: REGION,
    resourceName: `orders-${counter}`,
    trigger: 'test',
    fromBackup: true,
    deleteAfterExport: false,
    attempt: 1,
    exportTaskIdentifier: `vp-orders-${counter}-000000000000-1`,
    s3Prefix: `exports/account=${ACCOUNT}/region=${REGION}/type=dynamodb/resource=orders-${counter}/date=2026-11-20`,
    includeTags: [],
    excludeTags: [],
    sourcePatterns: [],
    requestedAt: '2026-11-20T03:00:00Z',
  };
}

const SOURCE = {
  exportable: true,
  engine: 'dynamodb',
  status: 'COMPLETED',
  encrypted: false,
  tags: {},
  vault: 'prod-daily',
  exportFrom: 'backup',
} as const;

/** Runs `task` until `done` says so (the workflow's Wait + Choice loop, compressed). */
async function poll<T>(run: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 300; i++) {
    try {
      const value = await run();
      if (done(value)) return value;
    } catch (error) {
      if ((error as Error).name !== 'PitrPending' && (error as Error).name !== 'CleanupPending') throw error;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('never finished');
}

async function tableGone(name: string): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (!(await dynamo.tables()).includes(name)) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return false;
}

describe('the DynamoDB export Tasks', () => {
  it('restore → PITR → export → convert → delete the temporary table', async () => {
    const request = newRecoveryPoint();
    let state: ExportState = { request, source: SOURCE };
    state = { ...state, restore: await startRestore(state, deps) };
    expect(state.restore?.tableName).toBe(temporaryTableName(request));
    const restore = await poll(
      () => checkRestore(state, deps),
      (r) => r.status === 'COMPLETED',
    );
    state = { ...state, restore };
    await poll(
      () => enablePitr(state, deps),
      (r) => r.enabled,
    );
    state = { ...state, tableExport: await startTableExport(state, deps) };
    // A retried start asks for the same export (the attempt's ClientToken).
    expect((await startTableExport(state, deps)).exportArn).toBe(state.tableExport?.exportArn);
    const tableExport = await poll(
      () => checkTableExport(state, deps),
      (e) => e.status !== 'IN_PROGRESS',
    );
    state = { ...state, tableExport };
    expect(tableExport).toMatchObject({
      status: 'COMPLETED',
      itemCount: 25,
      keys: { partitionKey: 'pk', sortKey: 'sk' },
    });
    const plan = await planConversion(state, conversion);
    expect(plan).toMatchObject({ files: 3, items: 25 });
    expect(plan.batches.length).toBeGreaterThan(1);
    state = { ...state, conversion: plan };
    for (const batch of plan.batches) await scanFiles({ ...state, batch }, conversion);
    await chooseColumns(state, conversion);
    for (const batch of plan.batches) await convertFiles({ ...state, batch }, conversion);
    const verification = await finishConversion(state, conversion);
    expect(verification).toMatchObject({ complete: true, objects: 3 });
    expect(verification.detailKey).toMatch(/\/parquet\/vaultpilot-dynamodb-manifest\.json$/);
    expect(await deleteTemporaryTable(state, deps)).toEqual({ deleted: true, tableName: temporaryTableName(request) });
    expect(await tableGone(temporaryTableName(request))).toBe(true);
  });

  it('cleans up after a failed table export: the temporary table and every object of the attempt are gone', async () => {
    const request = newRecoveryPoint(12);
    let state: ExportState = { request, source: SOURCE };
    state = { ...state, restore: await startRestore(state, deps) };
    state = {
      ...state,
      restore: await poll(
        () => checkRestore(state, deps),
        (r) => r.status === 'COMPLETED',
      ),
    };
    await poll(
      () => enablePitr(state, deps),
      (r) => r.enabled,
    );
    dynamo.corruptExport(state.restore!.tableArn!);
    state = { ...state, tableExport: await startTableExport(state, deps) };
    state = {
      ...state,
      tableExport: await poll(
        () => checkTableExport(state, deps),
        (e) => e.status !== 'IN_PROGRESS',
      ),
    };
    // A data file that does not match DynamoDB's manifest: the scan of its batch refuses it.
    state = { ...state, conversion: await planConversion(state, conversion) };
    const scans = await Promise.allSettled(
      state.conversion!.batches.map((batch) => scanFiles({ ...state, batch }, conversion)),
    );
    expect(scans.some((s) => s.status === 'rejected' && (s.reason as Error).name === 'VerificationFailed')).toBe(true);
    const cleanup = await poll(
      () => cleanUpDynamoDb({ ...state, failedStep: 'Scan files' }, deps),
      () => true,
    );
    expect(cleanup.temporaryTableDeleted).toBe(true);
    expect(cleanup.objectsDeleted).toBeGreaterThan(0);
    expect(cleanup.leftBehind).toEqual([]);
    expect(await tableGone(temporaryTableName(request))).toBe(true);
  });

  it('waits for a restore still running before cleaning up, then deletes what it made', async () => {
    const request = newRecoveryPoint(3);
    const state: ExportState = {
      request,
      source: SOURCE,
      restore: await startRestore({ request, source: SOURCE }, deps),
    };
    // Right after the start the job runs: cleanup says CleanupPending until it has completed.
    await expect(cleanUpDynamoDb(state, deps)).rejects.toMatchObject({ name: 'CleanupPending' });
    const cleanup = await poll(
      () => cleanUpDynamoDb(state, deps),
      () => true,
    );
    expect(cleanup.temporaryTableDeleted).toBe(true);
    expect(await tableGone(temporaryTableName(request))).toBe(true);
  });
});
