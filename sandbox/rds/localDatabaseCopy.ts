/**
 * What a "restored DB instance" of the RDS stand-in is locally: a copy of the snapshot's source database, made on the
 * SAME local server under a new name, and dropped again when the instance is deleted.
 *
 * PostgreSQL: `CREATE DATABASE "<copy>" TEMPLATE "<source>"` — an exact, file-level copy (schemas, roles' grants,
 * extensions, sequences at their values). PostgreSQL refuses it while any other session is connected to the source
 * (SQLSTATE 55006, e.g. a running export or test reading it); rather than terminating those sessions, the copy then
 * falls back to `pg_dump <source> | psql <copy>` into a fresh, empty database.
 * MySQL/MariaDB: `CREATE DATABASE` with the source's character set and collation, then
 * `mariadb-dump --single-transaction --routines --triggers --events <source> | mariadb <copy>` (a consistent,
 * faithful copy incl. views, routines, triggers, AUTO_INCREMENT counters).
 */
import { spawn } from 'node:child_process';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { StandInDatabase } from './exportSource.js';

const quotePg = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const quoteMy = (name: string): string => `\`${name.replace(/`/g, '``')}\``;

/** Copies `source.database` into a new database `target` on the same server. Fails if `target` exists. */
export async function copyLocalDatabase(source: StandInDatabase, target: string): Promise<void> {
  if (source.engine === 'postgres') await copyPostgres(source, target);
  else await copyMysql(source, target);
}

/** Drops database `name` on the server of `server` if it exists (PostgreSQL: closing its sessions first). */
export async function dropLocalDatabase(server: StandInDatabase, name: string): Promise<void> {
  if (server.engine === 'postgres') {
    const admin = pgAdmin(server);
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${quotePg(name)} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  } else {
    const admin = await mysqlAdmin(server);
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${quoteMy(name)}`);
    } finally {
      await admin.end();
    }
  }
}

/** Whether database `name` exists on the server of `server`. */
export async function localDatabaseExists(server: StandInDatabase, name: string): Promise<boolean> {
  if (server.engine === 'postgres') {
    const admin = pgAdmin(server);
    await admin.connect();
    try {
      const r = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      return r.rowCount === 1;
    } finally {
      await admin.end();
    }
  }
  const admin = await mysqlAdmin(server);
  try {
    const [rows] = await admin.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = ?', [name]);
    return (rows as unknown[]).length === 1;
  } finally {
    await admin.end();
  }
}

function pgAdmin(server: StandInDatabase): pg.Client {
  return new pg.Client({
    host: server.host,
    port: server.port,
    user: server.user,
    database: 'postgres',
    ...(server.password === undefined ? {} : { password: server.password }),
  });
}

function mysqlAdmin(server: StandInDatabase): Promise<mysql.Connection> {
  return mysql.createConnection({
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password ?? '',
  });
}

async function copyPostgres(source: StandInDatabase, target: string): Promise<void> {
  const admin = pgAdmin(source);
  await admin.connect();
  try {
    // PostgreSQL waits ~5 s for other sessions to leave the template before failing: do not try when there are.
    const others = await admin.query<{ n: string }>(
      'SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [source.database],
    );
    if (Number(others.rows[0]?.n ?? 0) === 0) {
      try {
        await admin.query(`CREATE DATABASE ${quotePg(target)} TEMPLATE ${quotePg(source.database)}`);
        return;
      } catch (error) {
        // 55006 object_in_use: a session connected to the source meanwhile. Anything else is a real failure.
        if ((error as { code?: string }).code !== '55006') throw error;
      }
    }
    await admin.query(`CREATE DATABASE ${quotePg(target)}`);
  } finally {
    await admin.end();
  }
  try {
    const env = { ...process.env, ...(source.password === undefined ? {} : { PGPASSWORD: source.password }) };
    const conn = ['-h', source.host, '-p', String(source.port), '-U', source.user];
    await pipe(
      ['pg_dump', [...conn, '--no-password', '-d', source.database]],
      ['psql', [...conn, '--no-password', '-q', '-v', 'ON_ERROR_STOP=1', '-d', target]],
      env,
    );
  } catch (error) {
    await dropLocalDatabase(source, target).catch(() => undefined);
    throw error;
  }
}

async function copyMysql(source: StandInDatabase, target: string): Promise<void> {
  const admin = await mysqlAdmin(source);
  try {
    const [rows] = await admin.query(
      'SELECT default_character_set_name AS cs, default_collation_name AS co FROM information_schema.schemata WHERE schema_name = ?',
      [source.database],
    );
    const found = (rows as { cs: string; co: string }[])[0];
    if (!found) throw new Error(`The source database ${source.database} does not exist.`);
    await admin.query(`CREATE DATABASE ${quoteMy(target)} CHARACTER SET ${found.cs} COLLATE ${found.co}`);
  } finally {
    await admin.end();
  }
  try {
    const env = { ...process.env, MYSQL_PWD: source.password ?? '' };
    const conn = ['-h', source.host, '-P', String(source.port), '-u', source.user];
    await pipe(
      [
        'mariadb-dump',
        [
          ...conn,
          '--single-transaction',
          '--routines',
          '--triggers',
          '--events',
          '--skip-lock-tables',
          source.database,
        ],
      ],
      ['mariadb', [...conn, target]],
      env,
    );
  } catch (error) {
    await dropLocalDatabase(source, target).catch(() => undefined);
    throw error;
  }
}

/** Runs `producer | consumer`; rejects with either side's stderr when one exits non-zero. */
function pipe(producer: [string, string[]], consumer: [string, string[]], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const from = spawn(producer[0], producer[1], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const to = spawn(consumer[0], consumer[1], { env, stdio: ['pipe', 'ignore', 'pipe'] });
    const errors: Record<string, string> = { [producer[0]]: '', [consumer[0]]: '' };
    from.stderr.on('data', (d: Buffer) => (errors[producer[0]] += d.toString()));
    to.stderr.on('data', (d: Buffer) => (errors[consumer[0]] += d.toString()));
    from.stdout.pipe(to.stdin);
    to.stdin.on('error', () => undefined); // EPIPE when the consumer dies first; its exit code reports it
    let pending = 2;
    const failures: string[] = [];
    const exited = (name: string) => (code: number | null, signal: NodeJS.Signals | null) => {
      if (code !== 0) failures.push(`${name} exited ${code ?? signal}: ${errors[name]!.trim().slice(0, 2000)}`);
      if (--pending === 0) {
        if (failures.length === 0) resolve();
        else reject(new Error(failures.join('; ')));
      }
    };
    from.on('error', reject);
    to.on('error', reject);
    from.on('close', exited(producer[0]));
    to.on('close', exited(consumer[0]));
  });
}
