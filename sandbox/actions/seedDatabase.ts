/**
 * Seeded databases on the machine's PostgreSQL (127.0.0.1:5432, user root, trust) and MariaDB (127.0.0.1:3306,
 * root without password) servers, so that local exports are backed by real data: the integration tests and
 * `vaultpilot demo` use them. Each seed says how many rows each table holds, and drops its database again.
 */
import mysql from 'mysql2/promise';
import pg from 'pg';

export const POSTGRES_SERVER = { host: '127.0.0.1', port: 5432, user: 'root' } as const;
export const MARIADB_SERVER = { host: '127.0.0.1', port: 3306, user: 'root', password: '' } as const;

export interface SeededDatabase {
  readonly name: string;
  /** Rows per table, keyed `schema.table` (PostgreSQL) or `table` (MariaDB, whose schema is the database). */
  readonly rows: Readonly<Record<string, number>>;
  drop(): Promise<void>;
}

export interface PostgresSeedOptions {
  /** Rows in `public.orders`. @default 500 */
  readonly orders?: number;
  /** Rows in `public.customers`. @default 50 */
  readonly customers?: number;
  /** Rows in `audit.events`. @default 20 */
  readonly auditEvents?: number;
}

export interface MariaDbSeedOptions {
  /** Rows in `products`. @default 200 */
  readonly products?: number;
  /** Warehouses each product is stocked in (`stock` rows = products × warehouses); 0 gives the 3 fixed rows. @default 0 */
  readonly warehouses?: number;
}

const NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const FIRST = ['Ada', 'Grace', 'Linus', 'Margaret', 'Ken', 'Barbara', 'Dennis', 'Frances', 'Edsger', 'Radia'];
const LAST = ['Lovelace', 'Hopper', 'Torvalds', 'Hamilton', 'Thompson', 'Liskov', 'Ritchie', 'Allen', 'Dijkstra'];
const WAREHOUSES = ['north', 'south', 'east', 'west', 'central'];

function checkName(name: string): void {
  if (!NAME.test(name)) throw new Error(`database name must match ${NAME}: ${name}`);
}

/** Whether PostgreSQL answers; the error's message when it does not. */
export async function postgresReachable(): Promise<true | string> {
  const c = new pg.Client({ ...POSTGRES_SERVER, database: 'postgres', connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return true;
  } catch (error) {
    return (error as Error).message || String(error);
  } finally {
    await c.end().catch(() => {});
  }
}

/** Whether MariaDB (or MySQL) answers; the error's message when it does not. */
export async function mariaDbReachable(): Promise<true | string> {
  try {
    const c = await mysql.createConnection({ ...MARIADB_SERVER, connectTimeout: 2000 });
    await c.query('SELECT 1');
    await c.end();
    return true;
  } catch (error) {
    return (error as Error).message || String(error);
  }
}

/** Drops a PostgreSQL database if it exists (closing its connections). */
export async function dropPostgres(name: string): Promise<void> {
  checkName(name);
  const c = new pg.Client({ ...POSTGRES_SERVER, database: 'postgres' });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await c.end();
  }
}

/** Drops a MariaDB database if it exists. */
export async function dropMariaDb(name: string): Promise<void> {
  checkName(name);
  const c = await mysql.createConnection(MARIADB_SERVER);
  try {
    await c.query(`DROP DATABASE IF EXISTS ${name}`);
  } finally {
    await c.end();
  }
}

/**
 * A new PostgreSQL database with two schemas and 3 tables: `public.customers`, `public.orders` (numeric,
 * timestamp and nullable text columns) and `audit.events` (jsonb). `options` may be the number of orders.
 */
export async function seedPostgres(name: string, options: number | PostgresSeedOptions = {}): Promise<SeededDatabase> {
  checkName(name);
  const o = typeof options === 'number' ? { orders: options } : options;
  const orders = o.orders ?? 500;
  const customers = o.customers ?? 50;
  const auditEvents = o.auditEvents ?? 20;
  const admin = new pg.Client({ ...POSTGRES_SERVER, database: 'postgres' });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const db = new pg.Client({ ...POSTGRES_SERVER, database: name });
  await db.connect();
  try {
    const first = `(ARRAY['${FIRST.join("','")}'])[1 + i % ${FIRST.length}]`;
    const last = `(ARRAY['${LAST.join("','")}'])[1 + (i / ${FIRST.length})::int % ${LAST.length}]`;
    await db.query(`CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, email text, vip boolean)`);
    await db.query(
      `INSERT INTO customers SELECT i, ${first} || ' ' || ${last}, lower(${first}) || '.' || i || '@example.com', i % 7 = 0
         FROM generate_series(1, ${customers}) i`,
    );
    await db.query(
      `CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int, total numeric(12,2), placed_at timestamp, note text)`,
    );
    await db.query(
      `INSERT INTO orders SELECT i, 1 + i % ${customers}, (i * 3.17)::numeric(12,2) % 1000, timestamp '2026-11-01' + i * interval '1 minute',
         CASE WHEN i % 10 = 0 THEN NULL ELSE 'order ' || i END FROM generate_series(1, ${orders}) i`,
    );
    await db.query(`CREATE SCHEMA audit`);
    await db.query(`CREATE TABLE audit.events (id serial PRIMARY KEY, kind text, payload jsonb)`);
    await db.query(
      `INSERT INTO audit.events (kind, payload)
         SELECT (ARRAY['login','logout','refund'])[1 + i % 3], jsonb_build_object('n', i, 'customer', 1 + i % ${customers})
         FROM generate_series(1, ${auditEvents}) i`,
    );
  } finally {
    await db.end();
  }
  return {
    name,
    rows: { 'public.customers': customers, 'public.orders': orders, 'audit.events': auditEvents },
    drop: () => dropPostgres(name),
  };
}

/** A new MariaDB database with 2 tables: `products` and `stock` (with a NULL quantity). */
export async function seedMariaDb(name: string, options: number | MariaDbSeedOptions = {}): Promise<SeededDatabase> {
  checkName(name);
  const o = typeof options === 'number' ? { products: options } : options;
  const products = o.products ?? 200;
  const warehouses = Math.min(o.warehouses ?? 0, WAREHOUSES.length);
  const c = await mysql.createConnection(MARIADB_SERVER);
  let stockRows = 3;
  try {
    await c.query(`DROP DATABASE IF EXISTS ${name}`);
    await c.query(`CREATE DATABASE ${name}`);
    await c.query(`CREATE TABLE ${name}.products (id int PRIMARY KEY, title varchar(100), price decimal(10,2))`);
    for (let start = 0; start < products; start += 1000) {
      const values = Array.from(
        { length: Math.min(1000, products - start) },
        (_, k) => `(${start + k + 1}, 'product ${start + k + 1}', ${((start + k + 1) * 1.5).toFixed(2)})`,
      ).join(',');
      await c.query(`INSERT INTO ${name}.products VALUES ${values}`);
    }
    await c.query(`CREATE TABLE ${name}.stock (product_id int, warehouse varchar(20), quantity int)`);
    if (warehouses === 0) {
      await c.query(`INSERT INTO ${name}.stock VALUES (1, 'north', 5), (2, 'south', 0), (3, 'north', NULL)`);
    } else {
      stockRows = 0;
      const rows: string[] = [];
      for (let p = 1; p <= products; p++) {
        for (let w = 0; w < warehouses; w++) {
          rows.push(`(${p}, '${WAREHOUSES[w]}', ${(p * 7 + w * 3) % 11 === 0 ? 'NULL' : (p * 13 + w * 5) % 40})`);
        }
      }
      for (let start = 0; start < rows.length; start += 1000) {
        await c.query(`INSERT INTO ${name}.stock VALUES ${rows.slice(start, start + 1000).join(',')}`);
      }
      stockRows = rows.length;
    }
  } finally {
    await c.end();
  }
  return { name, rows: { products, stock: stockRows }, drop: () => dropMariaDb(name) };
}
