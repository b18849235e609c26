/**
 * `vaultpilot demo` in-process, against the machine's PostgreSQL and MariaDB: four export workflows (three
 * exported, one failed at a named step), the row counts read back from the Parquet match the seeded data, and
 * the demo databases are gone afterwards.
 */
import mysql from 'mysql2/promise';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { MARIADB_SERVER, POSTGRES_SERVER } from '../../sandbox/actions/seedDatabase.js';
import { DEMO_DATABASES, DEMO_DYNAMODB, DEMO_SEED } from '../../src/cli/demo/runDemo.js';
import { runCli } from './runCli.js';

async function postgresDatabases(): Promise<string[]> {
  const c = new pg.Client({ ...POSTGRES_SERVER, database: 'postgres' });
  await c.connect();
  try {
    return (await c.query<{ datname: string }>('SELECT datname FROM pg_database')).rows.map((r) => r.datname);
  } finally {
    await c.end();
  }
}

async function mariaDbDatabases(): Promise<string[]> {
  const c = await mysql.createConnection(MARIADB_SERVER);
  try {
    const [rows] = await c.query('SHOW DATABASES');
    return (rows as { Database: string }[]).map((r) => r.Database);
  } finally {
    await c.end();
  }
}

/** The row count printed for `target` in the export section of `label`. */
function printedRows(stdout: string, label: string, target: string): number | undefined {
  const section = stdout.split(/\n(?=── \[)/).find((s) => s.startsWith(`── [`) && s.includes(`] ${label} ·`));
  const line = section?.split('\n').find((l) => l.trim().startsWith(`${target} `));
  const match = line?.trim().match(/^\S+\s+([\d,]+)\s/);
  return match ? Number(match[1]!.replaceAll(',', '')) : undefined;
}

describe('vaultpilot demo', () => {
  it('runs six export workflows locally, reads the Parquet back and drops its databases', async () => {
    const run = await runCli(['demo']);
    expect(run.code, run.stderr).toBe(0);
    const out = run.stdout;

    expect(out).toMatch(/workflows: +6 — 5 exported, 0 partial, 1 failed \(billing-db at Check export\)/);
    expect(out).toMatch(/recovery points: +4 deleted, 2 kept/);
    expect(out).toMatch(/duplicate triggers: +1 ignored/);
    expect(out).toMatch(
      /state transitions: +orders-db \d+ · inventory-cluster \d+ · shop-db \d+ · orders-table \d+ · vol-\S+ \d+ · billing-db \d+/,
    );
    // The DynamoDB recovery point: restored, exported, converted in batches, every item read back from the Parquet.
    expect(printedRows(out, DEMO_DYNAMODB.table, DEMO_DYNAMODB.table)).toBe(DEMO_DYNAMODB.items);
    expect(out).toMatch(
      /Start restore → .*Enable PITR → Start table export → .*Delete temporary table → Plan conversion/,
    );
    expect(out).toMatch(/Scan batch ×[2-9]/);
    expect(out).toMatch(/sample row of orders-table: customer=customer-\d+ +orderId=/);
    // The EBS recovery point: a block archive through the EBS direct APIs, restored, equal to the image.
    expect(out).toMatch(/Plan archive → Archive shards → Archive shard → Verify shards → Verify shard → Merge shards/);
    expect(out).toContain('restored:      64.0 MiB → SHA-256 equal to the snapshot image');
    // The native dump of the seeded database, restored into a new one with every row.
    const orders = DEMO_SEED.postgres.orders.toLocaleString('en-US');
    expect(out).toMatch(new RegExp(`public\\.orders +${orders} rows → +${orders} \\(equal\\)`));
    expect(await postgresDatabases()).not.toContain(DEMO_DATABASES.postgresRestored);
    expect(out).toMatch(/wall time: +\d+\.\d s/);
    expect(out).toContain('failed at: Check export — ExportTaskFailed');
    expect(out).toContain('s3:PutObject');

    const shop = DEMO_DATABASES.postgres;
    const inventory = DEMO_DATABASES.mariadb;
    for (const label of ['orders-db', 'shop-db']) {
      expect(printedRows(out, label, `${shop}.public.orders`)).toBe(DEMO_SEED.postgres.orders);
      expect(printedRows(out, label, `${shop}.public.customers`)).toBe(DEMO_SEED.postgres.customers);
      expect(printedRows(out, label, `${shop}.audit.events`)).toBe(DEMO_SEED.postgres.auditEvents);
    }
    expect(printedRows(out, 'inventory-cluster', `${inventory}.${inventory}.products`)).toBe(
      DEMO_SEED.mariadb.products,
    );
    expect(printedRows(out, 'inventory-cluster', `${inventory}.${inventory}.stock`)).toBe(
      DEMO_SEED.mariadb.products * DEMO_SEED.mariadb.warehouses,
    );
    expect(out).toMatch(/sample row of vaultpilot_demo_shop\.public\.orders: id=1 +customer_id=/);

    // The notifications, rendered as `vaultpilot simulate` renders them.
    expect(out).toContain('── CRITICAL · action · failed · billing-db');
    expect(out).toContain('Export FAILED at Check export: billing-db (RDS) in 111122223333 / eu-west-1');
    expect(out.match(/── INFO · action · succeeded · /g)).toHaveLength(5);

    // Progress went to stderr, one plain line per state (not a terminal).
    expect(run.stderr).toMatch(/\[1\/6\] orders-db +Wait for export \(\d+ polls?\)/);
    expect(run.stderr).toMatch(/\[6\/6\] billing-db +Export failed/);

    expect(await postgresDatabases()).not.toContain(shop);
    expect(await mariaDbDatabases()).not.toContain(inventory);
  });
});

describe('vaultpilot demo without a database server', () => {
  it('says what is missing and how to start it, and runs the part the other server backs', async () => {
    const run = await runCli(['demo', '--without', 'mariadb']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('MariaDB is not reachable at 127.0.0.1:3306');
    expect(run.stderr).toContain('sudo service mariadb start');
    expect(run.stderr).toContain('the Aurora MySQL export (inventory-cluster) is skipped');
    expect(run.stdout).toMatch(/workflows: +5 — 4 exported, 0 partial, 1 failed \(billing-db at Check export\)/);
    expect(run.stdout).not.toContain('inventory-cluster ·');
    expect(run.stdout).toMatch(/skipped: +the parts that need MariaDB/);
  });

  it('exits 1 when neither server is there', async () => {
    const run = await runCli(['demo', '--without', 'postgres', 'mariadb']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('PostgreSQL is not reachable');
    expect(run.stderr).toContain('neither PostgreSQL (127.0.0.1:5432) nor MariaDB (127.0.0.1:3306) is reachable');
  });
});
