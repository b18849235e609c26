/**
 * A MySQL or MariaDB database → `dump.sql.zst`: `mariadb-dump` (else `mysqldump`) with --single-transaction
 * --routines --triggers --events --hex-blob --default-character-set=utf8mb4, its standard output piped through
 * `zstd -T<n>` straight into the store (no local copy). The dump's own consistent snapshot is not shareable, so the
 * per-table row counts are taken in a consistent snapshot of our own just before the dump starts: `approximate`,
 * exact when nothing writes in between.
 */
import mysql from 'mysql2/promise';
import type { DatabaseUrl } from '../../core/dump/databaseUrl.js';
import { type DumpManifest, MYSQL_DUMP_FILE } from '../../core/dump/dumpManifest.js';
import type { ArchiveStore } from '../ports.js';
import { findTool, startChild } from './childProcesses.js';
import type { DumpProgress } from './dumpProgress.js';
import { DumpError } from './errors.js';
import { putCompressed } from './zstdFiles.js';

/** What a MySQL/MariaDB dump needs. */
export interface MysqlDumpInput {
  readonly url: DatabaseUrl;
  readonly password?: string;
  readonly store: ArchiveStore;
  readonly level: number;
  readonly threads: number;
  readonly rowCounts: boolean;
  readonly env: NodeJS.ProcessEnv;
  readonly signal: AbortSignal;
  readonly progress: DumpProgress;
}

/** Environment of the MySQL/MariaDB tools: the password through MYSQL_PWD, never an argument. */
export function mysqlChildEnv(password: string | undefined, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  if (password !== undefined) out.MYSQL_PWD = password;
  return out;
}

/** The connection arguments of the mariadb / mariadb-dump / mysql tools. */
export function mysqlConnectionArgs(url: DatabaseUrl): string[] {
  return [`--host=${url.host}`, `--port=${url.port}`, `--user=${url.user}`, '--protocol=TCP'];
}

/** Connects with mysql2; a refused connection becomes a DumpError that says where and why. */
export async function connectMysql(url: DatabaseUrl, password: string | undefined, database?: string) {
  try {
    return await mysql.createConnection({
      host: url.host,
      port: url.port,
      user: url.user,
      password: password ?? '',
      ...(database ? { database } : {}),
      connectTimeout: 10_000,
      supportBigNumbers: true,
      bigNumberStrings: true,
    });
  } catch (error) {
    const message = (error as Error).message || String((error as { code?: string }).code ?? error);
    throw new DumpError(
      `cannot connect to MySQL/MariaDB ${url.host}:${url.port}${database ? `/${database}` : ''} as ${url.user}: ${message}`,
      'failed',
      { cause: error },
    );
  }
}

export function quoteMysqlIdent(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}

/** Dumps the database; returns the manifest's engine-specific part. */
export async function dumpMysql(
  input: MysqlDumpInput,
): Promise<Omit<DumpManifest, 'format' | 'version' | 'startedAt' | 'finishedAt'>> {
  const { url, store, signal } = input;
  const env = mysqlChildEnv(input.password, input.env);
  const tool = await findTool(['mariadb-dump', 'mysqldump'], env);
  const connection = await connectMysql(url, input.password, url.database);
  let serverVersion: string;
  let charset: string | undefined;
  let collation: string | undefined;
  const tables: Record<string, number> = {};
  try {
    const [versionRows] = await connection.query('SELECT VERSION() AS v');
    serverVersion = String((versionRows as { v: string }[])[0]?.v ?? '');
    const [schemaRows] = await connection.query(
      'SELECT DEFAULT_CHARACTER_SET_NAME AS c, DEFAULT_COLLATION_NAME AS o FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
      [url.database],
    );
    const schema = (schemaRows as { c: string; o: string }[])[0];
    charset = schema?.c;
    collation = schema?.o;
    if (input.rowCounts) {
      await connection.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
      const [tableRows] = await connection.query(
        "SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY 1",
        [url.database],
      );
      for (const { t } of tableRows as { t: string }[]) {
        const [count] = await connection.query(`SELECT COUNT(*) AS n FROM ${quoteMysqlIdent(t)}`);
        tables[t] = Number((count as { n: string }[])[0]?.n ?? 0);
      }
      await connection.query('COMMIT');
    }
  } finally {
    await connection.end().catch(() => {});
  }
  const args = [
    ...mysqlConnectionArgs(url),
    '--single-transaction',
    '--routines',
    '--triggers',
    '--events',
    '--hex-blob',
    '--default-character-set=utf8mb4',
    '--no-tablespaces',
    url.database,
  ];
  const dump = startChild(tool.name, args, { env, signal });
  const file = await putCompressed(
    store,
    MYSQL_DUMP_FILE,
    { stream: dump.child.stdout! },
    {
      level: input.level,
      threads: input.threads,
      env: input.env,
      signal,
      onStored: (n) => input.progress.stored(n),
      onRead: (n) => input.progress.read(n),
    },
    [dump.exited],
  ).catch((error: unknown) => {
    dump.child.kill('SIGTERM');
    throw signal.aborted ? signal.reason : error;
  });
  const engine = /mariadb/i.test(serverVersion) ? 'mariadb' : 'mysql';
  return {
    engine,
    layout: 'sql',
    compression: 'zstd',
    serverVersion,
    source: { host: url.host, port: url.port, user: url.user, database: url.database },
    ...(charset ? { encoding: charset } : {}),
    ...(collation ? { collation } : {}),
    tool: { name: tool.name, version: tool.version, arguments: args },
    files: [file],
    rowCounts: { mode: input.rowCounts ? 'approximate' : 'none', tables },
  };
}
