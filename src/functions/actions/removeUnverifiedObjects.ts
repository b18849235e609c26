/**
 * Removing what a failed attempt wrote into the archive bucket, for the exporters whose container Tasks write there
 * (the DynamoDB conversion, the EBS shards). A failed Map state or an aborted execution does not stop the Lambda
 * invocations already running: for up to their 15 minutes they may still write. So once such workers may run, the
 * cleanup deletes, and keeps saying CleanupPending (deleting again each time it is asked) until a quiet period as
 * long as a container Task can run has passed since its first call — remembered in a small marker object beside the
 * attempt's folder, removed at the end. Only the action manifest (written last) makes an export verified: with it,
 * nothing is touched.
 */
import type { ArchiveObjects } from '../../aws/export/ArchiveObjects.js';
import { exportRoot, MANIFEST_FILE } from '../../core/actions/exportManifest.js';
import { ACTION_ERRORS, ActionError, EXPORT_TIMING, type ExportRequest } from '../../core/actions/exportWorkflow.js';

/** How long after a failure a container Task may still write: its timeout and a minute of slack. */
export const DEFAULT_CLEANUP_QUIET_MS = (EXPORT_TIMING.conversionTaskTimeoutSeconds + 60) * 1000;

export interface RemoveUnverifiedDependencies {
  readonly archive: ArchiveObjects;
  readonly now?: () => number;
  /** @default DEFAULT_CLEANUP_QUIET_MS */
  readonly cleanupQuietMs?: number;
}

/** The marker of a cleanup in progress: `<S3Prefix>/<export id>.cleanup.json`, beside the attempt's folder. */
export function cleanupMarkerKey(request: Pick<ExportRequest, 's3Prefix' | 'exportTaskIdentifier'>): string {
  return `${exportRoot(request.s3Prefix, request.exportTaskIdentifier).replace(/\/+$/, '')}.cleanup.json`;
}

/** What the marker remembers between the calls of one cleanup. */
interface CleanupMarker {
  readonly startedAt: string;
  /** Objects deleted by the earlier calls. */
  readonly objectsDeleted: number;
  /** What the earlier calls did besides (e.g. `temporaryTableDeleted`), so the last call reports all of it. */
  readonly done: Readonly<Record<string, boolean>>;
}

/**
 * Deletes what the attempt wrote unless it is verified. `done`: what this call did besides (e.g. deleted a table),
 * carried over the pending calls; the result reports every call's work, not only the last one's.
 */
export async function removeUnverifiedObjects(
  request: Pick<ExportRequest, 's3Prefix' | 'exportTaskIdentifier'>,
  deps: RemoveUnverifiedDependencies,
  workersMayRun: boolean,
  done: Readonly<Record<string, boolean>> = {},
): Promise<{ objectsDeleted: number; leftBehind: string[]; done: Record<string, boolean> }> {
  const root = exportRoot(request.s3Prefix, request.exportTaskIdentifier);
  const objects = await deps.archive.list(root);
  if (objects.some((o) => o.key === `${root}${MANIFEST_FILE}`))
    return { objectsDeleted: 0, leftBehind: [], done: { ...done } };
  const { deleted, remaining } = await deps.archive.deleteAllUnder(root);
  const leftBehind = remaining.slice(0, 20).map((key) => `s3://${deps.archive.bucket}/${key}`);
  if (remaining.length > 20) {
    leftBehind.push(`and ${remaining.length - 20} more objects under s3://${deps.archive.bucket}/${root}`);
  }
  if (!workersMayRun) return { objectsDeleted: deleted, leftBehind, done: { ...done } };
  const now = (deps.now ?? Date.now)();
  const quietMs = deps.cleanupQuietMs ?? DEFAULT_CLEANUP_QUIET_MS;
  const markerKey = cleanupMarkerKey(request);
  let marker: CleanupMarker | undefined;
  if ((await deps.archive.list(markerKey)).some((o) => o.key === markerKey)) {
    try {
      marker = JSON.parse((await deps.archive.readText(markerKey)) ?? 'null') as CleanupMarker;
    } catch {
      marker = undefined; // A broken marker starts the quiet period again.
    }
  }
  const known = Number.isFinite(Date.parse(marker?.startedAt ?? ''));
  const keys = [...new Set([...Object.keys(marker?.done ?? {}), ...Object.keys(done)])];
  const next: CleanupMarker = {
    startedAt: known && marker ? marker.startedAt : new Date(now).toISOString(),
    objectsDeleted: (marker?.objectsDeleted ?? 0) + deleted,
    done: Object.fromEntries(keys.map((k) => [k, Boolean(marker?.done?.[k]) || Boolean(done[k])])),
  };
  const left = Date.parse(next.startedAt) + quietMs - now;
  if (left > 0) {
    await deps.archive.putJson(markerKey, next);
    throw new ActionError(
      ACTION_ERRORS.cleanupPending,
      `deleted ${next.objectsDeleted} object(s) so far; the attempt's container Tasks may still be writing for ` +
        `${Math.ceil(left / 1000)} s: looking again then`,
    );
  }
  await deps.archive.deleteKeys([markerKey]);
  return { objectsDeleted: next.objectsDeleted, leftBehind, done: { ...next.done } };
}
