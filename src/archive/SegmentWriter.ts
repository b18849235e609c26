/**
 * Turns an ordered stream of blocks into segments: zstd frames of stored blocks streamed into one object per
 * segment, plus a compressed index object naming every entry with its SHA-256. Per-block state lives only in
 * the segment being written; what is kept for the whole volume is one small entry per segment.
 */
import { createHash, type Hash } from 'node:crypto';
import { compress as zstdCompress } from 'zstd-napi';
import type { BlockCodecPool } from './BlockCodecPool.js';
import { ByteChannel } from './ByteChannel.js';
import { BlockChecksumMismatchError } from './errors.js';
import {
  type BlockKind,
  formatIndexLine,
  LinearChecksum,
  type SegmentEntry,
  segmentDataKey,
  segmentIndexKey,
  segmentName,
  ZERO_BLOCK_SHA256,
  ZERO_BLOCK_SHA256_HEX,
} from './format.js';
import { type ArchiveStore, type BlockData, EBS_BLOCK_SIZE, type StoredObject } from './ports.js';
import { putBytes, sha256Hex } from './storeObjects.js';

/** A block handed to the writer, in ascending index order. */
export interface WriterBlock {
  readonly index: number;
  /** The block's bytes; absent for a block removed since the parent. */
  readonly data?: Uint8Array;
  /** Base64 SHA-256 the source reported, checked against what the writer computes. */
  readonly checksum?: string;
  /** Called once the writer has copied `data` (see BlockData.release). */
  readonly release?: () => void;
  /**
   * Reads the block again, verified by the source. Given when `checksum` was not checked by the source: the
   * writer calls it when the digest its codec thread computed differs from `checksum`, and archives what it returns.
   */
  readonly reread?: () => Promise<BlockData>;
}

export interface SegmentWriterOptions {
  readonly level: number;
  /** Stored blocks per zstd frame (the unit of parallel compression and random access). */
  readonly frameBlocks: number;
  /** Stored blocks per segment before a new segment starts. */
  readonly segmentBlocks: number;
  /** Index entries per segment at most (bounds index size when most blocks are zero). */
  readonly maxEntries?: number;
  readonly signal?: AbortSignal;
  /** Called with compressed bytes as they are handed to the store. */
  readonly onStored?: (bytes: number) => void;
}

interface OpenSegment {
  readonly name: string;
  readonly firstBlock: number;
  lastBlock: number;
  entries: number;
  dataBlocks: number;
  zeroBlocks: number;
  removedBlocks: number;
  size: number;
  readonly hash: Hash;
  readonly channel: ByteChannel;
  readonly put: Promise<StoredObject>;
  readonly index: string[];
}

interface ChunkEntry {
  readonly index: number;
  readonly kind: BlockKind;
  readonly checksum?: string;
  readonly reread?: () => Promise<BlockData>;
}

type Compressed = { frame: Uint8Array; hashes: Uint8Array; input: ArrayBuffer | undefined };

type InFlight =
  | {
      readonly type: 'chunk';
      readonly segment: OpenSegment;
      readonly entries: ChunkEntry[];
      readonly result: Promise<Compressed> | undefined;
    }
  | { readonly type: 'end'; readonly segment: OpenSegment };

const ZERO_BLOCK = Buffer.alloc(EBS_BLOCK_SIZE);

/** Writes segments for one export (or one shard of it). */
export class SegmentWriter {
  readonly segments: SegmentEntry[] = [];
  readonly linear = new LinearChecksum();
  private segment: OpenSegment | undefined;
  private chunk: Buffer;
  private chunkData = 0;
  private chunkEntries: ChunkEntry[] = [];
  private readonly inFlight: InFlight[] = [];
  private readonly writtenKeys: string[] = [];
  /** Chunk buffers handed back by the codec threads, refilled instead of allocating (keeps GC and RSS low). */
  private readonly spare: Buffer[] = [];
  private readonly depth: number;
  private readonly maxEntries: number;

  constructor(
    private readonly store: ArchiveStore,
    private readonly pool: BlockCodecPool,
    private readonly options: SegmentWriterOptions,
  ) {
    this.chunk = Buffer.allocUnsafeSlow(options.frameBlocks * EBS_BLOCK_SIZE);
    this.depth = pool.size * 2 + 1;
    this.maxEntries = options.maxEntries ?? 65_536;
  }

  /** Adds the next block (ascending index order). */
  async add(block: WriterBlock): Promise<void> {
    this.options.signal?.throwIfAborted();
    let segment = this.segment;
    if (segment && (segment.dataBlocks >= this.options.segmentBlocks || segment.entries >= this.maxEntries)) {
      await this.closeSegment();
      segment = undefined;
    }
    segment ??= this.openSegment(block.index);
    segment.lastBlock = block.index;
    segment.entries++;
    if (!block.data) {
      segment.removedBlocks++;
      this.chunkEntries.push({ index: block.index, kind: 'R' });
    } else if (isZero(block.data)) {
      segment.zeroBlocks++;
      this.chunkEntries.push({ index: block.index, kind: 'Z', checksum: block.checksum, reread: block.reread });
    } else {
      segment.dataBlocks++;
      this.chunk.set(block.data, this.chunkData * EBS_BLOCK_SIZE);
      this.chunkData++;
      this.chunkEntries.push({ index: block.index, kind: 'D', checksum: block.checksum, reread: block.reread });
      if (this.chunkData === this.options.frameBlocks) this.flushChunk();
    }
    block.release?.();
    await this.drain(this.depth);
  }

  /** Writes everything still pending and returns the segments. */
  async finish(): Promise<SegmentEntry[]> {
    if (this.segment) await this.closeSegment();
    await this.drain(0);
    return this.segments;
  }

  /** Stops after a failure: the open upload is aborted and objects written by this writer are deleted. */
  async abort(reason: unknown): Promise<void> {
    for (const item of this.inFlight) item.segment.channel.fail(reason);
    this.segment?.channel.fail(reason);
    await Promise.allSettled([
      ...this.inFlight.map((item) => item.segment.put),
      ...(this.segment ? [this.segment.put] : []),
      ...this.inFlight.flatMap((item) => (item.type === 'chunk' && item.result ? [item.result] : [])),
    ]);
    this.inFlight.length = 0;
    this.segment = undefined;
    await Promise.allSettled(this.writtenKeys.map((key) => this.store.delete(key)));
  }

  private openSegment(firstBlock: number): OpenSegment {
    const name = segmentName(firstBlock);
    const channel = new ByteChannel();
    const key = segmentDataKey(name);
    const put = this.store.put(key, channel, { signal: this.options.signal });
    put.catch(() => {});
    this.writtenKeys.push(key);
    this.segment = {
      name,
      firstBlock,
      lastBlock: firstBlock,
      entries: 0,
      dataBlocks: 0,
      zeroBlocks: 0,
      removedBlocks: 0,
      size: 0,
      hash: createHash('sha256'),
      channel,
      put,
      index: [],
    };
    return this.segment;
  }

  private flushChunk(): void {
    if (this.chunkEntries.length === 0 || !this.segment) return;
    let result: InFlight & { type: 'chunk' };
    if (this.chunkData > 0) {
      const full = this.chunkData === this.options.frameBlocks;
      const bytes = full ? this.chunk : this.chunk.subarray(0, this.chunkData * EBS_BLOCK_SIZE);
      const promise = this.pool.compress(bytes, this.options.level);
      promise.catch(() => {});
      result = { type: 'chunk', segment: this.segment, entries: this.chunkEntries, result: promise };
      // The full buffer was transferred to a worker; a partial one was copied and can be reused.
      if (full) this.chunk = this.spare.pop() ?? Buffer.allocUnsafeSlow(this.options.frameBlocks * EBS_BLOCK_SIZE);
    } else {
      result = { type: 'chunk', segment: this.segment, entries: this.chunkEntries, result: undefined };
    }
    this.inFlight.push(result);
    this.chunkData = 0;
    this.chunkEntries = [];
  }

  private async closeSegment(): Promise<void> {
    this.flushChunk();
    if (this.segment) this.inFlight.push({ type: 'end', segment: this.segment });
    this.segment = undefined;
  }

  private async drain(depth: number): Promise<void> {
    while (this.inFlight.length > depth) {
      const item = this.inFlight[0]!;
      if (item.type === 'chunk') await this.completeChunk(item);
      else await this.completeSegment(item.segment);
      this.inFlight.shift();
    }
  }

  private async completeChunk(item: InFlight & { type: 'chunk' }): Promise<void> {
    const { segment } = item;
    let entries = item.entries;
    let compressed = item.result ? await item.result : undefined;
    if (this.mismatched(entries, compressed).some((e) => e.reread)) {
      ({ entries, compressed } = await this.repairChunk(segment, entries, compressed));
    }
    if (compressed?.input && compressed.input.byteLength === this.options.frameBlocks * EBS_BLOCK_SIZE) {
      this.spare.push(Buffer.from(compressed.input));
    }
    let stored = 0;
    for (const entry of entries) {
      if (entry.kind === 'D' && stored === 0 && compressed) {
        segment.index.push(formatIndexLine({ kind: 'F', index: entry.index, frameSize: compressed.frame.byteLength }));
      }
      let digest: Uint8Array = ZERO_BLOCK_SHA256;
      let hex = ZERO_BLOCK_SHA256_HEX;
      if (entry.kind === 'D' && compressed) {
        digest = compressed.hashes.subarray(32 * stored, 32 * stored + 32);
        hex = Buffer.from(digest).toString('hex');
        stored++;
      }
      if (entry.checksum !== undefined) {
        const actual = Buffer.from(digest).toString('base64');
        if (actual !== entry.checksum) throw new BlockChecksumMismatchError(entry.index, entry.checksum, actual);
      }
      segment.index.push(formatIndexLine({ kind: entry.kind, index: entry.index, sha256: hex }));
      this.linear.add(entry.index, digest);
    }
    if (compressed) {
      segment.hash.update(compressed.frame);
      segment.size += compressed.frame.byteLength;
      await segment.channel.push(compressed.frame);
      this.options.onStored?.(compressed.frame.byteLength);
    }
  }

  /** The entries whose computed digest differs from the checksum their source reported. */
  private mismatched(entries: readonly ChunkEntry[], compressed: Compressed | undefined): ChunkEntry[] {
    const out: ChunkEntry[] = [];
    let stored = 0;
    for (const entry of entries) {
      let digest: Uint8Array = ZERO_BLOCK_SHA256;
      if (entry.kind === 'D' && compressed) digest = compressed.hashes.subarray(32 * stored, 32 * stored++ + 32);
      if (entry.checksum !== undefined && Buffer.from(digest).toString('base64') !== entry.checksum) out.push(entry);
    }
    return out;
  }

  /**
   * Reads the blocks whose digest did not match again (verified by their source, which retries and finally fails
   * naming the block), and compresses the frame anew with the right bytes. Rare: only a corrupted transfer gets here.
   */
  private async repairChunk(
    segment: OpenSegment,
    entries: readonly ChunkEntry[],
    compressed: Compressed | undefined,
  ): Promise<{ entries: ChunkEntry[]; compressed: Compressed | undefined }> {
    const bad = new Set(this.mismatched(entries, compressed).filter((e) => e.reread));
    const old = compressed?.input ? new Uint8Array(compressed.input) : new Uint8Array(0);
    const repaired: ChunkEntry[] = [];
    const parts: Uint8Array[] = [];
    let stored = 0;
    for (const entry of entries) {
      let data: Uint8Array | undefined;
      if (entry.kind === 'D') data = old.subarray(EBS_BLOCK_SIZE * stored, EBS_BLOCK_SIZE * ++stored);
      let checksum = entry.checksum;
      if (bad.has(entry) && entry.reread) {
        const fresh = await entry.reread();
        data = Buffer.from(fresh.data);
        fresh.release?.();
        checksum = fresh.checksum;
      }
      if (entry.kind === 'R' || !data || isZero(data)) {
        if (entry.kind === 'D') segment.dataBlocks--;
        if (entry.kind === 'D') segment.zeroBlocks++;
        repaired.push({ index: entry.index, kind: entry.kind === 'R' ? 'R' : 'Z', checksum });
      } else {
        if (entry.kind === 'Z') segment.zeroBlocks--;
        if (entry.kind === 'Z') segment.dataBlocks++;
        parts.push(data);
        repaired.push({ index: entry.index, kind: 'D', checksum });
      }
    }
    const again = parts.length > 0 ? await this.pool.compress(Buffer.concat(parts), this.options.level) : undefined;
    return { entries: repaired, compressed: again };
  }

  private async completeSegment(segment: OpenSegment): Promise<void> {
    segment.channel.end();
    const data = await segment.put;
    if (data.size !== segment.size) {
      throw new Error(`store reports ${data.size} bytes for segment ${segment.name}, ${segment.size} were written`);
    }
    const indexBytes = zstdCompress(Buffer.from(segment.index.join('')), { compressionLevel: 3 });
    const indexKey = segmentIndexKey(segment.name);
    this.writtenKeys.push(indexKey);
    await putBytes(this.store, indexKey, indexBytes, { signal: this.options.signal });
    this.segments.push({
      name: segment.name,
      firstBlock: segment.firstBlock,
      lastBlock: segment.lastBlock,
      entries: segment.entries,
      dataBlocks: segment.dataBlocks,
      zeroBlocks: segment.zeroBlocks,
      removedBlocks: segment.removedBlocks,
      size: segment.size,
      sha256: segment.hash.digest('hex'),
      indexSize: indexBytes.byteLength,
      indexSha256: sha256Hex(indexBytes),
    });
  }
}

/** True when every byte is zero (memcmp against a zero block, stopping at the first difference). */
export function isZero(data: Uint8Array): boolean {
  const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return data.byteLength === EBS_BLOCK_SIZE ? view.equals(ZERO_BLOCK) : view.every((b) => b === 0);
}
