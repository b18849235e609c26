/**
 * Test databases for the dump tests: a PostgreSQL one and a MariaDB one with varied types and objects, table-by-
 * table content of a database for exact comparison, and the engines' own restore procedure of docs/dumps.md.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { MARIADB_SERVER, POSTGRES_SERVER } from '../../../sandbox/actions/seedDatabase.js';

export const root = resolve(__dirname, '../../..');
export const PG_URL = (db: string) =>
  `postgres://${POSTGRES_SERVER.user}@${POSTGRES_SERVER.host}:${POSTGRES_SERVER.port}/${db}`;
export const MY_URL = (db: string) =>
  `mysql://${MARIADB_SERVER.user}@${MARIADB_SERVER.host}:${MARIADB_SERVER.port}/${db}`;

export async function pgQuery<T extends pg.QueryResultRow = Record<string, unknown>>(
  db: string,
  sql: string,
  params: unknown[] = [],
) {
  const c = new pg.Client({ ...POSTGRES_SERVER, database: db });
  await c.connect();
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

export async function myConnect(db?: string) {
  return mysql.createConnection({
    ...MARIADB_SERVER,
    ...(db ? { database: db } : {}),
    dateStrings: true,
    multipleStatements: false,
  });
}

export async function dropPg(db: string): Promise<void> {
  await pgQuery('postgres', `DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
}

export async function dropMy(db: string): Promise<void> {
  const c = await myConnect();
  await c.query(`DROP DATABASE IF EXISTS \`${db}\``);
  await c.end();
}

/** A PostgreSQL database with most types, an enum, a view, a function, a sequence, an index and a second schema. */
export async function seedVariedPostgres(db: string): Promise<void> {
  await dropPg(db);
  await pgQuery('postgres', `CREATE DATABASE "${db}" TEMPLATE template0 ENCODING 'UTF8'`);
  const statements = [
    'CREATE SCHEMA billing',
    "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')",
    'CREATE SEQUENCE ticket_seq START 1000',
    `CREATE TABLE things (
       id int PRIMARY KEY, big bigint, amount numeric(40, 20), label text, raw bytea, flag boolean,
       at timestamptz, day date, doc json, docb jsonb, tags text[], nums int[], uid uuid, feeling mood,
       ticket bigint NOT NULL DEFAULT nextval('ticket_seq'))`,
    `INSERT INTO things (id, big, amount, label, raw, flag, at, day, doc, docb, tags, nums, uid, feeling)
     SELECT g, 9007199254740993 * (g % 7) - 3, (g * 12345.678901234567890123)::numeric(40, 20),
            CASE g % 5 WHEN 0 THEN 'Zürich 😀 — 日本 ' || g WHEN 1 THEN E'tab\\there\\nnew line \\\\ back' || g
                       WHEN 2 THEN NULL WHEN 3 THEN repeat('x', g) ELSE 'plain ' || g END,
            decode(md5(g::text) || '00ff10', 'hex'), g % 3 = 0,
            timestamptz '2024-02-29 23:59:59.123456+02' + g * interval '1 hour 7 seconds', date '1999-12-31' + g,
            json_build_object('n', g, 's', 'ü' || g, 'a', json_build_array(g, null, true)),
            jsonb_build_object('k', g, 'nested', jsonb_build_object('x', g * 1.5)),
            ARRAY['a' || g, 'b,"q"', NULL], ARRAY[g, -g, 0], md5(g::text)::uuid,
            (ARRAY['sad', 'ok', 'happy'])[1 + g % 3]::mood
       FROM generate_series(1, 700) g`,
    'CREATE INDEX things_label_idx ON things (label)',
    "CREATE VIEW happy_things AS SELECT id, label FROM things WHERE feeling = 'happy'",
    'CREATE FUNCTION add_tax(numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$ SELECT $1 * 1.2 $$',
    'CREATE TABLE billing.invoices (id serial PRIMARY KEY, thing_id int REFERENCES things (id), total numeric(12, 2), note text)',
    "INSERT INTO billing.invoices (thing_id, total, note) SELECT g, g * 3.33, 'invoice ' || g FROM generate_series(1, 120) g",
    "SELECT nextval('ticket_seq') FROM generate_series(1, 5)",
    'CREATE TABLE billing.empty_table (id int)',
  ];
  const c = new pg.Client({ ...POSTGRES_SERVER, database: db });
  await c.connect();
  try {
    for (const s of statements) await c.query(s);
  } finally {
    await c.end();
  }
}

/** Every table's rows as text, ordered, plus sequences: equal for equal contents. */
export async function postgresContents(db: string): Promise<Record<string, string>> {
  const tables = await pgQuery<{ s: string; t: string }>(
    db,
    `SELECT table_schema AS s, table_name AS t FROM information_schema.tables
      WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2`,
  );
  const out: Record<string, string> = {};
  for (const { s, t } of tables) {
    const [row] = await pgQuery<{ d: string | null }>(
      db,
      `SELECT string_agg(x::text, E'\\n' ORDER BY x::text) AS d FROM "${s}"."${t}" x`,
    );
    out[`${s}.${t}`] = row?.d ?? '';
  }
  for (const { s, q } of await pgQuery<{ s: string; q: string }>(
    db,
    `SELECT schemaname AS s, sequencename AS q FROM pg_sequences ORDER BY 1, 2`,
  )) {
    const [row] = await pgQuery<{ v: string }>(
      db,
      `SELECT last_value::text || '/' || is_called AS v FROM "${s}"."${q}"`,
    );
    out[`sequence ${s}.${q}`] = row?.v ?? '';
  }
  return out;
}

/** The non-table objects of the PostgreSQL seed, used through the restored database. */
export async function postgresObjects(db: string) {
  const [view] = await pgQuery<{ n: string }>(db, 'SELECT count(*)::text AS n FROM happy_things');
  const [fn] = await pgQuery<{ v: string }>(db, 'SELECT add_tax(10)::text AS v');
  const [idx] = await pgQuery<{ n: string }>(
    db,
    "SELECT count(*)::text AS n FROM pg_indexes WHERE indexname = 'things_label_idx'",
  );
  const [en] = await pgQuery<{ v: string }>(
    db,
    "SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder) AS v FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid WHERE t.typname = 'mood'",
  );
  const [next] = await pgQuery<{ v: string }>(
    db,
    "SELECT column_default AS v FROM information_schema.columns WHERE table_name = 'things' AND column_name = 'ticket'",
  );
  return { view: view?.n, fn: fn?.v, index: idx?.n, enum: en?.v, ticketDefault: next?.v };
}

/** A MariaDB database with int, decimal, utf8mb4 text, blob, datetime, json, enum, a view, a trigger, a procedure. */
export async function seedVariedMariaDb(db: string): Promise<void> {
  await dropMy(db);
  const c = await myConnect();
  try {
    await c.query(`CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await c.query(`USE \`${db}\``);
    await c.query(`CREATE TABLE items (
      id INT PRIMARY KEY, price DECIMAL(30, 10), name VARCHAR(100) CHARACTER SET utf8mb4, data BLOB, made DATETIME(6),
      meta JSON, size ENUM('S', 'M', 'L'), big BIGINT UNSIGNED)`);
    await c.query('CREATE TABLE audit (id INT AUTO_INCREMENT PRIMARY KEY, item_id INT, note VARCHAR(50))');
    await c.query(
      "CREATE TRIGGER items_ai AFTER INSERT ON items FOR EACH ROW INSERT INTO audit (item_id, note) VALUES (NEW.id, 'inserted')",
    );
    await c.query('CREATE PROCEDURE count_items(OUT n INT) BEGIN SELECT COUNT(*) INTO n FROM items; END');
    await c.query("CREATE VIEW large_items AS SELECT id, name FROM items WHERE size = 'L'");
    const rows: unknown[][] = [];
    for (let i = 1; i <= 400; i++) {
      const data = Buffer.alloc(1 + (i % 50));
      for (let j = 0; j < data.length; j++) data[j] = (i * 31 + j * 7) % 256;
      rows.push([
        i,
        `${i * 1234567}.${String(i).padStart(10, '0')}`,
        i % 4 === 0 ? `Kraków 😀🎉 ${i} ‘quotes’ \\ back` : i % 4 === 1 ? null : `item ${i}`,
        i % 9 === 0 ? null : data,
        `2023-0${1 + (i % 9)}-1${i % 10} 12:34:56.${String(i).padStart(6, '0')}`,
        JSON.stringify({ i, tags: ['a', 'ü'], nested: { ok: i % 2 === 0 } }),
        ['S', 'M', 'L'][i % 3],
        `${18446744073709551615n - BigInt(i)}`,
      ]);
    }
    await c.query('INSERT INTO items VALUES ?', [rows]);
  } finally {
    await c.end();
  }
}

/** Every table's rows, ordered, as JSON (blobs as hex). */
export async function mariaDbContents(db: string): Promise<Record<string, string>> {
  const c = await myConnect(db);
  try {
    const [tables] = await c.query(
      "SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY 1",
      [db],
    );
    const out: Record<string, string> = {};
    for (const { t } of tables as { t: string }[]) {
      const [rows] = await c.query({
        sql: `SELECT * FROM \`${t}\` ORDER BY 1`,
        supportBigNumbers: true,
        bigNumberStrings: true,
      });
      out[t] = JSON.stringify(rows, (_k, v) => (v?.type === 'Buffer' ? Buffer.from(v.data).toString('hex') : v));
    }
    return out;
  } finally {
    await c.end();
  }
}

/** The MariaDB seed's view, trigger and procedure in `db`. */
export async function mariaDbObjects(db: string) {
  const c = await myConnect(db);
  try {
    const names = async (sql: string) => ((await c.query(sql, [db]))[0] as { n: string }[]).map((r) => r.n).join(',');
    return {
      views: await names('SELECT TABLE_NAME AS n FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? ORDER BY 1'),
      triggers: await names(
        'SELECT TRIGGER_NAME AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? ORDER BY 1',
      ),
      routines: await names(
        'SELECT ROUTINE_NAME AS n FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? ORDER BY 1',
      ),
    };
  } finally {
    await c.end();
  }
}

/** The shell block after `<!-- marker -->` in docs/dumps.md. */
export function docsBlock(marker: string): string {
  const text = readFileSync(join(root, 'docs/dumps.md'), 'utf8');
  const at = text.indexOf(`<!-- ${marker} -->`);
  if (at < 0) throw new Error(`docs/dumps.md has no <!-- ${marker} -->`);
  const match = /```sh\n([\s\S]*?)```/.exec(text.slice(at));
  if (!match?.[1]) throw new Error(`no sh block after ${marker}`);
  return match[1];
}

/** Runs a docs block with bash -euo pipefail and the given variables. */
export function runDocsBlock(marker: string, vars: Record<string, string>): { code: number | null; output: string } {
  const r = spawnSync('bash', ['-euo', 'pipefail', '-c', docsBlock(marker)], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...vars },
    encoding: 'utf8',
  });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}
