/**
 * The EBS branch of the export workflow (Backup actions, part 3): an EBS recovery point (the snapshot itself) is
 * read through the EBS direct APIs into Vaultpilot's block archive (src/archive) — no volume, no instance, no VPC.
 * Here, what the small zip functions run: Describe source (EBS) and Plan archive, which decides full or incremental
 * (to the previous verified archive of the same volume, until the chain is `ebsMaxChainDepth` deep) and the shards.
 * The shards, their verification and the merge run the archive engine (blockArchiveTasks.ts, the container image).
 * Like exportTasks.ts: each Task takes the workflow state and its dependencies, returns what the workflow writes
 * under its key, throws only named ActionErrors.
 */
// Only the format's names and the ports' types: this module is bundled into zip functions, the engine is not.
import { MANIFEST_KEY } from '../../archive/format.js';
import type { ArchiveStore, BlockSource } from '../../archive/ports.js';
import { actionErrorOf } from '../../aws/export/awsErrors.js';
import { exportRoot, type LatestPointer, latestPointerKey } from '../../core/actions/exportManifest.js';
import { tagFilterReason } from '../../core/actions/exportRequest.js';
import {
  ACTION_ERRORS,
  ActionError,
  type EbsArchivePlan,
  type ExportRequest,
  type ExportState,
  type SourceDescription,
} from '../../core/actions/exportWorkflow.js';
import type { ExportTaskDependencies } from './exportTasks.js';

/** Volume bytes per shard: at the EBS direct APIs' ~500 MiB/s per snapshot shared by two shards, ≤ ~9 minutes. */
export const SHARD_GIB = 64;
/** At most this many shards (a 16 TiB volume: 256 shards of 64 GiB). */
export const MAX_SHARDS = 256;
/** The default depth of an incremental chain before a full archive. */
export const DEFAULT_MAX_CHAIN_DEPTH = 7;

/** What the block-archive Tasks (the container image) work with. */
export interface BlockArchiveDependencies {
  /** The archive bucket under a key prefix, as the archive engine reads and writes it. */
  store(prefix: string): ArchiveStore;
  /** How an archive under `prefix` is named in a child's manifest: `s3://<bucket>/<prefix>` (what restore opens). */
  locationOf(prefix: string): string;
  /** A snapshot, through the EBS direct APIs. */
  source(snapshotId: string): BlockSource;
  /** Codec threads. @default one per core */
  readonly threads?: number;
}

export function requireField<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new ActionError(ACTION_ERRORS.badInput, `the workflow state has no ${what}`);
  return value;
}

/** `snap-…` of an EBS recovery point ARN (`arn:aws:ec2:<region>::snapshot/snap-…`). */
export function snapshotIdOf(arn: string): string | undefined {
  return /:snapshot\/(snap-[0-9a-f]+)$/.exec(arn)?.[1];
}

/** `vol-…` of a volume ARN, if it is one. */
export function volumeIdOf(arn: string | undefined): string | undefined {
  return arn ? /:volume\/(vol-[0-9a-f]+)$/.exec(arn)?.[1] : undefined;
}

/** Where the block archive of an export goes: `<S3Prefix>/<export id>/archive/`. */
export function ebsArchivePrefix(request: Pick<ExportRequest, 's3Prefix' | 'exportTaskIdentifier'>): string {
  return `${exportRoot(request.s3Prefix, request.exportTaskIdentifier)}archive/`;
}

const READY_POINT = new Set(['COMPLETED', 'AVAILABLE']);
const PENDING_POINT = new Set(['CREATING', 'PENDING', 'PARTIAL_CREATING']);

/** Describe source, for an EBS recovery point: AWS Backup's description; a snapshot in the archive tier is reported. */
export async function describeEbsSource(
  request: ExportRequest,
  deps: Pick<ExportTaskDependencies, 'recoveryPoints' | 'ec2'>,
): Promise<SourceDescription> {
  const arn = request.recoveryPointArn;
  const vaults = request.vault ? [request.vault] : request.watchedVaults;
  const point = await deps.recoveryPoints.find(vaults, arn);
  const base = (status: string) => ({ engine: 'ebs', status, encrypted: point?.encrypted ?? false, tags: {} });
  if (!point) {
    if (!request.vault) {
      return {
        ...base('unknown'),
        exportable: false,
        reason: `the recovery point is in none of the watched vaults (${vaults.join(', ') || 'none'})`,
      };
    }
    throw new ActionError(ACTION_ERRORS.sourceNotFound, `vault ${request.vault} does not hold ${arn} (any more)`);
  }
  if (PENDING_POINT.has(point.status)) {
    throw new ActionError(ACTION_ERRORS.sourceNotReady, `recovery point ${arn} is ${point.status}`);
  }
  const volumeId = volumeIdOf(point.resourceArn);
  const description: SourceDescription = {
    ...base(point.status),
    exportable: true,
    ...(point.encryptionKeyArn ? { kmsKeyId: point.encryptionKeyArn } : {}),
    ...(point.sizeBytes !== undefined ? { sizeGiB: Math.round((point.sizeBytes / 2 ** 30) * 1000) / 1000 } : {}),
    ...(volumeId ? { sourceIdentifier: volumeId } : {}),
    ...(point.createdAt ? { snapshotTime: point.createdAt } : {}),
    ...(point.storageClass ? { storageClass: point.storageClass } : {}),
    vault: point.vault,
  };
  const snapshotId = snapshotIdOf(arn);
  if (!snapshotId) {
    return { ...description, exportable: false, reason: `${arn} is not an EBS snapshot ARN` };
  }
  if (!READY_POINT.has(point.status)) {
    return { ...description, exportable: false, reason: `the recovery point is ${point.status}, not COMPLETED` };
  }
  const archiveTier =
    'the snapshot is in the EBS Snapshots Archive tier: the EBS direct APIs cannot read it; it is reported, not read ' +
    '(restore it to the standard tier to archive it)';
  if (point.storageClass === 'COLD') return { ...description, exportable: false, reason: archiveTier };
  // The snapshot itself (EC2): its state, tier and tags (AWS Backup's ListTags does not take an EBS snapshot's ARN).
  const snapshot = await deps.ec2.describe(snapshotId);
  const described: SourceDescription = {
    ...description,
    encrypted: snapshot.encrypted,
    ...(snapshot.kmsKeyId ? { kmsKeyId: snapshot.kmsKeyId } : {}),
    ...(!volumeId && snapshot.volumeId ? { sourceIdentifier: snapshot.volumeId } : {}),
    tags: snapshot.tags,
  };
  if (snapshot.state === 'pending') throw new ActionError(ACTION_ERRORS.sourceNotReady, `${snapshotId} is pending`);
  if (snapshot.state !== 'completed') {
    return { ...described, exportable: false, reason: `the snapshot is ${snapshot.state}, not completed` };
  }
  if (snapshot.storageTier === 'archive') return { ...described, exportable: false, reason: archiveTier };
  const tagReason = tagFilterReason(snapshot.tags, request.includeTags, request.excludeTags);
  if (tagReason) return { ...described, exportable: false, reason: tagReason };
  return described;
}

/** The action manifest's EBS section, as Plan archive reads it back from the previous export. */
interface PreviousArchive {
  readonly export?: {
    readonly ebs?: { readonly snapshotId?: string; readonly archivePrefix?: string; readonly chainDepth?: number };
  };
}

/**
 * Plan archive: the snapshot's size (EBS ListSnapshotBlocks), the shards, and the parent: the volume's latest
 * verified archive (its `latest/` pointer) when the chain is shallower than `ebsMaxChainDepth`.
 */
export async function planArchive(
  state: ExportState,
  deps: Pick<ExportTaskDependencies, 'archive'> & { readonly blockSources: (snapshotId: string) => BlockSource },
): Promise<EbsArchivePlan> {
  const { request } = state;
  const snapshotId = requireField(snapshotIdOf(request.recoveryPointArn), 'EBS snapshot id of the recovery point');
  const source = deps.blockSources(snapshotId);
  let volumeSize: number;
  try {
    volumeSize = (await source.describe()).volumeSize;
  } catch (error) {
    throw actionErrorOf(error, `reading the size of ${snapshotId}`, ACTION_ERRORS.sourceNotFound);
  } finally {
    await source.close?.();
  }
  const volumeSizeGiB = Math.ceil(volumeSize / 2 ** 30);
  const count = Math.min(MAX_SHARDS, Math.max(1, Math.ceil(volumeSizeGiB / SHARD_GIB)));
  const base = {
    snapshotId,
    volumeId: state.source?.sourceIdentifier ?? snapshotId,
    volumeSizeGiB,
    shards: Array.from({ length: count }, (_, i) => i),
    archivePrefix: ebsArchivePrefix(request),
  };
  const maxDepth = request.ebsMaxChainDepth ?? DEFAULT_MAX_CHAIN_DEPTH;
  const full = (fullBecause?: string): EbsArchivePlan => ({
    ...base,
    chainDepth: 0,
    ...(fullBecause ? { fullBecause } : {}),
  });
  if (maxDepth === 0) return full();
  const pointerKey = latestPointerKey(request.s3Prefix);
  // Listed first: without s3:ListBucket on the key itself, S3 answers a GET of a missing key with 403, not 404.
  if (!(await deps.archive.list(pointerKey)).some((o) => o.key === pointerKey)) return full();
  let pointer: LatestPointer;
  let previous: PreviousArchive;
  try {
    pointer = JSON.parse((await deps.archive.readText(pointerKey)) ?? 'null') as LatestPointer;
    previous = JSON.parse((await deps.archive.readText(pointer.manifestKey)) ?? 'null') as PreviousArchive;
  } catch {
    return full(`the latest archive's pointer or manifest (${pointerKey}) is unreadable`);
  }
  const ebs = previous?.export?.ebs;
  if (!ebs?.snapshotId || !ebs.archivePrefix || typeof ebs.chainDepth !== 'number') {
    return full(`the latest export of the volume (${pointer?.manifestKey}) is not a block archive`);
  }
  if (ebs.snapshotId === snapshotId) return full('the latest archive is of this same snapshot');
  if (ebs.chainDepth + 1 > maxDepth) return full(`the chain is ${ebs.chainDepth} deep (ebsMaxChainDepth ${maxDepth})`);
  const parentManifest = `${ebs.archivePrefix}${MANIFEST_KEY}`;
  if (!(await deps.archive.list(parentManifest)).some((o) => o.key === parentManifest)) {
    return full(`the previous archive ${ebs.archivePrefix} is gone`);
  }
  return {
    ...base,
    parent: { archivePrefix: ebs.archivePrefix, snapshotId: ebs.snapshotId, manifestKey: pointer.manifestKey },
    chainDepth: ebs.chainDepth + 1,
  };
}
