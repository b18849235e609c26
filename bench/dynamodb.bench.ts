/**
 * DynamoDB export → Parquet benchmark. Generates (once, cached under the temp folder, deterministic seed) two
 * AWS-layout exports (sandbox/dynamodb/exportFiles.ts): a small one and a large one (default 250,000 and
 * 1,000,000 items, 4 and 8 data files) with strings, exact and float numbers, binaries, booleans, NULLs, all three
 * set types, nested maps and lists; then measures, each in its own child process (so peak RSS is its own):
 *   - ours: `convertDynamoDbExport` (md5 + item count verification, type inference, typed columns, lossless `_item`);
 *   - ours as deployed: the workflow's conversion steps (plan, scan each batch, choose columns, convert each batch,
 *     finish; batches of `cores` data files run one after another, their state kept in the destination);
 *   - the baseline: DuckDB's plain `read_json(…) → COPY … TO parquet (zstd)` over the same files, same threads —
 *     no verification, an inferred schema, not lossless (numbers become doubles, sets lose their type tag).
 * Prints wall time, items/s, MB/s of compressed input, peak RSS, and ours/baseline speed. Each is run
 * BENCH_REPEAT times (default 3) and the median is shown. `BENCH_DDB_ITEMS=2000000` makes the large export bigger.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AttributeValueJson, type ItemJson, writeExportFiles } from '../sandbox/dynamodb/exportFiles.js';
import { seededRandom as prng } from '../sandbox/seededRandom.js';

const self = fileURLToPath(import.meta.url);
const repeat = Math.max(1, Number(process.env.BENCH_REPEAT ?? 3));
const largeItems = Number(process.env.BENCH_DDB_ITEMS ?? 1_000_000);
const smallItems = Number(process.env.BENCH_DDB_SMALL_ITEMS ?? 250_000);
const threads = Number(process.env.BENCH_DDB_THREADS ?? cpus().length);

const WORDS = 'alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa'.split(
  ' ',
);
const CITIES = ['Lyon', 'Zürich', 'São Paulo', 'Kraków', 'Osaka', 'Austin', 'Nairobi', 'Tromsø'];

/** `count` items: a realistic order-like table with every DynamoDB type, some optional or NULL attributes. */
function* generateItems(count: number, seed: number): Generator<ItemJson> {
  const r = prng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const word = () => WORDS[int(WORDS.length)]!;
  const b64 = (bytes: number) => {
    const b = Buffer.allocUnsafe(bytes);
    for (let i = 0; i < bytes; i++) b[i] = int(256);
    return b.toString('base64');
  };
  for (let i = 0; i < count; i++) {
    const item: Record<string, AttributeValueJson> = {
      pk: { S: `customer#${int(50_000).toString().padStart(6, '0')}` },
      sk: { N: String(1_700_000_000_000 + i) },
      status: { S: ['NEW', 'PAID', 'SHIPPED', 'CANCELLED'][int(4)]! },
      total: { N: `${int(100_000)}.${int(100).toString().padStart(2, '0')}` },
      qty: { N: String(1 + int(20)) },
      ratio: { N: String(r()) },
      paid: { BOOL: r() < 0.7 },
      token: { B: b64(12) },
      tags: { SS: [...new Set([word(), word(), word()])] },
      scores: { NS: [...new Set([String(int(100)), String(int(1000) / 10), String(int(7))])] },
      address: {
        M: {
          street: { S: `${1 + int(200)} ${word()} street` },
          city: { S: CITIES[int(CITIES.length)]! },
          geo: { M: { lat: { N: (r() * 180 - 90).toFixed(6) }, lon: { N: (r() * 360 - 180).toFixed(6) } } },
        },
      },
      lines: {
        L: Array.from({ length: 1 + int(3) }, () => ({
          M: { sku: { S: `${word()}-${int(1000)}` }, price: { N: (int(10_000) / 100).toString() }, n: { N: '1' } },
        })),
      },
    };
    if (r() < 0.3) item.note = r() < 0.5 ? { S: `${word()} ${word()} ${word()}` } : { NULL: true };
    if (r() < 0.1) item.attachments = { BS: [b64(8), b64(8)].filter((v, j, a) => a.indexOf(v) === j) };
    if (r() < 0.2) item.legacy = r() < 0.5 ? { S: word() } : { N: String(int(100)) }; // mixed: `_item` only
    yield item;
  }
}

interface Generated {
  readonly folder: string;
  readonly items: number;
  readonly files: number;
  readonly gzBytes: number;
}

/** The export of `items` items in `files` files, generated once under the temp folder. */
async function cachedExport(items: number, files: number): Promise<Generated> {
  const root = join(tmpdir(), `vp-bench-dynamodb-v1-${items}-${files}`);
  const done = join(root, 'done.json');
  if (!existsSync(done)) {
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    const t0 = Date.now();
    const written = await writeExportFiles(join(root, 'export'), generateItems(items, 42), {
      files,
      exportId: `01736942400000-bench${items}`,
    });
    const gzBytes = written.dataFiles.reduce((n, f) => n + statSync(f.path).size, 0);
    writeFileSync(done, JSON.stringify({ folder: written.folder, items, files, gzBytes }));
    console.log(`generated ${items} items in ${files} files in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  return JSON.parse(readFileSync(done, 'utf8')) as Generated;
}

interface Measured {
  readonly seconds: number;
  readonly peakRssMiB: number;
  readonly result: Record<string, unknown>;
}

/** Runs this file in `mode` in its own process; the child prints its own timing and peak RSS as JSON. */
function child(mode: 'ours' | 'steps' | 'baseline', folder: string, destination: string): Promise<Measured> {
  return new Promise((resolve, reject) => {
    rmSync(destination, { recursive: true, force: true });
    const p = spawn(process.execPath, ['--no-warnings', '--import', 'tsx', self, mode, folder, destination], {
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
      const result = JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, unknown>;
      resolve({ seconds: Number(result.seconds), peakRssMiB: Number(result.peakRssMiB), result });
    });
  });
}

/** In the child: run one contender, print {seconds, peakRssMiB, …}. */
async function runChild(mode: string, folder: string, destination: string): Promise<void> {
  if (mode === 'ours') {
    const { convertDynamoDbExport, LocalConvertLocation } = await import('../src/archive/dynamodb/index.js');
    const t0 = process.hrtime.bigint();
    const result = await convertDynamoDbExport({
      source: new LocalConvertLocation(folder),
      destination: new LocalConvertLocation(destination),
      keys: { partitionKey: 'pk', sortKey: 'sk' },
      concurrency: cpus().length,
      // Ours: its own default (DuckDB threads = cores / files in flight) unless BENCH_DDB_THREADS says otherwise.
      duckdb: process.env.BENCH_DDB_THREADS ? { threads } : {},
    });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const rss = process.resourceUsage().maxRSS / 1024;
    console.log(
      JSON.stringify({
        seconds,
        peakRssMiB: rss,
        outputBytes: result.outputBytes,
        columns: result.manifest.columns.length,
      }),
    );
    return;
  }
  if (mode === 'steps') {
    // The deployed path: the workflow's conversion Tasks (plan, scan each batch, choose columns, convert each batch,
    // finish), batches of `cores` data files, one after another as one Lambda at a time would run them here.
    const m = await import('../src/archive/dynamodb/index.js');
    const t0 = process.hrtime.bigint();
    const source = new m.LocalConvertLocation(folder);
    const destinationLocation = new m.LocalConvertLocation(destination);
    const dataBytes = readdirSync(join(folder, 'data')).map((n) => statSync(join(folder, 'data', n)).size);
    const perFile = Math.max(...dataBytes);
    const plan = await m.planConversion({
      source,
      destination: destinationLocation,
      keys: { partitionKey: 'pk', sortKey: 'sk' },
      targetBatchBytes: perFile * cpus().length,
    });
    const step = { source, destination: destinationLocation, concurrency: cpus().length };
    for (const batch of plan.batches) await m.scanBatch({ ...step, batch });
    await m.chooseColumns({ destination: destinationLocation });
    for (const batch of plan.batches) await m.convertBatch({ ...step, batch });
    const finished = await m.finishConversion({ destination: destinationLocation });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    console.log(
      JSON.stringify({
        seconds,
        peakRssMiB: process.resourceUsage().maxRSS / 1024,
        outputBytes: finished.outputBytes,
        batches: plan.batches.length,
      }),
    );
    return;
  }
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const t0 = process.hrtime.bigint();
  const duck = await DuckDBInstance.create(':memory:', { threads: String(threads) });
  const c = await duck.connect();
  mkdirSync(destination, { recursive: true });
  const data = join(folder, 'data');
  let rows = 0;
  // Same shape of work as ours: one Parquet file per data file.
  for (const [i, name] of readdirSync(data).sort().entries()) {
    const reader = await c.runAndReadAll(
      `COPY (SELECT * FROM read_json('${join(data, name)}', format='newline_delimited')) TO '${join(destination, `part-${i}.parquet`)}' (FORMAT parquet, COMPRESSION zstd)`,
    );
    rows += Number(reader.getRows()[0]?.[0]);
  }
  c.closeSync();
  duck.closeSync();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(JSON.stringify({ seconds, peakRssMiB: process.resourceUsage().maxRSS / 1024, rows }));
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<void> {
  const sizes = [
    { items: smallItems, files: 4 },
    { items: largeItems, files: 8 },
  ];
  const exports = [];
  for (const s of sizes) exports.push(await cachedExport(s.items, s.files));
  const out = join(tmpdir(), `vp-bench-dynamodb-out-${process.pid}`);
  console.log(
    `cores: ${cpus().length}, DuckDB threads: baseline ${threads}, ours ${process.env.BENCH_DDB_THREADS ? threads : 'cores / files in flight'}, repeats: ${repeat} (median shown), load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  console.log(
    `${'run'.padEnd(34)} ${'items'.padStart(9)} ${'.gz MiB'.padStart(8)} ${'wall s'.padStart(7)} ${'items/s'.padStart(9)} ${'MB/s gz'.padStart(8)} ${'peak RSS'.padStart(9)}`,
  );
  const summary: { items: number; ratio: number; ours: number; base: number; rss: number }[] = [];
  const stepSummary: { items: number; ratio: number; rss: number }[] = [];
  for (const e of exports) {
    const ours: Measured[] = [];
    const steps: Measured[] = [];
    const base: Measured[] = [];
    // Interleaved, so drifting load on the shared machine hits all alike.
    for (let i = 0; i < repeat; i++) {
      base.push(await child('baseline', e.folder, out));
      ours.push(await child('ours', e.folder, out));
      steps.push(await child('steps', e.folder, out));
    }
    const row = (name: string, ms: Measured[]) => {
      const s = median(ms.map((m) => m.seconds));
      const rss = Math.max(...ms.map((m) => m.peakRssMiB));
      console.log(
        `${name.padEnd(34)} ${String(e.items).padStart(9)} ${(e.gzBytes / 2 ** 20).toFixed(1).padStart(8)} ${s.toFixed(2).padStart(7)} ${Math.round(
          e.items / s,
        )
          .toLocaleString('en-US')
          .padStart(9)} ${(e.gzBytes / 1e6 / s).toFixed(1).padStart(8)} ${`${rss.toFixed(0)} MiB`.padStart(9)}`,
      );
      return { s, rss };
    };
    const b = row(`baseline read_json → COPY (${e.files} files)`, base);
    const o = row(`vaultpilot convertDynamoDbExport`, ours);
    const t = row(`vaultpilot workflow steps (${steps[0]?.result.batches} b.)`, steps);
    summary.push({ items: e.items, ratio: b.s / o.s, ours: o.s, base: b.s, rss: o.rss });
    stepSummary.push({ items: e.items, ratio: b.s / t.s, rss: t.rss });
    console.log(
      `  runs (s): ours ${ours.map((m) => m.seconds.toFixed(2)).join(' ')}; steps ${steps.map((m) => m.seconds.toFixed(2)).join(' ')}; baseline ${base.map((m) => m.seconds.toFixed(2)).join(' ')}`,
    );
  }
  console.log('');
  for (const s of summary) {
    console.log(
      `${s.ratio >= 0.5 ? 'PASS' : 'MISS'}  ${s.items} items: ours/baseline speed ${s.ratio.toFixed(2)}× — target ≥ 0.5×`,
    );
  }
  for (const s of stepSummary) {
    console.log(
      `${s.ratio >= 0.5 ? 'PASS' : 'MISS'}  ${s.items} items, the workflow's conversion steps: ours/baseline speed ${s.ratio.toFixed(2)}× — target ≥ 0.5× (peak RSS ${s.rss.toFixed(0)} MiB)`,
    );
  }
  const [small, large] = summary;
  if (small && large) {
    const flat = large.rss <= small.rss * 1.5;
    console.log(
      `${flat ? 'PASS' : 'MISS'}  peak RSS ${small.rss.toFixed(0)} MiB at ${small.items} items, ${large.rss.toFixed(0)} MiB at ${large.items} items — target: flat (≤ 1.5×) as the input grows ${(large.items / small.items).toFixed(0)}×`,
    );
  }
}

const [mode, folder, destination] = process.argv.slice(2);
if (mode && folder && destination) await runChild(mode, folder, destination);
else await main();
