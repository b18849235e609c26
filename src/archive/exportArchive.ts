/**
 * Export: reads the listed (or changed) blocks of a source with bounded concurrency, hands them in order to
 * the segment writer, and commits the manifest last. A failed or cancelled export deletes what it wrote and
 * never writes a manifest, so no archive ever claims to be complete when it is not.
 */

import { ArchiveReader } from './ArchiveReader.js';
import { BlockCodecPool } from './BlockCodecPool.js';
import { ArchiveUsageError } from './errors.js';
import {
  type ArchiveManifest,
  blockCount,
  FORMAT_NAME,
  FORMAT_VERSION,
  MANIFEST_KEY,
  serializeManifest,
  shardManifestKey,
} from './format.js';
import { mapOrdered } from './mapOrdered.js';
import type { ArchiveStore, BlockRange, BlockSource, ListedBlock } from './ports.js';
import { SegmentWriter, type WriterBlock } from './SegmentWriter.js';
import { putBytes } from './storeObjects.js';

/** Progress of a running export or restore. */
export interface Progress {
  /** Blocks handled so far (listed blocks for export, entries for restore). */
  readonly blocks: number;
  /** Volume bytes handled so far (blocks × block size). */
  readonly bytes: number;
  /** Compressed bytes stored or read so far. */
  readonly storedBytes: number;
  /** Upper bound of bytes to handle (the range size), for ETA. */
  readonly totalBytes: number;
}

export interface ExportOptions {
  readonly source: BlockSource;
  readonly store: ArchiveStore;
  /** The archive this export is incremental to, and how it is named in the manifest. */
  readonly parent?: { readonly store: ArchiveStore; readonly location: string };
  /** zstd level (default 3). */
  readonly level?: number;
  /** Stored blocks per segment (default 256 = 128 MiB before compression). */
  readonly segmentBlocks?: number;
  /** Stored blocks per zstd frame (default 8 = 4 MiB). */
  readonly frameBlocks?: number;
  /** Blocks read concurrently (default 16; EBS likes more, local disks less). */
  readonly readConcurrency?: number;
  /** Export only part `index` (0-based) of `count` equal block ranges, as a shard manifest. */
  readonly shard?: { readonly index: number; readonly count: number };
  /** Codec threads (default: one per core). */
  readonly threads?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: Progress) => void;
  readonly now?: () => Date;
}

export interface ExportResult {
  readonly manifest: ArchiveManifest;
  /** Key of the manifest written (the archive manifest, or a shard manifest). */
  readonly manifestKey: string;
}

/** The block range of shard `index` of `count` over `blocks` blocks (equal parts, the last takes the rest). */
export function shardRange(blocks: number, index: number, count: number): BlockRange {
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(index) || index < 0 || index >= count) {
    throw new ArchiveUsageError(`shard ${index}/${count} is not valid: use 0 ≤ index < count`);
  }
  return { first: Math.floor((blocks * index) / count), end: Math.floor((blocks * (index + 1)) / count) };
}

/** Exports a source into an archive (or one shard of it). */
export async function exportArchive(options: ExportOptions): Promise<ExportResult> {
  try {
    return await runExport(options);
  } finally {
    await options.source.close?.();
  }
}

async function runExport(options: ExportOptions): Promise<ExportResult> {
  const { source, store, signal } = options;
  const info = await source.describe({ signal });
  const total = blockCount(info.volumeSize, info.blockSize);
  const range = options.shard ? shardRange(total, options.shard.index, options.shard.count) : { first: 0, end: total };
  const manifestKey = options.shard ? shardManifestKey(options.shard.index, options.shard.count) : MANIFEST_KEY;
  if (await store.head(MANIFEST_KEY, { signal })) {
    throw new ArchiveUsageError(`${store.location} already holds an archive; choose an empty destination`);
  }
  if (options.shard && (await store.head(manifestKey, { signal }))) {
    throw new ArchiveUsageError(`${store.location} already holds shard ${options.shard.index}/${options.shard.count}`);
  }

  let parent: ArchiveManifest['parent'];
  let listing: AsyncIterable<ListedBlock & { removed?: boolean }>;
  if (options.parent) {
    const parentArchive = await ArchiveReader.open(options.parent.store, { signal });
    if (!source.listChangedBlocks) {
      throw new ArchiveUsageError('incremental archives need a source that lists changed blocks (an EBS snapshot)');
    }
    if (parentArchive.manifest.source.kind !== info.kind) {
      throw new ArchiveUsageError(
        `the parent archive is of a ${parentArchive.manifest.source.kind}, not a ${info.kind}`,
      );
    }
    parent = {
      location: options.parent.location,
      manifestSha256: parentArchive.manifestSha256,
      sourceId: parentArchive.manifest.source.id,
    };
    listing = source.listChangedBlocks(parent.sourceId, range, { signal });
  } else {
    listing = source.listBlocks(range, { signal });
  }

  const level = options.level ?? 3;
  const frameBlocks = options.frameBlocks ?? 8;
  const pool = new BlockCodecPool(options.threads);
  let blocks = 0;
  let storedBytes = 0;
  const totalBytes = (range.end - range.first) * info.blockSize;
  const writer = new SegmentWriter(store, pool, {
    level,
    frameBlocks,
    segmentBlocks: options.segmentBlocks ?? 256,
    signal,
    onStored: (bytes) => {
      storedBytes += bytes;
    },
  });
  let committing = false;
  try {
    const read = mapOrdered(
      listing,
      options.readConcurrency ?? 16,
      async (block, callSignal): Promise<WriterBlock> => {
        if (block.removed) return { index: block.index };
        // The codec threads hash every block anyway: the source need not hash it too, only read it again,
        // verified, when the two digests differ.
        const { data, checksum, release } = await source.readBlock(block, { signal: callSignal, verify: false });
        const reread = () => source.readBlock(block, { ...(signal ? { signal } : {}), verify: true });
        return { index: block.index, data, checksum, release, reread };
      },
      signal,
    );
    for await (const block of read) {
      await writer.add(block);
      blocks++;
      if ((blocks & 63) === 0) {
        options.onProgress?.({ blocks, bytes: blocks * info.blockSize, storedBytes, totalBytes });
      }
    }
    const segments = await writer.finish();
    signal?.throwIfAborted();
    const totals = { entries: 0, dataBlocks: 0, zeroBlocks: 0, removedBlocks: 0, storedBytes: 0 };
    for (const s of segments) {
      totals.entries += s.entries;
      totals.dataBlocks += s.dataBlocks;
      totals.zeroBlocks += s.zeroBlocks;
      totals.removedBlocks += s.removedBlocks;
      totals.storedBytes += s.size;
    }
    const manifest: Omit<ArchiveManifest, 'digest'> = {
      format: FORMAT_NAME,
      version: FORMAT_VERSION,
      createdAt: (options.now?.() ?? new Date()).toISOString(),
      volumeSize: info.volumeSize,
      blockSize: 524_288,
      source: { kind: info.kind, id: info.id },
      ...(parent ? { parent } : {}),
      range,
      ...(options.shard ? { shard: { index: options.shard.index, count: options.shard.count } } : {}),
      compression: { codec: 'zstd', level, frameBlocks },
      totals,
      linearChecksum: writer.linear.digest(),
      segments,
    };
    const text = serializeManifest(manifest);
    // The commit point: everything above is durable before this object appears.
    committing = true;
    await putBytes(store, manifestKey, Buffer.from(text), { signal });
    committing = false;
    options.onProgress?.({ blocks, bytes: totalBytes, storedBytes, totalBytes });
    return { manifest: { ...manifest, digest: JSON.parse(text).digest }, manifestKey };
  } catch (error) {
    // A manifest put that failed may still have landed (a lost answer): remove it before its segments go.
    if (committing) await store.delete(manifestKey).catch(() => {});
    await writer.abort(error);
    throw error;
  } finally {
    await pool.close();
  }
}
