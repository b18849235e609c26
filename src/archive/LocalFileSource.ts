/**
 * A raw image file or block device as a block source. A raw image has no list of written blocks, so every
 * block is listed; the writer records the all-zero ones as zero blocks and stores only the rest.
 */
import { type FileHandle, open, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ArchiveUsageError } from './errors.js';
import { blockCount } from './format.js';
import {
  type BlockData,
  type BlockRange,
  type BlockSource,
  type CallOptions,
  EBS_BLOCK_SIZE,
  type ListedBlock,
  type SourceInfo,
} from './ports.js';

/** Reads blocks of a local image file or block device. */
export class LocalFileSource implements BlockSource {
  private handle: Promise<FileHandle> | undefined;
  private size: number | undefined;
  /** Released block buffers, reused by later reads. */
  private readonly free: Buffer[] = [];
  readonly path: string;

  constructor(path: string) {
    this.path = resolve(path);
  }

  /** Size from fstat, or for a block device from sysfs (fstat reports 0 there). */
  async describe(): Promise<SourceInfo> {
    const handle = await this.open();
    const stat = await handle.stat();
    let size = stat.size;
    if (stat.isBlockDevice()) {
      const major = Number((BigInt(stat.rdev) >> 8n) & 0xfffn);
      const minor = Number((BigInt(stat.rdev) & 0xffn) | ((BigInt(stat.rdev) >> 12n) & 0xfff00n));
      const sectors = await readFile(`/sys/dev/block/${major}:${minor}/size`, 'utf8');
      size = Number(sectors.trim()) * 512;
    } else if (!stat.isFile()) {
      throw new ArchiveUsageError(`${this.path} is neither a regular file nor a block device`);
    }
    this.size = size;
    return { volumeSize: size, blockSize: EBS_BLOCK_SIZE, id: this.path, kind: 'file' };
  }

  /** Lists every block of the range that lies inside the file. */
  async *listBlocks(range: BlockRange, options?: CallOptions): AsyncGenerator<ListedBlock> {
    const size = this.size ?? (await this.describe()).volumeSize;
    const end = Math.min(range.end, blockCount(size));
    for (let index = range.first; index < end; index++) {
      if ((index & 1023) === 0) options?.signal?.throwIfAborted();
      yield { index };
    }
  }

  /** Reads one block; a short final block is padded with zeros. */
  async readBlock(block: ListedBlock, options?: CallOptions): Promise<BlockData> {
    options?.signal?.throwIfAborted();
    const handle = await this.open();
    const data = this.free.pop() ?? Buffer.allocUnsafeSlow(EBS_BLOCK_SIZE);
    let filled = 0;
    while (filled < EBS_BLOCK_SIZE) {
      const { bytesRead } = await handle.read(
        data,
        filled,
        EBS_BLOCK_SIZE - filled,
        block.index * EBS_BLOCK_SIZE + filled,
      );
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    data.fill(0, filled);
    let released = false;
    const release = () => {
      if (released || this.free.length >= 256) return;
      released = true;
      this.free.push(data);
    };
    return { data, release };
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    if (handle) await (await handle).close();
  }

  private open(): Promise<FileHandle> {
    this.handle ??= open(this.path, 'r');
    return this.handle;
  }
}
