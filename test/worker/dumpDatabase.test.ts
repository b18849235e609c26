/** The dump worker: configuration from the environment, one JSON line, exit codes, run as the container runs it. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresReachable } from '../../sandbox/actions/seedDatabase.js';
import { parseDumpManifest } from '../../src/core/dump/dumpManifest.js';
import { readDumpJob } from '../../src/worker/dumpDatabase.js';
import { WorkerConfigError } from '../../src/worker/WorkerError.js';
import { dropPg, PG_URL, seedVariedPostgres } from '../archive/dump/dumpDatabases.js';

const root = resolve(__dirname, '../..');
const db = `vp_dump_worker_${process.pid}`;
const pgUp = (await postgresReachable()) === true;
let work: string;

function runWorker(env: Record<string, string>) {
  const r = spawnSync(
    process.execPath,
    ['--no-warnings', '--import', 'tsx', join(root, 'src/worker/dumpDatabase.ts')],
    {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      encoding: 'utf8',
      cwd: root,
    },
  );
  const lines = r.stdout.trim().split('\n');
  return { code: r.status, result: JSON.parse(lines.at(-1) ?? '{}') as Record<string, unknown>, stderr: r.stderr };
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'vp-dump-worker-'));
  if (pgUp) await seedVariedPostgres(db);
}, 60_000);

afterAll(async () => {
  if (pgUp) await dropPg(db).catch(() => {});
  rmSync(work, { recursive: true, force: true });
});

describe('readDumpJob', () => {
  it('names every problem at once', () => {
    expect(() => readDumpJob({ VAULTPILOT_ZSTD_LEVEL: '99', VAULTPILOT_JOBS: 'x' }, [])).toThrow(WorkerConfigError);
    try {
      readDumpJob({ VAULTPILOT_DB_URL: 'http://x/y', VAULTPILOT_ZSTD_LEVEL: '99' }, []);
    } catch (error) {
      const problems = (error as WorkerConfigError).problems.join('\n');
      expect(problems).toContain('VAULTPILOT_DB_URL');
      expect(problems).toContain('VAULTPILOT_DESTINATION is missing');
      expect(problems).toContain('VAULTPILOT_ZSTD_LEVEL=99');
    }
  });

  it('takes the password from VAULTPILOT_DB_PASSWORD and keeps it out of the tools environment', () => {
    const job = readDumpJob(
      {
        VAULTPILOT_DB_URL: 'postgres://app@db:5432/shop',
        VAULTPILOT_DB_PASSWORD: 'pw',
        VAULTPILOT_DESTINATION: 's3://my-bucket/p',
      },
      [],
    );
    expect(job.password).toBe('pw');
    expect(job.env.VAULTPILOT_DB_PASSWORD).toBeUndefined();
    expect(job.url).toMatchObject({ engine: 'postgresql', host: 'db', database: 'shop' });
  });
});

describe.skipIf(!pgUp)('the dump worker process', () => {
  it('dumps, prints one JSON line and exits 0; the manifest is there', () => {
    const r = runWorker({
      VAULTPILOT_DB_URL: PG_URL(db),
      VAULTPILOT_DB_PASSWORD: 'ignored-by-trust',
      VAULTPILOT_DESTINATION: join(work, 'out'),
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.result).toMatchObject({ ok: true, engine: 'postgresql', tables: 3, rowCounts: 'snapshot' });
    expect(JSON.stringify(r.result)).not.toContain('ignored-by-trust');
    const m = parseDumpManifest(readFileSync(join(work, 'out/vaultpilot-dump-manifest.json'), 'utf8'));
    expect(m.rowCounts.tables['public.things']).toBe(700);
  }, 60_000);

  it('exits 2 on bad configuration and 1 when the server is unreachable', () => {
    expect(runWorker({ VAULTPILOT_DESTINATION: join(work, 'x') }).code).toBe(2);
    const r = runWorker({
      VAULTPILOT_DB_URL: 'postgres://root@127.0.0.1:1/db',
      VAULTPILOT_DESTINATION: join(work, 'y'),
    });
    expect(r.code).toBe(1);
    expect(r.result).toMatchObject({ ok: false });
    expect(String(r.result.error)).toContain('cannot connect');
  }, 60_000);
});
