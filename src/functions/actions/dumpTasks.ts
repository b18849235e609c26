/**
 * The native-dump path (Backup actions, part 3), for databases RDS cannot export or whose users choose a dump:
 * restore the recovery point to a small temporary DB instance with a generated master password kept in Secrets
 * Manager, run the dump worker (src/worker/dumpDatabase.ts) as an AWS Batch job that reads the password from the
 * secret, verify the dump (every file's SHA-256 against its manifest), and delete the instance and the secret — on
 * the failure path too (cleanUpDump). Written and tested in sequence against the stand-ins; not yet a branch of the
 * deployed workflow (see docs/dumps.md). Like the other Task modules: each Task takes the state and its
 * dependencies, returns what the workflow writes under its key, and throws only named ActionErrors.
 */

import { readDumpManifest, verifyDump } from '../../archive/dump/index.js';
import type { ArchiveStore } from '../../archive/ports.js';
import type { ArchiveObjects } from '../../aws/export/ArchiveObjects.js';
import type { DumpResources } from '../../aws/export/dump/DumpResources.js';
import { exportRoot, MANIFEST_FILE } from '../../core/actions/exportManifest.js';
import {
  ACTION_ERRORS,
  ActionError,
  type CleanupResult,
  type DumpProgress,
  type ExportRequest,
  type ExportState,
  nextPollSeconds,
  type VerificationSummary,
} from '../../core/actions/exportWorkflow.js';
import type { DumpManifest } from '../../core/dump/dumpManifest.js';
import { fnv1a64 } from '../../core/normalize/signalId.js';

/** Where the dump jobs run and what the temporary instances look like (the deployment's settings). */
export interface DumpSettings {
  /** e.g. db.t4g.micro: the dump reads; it needs no more. */
  readonly instanceClass: string;
  /** The isolated subnets' DB subnet group. */
  readonly subnetGroup?: string;
  readonly securityGroupIds?: readonly string[];
  readonly jobQueue: string;
  readonly jobDefinition: string;
  /** `s3://<bucket>/<prefix>` of a key prefix in the archive bucket (the worker's destination). */
  locationOf(prefix: string): string;
}

export interface DumpTaskDependencies {
  readonly dumps: DumpResources;
  readonly archive: ArchiveObjects;
  readonly settings: DumpSettings;
  /** The archive bucket under a key prefix (the dump's files, for verification). */
  store(prefix: string): ArchiveStore;
  readonly now?: () => number;
}

/** The tag on every temporary instance and secret, so that cleanup and IAM conditions tell Vaultpilot's apart. */
export const DUMP_TEMPORARY_TAG = 'vaultpilot:temporary';

/** `vp-tmp-<16 hex>-a<attempt>`: a valid RDS identifier (a letter first, letters, digits, single hyphens, ≤ 63). */
export function dumpInstanceId(request: Pick<ExportRequest, 'recoveryPointArn' | 'attempt'>): string {
  return `vp-tmp-${fnv1a64(request.recoveryPointArn)}-a${request.attempt}`;
}

function requireField<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new ActionError(ACTION_ERRORS.badInput, `the workflow state has no ${what}`);
  return value;
}

function nowIso(deps: Pick<DumpTaskDependencies, 'now'>): string {
  return new Date((deps.now ?? Date.now)()).toISOString();
}

/** Start dump instance: the secret with a generated password, then the restore of the recovery point. */
export async function startDumpInstance(state: ExportState, deps: DumpTaskDependencies): Promise<DumpProgress> {
  const { request } = state;
  const instanceId = dumpInstanceId(request);
  const tags = { [DUMP_TEMPORARY_TAG]: 'true', 'vaultpilot:recovery-point': fnv1a64(request.recoveryPointArn) };
  // ClientRequestToken: 32–64 characters, the same for every retry of this attempt.
  const token = `vaultpilot-${fnv1a64(`${request.recoveryPointArn}#${request.attempt}`)}-${instanceId}`.slice(0, 64);
  const secretArn = await deps.dumps.createPasswordSecret(`vaultpilot/dump/${instanceId}`, token, tags);
  const info = await deps.dumps.restoreInstance({
    instanceId,
    snapshotArn: request.recoveryPointArn,
    instanceClass: deps.settings.instanceClass,
    ...(deps.settings.subnetGroup ? { subnetGroup: deps.settings.subnetGroup } : {}),
    ...(deps.settings.securityGroupIds ? { securityGroupIds: deps.settings.securityGroupIds } : {}),
    tags,
  });
  return {
    instanceId,
    secretArn,
    instanceStatus: info.status,
    passwordSet: false,
    ready: false,
    dumpPrefix: `${exportRoot(request.s3Prefix, request.exportTaskIdentifier)}dump/`,
    startedAt: nowIso(deps),
    pollCount: 0,
    waitSeconds: nextPollSeconds(0),
  };
}

/**
 * Check dump instance: once the restored instance is available, the generated password is set (ModifyDBInstance);
 * ready when it is available again with that password in effect.
 */
export async function checkDumpInstance(state: ExportState, deps: DumpTaskDependencies): Promise<DumpProgress> {
  const previous = requireField(state.dump, 'dump (Start dump instance did not run)');
  const info = await deps.dumps.describeInstance(previous.instanceId);
  if (!info) throw new ActionError(ACTION_ERRORS.exportTaskFailed, `instance ${previous.instanceId} is gone`);
  if (info.status === 'failed' || info.status === 'incompatible-restore') {
    throw new ActionError(ACTION_ERRORS.exportTaskFailed, `the restore to ${previous.instanceId} ended ${info.status}`);
  }
  let passwordSet = previous.passwordSet;
  if (info.status === 'available' && !passwordSet) {
    await deps.dumps.setMasterPassword(previous.instanceId, await deps.dumps.secretValue(previous.secretArn));
    passwordSet = true;
  }
  const ready = passwordSet && info.status === 'available' && !info.passwordPending && previous.passwordSet;
  return {
    ...previous,
    instanceStatus: info.status,
    ...(info.endpoint ? { endpoint: info.endpoint } : {}),
    ...(info.masterUser ? { masterUser: info.masterUser } : {}),
    ...(info.database ? { database: info.database } : {}),
    passwordSet,
    ready,
    pollCount: previous.pollCount + 1,
    waitSeconds: nextPollSeconds(previous.pollCount + 1),
  };
}

/** The dump worker's database URL (no password: the worker reads it from the secret). */
function databaseUrl(dump: DumpProgress, engine: string): string {
  const endpoint = requireField(dump.endpoint, 'endpoint of the instance');
  const scheme = engine.includes('postgres') ? 'postgres' : 'mysql';
  const user = encodeURIComponent(requireField(dump.masterUser, 'master user of the instance'));
  const database = encodeURIComponent(requireField(dump.database, 'database of the instance'));
  return `${scheme}://${user}@${endpoint.address}:${endpoint.port}/${database}`;
}

/** Submit dump job: the worker, told the instance, the secret and the destination. */
export async function submitDumpJob(state: ExportState, deps: DumpTaskDependencies): Promise<DumpProgress> {
  const dump = requireField(state.dump, 'dump');
  if (!dump.ready) throw new ActionError(ACTION_ERRORS.badInput, `instance ${dump.instanceId} is not ready`);
  if (dump.jobId) return dump; // A retried Task: the job is the one already submitted.
  const job = await deps.dumps.submitJob({
    jobName: `vaultpilot-dump-${dump.instanceId}`,
    jobQueue: deps.settings.jobQueue,
    jobDefinition: deps.settings.jobDefinition,
    environment: {
      VAULTPILOT_DB_URL: databaseUrl(dump, state.source?.engine ?? 'postgres'),
      VAULTPILOT_DB_PASSWORD_SECRET_ARN: dump.secretArn,
      VAULTPILOT_DESTINATION: deps.settings.locationOf(dump.dumpPrefix),
    },
    tags: { [DUMP_TEMPORARY_TAG]: 'true' },
  });
  return { ...dump, jobId: job.jobId, jobStatus: job.status, pollCount: 0, waitSeconds: nextPollSeconds(0) };
}

/** Check dump job: DescribeJobs, and when to look again. */
export async function checkDumpJob(state: ExportState, deps: DumpTaskDependencies): Promise<DumpProgress> {
  const dump = requireField(state.dump, 'dump');
  const jobId = requireField(dump.jobId, 'dump job (Submit dump job did not run)');
  const job = await deps.dumps.describeJob(jobId);
  if (!job) throw new ActionError(ACTION_ERRORS.exportTaskFailed, `AWS Batch no longer knows job ${jobId}`);
  return {
    ...dump,
    jobStatus: job.status,
    ...(job.reason ? { jobReason: job.reason } : {}),
    pollCount: dump.pollCount + 1,
    waitSeconds: nextPollSeconds(dump.pollCount + 1),
  };
}

/** Verify dump: the job SUCCEEDED and every file of the dump matches its manifest (size, SHA-256). */
export async function verifyDumpFiles(state: ExportState, deps: DumpTaskDependencies): Promise<VerificationSummary> {
  const dump = requireField(state.dump, 'dump');
  if (dump.jobStatus !== 'SUCCEEDED') {
    throw new ActionError(
      ACTION_ERRORS.verificationFailed,
      `dump job ${dump.jobId} is ${dump.jobStatus}${dump.jobReason ? `: ${dump.jobReason}` : ''}`,
    );
  }
  let manifest: DumpManifest | undefined;
  const store = deps.store(dump.dumpPrefix);
  try {
    manifest = await readDumpManifest(store);
    if (!manifest) throw new Error(`${store.location} holds no dump manifest (the job wrote none)`);
    await verifyDump(store, manifest);
  } catch (error) {
    throw new ActionError(ACTION_ERRORS.verificationFailed, `the dump is not verified: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const bytes = manifest.files.reduce((n, f) => n + f.bytes, 0);
  return {
    complete: true,
    tables: Object.keys(manifest.rowCounts.tables).length,
    completeTables: Object.keys(manifest.rowCounts.tables).length,
    objects: manifest.files.length,
    bytes,
    warnings: [],
    detailKey: `${dump.dumpPrefix}vaultpilot-dump-manifest.json`,
  };
}

/** Delete dump instance: the temporary instance and its secret, once the dump is verified. */
export async function deleteDumpInstance(state: ExportState, deps: DumpTaskDependencies) {
  const dump = requireField(state.dump, 'dump');
  const instanceDeleted = await deps.dumps.deleteInstance(dump.instanceId);
  const secretDeleted = await deps.dumps.deleteSecret(dump.secretArn);
  return { instanceDeleted, secretDeleted };
}

/**
 * Cleanup after a failure: stop a dump job still running, delete the instance (by its deterministic id: a Start
 * that timed out may have made it) and the secret, and remove what an attempt without the action manifest wrote.
 */
export async function cleanUpDump(
  state: ExportState,
  deps: DumpTaskDependencies,
): Promise<CleanupResult & { instanceDeleted: boolean; secretDeleted: boolean }> {
  const instanceId = state.dump?.instanceId ?? dumpInstanceId(state.request);
  let exportCancelled = false;
  if (state.dump?.jobId) {
    const job = await deps.dumps.describeJob(state.dump.jobId);
    if (job && !['SUCCEEDED', 'FAILED'].includes(job.status)) {
      await deps.dumps.terminateJob(state.dump.jobId, 'Vaultpilot: the export workflow failed; cleaning up');
      exportCancelled = true;
      throw new ActionError(
        ACTION_ERRORS.cleanupPending,
        `terminated dump job ${state.dump.jobId}; waiting for it to stop`,
      );
    }
  }
  const instance = await deps.dumps.describeInstance(instanceId);
  if (instance && ['creating', 'modifying', 'resetting-master-credentials', 'backing-up'].includes(instance.status)) {
    // RDS refuses to delete an instance still being created or modified: asked again.
    throw new ActionError(ACTION_ERRORS.cleanupPending, `instance ${instanceId} is ${instance.status}`);
  }
  const instanceDeleted = instance ? await deps.dumps.deleteInstance(instanceId) : false;
  const secretDeleted = await deps.dumps.deleteSecret(state.dump?.secretArn ?? `vaultpilot/dump/${instanceId}`);
  const root = exportRoot(state.request.s3Prefix, state.request.exportTaskIdentifier);
  const objects = await deps.archive.list(root);
  if (objects.some((o) => o.key === `${root}${MANIFEST_FILE}`)) {
    return { exportCancelled, objectsDeleted: 0, leftBehind: [], instanceDeleted, secretDeleted };
  }
  const { deleted, remaining } = await deps.archive.deleteAllUnder(root);
  return {
    exportCancelled,
    objectsDeleted: deleted,
    leftBehind: remaining.slice(0, 20).map((k) => `s3://${deps.archive.bucket}/${k}`),
    instanceDeleted,
    secretDeleted,
  };
}
