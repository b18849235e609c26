/**
 * Verification of a file archive: re-reads `files.tar.zst` from its store, checks its size and SHA-256 against the
 * manifest, decompresses it with `zstd -dc` and (a) lets GNU tar list it (`tar -t`), which must name exactly the
 * listing's entries in order, and (b) re-parses the tar stream, re-hashing every regular file, which must give back
 * the listing line for line. Memory stays bounded: the listing is streamed alongside.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { ArchiveCorruptError, ArchiveError, ArchiveObjectNotFoundError } from '../errors.js';
import type { ArchiveStore } from '../ports.js';
import type { FileArchiveManifest, FileArchiveTools } from './archiveFiles.js';
import { FILE_ARCHIVE_KEYS, listingLine, listingPath, unescapeTarName } from './fileListing.js';
import { TarStreamParser } from './TarStreamParser.js';

/** What verification found. */
export interface FileVerifyReport {
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly entries: number;
  readonly archiveBytes: number;
  readonly contentBytes: number;
}

/** Options of verifyFileArchive. */
export interface FileVerifyOptions {
  readonly tools?: FileArchiveTools;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: { bytes: number; totalBytes: number; storedBytes: number }) => void;
}

const MAX_PROBLEMS = 20;

/** True when the store holds a file archive's manifest. */
export async function isFileArchive(store: ArchiveStore, signal?: AbortSignal): Promise<boolean> {
  return (await store.head(FILE_ARCHIVE_KEYS.manifest, { signal })) !== undefined;
}

/** Reads the manifest of a file archive. */
export async function readFileManifest(store: ArchiveStore, signal?: AbortSignal): Promise<FileArchiveManifest> {
  const chunks: Buffer[] = [];
  for await (const c of await store.get(FILE_ARCHIVE_KEYS.manifest, { signal })) chunks.push(Buffer.from(c));
  try {
    const manifest = JSON.parse(Buffer.concat(chunks).toString('utf8')) as FileArchiveManifest;
    if (manifest.format !== 'vaultpilot-files/1') throw new Error(`unknown format ${manifest.format}`);
    return manifest;
  } catch (error) {
    throw new ArchiveCorruptError([`${FILE_ARCHIVE_KEYS.manifest}: ${(error as Error).message}`], { cause: error });
  }
}

/** Verifies the file archive in `store`; problems are reported, not thrown (except a missing manifest). */
export async function verifyFileArchive(
  store: ArchiveStore,
  options: FileVerifyOptions = {},
): Promise<FileVerifyReport> {
  const { signal } = options;
  const tools = { tar: 'tar', zstd: 'zstd', ...options.tools };
  const manifest = await readFileManifest(store, signal);
  const problems: string[] = [];
  const problem = (text: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push(text);
    else if (problems.length === MAX_PROBLEMS) problems.push('… (more problems not shown)');
  };

  const head = await store.head(manifest.archive.key, { signal });
  if (!head) {
    return {
      ok: false,
      problems: [`${manifest.archive.key} is missing`],
      entries: 0,
      archiveBytes: 0,
      contentBytes: 0,
    };
  }
  if (head.size !== manifest.archive.bytes) {
    problem(`${manifest.archive.key}: ${head.size} bytes, the manifest says ${manifest.archive.bytes}`);
  }

  // The listing, streamed: its hash, and its lines one at a time for the comparison.
  const listingHash = createHash('sha256');
  let listingLines: AsyncIterator<string>;
  try {
    const body = await store.get(manifest.listing.key, { signal });
    const hashed = (async function* () {
      for await (const chunk of body) {
        listingHash.update(chunk);
        yield chunk;
      }
    })();
    listingLines = createInterface({ input: Readable.from(hashed), crlfDelay: Number.POSITIVE_INFINITY })[
      Symbol.asyncIterator
    ]();
  } catch (error) {
    if (!(error instanceof ArchiveObjectNotFoundError)) throw error;
    problem(`${manifest.listing.key} is missing`);
    listingLines = (async function* () {})();
  }

  const zstd = spawn(tools.zstd, ['-q', '-dc'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const tar = spawn(tools.tar, ['-t', '--quoting-style=escape', '-f', '-'], {
    env: { ...process.env, LC_ALL: 'C.UTF-8' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const kill = () => {
    zstd.kill('SIGKILL');
    tar.kill('SIGKILL');
  };
  signal?.addEventListener('abort', kill, { once: true });
  const zstdErr = text(zstd.stderr);
  const tarErr = text(tar.stderr);
  const zstdExit = exitCode(zstd);
  const tarExit = exitCode(tar);
  zstd.stdin.on('error', () => undefined);
  tar.stdin.on('error', () => undefined);

  // Names `tar -t` prints (at each header) and the parser's entries (at each member's end, checked against the
  // listing), compared pairwise in archive order as both arrive.
  const expectedNames: string[] = [];
  const listedNames: string[] = [];
  let tarListed = 0;
  const match = () => {
    while (expectedNames.length > 0 && listedNames.length > 0) {
      const expected = expectedNames.shift()!;
      const name = listedNames.shift()!;
      if (expected !== name) problem(`tar -t lists ${name} where the listing has ${expected}`);
    }
  };
  const tarNames = (async () => {
    const lines = createInterface({ input: tar.stdout, crlfDelay: Number.POSITIVE_INFINITY });
    for await (const line of lines) {
      listedNames.push(listingPath(unescapeTarName(line)));
      tarListed++;
      match();
    }
  })();

  const archiveHash = createHash('sha256');
  let archiveBytes = 0;
  const feedZstd = (async () => {
    for await (const chunk of await store.get(manifest.archive.key, { signal })) {
      archiveHash.update(chunk);
      archiveBytes += chunk.length;
      options.onProgress?.({ bytes: archiveBytes, totalBytes: manifest.archive.bytes, storedBytes: archiveBytes });
      if (!zstd.stdin.write(chunk)) await writable(zstd.stdin);
    }
    zstd.stdin.end();
  })();

  const parser = new TarStreamParser();
  let entries = 0;
  let parseFailed = false;
  const compare = async (line: string) => {
    entries++;
    const next = await listingLines.next();
    const want = next.done ? undefined : `${next.value}\n`;
    if (want === undefined) problem(`the archive holds ${JSON.parse(line).path}, which the listing does not`);
    else if (want !== line) problem(`listing line ${entries} is ${want.trim()}, the archive gives ${line.trim()}`);
  };
  for await (const chunk of zstd.stdout as AsyncIterable<Buffer>) {
    if (!tar.stdin.destroyed && !tar.stdin.write(chunk)) {
      await writable(tar.stdin);
    }
    if (parseFailed) continue;
    try {
      for (const entry of parser.push(chunk)) {
        expectedNames.push(entry.path);
        match();
        await compare(listingLine(entry));
      }
    } catch (error) {
      if (!(error instanceof ArchiveCorruptError)) throw error;
      parseFailed = true;
      problems.push(...error.problems);
    }
  }
  tar.stdin.end();
  await feedZstd.catch((error: unknown) => {
    if (signal?.aborted) throw error;
    problem(`reading ${manifest.archive.key} failed: ${error instanceof Error ? error.message : error}`);
  });
  signal?.throwIfAborted();
  const zCode = await zstdExit;
  if (zCode !== 0) problem(`zstd -d failed (exit ${zCode}): ${(await zstdErr).trim().split('\n')[0]}`);
  await tarNames;
  const tCode = await tarExit;
  if (tCode !== 0)
    problem(`tar -t failed (exit ${tCode}): ${(await tarErr).trim().split('\n').slice(0, 3).join('; ')}`);
  signal?.removeEventListener('abort', kill);
  if (!parseFailed) {
    try {
      parser.end();
    } catch (error) {
      if (!(error instanceof ArchiveCorruptError)) throw error;
      problems.push(...error.problems);
    }
  }
  for (let rest = await listingLines.next(); !rest.done; rest = await listingLines.next()) {
    if (rest.value.trim() !== '') problem(`the listing holds ${rest.value.trim()}, which the archive does not`);
  }
  match();
  if (expectedNames.length > 0)
    problem(`tar -t does not list ${expectedNames.length} entries, first ${expectedNames[0]}`);
  if (listedNames.length > 0) problem(`tar -t lists ${listedNames[0]}, which the listing does not hold`);

  const sha = archiveHash.digest('hex');
  if (sha !== manifest.archive.sha256)
    problem(`${manifest.archive.key}: SHA-256 ${sha}, the manifest says ${manifest.archive.sha256}`);
  const listingSha = listingHash.digest('hex');
  if (listingSha !== manifest.listing.sha256) {
    problem(`${manifest.listing.key}: SHA-256 ${listingSha}, the manifest says ${manifest.listing.sha256}`);
  }
  if (entries !== manifest.counts.entries)
    problem(`the archive holds ${entries} entries, the manifest says ${manifest.counts.entries}`);
  if (tarListed !== entries && problems.length === 0)
    problem(`tar -t lists ${tarListed} entries, the archive ${entries}`);
  return { ok: problems.length === 0, problems, entries, archiveBytes, contentBytes: parser.contentBytes };
}

function text(stream: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  stream.on('data', (d) => {
    if (out.length < 16 * 1024) out += d;
  });
  return new Promise((resolve) => stream.on('close', () => resolve(out)));
}

function exitCode(child: ReturnType<typeof spawn>): Promise<number> {
  return new Promise((resolve, reject) => {
    child.on('error', (error) => reject(new ArchiveError(`${child.spawnfile} could not run: ${error.message}`)));
    child.on('close', (code, sig) => resolve(code ?? (sig ? 128 : 1)));
  });
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
