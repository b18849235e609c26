/**
 * A local stand-in for the part of the AWS Glue Data Catalog that registering Athena tables needs (service `glue`,
 * awsJson1_1), plain node:http. It answers `POST /` with `X-Amz-Target: AWSGlue.<Operation>` and errors as
 * `{"__type": "<Exception>", "message": "…"}`, so the real `@aws-sdk/client-glue` (pointed at `endpoint`, any region
 * and credentials) works against it unchanged — including its exception classes (`error.name`). Signatures are not
 * checked.
 *
 * What it answers: CreateDatabase, GetDatabase, CreateTable, UpdateTable, GetTable, GetTables (MaxResults 1–100,
 * NextToken; Expression as a case-insensitive pattern where `*` matches anything) and DeleteTable, in one catalog
 * (CatalogId is accepted and ignored). Database and table names are lower-cased, as Glue stores them; TableInput is
 * kept as sent (StorageDescriptor, PartitionKeys, Parameters such as `projection.enabled`, …). Other operations answer
 * `UnknownOperationException`. It does not model partitions, table versions beyond a counter, Lake Formation,
 * transactions or permissions.
 *
 * Errors (all 400, as Glue answers them): `AlreadyExistsException` (database or table exists),
 * `EntityNotFoundException` (database or table missing), `InvalidInputException` (missing name, bad NextToken,
 * malformed JSON), plus anything injected with `injectError`. Timestamps are epoch seconds. See docs/sandbox.md.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { header, listenLocally, readBodyUpTo } from '../http/listenLocally.js';

/** JSON as parsed from a request. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** How to start the stand-in. */
export interface GlueStandInOptions {
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default 0 (the OS chooses) */
  readonly port?: number;
  /** What GetDatabase/GetTable answer as CatalogId. @default '111122223333' */
  readonly catalogId?: string;
}

/** A column of a table, as stored. */
export interface GlueColumn {
  readonly Name: string;
  readonly Type?: string;
  readonly Comment?: string;
  readonly Parameters?: Readonly<Record<string, string>>;
}

/** A database, as the catalog holds it. */
export interface GlueDatabase {
  readonly name: string;
  readonly description: string | undefined;
  readonly locationUri: string | undefined;
  readonly parameters: Readonly<Record<string, string>>;
  readonly createTime: Date;
  /** DatabaseInput as sent (Name lower-cased). */
  readonly input: Readonly<JsonObject>;
}

/** A table, as the catalog holds it. */
export interface GlueTable {
  readonly name: string;
  readonly databaseName: string;
  readonly tableType: string | undefined;
  readonly location: string | undefined;
  readonly columns: readonly GlueColumn[];
  readonly partitionKeys: readonly GlueColumn[];
  readonly parameters: Readonly<Record<string, string>>;
  readonly createTime: Date;
  readonly updateTime: Date;
  /** Starts at '0', one more on each UpdateTable. */
  readonly versionId: string;
  /** TableInput as sent (Name lower-cased): StorageDescriptor with InputFormat, OutputFormat, SerdeInfo, … */
  readonly input: Readonly<JsonObject>;
}

/** An error to inject: its exception name, HTTP status and message. */
export interface InjectedGlueError {
  readonly type: string;
  readonly status: number;
  readonly message?: string;
}

/** A running stand-in. */
export interface GlueStandIn {
  /** `http://host:port`, for the SDK's `endpoint`. */
  readonly endpoint: string;
  databases(): readonly GlueDatabase[];
  /** The tables of a database (lower-cased lookup), by name; empty if the database does not exist. */
  tables(database: string): readonly GlueTable[];
  /** The next `times` (default 1) calls of `operation` (e.g. 'CreateTable') answer this error. */
  injectError(operation: string, error: InjectedGlueError, times?: number): void;
  close(): Promise<void>;
}

const OPERATIONS = [
  'CreateDatabase',
  'GetDatabase',
  'CreateTable',
  'UpdateTable',
  'GetTable',
  'GetTables',
  'DeleteTable',
] as const;
type Operation = (typeof OPERATIONS)[number];

const MAX_BODY = 10 * 1024 * 1024;

class GlueError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const invalidInput = (message: string) => new GlueError(400, 'InvalidInputException', message);
const notFound = (message: string) => new GlueError(400, 'EntityNotFoundException', message);
const alreadyExists = (message: string) => new GlueError(400, 'AlreadyExistsException', message);

interface StoredDatabase {
  readonly input: JsonObject;
  readonly createTime: Date;
  readonly tables: Map<string, StoredTable>;
}

interface StoredTable {
  input: JsonObject;
  readonly databaseName: string;
  readonly createTime: Date;
  updateTime: Date;
  version: number;
}

/** Starts the Glue Data Catalog stand-in on 127.0.0.1 (a port the OS chooses unless given). */
export async function startGlueStandIn(options: GlueStandInOptions = {}): Promise<GlueStandIn> {
  const catalogId = options.catalogId ?? '111122223333';
  const catalog = new Map<string, StoredDatabase>();
  const injected = new Map<string, { error: InjectedGlueError; remaining: number }[]>();

  const server: Server = createServer((req, res) => {
    void handle(req, res, catalog, catalogId, injected);
  });
  const endpoint = await listenLocally(server, options);

  return {
    endpoint,
    databases: () =>
      [...catalog.values()].map((db) => ({
        name: String(db.input.Name),
        description: stringOf(db.input.Description),
        locationUri: stringOf(db.input.LocationUri),
        parameters: stringMap(db.input.Parameters),
        createTime: db.createTime,
        input: structuredClone(db.input),
      })),
    tables: (database) => [...(catalog.get(database.toLowerCase())?.tables.values() ?? [])].map(tableInfo),
    injectError: (operation, error, times = 1) => {
      if (!Number.isInteger(times) || times < 1)
        throw new RangeError(`times must be a positive integer, not ${times}.`);
      const queue = injected.get(operation) ?? [];
      queue.push({ error, remaining: times });
      injected.set(operation, queue);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function tableInfo(table: StoredTable): GlueTable {
  const sd = objectOf(table.input.StorageDescriptor);
  return {
    name: String(table.input.Name),
    databaseName: table.databaseName,
    tableType: stringOf(table.input.TableType),
    location: stringOf(sd?.Location),
    columns: columnsOf(sd?.Columns),
    partitionKeys: columnsOf(table.input.PartitionKeys),
    parameters: stringMap(table.input.Parameters),
    createTime: table.createTime,
    updateTime: table.updateTime,
    versionId: String(table.version),
    input: structuredClone(table.input),
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  catalog: Map<string, StoredDatabase>,
  catalogId: string,
  injected: Map<string, { error: InjectedGlueError; remaining: number }[]>,
): Promise<void> {
  let status = 200;
  let body: string;
  try {
    const raw = await readBody(req);
    const target = header(req, 'x-amz-target') ?? '';
    const [prefix, name] = target.split('.');
    if (req.method !== 'POST' || prefix !== 'AWSGlue' || !OPERATIONS.includes(name as Operation)) {
      throw new GlueError(
        400,
        'UnknownOperationException',
        `The stand-in does not answer ${target || 'this request'}.`,
      );
    }
    const operation = name as Operation;
    const queue = injected.get(operation);
    const fault = queue?.[0];
    if (queue && fault) {
      fault.remaining -= 1;
      if (fault.remaining <= 0) queue.shift();
      throw new GlueError(fault.error.status, fault.error.type, fault.error.message ?? `Injected ${fault.error.type}.`);
    }
    let input: JsonObject;
    try {
      const parsed: unknown = JSON.parse(raw || '{}');
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      input = parsed as JsonObject;
    } catch {
      throw new GlueError(400, 'SerializationException', 'The request body is not a JSON object.');
    }
    body = JSON.stringify(run(operation, input, catalog, catalogId));
  } catch (error) {
    const e = error instanceof GlueError ? error : new GlueError(500, 'InternalServiceException', String(error));
    status = e.status;
    body = JSON.stringify({ __type: e.type, message: e.message });
  }
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-RequestId': randomUUID() });
  res.end(body);
}

function run(
  operation: Operation,
  input: JsonObject,
  catalog: Map<string, StoredDatabase>,
  catalogId: string,
): unknown {
  const database = (name: JsonValue | undefined): StoredDatabase => {
    const key = requiredName(name, 'DatabaseName');
    const db = catalog.get(key);
    if (!db) throw notFound(`Database ${key} not found.`);
    return db;
  };
  const table = (db: StoredDatabase, name: JsonValue | undefined): StoredTable => {
    const key = requiredName(name, 'Name');
    const found = db.tables.get(key);
    if (!found) throw notFound(`Table ${key} not found.`);
    return found;
  };
  const tableOut = (t: StoredTable) => ({
    ...t.input,
    DatabaseName: t.databaseName,
    CreateTime: t.createTime.getTime() / 1000,
    UpdateTime: t.updateTime.getTime() / 1000,
    IsRegisteredWithLakeFormation: false,
    CatalogId: catalogId,
    VersionId: String(t.version),
  });

  switch (operation) {
    case 'CreateDatabase': {
      const dbInput = objectOf(input.DatabaseInput);
      if (!dbInput) throw invalidInput('DatabaseInput is required.');
      const name = requiredName(dbInput.Name, 'DatabaseInput.Name');
      if (catalog.has(name)) throw alreadyExists(`Database already exists: ${name}`);
      catalog.set(name, {
        input: { ...structuredClone(dbInput), Name: name },
        createTime: new Date(),
        tables: new Map(),
      });
      return {};
    }
    case 'GetDatabase': {
      const db = database(input.Name);
      return { Database: { ...db.input, CreateTime: db.createTime.getTime() / 1000, CatalogId: catalogId } };
    }
    case 'CreateTable': {
      const db = database(input.DatabaseName);
      const tableInput = tableInputOf(input);
      const name = String(tableInput.Name);
      if (db.tables.has(name)) throw alreadyExists(`Table already exists: ${name}`);
      const now = new Date();
      db.tables.set(name, {
        input: tableInput,
        databaseName: String(db.input.Name),
        createTime: now,
        updateTime: now,
        version: 0,
      });
      return {};
    }
    case 'UpdateTable': {
      const db = database(input.DatabaseName);
      const tableInput = tableInputOf(input);
      const existing = table(db, tableInput.Name);
      existing.input = tableInput;
      existing.updateTime = new Date();
      existing.version += 1;
      return {};
    }
    case 'GetTable':
      return { Table: tableOut(table(database(input.DatabaseName), input.Name)) };
    case 'GetTables': {
      const db = database(input.DatabaseName);
      const max = input.MaxResults === undefined ? 100 : input.MaxResults;
      if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 100) {
        throw invalidInput('MaxResults must be an integer from 1 to 100.');
      }
      const pattern = expressionOf(input.Expression);
      const names = [...db.tables.keys()].filter((n) => pattern?.test(n) ?? true).sort();
      let start = 0;
      if (input.NextToken !== undefined && input.NextToken !== null) {
        const after = decodeToken(input.NextToken);
        start = names.findIndex((n) => n > after);
        if (start < 0) start = names.length;
      }
      const page = names.slice(start, start + max);
      const last = page[page.length - 1];
      const more = start + page.length < names.length && last !== undefined;
      return {
        TableList: page.map((n) => tableOut(db.tables.get(n)!)),
        ...(more ? { NextToken: Buffer.from(JSON.stringify({ after: last })).toString('base64url') } : {}),
      };
    }
    case 'DeleteTable': {
      const db = database(input.DatabaseName);
      const t = table(db, input.Name);
      db.tables.delete(String(t.input.Name));
      return {};
    }
  }
}

function tableInputOf(input: JsonObject): JsonObject {
  const tableInput = objectOf(input.TableInput);
  if (!tableInput) throw invalidInput('TableInput is required.');
  const name = requiredName(tableInput.Name, 'TableInput.Name');
  return { ...structuredClone(tableInput), Name: name };
}

function requiredName(value: JsonValue | undefined, field: string): string {
  if (typeof value !== 'string' || value.length === 0) throw invalidInput(`${field} is required.`);
  if (value.length > 255) throw invalidInput(`${field} must be at most 255 characters.`);
  return value.toLowerCase();
}

/** Glue's Expression: a pattern over table names; `*` alone matches anything, the rest is a regular expression. */
function expressionOf(value: JsonValue | undefined): RegExp | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw invalidInput('Expression must be a string.');
  const source = value.replace(/(^|[^.\\])\*/g, '$1.*');
  try {
    return new RegExp(`^(?:${source})$`, 'i');
  } catch {
    throw invalidInput(`Expression is not a valid pattern: ${value}`);
  }
}

function decodeToken(token: JsonValue): string {
  try {
    if (typeof token !== 'string') throw new Error('not a string');
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && 'after' in parsed && typeof parsed.after === 'string') {
      return parsed.after;
    }
  } catch {
    // fall through
  }
  throw invalidInput('The NextToken is not valid.');
}

function objectOf(value: JsonValue | undefined): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
}

function stringOf(value: JsonValue | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function stringMap(value: JsonValue | undefined): Record<string, string> {
  const object = objectOf(value) ?? {};
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, String(v)]));
}

function columnsOf(value: JsonValue | undefined): GlueColumn[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((c) => {
    const column = objectOf(c);
    if (!column || typeof column.Name !== 'string') return [];
    return [
      {
        Name: column.Name,
        ...(typeof column.Type === 'string' ? { Type: column.Type } : {}),
        ...(typeof column.Comment === 'string' ? { Comment: column.Comment } : {}),
        ...(objectOf(column.Parameters) ? { Parameters: stringMap(column.Parameters) } : {}),
      },
    ];
  });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const body = await readBodyUpTo(req, MAX_BODY);
  if (body === undefined) throw invalidInput('The request body is too large.');
  return body;
}
