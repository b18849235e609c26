/**
 * Normalize + render throughput over the fixture corpus, in the same run as the baseline the public
 * alarms sample pays for the same events: JSON.parse + JSON.stringify (it mails the raw JSON).
 * Both sides start from the event text, so both pay JSON.parse.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { normalizeInput } from '../src/core/normalize/normalizeInput.js';
import { renderSignal } from '../src/core/render/renderSignal.js';

const corpusDir = fileURLToPath(new URL('../test/fixtures/events', import.meta.url));

function corpus(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.json') && !e.name.includes('.expected.'))
    .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'))
    .filter((text) => {
      try {
        JSON.parse(text);
        return true;
      } catch {
        return false;
      }
    });
}

const texts = corpus(corpusDir);
let sink = 0;

/** Vaultpilot: parse, normalize, render every format. Returns signals produced. */
function ours(): number {
  let signals = 0;
  for (const text of texts) {
    for (const signal of normalizeInput(JSON.parse(text))) {
      const r = renderSignal(signal);
      sink += r.subject.length + r.text.length + JSON.stringify(r.slack).length + JSON.stringify(r.teams).length;
      sink += JSON.stringify(r.webhook).length;
      signals++;
    }
  }
  return signals;
}

/** The public sample: the raw event, parsed and stringified into the email. Returns events handled. */
function baseline(): number {
  for (const text of texts) sink += JSON.stringify(JSON.parse(text), null, 2).length;
  return texts.length;
}

function rate(fn: () => number, minMs: number): number {
  let items = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < minMs) {
    items += fn();
    elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  }
  return items / (elapsed / 1000);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

rate(ours, 300); // warm up both
rate(baseline, 300);
const oursRates: number[] = [];
const baseRates: number[] = [];
for (let round = 0; round < 7; round++) {
  oursRates.push(rate(ours, 250));
  baseRates.push(rate(baseline, 250));
}
const o = median(oursRates);
const b = median(baseRates);
const signalsPerPass = ours();
console.log(`corpus: ${texts.length} events → ${signalsPerPass} signals per pass (7 alternating rounds, medians)`);
console.log(
  `vaultpilot normalize + render (subject, text, Slack, Teams, webhook): ${Math.round(o).toLocaleString('en-US')} signals/s`,
);
console.log(
  `baseline JSON.parse + JSON.stringify (public sample):                 ${Math.round(b).toLocaleString('en-US')} events/s`,
);
console.log(
  `ratio vaultpilot / baseline: ${(o / b).toFixed(3)}× (per signal: ${(1e6 / o).toFixed(1)} µs vs ${(1e6 / b).toFixed(1)} µs)`,
);
if (sink === 0) console.log('');

// The largest event EventBridge accepts (256 KB), one process per case so each peak RSS is its own.
const cases: [string, string, string][] = [
  ['typical failed backup job', 'none', 'resourceArn'],
  ['256 KB, resourceArn of ASCII', 'ascii', 'resourceArn'],
  ['256 KB, resourceArn of emoji ZWJ sequences', 'emoji', 'resourceArn'],
  ['256 KB, statusMessage of combining marks', 'combining', 'statusMessage'],
  ['256 KB, lone surrogates in 4 fields', 'lone', 'resourceArn,statusMessage,backupVaultName,backupJobId'],
  ['256 KB UpdatePolicy, policy of many plans', 'policy', ''],
];
console.log('\none event, parse + normalize + render every format, each case in its own process:');
console.log('case                                          bytes    first ms  median ms  baseline ms  peak RSS');
for (const [name, unit, fill] of cases) {
  const child = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      fileURLToPath(new URL('./largeEvent.ts', import.meta.url)),
      ...(unit === 'policy' ? ['--policy'] : ['--unit', unit, '--fill', fill]),
    ],
    { encoding: 'utf8' },
  );
  if (child.status !== 0) {
    console.log(
      `${name.padEnd(44)}  FAILED (exit ${child.status}, signal ${child.signal}) ${child.stderr.slice(-300)}`,
    );
    process.exitCode = 1;
    continue;
  }
  const r = JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, number>;
  console.log(
    `${name.padEnd(44)} ${String(r.bytes).padStart(7)} ${(r.firstMs ?? 0).toFixed(1).padStart(10)} ${(r.medianMs ?? 0).toFixed(2).padStart(10)} ${(r.baselineMs ?? 0).toFixed(2).padStart(12)} ${(r.peakRssMiB ?? 0).toFixed(0).padStart(6)} MiB`,
  );
}
