import { describe, expect, it } from 'vitest';
import type { ExportManifest } from '../../../src/core/actions/exportManifest.js';
import {
  buildTableInputs,
  exportedTables,
  exportLocation,
  GLUE_DATABASE,
  glueColumns,
  glueNamePart,
  hiveTypeOf,
  MAX_GLUE_NAME,
  type ParquetColumn,
  replacesTable,
  TABLE_PARAMETERS,
} from '../../../src/core/actions/glueTables.js';

const ROOT = 'exports/account=111122223333/region=eu-west-1/type=rds/resource=prod-db/date=2026-11-20/vp-prod-db-1/';

function manifest(
  tables: { target: string; folder?: string; status?: string; objects?: number }[],
  overrides: { result?: 'complete' | 'partial'; snapshotTime?: string; resourceType?: string; root?: string } = {},
): ExportManifest {
  const root = overrides.root ?? ROOT;
  return {
    format: 'vaultpilot-export-manifest',
    version: 1,
    result: overrides.result ?? 'complete',
    source: {
      recoveryPointArn: 'arn:aws:rds:eu-west-1:111122223333:snapshot:awsbackup:job-1',
      resourceType: overrides.resourceType ?? 'RDS',
      resourceName: 'prod-db',
      account: '111122223333',
      region: 'eu-west-1',
      engine: 'postgres',
      snapshotTime: overrides.snapshotTime ?? '2026-11-20T02:10:00.000Z',
      encrypted: true,
      trigger: 'backup-job-completed',
    },
    export: {
      exportTaskIdentifier: 'vp-prod-db-1',
      bucket: 'archive-bucket',
      root,
      format: 'parquet',
      startedAt: '2026-11-20T03:00:00.000Z',
      verifiedAt: '2026-11-20T04:00:00.000Z',
    },
    tables: tables.map((t) => {
      const folder = t.folder ?? `${t.target.split('.')[0]}/${t.target.split('.').slice(1).join('.')}`;
      return {
        target: t.target,
        status: t.status ?? 'COMPLETE',
        bytes: 100,
        objects: Array.from({ length: t.objects ?? 1 }, (_, i) => ({
          key: `${root}${folder}/1/part-0000${i}-x.gz.parquet`,
          size: 100,
        })),
      };
    }),
    statusFiles: [],
    objects: tables.length,
    bytes: 100 * tables.length,
    warnings: [],
  };
}

const col = (name: string, extra: Omit<ParquetColumn, 'name'>): ParquetColumn => ({ name, ...extra });

describe('hiveTypeOf', () => {
  const cases: [string, Omit<ParquetColumn, 'name'>, string][] = [
    ['BOOLEAN', { physicalType: 'BOOLEAN' }, 'boolean'],
    ['plain INT32', { physicalType: 'INT32' }, 'int'],
    ['plain INT64', { physicalType: 'INT64' }, 'bigint'],
    [
      'INT32 INT(8)',
      { physicalType: 'INT32', logicalType: { type: 'INTEGER', bitWidth: 8, isSigned: true } },
      'tinyint',
    ],
    [
      'INT32 INT(16)',
      { physicalType: 'INT32', logicalType: { type: 'INTEGER', bitWidth: 16, isSigned: true } },
      'smallint',
    ],
    ['INT32 INT_32 (converted)', { physicalType: 'INT32', convertedType: 'INT_32' }, 'int'],
    ['INT32 UINT_32', { physicalType: 'INT32', convertedType: 'UINT_32' }, 'bigint'],
    ['INT32 UINT_8', { physicalType: 'INT32', convertedType: 'UINT_8' }, 'smallint'],
    [
      'INT64 INT(64)',
      { physicalType: 'INT64', logicalType: { type: 'INTEGER', bitWidth: 64, isSigned: true } },
      'bigint',
    ],
    ['INT32 DATE', { physicalType: 'INT32', logicalType: { type: 'DATE' } }, 'date'],
    ['INT32 DATE (converted)', { physicalType: 'INT32', convertedType: 'DATE' }, 'date'],
    [
      'INT64 TIMESTAMP micros',
      { physicalType: 'INT64', logicalType: { type: 'TIMESTAMP', unit: 'MICROS', isAdjustedToUTC: false } },
      'timestamp',
    ],
    ['INT64 TIMESTAMP_MILLIS', { physicalType: 'INT64', convertedType: 'TIMESTAMP_MILLIS' }, 'timestamp'],
    ['INT96', { physicalType: 'INT96' }, 'timestamp'],
    [
      'INT32 DECIMAL(9,2)',
      { physicalType: 'INT32', logicalType: { type: 'DECIMAL', precision: 9, scale: 2 } },
      'decimal(9,2)',
    ],
    [
      'INT64 DECIMAL(12,2) converted',
      { physicalType: 'INT64', convertedType: 'DECIMAL', precision: 12, scale: 2 },
      'decimal(12,2)',
    ],
    [
      'FIXED DECIMAL(38,10)',
      { physicalType: 'FIXED_LEN_BYTE_ARRAY', logicalType: { type: 'DECIMAL', precision: 38, scale: 10 } },
      'decimal(38,10)',
    ],
    ['FLOAT', { physicalType: 'FLOAT' }, 'float'],
    ['DOUBLE', { physicalType: 'DOUBLE' }, 'double'],
    ['BYTE_ARRAY STRING', { physicalType: 'BYTE_ARRAY', logicalType: { type: 'STRING' } }, 'string'],
    ['BYTE_ARRAY UTF8', { physicalType: 'BYTE_ARRAY', convertedType: 'UTF8' }, 'string'],
    ['BYTE_ARRAY JSON', { physicalType: 'BYTE_ARRAY', convertedType: 'JSON' }, 'string'],
    ['BYTE_ARRAY ENUM', { physicalType: 'BYTE_ARRAY', logicalType: { type: 'ENUM' } }, 'string'],
    ['plain BYTE_ARRAY', { physicalType: 'BYTE_ARRAY' }, 'binary'],
    ['plain FIXED_LEN_BYTE_ARRAY', { physicalType: 'FIXED_LEN_BYTE_ARRAY' }, 'binary'],
    ['group (struct)', { children: 2 }, 'string'],
    ['LIST group', { convertedType: 'LIST', children: 1, repetition: 'OPTIONAL' }, 'string'],
    ['repeated primitive', { physicalType: 'INT32', repetition: 'REPEATED' }, 'string'],
  ];
  it.each(cases)('%s → %s', (_, column, expected) => {
    expect(hiveTypeOf(col('c', column)).type).toBe(expected);
  });

  it('comments nested columns and warns about them', () => {
    const mapped = hiveTypeOf(col('tags', { convertedType: 'LIST', children: 1 }));
    expect(mapped.comment).toMatch(/nested Parquet list/);
    expect(mapped.warning).toMatch(/tags/);
  });

  it('caps decimals wider than Athena allows, with a warning', () => {
    const mapped = hiveTypeOf(
      col('n', { physicalType: 'FIXED_LEN_BYTE_ARRAY', logicalType: { type: 'DECIMAL', precision: 50, scale: 4 } }),
    );
    expect(mapped.type).toBe('decimal(38,4)');
    expect(mapped.warning).toMatch(/exceeds/);
  });
});

describe('glueColumns', () => {
  it('lower-cases names and suffixes duplicates with a warning', () => {
    const { columns, warnings } = glueColumns([
      col('Id', { physicalType: 'INT32' }),
      col('id', { physicalType: 'INT64' }),
      col('ID', { physicalType: 'BYTE_ARRAY', convertedType: 'UTF8' }),
      col('CreatedAt', { physicalType: 'INT64', convertedType: 'TIMESTAMP_MICROS' }),
    ]);
    expect(columns).toEqual([
      { Name: 'id', Type: 'int' },
      { Name: 'id_2', Type: 'bigint' },
      { Name: 'id_3', Type: 'string' },
      { Name: 'createdat', Type: 'timestamp' },
    ]);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/id_2/);
  });
});

describe('names', () => {
  it.each([
    ['prod-db', 'prod_db'],
    ['Orders.2026', 'orders_2026'],
    ['--__x__--', 'x'],
    ['', 'x'],
    ['Café', 'cafe'],
  ])('glueNamePart(%j) = %j', (input, expected) => {
    expect(glueNamePart(input)).toBe(expected);
  });

  it('names PostgreSQL tables <type>_<resource>_<schema>_<table>', () => {
    const { tables } = exportedTables(manifest([{ target: 'appdb.public.Orders' }, { target: 'appdb.sales.items' }]));
    expect(tables.map((t) => [t.historyName, t.latestName])).toEqual([
      ['rds_prod_db_public_orders', 'rds_prod_db_public_orders_latest'],
      ['rds_prod_db_sales_items', 'rds_prod_db_sales_items_latest'],
    ]);
    expect(tables[0]).toMatchObject({
      database: 'appdb',
      schema: 'public',
      table: 'Orders',
      folder: 'appdb/public.Orders/',
    });
  });

  it('names a DynamoDB export dynamodb_<table>, its one table located under parquet/data/', () => {
    const base = manifest([{ target: 'Orders-Table' }], { resourceType: 'DynamoDB' });
    const dynamo: ExportManifest = {
      ...base,
      tables: [
        {
          target: 'Orders-Table',
          status: 'COMPLETE',
          bytes: 200,
          objects: [1, 0].map((n) => ({ key: `${ROOT}parquet/data/part-0000${n}.parquet`, size: 100 })),
        },
      ],
      source: { ...base.source, resourceName: 'Orders-Table' },
      export: {
        ...base.export,
        dynamodb: {
          exportFrom: 'backup',
          exportArn: 'arn:aws:dynamodb:eu-west-1:111122223333:table/vp-tmp-1/export/1',
          exportedTableArn: 'arn:aws:dynamodb:eu-west-1:111122223333:table/vp-tmp-1',
          itemCount: 10,
          conversionManifest: `${ROOT}parquet/vaultpilot-dynamodb-manifest.json`,
          columns: 3,
        },
      },
    };
    const { tables, skipped } = exportedTables(dynamo);
    expect(skipped).toEqual([]);
    expect(tables[0]).toMatchObject({
      historyName: 'dynamodb_orders_table',
      latestName: 'dynamodb_orders_table_latest',
      folder: 'parquet/data/',
      table: 'Orders-Table',
      firstObjectKey: `${ROOT}parquet/data/part-00000.parquet`,
    });
  });

  it('does not repeat MySQL’s database, which is also its schema', () => {
    const { tables } = exportedTables(
      manifest([{ target: 'shop.customers', folder: 'shop/shop.customers' }], { resourceType: 'Aurora' }),
    );
    expect(tables[0]).toMatchObject({ historyName: 'aurora_prod_db_shop_customers', schema: 'shop', database: 'shop' });
  });

  it('adds the database when two databases hold the same schema.table, and a hash when still ambiguous', () => {
    const { tables } = exportedTables(
      manifest([
        { target: 'db1.public.users' },
        { target: 'db2.public.users' },
        { target: 'db1.public.orders' },
        { target: 'db1.a_b.c' },
        { target: 'db1.a.b_c' },
      ]),
    );
    const names = tables.map((t) => t.historyName);
    expect(names.slice(0, 3)).toEqual([
      'rds_prod_db_db1_public_users',
      'rds_prod_db_db2_public_users',
      'rds_prod_db_public_orders',
    ]);
    expect(names[3]).toMatch(/^rds_prod_db_db1_a_b_c_[0-9a-f]{8}$/);
    expect(names[4]).toMatch(/^rds_prod_db_db1_a_b_c_[0-9a-f]{8}$/);
    expect(new Set(names).size).toBe(names.length);
  });

  it('keeps a history name from clashing with another table’s latest name', () => {
    const { tables } = exportedTables(manifest([{ target: 'db.public.t' }, { target: 'db.public.t_latest' }]));
    const all = tables.flatMap((t) => [t.historyName, t.latestName]);
    expect(new Set(all).size).toBe(4);
    expect(tables[0]!.historyName).toBe('rds_prod_db_public_t');
  });

  it('shortens long names, stably, within 255 characters including the latest suffix', () => {
    const long = `db.public.${'x'.repeat(300)}`;
    const a = exportedTables(manifest([{ target: long }])).tables[0]!;
    const b = exportedTables(manifest([{ target: long }, { target: 'db.public.other' }])).tables[0]!;
    expect(a.latestName.length).toBeLessThanOrEqual(MAX_GLUE_NAME);
    expect(a.historyName).toMatch(/_[0-9a-f]{8}$/);
    expect(b.historyName).toBe(a.historyName);
  });

  it('skips tables RDS did not export or that hold no object', () => {
    const { tables, skipped } = exportedTables(
      manifest([
        { target: 'db.public.ok' },
        { target: 'db.public.failed', status: 'FAILED' },
        { target: 'db.public.empty', objects: 0 },
      ]),
    );
    expect(tables.map((t) => t.target)).toEqual(['db.public.ok']);
    expect(skipped.map((s) => s.target)).toEqual(['db.public.failed', 'db.public.empty']);
  });
});

describe('buildTableInputs', () => {
  const schema: ParquetColumn[] = [
    col('id', { physicalType: 'INT32' }),
    col('name', { physicalType: 'BYTE_ARRAY', convertedType: 'UTF8' }),
  ];

  it('builds a projected history table and a latest table', () => {
    const m = manifest([{ target: 'appdb.public.orders' }]);
    const { registrations } = buildTableInputs(m, new Map([['appdb.public.orders', schema]]));
    const { history, latest } = registrations[0]!;
    expect(GLUE_DATABASE).toBe('vaultpilot_archive');
    expect(history.Name).toBe('rds_prod_db_public_orders');
    expect(history.PartitionKeys.map((k) => [k.Name, k.Type])).toEqual([
      ['snapshot_date', 'string'],
      ['export_id', 'string'],
    ]);
    expect(history.Parameters).toMatchObject({
      classification: 'parquet',
      'projection.enabled': 'true',
      'projection.snapshot_date.type': 'injected',
      'projection.export_id.type': 'injected',
      'storage.location.template':
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Athena partition projection placeholders
        's3://archive-bucket/exports/account=111122223333/region=eu-west-1/type=rds/resource=prod-db/date=${snapshot_date}/${export_id}/appdb/public.orders/',
      [TABLE_PARAMETERS.managedBy]: 'vaultpilot',
      [TABLE_PARAMETERS.manifest]: `s3://archive-bucket/${ROOT}vaultpilot-manifest.json`,
      [TABLE_PARAMETERS.snapshotTime]: '2026-11-20T02:10:00.000Z',
      [TABLE_PARAMETERS.target]: 'appdb.public.orders',
    });
    expect(history.StorageDescriptor).toMatchObject({
      Columns: [
        { Name: 'id', Type: 'int' },
        { Name: 'name', Type: 'string' },
      ],
      InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
      OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
      SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
    });
    expect(latest?.Name).toBe('rds_prod_db_public_orders_latest');
    expect(latest?.PartitionKeys).toEqual([]);
    expect(latest?.StorageDescriptor.Location).toBe(`s3://archive-bucket/${ROOT}appdb/public.orders/`);
    expect(latest?.Parameters['projection.enabled']).toBeUndefined();
  });

  it('gives a partial export no latest table', () => {
    const m = manifest([{ target: 'appdb.public.orders' }, { target: 'appdb.public.bad', status: 'FAILED' }], {
      result: 'partial',
    });
    const { registrations, skipped } = buildTableInputs(m, new Map([['appdb.public.orders', schema]]));
    expect(registrations).toHaveLength(1);
    expect(registrations[0]!.latest).toBeUndefined();
    expect(skipped.map((s) => s.target)).toEqual(['appdb.public.bad']);
  });

  it('skips a table whose schema is missing', () => {
    const { registrations, skipped } = buildTableInputs(manifest([{ target: 'appdb.public.orders' }]), new Map());
    expect(registrations).toEqual([]);
    expect(skipped[0]?.reason).toMatch(/schema/);
  });

  it('refuses a root outside the archive layout', () => {
    expect(() => exportLocation(manifest([], { root: 'somewhere/else/' }))).toThrow(/date=/);
  });
});

describe('replacesTable (latest-table rules)', () => {
  const params = (snapshotTime: string | undefined, verifiedAt: string) => ({
    ...(snapshotTime ? { [TABLE_PARAMETERS.snapshotTime]: snapshotTime } : {}),
    [TABLE_PARAMETERS.verifiedAt]: verifiedAt,
  });
  it.each([
    ['no table yet', params('2026-11-20T00:00:00Z', 'v2'), undefined, true],
    ['a table Vaultpilot did not write', params('2026-11-20T00:00:00Z', 'v2'), {}, true],
    ['a newer snapshot', params('2026-11-21T00:00:00Z', 'a'), params('2026-11-20T00:00:00Z', 'z'), true],
    ['an older snapshot', params('2026-11-19T00:00:00Z', 'z'), params('2026-11-20T00:00:00Z', 'a'), false],
    [
      'the same snapshot verified later',
      params('2026-11-20T00:00:00Z', 'b'),
      params('2026-11-20T00:00:00Z', 'a'),
      true,
    ],
    [
      'the same snapshot verified earlier',
      params('2026-11-20T00:00:00Z', 'a'),
      params('2026-11-20T00:00:00Z', 'b'),
      false,
    ],
    ['no snapshot time: later verification', params(undefined, 'b'), params('2026-11-20T00:00:00Z', 'a'), true],
  ])('%s → %s', (_, candidate, current, expected) => {
    expect(replacesTable(candidate, current)).toBe(expected);
  });
});
