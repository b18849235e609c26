/**
 * Puts back, after `debugfs rdump`, what rdump drops: setuid/setgid/sticky bits (rdump's chown after chmod clears
 * them), hard links (rdump writes each name as its own copy) and FIFOs (rdump skips special files). The truth comes
 * from the image itself: one `debugfs -f` run lists every directory with `ls -p` (inode, mode, owner per name).
 * Directory mtimes touched by the repair are set back to what rdump gave them.
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, lchown, link, lstat, readdir, rm, unlink, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

interface ImageEntry {
  readonly path: string;
  readonly inode: number;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

/** What the repair did, for the manifest. */
export interface RepairCounts {
  specialBits: number;
  hardLinks: number;
  fifos: number;
  /** Device nodes and sockets in the image, which are not recreated. */
  skippedSpecial: number;
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFIFO = 0o010000;
const S_IFLNK = 0o120000;

/** Repairs `root` (rdump's copy of `image`). */
export async function repairExtractedImage(debugfs: string, image: string, root: string): Promise<RepairCounts> {
  const entries = await listImage(debugfs, image, root);
  const counts: RepairCounts = { specialBits: 0, hardLinks: 0, fifos: 0, skippedSpecial: 0 };
  const touchedDirs = new Map<string, { atime: Date; mtime: Date }>();
  const touch = async (path: string) => {
    const dir = dirname(path);
    if (!touchedDirs.has(dir)) {
      const st = await lstat(dir);
      touchedDirs.set(dir, { atime: st.atime, mtime: st.mtime });
    }
  };
  const firstOfInode = new Map<number, string>();
  const fifos: ImageEntry[] = [];
  for (const entry of entries) {
    const type = entry.mode & S_IFMT;
    const full = join(root, entry.path);
    if (type === S_IFREG) {
      const first = firstOfInode.get(entry.inode);
      if (first === undefined) {
        firstOfInode.set(entry.inode, full);
      } else {
        await touch(full);
        await unlink(full).catch(() => undefined);
        await link(first, full);
        counts.hardLinks++;
        continue;
      }
    } else if (type === S_IFIFO) {
      await touch(full);
      await rm(full, { force: true });
      await mkfifo(full, entry.mode & 0o777);
      await lchown(full, entry.uid, entry.gid).catch(() => undefined);
      fifos.push(entry);
      counts.fifos++;
    } else if (type !== S_IFDIR && type !== S_IFLNK) {
      counts.skippedSpecial++;
      continue;
    }
    if (type !== S_IFLNK && entry.mode & 0o7000) {
      await chmod(full, entry.mode & 0o7777).catch(() => undefined);
      counts.specialBits++;
    }
  }
  if (fifos.length > 0) {
    const times = await mtimesOf(
      debugfs,
      image,
      root,
      fifos.map((f) => f.path),
    );
    for (const [i, fifo] of fifos.entries()) {
      const t = times[i];
      if (t !== undefined) await utimes(join(root, fifo.path), t, t);
    }
  }
  for (const [dir, times] of touchedDirs) await utimes(dir, times.atime, times.mtime);
  return counts;
}

/** Runs debugfs commands from a file (one a line), returning its standard output. */
async function debugfsCommands(debugfs: string, image: string, root: string, commands: string[]): Promise<string> {
  const file = join(root, '..', `${root.split('/').pop()}.debugfs-commands`);
  await writeFile(file, `${commands.join('\n')}\n`);
  try {
    const { stdout } = await run(debugfs, ['-f', file, image], { maxBuffer: 1024 * 1024 * 1024, encoding: 'buffer' });
    return (stdout as Buffer).toString('utf8');
  } finally {
    await rm(file, { force: true });
  }
}

/** debugfs quoting: one quoted argument, "" for a quote inside it. */
function quoted(path: string): string {
  return `"/${path.replace(/"/g, '""')}"`;
}

/** The mtimes (seconds) of `paths` from `stat` in the image, in order. */
async function mtimesOf(
  debugfs: string,
  image: string,
  root: string,
  paths: string[],
): Promise<(number | undefined)[]> {
  const out = await debugfsCommands(
    debugfs,
    image,
    root,
    paths.map((p) => `stat ${quoted(p)}`),
  );
  const times: (number | undefined)[] = [];
  for (const block of out.split(/^debugfs: stat /m).slice(1)) {
    const m = /^\s*mtime: 0x([0-9a-f]+)/m.exec(block);
    times.push(m ? Number.parseInt(m[1]!, 16) : undefined);
  }
  return times;
}

/** Every name in the image below its root, from `ls -p` of each directory of the extracted copy. */
async function listImage(debugfs: string, image: string, root: string): Promise<ImageEntry[]> {
  const dirs = [''];
  for (let i = 0; i < dirs.length; i++) {
    for (const entry of await readdir(join(root, dirs[i]!), { withFileTypes: true })) {
      if (entry.isDirectory()) dirs.push(dirs[i] ? `${dirs[i]}/${entry.name}` : entry.name);
    }
  }
  // debugfs reads one command a line and takes "" for a quote inside a quoted argument.
  const listable = dirs.filter((d) => !d.includes('\n'));
  const stdout = await debugfsCommands(
    debugfs,
    image,
    root,
    listable.map((d) => `ls -p ${quoted(d)}`),
  );
  {
    const out: ImageEntry[] = [];
    let dir: string | undefined;
    let index = -1;
    for (const line of stdout.split('\n')) {
      if (line.startsWith('debugfs: ls -p ')) {
        index++;
        dir = listable[index];
        continue;
      }
      const m = /^\/(\d+)\/(\d+)\/(\d+)\/(\d+)\/(.*)\/(\d*)\/$/.exec(line);
      if (!m || dir === undefined) continue;
      const name = m[5]!;
      // Unused directory slots list as inode 0 with an empty name.
      if (name === '.' || name === '..' || name === '' || m[1] === '0') continue;
      out.push({
        path: dir ? `${dir}/${name}` : name,
        inode: Number(m[1]),
        mode: Number.parseInt(m[2]!, 8),
        uid: Number(m[3]),
        gid: Number(m[4]),
      });
    }
    return out;
  }
}

async function mkfifo(path: string, mode: number): Promise<void> {
  const child = spawn('mkfifo', ['-m', mode.toString(8), path], { stdio: 'ignore' });
  const [code] = (await once(child, 'close')) as [number];
  if (code !== 0) throw new Error(`mkfifo ${path} failed (exit ${code})`);
}
