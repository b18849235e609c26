/**
 * The final step of a sharded export: checks that the shard manifests tile the whole volume, recomputes the
 * LINEAR checksum by streaming every segment index in block order, and commits one archive manifest.
 */
import { ArchiveReader } from './ArchiveReader.js';
import { ArchiveUsageError } from './errors.js';
import {
  type ArchiveManifest,
  blockCount,
  LinearChecksum,
  MANIFEST_KEY,
  serializeManifest,
  ZERO_BLOCK_SHA256,
} from './format.js';
import type { ArchiveStore } from './ports.js';
import { putBytes } from './storeObjects.js';

/** Merges the shard manifests under `shards/` into the archive manifest; returns it. */
export async function mergeShards(
  store: ArchiveStore,
  options: { readonly signal?: AbortSignal; readonly now?: () => Date } = {},
): Promise<ArchiveManifest> {
  const { signal } = options;
  if (await store.head(MANIFEST_KEY, { signal })) throw new ArchiveUsageError(`${store.location} is already merged`);
  const keys: string[] = [];
  for await (const object of store.list('shards/', { signal })) if (object.key.endsWith('.json')) keys.push(object.key);
  if (keys.length === 0) throw new ArchiveUsageError(`${store.location} holds no shard manifests`);
  const shards = await Promise.all(keys.map((key) => ArchiveReader.open(store, { key, signal })));
  shards.sort((a, b) => a.manifest.shard!.index - b.manifest.shard!.index);
  const first = shards[0]!.manifest;
  const count = first.shard?.count ?? 0;
  const missing: number[] = [];
  for (let i = 0; i < count; i++) if (shards[i]?.manifest.shard?.index !== i) missing.push(i);
  if (shards.length !== count || missing.length > 0) {
    throw new ArchiveUsageError(
      `shards missing: ${missing.join(', ') || '(count mismatch)'} of ${count}; run them before merging`,
    );
  }
  let next = 0;
  for (const { manifest: m } of shards) {
    const same =
      m.shard?.count === count &&
      m.volumeSize === first.volumeSize &&
      m.source.id === first.source.id &&
      m.parent?.manifestSha256 === first.parent?.manifestSha256 &&
      m.compression.level === first.compression.level &&
      m.compression.frameBlocks === first.compression.frameBlocks;
    if (!same)
      throw new ArchiveUsageError(`shard ${m.shard?.index} belongs to another export (source, size or parent differ)`);
    if (m.range.first !== next)
      throw new ArchiveUsageError(`shard ${m.shard?.index} starts at block ${m.range.first}, expected ${next}`);
    next = m.range.end;
  }
  if (next !== blockCount(first.volumeSize, first.blockSize)) {
    throw new ArchiveUsageError(`shards end at block ${next}, the volume has ${blockCount(first.volumeSize)}`);
  }
  const linear = new LinearChecksum();
  const totals = { entries: 0, dataBlocks: 0, zeroBlocks: 0, removedBlocks: 0, storedBytes: 0 };
  const segments: ArchiveManifest['segments'] = [];
  for (const shard of shards) {
    for (const segment of shard.manifest.segments) {
      signal?.throwIfAborted();
      for (const line of await shard.readIndex(segment, { signal })) {
        if (line.kind === 'F') continue;
        linear.add(line.index, line.kind === 'D' ? Buffer.from(line.sha256, 'hex') : ZERO_BLOCK_SHA256);
      }
      segments.push(segment);
      totals.entries += segment.entries;
      totals.dataBlocks += segment.dataBlocks;
      totals.zeroBlocks += segment.zeroBlocks;
      totals.removedBlocks += segment.removedBlocks;
      totals.storedBytes += segment.size;
    }
  }
  const { shard: _shard, digest: _digest, ...common } = first;
  const manifest: Omit<ArchiveManifest, 'digest'> = {
    ...common,
    createdAt: (options.now?.() ?? new Date()).toISOString(),
    range: { first: 0, end: next },
    totals,
    linearChecksum: linear.digest(),
    segments,
  };
  const text = serializeManifest(manifest);
  await putBytes(store, MANIFEST_KEY, Buffer.from(text), { signal });
  // Shard manifests are only inputs of this step; the archive manifest now names every segment.
  await Promise.all(keys.map((key) => store.delete(key, { signal })));
  return { ...manifest, digest: JSON.parse(text).digest };
}
