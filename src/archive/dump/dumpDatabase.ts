/**
 * A native dump of one database into an ArchiveStore (a directory or an S3 prefix), with its manifest
 * (`vaultpilot-dump-manifest.json`) written last: a failed or interrupted dump leaves no manifest, and removes the
 * files it had stored. docs/dumps.md.
 */
import { availableParallelism } from 'node:os';
import type { DatabaseUrl } from '../../core/dump/databaseUrl.js';
import { DUMP_MANIFEST, type DumpManifest } from '../../core/dump/dumpManifest.js';
import type { ArchiveStore } from '../ports.js';
import { dumpMysql } from './dumpMysql.js';
import { dumpPostgres } from './dumpPostgres.js';
import { DumpProgress, type DumpProgressSample } from './dumpProgress.js';
import { DumpError } from './errors.js';

/** What to dump, where, how. */
export interface DumpDatabaseInput {
  readonly url: DatabaseUrl;
  /** The password (from the URL, PGPASSWORD / MYSQL_PWD, a secret); passed to the tools through their environment. */
  readonly password?: string;
  readonly store: ArchiveStore;
  /** pg_dump --jobs (PostgreSQL only). @default one per core */
  readonly jobs?: number;
  /** zstd level. @default 3 */
  readonly level?: number;
  /** zstd threads per file. @default one per core */
  readonly threads?: number;
  /** Count rows per table for the manifest. @default true */
  readonly rowCounts?: boolean;
  /** The environment of the tools (PATH, …). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Where pg_dump's directory lives while its files are compressed. @default os.tmpdir() */
  readonly tempDirectory?: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (sample: DumpProgressSample) => void;
}

/** What a dump produced. */
export interface DumpDatabaseResult {
  readonly manifest: DumpManifest;
  readonly uncompressedBytes: number;
  readonly compressedBytes: number;
}

/** Dumps one database; the manifest is the last object written. */
export async function dumpDatabase(input: DumpDatabaseInput): Promise<DumpDatabaseResult> {
  const signal = input.signal ?? new AbortController().signal;
  signal.throwIfAborted();
  const store = input.store;
  if (await store.head(DUMP_MANIFEST, { signal })) {
    throw new DumpError(
      `${store.location} already holds a dump (${DUMP_MANIFEST}): choose another destination`,
      'usage',
    );
  }
  const progress = new DumpProgress('dump', input.onProgress);
  const startedAt = new Date().toISOString();
  const common = {
    url: input.url,
    ...(input.password === undefined ? {} : { password: input.password }),
    store,
    level: input.level ?? 3,
    threads: input.threads ?? availableParallelism(),
    rowCounts: input.rowCounts ?? true,
    env: input.env ?? process.env,
    signal,
    progress,
  };
  const part =
    input.url.engine === 'postgresql'
      ? await dumpPostgres({
          ...common,
          jobs: input.jobs ?? availableParallelism(),
          ...(input.tempDirectory ? { tempDirectory: input.tempDirectory } : {}),
        })
      : await dumpMysql(common);
  const manifest: DumpManifest = {
    format: 'vaultpilot-dump',
    version: 1,
    ...part,
    startedAt,
    finishedAt: new Date().toISOString(),
  };
  try {
    signal.throwIfAborted();
    const text = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
    await store.put(
      DUMP_MANIFEST,
      (async function* () {
        yield text;
      })(),
      { signal },
    );
  } catch (error) {
    await Promise.all(manifest.files.map((f) => store.delete(f.name).catch(() => {})));
    throw error;
  }
  progress.emit(true);
  return {
    manifest,
    uncompressedBytes: manifest.files.reduce((n, f) => n + f.uncompressedBytes, 0),
    compressedBytes: manifest.files.reduce((n, f) => n + f.bytes, 0),
  };
}
