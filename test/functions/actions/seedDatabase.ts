/** Seeded databases on the machine's PostgreSQL and MariaDB servers, for exports backed by real data. */
import mysql from 'mysql2/promise';
import pg from 'pg';

export interface SeededDatabase {
  readonly name: string;
  drop(): Promise<void>;
}

/** A new PostgreSQL database with two schemas, 3 tables and `rows` rows in `public.orders`. */
export async function seedPostgres(name: string, rows = 500): Promise<SeededDatabase> {
  const admin = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'root', database: 'postgres' });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const db = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'root', database: name });
  await db.connect();
  await db.query(`CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, vip boolean)`);
  await db.query(`INSERT INTO customers SELECT i, 'customer ' || i, i % 7 = 0 FROM generate_series(1, 50) i`);
  await db.query(
    `CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int, total numeric(12,2), placed_at timestamp, note text)`,
  );
  await db.query(
    `INSERT INTO orders SELECT i, 1 + i % 50, (i * 3.17)::numeric(12,2), timestamp '2026-11-01' + i * interval '1 minute',
       CASE WHEN i % 10 = 0 THEN NULL ELSE 'order ' || i END FROM generate_series(1, ${rows}) i`,
  );
  await db.query(`CREATE SCHEMA audit`);
  await db.query(`CREATE TABLE audit.events (id serial PRIMARY KEY, kind text, payload jsonb)`);
  await db.query(
    `INSERT INTO audit.events (kind, payload) SELECT 'login', jsonb_build_object('n', i) FROM generate_series(1, 20) i`,
  );
  await db.end();
  return {
    name,
    async drop() {
      const c = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'root', database: 'postgres' });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A new MariaDB database with 2 tables. */
export async function seedMariaDb(name: string, rows = 200): Promise<SeededDatabase> {
  const c = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', password: '' });
  await c.query(`DROP DATABASE IF EXISTS ${name}`);
  await c.query(`CREATE DATABASE ${name}`);
  await c.query(`CREATE TABLE ${name}.products (id int PRIMARY KEY, title varchar(100), price decimal(10,2))`);
  const values = Array.from({ length: rows }, (_, i) => `(${i + 1}, 'product ${i + 1}', ${(i + 1) * 1.5})`).join(',');
  await c.query(`INSERT INTO ${name}.products VALUES ${values}`);
  await c.query(`CREATE TABLE ${name}.stock (product_id int, warehouse varchar(20), quantity int)`);
  await c.query(`INSERT INTO ${name}.stock VALUES (1, 'north', 5), (2, 'south', 0), (3, 'north', NULL)`);
  await c.end();
  return {
    name,
    async drop() {
      const d = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', password: '' });
      await d.query(`DROP DATABASE IF EXISTS ${name}`);
      await d.end();
    },
  };
}
