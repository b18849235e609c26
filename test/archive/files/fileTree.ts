/** A directory tree with every kind of entry a file archive must keep, and a comparison of two trees. */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

export const SPARSE_SIZE = 64 * 1024 * 1024;

/** Builds the tree under `root` (which must not exist). `fifo: false` leaves out the FIFO. */
export function buildTree(root: string, options: { fifo?: boolean } = {}): void {
  mkdirSync(join(root, 'docs'), { recursive: true });
  writeFileSync(join(root, 'empty'), '');
  writeFileSync(join(root, 'docs', 'text.txt'), 'the quick brown fox\n'.repeat(20_000));
  writeFileSync(join(root, 'random.bin'), randomBytes(300_000));
  writeFileSync(join(root, 'name with spaces.txt'), 'spaces\n');
  writeFileSync(join(root, 'ünïcødé ✓ ファイル.txt'), 'unicode\n');
  const deep = join(root, ...Array.from({ length: 12 }, (_, i) => `level-${i}-${'d'.repeat(20)}`));
  mkdirSync(deep, { recursive: true });
  writeFileSync(join(deep, 'deep file.txt'), 'deep\n');
  // Sparse: 64 MiB with data at 1 MiB and near the end, holes elsewhere.
  const fd = openSync(join(root, 'sparse.img'), 'w');
  writeSync(fd, Buffer.from('start of data'), 0, 13, 1024 * 1024);
  writeSync(fd, randomBytes(8192), 0, 8192, 40 * 1024 * 1024);
  closeSync(fd);
  execFileSync('truncate', ['-s', String(SPARSE_SIZE), join(root, 'sparse.img')]);
  symlinkSync('docs/text.txt', join(root, 'link-to-text'));
  symlinkSync('../nowhere', join(root, 'dangling'));
  linkSync(join(root, 'random.bin'), join(root, 'hardlink.bin'));
  writeFileSync(join(root, 'script.sh'), '#!/bin/sh\necho hi\n');
  chmodSync(join(root, 'script.sh'), 0o755);
  writeFileSync(join(root, 'secret'), 'secret\n');
  chmodSync(join(root, 'secret'), 0o600);
  mkdirSync(join(root, 'sticky'));
  chmodSync(join(root, 'sticky'), 0o1777);
  if (options.fifo !== false) execFileSync('mkfifo', [join(root, 'pipe')]);
  // Fixed mtimes, some with sub-second parts; directories last so creating entries does not change them.
  let t = 1_600_000_000;
  for (const path of walk(root).reverse()) {
    const full = join(root, path);
    t += 3600;
    if (lstatSync(full).isSymbolicLink()) lutimesSync(full, t, t + 0.25);
    else utimesSync(full, t, t + 0.5);
  }
}

/** Every path under `root`, relative, parents before children, sorted. */
export function walk(root: string, under = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, under)).sort()) {
    const rel = under ? `${under}/${name}` : name;
    out.push(rel);
    if (lstatSync(join(root, rel)).isDirectory()) out.push(...walk(root, rel));
  }
  return out;
}

/** What must match between a tree and its restored copy, per path. */
export interface Described {
  type: string;
  mode: string;
  mtime: number;
  size?: number;
  sha256?: string;
  link?: string;
  uid: number;
  gid: number;
}

/** The entries of a tree, and its hard-link groups (paths sharing an inode, sorted). */
export function describeTree(root: string): { entries: Record<string, Described>; hardLinks: string[][] } {
  const entries: Record<string, Described> = {};
  const byInode = new Map<number, string[]>();
  for (const path of walk(root)) {
    const full = join(root, path);
    const st = lstatSync(full);
    const type = st.isFile()
      ? 'file'
      : st.isDirectory()
        ? 'dir'
        : st.isSymbolicLink()
          ? 'symlink'
          : st.isFIFO()
            ? 'fifo'
            : 'other';
    const entry: Described = {
      type,
      mode: (st.mode & 0o7777).toString(8),
      mtime: Math.floor(st.mtimeMs / 1000),
      uid: st.uid,
      gid: st.gid,
    };
    if (type === 'file') {
      entry.size = st.size;
      entry.sha256 = createHash('sha256').update(readFileSync(full)).digest('hex');
      if (st.nlink > 1) byInode.set(st.ino, [...(byInode.get(st.ino) ?? []), path]);
    }
    if (type === 'symlink') entry.link = readlinkSync(full);
    // A directory's mtime changes as tar restores into it on some systems; symlinks' too: compared where kept.
    entries[path] = entry;
  }
  const hardLinks = [...byInode.values()].map((g) => g.sort()).sort();
  return { entries, hardLinks };
}

/** Allocated bytes of a file (to see that a restored sparse file is still sparse). */
export function allocatedBytes(path: string): number {
  return lstatSync(path).blocks * 512;
}

/** Restores a file archive with GNU tar and zstd alone. */
export function restoreWithTar(archive: string, target: string): void {
  mkdirSync(target, { recursive: true });
  execFileSync('sh', ['-c', 'zstd -dc "$1" | tar --xattrs --acls -xpf - -C "$2"', 'sh', archive, target]);
}
