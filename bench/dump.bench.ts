/**
 * Native dump benchmark. Generates (once per run, with generate_series) a PostgreSQL database of a few hundred MB
 * (BENCH_DUMP_ROWS rows in each of 3 tables, default 1,200,000: text, numbers, timestamps), then measures, each in its
 * own child process and interleaved:
 *   - ours: `dumpDatabase` (pg_dump --format=directory --jobs=<cores> -Z0, every file zstd -T<cores> level 3 as soon
 *     as pg_dump closes it, SHA-256 of each, row counts in the dump's snapshot, manifest last) into a directory;
 *   - the baseline: plain `pg_dump <db> | gzip > dump.sql.gz` (one process each, gzip's default level).
 * Prints wall time, MB/s of database size (pg_database_size), compressed size, peak temporary disk (ours), and the
 * speed ratio. BENCH_REPEAT runs each (default 3), medians shown. The database is dropped at the end.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const repeat = Math.max(1, Number(process.env.BENCH_REPEAT ?? 3));
const rows = Number(process.env.BENCH_DUMP_ROWS ?? 1_200_000);
const [mode, destination, childDb] = process.argv.slice(2);
const db = childDb ?? `vp_bench_dump_${process.pid}`;
const url = `postgres://root@127.0.0.1:5432/${db}`;
const psql = (database: string, sql: string) =>
  execFileSync('psql', ['-h', '127.0.0.1', '-U', 'root', '-d', database, '-qAt', '-v', 'ON_ERROR_STOP=1', '-c', sql], {
    encoding: 'utf8',
  }).trim();

/** Disk really used (allocated blocks: the dump's files are sparse once read, their holes punched). */
function diskOf(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.blocks * 512;
  return readdirSync(path).reduce((n, name) => n + diskOf(join(path, name)), 0);
}

interface Measured {
  readonly seconds: number;
  readonly bytes: number;
  readonly peakTempBytes: number;
  readonly peakRssMiB: number;
}

function child(mode: 'ours' | 'baseline', destination: string): Promise<Measured> {
  return new Promise((resolve, reject) => {
    rmSync(destination, { recursive: true, force: true });
    const p = spawn(process.execPath, ['--no-warnings', '--import', 'tsx', self, mode, destination, db], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.on('data', (d) => {
      out += d;
    });
    p.on('error', reject);
    p.on('exit', (code) => {
      rmSync(destination, { recursive: true, force: true });
      if (code !== 0) return reject(new Error(`${mode} exited with ${code}`));
      resolve(JSON.parse(out.trim().split('\n').at(-1)!) as Measured);
    });
  });
}

async function runChild(mode: string, destination: string): Promise<void> {
  if (mode === 'ours') {
    const { dumpDatabase } = await import('../src/archive/dump/index.js');
    const { LocalDirectoryStore } = await import('../src/archive/LocalDirectoryStore.js');
    const { parseDatabaseUrl } = await import('../src/core/dump/databaseUrl.js');
    const temp = `${destination}-tmp`;
    mkdirSync(temp, { recursive: true });
    let peakTempBytes = 0;
    const sampler = setInterval(() => {
      try {
        peakTempBytes = Math.max(peakTempBytes, diskOf(temp));
      } catch {
        // A file vanished while measured.
      }
    }, 50);
    const t0 = process.hrtime.bigint();
    const result = await dumpDatabase({
      url: parseDatabaseUrl(url),
      store: new LocalDirectoryStore(destination),
      tempDirectory: temp,
    });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    clearInterval(sampler);
    rmSync(temp, { recursive: true, force: true });
    console.log(
      JSON.stringify({
        seconds,
        bytes: result.compressedBytes,
        peakTempBytes,
        peakRssMiB: process.resourceUsage().maxRSS / 1024,
      }),
    );
    return;
  }
  mkdirSync(destination, { recursive: true });
  const file = join(destination, 'dump.sql.gz');
  const t0 = process.hrtime.bigint();
  execFileSync('sh', ['-c', `pg_dump -h 127.0.0.1 -U root -d ${db} | gzip > '${file}'`]);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(
    JSON.stringify({
      seconds,
      bytes: statSync(file).size,
      peakTempBytes: 0,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
    }),
  );
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<void> {
  const t0 = Date.now();
  psql('postgres', `DROP DATABASE IF EXISTS ${db}`);
  psql('postgres', `CREATE DATABASE ${db}`);
  try {
    for (let t = 1; t <= 3; t++) {
      psql(
        db,
        `CREATE TABLE t${t} AS SELECT g AS id, md5(g::text) AS hash, (g::bigint * 7919) % 1000003 AS n, (g % 997) * 1.25 AS amount,
           timestamptz '2024-01-01' + g * interval '1 second' AS at, 'customer ' || (g % 50000) || ' ' || repeat(chr(97 + g % 26), 1 + g % 40) AS note
           FROM generate_series(1, ${rows}) g`,
      );
    }
    const dbBytes = Number(psql(db, 'SELECT pg_database_size(current_database())'));
    console.log(
      `generated ${db}: 3 tables × ${rows} rows, ${(dbBytes / 2 ** 20).toFixed(0)} MiB (pg_database_size) in ${((Date.now() - t0) / 1000).toFixed(1)} s; ` +
        `cores: ${cpus().length}, repeats: ${repeat} (median shown), load average ${loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')}`,
    );
    const out = join(tmpdir(), `vp-bench-dump-out-${process.pid}`);
    const ours: Measured[] = [];
    const base: Measured[] = [];
    for (let i = 0; i < repeat; i++) {
      base.push(await child('baseline', out));
      ours.push(await child('ours', out));
    }
    console.log(
      `${'run'.padEnd(44)} ${'wall s'.padStart(7)} ${'MB/s db'.padStart(8)} ${'output MiB'.padStart(11)} ${'ratio'.padStart(6)} ${'peak tmp MiB'.padStart(13)} ${'peak RSS'.padStart(9)}`,
    );
    const row = (name: string, ms: Measured[]) => {
      const s = median(ms.map((m) => m.seconds));
      const bytes = median(ms.map((m) => m.bytes));
      const tmp = Math.max(...ms.map((m) => m.peakTempBytes));
      const rss = Math.max(...ms.map((m) => m.peakRssMiB));
      console.log(
        `${name.padEnd(44)} ${s.toFixed(2).padStart(7)} ${(dbBytes / 1e6 / s).toFixed(1).padStart(8)} ${(bytes / 2 ** 20).toFixed(1).padStart(11)} ${(dbBytes / bytes).toFixed(1).padStart(5)}× ${(tmp / 2 ** 20).toFixed(0).padStart(13)} ${`${rss.toFixed(0)} MiB`.padStart(9)}`,
      );
      return { s, bytes, tmp };
    };
    const b = row('baseline pg_dump | gzip', base);
    const o = row(`vaultpilot dump (-Fd -j${cpus().length}, zstd -T${cpus().length} -3)`, ours);
    console.log(
      `  runs (s): ours ${ours.map((m) => m.seconds.toFixed(2)).join(' ')}; baseline ${base.map((m) => m.seconds.toFixed(2)).join(' ')}`,
    );
    const ratio = b.s / o.s;
    console.log('');
    console.log(`${ratio >= 1 ? 'PASS' : 'MISS'}  ours/baseline speed ${ratio.toFixed(2)}× — target ≥ 1×`);
    console.log(
      `${o.bytes <= b.bytes * 1.1 ? 'PASS' : 'MISS'}  compressed size ours ${(o.bytes / 2 ** 20).toFixed(1)} MiB vs gzip ${(b.bytes / 2 ** 20).toFixed(1)} MiB — target ≤ 1.1×`,
    );
    console.log(
      `${o.tmp < dbBytes * 0.8 ? 'PASS' : 'MISS'}  peak temporary disk ${(o.tmp / 2 ** 20).toFixed(0)} MiB for a ${(dbBytes / 2 ** 20).toFixed(0)} MiB database — target: well under the database (files are compressed as pg_dump writes them)`,
    );
  } finally {
    psql('postgres', `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  }
}

if (mode && destination) await runChild(mode, destination);
else await main();
