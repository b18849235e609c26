/**
 * The file-level archive of a directory (on AWS: a read-only mount of a restored volume's partition) or of an
 * ext2/3/4 image read without mounting it: GNU tar (POSIX format, xattrs, ACLs, sparse files, numeric owners, one
 * file system) streamed through multi-threaded `zstd` into `files.tar.zst`, the listing `files.list.jsonl` computed
 * from the same bytes on their way (no second read of the source), and `vaultpilot-files-manifest.json` last.
 *
 * A failed or interrupted run deletes what it stored and never writes the manifest.
 */
import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ByteChannel } from '../ByteChannel.js';
import { ArchiveAbortedError, ArchiveError, ArchiveUsageError } from '../errors.js';
import type { ArchiveStore } from '../ports.js';
import { FILE_ARCHIVE_KEYS, listingLine } from './fileListing.js';
import { type RepairCounts, repairExtractedImage } from './repairExtractedImage.js';
import { TarStreamParser } from './TarStreamParser.js';

const run = promisify(execFile);

/** The source of a file archive cannot be read (missing, not a directory or ext image, unreadable files). */
export class FileArchiveSourceError extends ArchiveError {}

/** The external programs the archive runs; tests and unusual hosts may point elsewhere. */
export interface FileArchiveTools {
  readonly tar?: string;
  readonly zstd?: string;
  readonly debugfs?: string;
}

/** Progress of a file archive. */
export interface FileArchiveProgress {
  readonly entries: number;
  /** Bytes of file content read (logical sizes). */
  readonly contentBytes: number;
  /** Bytes of tar stream produced. */
  readonly tarBytes: number;
  /** Compressed bytes written so far. */
  readonly storedBytes: number;
}

/** What to archive and where. */
export interface FileArchiveOptions {
  /** A directory, or an ext2/3/4 image file or block device (extracted with debugfs, never mounted). */
  readonly source: string;
  readonly store: ArchiveStore;
  /** zstd level, 1–19. @default 3 */
  readonly level?: number;
  /** zstd threads; 0 = one per core. @default 0 */
  readonly threads?: number;
  /** Where an image is extracted (needs room for its files). @default os.tmpdir() */
  readonly tempDirectory?: string;
  readonly tools?: FileArchiveTools;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: FileArchiveProgress) => void;
}

/** The manifest of a file archive, `vaultpilot-files-manifest.json`. */
export interface FileArchiveManifest {
  readonly format: 'vaultpilot-files/1';
  readonly createdAt: string;
  readonly source: {
    readonly kind: 'directory' | 'ext-image';
    readonly path: string;
    /** Image route: what was put back after `debugfs rdump` (special mode bits, hard links, FIFOs). */
    readonly repaired?: RepairCounts;
  };
  readonly archive: { readonly key: string; readonly bytes: number; readonly sha256: string };
  readonly listing: { readonly key: string; readonly bytes: number; readonly sha256: string };
  readonly counts: Readonly<Record<string, number>> & { readonly entries: number };
  /** Logical bytes of regular files' content, and bytes of the tar stream before compression. */
  readonly contentBytes: number;
  readonly tarBytes: number;
  readonly compression: { readonly codec: 'zstd'; readonly level: number };
  readonly tar: { readonly arguments: readonly string[] };
  readonly tools: { readonly tar: string; readonly zstd: string; readonly debugfs?: string };
  readonly seconds: number;
}

/** The result of archiveFiles. */
export interface FileArchiveResult {
  readonly manifest: FileArchiveManifest;
  readonly manifestKey: string;
}

/** GNU tar's flags for a complete, restorable archive (GNU tar 1.34 accepts them all; ACLs need libacl support). */
export const TAR_FLAGS = [
  '--format=posix',
  '--xattrs',
  '--xattrs-include=*',
  '--acls',
  '--sparse',
  '--numeric-owner',
  '--one-file-system',
] as const;

/** Archives `options.source` into `options.store`. */
export async function archiveFiles(options: FileArchiveOptions): Promise<FileArchiveResult> {
  const started = Date.now();
  const tools = { tar: 'tar', zstd: 'zstd', debugfs: 'debugfs', ...options.tools };
  const { store, signal } = options;
  const level = options.level ?? 3;
  const source = resolve(options.source);
  const kind = await sourceKind(source);
  if (await store.head(FILE_ARCHIVE_KEYS.manifest, { signal })) {
    throw new ArchiveUsageError(`${store.location} already holds a file archive (${FILE_ARCHIVE_KEYS.manifest})`);
  }
  const versions = {
    tar: await toolVersion(tools.tar),
    zstd: await toolVersion(tools.zstd, '-V'),
    ...(kind === 'ext-image' ? { debugfs: await toolVersion(tools.debugfs, '-V', true) } : {}),
  };
  let extracted: string | undefined;
  const stored: string[] = [];
  try {
    let root = source;
    let repaired: RepairCounts | undefined;
    if (kind === 'ext-image') {
      extracted = await mkdtemp(join(options.tempDirectory ?? tmpdir(), 'vaultpilot-rdump-'));
      await extractImage(tools.debugfs, source, extracted, signal);
      repaired = await repairExtractedImage(tools.debugfs, source, extracted);
      signal?.throwIfAborted();
      root = extracted;
    }
    const tarArgs = [...TAR_FLAGS, '-C', root, '-cf', '-', '.'];
    const streamed = await streamArchive(tools, tarArgs, level, options.threads ?? 0, store, stored, options);
    const manifest: FileArchiveManifest = {
      format: 'vaultpilot-files/1',
      createdAt: new Date().toISOString(),
      source: { kind, path: source, ...(repaired ? { repaired } : {}) },
      archive: { key: FILE_ARCHIVE_KEYS.archive, ...streamed.archive },
      listing: { key: FILE_ARCHIVE_KEYS.listing, ...streamed.listing },
      counts: { entries: streamed.entries, ...streamed.counts },
      contentBytes: streamed.contentBytes,
      tarBytes: streamed.tarBytes,
      compression: { codec: 'zstd', level },
      tar: { arguments: [...TAR_FLAGS] },
      tools: versions,
      seconds: (Date.now() - started) / 1000,
    };
    signal?.throwIfAborted();
    await store.put(FILE_ARCHIVE_KEYS.manifest, oneChunk(Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`)), {
      signal,
    });
    return { manifest, manifestKey: FILE_ARCHIVE_KEYS.manifest };
  } catch (error) {
    for (const key of stored) await store.delete(key).catch(() => undefined);
    if (signal?.aborted) throw new ArchiveAbortedError('file archive stopped: nothing was committed', { cause: error });
    throw error;
  } finally {
    if (extracted) await rm(extracted, { recursive: true, force: true });
  }
}

/** A directory, or a file/device with an ext2/3/4 superblock (magic 0xEF53 at byte 1080). */
async function sourceKind(source: string): Promise<'directory' | 'ext-image'> {
  const info = await stat(source).catch((error: NodeJS.ErrnoException) => {
    throw new FileArchiveSourceError(
      `${source}: ${error.code === 'ENOENT' ? 'no such file or directory' : error.message}`,
      {
        cause: error,
      },
    );
  });
  if (info.isDirectory()) return 'directory';
  if (info.isFile() || info.isBlockDevice()) {
    const handle = await open(source, 'r');
    try {
      const magic = Buffer.alloc(2);
      await handle.read(magic, 0, 2, 1080);
      if (magic.readUInt16LE(0) === 0xef53) return 'ext-image';
    } finally {
      await handle.close();
    }
  }
  throw new FileArchiveSourceError(`${source}: neither a directory nor an ext2/3/4 image`);
}

async function toolVersion(tool: string, flag = '--version', stderr = false): Promise<string> {
  try {
    const out = await run(tool, [flag]);
    return ((stderr ? out.stderr : out.stdout) || out.stdout || out.stderr).split('\n')[0]!.trim();
  } catch (error) {
    const e = error as { stderr?: string; code?: string };
    if (stderr && e.stderr) return e.stderr.split('\n')[0]!.trim();
    throw new FileArchiveSourceError(`${tool} is needed for file archives and could not be run (${e.code ?? error})`, {
      cause: error,
    });
  }
}

/** `debugfs -R 'rdump / DIR' IMAGE`; debugfs exits 0 even when it fails, so anything on stderr but its banner fails. */
async function extractImage(debugfs: string, image: string, into: string, signal?: AbortSignal): Promise<void> {
  const child = spawn(debugfs, ['-R', `rdump / ${into}`, image], { stdio: ['ignore', 'ignore', 'pipe'], signal });
  let errors = '';
  child.stderr.on('data', (d) => {
    errors += d;
  });
  const [code] = (await once(child, 'close').catch((error) => {
    if (signal?.aborted) throw error;
    throw new FileArchiveSourceError(`debugfs could not run: ${error}`, { cause: error });
  })) as [number | null];
  const problems = errors
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^debugfs \d/.test(l));
  if (code !== 0 || problems.length > 0) {
    throw new FileArchiveSourceError(
      `debugfs could not extract ${image}: ${problems.slice(0, 5).join('; ') || `exit ${code}`}`,
    );
  }
}

interface Streamed {
  archive: { bytes: number; sha256: string };
  listing: { bytes: number; sha256: string };
  entries: number;
  counts: Record<string, number>;
  contentBytes: number;
  tarBytes: number;
}

/** tar → (parser, zstd) → store, and the listing → store, in one pass. */
async function streamArchive(
  tools: Required<FileArchiveTools>,
  tarArgs: string[],
  level: number,
  threads: number,
  store: ArchiveStore,
  stored: string[],
  options: FileArchiveOptions,
): Promise<Streamed> {
  const { signal } = options;
  // Names reach tar's pax headers as UTF-8 only in a UTF-8 locale.
  const env = { ...process.env, LC_ALL: 'C.UTF-8' };
  const tar = spawn(tools.tar, tarArgs, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const zstd = spawn(tools.zstd, ['-q', '-c', `-${level}`, `-T${threads}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  const tarErrors = collect(tar.stderr);
  const zstdErrors = collect(zstd.stderr);
  const tarExit = exitOf(tar);
  const zstdExit = exitOf(zstd);
  const kill = () => {
    tar.kill('SIGKILL');
    zstd.kill('SIGKILL');
  };
  signal?.addEventListener('abort', kill, { once: true });

  const archiveHash = createHash('sha256');
  const listingHash = createHash('sha256');
  const listing = new ByteChannel(4 * 1024 * 1024);
  let listingBytes = 0;
  let storedBytes = 0;
  let tarBytes = 0;
  const parser = new TarStreamParser();
  const counts: Record<string, number> = {};

  async function* compressed(): AsyncGenerator<Uint8Array> {
    for await (const chunk of zstd.stdout as AsyncIterable<Buffer>) {
      archiveHash.update(chunk);
      storedBytes += chunk.length;
      yield chunk;
    }
  }
  const archivePut = store.put(FILE_ARCHIVE_KEYS.archive, compressed(), { signal }).then((o) => {
    stored.push(o.key);
    return o;
  });
  const listingPut = store.put(FILE_ARCHIVE_KEYS.listing, listing, { signal }).then((o) => {
    stored.push(o.key);
    return o;
  });
  // Whichever fails first stops the others.
  const failures = Promise.race([
    archivePut.then(() => new Promise<never>(() => {})),
    listingPut.then(() => new Promise<never>(() => {})),
  ]);
  failures.catch(() => undefined);

  let lastProgress = 0;
  const pump = async () => {
    const input = zstd.stdin;
    let inputError: unknown;
    input.on('error', (error) => {
      inputError = error;
    });
    for await (const chunk of tar.stdout as AsyncIterable<Buffer>) {
      tarBytes += chunk.length;
      for (const entry of parser.push(chunk)) {
        counts[entry.type] = (counts[entry.type] ?? 0) + 1;
        const line = Buffer.from(listingLine(entry));
        listingHash.update(line);
        listingBytes += line.length;
        await listing.push(line);
      }
      if (inputError) throw inputError;
      if (!input.write(chunk)) await writable(input);
      const now = Date.now();
      if (options.onProgress && now - lastProgress >= 200) {
        lastProgress = now;
        options.onProgress({ entries: parser.entryCount, contentBytes: parser.contentBytes, tarBytes, storedBytes });
      }
    }
    input.end();
    const [tarCode] = await Promise.all([tarExit, zstdExit.then(() => undefined)]);
    if (tarCode !== 0) {
      const text = (await tarErrors).trim().split('\n').slice(0, 8).join('; ');
      throw new FileArchiveSourceError(`tar failed (exit ${tarCode}): ${text || 'no message'}`);
    }
    const zstdCode = await zstdExit;
    if (zstdCode !== 0) throw new ArchiveError(`zstd failed (exit ${zstdCode}): ${(await zstdErrors).trim()}`);
    parser.end();
    listing.end();
  };
  try {
    await Promise.race([pump(), failures]);
    const [archive] = await Promise.all([archivePut, listingPut]);
    options.onProgress?.({ entries: parser.entryCount, contentBytes: parser.contentBytes, tarBytes, storedBytes });
    return {
      archive: { bytes: archive.size, sha256: archiveHash.digest('hex') },
      listing: { bytes: listingBytes, sha256: listingHash.digest('hex') },
      entries: parser.entryCount,
      counts,
      contentBytes: parser.contentBytes,
      tarBytes,
    };
  } catch (error) {
    kill();
    listing.fail(error);
    zstd.stdout.destroy();
    await Promise.allSettled([archivePut, listingPut, tarExit, zstdExit]);
    throw error;
  } finally {
    signal?.removeEventListener('abort', kill);
  }
}

function collect(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  stream.on('data', (d) => {
    if (text.length < 64 * 1024) text += d;
  });
  return new Promise((resolve) => stream.on('close', () => resolve(text)));
}

function exitOf(child: ChildProcessWithoutNullStreams | ReturnType<typeof spawn>): Promise<number> {
  return new Promise((resolve, reject) => {
    child.on('error', (error) =>
      reject(new FileArchiveSourceError(`${child.spawnfile} could not run: ${error.message}`, { cause: error })),
    );
    child.on('close', (code, sig) => resolve(code ?? (sig ? 128 : 1)));
  });
}

async function* oneChunk(data: Uint8Array): AsyncGenerator<Uint8Array> {
  yield data;
}

/** Resolves when `stream` drains, closes or fails (no listener is left behind). */
function writable(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      stream.off('error', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
    stream.on('error', done);
  });
}
