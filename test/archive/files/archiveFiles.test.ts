import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  archiveFiles,
  FILE_ARCHIVE_KEYS,
  FileArchiveSourceError,
  type FileListingEntry,
  isoTime,
  listingPath,
  unescapeTarName,
  verifyFileArchive,
} from '../../../src/archive/files/index.js';
import { LocalDirectoryStore } from '../../../src/archive/index.js';
import { allocatedBytes, buildTree, describeTree, restoreWithTar, SPARSE_SIZE } from './fileTree.js';

let work: string;
let tree: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'vp-files-'));
  tree = join(work, 'tree');
  buildTree(tree);
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

function listing(dir: string): FileListingEntry[] {
  return readFileSync(join(dir, FILE_ARCHIVE_KEYS.listing), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as FileListingEntry);
}

describe('archiveFiles of a directory', () => {
  let dest: string;
  let restored: string;

  beforeAll(async () => {
    dest = join(work, 'archive-dir');
    restored = join(work, 'restored-dir');
    await archiveFiles({ source: tree, store: new LocalDirectoryStore(dest) });
    restoreWithTar(join(dest, FILE_ARCHIVE_KEYS.archive), restored);
  });

  it('writes the archive, the listing and the manifest', () => {
    expect(readdirSync(dest).sort()).toEqual([...Object.values(FILE_ARCHIVE_KEYS)].sort());
    const manifest = JSON.parse(readFileSync(join(dest, FILE_ARCHIVE_KEYS.manifest), 'utf8'));
    const archive = readFileSync(join(dest, FILE_ARCHIVE_KEYS.archive));
    expect(manifest.archive).toEqual({
      key: 'files.tar.zst',
      bytes: archive.length,
      sha256: createHash('sha256').update(archive).digest('hex'),
    });
    expect(manifest.listing.sha256).toBe(
      createHash('sha256')
        .update(readFileSync(join(dest, FILE_ARCHIVE_KEYS.listing)))
        .digest('hex'),
    );
    expect(manifest.counts).toMatchObject({ fifo: 1, hardlink: 1, symlink: 2 });
    expect(manifest.tools.tar).toMatch(/GNU tar/);
    expect(manifest.tools.zstd).toMatch(/zstd|Zstandard/i);
    expect(manifest.contentBytes).toBeGreaterThanOrEqual(SPARSE_SIZE);
    // 64 MiB of mostly holes and 400 KB of text and random data: the holes are not stored.
    expect(archive.length).toBeLessThan(2_000_000);
  });

  it('lists every entry with its type, size, mode, owner, mtime, link target and content hash', () => {
    const entries = listing(dest);
    const { entries: original } = describeTree(tree);
    const byPath = new Map(entries.map((e) => [e.path, e]));
    expect(byPath.get('.')?.type).toBe('dir');
    expect(entries).toHaveLength(Object.keys(original).length + 1);
    for (const [path, want] of Object.entries(original)) {
      const got = byPath.get(path);
      expect(got, path).toBeDefined();
      expect(Number.parseInt(got!.mode, 8).toString(8), path).toBe(want.mode);
      expect(Math.floor(Date.parse(got!.mtime) / 1000), path).toBe(want.mtime);
      expect([got!.uid, got!.gid]).toEqual([want.uid, want.gid]);
      if (got!.type === 'hardlink') {
        expect(['random.bin', 'hardlink.bin']).toContain(path);
        expect(['random.bin', 'hardlink.bin']).toContain(got!.link);
        continue;
      }
      expect(got!.type, path).toBe(want.type);
      if (want.type === 'file')
        expect({ size: got!.size, sha256: got!.sha256 }, path).toEqual({ size: want.size, sha256: want.sha256 });
      if (want.type === 'symlink') expect(got!.link).toBe(want.link);
    }
    expect(byPath.get('sparse.img')).toMatchObject({ sparse: true, size: SPARSE_SIZE });
    expect(byPath.get('sticky')?.mode).toBe('1777');
    expect(byPath.get('docs/text.txt')?.mtime).toMatch(/\.5Z$/);
  });

  it('restores with GNU tar and zstd alone: content, modes, mtimes, links, hard links, sparse files', () => {
    const a = describeTree(tree);
    const b = describeTree(restored);
    expect(b.entries).toEqual(a.entries);
    expect(b.hardLinks).toEqual([['hardlink.bin', 'random.bin']]);
    expect(b.hardLinks).toEqual(a.hardLinks);
    const sparse = join(restored, 'sparse.img');
    expect(allocatedBytes(sparse)).toBeLessThan(1024 * 1024);
  });

  it('verifies: the SHA-256, tar -t against the listing, and every file hash', async () => {
    const report = await verifyFileArchive(new LocalDirectoryStore(dest));
    expect(report).toMatchObject({ ok: true, problems: [] });
    expect(report.entries).toBe(listing(dest).length);
  });

  it('refuses a destination that already holds a file archive', async () => {
    await expect(archiveFiles({ source: tree, store: new LocalDirectoryStore(dest) })).rejects.toThrow(
      /already holds a file archive/,
    );
  });
});

describe('verifyFileArchive of a damaged archive', () => {
  it('names a flipped byte in files.tar.zst', async () => {
    const dest = join(work, 'corrupt');
    await archiveFiles({ source: join(tree, 'docs'), store: new LocalDirectoryStore(dest) });
    const path = join(dest, FILE_ARCHIVE_KEYS.archive);
    const bytes = readFileSync(path);
    bytes[Math.floor(bytes.length / 2)]! ^= 0x55;
    writeFileSync(path, bytes);
    const report = await verifyFileArchive(new LocalDirectoryStore(dest));
    expect(report.ok).toBe(false);
    expect(report.problems.join('\n')).toMatch(/files\.tar\.zst: SHA-256 [0-9a-f]{64}, the manifest says/);
    expect(report.problems.join('\n')).toMatch(/zstd -d failed/);
  });

  it('names a listing that does not match the archive', async () => {
    const dest = join(work, 'bad-listing');
    await archiveFiles({ source: join(tree, 'docs'), store: new LocalDirectoryStore(dest) });
    const path = join(dest, FILE_ARCHIVE_KEYS.listing);
    writeFileSync(path, readFileSync(path, 'utf8').replace('"size":400000', '"size":400001'));
    const report = await verifyFileArchive(new LocalDirectoryStore(dest));
    expect(report.ok).toBe(false);
    expect(report.problems.join('\n')).toMatch(/listing line 2 is .*400001.*the archive gives .*400000/);
    expect(report.problems.join('\n')).toMatch(/files\.list\.jsonl: SHA-256/);
  });
});

describe('archiveFiles of an ext4 image (debugfs rdump, no mount)', () => {
  it('restores the files, modes, owners, mtimes (to the second), hard links and FIFOs of the image', async () => {
    const source = join(work, 'ext4-tree');
    buildTree(source);
    execFileSync('chmod', ['4755', join(source, 'script.sh')]);
    const image = join(work, 'image.ext4');
    execFileSync('mkfs.ext4', ['-q', '-F', '-E', 'root_owner=0:0', '-d', source, image, '160M']);
    const dest = join(work, 'archive-ext4');
    const result = await archiveFiles({ source: image, store: new LocalDirectoryStore(dest) });
    expect(result.manifest.source).toMatchObject({
      kind: 'ext-image',
      repaired: { specialBits: 2, hardLinks: 1, fifos: 1, skippedSpecial: 0 },
    });
    expect(result.manifest.tools.debugfs).toMatch(/debugfs/);
    const restored = join(work, 'restored-ext4');
    restoreWithTar(join(dest, FILE_ARCHIVE_KEYS.archive), restored);
    const a = describeTree(source);
    const b = describeTree(restored);
    expect(b.entries['lost+found']?.type).toBe('dir');
    delete b.entries['lost+found'];
    expect(Object.keys(b.entries).sort()).toEqual(Object.keys(a.entries).sort());
    for (const [path, want] of Object.entries(a.entries)) {
      const got = b.entries[path]!;
      // What the rdump route loses: symlink mtimes (extraction time).
      if (want.type === 'symlink') expect({ ...got, mtime: 0 }, path).toEqual({ ...want, mtime: 0 });
      else expect(got, path).toEqual(want);
    }
    expect(b.hardLinks).toEqual(a.hardLinks);
    expect((await verifyFileArchive(new LocalDirectoryStore(dest))).ok).toBe(true);
  }, 60_000);
});

describe('archiveFiles failures', () => {
  it('fails on a missing source without writing anything', async () => {
    const dest = join(work, 'missing');
    await expect(
      archiveFiles({ source: join(work, 'does-not-exist'), store: new LocalDirectoryStore(dest) }),
    ).rejects.toThrow(FileArchiveSourceError);
    expect(existsSync(join(dest, FILE_ARCHIVE_KEYS.manifest))).toBe(false);
  });

  it('fails on a file that is neither a directory nor an ext image', async () => {
    const file = join(work, 'plain.txt');
    writeFileSync(file, 'not an image');
    await expect(archiveFiles({ source: file, store: new LocalDirectoryStore(join(work, 'plain')) })).rejects.toThrow(
      /neither a directory nor an ext2\/3\/4 image/,
    );
  });

  it('fails on an unreadable file, naming it, and leaves no manifest and no objects', async () => {
    const source = join(work, 'unreadable');
    mkdirSync(source);
    writeFileSync(join(source, 'ok.txt'), 'fine\n');
    writeFileSync(join(source, 'locked.txt'), 'locked\n');
    chmodSync(join(source, 'locked.txt'), 0o000);
    const dest = join(work, 'unreadable-archive');
    const asRoot = process.getuid?.() === 0;
    // Root reads everything: run tar as nobody through setpriv, as an unprivileged job would.
    const tools = asRoot ? { tar: join(work, 'tar-as-nobody.sh') } : {};
    if (asRoot) {
      writeFileSync(tools.tar!, '#!/bin/sh\nexec setpriv --reuid=65534 --regid=65534 --clear-groups tar "$@"\n');
      chmodSync(tools.tar!, 0o755);
      chmodSync(work, 0o755);
    }
    await expect(archiveFiles({ source, store: new LocalDirectoryStore(dest), tools })).rejects.toThrow(
      /tar failed \(exit 2\): .*locked\.txt: Cannot open: Permission denied/,
    );
    expect(existsSync(dest) ? readdirSync(dest) : []).toEqual([]);
  });

  it('stops when interrupted: nothing committed, no manifest', async () => {
    const source = join(work, 'big');
    mkdirSync(source);
    for (let i = 0; i < 8; i++) writeFileSync(join(source, `r${i}.bin`), randomBytes(8 * 1024 * 1024));
    const dest = join(work, 'interrupted');
    const controller = new AbortController();
    await expect(
      archiveFiles({
        source,
        store: new LocalDirectoryStore(dest),
        signal: controller.signal,
        onProgress: (p) => {
          if (p.tarBytes > 0) controller.abort(new Error('interrupted by test'));
        },
      }),
    ).rejects.toThrow(/nothing was committed/);
    expect(existsSync(dest) ? readdirSync(dest).filter((n) => !n.includes('.partial-')) : []).toEqual([]);
    expect(existsSync(dest) ? readdirSync(dest) : []).toEqual([]);
  });

  it('stops when the destination fails, leaving no manifest', async () => {
    const source = join(work, 'tree');
    const base = new LocalDirectoryStore(join(work, 'failing'));
    const store = Object.assign(Object.create(base), {
      put: (key: string, body: AsyncIterable<Uint8Array>, o: object) =>
        key === FILE_ARCHIVE_KEYS.listing ? Promise.reject(new Error('disk full')) : base.put(key, body, o),
    });
    await expect(archiveFiles({ source, store })).rejects.toThrow(/disk full/);
    expect(existsSync(join(work, 'failing', FILE_ARCHIVE_KEYS.manifest))).toBe(false);
  });
});

describe('listing helpers', () => {
  it('writes tar times as ISO 8601 with the precision recorded', () => {
    expect(isoTime('1577934245.5')).toBe('2020-01-02T03:04:05.5Z');
    expect(isoTime('1577934245')).toBe('2020-01-02T03:04:05Z');
    expect(isoTime('1577934245.000000001')).toBe('2020-01-02T03:04:05.000000001Z');
    expect(isoTime('-1.25')).toBe('1969-12-31T23:59:58.75Z');
  });

  it('turns tar names into listing paths', () => {
    expect(listingPath('./')).toBe('.');
    expect(listingPath('./a/b/')).toBe('a/b');
    expect(listingPath('./x')).toBe('x');
  });

  it("undoes tar -t's escape quoting", () => {
    expect(unescapeTarName('a\\nb')).toBe('a\nb');
    expect(unescapeTarName('back\\\\slash')).toBe('back\\slash');
    expect(unescapeTarName('\\303\\251t\\303\\251')).toBe('été');
  });

  it('round-trips awkward names through tar -t (newline, backslash, non-UTF-8 free)', async () => {
    const source = join(work, 'awkward');
    mkdirSync(source);
    for (const name of ['new\nline', 'back\\slash', 'tab\there', 'quote"s']) writeFileSync(join(source, name), name);
    const dest = join(work, 'awkward-archive');
    await archiveFiles({ source, store: new LocalDirectoryStore(dest) });
    expect((await verifyFileArchive(new LocalDirectoryStore(dest))).problems).toEqual([]);
    expect(
      listing(dest)
        .map((e) => e.path)
        .sort(),
    ).toEqual(['.', 'back\\slash', 'new\nline', 'quote"s', 'tab\there']);
  });
});
