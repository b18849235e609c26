/**
 * A dump (directory or S3 prefix holding vaultpilot-dump-manifest.json) → a NEW database: every file's SHA-256 is
 * checked against the manifest first (nothing is created when one differs), the database is created (refused when
 * it exists), and loaded with the engine's own tools — PostgreSQL: each file `zstd -d` into a temporary directory,
 * then `pg_restore -j N --no-owner --no-privileges --exit-on-error`; MySQL/MariaDB: `zstd -dc | mariadb NEWDB`,
 * streamed. A failed load drops the database it created.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DatabaseUrl } from '../../core/dump/databaseUrl.js';
import {
  DUMP_MANIFEST,
  type DumpManifest,
  POSTGRES_DUMP_FOLDER,
  parseDumpManifest,
} from '../../core/dump/dumpManifest.js';
import type { ArchiveStore } from '../ports.js';
import { findTool, startChild } from './childProcesses.js';
import { connectMysql, mysqlChildEnv, mysqlConnectionArgs, quoteMysqlIdent } from './dumpMysql.js';
import { connectPostgres, postgresChildEnv, quotePgIdent } from './dumpPostgres.js';
import { DumpProgress, type DumpProgressSample } from './dumpProgress.js';
import { DumpError } from './errors.js';
import { digestStored, startDecompress } from './zstdFiles.js';

/** What to restore, where. */
export interface RestoreDumpInput {
  readonly store: ArchiveStore;
  /** The new database: its URL names it. */
  readonly target: DatabaseUrl;
  readonly password?: string;
  /** pg_restore --jobs. @default one per core */
  readonly jobs?: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly tempDirectory?: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (sample: DumpProgressSample) => void;
}

export interface RestoreDumpResult {
  readonly manifest: DumpManifest;
  readonly database: string;
  readonly compressedBytes: number;
}

/** Reads and parses the manifest of a dump; undefined when the store holds none. */
export async function readDumpManifest(store: ArchiveStore, signal?: AbortSignal): Promise<DumpManifest | undefined> {
  if (!(await store.head(DUMP_MANIFEST, signal ? { signal } : {}))) return undefined;
  const chunks: Buffer[] = [];
  for await (const c of await store.get(DUMP_MANIFEST, signal ? { signal } : {})) chunks.push(Buffer.from(c));
  try {
    return parseDumpManifest(Buffer.concat(chunks).toString('utf8'));
  } catch (error) {
    throw new DumpError(`${store.location}: ${(error as Error).message}`, 'corrupt', { cause: error });
  }
}

/** Checks every file of the manifest: present, its size and SHA-256. Throws DumpError('corrupt') naming each problem. */
export async function verifyDump(
  store: ArchiveStore,
  manifest: DumpManifest,
  signal?: AbortSignal,
  progress?: DumpProgress,
): Promise<void> {
  const problems: string[] = [];
  for (const file of manifest.files) {
    const head = await store.head(file.name, signal ? { signal } : {});
    if (!head) {
      problems.push(`${file.name}: missing`);
      continue;
    }
    const { sha256, bytes } = await digestStored(store, file.name, signal, (n) => progress?.stored(n));
    if (bytes !== file.bytes) problems.push(`${file.name}: ${bytes} bytes, the manifest says ${file.bytes}`);
    else if (sha256 !== file.sha256) problems.push(`${file.name}: SHA-256 ${sha256}, the manifest says ${file.sha256}`);
    progress?.fileDone();
  }
  if (problems.length > 0) {
    throw new DumpError(`${store.location}: the dump is corrupt, nothing restored: ${problems.join('; ')}`, 'corrupt');
  }
}

/** Verifies the dump, creates the target database and loads it. */
export async function restoreDump(input: RestoreDumpInput): Promise<RestoreDumpResult> {
  const signal = input.signal ?? new AbortController().signal;
  const { store, target } = input;
  const env = input.env ?? process.env;
  const manifest = await readDumpManifest(store, signal);
  if (!manifest) throw new DumpError(`${store.location} holds no ${DUMP_MANIFEST}: not a finished dump`, 'usage');
  const family = manifest.engine === 'postgresql' ? 'postgresql' : 'mysql';
  if (family !== target.engine) {
    throw new DumpError(
      `${store.location} is a ${manifest.engine} dump: restore it into a ${family === 'postgresql' ? 'postgres' : 'mysql'}:// URL`,
      'usage',
    );
  }
  const progress = new DumpProgress('verify', input.onProgress);
  progress.emit(true);
  // Fail before anything is created: the server reachable, the target absent, the files intact.
  const exists = family === 'postgresql' ? await postgresDatabaseExists(input) : await mysqlDatabaseExists(input);
  if (exists) {
    throw new DumpError(
      `database ${target.database} already exists on ${target.host}:${target.port}: restore into a new name, or drop it first`,
      'exists',
    );
  }
  await verifyDump(store, manifest, signal, progress);
  progress.enter('load');
  if (family === 'postgresql') await loadPostgres(input, manifest, env, signal, progress);
  else await loadMysql(input, manifest, env, signal, progress);
  progress.emit(true);
  return { manifest, database: target.database, compressedBytes: manifest.files.reduce((n, f) => n + f.bytes, 0) };
}

async function postgresDatabaseExists(input: RestoreDumpInput): Promise<boolean> {
  const client = await connectPostgres(input.target, input.password, 'postgres');
  try {
    const r = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [input.target.database]);
    return r.rowCount !== 0;
  } finally {
    await client.end().catch(() => {});
  }
}

async function mysqlDatabaseExists(input: RestoreDumpInput): Promise<boolean> {
  const c = await connectMysql(input.target, input.password);
  try {
    const [rows] = await c.query('SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [
      input.target.database,
    ]);
    return (rows as unknown[]).length > 0;
  } finally {
    await c.end().catch(() => {});
  }
}

async function loadPostgres(
  input: RestoreDumpInput,
  manifest: DumpManifest,
  baseEnv: NodeJS.ProcessEnv,
  signal: AbortSignal,
  progress: DumpProgress,
): Promise<void> {
  const { target, store } = input;
  const env = postgresChildEnv(target, input.password, baseEnv);
  const tool = await findTool(['pg_restore'], env);
  if (input.tempDirectory) await mkdir(input.tempDirectory, { recursive: true });
  const temp = await mkdtemp(join(input.tempDirectory ?? tmpdir(), 'vaultpilot-pgrestore-'));
  const admin = await connectPostgres(target, input.password, 'postgres');
  let created = false;
  try {
    const encoding =
      manifest.encoding && /^[A-Za-z0-9_]+$/.test(manifest.encoding) ? ` ENCODING '${manifest.encoding}'` : '';
    await admin.query(`CREATE DATABASE ${quotePgIdent(target.database)} TEMPLATE template0${encoding}`);
    created = true;
    const directory = join(temp, 'dump');
    await mkdir(directory);
    for (const file of manifest.files) {
      const base = file.name.slice(`${POSTGRES_DUMP_FOLDER}/`.length).replace(/\.zst$/, '');
      if (!file.name.startsWith(`${POSTGRES_DUMP_FOLDER}/`) || !/^[A-Za-z0-9_.-]+$/.test(base)) {
        throw new DumpError(`${DUMP_MANIFEST}: unexpected file ${file.name}`, 'corrupt');
      }
      const z = await startDecompress(store, file.name, { env, signal, output: join(directory, base) });
      await z.exited;
      progress.stored(file.bytes);
      progress.read(file.uncompressedBytes);
      progress.fileDone();
    }
    const args = [
      `--jobs=${input.jobs ?? availableParallelism()}`,
      '--no-owner',
      '--no-privileges',
      '--exit-on-error',
      '--no-password',
      `--host=${target.host}`,
      `--port=${target.port}`,
      `--username=${target.user}`,
      `--dbname=${target.database}`,
      directory,
    ];
    await startChild(tool.name, args, { env, signal, stdout: 'ignore' }).exited;
  } catch (error) {
    if (created) {
      await admin.query(`DROP DATABASE IF EXISTS ${quotePgIdent(target.database)} WITH (FORCE)`).catch(() => {});
    }
    throw signal.aborted ? signal.reason : error;
  } finally {
    await admin.end().catch(() => {});
    await rm(temp, { recursive: true, force: true });
  }
}

async function loadMysql(
  input: RestoreDumpInput,
  manifest: DumpManifest,
  baseEnv: NodeJS.ProcessEnv,
  signal: AbortSignal,
  progress: DumpProgress,
): Promise<void> {
  const { target, store } = input;
  const env = mysqlChildEnv(input.password, baseEnv);
  const tool = await findTool(['mariadb', 'mysql'], env);
  const admin = await connectMysql(target, input.password);
  let created = false;
  try {
    const charset = manifest.encoding && /^\w+$/.test(manifest.encoding) ? ` CHARACTER SET ${manifest.encoding}` : '';
    const collation = manifest.collation && /^\w+$/.test(manifest.collation) ? ` COLLATE ${manifest.collation}` : '';
    await admin.query(`CREATE DATABASE ${quoteMysqlIdent(target.database)}${charset}${collation}`);
    created = true;
    for (const file of manifest.files) {
      const z = await startDecompress(store, file.name, { env, signal });
      const client = startChild(
        tool.name,
        [...mysqlConnectionArgs(target), '--default-character-set=utf8mb4', '--batch', target.database],
        { env, signal, stdin: 'pipe', stdout: 'ignore' },
      );
      const feeding = pipeline(
        z.child.stdout!,
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            progress.read(chunk.length);
            yield chunk;
          }
        },
        client.child.stdin as Writable,
      );
      await Promise.all([z.exited, client.exited, feeding]).catch((error: unknown) => {
        z.child.kill('SIGTERM');
        client.child.kill('SIGTERM');
        throw error;
      });
      progress.stored(file.bytes);
      progress.fileDone();
    }
  } catch (error) {
    if (created) await admin.query(`DROP DATABASE IF EXISTS ${quoteMysqlIdent(target.database)}`).catch(() => {});
    throw signal.aborted ? signal.reason : error;
  } finally {
    await admin.end().catch(() => {});
  }
}
