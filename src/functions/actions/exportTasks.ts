/**
 * The Tasks of the RDS export workflow, one function each, as the Lambda handlers and the local runner call
 * them: each takes the whole workflow state and its dependencies, and returns what the workflow writes under
 * its result key (TASK_STATES). Each throws only named ActionErrors (ACTION_ERRORS), which the state machine
 * retries or catches by name. Waiting is the state machine's job: no Task sleeps.
 */

import type { BlockSource } from '../../archive/index.js';
import type { ActionLedger } from '../../aws/export/ActionLedger.js';
import type { ActionResultPublisher } from '../../aws/export/ActionResultPublisher.js';
import type { ArchiveObjects } from '../../aws/export/ArchiveObjects.js';
import type { DynamoDbExports } from '../../aws/export/dynamodb/DynamoDbExports.js';
import type { Ec2Snapshots } from '../../aws/export/ebs/Ec2Snapshots.js';
import type { RecoveryPoints } from '../../aws/export/RecoveryPoints.js';
import type { RdsExports } from '../../aws/export/rds/RdsExports.js';
import { ACTION_RESULT_SOURCE, type ActionResultDetail } from '../../core/actions/actionResultEvent.js';
import {
  type BlockArchiveSummary,
  buildDynamoDbManifest,
  buildEbsManifest,
  buildManifest,
  type ExportManifest,
  exportRoot,
  type LatestPointer,
  latestPointerKey,
  MANIFEST_FILE,
  supersedes,
  VERIFICATION_FILE,
} from '../../core/actions/exportManifest.js';
import { tagFilterReason } from '../../core/actions/exportRequest.js';
import {
  ACTION_ERRORS,
  ACTIVE_EXPORT_STATUSES,
  ActionError,
  type ActionOutcome,
  type ActionTask,
  type CleanupResult,
  type DeletionResult,
  EXPORT_STATES,
  type ExportProgress,
  type ExportState,
  type ExportTaskStatus,
  exportRequestSchema,
  type ImageTask,
  type ManifestResult,
  nextPollSeconds,
  type SourceDescription,
  type VerificationSummary,
} from '../../core/actions/exportWorkflow.js';
import { matchesPattern } from '../../core/actions/planRecoveryPoint.js';
import { unexportableEngineReason } from '../../core/actions/rdsEngines.js';
import {
  isTablesInfoKey,
  parseTablesInfo,
  type RdsExportVerification,
  verifyRdsExport,
} from '../../core/actions/verifyRdsExport.js';
import { ACTION_METRICS, METRIC_NAMESPACE } from '../../core/deployment/contract.js';
import { parseVaultpilotManifest } from '../../core/dynamodb/manifests.js';
import {
  checkRestore,
  checkTableExport,
  cleanUpDynamoDb,
  deleteTemporaryTable,
  describeDynamoDbSource,
  enablePitr,
  startRestore,
  startTableExport,
} from './dynamoDbTasks.js';
import { describeEbsSource, planArchive } from './ebsTasks.js';
import { removeUnverifiedObjects } from './removeUnverifiedObjects.js';

/** What the Tasks work with. */
export interface ExportTaskDependencies {
  readonly rds: RdsExports;
  readonly recoveryPoints: RecoveryPoints;
  readonly archive: ArchiveObjects;
  readonly ledger: ActionLedger;
  readonly results: ActionResultPublisher;
  readonly exportRoleArn: string;
  readonly exportKmsKeyArn: string;
  /** DynamoDB: the restore (AWS Backup), PITR and table export calls. */
  readonly dynamodb: DynamoDbExports;
  /** DynamoDB: the role AWS Backup restores the recovery point with (trusted by backup.amazonaws.com). */
  readonly restoreRoleArn: string;
  /** DynamoDB: the account that owns the archive bucket (the central account), when it is not this one. */
  readonly archiveBucketOwner?: string;
  /** How long cleanup waits, after a failure, for container Tasks that may still write. @default 16 minutes */
  readonly cleanupQuietMs?: number;
  /** EBS: DescribeSnapshots (state, storage tier, tags). */
  readonly ec2: Ec2Snapshots;
  /** EBS: a snapshot through the EBS direct APIs (Plan archive reads its size). */
  readonly blockSources: (snapshotId: string) => BlockSource;
  /** Resolves `exportKmsKeyArn` (an alias ARN in deployments) to the key ARN. @default it is used as it is */
  readonly resolveExportKey?: () => Promise<string>;
  /** RDS's quota of concurrent export tasks per account. @default 5 */
  readonly maxConcurrentExports?: number;
  readonly now?: () => number;
  /** Where EMF metric lines go. @default stdout */
  readonly writeMetrics?: (line: string) => void;
  readonly metricNamespace?: string;
}

const MAX_CONCURRENT_EXPORTS = 5;

function nowIso(deps: ExportTaskDependencies): string {
  return new Date((deps.now ?? Date.now)()).toISOString();
}

/** The state as the Task received it, with the request checked against the contract. */
export function parseState(input: unknown): ExportState {
  const state = (typeof input === 'object' && input !== null ? input : {}) as ExportState;
  const parsed = exportRequestSchema.safeParse(state.request);
  if (!parsed.success) {
    const problem = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || 'request'}: ${i.message}`)
      .join('; ');
    throw new ActionError(ACTION_ERRORS.badInput, `the workflow input is not an export request (${problem})`);
  }
  return { ...state, request: parsed.data };
}

function requireField<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new ActionError(ACTION_ERRORS.badInput, `the workflow state has no ${what}`);
  return value;
}

const READY_POINT = new Set(['COMPLETED', 'AVAILABLE']);
const PENDING_POINT = new Set(['CREATING', 'PENDING', 'PARTIAL_CREATING']);

/** Describe source: the recovery point (AWS Backup) and the snapshot (RDS), and whether RDS can export it. */
export async function describeSource(input: unknown, deps: ExportTaskDependencies): Promise<SourceDescription> {
  const { request } = parseState(input);
  if (request.resourceType === 'DynamoDB') return describeDynamoDbSource(request, deps);
  if (request.resourceType === 'EBS') return describeEbsSource(request, deps);
  const arn = request.recoveryPointArn;
  let vault: string | undefined;
  let tags: Record<string, string> = {};
  if (request.fromBackup) {
    const vaults = request.vault ? [request.vault] : request.watchedVaults;
    const point = await deps.recoveryPoints.find(vaults, arn);
    if (!point) {
      if (!request.vault) {
        return notExportable(`the recovery point is in none of the watched vaults (${vaults.join(', ') || 'none'})`);
      }
      throw new ActionError(ACTION_ERRORS.sourceNotFound, `vault ${request.vault} does not hold ${arn} (any more)`);
    }
    vault = point.vault;
    if (PENDING_POINT.has(point.status)) {
      throw new ActionError(ACTION_ERRORS.sourceNotReady, `recovery point ${arn} is ${point.status}`);
    }
    if (!READY_POINT.has(point.status)) {
      return notExportable(`the recovery point is ${point.status}, not COMPLETED`);
    }
    // backup:ListTags takes only resources AWS Backup fully manages (`arn:…:backup:…`); an RDS recovery point is
    // the snapshot itself, whose TagList (read below) holds its tags.
    if (/^arn:[^:]+:backup:/.test(arn)) tags = await deps.recoveryPoints.tags(arn);
  }
  const snapshot = await deps.rds.describeSnapshot(arn);
  tags = { ...snapshot.tags, ...tags };
  const base = {
    engine: snapshot.engine,
    status: snapshot.status,
    encrypted: snapshot.encrypted,
    ...(snapshot.kmsKeyId ? { kmsKeyId: snapshot.kmsKeyId } : {}),
    ...(snapshot.allocatedStorageGiB !== undefined ? { sizeGiB: snapshot.allocatedStorageGiB } : {}),
    ...(snapshot.sourceIdentifier ? { sourceIdentifier: snapshot.sourceIdentifier } : {}),
    ...(snapshot.snapshotTime ? { snapshotTime: snapshot.snapshotTime } : {}),
    tags,
    ...(vault ? { vault } : {}),
  };
  if (snapshot.status === 'creating') {
    throw new ActionError(ACTION_ERRORS.sourceNotReady, `snapshot ${arn} is still creating`);
  }
  if (snapshot.status !== 'available')
    return { ...base, exportable: false, reason: `the snapshot is ${snapshot.status}` };
  const engineReason = unexportableEngineReason(snapshot.engine, snapshot.engineMode);
  if (engineReason) return { ...base, exportable: false, reason: engineReason };
  if (request.sourcePatterns.length > 0) {
    const source = snapshot.sourceIdentifier ?? '';
    if (!request.sourcePatterns.some((p) => matchesPattern(source, p))) {
      return {
        ...base,
        exportable: false,
        reason: `its source ${source || '(unknown)'} is not one of ${request.sourcePatterns.join(', ')}`,
      };
    }
  }
  const tagReason = tagFilterReason(tags, request.includeTags, request.excludeTags);
  if (tagReason) return { ...base, exportable: false, reason: tagReason };
  return { ...base, exportable: true };

  function notExportable(reason: string): SourceDescription {
    return { exportable: false, reason, engine: 'unknown', status: 'unknown', encrypted: false, tags: {} };
  }
}

function progressOf(
  info: { identifier: string; status: string; s3Bucket: string; s3Prefix: string; percentProgress: number } & {
    totalExtractedDataInGB?: number;
    failureCause?: string;
    warningMessage?: string;
    startedAt?: string;
  },
  pollCount: number,
  startedAt: string,
): ExportProgress {
  return {
    exportTaskIdentifier: info.identifier,
    status: info.status,
    s3Bucket: info.s3Bucket,
    s3Prefix: info.s3Prefix,
    percentProgress: info.percentProgress,
    ...(info.totalExtractedDataInGB !== undefined ? { totalExtractedDataInGB: info.totalExtractedDataInGB } : {}),
    ...(info.failureCause ? { failureCause: info.failureCause } : {}),
    ...(info.warningMessage ? { warningMessage: info.warningMessage } : {}),
    startedAt: info.startedAt ?? startedAt,
    pollCount,
    waitSeconds: nextPollSeconds(pollCount),
  };
}

/**
 * Start export: StartExportTask on the recovery point itself, unless five exports already hold the account's
 * slots (then ExportSlotsBusy: the workflow waits and asks again — queued, never failed).
 */
export async function startExport(input: unknown, deps: ExportTaskDependencies): Promise<ExportProgress> {
  const { request } = parseState(input);
  const id = request.exportTaskIdentifier;
  const active = await deps.rds.activeExports();
  const own = active.find((t) => t.identifier === id);
  if (own) return progressOf(own, 0, nowIso(deps));
  const limit = deps.maxConcurrentExports ?? MAX_CONCURRENT_EXPORTS;
  if (active.length >= limit) {
    throw new ActionError(
      ACTION_ERRORS.exportSlotsBusy,
      `${active.length} exports already run in the account (RDS allows ${limit}): ${active
        .slice(0, 5)
        .map((t) => t.identifier)
        .join(', ')}`,
    );
  }
  const info = await deps.rds.startExport({
    identifier: id,
    sourceArn: request.recoveryPointArn,
    bucket: deps.archive.bucket,
    prefix: request.s3Prefix,
    roleArn: deps.exportRoleArn,
    kmsKeyId: deps.resolveExportKey ? await deps.resolveExportKey() : deps.exportKmsKeyArn,
  });
  return progressOf(
    { ...info, s3Bucket: info.s3Bucket || deps.archive.bucket, s3Prefix: info.s3Prefix || request.s3Prefix },
    0,
    nowIso(deps),
  );
}

/** Check export: DescribeExportTasks, and when to look again. */
export async function checkExport(input: unknown, deps: ExportTaskDependencies): Promise<ExportProgress> {
  const state = parseState(input);
  const previous = requireField(state.export, 'export (Start export did not run)');
  const info = await deps.rds.describeExport(previous.exportTaskIdentifier);
  if (!info) {
    throw new ActionError(
      ACTION_ERRORS.exportTaskFailed,
      `RDS no longer knows export task ${previous.exportTaskIdentifier}`,
    );
  }
  return progressOf(
    { ...info, s3Bucket: info.s3Bucket || previous.s3Bucket, s3Prefix: info.s3Prefix || previous.s3Prefix },
    previous.pollCount + 1,
    previous.startedAt,
  );
}

/**
 * Verify export: the task is COMPLETE, every table in RDS's status files is COMPLETE, and their Parquet objects
 * are in the bucket and end like Parquet. Writes the full result next to the export for writeManifest.
 */
export async function verifyExport(input: unknown, deps: ExportTaskDependencies): Promise<VerificationSummary> {
  const state = parseState(input);
  const progress = requireField(state.export, 'export');
  if (progress.status !== 'COMPLETE') {
    throw new ActionError(
      ACTION_ERRORS.verificationFailed,
      `export task ${progress.exportTaskIdentifier} is ${progress.status}, not COMPLETE`,
    );
  }
  const root = exportRoot(progress.s3Prefix, progress.exportTaskIdentifier);
  const listed = (await deps.archive.list(root)).filter(
    (o) => !o.key.endsWith(VERIFICATION_FILE) && !o.key.endsWith(MANIFEST_FILE),
  );
  const infoFiles = [];
  for (const o of listed.filter((x) => isTablesInfoKey(x.key))) {
    const text = await deps.archive.readText(o.key);
    if (text === undefined) continue;
    try {
      infoFiles.push({ key: o.key, tables: parseTablesInfo(text, o.key) });
    } catch (error) {
      throw new ActionError(ACTION_ERRORS.verificationFailed, (error as Error).message);
    }
  }
  const objects = await deps.archive.checkParquet(listed);
  const verification = verifyRdsExport(root, infoFiles, objects);
  if (verification.failure) {
    throw new ActionError(
      ACTION_ERRORS.verificationFailed,
      `export ${progress.exportTaskIdentifier} is not verified: ${verification.failure}`,
    );
  }
  const detailKey = `${root}${VERIFICATION_FILE}`;
  await deps.archive.putJson(detailKey, verification);
  return {
    complete: verification.complete,
    tables: verification.tables.length,
    completeTables: verification.tables.filter((t) => t.status === 'COMPLETE').length,
    objects: verification.objects,
    bytes: verification.bytes,
    warnings: verification.warnings,
    detailKey,
  };
}

/** Write manifest: the manifest last of all objects of the export, then (complete exports only) the latest pointer. */
export async function writeManifest(input: unknown, deps: ExportTaskDependencies): Promise<ManifestResult> {
  const state = parseState(input);
  const source = requireField(state.source, 'source');
  const summary = requireField(state.verification, 'verification');
  const text = await deps.archive.readText(summary.detailKey);
  if (text === undefined) {
    throw new ActionError(ACTION_ERRORS.verificationFailed, `the verification result ${summary.detailKey} is gone`);
  }
  const verifiedAt = nowIso(deps);
  const { request } = state;
  let manifest: ExportManifest;
  let complete: boolean;
  if (request.resourceType === 'DynamoDB') {
    const tableExport = requireField(state.tableExport, 'tableExport');
    manifest = buildDynamoDbManifest({
      request,
      source,
      tableExport,
      conversion: parseVaultpilotManifest(text),
      conversionManifestKey: summary.detailKey,
      bucket: deps.archive.bucket,
      verifiedAt,
    });
    complete = summary.complete === true;
  } else if (request.resourceType === 'EBS') {
    const plan = requireField(state.archive, 'archive');
    manifest = buildEbsManifest({
      request,
      source,
      plan,
      archive: JSON.parse(text) as BlockArchiveSummary,
      bucket: deps.archive.bucket,
      startedAt: state.request.requestedAt,
      verifiedAt,
    });
    complete = summary.complete === true;
  } else {
    const progress = requireField(state.export, 'export');
    const verification = JSON.parse(text) as RdsExportVerification;
    manifest = buildManifest({ request, source, progress, verification, verifiedAt });
    complete = verification.complete;
  }
  const root = exportRoot(request.s3Prefix, request.exportTaskIdentifier);
  const manifestKey = `${root}${MANIFEST_FILE}`;
  await deps.archive.putJson(manifestKey, manifest);
  if (!complete) return { manifestKey };

  const latestKey = latestPointerKey(request.s3Prefix);
  const pointer: LatestPointer = {
    manifestKey,
    exportTaskIdentifier: request.exportTaskIdentifier,
    root,
    recoveryPointArn: state.request.recoveryPointArn,
    ...(source.snapshotTime ? { snapshotTime: source.snapshotTime } : {}),
    verifiedAt,
  };
  // Listed first: without s3:ListBucket on the key itself, S3 answers a GET of a missing key with 403, not 404.
  const pointerExists = (await deps.archive.list(latestKey)).some((o) => o.key === latestKey);
  const currentText = pointerExists ? await deps.archive.readText(latestKey) : undefined;
  let current: LatestPointer | undefined;
  try {
    current = currentText ? (JSON.parse(currentText) as LatestPointer) : undefined;
  } catch {
    current = undefined; // A broken pointer is replaced.
  }
  // An export of an older snapshot that finishes late does not move the pointer back.
  if (supersedes(pointer, current)) await deps.archive.putJson(latestKey, pointer);
  return { manifestKey, latestKey };
}

/** Why the recovery point is kept, or undefined when it may be deleted. */
function keepReason(state: ExportState): string | undefined {
  if (!state.request.fromBackup) return 'snapshots taken outside AWS Backup are never deleted';
  if (!state.request.deleteAfterExport) return 'deleteRecoveryPointAfterExport is off';
  // Strict checks: the state beyond the request is not validated, and only a real `true` and a real manifest key
  // (not a truthy string or an empty object of a hand-made state) allow deletion.
  if (state.verification?.complete !== true)
    return 'the export is partial: a recovery point is only deleted after a complete export';
  if (typeof state.manifest?.manifestKey !== 'string' || state.manifest.manifestKey === '')
    return 'the export has no manifest';
  return undefined;
}

/** Delete recovery point: only after a complete, verified export with a manifest, and only when configured. */
export async function deleteRecoveryPoint(input: unknown, deps: ExportTaskDependencies): Promise<DeletionResult> {
  const state = parseState(input);
  const keep = keepReason(state);
  if (keep) return { status: 'kept', reason: keep };
  const vault = requireField(state.source?.vault ?? state.request.vault, 'vault of the recovery point');
  const answer = await deps.recoveryPoints.requestDeletion(vault, state.request.recoveryPointArn);
  if (answer.status === 'refused') {
    return {
      status: 'refused',
      reason: `AWS Backup refused: ${answer.reason} (a Vault Lock keeps recovery points until their minimum retention)`,
    };
  }
  return { status: 'requested' };
}

/**
 * Confirm deletion: DeleteRecoveryPoint can answer 200 and not delete, so describe again. Gone: deleted.
 * EXPIRED: AWS Backup could not delete the resource's snapshot (permissions). Still there: DeletionPending.
 */
export async function confirmDeletion(input: unknown, deps: ExportTaskDependencies): Promise<DeletionResult> {
  const state = parseState(input);
  const vault = requireField(state.source?.vault ?? state.request.vault, 'vault of the recovery point');
  const point = await deps.recoveryPoints.describe(vault, state.request.recoveryPointArn);
  if (!point) return { status: 'deleted' };
  if (point.status === 'EXPIRED') {
    return {
      status: 'not-deleted',
      reason:
        'DeleteRecoveryPoint answered but the recovery point is still there, now EXPIRED: AWS Backup could not delete the snapshot (check the permissions of its role on the resource)',
    };
  }
  throw new ActionError(
    ACTION_ERRORS.deletionPending,
    `recovery point ${state.request.recoveryPointArn} is still ${point.status} after DeleteRecoveryPoint`,
  );
}

/**
 * Clean up after a failure: stop the export task if it still runs (wait until it has stopped writing), then remove
 * what an unverified export wrote. A verified export (its manifest exists) is never touched.
 */
export async function cleanUp(input: unknown, deps: ExportTaskDependencies): Promise<CleanupResult> {
  const state = parseState(input);
  if (state.request.resourceType === 'DynamoDB') return cleanUpDynamoDb(state, deps);
  if (state.request.resourceType === 'EBS') return removeUnverified(state, deps);
  const id = state.request.exportTaskIdentifier;
  const leftBehind: string[] = [];
  // Described even without $.export: a Start export that timed out may have reached RDS.
  const task = await deps.rds.describeExport(id);
  let exportCancelled = false;
  if (task) {
    const status = task.status as ExportTaskStatus;
    if (status === 'STARTING' || status === 'IN_PROGRESS') {
      await deps.rds.cancelExport(id);
      throw new ActionError(
        ACTION_ERRORS.cleanupPending,
        `cancelled export task ${id}; waiting for it to stop writing`,
      );
    }
    if (status === 'CANCELING') {
      throw new ActionError(ACTION_ERRORS.cleanupPending, `export task ${id} is still CANCELING`);
    }
    exportCancelled = status === 'CANCELED';
    if (ACTIVE_EXPORT_STATUSES.includes(status)) leftBehind.push(`export task ${id} is still ${status}`);
  }
  const prefix = state.export?.s3Prefix ?? state.request.s3Prefix;
  const root = exportRoot(prefix, id);
  const objects = await deps.archive.list(root);
  if (objects.some((o) => o.key === `${root}${MANIFEST_FILE}`)) {
    return { exportCancelled, objectsDeleted: 0, leftBehind };
  }
  const { deleted, remaining } = await deps.archive.deleteAllUnder(root);
  leftBehind.push(...remaining.slice(0, 20).map((key) => `s3://${deps.archive.bucket}/${key}`));
  if (remaining.length > 20) {
    leftBehind.push(`and ${remaining.length - 20} more objects under s3://${deps.archive.bucket}/${root}`);
  }
  return { exportCancelled, objectsDeleted: deleted, leftBehind };
}

/**
 * Cleanup of an export that writes only into the archive bucket (EBS block archives): remove what an attempt without
 * the action manifest wrote, confirmed by listing.
 */
async function removeUnverified(state: ExportState, deps: ExportTaskDependencies): Promise<CleanupResult> {
  // Shard Lambdas may still write once Plan archive has run, or whenever the execution ended without its Catch.
  const workersMayRun = Boolean(state.archive) || Boolean(state.failedStep?.startsWith('Execution '));
  const { objectsDeleted, leftBehind } = await removeUnverifiedObjects(state.request, deps, workersMayRun);
  return { exportCancelled: false, objectsDeleted, leftBehind };
}

/** Lambda reports a Task's error as Cause = JSON `{errorType, errorMessage, trace}`; people need the message. */
export function causeText(cause: string | undefined): string | undefined {
  if (!cause) return undefined;
  try {
    const parsed = JSON.parse(cause) as {
      errorMessage?: unknown;
      failureCause?: unknown;
      status?: unknown;
      failure?: unknown;
      statusMessage?: unknown;
      exportArn?: unknown;
      restoreJobId?: unknown;
    };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
    // The workflow's own "Export task failed" state passes the export task's description.
    if (typeof parsed.failureCause === 'string') return `export task ${String(parsed.status)}: ${parsed.failureCause}`;
    // … and "Table export failed" / "Restore failed" (DynamoDB) the table export's or the restore job's.
    if (typeof parsed.exportArn === 'string') {
      return `table export ${String(parsed.status)}${typeof parsed.failure === 'string' ? `: ${parsed.failure}` : ''}`;
    }
    if (typeof parsed.restoreJobId === 'string') {
      return `restore job ${parsed.restoreJobId} ${String(parsed.status)}${typeof parsed.statusMessage === 'string' ? `: ${parsed.statusMessage}` : ''}`;
    }
    if (typeof parsed.status === 'string') return `export task ended ${parsed.status}`;
  } catch {
    // Not JSON: a Cause the workflow wrote itself.
  }
  return cause;
}

/** The result event of a finished (or failed) workflow, from its state. */
/** `bucket`: the archive bucket (DynamoDB exports' archiveUri; RDS's export progress names its own). */
export function resultOf(state: ExportState, finishedAt: string, bucket?: string): ActionResultDetail {
  const { request } = state;
  let outcome: ActionOutcome;
  // A step after Write manifest failed (deletion, recording): the export is verified and stays; only that step failed.
  const verifiedBeforeFailure = Boolean(state.failedStep && state.manifest?.manifestKey && state.verification);
  if (verifiedBeforeFailure) outcome = state.verification?.complete === true ? 'exported' : 'exported-partially';
  else if (state.failedStep) outcome = 'failed';
  else if (state.source && !state.source.exportable) outcome = 'not-exportable';
  else if (state.verification?.complete) outcome = 'exported';
  else outcome = 'exported-partially';

  const progress = state.export;
  // RDS names its own bucket and prefix; the other exporters write under the request's root once they have started.
  const started =
    (request.resourceType === 'DynamoDB' && state.tableExport) || (request.resourceType === 'EBS' && state.archive);
  const archiveUri = progress
    ? `s3://${progress.s3Bucket}/${exportRoot(progress.s3Prefix, progress.exportTaskIdentifier)}`
    : started && bucket
      ? `s3://${bucket}/${exportRoot(request.s3Prefix, request.exportTaskIdentifier)}`
      : undefined;
  const startedAt = progress?.startedAt ?? state.restore?.startedAt ?? state.tableExport?.startedAt;
  const failedText = state.failure
    ? `${state.failedStep} failed: ${state.failure.Error}${causeText(state.failure.Cause) ? `: ${causeText(state.failure.Cause)}` : ''}`
    : `${state.failedStep} failed`;
  const deletion: DeletionResult | undefined =
    outcome === 'not-exportable'
      ? undefined
      : verifiedBeforeFailure && state.failedStep === EXPORT_STATES.deleteRecoveryPoint
        ? {
            status: 'not-deleted',
            reason: `the export is verified, but deleting the recovery point failed (${failedText})`,
          }
        : state.deletion?.status === 'requested' && state.deletionError
          ? {
              status: 'not-deleted',
              reason: `deletion was requested but not confirmed: ${causeText(state.deletionError.Cause) ?? state.deletionError.Error}`,
            }
          : (state.deletion ?? {
              status: 'kept',
              reason:
                outcome === 'failed'
                  ? 'the export failed: a recovery point is only deleted after a complete, verified export'
                  : (keepReason(state) ?? 'the workflow did not reach deletion'),
            });
  const detail: ActionResultDetail = {
    workflow: request.workflow,
    outcome,
    recoveryPointArn: request.recoveryPointArn,
    resourceType: request.resourceType,
    resourceName: request.resourceName,
    ...((state.source?.vault ?? request.vault) ? { vault: state.source?.vault ?? request.vault } : {}),
    account: request.account,
    region: request.region,
    trigger: request.trigger,
    exportTaskIdentifier: request.exportTaskIdentifier,
    ...(archiveUri ? { archiveUri } : {}),
    ...(state.manifest ? { manifestKey: state.manifest.manifestKey } : {}),
    ...(state.failedStep && !verifiedBeforeFailure ? { failedStep: state.failedStep } : {}),
    ...(outcome === 'failed' && state.failure
      ? {
          error: state.failure.Error,
          ...(causeText(state.failure.Cause) ? { cause: causeText(state.failure.Cause) } : {}),
        }
      : {}),
    ...(outcome === 'not-exportable'
      ? { error: 'NotExportable', ...(state.source?.reason ? { cause: state.source.reason } : {}) }
      : {}),
    warnings: [...(state.verification?.warnings ?? [])],
    ...(state.verification
      ? {
          tables: state.verification.tables,
          completeTables: state.verification.completeTables,
          bytes: state.verification.bytes,
        }
      : {}),
    ...(deletion ? { deletion } : {}),
    ...(state.cleanup ? { cleanup: { ...state.cleanup, leftBehind: [...state.cleanup.leftBehind] } } : {}),
    ...(startedAt ? { startedAt } : {}),
    finishedAt,
    ...(request.executionArn ? { executionArn: request.executionArn } : {}),
  };
  if (verifiedBeforeFailure) detail.warnings.push(failedText);
  const cleanupError = (state as { cleanupError?: { Error: string; Cause?: string } }).cleanupError;
  if (cleanupError) {
    detail.warnings.push(`cleanup failed: ${cleanupError.Error}: ${causeText(cleanupError.Cause) ?? ''}`.trim());
  }
  return detail;
}

/** Record outcome / Record failure: the ledger, the result event, the metrics. */
export async function recordOutcome(input: unknown, deps: ExportTaskDependencies): Promise<{ outcome: ActionOutcome }> {
  const state = parseState(input);
  const finishedAt = nowIso(deps);
  const detail = resultOf(state, finishedAt, deps.archive.bucket);
  // Reported first, recorded last: a recorded outcome is what stops the sweeper, so it must not be there before the
  // result has been put on the bus (a failed put is retried, or swept, and reported).
  await deps.results.publish(detail);
  await deps.ledger.recordOutcome(state.request.attempt, detail);
  const write = deps.writeMetrics ?? ((line: string) => process.stdout.write(`${line}\n`));
  write(JSON.stringify(metricsRecord(detail, deps.metricNamespace ?? METRIC_NAMESPACE, state.request.requestedAt)));
  return { outcome: detail.outcome };
}

/** EMF record of one finished workflow. */
export function metricsRecord(detail: ActionResultDetail, namespace: string, requestedAt: string) {
  const minutes = Math.max(0, (Date.parse(detail.finishedAt) - Date.parse(requestedAt)) / 60_000);
  const metrics = [
    { Name: ACTION_METRICS.actions, Unit: 'Count' },
    { Name: ACTION_METRICS.actionMinutes, Unit: 'None' },
    ...(detail.outcome === 'exported' || detail.outcome === 'exported-partially'
      ? [{ Name: ACTION_METRICS.exportedBytes, Unit: 'Bytes' }]
      : []),
  ];
  return {
    _aws: {
      Timestamp: Date.parse(detail.finishedAt),
      CloudWatchMetrics: [
        { Namespace: namespace, Dimensions: [['Workflow', 'Outcome'], ['Workflow']], Metrics: metrics },
      ],
    },
    Workflow: detail.workflow,
    Outcome: detail.outcome,
    Source: ACTION_RESULT_SOURCE,
    [ACTION_METRICS.actions]: 1,
    [ACTION_METRICS.actionMinutes]: Number.isFinite(minutes) ? Math.round(minutes * 10) / 10 : 0,
    ...(detail.outcome === 'exported' || detail.outcome === 'exported-partially'
      ? { [ACTION_METRICS.exportedBytes]: detail.bytes ?? 0 }
      : {}),
  };
}

/** A Task of the DynamoDB branch, called with the state checked against the contract. */
function checked<T>(task: (state: ExportState, deps: ExportTaskDependencies) => Promise<T>) {
  return (input: unknown, deps: ExportTaskDependencies) => task(parseState(input), deps);
}

/**
 * Each Task of the workflow but the conversion Tasks (conversionTasks.ts, the container image) and the function
 * that runs it (what the Lambda entry files and local runs call).
 */
export const EXPORT_TASK_FUNCTIONS: Readonly<
  Record<Exclude<ActionTask, ImageTask>, (input: unknown, deps: ExportTaskDependencies) => Promise<unknown>>
> = {
  describeSource,
  startExport,
  checkExport,
  verifyExport,
  writeManifest,
  deleteRecoveryPoint,
  confirmDeletion,
  cleanUp,
  recordOutcome,
  startRestore: checked(startRestore),
  checkRestore: checked(checkRestore),
  enablePitr: checked(enablePitr),
  startTableExport: checked(startTableExport),
  checkTableExport: checked(checkTableExport),
  deleteTemporaryTable: checked(deleteTemporaryTable),
  planArchive: checked(planArchive),
};
