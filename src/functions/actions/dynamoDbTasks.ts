/**
 * The Tasks of the DynamoDB export path (Backup actions, part 2): no AWS API exports a DynamoDB recovery point, so
 * the backup itself is restored to a temporary table, point-in-time recovery is turned on, the table is exported
 * in DynamoDB JSON, the export is converted to lossless Parquet (src/archive/dynamodb), and the temporary table is
 * deleted — on the failure path too (cleanUpDynamoDb). Like exportTasks.ts: each takes the workflow state and its
 * dependencies, returns what the workflow writes under its key, and throws only named ActionErrors; waiting is the
 * state machine's. Not yet part of the deployed workflow (see docs/dynamodb.md).
 */
import type { ArchiveObjects } from '../../aws/export/ArchiveObjects.js';
import type { DynamoDbExports } from '../../aws/export/dynamodb/DynamoDbExports.js';
import { exportRoot } from '../../core/actions/exportManifest.js';
import {
  ACTION_ERRORS,
  ActionError,
  type CaughtError,
  type ExportRequest,
  nextPollSeconds,
} from '../../core/actions/exportWorkflow.js';
import { VAULTPILOT_MANIFEST } from '../../core/dynamodb/manifests.js';
import { fnv1a64 } from '../../core/normalize/signalId.js';

/** The temporary table's restore job. */
export interface RestoreProgress {
  readonly restoreJobId: string;
  readonly tableName: string;
  readonly status: string;
  readonly tableArn?: string;
  readonly statusMessage?: string;
  readonly pollCount: number;
  readonly waitSeconds: number;
}

/** The temporary table's export (ExportTableToPointInTime). */
export interface TableExportProgress {
  readonly exportArn: string;
  readonly status: string;
  readonly prefix: string;
  readonly manifestSummaryKey?: string;
  readonly itemCount?: number;
  readonly failure?: string;
  readonly pollCount: number;
  readonly waitSeconds: number;
}

/** What the conversion wrote. */
export interface ConversionResult {
  readonly manifestKey: string;
  readonly items: number;
  readonly files: number;
  readonly bytes: number;
}

/** The state of a DynamoDB export. */
export interface DynamoDbExportState {
  readonly request: ExportRequest;
  readonly source?: { readonly vault?: string };
  readonly restore?: RestoreProgress;
  readonly tableExport?: TableExportProgress;
  readonly conversion?: ConversionResult;
  readonly failedStep?: string;
  readonly failure?: CaughtError;
}

/** Converts a DynamoDB export folder in the archive bucket to Parquet under another prefix (the converter). */
export type ConvertExport = (input: {
  readonly bucket: string;
  /** `…/AWSDynamoDB/<export id>/` */
  readonly exportFolder: string;
  /** `…/parquet/` */
  readonly destinationPrefix: string;
  readonly keys: { readonly partitionKey: string; readonly sortKey?: string };
}) => Promise<{ readonly items: number; readonly files: number; readonly bytes: number }>;

export interface DynamoDbTaskDependencies {
  readonly dynamodb: DynamoDbExports;
  readonly archive: ArchiveObjects;
  readonly convert: ConvertExport;
  /** The role AWS Backup restores with (trusted by backup.amazonaws.com). */
  readonly restoreRoleArn: string;
  /** The key the export is encrypted with in S3. @default the bucket's default encryption */
  readonly exportKmsKeyId?: string;
}

/** Tags every temporary table carries, so that cleanup and IAM conditions can tell Vaultpilot's apart. */
export const TEMPORARY_TABLE_TAG = 'vaultpilot:temporary';

/** `vp-tmp-<16 hex of the recovery point>-a<attempt>`: deterministic, within DynamoDB's `[a-zA-Z0-9_.-]{3,255}`. */
export function temporaryTableName(request: Pick<ExportRequest, 'recoveryPointArn' | 'attempt'>): string {
  return `vp-tmp-${fnv1a64(request.recoveryPointArn)}-a${request.attempt}`;
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

function requireField<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new ActionError(ACTION_ERRORS.badInput, `the workflow state has no ${what}`);
  return value;
}

/** Start restore: the recovery point to the temporary table (AWS Backup's restore metadata, the name overridden). */
export async function startRestore(
  state: DynamoDbExportState,
  deps: DynamoDbTaskDependencies,
): Promise<RestoreProgress> {
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
    pollCount: 0,
    waitSeconds: nextPollSeconds(0),
  };
}

/** Check restore: DescribeRestoreJob, and when to look again. */
export async function checkRestore(
  state: DynamoDbExportState,
  deps: DynamoDbTaskDependencies,
): Promise<RestoreProgress> {
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
export async function enablePitr(
  state: DynamoDbExportState,
  deps: DynamoDbTaskDependencies,
): Promise<{ enabled: true }> {
  const restore = requireField(state.restore, 'restore');
  if (!(await deps.dynamodb.enablePitr(restore.tableName))) {
    throw new ActionError(ACTION_ERRORS.pitrPending, `point-in-time recovery of ${restore.tableName} is turning on`);
  }
  return { enabled: true };
}

/** Start table export: ExportTableToPointInTime in DynamoDB JSON, idempotent by the attempt's token. */
export async function startTableExport(
  state: DynamoDbExportState,
  deps: DynamoDbTaskDependencies,
): Promise<TableExportProgress> {
  const restore = requireField(state.restore, 'restore');
  const tableArn = requireField(restore.tableArn, 'ARN of the restored table');
  const { exportPrefix } = dynamoDbPrefixes(state.request);
  const started = await deps.dynamodb.startTableExport({
    tableArn,
    bucket: deps.archive.bucket,
    prefix: exportPrefix,
    clientToken: attemptToken(state.request),
    ...(deps.exportKmsKeyId ? { kmsKeyId: deps.exportKmsKeyId } : {}),
  });
  return {
    exportArn: started.exportArn,
    status: started.status,
    prefix: exportPrefix,
    pollCount: 0,
    waitSeconds: nextPollSeconds(0),
  };
}

/** Check table export: DescribeExport, and when to look again. */
export async function checkTableExport(
  state: DynamoDbExportState,
  deps: DynamoDbTaskDependencies,
): Promise<TableExportProgress> {
  const previous = requireField(state.tableExport, 'tableExport (Start table export did not run)');
  const info = await deps.dynamodb.describeTableExport(previous.exportArn);
  const failure =
    info.failureCode || info.failureMessage
      ? `${info.failureCode ?? ''} ${info.failureMessage ?? ''}`.trim()
      : undefined;
  return {
    ...previous,
    status: info.status,
    ...(info.manifestSummaryKey ? { manifestSummaryKey: info.manifestSummaryKey } : {}),
    ...(info.itemCount !== undefined ? { itemCount: info.itemCount } : {}),
    ...(failure ? { failure } : {}),
    pollCount: previous.pollCount + 1,
    waitSeconds: nextPollSeconds(previous.pollCount + 1),
  };
}

/** Convert export: the table export to lossless Parquet, every data file checked against DynamoDB's manifest. */
export async function convertTableExport(
  state: DynamoDbExportState,
  deps: DynamoDbTaskDependencies,
): Promise<ConversionResult> {
  const restore = requireField(state.restore, 'restore');
  const tableExport = requireField(state.tableExport, 'tableExport');
  if (tableExport.status !== 'COMPLETED' || !tableExport.manifestSummaryKey) {
    throw new ActionError(
      ACTION_ERRORS.verificationFailed,
      `table export ${tableExport.exportArn} is ${tableExport.status}`,
    );
  }
  const keys = await deps.dynamodb.tableKeys(restore.tableName);
  const { parquetPrefix } = dynamoDbPrefixes(state.request);
  try {
    const result = await deps.convert({
      bucket: deps.archive.bucket,
      exportFolder: tableExport.manifestSummaryKey.replace(/manifest-summary\.json$/, ''),
      destinationPrefix: parquetPrefix,
      keys,
    });
    if (tableExport.itemCount !== undefined && result.items !== tableExport.itemCount) {
      throw new ActionError(
        ACTION_ERRORS.verificationFailed,
        `the Parquet holds ${result.items} items, DynamoDB exported ${tableExport.itemCount}`,
      );
    }
    return { manifestKey: `${parquetPrefix}${VAULTPILOT_MANIFEST}`, ...result };
  } catch (error) {
    if (error instanceof ActionError) throw error;
    // A data file that does not match DynamoDB's manifest, or any conversion failure: nothing is trusted.
    throw new ActionError(ACTION_ERRORS.verificationFailed, `converting the export: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** Delete temporary table: on the success path, once the Parquet is verified. */
export async function deleteTemporaryTable(
  state: DynamoDbExportState,
  deps: DynamoDbTaskDependencies,
): Promise<{ deleted: boolean }> {
  return { deleted: await deps.dynamodb.deleteTable(temporaryTableName(state.request)) };
}

/**
 * Cleanup after a failure: delete the temporary table (by its deterministic name: a Start restore that timed out
 * may have created it), and remove the export and Parquet of an attempt that has no Vaultpilot manifest.
 */
export async function cleanUpDynamoDb(
  state: DynamoDbExportState,
  deps: DynamoDbTaskDependencies,
): Promise<{ tableDeleted: boolean; objectsDeleted: number; leftBehind: string[] }> {
  const restore = state.restore;
  // A restore still running cannot be undone: its table appears when it completes, so wait for that.
  if (restore && ['PENDING', 'RUNNING'].includes(restore.status)) {
    const job = await deps.dynamodb.describeRestore(restore.restoreJobId);
    if (job.status === 'PENDING' || job.status === 'RUNNING') {
      throw new ActionError(ACTION_ERRORS.cleanupPending, `restore job ${restore.restoreJobId} is still ${job.status}`);
    }
  }
  const tableDeleted = await deps.dynamodb.deleteTable(temporaryTableName(state.request));
  const { root, parquetPrefix } = dynamoDbPrefixes(state.request);
  const objects = await deps.archive.list(root);
  if (objects.some((o) => o.key === `${parquetPrefix}${VAULTPILOT_MANIFEST}`)) {
    return { tableDeleted, objectsDeleted: 0, leftBehind: [] };
  }
  // Confirmed by listing again, as for RDS exports.
  const { deleted, remaining } = await deps.archive.deleteAllUnder(root);
  return {
    tableDeleted,
    objectsDeleted: deleted,
    leftBehind: remaining.slice(0, 20).map((k) => `s3://${deps.archive.bucket}/${k}`),
  };
}
