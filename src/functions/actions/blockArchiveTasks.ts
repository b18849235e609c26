/**
 * The EBS branch's Tasks that run the block-archive engine (zstd, SHA-256 on worker threads: the container image):
 * Archive shard and Verify shard once per shard (the Map states), Merge shards once. See ebsTasks.ts for the plan.
 */
import {
  ArchiveCorruptError,
  type ArchiveManifest,
  ArchiveReader,
  ArchiveUsageError,
  BlockChecksumMismatchError,
  exportArchive,
  MANIFEST_KEY,
  mergeShards,
  shardManifestKey,
  verifyArchive,
} from '../../archive/index.js';
import { actionErrorOf } from '../../aws/export/awsErrors.js';
import {
  ACTION_ERRORS,
  ActionError,
  type BlockArchiveTask,
  type EbsArchivePlan,
  type ExportState,
  type VerificationSummary,
} from '../../core/actions/exportWorkflow.js';
import { type BlockArchiveDependencies, requireField } from './ebsTasks.js';
import { parseState } from './exportTasks.js';

function shardOf(state: ExportState, plan: EbsArchivePlan): number {
  const shard = state.shard;
  if (typeof shard !== 'number' || !Number.isInteger(shard) || shard < 0 || shard >= plan.shards.length) {
    throw new ActionError(ACTION_ERRORS.badInput, 'the Map iteration has no valid shard number');
  }
  return shard;
}

/** Archive failures: a corrupt or refused archive is permanent; S3 and EBS trouble is retried. */
async function archiving<T>(doing: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ActionError) throw error;
    if (error instanceof ArchiveCorruptError) {
      throw new ActionError(ACTION_ERRORS.verificationFailed, `${doing}: ${error.problems.slice(0, 5).join('; ')}`, {
        cause: error,
      });
    }
    if (error instanceof ArchiveUsageError || error instanceof BlockChecksumMismatchError) {
      throw new ActionError(ACTION_ERRORS.verificationFailed, `${doing}: ${error.message}`, { cause: error });
    }
    throw actionErrorOf(error, doing, ACTION_ERRORS.verificationFailed);
  }
}

/** Archive shard (one Map iteration): the shard's block range into the archive; a shard already written is kept. */
export async function archiveShard(state: ExportState, deps: BlockArchiveDependencies) {
  const plan = requireField(state.archive, 'archive (Plan archive did not run)');
  const index = shardOf(state, plan);
  const count = plan.shards.length;
  const store = deps.store(plan.archivePrefix);
  return archiving(`archiving shard ${index} of ${count} of ${plan.snapshotId}`, async () => {
    const key = shardManifestKey(index, count);
    // A retried Task whose first run committed the shard: the shard stands (it is verified next).
    if (await store.head(key)) return { shard: index, written: false };
    const result = await exportArchive({
      source: deps.source(plan.snapshotId),
      store,
      shard: { index, count },
      ...(plan.parent
        ? {
            parent: {
              store: deps.store(plan.parent.archivePrefix),
              location: deps.locationOf(plan.parent.archivePrefix),
            },
          }
        : {}),
      ...(deps.threads ? { threads: deps.threads } : {}),
    });
    const t = result.manifest.totals;
    return { shard: index, written: true, dataBlocks: t.dataBlocks, storedBytes: t.storedBytes };
  });
}

/** Verify shard (one Map iteration): every segment, index and block of the shard re-read against its manifest. */
export async function verifyShard(state: ExportState, deps: BlockArchiveDependencies) {
  const plan = requireField(state.archive, 'archive');
  const index = shardOf(state, plan);
  const store = deps.store(plan.archivePrefix);
  return archiving(`verifying shard ${index} of ${plan.snapshotId}`, async () => {
    const report = await verifyArchive(store, {
      manifestKey: shardManifestKey(index, plan.shards.length),
      ...(deps.threads ? { threads: deps.threads } : {}),
    });
    if (!report.ok) {
      throw new ActionError(
        ACTION_ERRORS.verificationFailed,
        `shard ${index} of ${plan.snapshotId} is not verified: ${report.problems.slice(0, 5).join('; ')}`,
      );
    }
    return { shard: index, segments: report.segments, blocks: report.blocks };
  });
}

/**
 * Merge shards: the shard manifests must tile the volume; the archive manifest (with the LINEAR checksum of the
 * whole volume) is committed. Its result is the verification the shared tail (manifest, deletion) reads.
 */
export async function mergeArchive(state: ExportState, deps: BlockArchiveDependencies): Promise<VerificationSummary> {
  const plan = requireField(state.archive, 'archive');
  const store = deps.store(plan.archivePrefix);
  const manifest = await archiving(`merging the shards of ${plan.snapshotId}`, async (): Promise<ArchiveManifest> => {
    // A retried Task whose first run committed the archive: read it back.
    if (await store.head(MANIFEST_KEY)) return (await ArchiveReader.open(store)).manifest;
    return mergeShards(store);
  });
  if (manifest.source.id !== plan.snapshotId) {
    throw new ActionError(
      ACTION_ERRORS.verificationFailed,
      `the archive is of ${manifest.source.id}, not ${plan.snapshotId}`,
    );
  }
  return {
    complete: true,
    tables: 1,
    completeTables: 1,
    objects: manifest.segments.length * 2,
    bytes: manifest.totals.storedBytes,
    warnings: plan.fullBecause ? [`full archive: ${plan.fullBecause}`] : [],
    detailKey: `${plan.archivePrefix}${MANIFEST_KEY}`,
  };
}

/** The block-archive Tasks by name, called with the state checked against the contract (image handlers, local runs). */
export const BLOCK_ARCHIVE_TASK_FUNCTIONS: Readonly<
  Record<BlockArchiveTask, (input: unknown, deps: BlockArchiveDependencies) => Promise<unknown>>
> = {
  archiveShard: (input, deps) => archiveShard(parseState(input), deps),
  verifyShard: (input, deps) => verifyShard(parseState(input), deps),
  mergeArchive: (input, deps) => mergeArchive(parseState(input), deps),
};
