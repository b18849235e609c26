/**
 * Restore and verify. An incremental archive is restored as a chain: the base first, then each child over
 * it. Every block's SHA-256 is checked before it is written, and the LINEAR checksum of what was written is
 * compared with the manifest's before the target is committed.
 */
import { ArchiveReader } from './ArchiveReader.js';
import { BlockCodecPool } from './BlockCodecPool.js';
import { ArchiveCorruptError, ArchiveError, ArchiveUsageError } from './errors.js';
import type { Progress } from './exportArchive.js';
import { LinearChecksum } from './format.js';
import type { ArchiveStore, RestoreTarget } from './ports.js';

/** Opens the store of a parent archive from the location recorded in its child's manifest. */
export type OpenStore = (location: string) => ArchiveStore | Promise<ArchiveStore>;

/** The chain of an archive, base first, checking each parent's manifest digest. */
export async function openChain(
  store: ArchiveStore,
  openStore: OpenStore | undefined,
  signal?: AbortSignal,
): Promise<ArchiveReader[]> {
  const chain = [await ArchiveReader.open(store, { signal })];
  while (chain[0]!.manifest.parent) {
    const parent = chain[0]!.manifest.parent;
    if (!openStore) throw new ArchiveUsageError(`archive needs its parent ${parent.location}, which cannot be opened`);
    if (chain.length > 1000) throw new ArchiveUsageError('archive chain is longer than 1000 (a loop?)');
    const reader = await ArchiveReader.open(await openStore(parent.location), { signal });
    if (reader.manifestSha256 !== parent.manifestSha256) {
      throw new ArchiveCorruptError([
        `manifest.parent.manifestSha256: the parent at ${parent.location} has manifest ${reader.manifestSha256}, expected ${parent.manifestSha256}`,
      ]);
    }
    chain.unshift(reader);
  }
  for (const reader of chain) {
    if (reader.manifest.shard) {
      throw new ArchiveUsageError(`${reader.store.location} is an unmerged shard; run the merge step first`);
    }
  }
  return chain;
}

export interface RestoreOptions {
  readonly store: ArchiveStore;
  readonly openStore?: OpenStore;
  /**
   * The target of chain member `position` (0 = base). `previousId` is what the previous member produced
   * (the parent snapshot id for EBS targets).
   */
  readonly target: (position: number, previousId: string | undefined) => RestoreTarget | Promise<RestoreTarget>;
  /** Parallel block writes (default 16). */
  readonly writeConcurrency?: number;
  readonly threads?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: Progress) => void;
}

export interface RestoreResult {
  /** Id of what the last chain member produced (file path or snapshot id). */
  readonly id: string;
  /** Ids produced by each chain member, base first. */
  readonly ids: readonly string[];
  readonly blocks: number;
  readonly bytes: number;
}

/** Restores an archive (and its chain) into targets. */
export async function restoreArchive(options: RestoreOptions): Promise<RestoreResult> {
  const { signal } = options;
  const chain = await openChain(options.store, options.openStore, signal);
  const pool = new BlockCodecPool(options.threads);
  const ids: string[] = [];
  let blocks = 0;
  let storedBytes = 0;
  const totalBytes = chain.reduce((sum, r) => sum + r.manifest.totals.entries * r.manifest.blockSize, 0);
  try {
    for (const [position, reader] of chain.entries()) {
      const m = reader.manifest;
      const problems = reader.manifestProblems();
      if (problems.length > 0) throw new ArchiveCorruptError(problems);
      const target = await options.target(position, ids.at(-1));
      const zero = new Uint8Array(m.blockSize);
      try {
        await target.start(
          {
            volumeSize: m.volumeSize,
            blockSize: m.blockSize,
            parentSnapshotId: ids.at(-1) && m.parent ? ids.at(-1) : undefined,
            description: `Restored by vaultpilot from ${m.source.id}`,
          },
          { signal },
        );
        const linear = new LinearChecksum();
        const writes = new Set<Promise<void>>();
        let failure: unknown;
        for (const segment of m.segments) {
          for await (const block of reader.readSegment(segment, pool, { signal })) {
            linear.add(block.index, block.sha256);
            const checksum = Buffer.from(block.sha256).toString('base64');
            const write = target
              .writeBlock(block.index, block.data ?? zero, checksum, { signal })
              .catch((error: unknown) => {
                failure ??= error;
              })
              .finally(() => writes.delete(write));
            writes.add(write);
            if (writes.size >= (options.writeConcurrency ?? 16)) await Promise.race(writes);
            if (failure) throw failure;
            blocks++;
            if ((blocks & 63) === 0) {
              options.onProgress?.({ blocks, bytes: blocks * m.blockSize, storedBytes, totalBytes });
            }
          }
          storedBytes += segment.size;
        }
        await Promise.all(writes);
        if (failure) throw failure;
        const linearChecksum = linear.digest();
        if (linearChecksum !== m.linearChecksum) {
          throw new ArchiveCorruptError([
            `manifest.linearChecksum: ${m.linearChecksum}, the blocks read give ${linearChecksum}`,
          ]);
        }
        const done = await target.complete({ changedBlocksCount: linear.count, linearChecksum }, { signal });
        ids.push(done.id);
      } catch (error) {
        await target.abort(error);
        throw error;
      }
    }
    options.onProgress?.({ blocks, bytes: totalBytes, storedBytes, totalBytes });
    return { id: ids.at(-1)!, ids, blocks, bytes: blocks * 524_288 };
  } finally {
    await pool.close();
  }
}

export interface VerifyReport {
  readonly ok: boolean;
  /** Every problem found, each naming the segment, block or manifest field. */
  readonly problems: readonly string[];
  readonly segments: number;
  readonly blocks: number;
  readonly storedBytes: number;
}

/** Re-reads an archive and checks every segment, index and block against the manifest. */
export async function verifyArchive(
  store: ArchiveStore,
  options: {
    readonly threads?: number;
    readonly signal?: AbortSignal;
    readonly manifestKey?: string;
    readonly onProgress?: (progress: Progress) => void;
  } = {},
): Promise<VerifyReport> {
  const problems: string[] = [];
  let reader: ArchiveReader;
  try {
    reader = await ArchiveReader.open(store, { signal: options.signal, key: options.manifestKey });
  } catch (error) {
    const empty = { ok: false, segments: 0, blocks: 0, storedBytes: 0 };
    if (error instanceof ArchiveCorruptError) return { ...empty, problems: error.problems };
    if (error instanceof ArchiveError) return { ...empty, problems: [error.message] };
    throw error;
  }
  const m = reader.manifest;
  problems.push(...reader.manifestProblems());
  const pool = new BlockCodecPool(options.threads);
  const linear = new LinearChecksum();
  let linearBroken = false;
  let blocks = 0;
  let storedBytes = 0;
  const totalBytes = m.totals.entries * m.blockSize;
  try {
    for (const segment of m.segments) {
      const before = problems.length;
      try {
        for await (const block of reader.readSegment(segment, pool, {
          signal: options.signal,
          onProblem: (p) => problems.push(p),
        })) {
          if (!linearBroken) linear.add(block.index, block.sha256);
          blocks++;
          if ((blocks & 63) === 0)
            options.onProgress?.({ blocks, bytes: blocks * m.blockSize, storedBytes, totalBytes });
        }
      } catch (error) {
        if (!(error instanceof ArchiveCorruptError)) throw error;
        problems.push(...error.problems);
      }
      if (problems.length > before) linearBroken = true;
      storedBytes += segment.size;
    }
  } finally {
    await pool.close();
  }
  if (!linearBroken) {
    const computed = linear.digest();
    if (computed !== m.linearChecksum) {
      problems.push(`manifest.linearChecksum: ${m.linearChecksum}, the blocks give ${computed}`);
    }
  }
  options.onProgress?.({ blocks, bytes: totalBytes, storedBytes, totalBytes });
  return { ok: problems.length === 0, problems, segments: m.segments.length, blocks, storedBytes };
}
