/**
 * A local stand-in for the Amazon RDS API subset the export workflow calls, plain node:http, AWS Query protocol
 * (form-encoded POST, XML answers, `<ErrorResponse>` errors with the awsQuery codes `@aws-sdk/client-rds` maps to
 * its exception classes). The real RDSClient (endpoint = the stand-in, any region and credentials) works against it
 * unchanged. Signatures are not checked.
 *
 * It answers DescribeDBSnapshots, DescribeDBClusterSnapshots, StartExportTask, DescribeExportTasks,
 * CancelExportTask and ListTagsForResource, for snapshots registered with addSnapshot(), and the restore path of
 * the dump workflow: RestoreDBInstanceFromDBSnapshot, ModifyDBInstance, DescribeDBInstances and DeleteDBInstance
 * (dbInstances.ts) — a "restored instance" is a copy of the snapshot's source database on the same local server. Exports are REAL: a task
 * reads the snapshot's `source` database live (PostgreSQL via pg, MySQL/MariaDB via mysql2), writes each table as
 * gzip Parquet (DuckDB) into the S3 stand-in with RDS's key layout, then the two RDS summary files
 * (export_info_*.json, export_tables_info_*.json). StartExportTask enforces the rules AWS documents: identifier
 * syntax and uniqueness, no `:` in S3Prefix, an IAM role ARN, exportable engine and state, one active export per
 * snapshot, at most 5 active exports per account, an existing bucket.
 *
 * It does NOT: read a snapshot's data as of the snapshot time (the source is read as it is when the export runs),
 * encrypt anything with the KMS key, check IAM permissions, split big tables into several Parquet parts or batches,
 * export live DB clusters (only snapshots), or model RDS's own engine-version limits.
 *
 * Codes that are assumptions (no modelled exception exists): EXPORT_LIMIT_ERROR_CODE for the concurrency quota,
 * InvalidExportSourceState for a second export of the same snapshot, InvalidParameterValue for bad identifiers, a
 * colon in the prefix and a malformed role ARN, MissingParameter for a missing required parameter.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { listenLocally } from '../http/listenLocally.js';
import { DbInstances, type DbInstanceTiming, type StandInDbInstanceInfo } from './dbInstances.js';
import {
  BYTES_PER_GB,
  type ExportInfo,
  exportInfoKey,
  exportRoot,
  type PerTableStatus,
  tableObjectKey,
  tableStatus,
  tablesInfoKey,
} from './exportInfoFiles.js';
import {
  openSource,
  ParquetWriter,
  type SourceReader,
  type SourceTable,
  type StandInDatabase,
} from './exportSource.js';
import { errorXml, QueryParams, resultXml, XmlList, type XmlNode } from './queryProtocol.js';
import {
  badParameter,
  EXPORT_LIMIT_ERROR_CODE,
  exportTaskNotFound,
  invalidExportSource,
  missingParameter,
  RDS_ERROR_CODES,
  RdsStandInError,
  snapshotNotFound,
} from './rdsStandInErrors.js';

export type { DbInstanceStatus, StandInDbInstanceInfo } from './dbInstances.js';
export type { StandInDatabase } from './exportSource.js';
export { EXPORT_LIMIT_ERROR_CODE, RDS_ERROR_CODES } from './rdsStandInErrors.js';

/** How to start the stand-in. */
export interface RdsStandInOptions {
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default 0 (the OS chooses) */
  readonly port?: number;
  /** @default '111122223333' */
  readonly accountId?: string;
  /** @default 'eu-west-1' */
  readonly region?: string;
  /** Where exports are written (path-style). Without it StartExportTask answers InvalidS3BucketFault. */
  readonly s3?: {
    readonly endpoint: string;
    /** @default 'us-east-1' */
    readonly region?: string;
    /** @default S3RVER / S3RVER, the key pair the S3 stand-in (s3rver) accepts */
    readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  };
  /**
   * How long STARTING lasts and each table takes on top of its real work (200 / 50 ms); how long a restored
   * instance is `creating` before its copy is made, `resetting-master-credentials` and `deleting` (300 / 100 / 200 ms).
   */
  readonly timing?: { readonly startingMs?: number; readonly perTableMs?: number } & DbInstanceTiming;
  /** Exports in STARTING, IN_PROGRESS or CANCELING per account, as AWS's quota. @default 5 */
  readonly maxConcurrentExports?: number;
}

/** A snapshot to register. */
export interface SnapshotSpec {
  /** DB snapshot or DB cluster snapshot. */
  readonly kind: 'db' | 'cluster';
  /** e.g. 'awsbackup:job-1234…', 'rds:prod-db-2026-11-20-02-10', 'manual-1' */
  readonly identifier: string;
  /** DBInstanceIdentifier / DBClusterIdentifier. */
  readonly sourceIdentifier: string;
  /** 'postgres', 'mysql', 'mariadb', 'aurora-postgresql', 'aurora-mysql', 'sqlserver-se', 'oracle-ee', 'db2-se', … */
  readonly engine: string;
  /** Clusters: 'provisioned' (default) | 'serverless' (Aurora Serverless v1: not exportable). */
  readonly engineMode?: string;
  /** @default 'available' */
  readonly status?: string;
  /** 'automated' | 'manual' | 'awsbackup'. @default from the identifier prefix (`rds:`, `awsbackup:`, else manual) */
  readonly snapshotType?: string;
  readonly encrypted?: boolean;
  readonly kmsKeyId?: string;
  readonly allocatedStorageGiB?: number;
  readonly createdAt?: Date;
  readonly tags?: Readonly<Record<string, string>>;
  /** The data an export of this snapshot reads (live, at export time). */
  readonly source?: StandInDatabase;
  readonly faults?: {
    /** The task FAILS with this FailureCause once IN_PROGRESS, writing nothing. */
    readonly failTask?: string;
    /** `schema.table` (MySQL: `database.table`): status FAILED, no Parquet. */
    readonly failTables?: readonly string[];
    /** `schema.table` (MySQL: `database.table`): status SKIPPED, no Parquet. */
    readonly skipTables?: readonly string[];
    /** The task COMPLETEs but writes no object at all. */
    readonly writeNothing?: boolean;
  };
}

/** What a task looks like from outside, for tests. */
export interface StandInExportTaskInfo {
  readonly identifier: string;
  readonly status: ExportStatus;
  readonly sourceArn: string;
  readonly s3Bucket: string;
  readonly s3Prefix: string;
  /** Bytes of every object the task wrote (Parquet and JSON). */
  readonly bytesWritten: number;
  /** Keys of every object the task wrote, in order. */
  readonly objectKeys: readonly string[];
}

/** A running stand-in. */
export interface RdsStandIn {
  /** `http://host:port`, for the SDK's `endpoint`. */
  readonly endpoint: string;
  /** Registers a snapshot and returns its ARN. */
  addSnapshot(spec: SnapshotSpec): string;
  /** Forgets a snapshot, e.g. when AWS Backup deletes the recovery point; a running export of it then fails. */
  removeSnapshot(arn: string): void;
  snapshotExists(arn: string): boolean;
  exportTasks(): readonly StandInExportTaskInfo[];
  activeExportCount(): number;
  /** DB instances restored from snapshots (any status, until deleted). */
  instances(): readonly StandInDbInstanceInfo[];
  /** Every later restore of this snapshot ends `failed` with this message (no copy made); `undefined` clears it. */
  failRestore(snapshotArn: string, message: string | undefined): void;
  /** Resolves when no instance is creating, resetting its credentials or deleting. */
  instancesIdle(): Promise<void>;
  /** Next calls to `operation` (e.g. 'StartExportTask') answer this error once each. @param times default 1 */
  injectError(operation: string, error: { code: string; status: number; message?: string }, times?: number): void;
  /** Resolves when no export is running. */
  idle(): Promise<void>;
  /** Stops the server and any running export (it stops after its current table); drops every instance's copy. */
  close(): Promise<void>;
}

export type ExportStatus = 'STARTING' | 'IN_PROGRESS' | 'COMPLETE' | 'CANCELING' | 'CANCELED' | 'FAILED';
const ACTIVE: ReadonlySet<ExportStatus> = new Set(['STARTING', 'IN_PROGRESS', 'CANCELING']);

interface SnapshotRecord {
  readonly spec: SnapshotSpec;
  readonly arn: string;
  readonly snapshotType: string;
  readonly createdAt: Date;
  removed: boolean;
}

interface TaskRecord {
  readonly identifier: string;
  readonly sourceArn: string;
  readonly sourceType: 'SNAPSHOT' | 'CLUSTER';
  readonly exportOnly: readonly string[];
  readonly snapshotTime: Date;
  readonly s3Bucket: string;
  readonly s3Prefix: string;
  readonly iamRoleArn: string;
  readonly kmsKeyId: string;
  status: ExportStatus;
  taskStartTime?: Date;
  taskEndTime?: Date;
  percentProgress: number;
  bytesWritten: number;
  readonly objectKeys: string[];
  failureCause?: string;
  warningMessage?: string;
  readonly abort: AbortController;
  done: Promise<void>;
}

const IDENTIFIER_PATTERN = /^[A-Za-z](?:[A-Za-z0-9]|-(?!-))*$/;
const IAM_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const SNAPSHOT_ARN = /^arn:aws[a-z-]*:rds:([^:]+):(\d{12}):(snapshot|cluster-snapshot):(.+)$/;

/** Starts the RDS stand-in on 127.0.0.1 (a port the OS chooses unless given). */
export async function startRdsStandIn(options: RdsStandInOptions): Promise<RdsStandIn> {
  const state = new RdsState(options, await mkdtemp(join(tmpdir(), 'vaultpilot-rds-')));
  const server: Server = createServer((req, res) => {
    void state.handle(req).then(({ status, body }) => {
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-RequestId': randomUUID() });
      res.end(body);
    });
  });
  const endpoint = await listenLocally(server, options);
  return {
    endpoint,
    addSnapshot: (spec) => state.addSnapshot(spec),
    removeSnapshot: (arn) => state.removeSnapshot(arn),
    snapshotExists: (arn) => state.snapshots.has(arn),
    exportTasks: () =>
      [...state.tasks.values()].map((t) => ({
        identifier: t.identifier,
        status: t.status,
        sourceArn: t.sourceArn,
        s3Bucket: t.s3Bucket,
        s3Prefix: t.s3Prefix,
        bytesWritten: t.bytesWritten,
        objectKeys: [...t.objectKeys],
      })),
    activeExportCount: () => state.activeCount(),
    instances: () => state.instances.list(),
    failRestore: (arn, message) => state.instances.failRestore(arn, message),
    instancesIdle: () => state.instances.idle(),
    injectError: (operation, error, times = 1) => state.injectError(operation, error, times),
    idle: () => state.idle(),
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await state.close();
    },
  };
}

class RdsState {
  readonly snapshots = new Map<string, SnapshotRecord>();
  readonly tasks = new Map<string, TaskRecord>();
  private readonly injected = new Map<string, { code: string; status: number; message?: string }[]>();
  private readonly accountId: string;
  private readonly region: string;
  private readonly startingMs: number;
  private readonly perTableMs: number;
  private readonly maxConcurrent: number;
  private readonly s3: S3Client;
  private readonly parquet: ParquetWriter;
  readonly instances: DbInstances;

  constructor(
    options: RdsStandInOptions,
    private readonly tempDir: string,
  ) {
    this.accountId = options.accountId ?? '111122223333';
    this.region = options.region ?? 'eu-west-1';
    this.startingMs = options.timing?.startingMs ?? 200;
    this.perTableMs = options.timing?.perTableMs ?? 50;
    this.maxConcurrent = options.maxConcurrentExports ?? 5;
    this.s3 = new S3Client({
      // Without an S3 stand-in, port 9 (discard) refuses every call: StartExportTask answers InvalidS3BucketFault.
      endpoint: options.s3?.endpoint ?? 'http://127.0.0.1:9',
      region: options.s3?.region ?? 'us-east-1',
      // s3rver (the S3 stand-in) knows one key pair, S3RVER/S3RVER, and refuses others with 403.
      credentials: options.s3?.credentials ?? { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      forcePathStyle: true,
      ...(options.s3 ? {} : { maxAttempts: 1 }),
    });
    this.instances = new DbInstances(this.region, this.accountId, options.timing ?? {}, (idOrArn) => {
      const record = this.findSnapshot('db', idOrArn);
      if (!record) return undefined;
      const spec = record.spec;
      return {
        arn: record.arn,
        identifier: spec.identifier,
        engine: spec.engine,
        status: spec.status ?? 'available',
        allocatedStorageGiB: spec.allocatedStorageGiB ?? 20,
        encrypted: spec.encrypted ?? false,
        kmsKeyId: spec.kmsKeyId,
        source: spec.source,
      };
    });
    this.parquet = new ParquetWriter(tempDir);
  }

  arnOf(kind: 'db' | 'cluster', identifier: string): string {
    return `arn:aws:rds:${this.region}:${this.accountId}:${kind === 'db' ? 'snapshot' : 'cluster-snapshot'}:${identifier}`;
  }

  addSnapshot(spec: SnapshotSpec): string {
    const arn = this.arnOf(spec.kind, spec.identifier);
    const snapshotType =
      spec.snapshotType ??
      (spec.identifier.startsWith('rds:')
        ? 'automated'
        : spec.identifier.startsWith('awsbackup:')
          ? 'awsbackup'
          : 'manual');
    this.snapshots.set(arn, { spec, arn, snapshotType, createdAt: spec.createdAt ?? new Date(), removed: false });
    return arn;
  }

  removeSnapshot(arn: string): void {
    const record = this.snapshots.get(arn);
    if (record) record.removed = true;
    this.snapshots.delete(arn);
  }

  activeCount(): number {
    let n = 0;
    for (const task of this.tasks.values()) if (ACTIVE.has(task.status)) n++;
    return n;
  }

  injectError(operation: string, error: { code: string; status: number; message?: string }, times: number): void {
    const queue = this.injected.get(operation) ?? [];
    for (let i = 0; i < times; i++) queue.push(error);
    this.injected.set(operation, queue);
  }

  async idle(): Promise<void> {
    for (;;) {
      const running = [...this.tasks.values()].filter((t) => ACTIVE.has(t.status)).map((t) => t.done);
      if (running.length === 0) return;
      await Promise.all(running);
    }
  }

  async close(): Promise<void> {
    for (const task of this.tasks.values()) {
      if (ACTIVE.has(task.status)) task.abort.abort();
    }
    await this.idle();
    await this.instances.close();
    this.parquet.close();
    this.s3.destroy();
    await rm(this.tempDir, { recursive: true, force: true });
  }

  async handle(req: IncomingMessage): Promise<{ status: number; body: string }> {
    let action = 'Unknown';
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      for (const [key, value] of new URL(req.url ?? '/', 'http://stand-in').searchParams) {
        if (!form.has(key)) form.set(key, value);
      }
      action = form.get('Action') ?? '';
      const params = new QueryParams(form);
      const injected = this.injected.get(action)?.shift();
      if (injected) {
        throw new RdsStandInError(injected.status, injected.code, injected.message ?? `Injected ${injected.code}.`);
      }
      const result = await this.run(action, params);
      return { status: 200, body: resultXml(action, result) };
    } catch (error) {
      const e =
        error instanceof RdsStandInError
          ? error
          : new RdsStandInError(500, 'InternalFailure', error instanceof Error ? error.message : String(error));
      return { status: e.status, body: errorXml(e.status, e.code, e.message) };
    }
  }

  private async run(action: string, params: QueryParams): Promise<XmlNode> {
    switch (action) {
      case 'DescribeDBSnapshots':
        return this.describeSnapshots('db', params);
      case 'DescribeDBClusterSnapshots':
        return this.describeSnapshots('cluster', params);
      case 'StartExportTask':
        return taskXml(await this.startExportTask(params));
      case 'DescribeExportTasks':
        return this.describeExportTasks(params);
      case 'CancelExportTask':
        return taskXml(this.cancelExportTask(params));
      case 'ListTagsForResource':
        return this.listTags(params);
      default: {
        const answer = this.instances.run(action, params);
        if (answer) return answer;
        throw new RdsStandInError(400, RDS_ERROR_CODES.invalidAction, `The action ${action || '(none)'} is not valid.`);
      }
    }
  }

  /** A snapshot by identifier or full ARN, or undefined. */
  private findSnapshot(kind: 'db' | 'cluster', idOrArn: string): SnapshotRecord | undefined {
    const arn = idOrArn.startsWith('arn:') ? idOrArn : this.arnOf(kind, idOrArn);
    const record = this.snapshots.get(arn);
    return record?.spec.kind === kind ? record : undefined;
  }

  private describeSnapshots(kind: 'db' | 'cluster', params: QueryParams): XmlNode {
    const idParam = kind === 'db' ? 'DBSnapshotIdentifier' : 'DBClusterSnapshotIdentifier';
    const sourceParam = kind === 'db' ? 'DBInstanceIdentifier' : 'DBClusterIdentifier';
    const id = params.get(idParam);
    const sourceId = params.get(sourceParam);
    const snapshotType = params.get('SnapshotType');
    let records: SnapshotRecord[];
    if (id !== undefined) {
      const found = this.findSnapshot(kind, id);
      if (!found) throw snapshotNotFound(kind, id);
      records = [found];
    } else {
      records = [...this.snapshots.values()].filter((r) => r.spec.kind === kind);
    }
    if (sourceId !== undefined) records = records.filter((r) => r.spec.sourceIdentifier === sourceId);
    if (snapshotType !== undefined) records = records.filter((r) => r.snapshotType === snapshotType);
    const idFilter = kind === 'db' ? 'db-snapshot-id' : 'db-cluster-snapshot-id';
    const sourceFilter = kind === 'db' ? 'db-instance-id' : 'db-cluster-id';
    for (const filter of params.filters()) {
      const pick: ((r: SnapshotRecord) => string[]) | undefined =
        filter.name === idFilter
          ? (r) => [r.spec.identifier, r.arn]
          : filter.name === sourceFilter
            ? (r) => [r.spec.sourceIdentifier, this.sourceArnOf(r)]
            : filter.name === 'snapshot-type'
              ? (r) => [r.snapshotType]
              : filter.name === 'engine'
                ? (r) => [r.spec.engine]
                : undefined;
      if (!pick) throw badParameter(`Unrecognized filter name: ${filter.name}.`);
      records = records.filter((r) => pick(r).some((v) => filter.values.includes(v)));
    }
    const { items, marker } = paginate(records, params);
    return kind === 'db'
      ? {
          Marker: marker,
          DBSnapshots: new XmlList(
            'DBSnapshot',
            items.map((r) => this.dbSnapshotXml(r)),
          ),
        }
      : {
          Marker: marker,
          DBClusterSnapshots: new XmlList(
            'DBClusterSnapshot',
            items.map((r) => this.clusterSnapshotXml(r)),
          ),
        };
  }

  private sourceArnOf(record: SnapshotRecord): string {
    const type = record.spec.kind === 'db' ? 'db' : 'cluster';
    return `arn:aws:rds:${this.region}:${this.accountId}:${type}:${record.spec.sourceIdentifier}`;
  }

  private dbSnapshotXml(r: SnapshotRecord): XmlNode {
    const s = r.spec;
    return {
      DBSnapshotIdentifier: s.identifier,
      DBInstanceIdentifier: s.sourceIdentifier,
      SnapshotCreateTime: r.createdAt,
      Engine: s.engine,
      AllocatedStorage: s.allocatedStorageGiB ?? 20,
      Status: s.status ?? 'available',
      Port: s.source?.port,
      MasterUsername: s.source?.user,
      SnapshotType: r.snapshotType,
      PercentProgress: 100,
      Encrypted: s.encrypted ?? false,
      KmsKeyId: s.kmsKeyId,
      DBSnapshotArn: r.arn,
      TagList: tagsXml(s.tags),
      SnapshotTarget: 'region',
    };
  }

  private clusterSnapshotXml(r: SnapshotRecord): XmlNode {
    const s = r.spec;
    return {
      DBClusterSnapshotIdentifier: s.identifier,
      DBClusterIdentifier: s.sourceIdentifier,
      SnapshotCreateTime: r.createdAt,
      Engine: s.engine,
      EngineMode: s.engineMode ?? 'provisioned',
      AllocatedStorage: s.allocatedStorageGiB ?? 0,
      Status: s.status ?? 'available',
      Port: s.source?.port,
      SnapshotType: r.snapshotType,
      PercentProgress: 100,
      StorageEncrypted: s.encrypted ?? false,
      KmsKeyId: s.kmsKeyId,
      DBClusterSnapshotArn: r.arn,
      TagList: tagsXml(s.tags),
    };
  }

  private listTags(params: QueryParams): XmlNode {
    const name = params.get('ResourceName');
    if (name === undefined) throw missingParameter('ResourceName');
    const match = SNAPSHOT_ARN.exec(name);
    if (!match) throw badParameter(`The stand-in only tags snapshots; ${name} is not a snapshot ARN.`);
    const kind = match[3] === 'snapshot' ? 'db' : 'cluster';
    const record = this.snapshots.get(name);
    if (!record || record.spec.kind !== kind) throw snapshotNotFound(kind, match[4]!);
    return { TagList: tagsXml(record.spec.tags) ?? new XmlList('Tag', []) };
  }

  private async startExportTask(params: QueryParams): Promise<TaskRecord> {
    const required = ['ExportTaskIdentifier', 'SourceArn', 'S3BucketName', 'IamRoleArn', 'KmsKeyId'] as const;
    for (const name of required) {
      if (!params.get(name)) throw missingParameter(name);
    }
    const identifier = params.get('ExportTaskIdentifier')!;
    const sourceArn = params.get('SourceArn')!;
    const s3Bucket = params.get('S3BucketName')!;
    const iamRoleArn = params.get('IamRoleArn')!;
    const kmsKeyId = params.get('KmsKeyId')!;
    const s3Prefix = params.get('S3Prefix') ?? '';
    const exportOnly = params.list('ExportOnly');

    checkIdentifier(identifier);
    if (this.tasks.has(identifier)) {
      throw new RdsStandInError(
        400,
        RDS_ERROR_CODES.exportTaskAlreadyExists,
        `Cannot start export task because a task with the identifier ${identifier} already exists.`,
      );
    }
    if (s3Prefix.includes(':')) throw badParameter('The S3 prefix cannot contain a colon (:).');
    if (!IAM_ROLE_ARN.test(iamRoleArn)) throw badParameter(`The IAM role ARN ${iamRoleArn} is not valid.`);
    for (const entry of exportOnly) {
      if (entry === '' || entry.split('.').length > 3 || entry.split('.').some((p) => p === '')) {
        throw new RdsStandInError(
          400,
          RDS_ERROR_CODES.invalidExportOnly,
          `The ExportOnly entry "${entry}" is not valid.`,
        );
      }
    }

    const match = SNAPSHOT_ARN.exec(sourceArn);
    if (!match) {
      throw badParameter(`The source ARN ${sourceArn} is not a DB snapshot or DB cluster snapshot ARN.`);
    }
    const kind = match[3] === 'snapshot' ? 'db' : 'cluster';
    const record = this.snapshots.get(sourceArn);
    if (!record || record.spec.kind !== kind) throw snapshotNotFound(kind, match[4]!);
    const spec = record.spec;
    const status = spec.status ?? 'available';
    if (status !== 'available') {
      throw invalidExportSource(`The snapshot ${spec.identifier} is in state ${status}; it must be available.`);
    }
    const refusal = unexportable(spec);
    if (refusal) throw invalidExportSource(refusal);
    // Checked before the quota and the per-snapshot rule: from there to registering the task nothing awaits, so
    // concurrent calls cannot all pass the five-export check at once.
    await this.s3.send(new HeadBucketCommand({ Bucket: s3Bucket })).catch(() => {
      throw new RdsStandInError(
        400,
        RDS_ERROR_CODES.invalidS3Bucket,
        `The S3 bucket ${s3Bucket} doesn't exist or RDS isn't authorized to access it.`,
      );
    });
    const sameSource = [...this.tasks.values()].find((t) => t.sourceArn === sourceArn && ACTIVE.has(t.status));
    if (sameSource) {
      throw invalidExportSource(
        `The export task ${sameSource.identifier} is already running for ${sourceArn}; wait for it to finish.`,
      );
    }
    if (this.activeCount() >= this.maxConcurrent) {
      throw new RdsStandInError(
        400,
        EXPORT_LIMIT_ERROR_CODE,
        `You can have at most ${this.maxConcurrent} export tasks in progress at a time in this account.`,
      );
    }

    const task: TaskRecord = {
      identifier,
      sourceArn,
      sourceType: kind === 'db' ? 'SNAPSHOT' : 'CLUSTER',
      exportOnly,
      snapshotTime: record.createdAt,
      s3Bucket,
      s3Prefix,
      iamRoleArn,
      kmsKeyId,
      status: 'STARTING',
      percentProgress: 0,
      bytesWritten: 0,
      objectKeys: [],
      abort: new AbortController(),
      done: Promise.resolve(),
    };
    this.tasks.set(identifier, task);
    task.done = this.runExport(task, record).catch((error: unknown) => {
      this.finish(task, 'FAILED', { failureCause: error instanceof Error ? error.message : String(error) });
    });
    return task;
  }

  private cancelExportTask(params: QueryParams): TaskRecord {
    const identifier = params.get('ExportTaskIdentifier');
    if (identifier === undefined) throw missingParameter('ExportTaskIdentifier');
    const task = this.tasks.get(identifier);
    if (!task) throw exportTaskNotFound(identifier);
    if (task.status !== 'STARTING' && task.status !== 'IN_PROGRESS') {
      throw new RdsStandInError(
        400,
        RDS_ERROR_CODES.invalidExportTaskState,
        `The export task ${identifier} is ${task.status} and can't be canceled.`,
      );
    }
    task.status = 'CANCELING';
    task.abort.abort();
    return task;
  }

  private describeExportTasks(params: QueryParams): XmlNode {
    const identifier = params.get('ExportTaskIdentifier');
    const sourceArn = params.get('SourceArn');
    const sourceType = params.get('SourceType');
    let tasks = [...this.tasks.values()];
    if (identifier !== undefined) {
      const task = this.tasks.get(identifier);
      if (!task) throw exportTaskNotFound(identifier);
      tasks = [task];
    }
    if (sourceArn !== undefined) tasks = tasks.filter((t) => t.sourceArn === sourceArn);
    if (sourceType !== undefined) tasks = tasks.filter((t) => t.sourceType === sourceType);
    for (const filter of params.filters()) {
      const pick: ((t: TaskRecord) => string) | undefined =
        filter.name === 'export-task-identifier'
          ? (t) => t.identifier
          : filter.name === 's3-bucket'
            ? (t) => t.s3Bucket
            : filter.name === 'source-arn'
              ? (t) => t.sourceArn
              : filter.name === 'status'
                ? // RDS documents the status filter's values in lowercase (complete, in_progress, …).
                  (t) => t.status.toLowerCase()
                : undefined;
      if (!pick) throw badParameter(`Unrecognized filter name: ${filter.name}.`);
      tasks = tasks.filter((t) => filter.values.includes(pick(t)));
    }
    const { items, marker } = paginate(tasks, params);
    return { Marker: marker, ExportTasks: new XmlList('ExportTask', items.map(taskXml)) };
  }

  // ---- the export itself -------------------------------------------------------------------------------------

  private async runExport(task: TaskRecord, snapshot: SnapshotRecord): Promise<void> {
    await sleep(this.startingMs, task.abort.signal);
    if (task.abort.signal.aborted) return this.finish(task, 'CANCELED');
    if (snapshot.removed) {
      return this.finish(task, 'FAILED', {
        failureCause: `The source snapshot ${snapshot.spec.identifier} was deleted before the export started.`,
      });
    }
    task.status = 'IN_PROGRESS';
    task.taskStartTime = new Date();
    const faults = snapshot.spec.faults ?? {};
    if (faults.failTask !== undefined) return this.finish(task, 'FAILED', { failureCause: faults.failTask });
    if (faults.writeNothing) {
      await sleep(this.perTableMs, task.abort.signal);
      return this.finish(task, task.abort.signal.aborted ? 'CANCELED' : 'COMPLETE');
    }

    const source = snapshot.spec.source;
    const database = source?.database ?? '';
    const root = exportRoot(task.s3Prefix, task.identifier);
    let reader: SourceReader | undefined;
    const statuses: PerTableStatus[] = [];
    const problems: string[] = [];
    try {
      reader = source ? await openSource(source) : undefined;
      const tables = reader ? selectTables(await reader.listTables(), database, task.exportOnly) : [];
      for (const [index, table] of tables.entries()) {
        if (task.abort.signal.aborted) return this.finish(task, 'CANCELED');
        if (snapshot.removed) {
          return this.finish(task, 'FAILED', {
            failureCause: `The source snapshot ${snapshot.spec.identifier} was deleted during the export.`,
          });
        }
        const name = `${table.schema}.${table.table}`;
        if (faults.skipTables?.includes(name)) {
          const warningMessage = `The table ${name} was skipped.`;
          statuses.push(tableStatus(database, table, 'SKIPPED', { warningMessage }));
          problems.push(`${name} (SKIPPED)`);
        } else {
          statuses.push(await this.exportTable(task, reader!, root, database, table, faults.failTables ?? []));
          if (statuses.at(-1)?.status === 'FAILED') problems.push(`${name} (FAILED)`);
        }
        // Progress reaches 100 only when the summary files are written too.
        task.percentProgress = Math.min(99, Math.floor(((index + 1) / tables.length) * 100));
        await sleep(this.perTableMs, task.abort.signal);
      }
    } finally {
      await reader?.close().catch(() => undefined);
    }
    if (task.abort.signal.aborted) return this.finish(task, 'CANCELED');

    const warningMessage =
      problems.length === 0
        ? undefined
        : `The export completed, but ${problems.length} table(s) were not exported: ${problems.join(', ')}. ` +
          'See the export_tables_info file for details.';
    await this.put(task, tablesInfoKey(root, task.identifier, statuses.length), {
      perTableStatus: statuses,
    });
    const end = new Date();
    const info: ExportInfo = {
      exportTaskIdentifier: task.identifier,
      sourceArn: task.sourceArn,
      exportOnly: task.exportOnly,
      snapshotTime: task.snapshotTime.toISOString(),
      taskStartTime: (task.taskStartTime ?? end).toISOString(),
      taskEndTime: end.toISOString(),
      s3Bucket: task.s3Bucket,
      s3Prefix: task.s3Prefix,
      exportedFilesPath: root,
      iamRoleArn: task.iamRoleArn,
      kmsKeyId: task.kmsKeyId,
      status: 'COMPLETE',
      percentProgress: 100,
      totalExportedDataInGB: task.bytesWritten / BYTES_PER_GB,
      ...(warningMessage === undefined ? {} : { warningMessage }),
      sourceType: task.sourceType,
    };
    // export_info is written last: once it is there, the export is whole.
    await this.put(task, exportInfoKey(root, task.identifier), info);
    this.finish(task, 'COMPLETE', warningMessage === undefined ? {} : { warningMessage }, end);
  }

  private async exportTable(
    task: TaskRecord,
    reader: SourceReader,
    root: string,
    database: string,
    table: SourceTable,
    failTables: readonly string[],
  ): Promise<PerTableStatus> {
    const started = new Date();
    const name = `${table.schema}.${table.table}`;
    if (failTables.includes(name)) {
      return tableStatus(database, table, 'FAILED', {
        started,
        ended: new Date(),
        failureCause: `The table ${name} could not be exported (injected failure).`,
      });
    }
    try {
      const rows = await reader.readRows(table);
      const parquet = await this.parquet.write(table, rows);
      await this.put(task, tableObjectKey(root, database, table, randomUUID()), parquet);
      return tableStatus(database, table, 'COMPLETE', { started, ended: new Date(), bytes: parquet.length });
    } catch (error) {
      // A table RDS cannot convert fails on its own; the task goes on with the others.
      return tableStatus(database, table, 'FAILED', {
        started,
        ended: new Date(),
        failureCause: error instanceof Error ? error.message : String(error),
      });
    }
  }

  private async put(task: TaskRecord, key: string, body: Buffer | object): Promise<void> {
    const bytes = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body, null, 2));
    await this.s3.send(
      new PutObjectCommand({
        Bucket: task.s3Bucket,
        Key: key,
        Body: bytes,
        ContentType: Buffer.isBuffer(body) ? 'application/octet-stream' : 'application/json',
      }),
    );
    task.bytesWritten += bytes.length;
    task.objectKeys.push(key);
  }

  private finish(
    task: TaskRecord,
    status: 'COMPLETE' | 'CANCELED' | 'FAILED',
    details: { failureCause?: string; warningMessage?: string } = {},
    end = new Date(),
  ): void {
    if (!ACTIVE.has(task.status)) return;
    task.status = status;
    task.taskEndTime = end;
    if (status === 'COMPLETE') task.percentProgress = 100;
    if (details.failureCause !== undefined) task.failureCause = details.failureCause;
    if (details.warningMessage !== undefined) task.warningMessage = details.warningMessage;
  }
}

/** RDS's rule for export task identifiers. */
function checkIdentifier(identifier: string): void {
  if (identifier.length > 60) {
    throw badParameter(`The export task identifier must be 1 to 60 characters; ${identifier.length} given.`);
  }
  if (!/^[A-Za-z]/.test(identifier)) throw badParameter('The export task identifier must start with a letter.');
  if (identifier.endsWith('-')) throw badParameter('The export task identifier cannot end with a hyphen.');
  if (identifier.includes('--'))
    throw badParameter('The export task identifier cannot contain two consecutive hyphens.');
  if (!IDENTIFIER_PATTERN.test(identifier)) {
    throw badParameter('The export task identifier can contain only ASCII letters, digits and hyphens.');
  }
}

/** Why RDS refuses to export this snapshot, or undefined. */
function unexportable(spec: SnapshotSpec): string | undefined {
  const engine = spec.engine.toLowerCase();
  if (engine.startsWith('oracle'))
    return `Exporting snapshots of ${spec.engine} (Oracle) DB instances isn't supported.`;
  if (engine.startsWith('sqlserver')) {
    return `Exporting snapshots of ${spec.engine} (SQL Server) DB instances isn't supported.`;
  }
  if (engine.startsWith('db2')) return `Exporting snapshots of ${spec.engine} (Db2) DB instances isn't supported.`;
  if (engine.startsWith('custom-')) return `Exporting snapshots of RDS Custom (${spec.engine}) isn't supported.`;
  if (spec.kind === 'cluster' && (spec.engineMode ?? 'provisioned') === 'serverless') {
    return 'Aurora Serverless v1 (engine mode serverless) DB cluster snapshots cannot be exported to S3.';
  }
  return undefined;
}

/** The tables an ExportOnly list selects: `database`, `database.schema`, `database.schema.table`, `database.table`. */
function selectTables(tables: SourceTable[], database: string, exportOnly: readonly string[]): SourceTable[] {
  if (exportOnly.length === 0) return tables;
  return tables.filter((t) =>
    exportOnly.some((entry) => {
      const [db, second, third] = entry.split('.');
      if (db !== database) return false;
      if (second === undefined) return true;
      // MySQL: the "schema" is the database itself, so `database.table` names the table.
      if (t.schema === database && third === undefined && second === t.table) return true;
      return second === t.schema && (third === undefined || third === t.table);
    }),
  );
}

function tagsXml(tags: Readonly<Record<string, string>> | undefined): XmlList | undefined {
  if (tags === undefined) return undefined;
  return new XmlList(
    'Tag',
    Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
  );
}

function taskXml(t: TaskRecord): XmlNode {
  return {
    ExportTaskIdentifier: t.identifier,
    SourceArn: t.sourceArn,
    ExportOnly: t.exportOnly.length === 0 ? undefined : new XmlList('member', t.exportOnly),
    SnapshotTime: t.snapshotTime,
    TaskStartTime: t.taskStartTime,
    TaskEndTime: t.taskEndTime,
    S3Bucket: t.s3Bucket,
    S3Prefix: t.s3Prefix,
    IamRoleArn: t.iamRoleArn,
    KmsKeyId: t.kmsKeyId,
    Status: t.status,
    PercentProgress: t.percentProgress,
    TotalExtractedDataInGB: Math.round(t.bytesWritten / BYTES_PER_GB),
    FailureCause: t.failureCause,
    WarningMessage: t.warningMessage,
    SourceType: t.sourceType,
  };
}

/** MaxRecords (20–100, default 100) and an opaque Marker, as the RDS Describe calls page. */
function paginate<T>(all: readonly T[], params: QueryParams): { items: T[]; marker: string | undefined } {
  const rawMax = params.get('MaxRecords');
  const max = rawMax === undefined ? 100 : Number(rawMax);
  if (!Number.isInteger(max) || max < 20 || max > 100) {
    throw badParameter(`MaxRecords must be from 20 to 100, not ${rawMax}.`);
  }
  const rawMarker = params.get('Marker');
  const start = rawMarker === undefined ? 0 : Number(Buffer.from(rawMarker, 'base64url').toString('utf8'));
  if (!Number.isInteger(start) || start < 0) throw badParameter('The marker is not valid.');
  const items = all.slice(start, start + max);
  const next = start + items.length;
  return { items, marker: next < all.length ? Buffer.from(String(next)).toString('base64url') : undefined };
}

/** Waits `ms`, or less when `signal` aborts (a canceled or closing export must not sit out its timers). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
