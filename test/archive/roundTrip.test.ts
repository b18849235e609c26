import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ArchiveReader,
  type ArchiveStore,
  EBS_BLOCK_SIZE,
  exportArchive,
  FileRestoreTarget,
  LocalDirectoryStore,
  LocalFileSource,
  restoreArchive,
  verifyArchive,
} from '../../src/archive/index.js';
import { fillTree, makeExt4, writeAt } from './images.js';

let work: string;
let image: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'vp-roundtrip-'));
  fillTree(join(work, 'tree'), 1);
  image = join(work, 'disk.img');
  makeExt4(image, join(work, 'tree'));
  // An explicit all-zero block written over data, and text right after it, somewhere mkfs left a hole.
  writeAt(image, 40 * EBS_BLOCK_SIZE, Buffer.alloc(EBS_BLOCK_SIZE));
  writeAt(image, 41 * EBS_BLOCK_SIZE + 100, Buffer.from('text after a zero block'));
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

async function archive(source: string, dir: string, extra: { segmentBlocks?: number; frameBlocks?: number } = {}) {
  return exportArchive({
    source: new LocalFileSource(source),
    store: new LocalDirectoryStore(dir),
    segmentBlocks: extra.segmentBlocks ?? 4,
    frameBlocks: extra.frameBlocks ?? 3,
    threads: 2,
  });
}

async function restoreTo(dir: string, out: string) {
  return restoreArchive({
    store: new LocalDirectoryStore(dir),
    target: () => new FileRestoreTarget(out),
    threads: 2,
  });
}

describe('exportArchive and restoreArchive', () => {
  it('restores a real ext4 image bit-exactly and stores only its non-zero blocks', async () => {
    const dir = join(work, 'a1');
    const { manifest } = await archive(image, dir);
    expect(manifest.volumeSize).toBe(statSync(image).size);
    expect(manifest.totals.entries).toBe(manifest.volumeSize / EBS_BLOCK_SIZE);
    expect(manifest.totals.zeroBlocks).toBeGreaterThan(0);
    expect(manifest.totals.dataBlocks).toBeLessThan(manifest.totals.entries);
    expect(manifest.segments.length).toBeGreaterThan(1);
    expect((await verifyArchive(new LocalDirectoryStore(dir))).problems).toEqual([]);

    const out = join(work, 'restored1.img');
    await restoreTo(dir, out);
    expect(readFileSync(out).equals(readFileSync(image))).toBe(true);
    // Zero blocks of a fresh file stay holes.
    expect(statSync(out).blocks * 512).toBeLessThan(manifest.volumeSize);
  });

  it('keeps the exact size of an image that is not a whole number of blocks', async () => {
    const odd = join(work, 'odd.img');
    writeFileSync(odd, Buffer.concat([randomBytes(3 * EBS_BLOCK_SIZE + 1000)]));
    const dir = join(work, 'a2');
    await archive(odd, dir);
    const out = join(work, 'odd-restored.img');
    await restoreTo(dir, out);
    expect(readFileSync(out).equals(readFileSync(odd))).toBe(true);
  });

  it('refuses to write into a destination that already holds an archive', async () => {
    const dir = join(work, 'a3');
    await archive(image, dir);
    await expect(archive(image, dir)).rejects.toThrow(/already holds an archive/);
  });

  it('leaves no manifest and no segment when the manifest put fails after the object landed', async () => {
    const dir = join(work, 'lost-answer');
    const inner = new LocalDirectoryStore(dir);
    const store: ArchiveStore = {
      location: inner.location,
      put: async (key, body, options) => {
        const stored = await inner.put(key, body, options);
        if (key === 'manifest.json') throw new Error('connection reset after the upload');
        return stored;
      },
      get: (key, options) => inner.get(key, options),
      head: (key, options) => inner.head(key, options),
      list: (prefix, options) => inner.list(prefix, options),
      delete: (key, options) => inner.delete(key, options),
    };
    await expect(
      exportArchive({ source: new LocalFileSource(image), store, segmentBlocks: 4, threads: 2 }),
    ).rejects.toThrow(/connection reset/);
    const left: string[] = [];
    for await (const object of inner.list('')) left.push(object.key);
    expect(left).toEqual([]);
  });

  it('records the LINEAR checksum of the per-block digests in block order', async () => {
    const small = join(work, 'small.img');
    const blocks = [randomBytes(EBS_BLOCK_SIZE), Buffer.alloc(EBS_BLOCK_SIZE), randomBytes(EBS_BLOCK_SIZE)];
    writeFileSync(small, Buffer.concat(blocks));
    const dir = join(work, 'a4');
    const { manifest } = await archive(small, dir);
    const { createHash } = await import('node:crypto');
    const digests = blocks.map((b) => createHash('sha256').update(b).digest());
    expect(manifest.linearChecksum).toBe(createHash('sha256').update(Buffer.concat(digests)).digest('base64'));
    expect(manifest.totals).toMatchObject({ entries: 3, dataBlocks: 2, zeroBlocks: 1 });
  });
});

describe('the standard-tools restore procedure in docs/archive-format.md', () => {
  it('restores an archive bit-exactly with sh, zstd, awk and dd alone', async () => {
    const doc = readFileSync(join(__dirname, '../../docs/archive-format.md'), 'utf8');
    const script = /```sh restore-procedure\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(script).toBeDefined();
    const scriptPath = join(work, 'restore-archive.sh');
    writeFileSync(scriptPath, script!);
    const dir = join(work, 'std');
    await archive(image, dir);
    const out = join(work, 'std-restored.img');
    execFileSync('sh', [scriptPath, dir, out], { env: { PATH: '/usr/bin:/bin' } });
    expect(readFileSync(out).equals(readFileSync(image))).toBe(true);
  });
});

describe('ArchiveReader', () => {
  it('says an archive without a manifest is not complete', async () => {
    const dir = join(work, 'empty');
    await expect(ArchiveReader.open(new LocalDirectoryStore(dir))).rejects.toThrow(/no complete archive/);
  });
});
