/**
 * The RDS stand-in against the REAL RDSClient and S3Client, a real local PostgreSQL (127.0.0.1:5432, root, trust)
 * and MariaDB (127.0.0.1:3306, root, no password): the error classes the SDK raises, the export state machine, and
 * the exported Parquet read back with DuckDB.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CancelExportTaskCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBSnapshotsCommand,
  DescribeExportTasksCommand,
  type ExportTask,
  ListTagsForResourceCommand,
  RDSClient,
  StartExportTaskCommand,
  type StartExportTaskCommandInput,
} from '@aws-sdk/client-rds';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EXPORT_LIMIT_ERROR_CODE,
  type RdsStandIn,
  type StandInDatabase,
  startRdsStandIn,
} from '../../sandbox/rds/startRdsStandIn.js';
import { type S3StandIn, startS3StandIn } from '../../sandbox/s3/startS3StandIn.js';

const BUCKET = 'vaultpilot-exports';
const ROLE = 'arn:aws:iam::111122223333:role/service-role/rds-export';
const KMS = 'arn:aws:kms:eu-west-1:111122223333:key/abcd0000-7fca-4128-82f2-aabbccddeeff';
const DB_NAME = `vp_rds_${randomBytes(4).toString('hex')}`;
const ORDER_ROWS = 1000;

let s3Stand: S3StandIn;
let rds: RdsStandIn;
let client: RDSClient;
let s3: S3Client;
let workDir: string;
let duck: DuckDBInstance;
const postgres: StandInDatabase = {
  engine: 'postgres',
  host: '127.0.0.1',
  port: 5432,
  user: 'root',
  database: DB_NAME,
};
const mariadb: StandInDatabase = { engine: 'mariadb', host: '127.0.0.1', port: 3306, user: 'root', database: DB_NAME };
let counter = 0;
const uniqueId = (base = 'exp') => `${base}-${++counter}-${randomBytes(3).toString('hex')}`;

function rdsClient(endpoint: string): RDSClient {
  return new RDSClient({
    endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
}

async function createPostgresData(): Promise<void> {
  const admin = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'root', database: 'postgres' });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${DB_NAME}`);
  await admin.end();
  const db = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'root', database: DB_NAME });
  await db.connect();
  await db.query(`
    CREATE TABLE public.orders (id integer PRIMARY KEY, customer text NOT NULL, amount numeric(12,2),
      placed_at timestamp, paid boolean, note varchar(50));
    INSERT INTO public.orders
      SELECT i, 'customer-' || i, i * 1.25, timestamp '2026-01-01 00:00:00' + i * interval '1 minute',
             i % 2 = 0, CASE WHEN i % 10 = 0 THEN NULL ELSE 'note ' || i END
      FROM generate_series(1, ${ORDER_ROWS}) AS i;
    CREATE TABLE public.blobs (id integer, data bytea, meta jsonb, created date, big bigint, ratio double precision);
    INSERT INTO public.blobs VALUES (1, '\\x0001ff'::bytea, '{"a": 1}', '2026-02-03', 9007199254740993, 0.5),
                                    (2, NULL, NULL, NULL, NULL, NULL);
    CREATE SCHEMA sales;
    CREATE TABLE sales.regions (id smallint, name text);
    INSERT INTO sales.regions VALUES (1, 'north'), (2, 'south'), (3, NULL);
  `);
  await db.end();
}

async function createMariadbData(): Promise<void> {
  const admin = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root' });
  await admin.query(`CREATE DATABASE ${DB_NAME}`);
  await admin.query(`USE ${DB_NAME}`);
  await admin.query(`CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(40), price DECIMAL(10,2), created DATETIME,
    active TINYINT(1), payload BLOB, big BIGINT UNSIGNED, body TEXT)`);
  const rows: unknown[][] = [];
  for (let i = 1; i <= ORDER_ROWS; i++) {
    rows.push([
      i,
      `item-${i}`,
      (i * 0.5).toFixed(2),
      `2026-03-01 10:00:${String(i % 60).padStart(2, '0')}`,
      i % 2,
      i === 1 ? Buffer.from([0, 1, 255]) : null,
      i === 1 ? '18446744073709551615' : null,
      i % 10 === 0 ? null : `body ${i}`,
    ]);
  }
  await admin.query('INSERT INTO items VALUES ?', [rows]);
  await admin.query('CREATE TABLE notes (id INT, body TEXT)');
  await admin.query("INSERT INTO notes VALUES (1, 'hello'), (2, NULL)");
  await admin.end();
}

beforeAll(async () => {
  await Promise.all([createPostgresData(), createMariadbData()]);
  workDir = await mkdtemp(join(tmpdir(), 'vaultpilot-rds-test-'));
  duck = await DuckDBInstance.create(':memory:');
  s3Stand = await startS3StandIn({ buckets: [BUCKET] });
  rds = await startRdsStandIn({ s3: { endpoint: s3Stand.endpoint }, timing: { startingMs: 20, perTableMs: 5 } });
  client = rdsClient(rds.endpoint);
  s3 = new S3Client({
    endpoint: s3Stand.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
});

afterAll(async () => {
  await rds?.close();
  await s3Stand?.close();
  client?.destroy();
  s3?.destroy();
  duck?.closeSync();
  if (workDir) await rm(workDir, { recursive: true, force: true });
  const admin = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'root', database: 'postgres' });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DB_NAME}`);
  await admin.end();
  const my = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root' });
  await my.query(`DROP DATABASE IF EXISTS ${DB_NAME}`);
  await my.end();
});

function startInput(
  sourceArn: string,
  overrides: Partial<StartExportTaskCommandInput> = {},
): StartExportTaskCommandInput {
  return {
    ExportTaskIdentifier: uniqueId(),
    SourceArn: sourceArn,
    S3BucketName: BUCKET,
    IamRoleArn: ROLE,
    KmsKeyId: KMS,
    S3Prefix: 'exports',
    ...overrides,
  };
}

async function errorOf(promise: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  try {
    await promise;
  } catch (error) {
    const e = error as Error & { $metadata?: { httpStatusCode?: number } };
    const status = e.$metadata?.httpStatusCode;
    return { name: e.name, message: e.message, ...(status === undefined ? {} : { status }) };
  }
  throw new Error('expected the call to fail');
}

async function describeTask(identifier: string, on: RDSClient = client): Promise<ExportTask> {
  const out = await on.send(new DescribeExportTasksCommand({ ExportTaskIdentifier: identifier }));
  return out.ExportTasks![0]!;
}

/** Polls until the task is finished, recording every status seen. */
async function waitForTask(identifier: string, on: RDSClient = client): Promise<{ task: ExportTask; seen: string[] }> {
  const seen: string[] = [];
  for (let i = 0; i < 2000; i++) {
    const task = await describeTask(identifier, on);
    if (seen.at(-1) !== task.Status) seen.push(task.Status!);
    if (['COMPLETE', 'FAILED', 'CANCELED'].includes(task.Status!)) return { task, seen };
    await new Promise((r) => setTimeout(r, 3));
  }
  throw new Error(`task ${identifier} did not finish`);
}

async function listKeys(prefix: string): Promise<string[]> {
  const out = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

async function getObject(key: string): Promise<Buffer> {
  const out = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await out.Body!.transformToByteArray());
}

async function queryParquet(key: string, sql: (file: string) => string): Promise<Record<string, unknown>[]> {
  const file = join(workDir, `${randomBytes(6).toString('hex')}.parquet`);
  await writeFile(file, await getObject(key));
  const connection = await duck.connect();
  try {
    return (await connection.runAndReadAll(sql(`read_parquet('${file}')`))).getRowObjectsJson();
  } finally {
    connection.closeSync();
  }
}

interface TablesInfo {
  perTableStatus: {
    target: string;
    status: string;
    sizeGB: number;
    warningMessage?: string;
    failureCause?: string;
    tableStatistics?: { extractionStartTime: string; extractionEndTime: string };
    schemaMetadata: {
      originalTypeMappings: { columnName: string; originalType: string; expectedExportedType: string }[];
    };
  }[];
}

describe('StartExportTask validation (real SDK exception classes)', () => {
  let arn: string;
  beforeAll(() => {
    arn = rds.addSnapshot({
      kind: 'db',
      identifier: 'manual-validation',
      sourceIdentifier: 'db-v',
      engine: 'postgres',
    });
  });

  it.each([
    ['starts with a digit', '1export'],
    ['underscore', 'export_1'],
    ['dot', 'export.1'],
    ['two consecutive hyphens', 'export--1'],
    ['trailing hyphen', 'export-'],
    ['61 characters', `a${'b'.repeat(60)}`],
    ['non-ASCII letter', 'exportä'],
  ])('refuses an identifier with %s: InvalidParameterValue', async (_why, identifier) => {
    const e = await errorOf(
      client.send(new StartExportTaskCommand(startInput(arn, { ExportTaskIdentifier: identifier }))),
    );
    expect(e).toMatchObject({ name: 'InvalidParameterValue', status: 400 });
  });

  it.each([
    ['one letter', 'a'],
    ['letters, digits and single hyphens', 'Export-2026-11-20-a1'],
    ['60 characters', `a${'b'.repeat(59)}`],
  ])('accepts an identifier with %s', async (_why, identifier) => {
    const snapshot = rds.addSnapshot({
      kind: 'db',
      identifier: `manual-ok-${identifier.length}-${identifier[0]}`,
      sourceIdentifier: 'db-ok',
      engine: 'mysql',
    });
    const out = await client.send(
      new StartExportTaskCommand(startInput(snapshot, { ExportTaskIdentifier: identifier })),
    );
    expect(out).toMatchObject({ ExportTaskIdentifier: identifier, Status: 'STARTING', SourceType: 'SNAPSHOT' });
    await waitForTask(identifier);
  });

  it('answers MissingParameter when a required parameter is absent (the SDK does not check)', async () => {
    const input = startInput(arn);
    const { KmsKeyId: _omitted, ...withoutKms } = input;
    const e = await errorOf(client.send(new StartExportTaskCommand(withoutKms as StartExportTaskCommandInput)));
    expect(e).toMatchObject({ name: 'MissingParameter', status: 400 });
  });

  it('refuses a colon in S3Prefix and a malformed IAM role ARN with InvalidParameterValue', async () => {
    const colon = await errorOf(client.send(new StartExportTaskCommand(startInput(arn, { S3Prefix: 'a:b' }))));
    expect(colon).toMatchObject({ name: 'InvalidParameterValue', status: 400 });
    const role = await errorOf(client.send(new StartExportTaskCommand(startInput(arn, { IamRoleArn: 'rds-export' }))));
    expect(role.name).toBe('InvalidParameterValue');
  });

  it('refuses a reused identifier, even of a finished task: ExportTaskAlreadyExistsFault', async () => {
    const input = startInput(arn);
    await client.send(new StartExportTaskCommand(input));
    await waitForTask(input.ExportTaskIdentifier!);
    const e = await errorOf(client.send(new StartExportTaskCommand(input)));
    expect(e).toMatchObject({ name: 'ExportTaskAlreadyExistsFault', status: 400 });
  });

  it('refuses unknown snapshots with the not-found fault of their kind', async () => {
    const db = await errorOf(
      client.send(new StartExportTaskCommand(startInput('arn:aws:rds:eu-west-1:111122223333:snapshot:nope'))),
    );
    expect(db).toMatchObject({ name: 'DBSnapshotNotFoundFault', status: 404 });
    const cluster = await errorOf(
      client.send(new StartExportTaskCommand(startInput('arn:aws:rds:eu-west-1:111122223333:cluster-snapshot:nope'))),
    );
    expect(cluster).toMatchObject({ name: 'DBClusterSnapshotNotFoundFault', status: 404 });
  });

  it('refuses a snapshot that is not available: InvalidExportSourceStateFault', async () => {
    const creating = rds.addSnapshot({
      kind: 'db',
      identifier: 'rds:prod-db-creating',
      sourceIdentifier: 'prod-db',
      engine: 'postgres',
      status: 'creating',
    });
    const e = await errorOf(client.send(new StartExportTaskCommand(startInput(creating))));
    expect(e).toMatchObject({ name: 'InvalidExportSourceStateFault', status: 400 });
    expect(e.message).toContain('creating');
  });

  it.each([
    ['Oracle', 'db', 'oracle-ee', undefined, 'Oracle'],
    ['SQL Server', 'db', 'sqlserver-se', undefined, 'SQL Server'],
    ['Db2', 'db', 'db2-se', undefined, 'Db2'],
    ['Aurora Serverless v1', 'cluster', 'aurora-mysql', 'serverless', 'Serverless v1'],
  ] as const)('refuses %s snapshots: InvalidExportSourceStateFault saying why', async (_n, kind, engine, mode, why) => {
    const snapshot = rds.addSnapshot({
      kind,
      identifier: `manual-${engine}-${mode ?? 'p'}`,
      sourceIdentifier: 'legacy',
      engine,
      ...(mode === undefined ? {} : { engineMode: mode }),
    });
    const e = await errorOf(client.send(new StartExportTaskCommand(startInput(snapshot))));
    expect(e.name).toBe('InvalidExportSourceStateFault');
    expect(e.message).toContain(why);
  });

  it('refuses a second export of a snapshot while one runs, and a missing bucket: InvalidS3BucketFault', async () => {
    const snapshot = rds.addSnapshot({
      kind: 'db',
      identifier: 'manual-busy',
      sourceIdentifier: 'db-b',
      engine: 'mysql',
    });
    const first = startInput(snapshot);
    await client.send(new StartExportTaskCommand(first));
    const second = await errorOf(client.send(new StartExportTaskCommand(startInput(snapshot))));
    expect(second.name).toBe('InvalidExportSourceStateFault');
    await waitForTask(first.ExportTaskIdentifier!);
    const bucket = await errorOf(
      client.send(new StartExportTaskCommand(startInput(snapshot, { S3BucketName: 'nope' }))),
    );
    expect(bucket).toMatchObject({ name: 'InvalidS3BucketFault', status: 400 });
  });
});

describe('concurrency quota and CancelExportTask', () => {
  let slow: RdsStandIn;
  let slowClient: RDSClient;
  beforeAll(async () => {
    slow = await startRdsStandIn({
      s3: { endpoint: s3Stand.endpoint },
      timing: { startingMs: 150, perTableMs: 120 },
    });
    slowClient = rdsClient(slow.endpoint);
  });
  afterAll(async () => {
    slowClient.destroy();
    await slow.close();
  });

  it(`refuses a 6th concurrent export with ${EXPORT_LIMIT_ERROR_CODE}, and accepts it once one finishes`, async () => {
    const arns = Array.from({ length: 6 }, (_, i) =>
      slow.addSnapshot({
        kind: 'db',
        identifier: `manual-q${i}`,
        sourceIdentifier: 'db-q',
        engine: 'postgres',
        ...(i === 0 ? {} : { faults: { writeNothing: true } }),
      }),
    );
    // The first one finishes fastest: it has no source and nothing to wait for but STARTING.
    for (const arn of arns.slice(0, 5)) await slowClient.send(new StartExportTaskCommand(startInput(arn)));
    expect(slow.activeExportCount()).toBe(5);
    const sixth = startInput(arns[5]!);
    const e = await errorOf(slowClient.send(new StartExportTaskCommand(sixth)));
    expect(e).toMatchObject({ name: EXPORT_LIMIT_ERROR_CODE, status: 400 });
    while (slow.activeExportCount() >= 5) await new Promise((r) => setTimeout(r, 5));
    await expect(slowClient.send(new StartExportTaskCommand(sixth))).resolves.toMatchObject({ Status: 'STARTING' });
    await slow.idle();
    expect(slow.activeExportCount()).toBe(0);
  });

  it('cancels: CANCELING, then CANCELED after the current table, keeping what was written', async () => {
    const arn = slow.addSnapshot({
      kind: 'db',
      identifier: 'manual-cancel',
      sourceIdentifier: 'db-c',
      engine: 'postgres',
      source: postgres,
    });
    const input = startInput(arn, { S3Prefix: 'cancel' });
    const id = input.ExportTaskIdentifier!;
    await slowClient.send(new StartExportTaskCommand(input));
    while ((await describeTask(id, slowClient)).Status === 'STARTING') await new Promise((r) => setTimeout(r, 5));
    const canceling = await slowClient.send(new CancelExportTaskCommand({ ExportTaskIdentifier: id }));
    expect(canceling.Status).toBe('CANCELING');
    const { task } = await waitForTask(id, slowClient);
    expect(task.Status).toBe('CANCELED');
    expect(task.TaskEndTime).toBeInstanceOf(Date);
    const keys = await listKeys(`cancel/${id}/`);
    expect(keys.length).toBeLessThan(3);
    expect(keys.every((k) => k.endsWith('.gz.parquet'))).toBe(true);
    const again = await errorOf(slowClient.send(new CancelExportTaskCommand({ ExportTaskIdentifier: id })));
    expect(again).toMatchObject({ name: 'InvalidExportTaskStateFault', status: 400 });
    const unknown = await errorOf(slowClient.send(new CancelExportTaskCommand({ ExportTaskIdentifier: 'nope' })));
    expect(unknown).toMatchObject({ name: 'ExportTaskNotFoundFault', status: 404 });
  });
  it('fails a running export whose snapshot is deleted (AWS Backup removed the recovery point)', async () => {
    const arn = slow.addSnapshot({
      kind: 'db',
      identifier: 'awsbackup:job-deleted',
      sourceIdentifier: 'db-del',
      engine: 'postgres',
      source: postgres,
    });
    const input = startInput(arn, { S3Prefix: 'deleted' });
    const id = input.ExportTaskIdentifier!;
    await slowClient.send(new StartExportTaskCommand(input));
    while ((await describeTask(id, slowClient)).Status === 'STARTING') await new Promise((r) => setTimeout(r, 5));
    slow.removeSnapshot(arn);
    const { task } = await waitForTask(id, slowClient);
    expect(task).toMatchObject({ Status: 'FAILED', FailureCause: expect.stringContaining('deleted') });
  });
});

describe('real exports', () => {
  it('exports PostgreSQL: STARTING → IN_PROGRESS → COMPLETE, Parquet with the right rows, both info files', async () => {
    const arn = rds.addSnapshot({
      kind: 'db',
      identifier: 'awsbackup:job-pg-1',
      sourceIdentifier: 'prod-pg',
      engine: 'postgres',
      source: postgres,
    });
    const input = startInput(arn, { S3Prefix: 'pg' });
    const id = input.ExportTaskIdentifier!;
    const started = await client.send(new StartExportTaskCommand(input));
    expect(started).toMatchObject({ Status: 'STARTING', PercentProgress: 0, S3Bucket: BUCKET, IamRoleArn: ROLE });
    const { task, seen } = await waitForTask(id);
    expect(seen[0]).toBe('STARTING');
    expect(seen).toContain('IN_PROGRESS');
    expect(task).toMatchObject({ Status: 'COMPLETE', PercentProgress: 100, TotalExtractedDataInGB: 0 });
    expect(task.WarningMessage).toBeUndefined();
    expect(task.TaskStartTime!.getTime()).toBeLessThanOrEqual(task.TaskEndTime!.getTime());

    const root = `pg/${id}`;
    const keys = await listKeys(`${root}/`);
    const pattern = (table: string) =>
      new RegExp(`^${root}/${DB_NAME}/${table.replace('.', '\\.')}/1/part-00000-[0-9a-f-]{36}\\.gz\\.parquet$`);
    for (const table of ['public.orders', 'public.blobs', 'sales.regions']) {
      expect(keys.filter((k) => pattern(table).test(k))).toHaveLength(1);
    }
    expect(keys).toContain(`${root}/export_info_${id}.json`);
    expect(keys).toContain(`${root}/export_tables_info_${id}_from_1_to_3.json`);
    expect(keys).toHaveLength(5);

    const ordersKey = keys.find((k) => pattern('public.orders').test(k))!;
    const [count] = await queryParquet(
      ordersKey,
      (f) => `SELECT count(*)::INTEGER AS n, count(note)::INTEGER AS notes FROM ${f}`,
    );
    expect(count).toEqual({ n: ORDER_ROWS, notes: ORDER_ROWS - ORDER_ROWS / 10 });
    const [row7] = await queryParquet(ordersKey, (f) => `SELECT * FROM ${f} WHERE id = 7`);
    expect(row7).toEqual({
      id: 7,
      customer: 'customer-7',
      amount: '8.75',
      placed_at: '2026-01-01 00:07:00',
      paid: false,
      note: 'note 7',
    });
    const types = await queryParquet(
      ordersKey,
      (f) => `SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM ${f})`,
    );
    expect(Object.fromEntries(types.map((t) => [t.column_name, t.column_type]))).toEqual({
      id: 'INTEGER',
      customer: 'VARCHAR',
      amount: 'DECIMAL(12,2)',
      placed_at: 'TIMESTAMP',
      paid: 'BOOLEAN',
      note: 'VARCHAR',
    });
    const blobs = await queryParquet(
      keys.find((k) => pattern('public.blobs').test(k))!,
      (f) => `SELECT id, hex(data) AS data, meta, created, big::VARCHAR AS big, ratio FROM ${f} ORDER BY id`,
    );
    expect(blobs).toEqual([
      { id: 1, data: '0001FF', meta: '{"a": 1}', created: '2026-02-03', big: '9007199254740993', ratio: 0.5 },
      { id: 2, data: null, meta: null, created: null, big: null, ratio: null },
    ]);

    const tablesInfo = JSON.parse(
      (await getObject(`${root}/export_tables_info_${id}_from_1_to_3.json`)).toString(),
    ) as TablesInfo;
    expect(tablesInfo.perTableStatus.map((t) => [t.target, t.status]).sort()).toEqual([
      [`${DB_NAME}.public.blobs`, 'COMPLETE'],
      [`${DB_NAME}.public.orders`, 'COMPLETE'],
      [`${DB_NAME}.sales.regions`, 'COMPLETE'],
    ]);
    const orders = tablesInfo.perTableStatus.find((t) => t.target.endsWith('.orders'))!;
    expect(orders.sizeGB).toBeGreaterThan(0);
    expect(orders.tableStatistics?.extractionStartTime).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(orders.schemaMetadata.originalTypeMappings[2]).toMatchObject({
      columnName: 'amount',
      originalType: 'numeric',
      expectedExportedType: 'int64 (DECIMAL(12,2))',
      originalNumPrecision: 12,
    });
    const info = JSON.parse((await getObject(`${root}/export_info_${id}.json`)).toString()) as Record<string, unknown>;
    expect(info).toMatchObject({
      exportTaskIdentifier: id,
      sourceArn: arn,
      status: 'COMPLETE',
      percentProgress: 100,
      s3Bucket: BUCKET,
      s3Prefix: 'pg',
      exportedFilesPath: root,
      sourceType: 'SNAPSHOT',
    });
    expect(rds.exportTasks().find((t) => t.identifier === id)?.bytesWritten).toBeGreaterThan(0);
  });

  it('exports MariaDB with the <database>/<database>.<table> layout and readable Parquet', async () => {
    const arn = rds.addSnapshot({
      kind: 'db',
      identifier: 'rds:prod-maria-2026-11-20-02-10',
      sourceIdentifier: 'prod-maria',
      engine: 'mariadb',
      source: mariadb,
    });
    const input = startInput(arn, { S3Prefix: 'maria/' });
    const id = input.ExportTaskIdentifier!;
    await client.send(new StartExportTaskCommand(input));
    expect((await waitForTask(id)).task.Status).toBe('COMPLETE');
    const root = `maria/${id}`;
    const keys = await listKeys(`${root}/`);
    const itemsKey = keys.find((k) => k.startsWith(`${root}/${DB_NAME}/${DB_NAME}.items/1/part-00000-`));
    const notesKey = keys.find((k) => k.startsWith(`${root}/${DB_NAME}/${DB_NAME}.notes/1/part-00000-`));
    expect(itemsKey).toMatch(/\.gz\.parquet$/);
    expect(notesKey).toBeDefined();
    const [count] = await queryParquet(
      itemsKey!,
      (f) => `SELECT count(*)::INTEGER AS n, count(body)::INTEGER AS bodies FROM ${f}`,
    );
    expect(count).toEqual({ n: ORDER_ROWS, bodies: ORDER_ROWS - ORDER_ROWS / 10 });
    const [first] = await queryParquet(
      itemsKey!,
      (f) =>
        `SELECT id, name, price, created, active, hex(payload) AS payload, big::VARCHAR AS big, body FROM ${f} WHERE id = 1`,
    );
    expect(first).toEqual({
      id: 1,
      name: 'item-1',
      price: '0.50',
      created: '2026-03-01 10:00:01',
      active: 1,
      payload: '0001FF',
      big: '18446744073709551615',
      body: 'body 1',
    });
    const notes = await queryParquet(notesKey!, (f) => `SELECT * FROM ${f} ORDER BY id`);
    expect(notes).toEqual([
      { id: 1, body: 'hello' },
      { id: 2, body: null },
    ]);
    const tablesInfo = JSON.parse(
      (await getObject(`${root}/export_tables_info_${id}_from_1_to_2.json`)).toString(),
    ) as TablesInfo;
    expect(tablesInfo.perTableStatus.map((t) => t.target).sort()).toEqual([
      `${DB_NAME}.${DB_NAME}.items`,
      `${DB_NAME}.${DB_NAME}.notes`,
    ]);
  });

  it('failTables and skipTables: COMPLETE with a WarningMessage naming them, no Parquet for them', async () => {
    const arn = rds.addSnapshot({
      kind: 'db',
      identifier: 'manual-faulty-tables',
      sourceIdentifier: 'prod-pg',
      engine: 'postgres',
      source: postgres,
      faults: { failTables: ['public.blobs'], skipTables: ['sales.regions'] },
    });
    const input = startInput(arn, { S3Prefix: 'faulty' });
    const id = input.ExportTaskIdentifier!;
    await client.send(new StartExportTaskCommand(input));
    const { task } = await waitForTask(id);
    expect(task.Status).toBe('COMPLETE');
    expect(task.WarningMessage).toContain('public.blobs (FAILED)');
    expect(task.WarningMessage).toContain('sales.regions (SKIPPED)');
    const keys = await listKeys(`faulty/${id}/`);
    expect(keys.filter((k) => k.endsWith('.parquet'))).toEqual([expect.stringContaining('/public.orders/1/')]);
    const info = JSON.parse(
      (await getObject(`faulty/${id}/export_tables_info_${id}_from_1_to_3.json`)).toString(),
    ) as TablesInfo;
    const byTarget = Object.fromEntries(info.perTableStatus.map((t) => [t.target.split('.').slice(1).join('.'), t]));
    expect(byTarget['public.blobs']).toMatchObject({ status: 'FAILED', failureCause: expect.any(String) });
    expect(byTarget['sales.regions']).toMatchObject({ status: 'SKIPPED', warningMessage: expect.any(String) });
    expect(byTarget['public.orders']?.status).toBe('COMPLETE');
  });

  it('failTask: FAILED with the FailureCause, nothing written', async () => {
    const arn = rds.addSnapshot({
      kind: 'cluster',
      identifier: 'manual-fails',
      sourceIdentifier: 'aurora-1',
      engine: 'aurora-postgresql',
      source: postgres,
      faults: { failTask: 'S3 bucket policy denied PutObject' },
    });
    const input = startInput(arn, { S3Prefix: 'failing' });
    await client.send(new StartExportTaskCommand(input));
    const { task } = await waitForTask(input.ExportTaskIdentifier!);
    expect(task).toMatchObject({
      Status: 'FAILED',
      FailureCause: 'S3 bucket policy denied PutObject',
      SourceType: 'CLUSTER',
    });
    expect(await listKeys(`failing/${input.ExportTaskIdentifier}/`)).toEqual([]);
  });

  it('writeNothing: COMPLETE, bucket empty; no source: only the two info files, zero tables', async () => {
    const empty = rds.addSnapshot({
      kind: 'db',
      identifier: 'manual-writes-nothing',
      sourceIdentifier: 'db-n',
      engine: 'postgres',
      source: postgres,
      faults: { writeNothing: true },
    });
    const a = startInput(empty, { S3Prefix: 'nothing' });
    await client.send(new StartExportTaskCommand(a));
    expect((await waitForTask(a.ExportTaskIdentifier!)).task.Status).toBe('COMPLETE');
    expect(await listKeys(`nothing/${a.ExportTaskIdentifier}/`)).toEqual([]);

    const sourceless = rds.addSnapshot({
      kind: 'db',
      identifier: 'manual-no-source',
      sourceIdentifier: 'db-x',
      engine: 'mysql',
    });
    const b = startInput(sourceless, { S3Prefix: '' });
    const id = b.ExportTaskIdentifier!;
    await client.send(new StartExportTaskCommand(b));
    expect((await waitForTask(id)).task.Status).toBe('COMPLETE');
    expect(await listKeys(`${id}/`)).toEqual([
      `${id}/export_info_${id}.json`,
      `${id}/export_tables_info_${id}_from_1_to_0.json`,
    ]);
    const tables = JSON.parse(
      (await getObject(`${id}/export_tables_info_${id}_from_1_to_0.json`)).toString(),
    ) as TablesInfo;
    expect(tables.perTableStatus).toEqual([]);
  });
});

describe('describe, tags, injected errors', () => {
  it('DescribeExportTasks: by identifier, SourceArn and every filter; unknown identifier → ExportTaskNotFoundFault', async () => {
    const arn = rds.addSnapshot({
      kind: 'db',
      identifier: 'manual-describe',
      sourceIdentifier: 'db-d',
      engine: 'postgres',
    });
    const input = startInput(arn, { S3Prefix: 'describe' });
    const id = input.ExportTaskIdentifier!;
    await client.send(new StartExportTaskCommand(input));
    await waitForTask(id);
    const ids = async (cmd: DescribeExportTasksCommand) =>
      (await client.send(cmd)).ExportTasks!.map((t) => t.ExportTaskIdentifier);
    expect(await ids(new DescribeExportTasksCommand({ SourceArn: arn }))).toEqual([id]);
    expect(await ids(new DescribeExportTasksCommand({ Filters: [{ Name: 'source-arn', Values: [arn] }] }))).toEqual([
      id,
    ]);
    expect(
      await ids(new DescribeExportTasksCommand({ Filters: [{ Name: 'export-task-identifier', Values: [id] }] })),
    ).toEqual([id]);
    const complete = await ids(
      new DescribeExportTasksCommand({
        Filters: [
          { Name: 'status', Values: ['complete'] },
          { Name: 's3-bucket', Values: [BUCKET] },
        ],
      }),
    );
    expect(complete).toContain(id);
    expect(
      await ids(new DescribeExportTasksCommand({ Filters: [{ Name: 'status', Values: ['failed', 'canceled'] }] })),
    ).not.toContain(id);
    expect(await ids(new DescribeExportTasksCommand({ Filters: [{ Name: 's3-bucket', Values: ['other'] }] }))).toEqual(
      [],
    );
    const e = await errorOf(client.send(new DescribeExportTasksCommand({ ExportTaskIdentifier: 'does-not-exist' })));
    expect(e).toMatchObject({ name: 'ExportTaskNotFoundFault', status: 404 });
  });

  it('DescribeDBSnapshots / DescribeDBClusterSnapshots: by identifier or ARN, instance, type; not found faults', async () => {
    const created = new Date('2026-11-20T02:10:00Z');
    const arn = rds.addSnapshot({
      kind: 'db',
      identifier: 'awsbackup:job-1234abcd',
      sourceIdentifier: 'orders-db',
      engine: 'postgres',
      encrypted: true,
      kmsKeyId: KMS,
      allocatedStorageGiB: 100,
      createdAt: created,
      tags: { team: 'payments' },
    });
    expect(arn).toBe('arn:aws:rds:eu-west-1:111122223333:snapshot:awsbackup:job-1234abcd');
    const byId = await client.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'awsbackup:job-1234abcd' }));
    expect(byId.DBSnapshots).toEqual([
      expect.objectContaining({
        DBSnapshotIdentifier: 'awsbackup:job-1234abcd',
        DBInstanceIdentifier: 'orders-db',
        SnapshotCreateTime: created,
        Engine: 'postgres',
        AllocatedStorage: 100,
        Status: 'available',
        SnapshotType: 'awsbackup',
        Encrypted: true,
        KmsKeyId: KMS,
        DBSnapshotArn: arn,
        TagList: [{ Key: 'team', Value: 'payments' }],
      }),
    ]);
    const byArn = await client.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: arn }));
    expect(byArn.DBSnapshots?.[0]?.DBSnapshotArn).toBe(arn);
    const byInstance = await client.send(
      new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: 'orders-db', SnapshotType: 'awsbackup' }),
    );
    expect(byInstance.DBSnapshots?.map((s) => s.DBSnapshotArn)).toEqual([arn]);
    const none = await client.send(
      new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: 'orders-db', SnapshotType: 'manual' }),
    );
    expect(none.DBSnapshots).toEqual([]);
    const missing = await errorOf(client.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'nope' })));
    expect(missing).toMatchObject({ name: 'DBSnapshotNotFoundFault', status: 404 });

    const clusterArn = rds.addSnapshot({
      kind: 'cluster',
      identifier: 'rds:aurora-1-2026-11-20',
      sourceIdentifier: 'aurora-1',
      engine: 'aurora-mysql',
      encrypted: true,
    });
    const clusters = await client.send(new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: 'aurora-1' }));
    expect(clusters.DBClusterSnapshots).toContainEqual(
      expect.objectContaining({
        DBClusterSnapshotIdentifier: 'rds:aurora-1-2026-11-20',
        DBClusterIdentifier: 'aurora-1',
        EngineMode: 'provisioned',
        SnapshotType: 'automated',
        StorageEncrypted: true,
        DBClusterSnapshotArn: clusterArn,
      }),
    );
    const clusterMissing = await errorOf(
      client.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: 'nope' })),
    );
    expect(clusterMissing).toMatchObject({ name: 'DBClusterSnapshotNotFoundFault', status: 404 });

    rds.removeSnapshot(arn);
    expect(rds.snapshotExists(arn)).toBe(false);
    const gone = await errorOf(client.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: arn })));
    expect(gone.name).toBe('DBSnapshotNotFoundFault');
  });

  it('ListTagsForResource returns a snapshot TagList; unknown snapshot → DBSnapshotNotFoundFault', async () => {
    const arn = rds.addSnapshot({
      kind: 'db',
      identifier: 'manual-tagged',
      sourceIdentifier: 'db-t',
      engine: 'mysql',
      tags: { 'vaultpilot:export': 'weekly', owner: 'ops' },
    });
    const out = await client.send(new ListTagsForResourceCommand({ ResourceName: arn }));
    expect(out.TagList).toEqual([
      { Key: 'vaultpilot:export', Value: 'weekly' },
      { Key: 'owner', Value: 'ops' },
    ]);
    const untagged = rds.addSnapshot({
      kind: 'db',
      identifier: 'manual-untagged',
      sourceIdentifier: 'db-t',
      engine: 'mysql',
    });
    expect((await client.send(new ListTagsForResourceCommand({ ResourceName: untagged }))).TagList).toEqual([]);
    const e = await errorOf(
      client.send(new ListTagsForResourceCommand({ ResourceName: 'arn:aws:rds:eu-west-1:111122223333:snapshot:nope' })),
    );
    expect(e.name).toBe('DBSnapshotNotFoundFault');
  });

  it('injectError answers the next calls with the given error, once each', async () => {
    rds.injectError('DescribeExportTasks', { code: 'Throttling', status: 400, message: 'Rate exceeded' }, 2);
    rds.injectError('StartExportTask', { code: 'InternalFailure', status: 500 });
    for (let i = 0; i < 2; i++) {
      expect(await errorOf(client.send(new DescribeExportTasksCommand({})))).toMatchObject({
        name: 'Throttling',
        message: 'Rate exceeded',
        status: 400,
      });
    }
    await expect(client.send(new DescribeExportTasksCommand({}))).resolves.toBeDefined();
    const arn = rds.addSnapshot({
      kind: 'db',
      identifier: 'manual-injected',
      sourceIdentifier: 'db-i',
      engine: 'postgres',
    });
    expect(await errorOf(client.send(new StartExportTaskCommand(startInput(arn))))).toMatchObject({
      name: 'InternalFailure',
      status: 500,
    });
    await rds.idle();
  });
});
