import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BlockChecksumMismatchError,
  type BlockData,
  type BlockSource,
  EBS_BLOCK_SIZE,
  exportArchive,
  type ListedBlock,
  LocalDirectoryStore,
  type ReadBlockOptions,
  type RestoreTarget,
  restoreArchive,
} from '../../src/archive/index.js';

const BLOCKS = 24;
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('base64');

/** Block i: a pattern, except every fifth block is all zero. */
function content(index: number): Buffer {
  if (index % 5 === 0) return Buffer.alloc(EBS_BLOCK_SIZE);
  return Buffer.alloc(EBS_BLOCK_SIZE, `block ${index} `);
}

/**
 * A source like EBS: it reports each block's true checksum, but the bytes of its first (unverified) reads of
 * `corrupt` blocks arrive damaged — as a transfer error would — and `forever` blocks are damaged every time.
 */
class FlakySource implements BlockSource {
  readonly reads: { index: number; verify: boolean }[] = [];

  constructor(
    private readonly corrupt: ReadonlyMap<number, (good: Buffer) => Buffer>,
    private readonly forever = new Set<number>(),
  ) {}

  async describe() {
    return {
      volumeSize: BLOCKS * EBS_BLOCK_SIZE,
      blockSize: EBS_BLOCK_SIZE,
      id: 'flaky',
      kind: 'ebs-snapshot' as const,
    };
  }

  async *listBlocks(): AsyncIterable<ListedBlock> {
    for (let index = 0; index < BLOCKS; index++) yield { index, token: `t${index}` };
  }

  async readBlock(block: ListedBlock, options: ReadBlockOptions = {}): Promise<BlockData> {
    const verify = options.verify ?? true;
    this.reads.push({ index: block.index, verify });
    const good = content(block.index);
    const damage = this.corrupt.get(block.index);
    if (verify && this.forever.has(block.index)) {
      throw new BlockChecksumMismatchError(block.index, sha256(good), sha256(damage!(good)));
    }
    const data = !verify && damage ? damage(good) : good;
    return { data, checksum: sha256(good) };
  }
}

/** Collects restored blocks in memory. */
class MemoryTarget implements RestoreTarget {
  readonly blocks = new Map<number, Buffer>();
  async start() {
    return { id: 'memory' };
  }
  async writeBlock(index: number, data: Uint8Array) {
    this.blocks.set(index, Buffer.from(data));
  }
  async complete() {
    return { id: 'memory' };
  }
  async abort() {}
}

let work: string;
let n = 0;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'vp-unverified-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const flipByte = (good: Buffer) => {
  const bad = Buffer.from(good);
  bad[1000]! ^= 1;
  return bad;
};

describe('exportArchive with sources it lets skip their own checksum check', () => {
  it('reads a block again, verified, when its digest differs from the reported checksum, and archives the right bytes', async () => {
    const corrupt = new Map([
      [3, flipByte],
      // Data that arrives as zeros, a zero block that arrives as data: the block changes kind in its frame.
      [7, (good: Buffer) => Buffer.alloc(good.length)],
      [10, flipByte],
    ]);
    const source = new FlakySource(corrupt);
    const dir = join(work, `a${n++}`);
    const { manifest } = await exportArchive({
      source,
      store: new LocalDirectoryStore(dir),
      frameBlocks: 4,
      segmentBlocks: 8,
      threads: 2,
    });
    expect(source.reads.filter((r) => r.verify).map((r) => r.index)).toEqual([3, 7, 10]);
    expect(source.reads.filter((r) => !r.verify)).toHaveLength(BLOCKS);
    expect(manifest.totals).toMatchObject({ entries: BLOCKS, zeroBlocks: 5, dataBlocks: BLOCKS - 5 });
    const target = new MemoryTarget();
    await restoreArchive({ store: new LocalDirectoryStore(dir), target: () => target, threads: 2 });
    for (let index = 0; index < BLOCKS; index++) {
      const restored = target.blocks.get(index) ?? Buffer.alloc(EBS_BLOCK_SIZE);
      expect(restored.equals(content(index)), `block ${index}`).toBe(true);
    }
  });

  it('fails naming the block when the verified read fails too, and writes no manifest', async () => {
    const source = new FlakySource(new Map([[6, flipByte]]), new Set([6]));
    const dir = join(work, `a${n++}`);
    const store = new LocalDirectoryStore(dir);
    const error = await exportArchive({ source, store, frameBlocks: 4, threads: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlockChecksumMismatchError);
    expect((error as BlockChecksumMismatchError).blockIndex).toBe(6);
    expect(await store.head('manifest.json')).toBeUndefined();
  });
});
