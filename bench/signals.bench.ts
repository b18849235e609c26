/**
 * Normalize + render throughput over the fixture corpus, in the same run as the baseline the public
 * alarms sample pays for the same events: JSON.parse + JSON.stringify (it mails the raw JSON).
 * Both sides start from the event text, so both pay JSON.parse.
 */
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
