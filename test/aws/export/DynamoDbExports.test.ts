/**
 * The DynamoDB export path's AWS calls, against the stand-ins with the real SDK clients: restore the recovery
 * point to a temporary table, turn on PITR, export it in DynamoDB JSON to S3, convert that export to Parquet
 * from S3 (the converter's S3 location) and back, and delete the temporary table.
 */
import { BackupClient } from '@aws-sdk/client-backup';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BackupStandIn, startBackupStandIn } from '../../../sandbox/backup/startBackupStandIn.js';
import { type DynamoDbStandIn, startDynamoDbStandIn } from '../../../sandbox/dynamodb/startDynamoDbStandIn.js';
import { type S3StandIn, startS3StandIn } from '../../../sandbox/s3/startS3StandIn.js';
import { convertDynamoDbExport, convertParquetToDynamoDb } from '../../../src/archive/dynamodb/index.js';
import { S3ConvertLocation } from '../../../src/aws/dynamodb/S3ConvertLocation.js';
import { DynamoDbExports } from '../../../src/aws/export/dynamodb/DynamoDbExports.js';
import { createS3Client } from '../../../src/aws/s3/createS3Client.js';

const REGION = 'eu-west-1';
const ACCOUNT = '111122223333';
const BUCKET = 'vaultpilot-archive';
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

let s3: S3StandIn;
let dynamo: DynamoDbStandIn;
let backup: BackupStandIn;
let exports: DynamoDbExports;
let s3Client: ReturnType<typeof createS3Client>;

const items = Array.from({ length: 40 }, (_, i) => ({
  pk: { S: `order-${i}` },
  total: { N: `${i}.50` },
  tags: { SS: ['a', `t${i}`] },
  detail: { M: { lines: { L: [{ N: '1' }, { S: 'x' }] }, paid: { BOOL: i % 2 === 0 } } },
  ...(i % 3 === 0 ? { note: { NULL: true } } : { note: { S: `note ${i}` } }),
}));

beforeAll(async () => {
  s3 = await startS3StandIn({ buckets: [BUCKET] });
  dynamo = await startDynamoDbStandIn({
    s3: { endpoint: s3.endpoint, region: REGION },
    timing: { pitrEnablingMs: 20, exportMs: 20 },
    itemsPerDataFile: 15,
  });
  backup = await startBackupStandIn({ accountId: ACCOUNT, region: REGION, restoreMs: 20 });
  backup.onDynamoDbRestore((restore) => dynamo.restoreTable(restore));
  const options = { region: REGION, credentials, maxAttempts: 1 };
  exports = new DynamoDbExports(
    new BackupClient({ ...options, endpoint: backup.endpoint }),
    new DynamoDBClient({ ...options, endpoint: dynamo.endpoint }),
  );
  // The converter's own S3 client settings (streamed uploads without aws-chunked framing against a custom endpoint).
  s3Client = createS3Client({ region: REGION, credentials, endpoint: s3.endpoint, forcePathStyle: true });
});

afterAll(async () => {
  await Promise.allSettled([dynamo?.close(), backup?.close()]);
  await s3?.close();
});

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('never finished');
}

describe('DynamoDbExports', () => {
  it('restores a recovery point, exports the temporary table, converts it losslessly and deletes the table', async () => {
    const recoveryPointArn = `arn:aws:backup:${REGION}:${ACCOUNT}:recovery-point:ddb-0001`;
    backup.addRecoveryPoint({
      vault: 'prod-daily',
      recoveryPointArn,
      resourceArn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/orders`,
      resourceType: 'DynamoDB',
      resourceName: 'orders',
      dynamoDbItems: items,
      keySchema: [{ attributeName: 'pk', keyType: 'HASH', attributeType: 'S' }],
    });
    const tableName = 'vp-tmp-orders-0001';
    const started = await exports.startRestore({
      recoveryPointArn,
      vault: 'prod-daily',
      targetTableName: tableName,
      iamRoleArn: `arn:aws:iam::${ACCOUNT}:role/vaultpilot-restore`,
      idempotencyToken: 'token-ddb-0001',
      tags: { 'vaultpilot:temporary': 'true' },
    });
    const restored = await until(
      () => exports.describeRestore(started.restoreJobId),
      (r) => r.status === 'COMPLETED' || r.status === 'FAILED',
    );
    expect(restored).toMatchObject({ status: 'COMPLETED', createdResourceArn: expect.stringContaining(tableName) });

    await until(
      () => exports.enablePitr(tableName),
      (enabled) => enabled,
    );
    const start = {
      tableArn: restored.createdResourceArn!,
      bucket: BUCKET,
      prefix: 'exports/dynamodb/orders/run-1',
      clientToken: 'token-ddb-0001',
    };
    const first = await exports.startTableExport(start);
    // The same ClientToken and parameters: the same export (a retried Task does not start a second one).
    expect((await exports.startTableExport(start)).exportArn).toBe(first.exportArn);
    const finished = await until(
      () => exports.describeTableExport(first.exportArn),
      (e) => e.status !== 'IN_PROGRESS',
    );
    expect(finished).toMatchObject({ status: 'COMPLETED', itemCount: 40 });
    expect(finished.manifestSummaryKey).toMatch(/AWSDynamoDB\/.+\/manifest-summary\.json$/);

    const exportFolder = finished.manifestSummaryKey!.replace(/manifest-summary\.json$/, '');
    const converted = await convertDynamoDbExport({
      source: new S3ConvertLocation(s3Client, BUCKET, exportFolder),
      destination: new S3ConvertLocation(s3Client, BUCKET, 'exports/dynamodb/orders/run-1/parquet/'),
      keys: { partitionKey: 'pk' },
      concurrency: 2,
    });
    expect(converted.manifest).toMatchObject({ itemCount: 40 });
    await convertParquetToDynamoDb({
      source: new S3ConvertLocation(s3Client, BUCKET, 'exports/dynamodb/orders/run-1/parquet/'),
      destination: new S3ConvertLocation(s3Client, BUCKET, 'exports/dynamodb/orders/run-1/back/'),
      concurrency: 2,
      gzip: false,
    });

    expect(await exports.deleteTable(tableName)).toBe(true);
    expect(await exports.deleteTable(tableName)).toBe(false);
    expect(dynamo.deletedTables()).toContain(tableName);
  });

  it('refuses an export of a table without point-in-time recovery, by name', async () => {
    await dynamo.restoreTable({ tableName: 'no-pitr', items: [{ pk: { S: 'a' } }] });
    await expect(
      exports.startTableExport({
        tableArn: dynamo.tableArn('no-pitr'),
        bucket: BUCKET,
        prefix: 'exports/x',
        clientToken: 'token-no-pitr',
      }),
    ).rejects.toMatchObject({ name: 'ExportRefused', message: expect.stringContaining('PointInTimeRecovery') });
  });

  it('reports a recovery point AWS Backup does not know as SourceNotFound', async () => {
    await expect(
      exports.startRestore({
        recoveryPointArn: `arn:aws:backup:${REGION}:${ACCOUNT}:recovery-point:missing`,
        vault: 'prod-daily',
        targetTableName: 'vp-tmp-missing',
        iamRoleArn: `arn:aws:iam::${ACCOUNT}:role/vaultpilot-restore`,
        idempotencyToken: 'token-missing',
      }),
    ).rejects.toMatchObject({ name: 'SourceNotFound' });
  });
});
