/** The DynamoDB control-plane stand-in (with the AWS Backup stand-in's restores) against the real SDK clients. */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import {
  BackupClient,
  DescribeRestoreJobCommand,
  GetRecoveryPointRestoreMetadataCommand,
  StartRestoreJobCommand,
} from '@aws-sdk/client-backup';
import {
  type AttributeValue,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeContinuousBackupsCommand,
  DescribeExportCommand,
  DescribeTableCommand,
  DynamoDBClient,
  type DynamoDBServiceException,
  ExportConflictException,
  ExportNotFoundException,
  ExportTableToPointInTimeCommand,
  GetItemCommand,
  InvalidExportTimeException,
  ListExportsCommand,
  PointInTimeRecoveryUnavailableException,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TableNotFoundException,
  UpdateContinuousBackupsCommand,
} from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BackupStandIn, startBackupStandIn } from '../../sandbox/backup/startBackupStandIn.js';
import {
  type DynamoDbStandIn,
  type ItemJson,
  startDynamoDbStandIn,
} from '../../sandbox/dynamodb/startDynamoDbStandIn.js';
import { type S3StandIn, startS3StandIn } from '../../sandbox/s3/startS3StandIn.js';

const BUCKET = 'ddb-exports';
const RP_ARN = 'arn:aws:backup:eu-west-1:111122223333:recovery-point:0c7e1f52-1111-4222-8333-444455556666';
const SOURCE_ARN = 'arn:aws:dynamodb:eu-west-1:111122223333:table/orders';
const ITEMS: ItemJson[] = Array.from({ length: 60 }, (_, i) => ({
  pk: { S: `customer-${i % 6}` },
  sk: { N: String(i) },
  total: { N: `${i}.5` },
  tags: { SS: ['a', `t${i}`] },
  blob: { B: Buffer.from(`bytes-${i}`).toString('base64') },
  nested: { M: { ok: { BOOL: i % 2 === 0 }, none: { NULL: true }, list: { L: [{ S: 'x' }, { N: '1' }] } } },
}));

let s3StandIn: S3StandIn;
let dynamo: DynamoDbStandIn;
let backupStandIn: BackupStandIn;
let ddb: DynamoDBClient;
let backup: BackupClient;
let s3: S3Client;

const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > end) return value;
    await sleep(15);
  }
}

async function getText(key: string): Promise<Buffer> {
  const out = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await out.Body!.transformToByteArray());
}

async function createTable(name: string): Promise<string> {
  const out = await ddb.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    }),
  );
  return out.TableDescription!.TableArn!;
}

async function enablePitr(name: string): Promise<void> {
  await ddb.send(
    new UpdateContinuousBackupsCommand({
      TableName: name,
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    }),
  );
  await until(
    () => ddb.send(new DescribeContinuousBackupsCommand({ TableName: name })),
    (o) => o.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus === 'ENABLED',
  );
}

async function waitExport(exportArn: string) {
  const out = await until(
    () => ddb.send(new DescribeExportCommand({ ExportArn: exportArn })),
    (o) => o.ExportDescription?.ExportStatus !== 'IN_PROGRESS',
  );
  return out.ExportDescription!;
}

beforeAll(async () => {
  s3StandIn = await startS3StandIn({ buckets: [BUCKET] });
  dynamo = await startDynamoDbStandIn({
    s3: { endpoint: s3StandIn.endpoint },
    timing: { pitrEnablingMs: 40, exportMs: 30 },
    itemsPerDataFile: 25,
  });
  backupStandIn = await startBackupStandIn({ restoreMs: 30 });
  backupStandIn.onDynamoDbRestore((restore) => dynamo.restoreTable(restore));
  backupStandIn.addRecoveryPoint({
    vault: 'main',
    recoveryPointArn: RP_ARN,
    resourceArn: SOURCE_ARN,
    resourceType: 'DynamoDB',
    creationDate: new Date(Date.now() - 3_600_000),
    dynamoDbItems: ITEMS,
    keySchema: [
      { attributeName: 'pk', keyType: 'HASH', attributeType: 'S' },
      { attributeName: 'sk', keyType: 'RANGE', attributeType: 'N' },
    ],
  });
  ddb = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'eu-west-1', credentials, maxAttempts: 1 });
  backup = new BackupClient({ endpoint: backupStandIn.endpoint, region: 'eu-west-1', credentials, maxAttempts: 1 });
  s3 = new S3Client({
    endpoint: s3StandIn.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    forcePathStyle: true,
  });
});

afterAll(async () => {
  ddb?.destroy();
  backup?.destroy();
  s3?.destroy();
  await backupStandIn?.close();
  await dynamo?.close();
  await s3StandIn?.close();
});

/** The tables, once `name` is gone: dynalite finishes a DeleteTable a moment after answering it (DELETING). */
async function tablesOnceDeleted(name: string): Promise<string[]> {
  for (let i = 0; i < 100; i++) {
    const tables = [...(await dynamo.tables())];
    if (!tables.includes(name)) return tables;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return [...(await dynamo.tables())];
}

describe('the export path: restore → PITR → export → files → delete', () => {
  it('runs end to end with the real SDK clients', async () => {
    const meta = await backup.send(
      new GetRecoveryPointRestoreMetadataCommand({ BackupVaultName: 'main', RecoveryPointArn: RP_ARN }),
    );
    expect(meta.RestoreMetadata).toMatchObject({ targetTableName: 'orders', encryptionType: 'Default' });
    const temp = 'vp-export-orders-1';
    const start = () =>
      backup.send(
        new StartRestoreJobCommand({
          RecoveryPointArn: RP_ARN,
          Metadata: { ...meta.RestoreMetadata, targetTableName: temp },
          IamRoleArn: 'arn:aws:iam::111122223333:role/vaultpilot-restore',
          IdempotencyToken: 'restore-token-1',
          ResourceType: 'DynamoDB',
        }),
      );
    const { RestoreJobId } = await start();
    expect((await start()).RestoreJobId).toBe(RestoreJobId);
    const first = await backup.send(new DescribeRestoreJobCommand({ RestoreJobId }));
    expect(first.Status).toBe('RUNNING');
    const job = await until(
      () => backup.send(new DescribeRestoreJobCommand({ RestoreJobId })),
      (o) => o.Status !== 'RUNNING',
    );
    expect(job).toMatchObject({
      Status: 'COMPLETED',
      CreatedResourceArn: `arn:aws:dynamodb:eu-west-1:111122223333:table/${temp}`,
      ResourceType: 'DynamoDB',
      RecoveryPointArn: RP_ARN,
    });
    const tableArn = job.CreatedResourceArn!;
    const described = await ddb.send(new DescribeTableCommand({ TableName: temp }));
    expect(described.Table?.TableArn).toBe(tableArn);
    const scanned = await ddb.send(new ScanCommand({ TableName: temp, Select: 'COUNT' }));
    expect(scanned.Count).toBe(60);

    // PITR: DISABLED → ENABLING → ENABLED; export refused until ENABLED.
    const before = await ddb.send(new DescribeContinuousBackupsCommand({ TableName: temp }));
    expect(before.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus).toBe(
      'DISABLED',
    );
    const updated = await ddb.send(
      new UpdateContinuousBackupsCommand({
        TableName: temp,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      }),
    );
    expect(updated.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus).toBe(
      'ENABLING',
    );
    const exportInput = {
      TableArn: tableArn,
      S3Bucket: BUCKET,
      S3Prefix: 'dynamodb/orders',
      ExportFormat: 'DYNAMODB_JSON' as const,
      ExportType: 'FULL_EXPORT' as const,
      ClientToken: 'export-token-1',
    };
    await expect(ddb.send(new ExportTableToPointInTimeCommand(exportInput))).rejects.toBeInstanceOf(
      PointInTimeRecoveryUnavailableException,
    );
    await enablePitr(temp);
    const pitr = (await ddb.send(new DescribeContinuousBackupsCommand({ TableName: temp })))
      .ContinuousBackupsDescription?.PointInTimeRecoveryDescription;
    expect(pitr?.EarliestRestorableDateTime).toBeInstanceOf(Date);
    expect(pitr?.LatestRestorableDateTime?.getTime() ?? 0).toBeGreaterThanOrEqual(
      pitr?.EarliestRestorableDateTime?.getTime() ?? Number.POSITIVE_INFINITY,
    );

    const started = await ddb.send(new ExportTableToPointInTimeCommand(exportInput));
    expect(started.ExportDescription).toMatchObject({ ExportStatus: 'IN_PROGRESS', TableArn: tableArn });
    const again = await ddb.send(new ExportTableToPointInTimeCommand(exportInput));
    expect(again.ExportDescription?.ExportArn).toBe(started.ExportDescription?.ExportArn);
    await expect(
      ddb.send(new ExportTableToPointInTimeCommand({ ...exportInput, S3Prefix: 'elsewhere' })),
    ).rejects.toBeInstanceOf(ExportConflictException);

    const done = await waitExport(started.ExportDescription!.ExportArn!);
    expect(done).toMatchObject({ ExportStatus: 'COMPLETED', ItemCount: 60, ExportFormat: 'DYNAMODB_JSON' });
    const exportId = done.ExportArn!.split('/').pop()!;
    expect(done.ExportArn).toBe(`${tableArn}/export/${exportId}`);
    const base = `dynamodb/orders/AWSDynamoDB/${exportId}`;
    expect(done.ExportManifest).toBe(`${base}/manifest-summary.json`);

    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${base}/` }));
    const keys = (listed.Contents ?? []).map((o) => o.Key!).sort();
    expect(keys).toContain(`${base}/_started`);
    expect(keys).toContain(`${base}/manifest-files.json`);
    const summary = JSON.parse((await getText(`${base}/manifest-summary.json`)).toString('utf8'));
    expect(summary).toMatchObject({
      exportArn: done.ExportArn,
      tableArn,
      s3Bucket: BUCKET,
      s3Prefix: 'dynamodb/orders',
      manifestFilesS3Key: `${base}/manifest-files.json`,
      itemCount: 60,
      outputFormat: 'DYNAMODB_JSON',
      exportType: 'FULL_EXPORT',
    });
    const manifest = (await getText(`${base}/manifest-files.json`))
      .toString('utf8')
      .trim()
      .split('\n')
      .map(
        (line) => JSON.parse(line) as { itemCount: number; md5Checksum: string; etag: string; dataFileS3Key: string },
      );
    expect(manifest.length).toBe(3); // 60 items, 25 per file
    const read: ItemJson[] = [];
    for (const entry of manifest) {
      expect(entry.dataFileS3Key).toMatch(new RegExp(`^${base}/data/[a-z0-9]+\\.json\\.gz$`));
      const bytes = await getText(entry.dataFileS3Key);
      expect(createHash('md5').update(bytes).digest('base64')).toBe(entry.md5Checksum);
      const lines = gunzipSync(bytes).toString('utf8').trim().split('\n');
      expect(lines.length).toBe(entry.itemCount);
      for (const line of lines) read.push((JSON.parse(line) as { Item: ItemJson }).Item);
    }
    const byKey = (item: ItemJson) => `${JSON.stringify(item.pk)}${JSON.stringify(item.sk)}`;
    const sorted = (items: ItemJson[]) => [...items].sort((a, b) => byKey(a).localeCompare(byKey(b)));
    expect(sorted(read)).toEqual(sorted(ITEMS));

    const listedExports = await ddb.send(new ListExportsCommand({ TableArn: tableArn }));
    expect(listedExports.ExportSummaries).toEqual([
      { ExportArn: done.ExportArn, ExportStatus: 'COMPLETED', ExportType: 'FULL_EXPORT' },
    ]);

    await ddb.send(new DeleteTableCommand({ TableName: temp }));
    expect(dynamo.deletedTables()).toContain(temp);
    expect(await tablesOnceDeleted(temp)).not.toContain(temp);
  });

  it('fails a restore into an existing table, and on failRestore, as AWS does (a FAILED job)', async () => {
    await createTable('already-there');
    const { RestoreJobId } = await backup.send(
      new StartRestoreJobCommand({ RecoveryPointArn: RP_ARN, Metadata: { targetTableName: 'already-there' } }),
    );
    const job = await until(
      () => backup.send(new DescribeRestoreJobCommand({ RestoreJobId })),
      (o) => o.Status !== 'RUNNING',
    );
    expect(job).toMatchObject({ Status: 'FAILED', StatusMessage: 'Table already exists: already-there' });
    expect(job.CreatedResourceArn).toBeUndefined();

    backupStandIn.failRestore(RP_ARN, 'Access denied to the KMS key');
    const failed = await backup.send(
      new StartRestoreJobCommand({ RecoveryPointArn: RP_ARN, Metadata: { targetTableName: 'never-made' } }),
    );
    const failedJob = await until(
      () => backup.send(new DescribeRestoreJobCommand({ RestoreJobId: failed.RestoreJobId })),
      (o) => o.Status !== 'RUNNING',
    );
    expect(failedJob).toMatchObject({ Status: 'FAILED', StatusMessage: 'Access denied to the KMS key' });
    expect(await dynamo.tables()).not.toContain('never-made');
  });
});

describe('ExportTableToPointInTime rules', () => {
  it('exports from the source table PITR at a time inside the window; refuses times outside it', async () => {
    const arn = await createTable('source-pitr');
    await ddb.send(new PutItemCommand({ TableName: 'source-pitr', Item: { pk: { S: 'a' } } }));
    const earliest = new Date(Date.now() - 86_400_000);
    dynamo.setPointInTimeRecovery('source-pitr', { enabled: true, earliestRestorableDateTime: earliest });
    const base = { TableArn: arn, S3Bucket: BUCKET, ExportFormat: 'DYNAMODB_JSON' as const };
    const ok = await ddb.send(
      new ExportTableToPointInTimeCommand({ ...base, ExportTime: new Date(Date.now() - 3_600_000) }),
    );
    const done = await waitExport(ok.ExportDescription!.ExportArn!);
    expect(done).toMatchObject({ ExportStatus: 'COMPLETED', ItemCount: 1 });
    expect(done.ExportManifest).toMatch(/^AWSDynamoDB\/[0-9]{14}-[0-9a-f]{8}\/manifest-summary\.json$/);
    for (const time of [new Date(earliest.getTime() - 1000), new Date(Date.now() + 60_000)]) {
      await expect(ddb.send(new ExportTableToPointInTimeCommand({ ...base, ExportTime: time }))).rejects.toBeInstanceOf(
        InvalidExportTimeException,
      );
    }
    dynamo.setPointInTimeRecovery('source-pitr', { enabled: false });
    await expect(ddb.send(new ExportTableToPointInTimeCommand(base))).rejects.toBeInstanceOf(
      PointInTimeRecoveryUnavailableException,
    );
  });

  it('answers the SDK exceptions for unknown tables, exports and bad formats', async () => {
    await expect(
      ddb.send(
        new ExportTableToPointInTimeCommand({
          TableArn: 'arn:aws:dynamodb:eu-west-1:111122223333:table/nope',
          S3Bucket: BUCKET,
        }),
      ),
    ).rejects.toBeInstanceOf(TableNotFoundException);
    await expect(ddb.send(new DescribeContinuousBackupsCommand({ TableName: 'nope' }))).rejects.toBeInstanceOf(
      TableNotFoundException,
    );
    await expect(
      ddb.send(new DescribeExportCommand({ ExportArn: 'arn:aws:dynamodb:eu-west-1:111122223333:table/x/export/1' })),
    ).rejects.toBeInstanceOf(ExportNotFoundException);
    const arn = await createTable('formats');
    dynamo.setPointInTimeRecovery('formats', { enabled: true });
    const error = await ddb
      .send(
        new ExportTableToPointInTimeCommand({
          TableArn: arn,
          S3Bucket: BUCKET,
          ExportFormat: 'CSV' as 'ION',
        }),
      )
      .catch((e: DynamoDBServiceException) => e);
    expect((error as DynamoDBServiceException).name).toBe('ValidationException');
  });

  it('keeps a ClientToken for 8 hours of its clock, then starts a new export', async () => {
    let clock = Date.parse('2026-03-01T12:00:00Z');
    const timed = await startDynamoDbStandIn({
      s3: { endpoint: s3StandIn.endpoint },
      timing: { pitrEnablingMs: 0, exportMs: 1 },
      now: () => new Date(clock),
    });
    const client = new DynamoDBClient({ endpoint: timed.endpoint, region: 'eu-west-1', credentials, maxAttempts: 1 });
    try {
      await client.send(
        new CreateTableCommand({
          TableName: 'clocked',
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        }),
      );
      timed.setPointInTimeRecovery('clocked', { enabled: true, earliestRestorableDateTime: new Date(clock - 1000) });
      const input = { TableArn: timed.tableArn('clocked'), S3Bucket: BUCKET, ClientToken: 'same' };
      const first = await client.send(new ExportTableToPointInTimeCommand(input));
      clock += 8 * 3_600_000 - 1000;
      const second = await client.send(new ExportTableToPointInTimeCommand(input));
      expect(second.ExportDescription?.ExportArn).toBe(first.ExportDescription?.ExportArn);
      clock += 2000;
      const third = await client.send(new ExportTableToPointInTimeCommand({ ...input, S3Prefix: 'other' }));
      expect(third.ExportDescription?.ExportArn).not.toBe(first.ExportDescription?.ExportArn);
      await timed.idle();
      expect(timed.exports().map((e) => e.status)).toEqual(['COMPLETED', 'COMPLETED']);
    } finally {
      client.destroy();
      await timed.close();
    }
  });

  it('ends FAILED with S3NoSuchBucket for a missing bucket', async () => {
    const arn = await createTable('no-bucket');
    dynamo.setPointInTimeRecovery('no-bucket', { enabled: true });
    const out = await ddb.send(
      new ExportTableToPointInTimeCommand({ TableArn: arn, S3Bucket: 'missing-bucket', ClientToken: 't-nb' }),
    );
    expect(await waitExport(out.ExportDescription!.ExportArn!)).toMatchObject({
      ExportStatus: 'FAILED',
      FailureCode: 'S3NoSuchBucket',
    });
  });
});

describe('faults', () => {
  it('failExport → FAILED with FailureCode and FailureMessage; the caller still deletes the table', async () => {
    const arn = await createTable('fails');
    await enablePitr('fails');
    dynamo.failExport(arn, 'S3 write denied', 'S3AccessDenied');
    const out = await ddb.send(new ExportTableToPointInTimeCommand({ TableArn: arn, S3Bucket: BUCKET }));
    const done = await waitExport(out.ExportDescription!.ExportArn!);
    expect(done).toMatchObject({
      ExportStatus: 'FAILED',
      FailureCode: 'S3AccessDenied',
      FailureMessage: 'S3 write denied',
    });
    expect(done.ExportManifest).toBeUndefined();
    await ddb.send(new DeleteTableCommand({ TableName: 'fails' }));
    expect(await tablesOnceDeleted('fails')).not.toContain('fails');
  });

  it('corruptExport → a data file whose md5 does not match the manifest', async () => {
    const arn = await createTable('corrupt');
    await ddb.send(new PutItemCommand({ TableName: 'corrupt', Item: { pk: { S: 'a' }, v: { S: 'x'.repeat(200) } } }));
    dynamo.setPointInTimeRecovery('corrupt', { enabled: true });
    dynamo.corruptExport('corrupt');
    const out = await ddb.send(new ExportTableToPointInTimeCommand({ TableArn: arn, S3Bucket: BUCKET, S3Prefix: 'c' }));
    const done = await waitExport(out.ExportDescription!.ExportArn!);
    expect(done.ExportStatus).toBe('COMPLETED');
    const exportId = done.ExportArn!.split('/').pop()!;
    const [entry] = (await getText(`c/AWSDynamoDB/${exportId}/manifest-files.json`))
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { md5Checksum: string; dataFileS3Key: string });
    const bytes = await getText(entry!.dataFileS3Key);
    expect(createHash('md5').update(bytes).digest('base64')).not.toBe(entry!.md5Checksum);
  });

  it('injectError answers the next calls with that error, proxied operations too', async () => {
    dynamo.injectError('DescribeExport', { type: 'InternalServerError', status: 500, message: 'boom' });
    await expect(ddb.send(new DescribeExportCommand({ ExportArn: 'x' }))).rejects.toMatchObject({
      name: 'InternalServerError',
      message: 'boom',
    });
    dynamo.injectError('DeleteTable', { type: 'LimitExceededException', status: 400 }, 2);
    await createTable('keep-me');
    for (let i = 0; i < 2; i++) {
      await expect(ddb.send(new DeleteTableCommand({ TableName: 'keep-me' }))).rejects.toMatchObject({
        name: 'LimitExceededException',
      });
    }
    expect(dynamo.deletedTables()).not.toContain('keep-me');
    await ddb.send(new DeleteTableCommand({ TableName: 'keep-me' }));
    expect(dynamo.deletedTables()).toContain('keep-me');
  });
});

describe('proxying to dynalite', () => {
  it('PutItem, GetItem and Query work unchanged, binary values included', async () => {
    await ddb.send(
      new CreateTableCommand({
        TableName: 'proxied',
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'N' },
        ],
      }),
    );
    const item: Record<string, AttributeValue> = {
      pk: { S: 'p' },
      sk: { N: '1' },
      b: { B: new Uint8Array([1, 2, 3]) },
    };
    await ddb.send(new PutItemCommand({ TableName: 'proxied', Item: item }));
    await ddb.send(new PutItemCommand({ TableName: 'proxied', Item: { pk: { S: 'p' }, sk: { N: '2' } } }));
    const got = await ddb.send(new GetItemCommand({ TableName: 'proxied', Key: { pk: { S: 'p' }, sk: { N: '1' } } }));
    expect(got.Item).toEqual(item);
    const queried = await ddb.send(
      new QueryCommand({
        TableName: 'proxied',
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': { S: 'p' } },
      }),
    );
    expect(queried.Items?.map((i) => i.sk?.N)).toEqual(['1', '2']);
    const described = await ddb.send(new DescribeTableCommand({ TableName: 'proxied' }));
    expect(described.Table?.TableArn).toBe(dynamo.tableArn('proxied'));
    await expect(ddb.send(new GetItemCommand({ TableName: 'absent', Key: { pk: { S: 'p' } } }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });
});
