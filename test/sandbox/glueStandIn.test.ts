import {
  AlreadyExistsException,
  CreateDatabaseCommand,
  CreateTableCommand,
  DeleteTableCommand,
  EntityNotFoundException,
  GetDatabaseCommand,
  GetTableCommand,
  GetTablesCommand,
  GlueClient,
  type GlueServiceException,
  InternalServiceException,
  InvalidInputException,
  paginateGetTables,
  type TableInput,
  UpdateTableCommand,
} from '@aws-sdk/client-glue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GlueStandIn, startGlueStandIn } from '../../sandbox/glue/startGlueStandIn.js';

let standIn: GlueStandIn;
let glue: GlueClient;

const archiveTable = (name: string): TableInput => ({
  Name: name,
  TableType: 'EXTERNAL_TABLE',
  Parameters: {
    classification: 'parquet',
    'projection.enabled': 'true',
    'projection.dt.type': 'date',
    'projection.dt.format': 'yyyy-MM-dd',
    'projection.dt.range': '2024-01-01,NOW',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Athena partition projection placeholder
    'storage.location.template': 's3://archive/exports/dt=${dt}/',
  },
  PartitionKeys: [{ Name: 'dt', Type: 'string' }],
  StorageDescriptor: {
    Columns: [
      { Name: 'id', Type: 'bigint' },
      { Name: 'payload', Type: 'string', Comment: 'JSON' },
    ],
    Location: 's3://archive/exports/',
    InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
    OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
    SerdeInfo: {
      SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
      Parameters: { 'serialization.format': '1' },
    },
  },
});

beforeAll(async () => {
  standIn = await startGlueStandIn();
  glue = new GlueClient({
    endpoint: standIn.endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
  await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'Vaultpilot_Archive', Description: 'exports' } }));
});

afterAll(async () => {
  glue?.destroy();
  await standIn?.close();
});

describe('databases', () => {
  it('lower-cases the name and answers GetDatabase', async () => {
    const out = await glue.send(new GetDatabaseCommand({ Name: 'VAULTPILOT_ARCHIVE' }));
    expect(out.Database).toMatchObject({ Name: 'vaultpilot_archive', Description: 'exports' });
    expect(out.Database?.CreateTime).toBeInstanceOf(Date);
    expect(standIn.databases().map((d) => d.name)).toEqual(['vaultpilot_archive']);
  });
});

describe('tables', () => {
  it('stores TableInput faithfully and lower-cases the table name', async () => {
    await glue.send(
      new CreateTableCommand({ DatabaseName: 'vaultpilot_archive', TableInput: archiveTable('Orders_Export') }),
    );
    const out = await glue.send(new GetTableCommand({ DatabaseName: 'vaultpilot_archive', Name: 'orders_export' }));
    const { Name: _name, ...rest } = archiveTable('x');
    expect(out.Table).toMatchObject({ ...rest, Name: 'orders_export', DatabaseName: 'vaultpilot_archive' });
    expect(out.Table?.CreateTime).toBeInstanceOf(Date);
    const [stored] = standIn.tables('vaultpilot_archive');
    expect(stored).toMatchObject({
      name: 'orders_export',
      databaseName: 'vaultpilot_archive',
      tableType: 'EXTERNAL_TABLE',
      location: 's3://archive/exports/',
      columns: [
        { Name: 'id', Type: 'bigint' },
        { Name: 'payload', Type: 'string', Comment: 'JSON' },
      ],
      partitionKeys: [{ Name: 'dt', Type: 'string' }],
      versionId: '0',
    });
    expect(stored?.parameters['projection.enabled']).toBe('true');
    expect(stored?.input).toMatchObject({
      StorageDescriptor: { SerdeInfo: { Parameters: { 'serialization.format': '1' } } },
    });
  });

  it('updates a table and bumps its version', async () => {
    const input = archiveTable('orders_export');
    input.StorageDescriptor!.Columns!.push({ Name: 'amount', Type: 'decimal(12,2)' });
    await glue.send(new UpdateTableCommand({ DatabaseName: 'vaultpilot_archive', TableInput: input }));
    const out = await glue.send(new GetTableCommand({ DatabaseName: 'vaultpilot_archive', Name: 'orders_export' }));
    expect(out.Table?.StorageDescriptor?.Columns?.map((c) => c.Name)).toEqual(['id', 'payload', 'amount']);
    expect(out.Table?.VersionId).toBe('1');
  });

  it('paginates GetTables with NextToken and filters with Expression', async () => {
    for (let i = 0; i < 5; i++) {
      await glue.send(
        new CreateTableCommand({ DatabaseName: 'vaultpilot_archive', TableInput: archiveTable(`page_${i}`) }),
      );
    }
    const first = await glue.send(new GetTablesCommand({ DatabaseName: 'vaultpilot_archive', MaxResults: 2 }));
    expect(first.TableList?.map((t) => t.Name)).toEqual(['orders_export', 'page_0']);
    expect(first.NextToken).toBeDefined();
    const names: string[] = [];
    for await (const page of paginateGetTables({ client: glue, pageSize: 2 }, { DatabaseName: 'vaultpilot_archive' })) {
      names.push(...(page.TableList ?? []).map((t) => t.Name ?? ''));
    }
    expect(names).toEqual(['orders_export', 'page_0', 'page_1', 'page_2', 'page_3', 'page_4']);
    const filtered = await glue.send(
      new GetTablesCommand({ DatabaseName: 'vaultpilot_archive', Expression: 'page_*' }),
    );
    expect(filtered.TableList).toHaveLength(5);
  });

  it('deletes a table', async () => {
    await glue.send(new DeleteTableCommand({ DatabaseName: 'vaultpilot_archive', Name: 'page_4' }));
    expect(standIn.tables('vaultpilot_archive').map((t) => t.name)).not.toContain('page_4');
  });
});

describe('error paths reach the SDK as its exception classes', () => {
  const cases: {
    name: string;
    send: () => Promise<unknown>;
    error: new (...args: never[]) => GlueServiceException;
    type: string;
  }[] = [
    {
      name: 'CreateDatabase of an existing database',
      send: () => glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'vaultpilot_archive' } })),
      error: AlreadyExistsException,
      type: 'AlreadyExistsException',
    },
    {
      name: 'GetDatabase of a missing database',
      send: () => glue.send(new GetDatabaseCommand({ Name: 'nope' })),
      error: EntityNotFoundException,
      type: 'EntityNotFoundException',
    },
    {
      name: 'CreateTable of an existing table (other case)',
      send: () =>
        glue.send(
          new CreateTableCommand({ DatabaseName: 'vaultpilot_archive', TableInput: archiveTable('ORDERS_EXPORT') }),
        ),
      error: AlreadyExistsException,
      type: 'AlreadyExistsException',
    },
    {
      name: 'CreateTable in a missing database',
      send: () => glue.send(new CreateTableCommand({ DatabaseName: 'nope', TableInput: archiveTable('t') })),
      error: EntityNotFoundException,
      type: 'EntityNotFoundException',
    },
    {
      name: 'CreateTable without TableInput.Name',
      send: () =>
        glue.send(new CreateTableCommand({ DatabaseName: 'vaultpilot_archive', TableInput: {} as TableInput })),
      error: InvalidInputException,
      type: 'InvalidInputException',
    },
    {
      name: 'UpdateTable of a missing table',
      send: () =>
        glue.send(new UpdateTableCommand({ DatabaseName: 'vaultpilot_archive', TableInput: archiveTable('nope') })),
      error: EntityNotFoundException,
      type: 'EntityNotFoundException',
    },
    {
      name: 'GetTable of a missing table',
      send: () => glue.send(new GetTableCommand({ DatabaseName: 'vaultpilot_archive', Name: 'nope' })),
      error: EntityNotFoundException,
      type: 'EntityNotFoundException',
    },
    {
      name: 'GetTables of a missing database',
      send: () => glue.send(new GetTablesCommand({ DatabaseName: 'nope' })),
      error: EntityNotFoundException,
      type: 'EntityNotFoundException',
    },
    {
      name: 'GetTables with a forged NextToken',
      send: () => glue.send(new GetTablesCommand({ DatabaseName: 'vaultpilot_archive', NextToken: 'forged' })),
      error: InvalidInputException,
      type: 'InvalidInputException',
    },
    {
      name: 'DeleteTable of a missing table',
      send: () => glue.send(new DeleteTableCommand({ DatabaseName: 'vaultpilot_archive', Name: 'nope' })),
      error: EntityNotFoundException,
      type: 'EntityNotFoundException',
    },
  ];

  it.each(cases)('$name → $type', async ({ send, error, type }) => {
    const failure = await send().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(error);
    expect((failure as Error).name).toBe(type);
  });

  it('injected errors answer the next `times` calls', async () => {
    standIn.injectError('GetTable', { type: 'InternalServiceException', status: 500, message: 'boom' }, 2);
    const get = () => glue.send(new GetTableCommand({ DatabaseName: 'vaultpilot_archive', Name: 'orders_export' }));
    for (let i = 0; i < 2; i++) {
      const failure = await get().catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(InternalServiceException);
      expect((failure as Error).message).toBe('boom');
    }
    await expect(get()).resolves.toMatchObject({ Table: { Name: 'orders_export' } });
  });
});
