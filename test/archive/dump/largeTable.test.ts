/**
 * A PostgreSQL table whose dump file is larger than the follower's thresholds (64 MiB unread → pg_dump paused, holes
 * punched every 32 MiB): dumped while written, restored, identical; and Ctrl-C of the CLI mid-dump leaves no
 * manifest and no stopped pg_dump behind.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresReachable } from '../../../sandbox/actions/seedDatabase.js';
import { runCli } from '../../cli/runCli.js';
import { dropPg, PG_URL, pgQuery, root } from './dumpDatabases.js';

const pid = process.pid;
const source = `vp_dump_large_${pid}`;
const target = `vp_dump_large_r_${pid}`;
const pgUp = (await postgresReachable()) === true;
let work: string;

const fingerprint = async (db: string) =>
  (
    await pgQuery<{ n: string; h: string }>(
      db,
      "SELECT count(*)::text AS n, md5(string_agg(t::text, '' ORDER BY id)) AS h FROM big t",
    )
  )[0];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'vp-dump-large-'));
  if (!pgUp) return;
  await dropPg(source);
  await pgQuery('postgres', `CREATE DATABASE ${source}`);
  // ~190 MB of COPY text: past the 64 MiB pause threshold several times.
  await pgQuery(
    source,
    "CREATE TABLE big AS SELECT g AS id, md5(g::text) || repeat('é', 40) || g AS payload, g * 1.5 AS x FROM generate_series(1, 1300000) g",
  );
}, 120_000);

afterAll(async () => {
  for (const db of [source, target]) await dropPg(db).catch(() => {});
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(!pgUp)('a large PostgreSQL table', () => {
  it('is compressed while pg_dump writes it (temporary disk stays small) and restores identical', async () => {
    const temp = join(work, 'tmp');
    let peak = 0;
    const disk = (path: string): number => {
      const s = statSync(path);
      return s.isDirectory() ? readdirSync(path).reduce((n, f) => n + disk(join(path, f)), 0) : s.blocks * 512;
    };
    const sampler = setInterval(() => {
      try {
        peak = Math.max(peak, disk(temp));
      } catch {
        // A file vanished while measured.
      }
    }, 20);
    const dump = await runCli(
      ['dump', PG_URL(source), join(work, 'out'), '--json', '--temp-dir', temp, '--jobs', '1'],
      {
        env: { PATH: process.env.PATH },
      },
    );
    clearInterval(sampler);
    expect(dump.code, dump.stderr).toBe(0);
    const summary = JSON.parse(dump.stdout);
    expect(summary.uncompressedBytes).toBeGreaterThan(150e6);
    expect(readdirSync(temp)).toEqual([]);
    // Allocated blocks, not apparent size: read parts are punched out, and pg_dump waits while 64 MiB are unread.
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThan(130 * 2 ** 20);
    const restore = await runCli(['restore', join(work, 'out'), PG_URL(target)], { env: { PATH: process.env.PATH } });
    expect(restore.code, restore.stderr).toBe(0);
    expect(await fingerprint(target)).toEqual(await fingerprint(source));
  }, 180_000);

  it('stops on SIGINT with exit 130, no manifest, no pg_dump left', async () => {
    const out = join(work, 'interrupted');
    const script = `import(${JSON.stringify(join(root, 'src/cli/main.ts'))}).then(async (m) => { process.exitCode = await m.main(process.argv.slice(1)); })`;
    const cli = spawn(process.execPath, ['--import', 'tsx', '-e', script, 'dump', PG_URL(source), out, '--jobs', '1'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    cli.stderr.on('data', (d) => {
      stderr += d;
    });
    // Interrupt once the dump is under way (files appear in the destination).
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && !(existsSync(out) && readdirSync(out).length > 0))
      await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    cli.kill('SIGINT');
    const code = await new Promise<number | null>((r) => cli.once('exit', r));
    expect(code, stderr).toBe(130);
    expect(existsSync(join(out, 'vaultpilot-dump-manifest.json'))).toBe(false);
    expect(stderr).toContain('interrupted by SIGINT');
    // pg_dump (and any worker a follower had paused) is gone too.
    await new Promise((r) => setTimeout(r, 500));
    expect(spawnSync('pgrep', ['-f', `pg_dump.*${source}`], { encoding: 'utf8' }).stdout.trim()).toBe('');
  }, 120_000);
});
