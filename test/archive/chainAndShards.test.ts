import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BlockRange,
  type BlockSource,
  type ChangedBlock,
  EBS_BLOCK_SIZE,
  exportArchive,
  FileRestoreTarget,
  LocalDirectoryStore,
  LocalFileSource,
  mergeShards,
  type RestoreCompletion,
  type RestoreStart,
  type RestoreTarget,
  restoreArchive,
  type SourceInfo,
  verifyArchive,
} from '../../src/archive/index.js';
import { fillTree, makeExt4, writeAt } from './images.js';

/**
 * A snapshot stand-in over image files: the image path is the snapshot id, and changed blocks are found by
 * comparing with the parent image, as EBS ListChangedBlocks would report them (a block that is zero now but
 * was data in the parent counts as removed).
 */
class ImageSnapshotSource implements BlockSource {
  private readonly file: LocalFileSource;

  constructor(path: string) {
    this.file = new LocalFileSource(path);
  }

  async describe(): Promise<SourceInfo> {
    return { ...(await this.file.describe()), kind: 'ebs-snapshot' };
  }

  listBlocks(range: BlockRange) {
    return this.file.listBlocks(range);
  }

  async *listChangedBlocks(parentId: string, range: BlockRange): AsyncGenerator<ChangedBlock> {
    const parent = new LocalFileSource(parentId);
    for await (const block of this.file.listBlocks(range)) {
      const now = (await this.file.readBlock(block)).data;
      const before = (await parent.readBlock(block)).data;
      if (Buffer.compare(now, before) === 0) continue;
      const removed = now.every((b) => b === 0);
      yield removed ? { index: block.index, removed } : { index: block.index, token: 'x', removed };
    }
    await parent.close();
  }

  async readBlock(block: { index: number }) {
    const { data } = await this.file.readBlock(block);
    return { data, checksum: createHash('sha256').update(data).digest('base64') };
  }

  close() {
    return this.file.close();
  }
}

/** Records what a restore does, like an EBS snapshot target would see it. */
class RecordingTarget implements RestoreTarget {
  started?: RestoreStart;
  completed?: RestoreCompletion;
  readonly written: number[] = [];
  readonly digests = new Map<number, string>();

  constructor(readonly id: string) {}

  async start(params: RestoreStart) {
    this.started = params;
    return { id: this.id };
  }

  async writeBlock(index: number, data: Uint8Array, checksum: string) {
    expect(createHash('sha256').update(data).digest('base64')).toBe(checksum);
    this.written.push(index);
    this.digests.set(index, checksum);
  }

  async complete(params: RestoreCompletion) {
    this.completed = params;
    return { id: this.id };
  }

  async abort() {}
}

let work: string;
const images: string[] = [];

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'vp-chain-'));
  fillTree(join(work, 'tree'), 1);
  images.push(join(work, 'day1.img'));
  makeExt4(images[0]!, join(work, 'tree'), 32);
  // Day 2: new random data in a few blocks, one data block zeroed (removed), text appended.
  images.push(join(work, 'day2.img'));
  copyFileSync(images[0]!, images[1]!);
  writeAt(images[1]!, 50 * EBS_BLOCK_SIZE, randomBytes(3 * EBS_BLOCK_SIZE));
  const firstData = readFileSync(images[0]!).subarray(0, EBS_BLOCK_SIZE);
  expect(firstData.some((b) => b !== 0)).toBe(true);
  writeAt(images[1]!, 0, Buffer.alloc(EBS_BLOCK_SIZE));
  // Day 3: the first block comes back, more text somewhere else.
  images.push(join(work, 'day3.img'));
  copyFileSync(images[1]!, images[2]!);
  writeAt(images[2]!, 0, firstData);
  writeAt(images[2]!, 60 * EBS_BLOCK_SIZE + 7, Buffer.from('day three was here\n'.repeat(1000)));
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

async function exportChain(): Promise<string[]> {
  const dirs = images.map((_, i) => join(work, `chain-${i}-${randomBytes(3).toString('hex')}`));
  for (const [i, image] of images.entries()) {
    await exportArchive({
      source: new ImageSnapshotSource(image),
      store: new LocalDirectoryStore(dirs[i]!),
      parent: i > 0 ? { store: new LocalDirectoryStore(dirs[i - 1]!), location: dirs[i - 1]! } : undefined,
      segmentBlocks: 4,
      threads: 2,
    });
  }
  return dirs;
}

describe('incremental archives', () => {
  it('store only changed blocks and restore a chain of three bit-exactly, base first', async () => {
    const dirs = await exportChain();
    const child = JSON.parse(readFileSync(join(dirs[1]!, 'manifest.json'), 'utf8'));
    expect(child.parent).toMatchObject({ location: dirs[0], sourceId: images[0] });
    expect(child.totals).toMatchObject({ dataBlocks: 3, removedBlocks: 1 });
    for (const dir of dirs) expect((await verifyArchive(new LocalDirectoryStore(dir))).problems).toEqual([]);

    const out = join(work, 'chain-restored.img');
    const result = await restoreArchive({
      store: new LocalDirectoryStore(dirs[2]!),
      openStore: (location) => new LocalDirectoryStore(location),
      target: (position) => new FileRestoreTarget(out, { overlay: position > 0 }),
      threads: 2,
    });
    expect(result.ids).toHaveLength(3);
    expect(readFileSync(out).equals(readFileSync(images[2]!))).toBe(true);
  });

  it('restore to snapshots in order, each child on the snapshot restored before it, with LINEAR checksums', async () => {
    const dirs = await exportChain();
    const targets: RecordingTarget[] = [];
    await restoreArchive({
      store: new LocalDirectoryStore(dirs[2]!),
      openStore: (location) => new LocalDirectoryStore(location),
      target: (position) => {
        targets.push(new RecordingTarget(`snap-${position}`));
        return targets.at(-1)!;
      },
      threads: 2,
    });
    expect(targets.map((t) => t.started?.parentSnapshotId)).toEqual([undefined, 'snap-0', 'snap-1']);
    for (const [i, target] of targets.entries()) {
      const manifest = JSON.parse(readFileSync(join(dirs[i]!, 'manifest.json'), 'utf8'));
      expect(target.completed).toEqual({
        changedBlocksCount: manifest.totals.entries,
        linearChecksum: manifest.linearChecksum,
      });
      expect(target.written).toEqual([...target.written].sort((a, b) => a - b));
      const linear = createHash('sha256');
      for (const index of target.written) linear.update(Buffer.from(target.digests.get(index)!, 'base64'));
      expect(linear.digest('base64')).toBe(target.completed?.linearChecksum);
    }
    // The removed block of day 2 is written as zeros on the day-2 snapshot.
    expect(targets[1]!.written).toContain(0);
  });

  it('refuse a parent whose manifest changed since the child was made', async () => {
    const dirs = await exportChain();
    const parentManifest = join(dirs[1]!, 'manifest.json');
    writeFileSync(parentManifest, `${readFileSync(parentManifest, 'utf8')}\n`);
    await expect(
      restoreArchive({
        store: new LocalDirectoryStore(dirs[2]!),
        openStore: (location) => new LocalDirectoryStore(location),
        target: () => new RecordingTarget('snap'),
      }),
    ).rejects.toThrow(/manifest\.parent\.manifestSha256/);
  });

  it('apply with the standard-tools procedure, base first, to the same bytes', async () => {
    const dirs = await exportChain();
    const doc = readFileSync(join(__dirname, '../../docs/archive-format.md'), 'utf8');
    const script = join(work, 'restore-archive.sh');
    writeFileSync(script, /```sh restore-procedure\n([\s\S]*?)```/.exec(doc)![1]!);
    const out = join(work, 'chain-std.img');
    for (const dir of dirs) execFileSync('sh', [script, dir, out], { env: { PATH: '/usr/bin:/bin' } });
    expect(readFileSync(out).equals(readFileSync(images[2]!))).toBe(true);
  });
});

describe('sharded export', () => {
  it('merges N shards into one archive equal to an unsharded export', async () => {
    const whole = join(work, 'whole');
    const { manifest: single } = await exportArchive({
      source: new LocalFileSource(images[0]!),
      store: new LocalDirectoryStore(whole),
      segmentBlocks: 4,
      threads: 2,
    });
    const sharded = join(work, 'sharded');
    // Shards run independently, in any order, as AWS Batch array jobs would.
    for (const index of [2, 0, 1]) {
      await exportArchive({
        source: new LocalFileSource(images[0]!),
        store: new LocalDirectoryStore(sharded),
        shard: { index, count: 3 },
        segmentBlocks: 4,
        threads: 2,
      });
    }
    await expect(verifyArchive(new LocalDirectoryStore(sharded))).resolves.toMatchObject({ ok: false });
    const merged = await mergeShards(new LocalDirectoryStore(sharded));
    expect(merged.linearChecksum).toBe(single.linearChecksum);
    expect(merged.totals).toEqual(single.totals);
    expect(merged.shard).toBeUndefined();
    expect((await verifyArchive(new LocalDirectoryStore(sharded))).problems).toEqual([]);
    const out = join(work, 'sharded.img');
    await restoreArchive({ store: new LocalDirectoryStore(sharded), target: () => new FileRestoreTarget(out) });
    expect(readFileSync(out).equals(readFileSync(images[0]!))).toBe(true);
  });

  it('will not merge while a shard is missing', async () => {
    const dir = join(work, 'incomplete');
    await exportArchive({
      source: new LocalFileSource(images[0]!),
      store: new LocalDirectoryStore(dir),
      shard: { index: 0, count: 2 },
      threads: 2,
    });
    await expect(mergeShards(new LocalDirectoryStore(dir))).rejects.toThrow(/shards missing: 1 of 2/);
  });
});
