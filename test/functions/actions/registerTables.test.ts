/**
 * The table registrar end to end, locally: real Parquet files written by DuckDB, uploaded to the S3 stand-in under
 * the archive's real layout with a manifest made by buildManifest, Action Result events in SQS records, and the
 * real Glue SDK against the Glue stand-in.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GlueClient } from '@aws-sdk/client-glue';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GlueStandIn, type GlueTable, startGlueStandIn } from '../../../sandbox/glue/startGlueStandIn.js';
import { type S3StandIn, startS3StandIn } from '../../../sandbox/s3/startS3StandIn.js';
import { GlueCatalog } from '../../../src/aws/export/GlueCatalog.js';
import { ACTION_RESULT_DETAIL_TYPE, ACTION_RESULT_SOURCE } from '../../../src/core/actions/actionResultEvent.js';
import { exportS3Prefix } from '../../../src/core/actions/archiveKeys.js';
import { buildManifest, exportRoot, MANIFEST_FILE } from '../../../src/core/actions/exportManifest.js';
import { type ExportRequest, RDS_EXPORT_WORKFLOW } from '../../../src/core/actions/exportWorkflow.js';
import { GLUE_DATABASE } from '../../../src/core/actions/glueTables.js';
import { TableRegistrar } from '../../../src/functions/actions/TableRegistrar.js';
import type { FunctionLogger, SqsEvent } from '../../../src/functions/lambdaEvents.js';

const BUCKET = 'vaultpilot-archive';
const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';

let s3Stand: S3StandIn;
let glueStand: GlueStandIn;
let s3: S3Client;
let registrar: TableRegistrar;
let dir: string;
let parquet: { orders: Buffer; customers: Buffer };
const logs: { level: string; message: string; extra: unknown[] }[] = [];

const logger: FunctionLogger = {
  debug: (message, ...extra) => logs.push({ level: 'debug', message, extra }),
  info: (message, ...extra) => logs.push({ level: 'info', message, extra }),
  warn: (message, ...extra) => logs.push({ level: 'warn', message, extra }),
  error: (message, ...extra) => logs.push({ level: 'error', message, extra }),
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vaultpilot-glue-'));
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const orders = join(dir, 'orders.parquet');
  const customers = join(dir, 'customers.parquet');
  await connection.run(`COPY (
      SELECT * FROM (VALUES
        (1::INTEGER, 10000000000::BIGINT, 12.50::DECIMAL(12,2), 'first'::VARCHAR, true, DATE '2026-11-19',
         TIMESTAMP '2026-11-19 10:00:00', '\\xDE\\xAD'::BLOB, 3::SMALLINT),
        (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
      ) AS t("Id", total_cents, amount, note, paid, order_date, created_at, payload, qty)
    ) TO '${orders}' (FORMAT parquet, COMPRESSION gzip)`);
  await connection.run(
    `COPY (SELECT 7::INTEGER AS id, 'Ada'::VARCHAR AS name) TO '${customers}' (FORMAT parquet, COMPRESSION gzip)`,
  );
  connection.closeSync();
  instance.closeSync();
  parquet = { orders: await readFile(orders), customers: await readFile(customers) };

  [s3Stand, glueStand] = await Promise.all([startS3StandIn({ buckets: [BUCKET] }), startGlueStandIn()]);
  s3 = new S3Client({
    endpoint: s3Stand.endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  const glue = new GlueClient({
    endpoint: glueStand.endpoint,
    region: REGION,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
  registrar = new TableRegistrar({ s3, catalog: new GlueCatalog(glue), logger, archiveBucket: BUCKET });
});

afterAll(async () => {
  await Promise.allSettled([s3Stand?.close(), glueStand?.close()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Uploads one export (Parquet under the real layout, then the manifest) and returns its Action Result event. */
async function uploadExport(options: {
  id: string;
  snapshotTime: string;
  partial?: boolean;
}): Promise<{ event: Record<string, unknown>; root: string }> {
  const s3Prefix = exportS3Prefix({
    account: ACCOUNT,
    region: REGION,
    resourceType: 'RDS',
    resourceName: 'prod-db',
    time: options.snapshotTime,
  });
  const root = exportRoot(s3Prefix, options.id);
  const objects = [
    {
      target: 'appdb.public.orders',
      key: `${root}appdb/public.orders/1/part-00000-a.gz.parquet`,
      body: parquet.orders,
    },
    {
      target: 'appdb.public.customers',
      key: `${root}appdb/public.customers/1/part-00000-b.gz.parquet`,
      body: parquet.customers,
    },
  ];
  for (const o of objects) await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: o.key, Body: o.body }));
  const request: ExportRequest = {
    workflow: RDS_EXPORT_WORKFLOW,
    recoveryPointArn: `arn:aws:rds:${REGION}:${ACCOUNT}:snapshot:awsbackup:job-${options.id}`,
    resourceType: 'RDS',
    vault: 'prod-daily',
    watchedVaults: ['prod-daily'],
    account: ACCOUNT,
    region: REGION,
    resourceName: 'prod-db',
    trigger: 'backup-job-completed',
    fromBackup: true,
    deleteAfterExport: false,
    attempt: 1,
    exportTaskIdentifier: options.id,
    s3Prefix,
    includeTags: [],
    excludeTags: [],
    sourcePatterns: [],
    requestedAt: options.snapshotTime,
  };
  const tables = objects.map((o, i) => {
    const failed = options.partial && i === 1;
    return {
      target: o.target,
      status: failed ? 'FAILED' : 'COMPLETE',
      objects: failed ? [] : [{ key: o.key, size: o.body.length }],
      bytes: failed ? 0 : o.body.length,
    };
  });
  const manifest = buildManifest({
    request,
    source: {
      exportable: true,
      engine: 'postgres',
      status: 'available',
      encrypted: true,
      snapshotTime: options.snapshotTime,
      tags: {},
    },
    progress: {
      exportTaskIdentifier: options.id,
      status: 'COMPLETE',
      s3Bucket: BUCKET,
      s3Prefix,
      percentProgress: 100,
      startedAt: options.snapshotTime,
      pollCount: 1,
      waitSeconds: 60,
    },
    verification: {
      complete: !options.partial,
      tables,
      warnings: options.partial ? ['table appdb.public.customers failed'] : [],
      infoFiles: [],
      objects: tables.length,
      bytes: tables.reduce((sum, t) => sum + t.bytes, 0),
    },
    verifiedAt: new Date().toISOString(),
  });
  const manifestKey = `${root}${MANIFEST_FILE}`;
  await s3.send(
    new PutObjectCommand({
      Bucket: BUCKET,
      Key: manifestKey,
      Body: JSON.stringify(manifest),
      ContentType: 'application/json',
    }),
  );
  const event = {
    version: '0',
    id: `event-${options.id}`,
    source: ACTION_RESULT_SOURCE,
    'detail-type': ACTION_RESULT_DETAIL_TYPE,
    account: ACCOUNT,
    region: REGION,
    time: new Date().toISOString(),
    resources: [],
    detail: {
      workflow: RDS_EXPORT_WORKFLOW,
      outcome: options.partial ? 'exported-partially' : 'exported',
      recoveryPointArn: request.recoveryPointArn,
      resourceType: 'RDS',
      resourceName: 'prod-db',
      account: ACCOUNT,
      region: REGION,
      exportTaskIdentifier: options.id,
      archiveUri: `s3://${BUCKET}/${root}`,
      manifestKey,
      warnings: [],
      finishedAt: new Date().toISOString(),
    },
  };
  return { event, root };
}

const batch = (...events: unknown[]): SqsEvent => ({
  Records: events.map((e, i) => ({ messageId: `m${i}`, body: typeof e === 'string' ? e : JSON.stringify(e) })),
});

function table(name: string): GlueTable {
  const found = glueStand.tables(GLUE_DATABASE).find((t) => t.name === name);
  if (!found) throw new Error(`no table ${name}`);
  return found;
}

describe('registerTables', () => {
  let firstRoot: string;

  it('registers a complete export: database, history and latest tables with the Parquet columns', async () => {
    const { event, root } = await uploadExport({ id: 'vp-prod-db-20261120', snapshotTime: '2026-11-20T02:10:00.000Z' });
    firstRoot = root;
    const result = await registrar.handleBatch(batch(event));
    expect(result.batchItemFailures).toEqual([]);
    expect(glueStand.databases().map((d) => d.name)).toEqual([GLUE_DATABASE]);
    expect(
      glueStand
        .tables(GLUE_DATABASE)
        .map((t) => t.name)
        .sort(),
    ).toEqual([
      'rds_prod_db_public_customers',
      'rds_prod_db_public_customers_latest',
      'rds_prod_db_public_orders',
      'rds_prod_db_public_orders_latest',
    ]);

    const history = table('rds_prod_db_public_orders');
    expect(history.columns.map((c) => [c.Name, c.Type])).toEqual([
      ['id', 'int'],
      ['total_cents', 'bigint'],
      ['amount', 'decimal(12,2)'],
      ['note', 'string'],
      ['paid', 'boolean'],
      ['order_date', 'date'],
      ['created_at', 'timestamp'],
      ['payload', 'binary'],
      ['qty', 'smallint'],
    ]);
    expect(history.partitionKeys.map((k) => [k.Name, k.Type])).toEqual([
      ['snapshot_date', 'string'],
      ['export_id', 'string'],
    ]);
    expect(history.tableType).toBe('EXTERNAL_TABLE');
    expect(history.parameters).toMatchObject({
      classification: 'parquet',
      'projection.enabled': 'true',
      'projection.snapshot_date.type': 'injected',
      'projection.export_id.type': 'injected',
      'storage.location.template': `s3://${BUCKET}/exports/account=${ACCOUNT}/region=${REGION}/type=rds/resource=prod-db/date=\${snapshot_date}/\${export_id}/appdb/public.orders/`,
      'vaultpilot.managed_by': 'vaultpilot',
      'vaultpilot.manifest': `s3://${BUCKET}/${root}vaultpilot-manifest.json`,
      'vaultpilot.source_target': 'appdb.public.orders',
    });
    const sd = history.input.StorageDescriptor as Record<string, unknown>;
    expect(sd.InputFormat).toBe('org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat');
    expect((sd.SerdeInfo as Record<string, unknown>).SerializationLibrary).toBe(
      'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
    );

    const latest = table('rds_prod_db_public_orders_latest');
    expect(latest.partitionKeys).toEqual([]);
    expect(latest.location).toBe(`s3://${BUCKET}/${root}appdb/public.orders/`);
    expect(latest.parameters['vaultpilot.snapshot_time']).toBe('2026-11-20T02:10:00.000Z');
    expect(table('rds_prod_db_public_customers').columns).toEqual([
      { Name: 'id', Type: 'int' },
      { Name: 'name', Type: 'string' },
    ]);
  });

  it('moves the latest table on a newer complete export', async () => {
    const { event, root } = await uploadExport({ id: 'vp-prod-db-20261121', snapshotTime: '2026-11-21T02:10:00.000Z' });
    expect((await registrar.handleBatch(batch(event))).batchItemFailures).toEqual([]);
    expect(table('rds_prod_db_public_orders_latest').location).toBe(`s3://${BUCKET}/${root}appdb/public.orders/`);
    expect(root).toContain('/date=2026-11-21/vp-prod-db-20261121/');
    expect(root).not.toBe(firstRoot);
  });

  it('does not move it back for an older snapshot, nor for a partial export', async () => {
    const current = table('rds_prod_db_public_orders_latest').location;
    const older = await uploadExport({ id: 'vp-prod-db-20261119', snapshotTime: '2026-11-19T02:10:00.000Z' });
    const partial = await uploadExport({
      id: 'vp-prod-db-20261122',
      snapshotTime: '2026-11-22T02:10:00.000Z',
      partial: true,
    });
    const result = await registrar.handleBatch(batch(older.event, partial.event));
    expect(result.batchItemFailures).toEqual([]);
    expect(table('rds_prod_db_public_orders_latest').location).toBe(current);
    expect(table('rds_prod_db_public_customers_latest').location).toBe(current?.replace('orders', 'customers'));
    const [olderResult, partialResult] = result.results.map((r) => (r.status === 'done' ? r.value : undefined));
    expect(olderResult).toMatchObject({
      status: 'registered',
      tables: [
        { history: { change: 'kept' }, latest: { change: 'kept' } },
        { history: { change: 'kept' }, latest: { change: 'kept' } },
      ],
    });
    // The partial export's complete table still updates the history table's schema (newer snapshot); no latest.
    expect(partialResult).toMatchObject({
      status: 'registered',
      tables: [{ target: 'appdb.public.orders', history: { change: 'updated' } }],
      skipped: [{ target: 'appdb.public.customers' }],
    });
    expect((partialResult as { tables: readonly { latest?: unknown }[] }).tables[0]?.latest).toBeUndefined();
  });

  it('ignores other outcomes and other events, and fails a record whose manifest is missing', async () => {
    const before = glueStand.tables(GLUE_DATABASE).map((t) => `${t.name}:${t.versionId}`);
    const { event } = await uploadExport({ id: 'vp-prod-db-20261123', snapshotTime: '2026-11-23T02:10:00.000Z' });
    const detail = event.detail as Record<string, unknown>;
    const failed = { ...event, detail: { ...detail, outcome: 'failed', failedStep: 'StartExport' } };
    const missing = {
      ...event,
      detail: { ...detail, manifestKey: detail.manifestKey!.toString().replace('vp-prod-db-20261123', 'vp-none') },
    };
    const result = await registrar.handleBatch(
      batch(
        failed,
        { source: 'aws.backup', 'detail-type': 'Backup Job State Change', detail: {} },
        'not json',
        missing,
      ),
    );
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm3' }]);
    expect(result.results.slice(0, 3).map((r) => r.status === 'done' && r.value.status)).toEqual([
      'ignored',
      'ignored',
      'ignored',
    ]);
    expect(glueStand.tables(GLUE_DATABASE).map((t) => `${t.name}:${t.versionId}`)).toEqual(before);
  });

  it('returns a record to the queue when Glue throttles', async () => {
    const { event } = await uploadExport({ id: 'vp-prod-db-20261124', snapshotTime: '2026-11-24T02:10:00.000Z' });
    glueStand.injectError('CreateTable', { type: 'ThrottlingException', status: 400, message: 'Rate exceeded' });
    const result = await registrar.handleBatch(batch(event));
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm0' }]);
    const failure = result.results[0];
    expect(failure?.status === 'failed' && (failure.error as Error).name).toBe('TransientAwsError');
    expect((await registrar.handleBatch(batch(event))).batchItemFailures).toEqual([]);
  });
});
