/**
 * A local stand-in for the DynamoDB control plane the DynamoDB export workflow calls, plain node:http, awsJson1_0
 * (`POST /`, `X-Amz-Target: DynamoDB_20120810.<Operation>`, errors as `{"__type": "com.amazonaws.dynamodb.v20120810#<Name>",
 * "message"}`), in front of an in-process dynalite that holds the tables and items. The real DynamoDBClient
 * (endpoint = the stand-in, any region and credentials) works against it unchanged and raises its own exception
 * classes. Signatures are not checked.
 *
 * It answers itself: UpdateContinuousBackups / DescribeContinuousBackups (PITR per table: ENABLING, then ENABLED
 * after `timing.pitrEnablingMs`, with EarliestRestorableDateTime = when it turned on and LatestRestorableDateTime =
 * now), ExportTableToPointInTime / DescribeExport / ListExports. Exports are REAL: the table is Scanned from dynalite
 * when the export starts, and after `timing.exportMs` the files are written into the S3 stand-in in AWS's layout
 * (`<prefix>/AWSDynamoDB/<ExportId>/_started`, `data/<random>.json.gz`, `manifest-files.json`,
 * `manifest-summary.json`, written by `exportFiles.ts`). Every other operation (GetItem, PutItem, Query, Scan,
 * CreateTable, DescribeTable, DeleteTable, …) is proxied to dynalite unchanged, except that table ARNs in the
 * answers of the table operations are rewritten to this stand-in's account and Region (dynalite's are
 * `us-east-1:000000000000`, or its AWS_* environment). DeleteTable is recorded (`deletedTables()`).
 *
 * ExportTableToPointInTime's rules and their errors:
 * - unknown table (by TableArn's `table/<name>`) → TableNotFoundException;
 * - PITR not ENABLED (DISABLED, or still ENABLING) → PointInTimeRecoveryUnavailableException;
 * - ExportTime outside EarliestRestorableDateTime..LatestRestorableDateTime → InvalidExportTimeException;
 * - ExportFormat other than DYNAMODB_JSON / ION → ValidationException; ION is refused too (ValidationException,
 *   CHOICE: the stand-in writes DYNAMODB_JSON only); ExportType INCREMENTAL_EXPORT → ValidationException (CHOICE);
 * - the same ClientToken within 8 hours: the same parameters → the same export; other parameters →
 *   ExportConflictException (what the SDK's documentation of ClientToken says; IdempotentParameterMismatchException
 *   is TransactWriteItems' error, not this one's);
 * - a bucket that does not exist → the export is accepted and ends FAILED with FailureCode `S3NoSuchBucket`
 *   (ASSUMPTION: AWS reports S3 problems through the export's failure, the exact code is not documented).
 * Faults: `failExport(table, message, code?)` → that table's exports end FAILED; `corruptExport(table)` → one data
 * file's bytes no longer match its md5Checksum; `injectError(operation, …)` for any operation, proxied ones too.
 *
 * It does NOT: export data as of ExportTime (the table is read as it is when the export starts), write ION,
 * incremental exports, encrypt with KMS, check S3BucketOwner or IAM, model LatestRestorableDateTime's real lag
 * (about 5 minutes behind now on AWS; here it is now), RecoveryPeriodInDays other than stored, or the concurrency
 * quota of exports. RestoreTableToPointInTime and backups of its own are not offered (AWS Backup's stand-in restores
 * through `restoreTable`).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ErrorQueue, type InjectedError } from '../backup/backupStandInErrors.js';
import { listenLocally } from '../http/listenLocally.js';
import { type ItemJson, writeExportFiles } from './exportFiles.js';

export type { InjectedError } from '../backup/backupStandInErrors.js';
export type { AttributeValueJson, ItemJson } from './exportFiles.js';

type DynaliteFactory = (options: { createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => Server;
const dynalite = createRequire(import.meta.url)('dynalite') as DynaliteFactory;

const TARGET_PREFIX = 'DynamoDB_20120810.';
const ERROR_NAMESPACE = 'com.amazonaws.dynamodb.v20120810#';
const IDEMPOTENCY_MS = 8 * 3_600_000;
/** Operations whose answers describe tables, so carry dynalite's table ARNs. */
const TABLE_OPERATIONS: ReadonlySet<string> = new Set(['CreateTable', 'DescribeTable', 'DeleteTable', 'UpdateTable']);

/** How to start the stand-in. */
export interface DynamoDbStandInOptions {
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default 0 (the OS chooses) */
  readonly port?: number;
  /** @default '111122223333' */
  readonly accountId?: string;
  /** @default 'eu-west-1' */
  readonly region?: string;
  /** Where exports are written (path-style). */
  readonly s3: {
    readonly endpoint: string;
    /** @default 'us-east-1' */
    readonly region?: string;
    /** @default S3RVER / S3RVER, the key pair the S3 stand-in (s3rver) accepts */
    readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  };
  /** How long PITR stays ENABLING, and an export IN_PROGRESS. @default 100 / 100 ms */
  readonly timing?: { readonly pitrEnablingMs?: number; readonly exportMs?: number };
  /** dynalite's CREATING / DELETING / UPDATING durations. @default 0 each */
  readonly dynalite?: {
    readonly createTableMs?: number;
    readonly deleteTableMs?: number;
    readonly updateTableMs?: number;
  };
  /** Items per data file; a larger table is spread over several files (at most 8). @default 1000 */
  readonly itemsPerDataFile?: number;
  /** Clock for PITR windows, export times and idempotency. @default () => new Date() */
  readonly now?: () => Date;
}

/** A table to create with its items, as AWS Backup's restore does. */
export interface TableRestore {
  readonly tableName: string;
  /** @default [{ attributeName: 'pk', keyType: 'HASH', attributeType: 'S' }] */
  readonly keySchema?: readonly KeyAttribute[];
  /** In DynamoDB JSON (binary values base64), e.g. {@link ItemJson}. */
  readonly items?: readonly Record<string, unknown>[];
}

/** One key attribute of a table. */
export interface KeyAttribute {
  readonly attributeName: string;
  readonly keyType: 'HASH' | 'RANGE';
  readonly attributeType: 'S' | 'N' | 'B';
}

/** What an export looks like from outside, for tests. */
export interface StandInExportInfo {
  readonly exportArn: string;
  readonly exportId: string;
  readonly tableArn: string;
  readonly status: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
  readonly s3Bucket: string;
  readonly s3Prefix: string | undefined;
  readonly s3BucketOwner: string | undefined;
  readonly itemCount: number | undefined;
  readonly objectKeys: readonly string[];
  readonly failureCode?: string;
}

/** A running stand-in. */
export interface DynamoDbStandIn {
  /** `http://host:port`, for the SDK's `endpoint`. */
  readonly endpoint: string;
  /** The dynalite behind it (no control-plane operations there). */
  readonly dynaliteEndpoint: string;
  /** `arn:aws:dynamodb:<region>:<account>:table/<name>` */
  tableArn(tableName: string): string;
  /** Every table that exists now (ListTables on dynalite), sorted. */
  tables(): Promise<string[]>;
  /** Tables DeleteTable deleted, in order. */
  deletedTables(): readonly string[];
  /** Creates a table (PAY_PER_REQUEST) and loads items; throws `Table already exists: <name>` if it exists. Returns its ARN. */
  restoreTable(restore: TableRestore): Promise<string>;
  /** Sets a table's PITR at once (no ENABLING), e.g. a source table that has had PITR for days. */
  setPointInTimeRecovery(tableName: string, pitr: { enabled: boolean; earliestRestorableDateTime?: Date }): void;
  /** Exports of that table (ARN or name) started from now on end FAILED with this FailureMessage and code. */
  failExport(table: string, failureMessage: string, failureCode?: string): void;
  /** Exports of that table (ARN or name) started from now on write one data file whose bytes do not match its md5. */
  corruptExport(table: string): void;
  /** Every export so far, in order. */
  exports(): readonly StandInExportInfo[];
  /** The next `times` (default 1) calls of `operation` (e.g. 'ExportTableToPointInTime', 'DeleteTable') answer this error. */
  injectError(operation: string, error: InjectedError, times?: number): void;
  /** Resolves when no export is running. */
  idle(): Promise<void>;
  /** Stops the server and dynalite (running exports are awaited first). */
  close(): Promise<void>;
}

/** An error in the awsJson1_0 wire shape DynamoDB answers. */
export class DynamoDbStandInError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = type;
  }
}

const tableNotFound = (name: string) =>
  new DynamoDbStandInError(400, 'TableNotFoundException', `Table not found: ${name}`);
const validation = (message: string) => new DynamoDbStandInError(400, 'ValidationException', message);

interface Pitr {
  status: 'ENABLING' | 'ENABLED';
  earliest: Date;
  recoveryPeriodInDays: number;
  timer?: NodeJS.Timeout;
}

interface ExportRecord {
  readonly exportArn: string;
  readonly exportId: string;
  readonly tableArn: string;
  readonly tableName: string;
  readonly clientToken: string;
  readonly fingerprint: string;
  readonly requestedAt: Date;
  readonly startTime: Date;
  readonly exportTime: Date;
  readonly s3Bucket: string;
  readonly s3Prefix: string | undefined;
  readonly s3BucketOwner: string | undefined;
  readonly s3SseAlgorithm: string | undefined;
  status: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
  endTime?: Date;
  itemCount?: number;
  billedSizeBytes?: number;
  failureCode?: string;
  failureMessage?: string;
  objectKeys: string[];
}

type Body = Record<string, unknown>;

/** Starts dynalite and the stand-in in front of it, on 127.0.0.1 (ports the OS chooses unless given). */
export async function startDynamoDbStandIn(options: DynamoDbStandInOptions): Promise<DynamoDbStandIn> {
  const accountId = options.accountId ?? '111122223333';
  const region = options.region ?? 'eu-west-1';
  const now = options.now ?? (() => new Date());
  const pitrEnablingMs = options.timing?.pitrEnablingMs ?? 100;
  const exportMs = options.timing?.exportMs ?? 100;
  const itemsPerDataFile = Math.max(1, options.itemsPerDataFile ?? 1000);
  const arnPrefix = `arn:aws:dynamodb:${region}:${accountId}:table/`;
  const tableArn = (name: string) => `${arnPrefix}${name}`;

  const backend = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...options.dynalite });
  await new Promise<void>((resolve, reject) => {
    backend.once('error', reject);
    backend.listen(0, '127.0.0.1', () => resolve());
  });
  const backendPort = (backend.address() as AddressInfo).port;
  const dynaliteEndpoint = `http://127.0.0.1:${backendPort}`;
  const s3 = new S3Client({
    endpoint: options.s3.endpoint,
    region: options.s3.region ?? 'us-east-1',
    credentials: options.s3.credentials ?? { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    forcePathStyle: true,
    maxAttempts: 2,
  });

  const pitr = new Map<string, Pitr>();
  const exportsByArn = new Map<string, ExportRecord>();
  const failing = new Map<string, { message: string; code: string }>();
  const corrupting = new Set<string>();
  const deleted: string[] = [];
  const running = new Set<Promise<void>>();
  const injected = new ErrorQueue();

  /** A raw awsJson1_0 call to dynalite (wire JSON in and out, so binary values stay base64). */
  const backendCall = async (operation: string, body: Body): Promise<Body> => {
    const answer = await forward(backendPort, operation, Buffer.from(JSON.stringify(body)), {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `${TARGET_PREFIX}${operation}`,
      'x-amz-date': '20250101T000000Z',
      authorization:
        'AWS4-HMAC-SHA256 Credential=stand-in/20250101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
    });
    const parsed = JSON.parse(answer.body.toString('utf8') || '{}') as Body;
    if (answer.status !== 200) {
      const type =
        String(parsed.__type ?? 'InternalServerError')
          .split('#')
          .pop() ?? 'InternalServerError';
      throw new DynamoDbStandInError(answer.status, type, String(parsed.message ?? parsed.Message ?? type));
    }
    return parsed;
  };

  const tableExists = async (name: string): Promise<boolean> => {
    try {
      await backendCall('DescribeTable', { TableName: name });
      return true;
    } catch (error) {
      if (error instanceof DynamoDbStandInError && error.type === 'ResourceNotFoundException') return false;
      throw error;
    }
  };

  /** The table name of a TableArn (any account and Region: dynalite has only one) or of a plain name. */
  const nameOf = (tableOrArn: string): string => {
    const match = /^arn:aws[a-z-]*:dynamodb:[^:]*:[^:]*:table\/([^/]+)$/.exec(tableOrArn);
    return match ? match[1]! : tableOrArn;
  };

  const pitrDescription = (name: string) => {
    const state = pitr.get(name);
    return {
      ContinuousBackupsStatus: 'ENABLED',
      PointInTimeRecoveryDescription: state
        ? {
            PointInTimeRecoveryStatus: state.status,
            RecoveryPeriodInDays: state.recoveryPeriodInDays,
            ...(state.status === 'ENABLED'
              ? {
                  EarliestRestorableDateTime: seconds(state.earliest),
                  LatestRestorableDateTime: seconds(now()),
                }
              : {}),
          }
        : { PointInTimeRecoveryStatus: 'DISABLED' },
    };
  };

  const describeExport = (record: ExportRecord) => {
    const base = `${record.s3Prefix ? `${record.s3Prefix.replace(/\/+$/, '')}/` : ''}AWSDynamoDB/${record.exportId}`;
    return {
      ExportArn: record.exportArn,
      ExportStatus: record.status,
      StartTime: seconds(record.startTime),
      ...(record.endTime ? { EndTime: seconds(record.endTime) } : {}),
      ...(record.status === 'COMPLETED' ? { ExportManifest: `${base}/manifest-summary.json` } : {}),
      TableArn: record.tableArn,
      TableId: tableIdOf(record.tableName),
      ExportTime: seconds(record.exportTime),
      ClientToken: record.clientToken,
      S3Bucket: record.s3Bucket,
      ...(record.s3BucketOwner ? { S3BucketOwner: record.s3BucketOwner } : {}),
      ...(record.s3Prefix ? { S3Prefix: record.s3Prefix } : {}),
      S3SseAlgorithm: record.s3SseAlgorithm ?? 'AES256',
      ...(record.failureCode ? { FailureCode: record.failureCode, FailureMessage: record.failureMessage } : {}),
      ExportFormat: 'DYNAMODB_JSON',
      ...(record.billedSizeBytes === undefined ? {} : { BilledSizeBytes: record.billedSizeBytes }),
      ...(record.itemCount === undefined ? {} : { ItemCount: record.itemCount }),
      ExportType: 'FULL_EXPORT',
    };
  };

  const scanAll = async (name: string): Promise<ItemJson[]> => {
    const items: ItemJson[] = [];
    let start: unknown;
    do {
      const page = await backendCall('Scan', { TableName: name, ...(start ? { ExclusiveStartKey: start } : {}) });
      items.push(...((page.Items as ItemJson[] | undefined) ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  };

  const runExport = async (record: ExportRecord): Promise<void> => {
    const finish = (status: 'COMPLETED' | 'FAILED', failure?: { code: string; message: string }) => {
      record.status = status;
      record.endTime = now();
      if (failure) {
        record.failureCode = failure.code;
        record.failureMessage = failure.message;
      }
    };
    const fault = failing.get(record.tableName);
    const corrupt = corrupting.has(record.tableName);
    let items: ItemJson[];
    try {
      items = await scanAll(record.tableName);
    } catch (error) {
      await sleep(exportMs);
      return finish('FAILED', { code: 'UNKNOWN', message: (error as Error).message });
    }
    await sleep(exportMs);
    if (fault) return finish('FAILED', fault);
    try {
      await s3.send(new HeadBucketCommand({ Bucket: record.s3Bucket }));
    } catch {
      return finish('FAILED', {
        code: 'S3NoSuchBucket',
        message: `The specified bucket does not exist: ${record.s3Bucket}`,
      });
    }
    const dir = await mkdtemp(join(tmpdir(), 'vaultpilot-ddb-export-'));
    try {
      const written = await writeExportFiles(dir, items, {
        exportId: record.exportId,
        files: Math.min(8, Math.max(1, Math.ceil(items.length / itemsPerDataFile))),
        tableArn: record.tableArn,
        bucket: record.s3Bucket,
        ...(record.s3Prefix ? { prefix: record.s3Prefix } : {}),
        exportTime: record.exportTime,
      });
      const base = `${record.s3Prefix ? `${record.s3Prefix.replace(/\/+$/, '')}/` : ''}AWSDynamoDB/${record.exportId}`;
      const put = async (key: string, body: Buffer | string) => {
        const bytes = typeof body === 'string' ? Buffer.from(body) : body;
        await s3.send(
          new PutObjectCommand({ Bucket: record.s3Bucket, Key: key, Body: bytes, ContentLength: bytes.length }),
        );
        record.objectKeys.push(key);
      };
      await put(`${base}/_started`, '');
      let bytes = 0;
      for (const [index, file] of written.dataFiles.entries()) {
        const data = await readFile(file.path);
        bytes += data.length;
        if (corrupt && index === 0 && data.length > 0) {
          const at = Math.floor(data.length / 2);
          data[at] = (data[at] ?? 0) ^ 0xff;
        }
        await put(file.key, data);
      }
      await put(`${base}/manifest-files.json`, await readFile(join(written.folder, 'manifest-files.json')));
      const summary = JSON.parse(await readFile(join(written.folder, 'manifest-summary.json'), 'utf8')) as Body;
      const endTime = now();
      summary.startTime = record.startTime.toISOString();
      summary.endTime = endTime.toISOString();
      summary.tableId = tableIdOf(record.tableName);
      summary.billedSizeBytes = bytes;
      await put(`${base}/manifest-summary.json`, JSON.stringify(summary));
      record.itemCount = written.itemCount;
      record.billedSizeBytes = bytes;
      finish('COMPLETED');
    } catch (error) {
      finish('FAILED', { code: 'UNKNOWN', message: (error as Error).message });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };

  const handlers: Record<string, (body: Body) => Promise<unknown>> = {
    UpdateContinuousBackups: async (body) => {
      const name = String(body.TableName ?? '');
      if (!(await tableExists(name))) throw tableNotFound(name);
      const spec = body.PointInTimeRecoverySpecification as
        | { PointInTimeRecoveryEnabled?: boolean; RecoveryPeriodInDays?: number }
        | undefined;
      if (!spec || typeof spec.PointInTimeRecoveryEnabled !== 'boolean') {
        throw validation('1 validation error detected: pointInTimeRecoveryEnabled must not be null');
      }
      const days = spec.RecoveryPeriodInDays ?? 35;
      if (!Number.isInteger(days) || days < 1 || days > 35) {
        throw validation('RecoveryPeriodInDays must be an integer from 1 to 35.');
      }
      const current = pitr.get(name);
      if (!spec.PointInTimeRecoveryEnabled) {
        if (current?.timer) clearTimeout(current.timer);
        pitr.delete(name);
      } else if (current) {
        current.recoveryPeriodInDays = days;
      } else {
        const state: Pitr = { status: 'ENABLING', earliest: now(), recoveryPeriodInDays: days };
        const enable = () => {
          state.status = 'ENABLED';
          state.earliest = now();
          delete state.timer;
        };
        if (pitrEnablingMs <= 0) enable();
        else state.timer = setTimeout(enable, pitrEnablingMs);
        pitr.set(name, state);
      }
      return { ContinuousBackupsDescription: pitrDescription(name) };
    },
    DescribeContinuousBackups: async (body) => {
      const name = String(body.TableName ?? '');
      if (!(await tableExists(name))) throw tableNotFound(name);
      return { ContinuousBackupsDescription: pitrDescription(name) };
    },
    ExportTableToPointInTime: async (body) => {
      const arn = String(body.TableArn ?? '');
      const bucket = body.S3Bucket;
      if (!arn) throw validation('1 validation error detected: tableArn must not be null');
      if (typeof bucket !== 'string' || bucket.length === 0) {
        throw validation('1 validation error detected: s3Bucket must not be null');
      }
      const format = body.ExportFormat ?? 'DYNAMODB_JSON';
      if (format !== 'DYNAMODB_JSON' && format !== 'ION') {
        throw validation(
          `1 validation error detected: Value '${String(format)}' at 'exportFormat' failed to satisfy constraint: Member must satisfy enum value set: [ION, DYNAMODB_JSON]`,
        );
      }
      if (format === 'ION') throw validation('The DynamoDB stand-in writes DYNAMODB_JSON exports only, not ION.');
      const type = body.ExportType ?? 'FULL_EXPORT';
      if (type !== 'FULL_EXPORT') {
        throw validation(`ExportType ${String(type)} is not supported by the DynamoDB stand-in (FULL_EXPORT only).`);
      }
      const prefix = typeof body.S3Prefix === 'string' && body.S3Prefix.length > 0 ? body.S3Prefix : undefined;
      const clientToken = typeof body.ClientToken === 'string' ? body.ClientToken : randomUUID();
      const requestedTime = typeof body.ExportTime === 'number' ? new Date(body.ExportTime * 1000) : undefined;
      const name = nameOf(arn);
      const fingerprint = JSON.stringify([
        name,
        requestedTime?.getTime() ?? null,
        bucket,
        prefix ?? null,
        body.S3BucketOwner ?? null,
        body.S3SseAlgorithm ?? null,
        body.S3SseKmsKeyId ?? null,
        format,
        type,
      ]);
      const at = now();
      for (const existing of exportsByArn.values()) {
        if (existing.clientToken !== clientToken) continue;
        if (at.getTime() - existing.requestedAt.getTime() > IDEMPOTENCY_MS) continue;
        if (existing.fingerprint !== fingerprint) {
          throw new DynamoDbStandInError(
            400,
            'ExportConflictException',
            `ClientToken ${clientToken} was already used with different parameters within the last 8 hours.`,
          );
        }
        return { ExportDescription: describeExport(existing) };
      }
      if (!(await tableExists(name))) throw tableNotFound(arn);
      const state = pitr.get(name);
      if (state?.status !== 'ENABLED') {
        throw new DynamoDbStandInError(
          400,
          'PointInTimeRecoveryUnavailableException',
          `Point in time recovery is not enabled for table '${name}'`,
        );
      }
      const exportTime = requestedTime ?? at;
      if (exportTime.getTime() < state.earliest.getTime() || exportTime.getTime() > at.getTime()) {
        throw new DynamoDbStandInError(
          400,
          'InvalidExportTimeException',
          `Export time ${exportTime.toISOString()} is outside the point in time recovery window of table '${name}' (${state.earliest.toISOString()} to ${at.toISOString()}).`,
        );
      }
      const exportId = `${String(at.getTime()).padStart(14, '0')}-${randomBytes(4).toString('hex')}`;
      const record: ExportRecord = {
        exportArn: `${tableArn(name)}/export/${exportId}`,
        exportId,
        tableArn: tableArn(name),
        tableName: name,
        clientToken,
        fingerprint,
        requestedAt: at,
        startTime: at,
        exportTime,
        s3Bucket: bucket,
        s3Prefix: prefix,
        s3BucketOwner: typeof body.S3BucketOwner === 'string' ? body.S3BucketOwner : undefined,
        s3SseAlgorithm: typeof body.S3SseAlgorithm === 'string' ? body.S3SseAlgorithm : undefined,
        status: 'IN_PROGRESS',
        objectKeys: [],
      };
      exportsByArn.set(record.exportArn, record);
      const job = runExport(record).finally(() => running.delete(job));
      running.add(job);
      return { ExportDescription: describeExport(record) };
    },
    DescribeExport: async (body) => {
      const record = exportsByArn.get(String(body.ExportArn ?? ''));
      if (!record) {
        throw new DynamoDbStandInError(400, 'ExportNotFoundException', `Export not found: ${String(body.ExportArn)}`);
      }
      return { ExportDescription: describeExport(record) };
    },
    ListExports: async (body) => {
      const max = body.MaxResults === undefined ? 25 : Number(body.MaxResults);
      if (!Number.isInteger(max) || max < 1 || max > 25) throw validation('MaxResults must be from 1 to 25.');
      const filter = typeof body.TableArn === 'string' ? nameOf(body.TableArn) : undefined;
      const all = [...exportsByArn.values()].filter((r) => filter === undefined || r.tableName === filter);
      const start = body.NextToken === undefined ? 0 : Number(body.NextToken);
      if (!Number.isInteger(start) || start < 0 || start > all.length) throw validation('Invalid NextToken.');
      const page = all.slice(start, start + max);
      const next = start + page.length;
      return {
        ExportSummaries: page.map((r) => ({
          ExportArn: r.exportArn,
          ExportStatus: r.status,
          ExportType: 'FULL_EXPORT',
        })),
        ...(next < all.length ? { NextToken: String(next) } : {}),
      };
    },
  };

  const server = createServer((req, res) => {
    void handle(req, res);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      if (res.destroyed || res.writableEnded) return;
      res.writeHead(status, {
        'content-type': 'application/x-amz-json-1.0',
        'x-amzn-RequestId': randomUUID(),
        ...headers,
      });
      res.end(typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body));
    };
    const replyError = (error: unknown) => {
      const e =
        error instanceof DynamoDbStandInError
          ? error
          : new DynamoDbStandInError(
              500,
              'InternalServerError',
              error instanceof Error ? error.message : String(error),
            );
      const namespace = e.type === 'ValidationException' ? 'com.amazon.coral.validate#' : ERROR_NAMESPACE;
      reply(e.status, { __type: `${namespace}${e.type}`, message: e.message });
    };
    try {
      const fault = injected.take(operation);
      if (fault) throw new DynamoDbStandInError(fault.status, fault.type, fault.message ?? `Injected ${fault.type}.`);
      const own = handlers[operation];
      if (own) {
        let body: Body;
        try {
          body = raw.length === 0 ? {} : (JSON.parse(raw.toString('utf8')) as Body);
        } catch {
          throw new DynamoDbStandInError(
            400,
            'SerializationException',
            'Start of structure or map found where not expected.',
          );
        }
        reply(200, await own(body));
        return;
      }
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(req.headers)) {
        if (value !== undefined && key !== 'host' && key !== 'connection') headers[key] = String(value);
      }
      const answer = await forward(backendPort, operation, raw, headers);
      let body = answer.body;
      const out: Record<string, string> = {};
      for (const [key, value] of Object.entries(answer.headers)) {
        if (value !== undefined && !['connection', 'content-length', 'date', 'transfer-encoding'].includes(key)) {
          out[key] = String(value);
        }
      }
      if (answer.status === 200 && TABLE_OPERATIONS.has(operation)) {
        body = Buffer.from(body.toString('utf8').replace(/arn:aws:dynamodb:[^:"]*:[^:"]*:table\//g, arnPrefix));
        delete out['x-amz-crc32'];
      }
      if (answer.status === 200 && operation === 'DeleteTable') {
        const name = String((JSON.parse(raw.toString('utf8')) as Body).TableName);
        deleted.push(name);
        const state = pitr.get(name);
        if (state?.timer) clearTimeout(state.timer);
        pitr.delete(name);
      }
      reply(answer.status, body, out);
    } catch (error) {
      replyError(error);
    }
  }

  const endpoint = await listenLocally(server, options);

  return {
    endpoint,
    dynaliteEndpoint,
    tableArn,
    tables: async () => {
      const names: string[] = [];
      let start: unknown;
      do {
        const page = await backendCall('ListTables', start ? { ExclusiveStartTableName: start } : {});
        names.push(...((page.TableNames as string[] | undefined) ?? []));
        start = page.LastEvaluatedTableName;
      } while (start);
      return names.sort();
    },
    deletedTables: () => [...deleted],
    restoreTable: async (restore) => {
      const name = restore.tableName;
      if (await tableExists(name)) throw new Error(`Table already exists: ${name}`);
      const keys = restore.keySchema ?? [{ attributeName: 'pk', keyType: 'HASH', attributeType: 'S' }];
      await backendCall('CreateTable', {
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: keys.map((k) => ({ AttributeName: k.attributeName, KeyType: k.keyType })),
        AttributeDefinitions: keys.map((k) => ({ AttributeName: k.attributeName, AttributeType: k.attributeType })),
      });
      for (let i = 0; i < 100; i++) {
        const described = await backendCall('DescribeTable', { TableName: name });
        if ((described.Table as Body | undefined)?.TableStatus === 'ACTIVE') break;
        await sleep(10);
      }
      const items = restore.items ?? [];
      for (let i = 0; i < items.length; i += 25) {
        let requests: unknown = {
          [name]: items.slice(i, i + 25).map((item) => ({ PutRequest: { Item: item } })),
        };
        while (requests && Object.keys(requests as Body).length > 0) {
          const answer = await backendCall('BatchWriteItem', { RequestItems: requests });
          requests = answer.UnprocessedItems;
        }
      }
      return tableArn(name);
    },
    setPointInTimeRecovery: (name, setting) => {
      const current = pitr.get(name);
      if (current?.timer) clearTimeout(current.timer);
      if (!setting.enabled) pitr.delete(name);
      else {
        pitr.set(name, {
          status: 'ENABLED',
          earliest: setting.earliestRestorableDateTime ?? now(),
          recoveryPeriodInDays: current?.recoveryPeriodInDays ?? 35,
        });
      }
    },
    failExport: (table, failureMessage, failureCode = 'UNKNOWN') => {
      failing.set(nameOf(table), { message: failureMessage, code: failureCode });
    },
    corruptExport: (table) => {
      corrupting.add(nameOf(table));
    },
    exports: () =>
      [...exportsByArn.values()].map((r) => ({
        exportArn: r.exportArn,
        exportId: r.exportId,
        tableArn: r.tableArn,
        status: r.status,
        s3Bucket: r.s3Bucket,
        s3Prefix: r.s3Prefix,
        s3BucketOwner: r.s3BucketOwner,
        itemCount: r.itemCount,
        objectKeys: [...r.objectKeys],
        ...(r.failureCode ? { failureCode: r.failureCode } : {}),
      })),
    injectError: (operation, error, times) => injected.add(operation, error, times),
    idle: async () => {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
    close: async () => {
      while (running.size > 0) await Promise.allSettled([...running]);
      for (const state of pitr.values()) if (state.timer) clearTimeout(state.timer);
      s3.destroy();
      await Promise.all(
        [server, backend].map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      );
    },
  };
}

/** One HTTP request to dynalite; the whole answer, buffered. */
function forward(
  port: number,
  operation: string,
  body: Buffer,
  headers: Record<string, string>,
): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/',
        headers: {
          ...headers,
          'x-amz-target': headers['x-amz-target'] ?? `${TARGET_PREFIX}${operation}`,
          'content-length': String(body.length),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 500, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A stable, made-up TableId (a UUID) for a table name. */
function tableIdOf(name: string): string {
  const hex = Buffer.from(name).toString('hex').padEnd(32, '0').slice(0, 32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const seconds = (date: Date) => date.getTime() / 1000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
