/**
 * File archive benchmark. Generates (once, cached under the temp folder, deterministic seed) a ~500 MB tree of mixed
 * files: 6,000 small text/JSON files, log-like text files, CSV files, random (incompressible) binaries, a few zero-
 * heavy files; then measures, each in its own child process, on a warm page cache:
 *   - ours: `archiveFiles` (GNU tar POSIX/xattrs/ACLs/sparse → tar-stream parser + SHA-256 of every file → zstd -T0
 *     -3 → files.tar.zst, files.list.jsonl, manifest; every object fsynced, which the shell pipelines do not);
 *   - the public sample's baseline: `tar -cf - . | gzip > files.tar.gz` (no listing, no hashes, one core for gzip);
 *   - two compressors alone, to justify ours: `tar | zstd -T0 -3 > file` and `tar | zstd-napi CompressStream
 *     (nbWorkers = cores)` in Node.
 * Prints wall time, MB/s of tree content, compressed size and ratio, and the ratios to the baseline. Each is run
 * BENCH_REPEAT times (default 3), interleaved, and the median is shown. BENCH_FILES_MB sets the tree size.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '../sandbox/seededRandom.js';

const self = fileURLToPath(import.meta.url);
const repeat = Math.max(1, Number(process.env.BENCH_REPEAT ?? 3));
const targetMb = Number(process.env.BENCH_FILES_MB ?? 500);
const MB = 1e6;

const WORDS = 'alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa'.split(
  ' ',
);

/** The tree, generated once: returns its folder and content bytes. */
function cachedTree(): { folder: string; bytes: number; files: number } {
  const root = join(tmpdir(), `vp-bench-files-v1-${targetMb}`);
  const done = join(root, 'done.json');
  if (existsSync(done)) return JSON.parse(readFileSync(done, 'utf8'));
  rmSync(root, { recursive: true, force: true });
  const folder = join(root, 'tree');
  const t0 = Date.now();
  const r = seededRandom(7);
  const int = (n: number) => Math.floor(r() * n);
  const scale = targetMb / 500;
  let bytes = 0;
  let files = 0;
  const write = (path: string, data: Buffer | string) => {
    mkdirSync(join(folder, path, '..'), { recursive: true });
    writeFileSync(join(folder, path), data);
    bytes += Buffer.byteLength(data);
    files++;
  };
  const text = (size: number) => {
    const lines: string[] = [];
    let n = 0;
    while (n < size) {
      const line = `2026-12-0${1 + int(9)}T${int(24)}:${int(60)}:${int(60)}Z ${WORDS[int(16)]} ${WORDS[int(16)]} id=${int(1e6)} took ${int(5000)}ms\n`;
      lines.push(line);
      n += line.length;
    }
    return lines.join('');
  };
  // 6,000 small files (≈ 60 MB): configs, JSON, snippets.
  for (let i = 0; i < Math.round(6000 * scale); i++) {
    const size = 1000 + int(19_000);
    const body =
      i % 3 === 0 ? JSON.stringify({ i, tags: Array.from({ length: size / 40 }, () => WORDS[int(16)]) }) : text(size);
    write(`home/user${i % 20}/project${i % 7}/src/file-${i}.txt`, body);
  }
  // Logs (≈ 150 MB), CSV (≈ 60 MB): compressible.
  for (let i = 0; i < Math.round(15 * scale); i++) write(`var/log/app-${i}.log`, text(10 * MB));
  for (let i = 0; i < Math.round(6 * scale); i++) {
    const rows: string[] = [];
    for (let j = 0; j < 160_000; j++) rows.push(`${j},${int(1e9)},${WORDS[int(16)]},${(r() * 1000).toFixed(2)}\n`);
    write(`data/table-${i}.csv`, rows.join(''));
  }
  // Random binaries (≈ 200 MB): incompressible (media, already-compressed files).
  for (let i = 0; i < Math.round(8 * scale); i++) write(`media/blob-${i}.bin`, randomBytes(25 * MB));
  // Zero-heavy files (≈ 30 MB): database preallocation, VM images.
  for (let i = 0; i < Math.round(3 * scale); i++) {
    const b = Buffer.alloc(10 * MB);
    randomBytes(64 * 1024).copy(b, int(9 * MB));
    write(`db/prealloc-${i}.dat`, b);
  }
  writeFileSync(done, JSON.stringify({ folder, bytes, files }));
  console.log(`generated ${files} files, ${(bytes / MB).toFixed(0)} MB in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { folder, bytes, files };
}

type Mode = 'ours' | 'gzip' | 'zstd-cli' | 'zstd-napi';

interface Measured {
  readonly seconds: number;
  readonly outputBytes: number;
  readonly peakRssMiB: number;
}

function child(mode: Mode, folder: string, out: string): Promise<Measured> {
  return new Promise((resolve, reject) => {
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    const p = spawn(process.execPath, ['--no-warnings', '--import', 'tsx', self, mode, folder, out], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    p.stdout.on('data', (d) => {
      text += d;
    });
    p.on('error', reject);
    p.on('exit', (code) => {
      rmSync(out, { recursive: true, force: true });
      if (code !== 0) return reject(new Error(`${mode} exited with ${code}`));
      resolve(JSON.parse(text.trim().split('\n').at(-1)!) as Measured);
    });
  });
}

function sh(command: string, cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('sh', ['-c', command], { cwd, stdio: 'inherit' });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command}: exit ${code}`))));
  });
}

async function runChild(mode: Mode, folder: string, out: string): Promise<void> {
  // Modules are loaded (and transpiled by tsx) before the clock starts: the compiled CLI does not transpile.
  const { archiveFiles } = await import('../src/archive/files/index.js');
  const { LocalDirectoryStore } = await import('../src/archive/index.js');
  const { CompressStream } = await import('zstd-napi');
  const t0 = process.hrtime.bigint();
  let outputBytes = 0;
  if (mode === 'ours') {
    const result = await archiveFiles({ source: folder, store: new LocalDirectoryStore(out) });
    outputBytes = result.manifest.archive.bytes + result.manifest.listing.bytes;
  } else if (mode === 'gzip') {
    await sh(`tar -cf - . | gzip > '${out}/files.tar.gz'`, folder);
    outputBytes = statSync(join(out, 'files.tar.gz')).size;
  } else if (mode === 'zstd-cli') {
    await sh(`tar -cf - . | zstd -q -T0 -3 > '${out}/files.tar.zst'`, folder);
    outputBytes = statSync(join(out, 'files.tar.zst')).size;
  } else {
    const tar = spawn('tar', ['-cf', '-', '.'], { cwd: folder, stdio: ['ignore', 'pipe', 'inherit'] });
    await pipeline(
      tar.stdout,
      new CompressStream({ compressionLevel: 3, nbWorkers: cpus().length }),
      createWriteStream(join(out, 'files.tar.zst')),
    );
    outputBytes = statSync(join(out, 'files.tar.zst')).size;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(JSON.stringify({ seconds, outputBytes, peakRssMiB: process.resourceUsage().maxRSS / 1024 }));
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<void> {
  const tree = cachedTree();
  // Warm the page cache, so every contender reads from memory.
  await sh('tar -cf - . > /dev/null', tree.folder);
  const out = join(tmpdir(), `vp-bench-files-out-${process.pid}`);
  console.log(
    `tree: ${tree.files} files, ${(tree.bytes / MB).toFixed(0)} MB; cores: ${cpus().length}; repeats: ${repeat} (median); load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  const modes: [Mode, string][] = [
    ['gzip', 'baseline tar | gzip'],
    ['ours', 'vaultpilot archive --files'],
    ['zstd-cli', 'tar | zstd -T0 -3 (no listing)'],
    ['zstd-napi', 'tar | zstd-napi stream (no listing)'],
  ];
  const runs = new Map<Mode, Measured[]>(modes.map(([m]) => [m, []]));
  for (let i = 0; i < repeat; i++) for (const [m] of modes) runs.get(m)!.push(await child(m, tree.folder, out));
  console.log(
    `${'run'.padEnd(38)} ${'wall s'.padStart(7)} ${'MB/s'.padStart(7)} ${'out MB'.padStart(8)} ${'ratio'.padStart(6)} ${'peak RSS'.padStart(9)}`,
  );
  const medians = new Map<Mode, { s: number; bytes: number }>();
  for (const [m, name] of modes) {
    const ms = runs.get(m)!;
    const s = median(ms.map((x) => x.seconds));
    const bytes = median(ms.map((x) => x.outputBytes));
    medians.set(m, { s, bytes });
    console.log(
      `${name.padEnd(38)} ${s.toFixed(2).padStart(7)} ${(tree.bytes / MB / s).toFixed(0).padStart(7)} ${(bytes / MB).toFixed(1).padStart(8)} ${(tree.bytes / bytes).toFixed(2).padStart(6)} ${`${Math.max(...ms.map((x) => x.peakRssMiB)).toFixed(0)} MiB`.padStart(9)}`,
    );
    console.log(`  runs (s): ${ms.map((x) => x.seconds.toFixed(2)).join(' ')}`);
  }
  const base = medians.get('gzip')!;
  const ours = medians.get('ours')!;
  console.log(
    `\nours vs tar | gzip: ${(base.s / ours.s).toFixed(1)}× as fast, output ${((ours.bytes / base.bytes) * 100).toFixed(0)}% of gzip's size (ours includes the listing)`,
  );
  const cli = medians.get('zstd-cli')!;
  const napi = medians.get('zstd-napi')!;
  console.log(
    `zstd program vs zstd-napi stream, both without listing: ${(napi.s / cli.s).toFixed(2)}× (>1: the program is faster)`,
  );
}

const [mode, folder, out] = process.argv.slice(2);
if (mode) await runChild(mode as Mode, folder!, out!);
else await main();
