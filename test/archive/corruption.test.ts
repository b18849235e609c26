import { mkdtempSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ArchiveCorruptError,
  exportArchive,
  FileRestoreTarget,
  LocalDirectoryStore,
  LocalFileSource,
  type RestoreTarget,
  restoreArchive,
  verifyArchive,
} from '../../src/archive/index.js';
import { fillTree, makeExt4 } from './images.js';

let work: string;
let image: string;
let n = 0;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'vp-corrupt-'));
  fillTree(join(work, 'tree'), 2);
  image = join(work, 'disk.img');
  makeExt4(image, join(work, 'tree'), 32);
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A fresh archive of the image, and the first segment that stores data. */
async function freshArchive() {
  const dir = join(work, `archive-${n++}`);
  const { manifest } = await exportArchive({
    source: new LocalFileSource(image),
    store: new LocalDirectoryStore(dir),
    segmentBlocks: 4,
    frameBlocks: 2,
    threads: 2,
  });
  const segment = manifest.segments.find((s) => s.dataBlocks >= 3)!;
  return { dir, manifest, segment, data: join(dir, 'segments', `${segment.name}.zst`) };
}

async function verify(dir: string) {
  return verifyArchive(new LocalDirectoryStore(dir), { threads: 2 });
}

describe('verifyArchive', () => {
  it('passes an untouched archive', async () => {
    const { dir } = await freshArchive();
    expect(await verify(dir)).toMatchObject({ ok: true, problems: [] });
  });

  it('names the segment and block of a flipped byte', async () => {
    const { dir, segment, data } = await freshArchive();
    const bytes = readFileSync(data);
    bytes[Math.floor(bytes.length / 2)]! ^= 0x40;
    writeFileSync(data, bytes);
    const report = await verify(dir);
    expect(report.ok).toBe(false);
    expect(report.problems).toContainEqual(expect.stringMatching(new RegExp(`^segment ${segment.name} .*: sha256 `)));
    expect(report.problems).toContainEqual(
      expect.stringMatching(
        new RegExp(`^segment ${segment.name} .*(block \\d+: data does not match|cannot be decompressed)`),
      ),
    );
  });

  it('names a truncated segment', async () => {
    const { dir, segment, data } = await freshArchive();
    truncateSync(data, Math.floor(segment.size / 2));
    const report = await verify(dir);
    expect(report.problems).toContainEqual(expect.stringMatching(new RegExp(`^segment ${segment.name} .*truncated`)));
  });

  it('names a missing segment', async () => {
    const { dir, segment, data } = await freshArchive();
    unlinkSync(data);
    const report = await verify(dir);
    expect(report.problems).toContainEqual(`segment ${segment.name} (segments/${segment.name}.zst): missing`);
  });

  it('names a tampered segment index', async () => {
    const { dir, segment } = await freshArchive();
    const index = join(dir, 'segments', `${segment.name}.idx.zst`);
    const bytes = readFileSync(index);
    bytes[bytes.length - 5]! ^= 1;
    writeFileSync(index, bytes);
    const report = await verify(dir);
    expect(report.problems).toContainEqual(
      expect.stringMatching(new RegExp(`^segment ${segment.name} index .*: sha256 `)),
    );
  });

  it('names the manifest field when the manifest was edited', async () => {
    const { dir } = await freshArchive();
    const path = join(dir, 'manifest.json');
    writeFileSync(path, readFileSync(path, 'utf8').replace(/"volumeSize": \d+/, '"volumeSize": 1073741824'));
    const report = await verify(dir);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      expect.stringMatching(/^manifest\.digest: .* does not match the manifest content/),
    ]);
  });

  it('names a manifest that is not an archive manifest at all', async () => {
    const { dir } = await freshArchive();
    writeFileSync(join(dir, 'manifest.json'), '{"format":"something-else"}');
    const report = await verify(dir);
    expect(report.problems).toContainEqual(expect.stringMatching(/^manifest\.format: /));
  });
});

describe('restoreArchive of a corrupt archive', () => {
  it('fails naming the block and aborts the target instead of completing it', async () => {
    const { dir, segment, data } = await freshArchive();
    const bytes = readFileSync(data);
    bytes[10]! ^= 0xff;
    writeFileSync(data, bytes);
    const calls: string[] = [];
    const inner = new FileRestoreTarget(join(work, 'restore-corrupt.img'));
    const target: RestoreTarget = {
      start: (p) => inner.start(p),
      writeBlock: (i, d, c, o) => inner.writeBlock(i, d, c, o),
      complete: async (p, o) => {
        calls.push('complete');
        return inner.complete(p, o);
      },
      abort: async (reason) => {
        calls.push('abort');
        void reason;
        return inner.abort();
      },
    };
    const restore = restoreArchive({ store: new LocalDirectoryStore(dir), target: () => target, threads: 2 });
    await expect(restore).rejects.toBeInstanceOf(ArchiveCorruptError);
    await expect(restore).rejects.toThrow(new RegExp(`segment ${segment.name}`));
    expect(calls).toEqual(['abort']);
  });
});
