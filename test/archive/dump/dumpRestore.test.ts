/**
 * `vaultpilot dump` and the dump side of `vaultpilot restore` against the machine's real PostgreSQL and MariaDB:
 * varied types and objects dumped to a directory and to S3 (the stand-in), restored into fresh databases with the
 * CLI and with the engine-only procedure of docs/dumps.md, compared table by table; and the failure paths.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mariaDbReachable, postgresReachable } from '../../../sandbox/actions/seedDatabase.js';
import { type S3StandIn, startS3StandIn } from '../../../sandbox/s3/startS3StandIn.js';
import { dumpDatabase } from '../../../src/archive/dump/index.js';
import { LocalDirectoryStore } from '../../../src/archive/LocalDirectoryStore.js';
import { parseDatabaseUrl } from '../../../src/core/dump/databaseUrl.js';
import { DUMP_MANIFEST, parseDumpManifest } from '../../../src/core/dump/dumpManifest.js';
import { runCli } from '../../cli/runCli.js';
import {
  dropMy,
  dropPg,
  MY_URL,
  mariaDbContents,
  mariaDbObjects,
  PG_URL,
  postgresContents,
  postgresObjects,
  runDocsBlock,
  seedVariedMariaDb,
  seedVariedPostgres,
} from './dumpDatabases.js';

const pid = process.pid;
const PG_SOURCE = `vp_dump_src_${pid}`;
const MY_SOURCE = `vp_dump_src_${pid}`;
const createdPg = new Set<string>([PG_SOURCE]);
const createdMy = new Set<string>([MY_SOURCE]);
const pgName = (suffix: string) => {
  const n = `vp_dump_${suffix}_${pid}`;
  createdPg.add(n);
  return n;
};
const myName = (suffix: string) => {
  const n = `vp_dump_${suffix}_${pid}`;
  createdMy.add(n);
  return n;
};
const s3env = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };

let work: string;
let s3: S3StandIn;
const pgUp = (await postgresReachable()) === true;
const myUp = (await mariaDbReachable()) === true;

async function cli(...args: string[]) {
  const r = await runCli(args, { cwd: work, env: { PATH: process.env.PATH, ...s3env } });
  return r;
}

function manifestAt(dir: string) {
  return parseDumpManifest(readFileSync(join(dir, DUMP_MANIFEST), 'utf8'));
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'vp-dump-'));
  s3 = await startS3StandIn();
  if (pgUp) await seedVariedPostgres(PG_SOURCE);
  if (myUp) await seedVariedMariaDb(MY_SOURCE);
}, 60_000);

afterAll(async () => {
  for (const db of createdPg) await dropPg(db).catch(() => {});
  for (const db of createdMy) await dropMy(db).catch(() => {});
  await s3?.close();
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(!pgUp)('PostgreSQL dumps', () => {
  let source: Record<string, string>;
  beforeAll(async () => {
    source = await postgresContents(PG_SOURCE);
  });

  it('dumps to a directory (manifest last, exact row counts) and restores with the CLI, identical', async () => {
    // The server trusts local connections, so a password in the URL is accepted and must show up nowhere.
    const secret = `s3cret-${pid}`;
    const withPassword = PG_URL(PG_SOURCE).replace('root@', `root:${secret}@`);
    const dump = await cli('dump', withPassword, 'pg-dir', '--json', '--jobs', '2');
    expect(dump.code, dump.stderr).toBe(0);
    const summary = JSON.parse(dump.stdout);
    expect(summary).toMatchObject({ engine: 'postgresql', rowCounts: 'snapshot', tables: 3 });
    const m = manifestAt(join(work, 'pg-dir'));
    expect(m.layout).toBe('pg-directory');
    expect(m.files.map((f) => f.name)).toContain('pg_dump/toc.dat.zst');
    expect(m.rowCounts.tables).toEqual({ 'public.things': 700, 'billing.invoices': 120, 'billing.empty_table': 0 });
    expect(JSON.stringify(m)).not.toContain(secret);
    expect(dump.stdout + dump.stderr).not.toContain(secret);
    expect(summary.source).toContain('root:***@');

    const target = pgName('cli');
    const restore = await cli('restore', 'pg-dir', PG_URL(target), '--json');
    expect(restore.code, restore.stderr).toBe(0);
    expect(JSON.parse(restore.stdout)).toMatchObject({ verified: true, database: target });
    expect(await postgresContents(target)).toEqual(source);
    expect(await postgresObjects(target)).toEqual(await postgresObjects(PG_SOURCE));
    expect(await postgresObjects(target)).toMatchObject({ fn: '12.0', index: '1', enum: 'sad,ok,happy' });
  }, 60_000);

  it('restores with the engine-only procedure of docs/dumps.md, identical', async () => {
    const target = pgName('docs');
    const r = runDocsBlock('restore-postgres', {
      DUMP: join(work, 'pg-dir'),
      SCRATCH: join(work, 'pg-scratch'),
      NEWDB: target,
      PGHOST: '127.0.0.1',
      PGPORT: '5432',
      PGUSER: 'root',
    });
    expect(r.code, r.output).toBe(0);
    expect(await postgresContents(target)).toEqual(source);
    expect(await postgresObjects(target)).toEqual(await postgresObjects(PG_SOURCE));
  }, 60_000);

  it('dumps to S3 and restores from there', async () => {
    const e = ['--endpoint', s3.endpoint];
    const dump = await cli('dump', PG_URL(PG_SOURCE), 's3://vaultpilot-archive/dumps/pg', ...e, '--json');
    expect(dump.code, dump.stderr).toBe(0);
    const target = pgName('s3');
    const restore = await cli('restore', 's3://vaultpilot-archive/dumps/pg', PG_URL(target), ...e);
    expect(restore.code, restore.stderr).toBe(0);
    expect(await postgresContents(target)).toEqual(source);
  }, 60_000);

  it('refuses a target database that exists, and a corrupted file (SHA-256), creating nothing', async () => {
    const exists = await cli('restore', 'pg-dir', PG_URL(PG_SOURCE));
    expect(exists.code).toBe(1);
    expect(exists.stderr).toContain('already exists');

    const copy = join(work, 'pg-corrupt');
    rmSync(copy, { recursive: true, force: true });
    expect((await cli('dump', PG_URL(PG_SOURCE), copy)).code).toBe(0);
    const m = manifestAt(copy);
    const biggest = [...m.files].sort((a, b) => b.bytes - a.bytes)[0]!;
    const path = join(copy, biggest.name);
    const bytes = readFileSync(path);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    writeFileSync(path, bytes);
    const target = pgName('corrupt');
    const r = await cli('restore', copy, PG_URL(target));
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${biggest.name}: SHA-256`);
    expect(await postgresContents('postgres').catch(() => undefined)).toBeDefined();
    const [row] = await (await import('./dumpDatabases.js')).pgQuery<{ n: string }>(
      'postgres',
      'SELECT count(*)::text AS n FROM pg_database WHERE datname = $1',
      [target],
    );
    expect(row?.n).toBe('0');
  }, 60_000);

  it('fails cleanly: unreachable server, unknown role, missing database (exit 1, no manifest)', async () => {
    const cases = [
      ['postgres://root@127.0.0.1:1/postgres', /cannot connect.*127\.0\.0\.1:1/],
      [`postgres://no_such_role_${pid}@127.0.0.1:5432/${PG_SOURCE}`, /role .* does not exist/],
      [`postgres://root@127.0.0.1:5432/no_such_db_${pid}`, /does not exist/],
    ] as const;
    for (const [url, message] of cases) {
      const dir = join(work, `pg-fail-${Math.random().toString(36).slice(2)}`);
      const r = await cli('dump', url, dir);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(() => readFileSync(join(dir, DUMP_MANIFEST))).toThrow();
    }
  }, 60_000);

  it('leaves no manifest and no files when interrupted', async () => {
    const dir = join(work, 'pg-interrupted');
    const controller = new AbortController();
    const store = new LocalDirectoryStore(dir);
    await expect(
      dumpDatabase({
        url: parseDatabaseUrl(PG_URL(PG_SOURCE)),
        store,
        signal: controller.signal,
        onProgress: () => controller.abort(new Error('interrupted by test')),
      }),
    ).rejects.toThrow('interrupted by test');
    const left: string[] = [];
    for await (const o of store.list('')) left.push(o.key);
    expect(left).toEqual([]);
  }, 60_000);

  it('refuses a destination that already holds a dump, and a source that is not a dump (exit 2)', async () => {
    const again = await cli('dump', PG_URL(PG_SOURCE), 'pg-dir');
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already holds a dump');
    const notDump = await cli('restore', 'nothing-here', PG_URL(pgName('none')));
    expect(notDump.code).toBe(2);
    const wrongEngine = await cli('restore', 'pg-dir', MY_URL(myName('wrong')));
    expect(wrongEngine.code).toBe(2);
    const badUrl = await cli('dump', 'postgres://root@127.0.0.1/', 'x');
    expect(badUrl.code).toBe(2);
  }, 60_000);
});

describe.skipIf(!myUp)('MariaDB dumps', () => {
  let source: Record<string, string>;
  beforeAll(async () => {
    source = await mariaDbContents(MY_SOURCE);
  });

  it('dumps to a directory and restores with the CLI, identical, with view, trigger and procedure', async () => {
    const dump = await cli('dump', MY_URL(MY_SOURCE), 'my-dir', '--json');
    expect(dump.code, dump.stderr).toBe(0);
    expect(JSON.parse(dump.stdout)).toMatchObject({ engine: 'mariadb', rowCounts: 'approximate', files: 1 });
    const m = manifestAt(join(work, 'my-dir'));
    expect(m).toMatchObject({ layout: 'sql', encoding: 'utf8mb4', collation: 'utf8mb4_unicode_ci' });
    expect(m.rowCounts.tables).toEqual({ items: 400, audit: 400 });
    expect(m.tool.arguments).toEqual(
      expect.arrayContaining(['--single-transaction', '--routines', '--triggers', '--events', '--hex-blob']),
    );

    const target = myName('cli');
    const restore = await cli('restore', 'my-dir', MY_URL(target));
    expect(restore.code, restore.stderr).toBe(0);
    expect(await mariaDbContents(target)).toEqual(source);
    expect(await mariaDbObjects(target)).toEqual({
      views: 'large_items',
      triggers: 'items_ai',
      routines: 'count_items',
    });
  }, 60_000);

  it('restores with the engine-only procedure of docs/dumps.md, identical', async () => {
    const target = myName('docs');
    const r = runDocsBlock('restore-mysql', {
      DUMP: join(work, 'my-dir'),
      NEWDB: target,
      MYSQL_HOST: '127.0.0.1',
      MYSQL_TCP_PORT: '3306',
      MYSQL_USER: 'root',
    });
    expect(r.code, r.output).toBe(0);
    expect(await mariaDbContents(target)).toEqual(source);
    expect(await mariaDbObjects(target)).toEqual({
      views: 'large_items',
      triggers: 'items_ai',
      routines: 'count_items',
    });
  }, 60_000);

  it('dumps to S3 and restores from there', async () => {
    const e = ['--endpoint', s3.endpoint];
    const dump = await cli('dump', MY_URL(MY_SOURCE), 's3://vaultpilot-archive/dumps/my', ...e);
    expect(dump.code, dump.stderr).toBe(0);
    const target = myName('s3');
    const restore = await cli(
      'restore',
      's3://vaultpilot-archive/dumps/my',
      `mariadb://root@127.0.0.1:3306/${target}`,
      ...e,
    );
    expect(restore.code, restore.stderr).toBe(0);
    expect(await mariaDbContents(target)).toEqual(source);
  }, 60_000);

  it('refuses a corrupted dump and an existing target; fails on bad credentials, unreachable, missing database', async () => {
    const copy = join(work, 'my-corrupt');
    expect((await cli('dump', MY_URL(MY_SOURCE), copy)).code).toBe(0);
    const path = join(copy, 'dump.sql.zst');
    const bytes = readFileSync(path);
    bytes[bytes.length - 10]! ^= 0x01;
    writeFileSync(path, bytes);
    const target = myName('corrupt');
    const corrupt = await cli('restore', copy, MY_URL(target));
    expect(corrupt.code).toBe(3);
    expect(corrupt.stderr).toContain('dump.sql.zst: SHA-256');
    const exists = await cli('restore', 'my-dir', MY_URL(MY_SOURCE));
    expect(exists.code).toBe(1);
    expect(exists.stderr).toContain('already exists');

    const cases = [
      [`mysql://root:wrong-password@127.0.0.1:3306/${MY_SOURCE}`, /Access denied/],
      ['mysql://root@127.0.0.1:1/x', /cannot connect.*127\.0\.0\.1:1/],
      [`mysql://root@127.0.0.1:3306/no_such_db_${pid}`, /Unknown database/],
    ] as const;
    for (const [url, message] of cases) {
      const dir = join(work, `my-fail-${Math.random().toString(36).slice(2)}`);
      const r = await cli('dump', url, dir);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toContain('wrong-password');
      expect(() => readFileSync(join(dir, DUMP_MANIFEST))).toThrow();
    }
  }, 60_000);

  it('leaves no manifest and no files when interrupted', async () => {
    const dir = join(work, 'my-interrupted');
    const controller = new AbortController();
    const store = new LocalDirectoryStore(dir);
    await expect(
      dumpDatabase({
        url: parseDatabaseUrl(MY_URL(MY_SOURCE)),
        store,
        signal: controller.signal,
        onProgress: () => controller.abort(new Error('interrupted by test')),
      }),
    ).rejects.toThrow('interrupted by test');
    const left: string[] = [];
    for await (const o of store.list('')) left.push(o.key);
    expect(left).toEqual([]);
  }, 60_000);
});
