/**
 * The DynamoDB branch of the export workflow (Backup actions, part 2). No AWS API exports a DynamoDB recovery point,
 * so the backup itself is restored to a temporary table, point-in-time recovery is turned on, and the table is
 * exported in DynamoDB JSON (ExportTableToPointInTime); or, when the request asks for it and the source table's PITR
 * covers the backup's creation time, the source table's PITR is exported at that time, with no restore. The export
 * is then converted to lossless Parquet by the conversion Tasks (conversionTasks.ts), and the temporary table is
 * deleted — by cleanUpDynamoDb on the failure path too. Like exportTasks.ts: each Task takes the workflow state and
 * the dependencies, returns what the workflow writes under its key, and throws only named ActionErrors.
 */
import { exportRoot } from '../../core/actions/exportManifest.js';
import { tagFilterReason } from '../../core/actions/exportRequest.js';
import {
  ACTION_ERRORS,
  ActionError,
  type CleanupResult,
  type ExportRequest,
  type ExportState,
  nextPollSeconds,
  type RestoreProgress,
  type SourceDescription,
  type TableExportProgress,
} from '../../core/actions/exportWorkflow.js';
import { fnv1a64 } from '../../core/normalize/signalId.js';
import type { ExportTaskDependencies } from './exportTasks.js';
import { removeUnverifiedObjects } from './removeUnverifiedObjects.js';

/** The dependencies only the DynamoDB Tasks need. */
export type DynamoDbTaskDependencies = Pick<
  ExportTaskDependencies,
  | 'archive'
  | 'recoveryPoints'
  | 'dynamodb'
  | 'restoreRoleArn'
  | 'resolveExportKey'
  | 'exportKmsKeyArn'
  | 'archiveBucketOwner'
  | 'cleanupQuietMs'
  | 'now'
>;

/** The tag every temporary table carries, so that cleanup and IAM conditions can tell Vaultpilot's apart. */
export const TEMPORARY_TABLE_TAG = 'vaultpilot:temporary';
/** Every temporary table's name starts so (the IAM policies of the deleting functions are scoped to it). */
export const TEMPORARY_TABLE_PREFIX = 'vp-tmp-';

/** `vp-tmp-<16 hex of the recovery point>-a<attempt>`: deterministic, within DynamoDB's `[a-zA-Z0-9_.-]{3,255}`. */
export function temporaryTableName(request: Pick<ExportRequest, 'recoveryPointArn' | 'attempt'>): string {
  return `${TEMPORARY_TABLE_PREFIX}${fnv1a64(request.recoveryPointArn)}-a${request.attempt}`;
}

/** The idempotency token of every start call of one attempt (a retried Task asks for the same job/export). */
export function attemptToken(request: Pick<ExportRequest, 'recoveryPointArn' | 'attempt'>): string {
  return `vp-${fnv1a64(JSON.stringify([request.recoveryPointArn, request.attempt]))}`;
}

/** Where the export and the Parquet go: `<S3Prefix>/<export id>/dynamodb-export/` and `…/parquet/`. */
export function dynamoDbPrefixes(request: Pick<ExportRequest, 's3Prefix' | 'exportTaskIdentifier'>) {
  const root = exportRoot(request.s3Prefix, request.exportTaskIdentifier);
  return { root, exportPrefix: `${root}dynamodb-export`, parquetPrefix: `${root}parquet/` };
}

/** `arn:…:dynamodb:<region>:<account>:table/<name>` of a DynamoDB backup ARN `…:table/<name>/backup/<id>`. */
export function tableArnOfBackup(arn: string): string | undefined {
  const match = /^(arn:[^:]+:dynamodb:[^:]*:[^:]*:table\/[^/]+)\/backup\/[^/]+$/.exec(arn);
  return match?.[1];
}

/** The table name of a table ARN (or the name itself). */
export function tableNameOf(tableArn: string): string {
  const match = /:table\/([^/]+)/.exec(tableArn);
  return match?.[1] ?? tableArn;
}

function requireField<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new ActionError(ACTION_ERRORS.badInput, `the workflow state has no ${what}`);
  return value;
}

function nowIso(deps: Pick<ExportTaskDependencies, 'now'>): string {
  return new Date((deps.now ?? Date.now)()).toISOString();
}

const READY_POINT = new Set(['COMPLETED', 'AVAILABLE']);
const PENDING_POINT = new Set(['CREATING', 'PENDING', 'PARTIAL_CREATING']);

/** Describe source, for a DynamoDB recovery point: AWS Backup's description, the tags, and the export path. */
export async function describeDynamoDbSource(
  request: ExportRequest,
  deps: DynamoDbTaskDependencies,
): Promise<SourceDescription> {
  const arn = request.recoveryPointArn;
  const vaults = request.vault ? [request.vault] : request.watchedVaults;
  const point = await deps.recoveryPoints.find(vaults, arn);
  const notExportable = (reason: string): SourceDescription => ({
    exportable: false,
    reason,
    engine: 'dynamodb',
    status: point?.status ?? 'unknown',
    encrypted: point?.encrypted ?? false,
    tags: {},
  });
  if (!point) {
    if (!request.vault) {
      return notExportable(`the recovery point is in none of the watched vaults (${vaults.join(', ') || 'none'})`);
    }
    throw new ActionError(ACTION_ERRORS.sourceNotFound, `vault ${request.vault} does not hold ${arn} (any more)`);
  }
  if (PENDING_POINT.has(point.status)) {
    throw new ActionError(ACTION_ERRORS.sourceNotReady, `recovery point ${arn} is ${point.status}`);
  }
  if (!READY_POINT.has(point.status)) return notExportable(`the recovery point is ${point.status}, not COMPLETED`);
  const sourceTableArn = point.resourceArn ?? tableArnOfBackup(arn);
  // backup:ListTags takes only what AWS Backup fully manages (`arn:…:backup:…`, advanced DynamoDB backups); a
  // DynamoDB-managed backup (`…:table/<t>/backup/<id>`) has no tags of its own: the source table's are read.
  const tags = /^arn:[^:]+:backup:/.test(arn)
    ? await deps.recoveryPoints.tags(arn)
    : sourceTableArn
      ? await deps.dynamodb.tableTags(sourceTableArn)
      : {};
  const base = {
    engine: 'dynamodb',
    status: point.status,
    encrypted: point.encrypted,
    ...(point.encryptionKeyArn ? { kmsKeyId: point.encryptionKeyArn } : {}),
    ...(point.sizeBytes !== undefined ? { sizeGiB: Math.round((point.sizeBytes / 2 ** 30) * 1000) / 1000 } : {}),
    ...(sourceTableArn ? { sourceIdentifier: tableNameOf(sourceTableArn), sourceTableArn } : {}),
    ...(point.createdAt ? { snapshotTime: point.createdAt } : {}),
    tags,
    vault: point.vault,
  };
  const tagReason = tagFilterReason(tags, request.includeTags, request.excludeTags);
  if (tagReason) return { ...base, exportable: false, reason: tagReason, exportFrom: 'backup' };
  if (request.dynamoDbExportFrom !== 'source-pitr') return { ...base, exportable: true, exportFrom: 'backup' };
  const note = await sourcePitrProblem(sourceTableArn, point.createdAt, deps);
  return note
    ? {
        ...base,
        exportable: true,
        exportFrom: 'backup',
        exportFromNote: `source-pitr: ${note}; the backup is exported`,
      }
    : { ...base, exportable: true, exportFrom: 'source-pitr' };
}

/** Why the source table's PITR cannot serve the backup's creation time, or undefined when it can. */
async function sourcePitrProblem(
  tableArn: string | undefined,
  createdAt: string | undefined,
  deps: DynamoDbTaskDependencies,
): Promise<string | undefined> {
  if (!tableArn) return 'the recovery point names no source table';
  if (!createdAt) return 'the recovery point has no creation time';
  const window = await deps.dynamodb.pitrWindow(tableNameOf(tableArn));
  if (!window) return `the source table ${tableNameOf(tableArn)} no longer exists`;
  if (!window.enabled) return `point-in-time recovery is off on ${tableNameOf(tableArn)}`;
  const at = Date.parse(createdAt);
  if (window.earliest && at < Date.parse(window.earliest)) {
    return `the backup's creation time ${createdAt} is before the PITR window (earliest ${window.earliest})`;
  }
  if (window.latest && at > Date.parse(window.latest)) {
    return `the backup's creation time ${createdAt} is after the latest restorable time ${window.latest}`;
  }
  return undefined;
}

/** Start restore: the recovery point to the temporary table (AWS Backup's restore metadata, the name overridden). */
export async function startRestore(state: ExportState, deps: DynamoDbTaskDependencies): Promise<RestoreProgress> {
  const { request } = state;
  const vault = requireField(state.source?.vault ?? request.vault, 'vault of the recovery point');
  const tableName = temporaryTableName(request);
  const job = await deps.dynamodb.startRestore({
    recoveryPointArn: request.recoveryPointArn,
    vault,
    targetTableName: tableName,
    iamRoleArn: deps.restoreRoleArn,
    idempotencyToken: attemptToken(request),
    tags: { [TEMPORARY_TABLE_TAG]: 'true' },
  });
  return {
    restoreJobId: job.restoreJobId,
    tableName,
    status: job.status,
    startedAt: nowIso(deps),
    pollCount: 0,
    waitSeconds: nextPollSeconds(0),
  };
}

/** Check restore: DescribeRestoreJob, and when to look again. */
export async function checkRestore(state: ExportState, deps: DynamoDbTaskDependencies): Promise<RestoreProgress> {
  const previous = requireField(state.restore, 'restore (Start restore did not run)');
  const job = await deps.dynamodb.describeRestore(previous.restoreJobId);
  return {
    ...previous,
    status: job.status,
    ...(job.createdResourceArn ? { tableArn: job.createdResourceArn } : {}),
    ...(job.statusMessage ? { statusMessage: job.statusMessage } : {}),
    pollCount: previous.pollCount + 1,
    waitSeconds: nextPollSeconds(previous.pollCount + 1),
  };
}

/** Enable PITR on the temporary table; PitrPending until DynamoDB says ENABLED. */
export async function enablePitr(state: ExportState, deps: DynamoDbTaskDependencies): Promise<{ enabled: true }> {
  const restore = requireField(state.restore, 'restore');
  if (!(await deps.dynamodb.enablePitr(restore.tableName))) {
    throw new ActionError(ACTION_ERRORS.pitrPending, `point-in-time recovery of ${restore.tableName} is turning on`);
  }
  return { enabled: true };
}

/**
 * Start table export: ExportTableToPointInTime in DynamoDB JSON, idempotent by the attempt's token — of the
 * temporary table (now), or of the source table at the backup's creation time (source-pitr).
 */
export async function startTableExport(
  state: ExportState,
  deps: DynamoDbTaskDependencies,
): Promise<TableExportProgress> {
  const source = requireField(state.source, 'source');
  const fromSource = source.exportFrom === 'source-pitr';
  const tableArn = fromSource
    ? requireField(source.sourceTableArn, 'source table of the recovery point')
    : requireField(state.restore?.tableArn, 'ARN of the restored table');
  const exportTime = fromSource ? requireField(source.snapshotTime, 'creation time of the recovery point') : undefined;
  const { exportPrefix } = dynamoDbPrefixes(state.request);
  const kmsKeyId = deps.resolveExportKey ? await deps.resolveExportKey() : deps.exportKmsKeyArn;
  const started = await deps.dynamodb.startTableExport({
    tableArn,
    bucket: deps.archive.bucket,
    prefix: exportPrefix,
    clientToken: attemptToken(state.request),
    ...(deps.archiveBucketOwner ? { bucketOwner: deps.archiveBucketOwner } : {}),
    ...(exportTime ? { exportTime: new Date(exportTime) } : {}),
    ...(kmsKeyId ? { kmsKeyId } : {}),
  });
  return {
    exportArn: started.exportArn,
    status: started.status,
    tableArn,
    ...(exportTime ? { exportTime } : {}),
    prefix: exportPrefix,
    startedAt: nowIso(deps),
    pollCount: 0,
    waitSeconds: nextPollSeconds(0),
  };
}

/** Check table export: DescribeExport, and when to look again. */
export async function checkTableExport(
  state: ExportState,
  deps: DynamoDbTaskDependencies,
): Promise<TableExportProgress> {
  const previous = requireField(state.tableExport, 'tableExport (Start table export did not run)');
  const info = await deps.dynamodb.describeTableExport(previous.exportArn);
  const failure =
    info.failureCode || info.failureMessage
      ? `${info.failureCode ?? ''} ${info.failureMessage ?? ''}`.trim()
      : undefined;
  // The keys become the Parquet's key columns; read while the exported table still exists.
  const keys =
    info.status === 'COMPLETED' && !previous.keys
      ? await deps.dynamodb.tableKeys(tableNameOf(previous.tableArn))
      : previous.keys;
  return {
    ...previous,
    status: info.status,
    ...(keys ? { keys } : {}),
    ...(info.manifestSummaryKey ? { manifestSummaryKey: info.manifestSummaryKey } : {}),
    ...(info.itemCount !== undefined ? { itemCount: info.itemCount } : {}),
    ...(failure ? { failure } : {}),
    pollCount: previous.pollCount + 1,
    waitSeconds: nextPollSeconds(previous.pollCount + 1),
  };
}

/** Delete temporary table: once its export is complete (none on the source-pitr path). */
export async function deleteTemporaryTable(
  state: ExportState,
  deps: DynamoDbTaskDependencies,
): Promise<{ deleted: boolean; tableName: string }> {
  const tableName = temporaryTableName(state.request);
  return { deleted: await deps.dynamodb.deleteTable(tableName), tableName };
}

/**
 * Cleanup after a failure: wait for a running restore or table export to end (neither can be cancelled: a restore's
 * table appears when it completes, an export keeps writing), delete the temporary table by its deterministic name (a
 * Start restore that timed out may have made it), and remove what an attempt without the action manifest wrote.
 * Works from the request alone (the execution sweeper has nothing else).
 */
export async function cleanUpDynamoDb(state: ExportState, deps: DynamoDbTaskDependencies): Promise<CleanupResult> {
  const restore = state.restore;
  if (restore && ['PENDING', 'RUNNING'].includes(restore.status)) {
    const job = await deps.dynamodb.describeRestore(restore.restoreJobId);
    if (job.status === 'PENDING' || job.status === 'RUNNING') {
      throw new ActionError(ACTION_ERRORS.cleanupPending, `restore job ${restore.restoreJobId} is still ${job.status}`);
    }
  } else if (!restore && state.source?.exportFrom !== 'source-pitr') {
    // No restore in the state (the sweeper has only the input, or Start restore timed out): ask AWS Backup for the
    // attempt's restore jobs (the request was made before any of them).
    const since = new Date(Date.parse(state.request.requestedAt) - 60_000);
    const running = await deps.dynamodb.runningRestores(state.request.recoveryPointArn, since);
    if (running.length > 0) {
      throw new ActionError(
        ACTION_ERRORS.cleanupPending,
        `restore job ${running[0]!.restoreJobId} of the recovery point is still ${running[0]!.status}`,
      );
    }
  }
  const temporaryTableDeleted = await deps.dynamodb.deleteTable(temporaryTableName(state.request));
  if (state.tableExport?.status === 'IN_PROGRESS') {
    const info = await deps.dynamodb.describeTableExport(state.tableExport.exportArn);
    if (info.status === 'IN_PROGRESS') {
      throw new ActionError(
        ACTION_ERRORS.cleanupPending,
        `table export ${state.tableExport.exportArn} is still IN_PROGRESS (DynamoDB exports cannot be cancelled)`,
      );
    }
  }
  // Conversion Lambdas may still write once Plan conversion has run, or whenever the execution ended without its Catch.
  const workersMayRun = Boolean(state.conversion) || Boolean(state.failedStep?.startsWith('Execution '));
  const removed = await removeUnverifiedObjects(state.request, deps, workersMayRun, { temporaryTableDeleted });
  return {
    exportCancelled: false,
    temporaryTableDeleted: removed.done.temporaryTableDeleted === true,
    objectsDeleted: removed.objectsDeleted,
    leftBehind: removed.leftBehind,
  };
}
