/**
 * One child process of the signals benchmark: builds an event of `--bytes` bytes whose `--fill` field(s)
 * hold `--unit` text (or the typical event as it is, with `--unit none`), then times JSON.parse +
 * normalize + render of every format (first pass and median of 20) and the baseline JSON.parse +
 * JSON.stringify of the same text, and prints one JSON line with the process's peak RSS.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { normalizeInput } from '../src/core/normalize/normalizeInput.js';
import { renderSignal } from '../src/core/render/renderSignal.js';

const { values } = parseArgs({
  options: {
    unit: { type: 'string' },
    fill: { type: 'string' },
    bytes: { type: 'string' },
    policy: { type: 'boolean' },
  },
});
const UNITS: Record<string, string> = {
  ascii: 'a',
  emoji: '👨‍👩‍👧‍👦',
  combining: 'e\u0301\u0302\u0303',
  lone: '\ud800',
};
const event = JSON.parse(
  readFileSync(new URL('../test/fixtures/events/eventbridge-backup/backup-job-failed.json', import.meta.url), 'utf8'),
) as { detail: Record<string, unknown> };
const fields = (values.fill ?? 'resourceArn').split(',');
const unit = values.unit ?? 'none';
const target = Number(values.bytes ?? 262_144);

if (unit !== 'none') {
  const text = UNITS[unit] ?? 'a';
  const size = () => Buffer.byteLength(JSON.stringify(event));
  // Grow the fields together until the event is as large as asked (bytes as EventBridge counts them).
  const repeat = (n: number) => text.repeat(Math.max(0, n));
  let per = 1;
  const fill = (n: number) => {
    for (const f of fields) event.detail[f] = `${String(event.detail[f] ?? '')}`.slice(0, 60) + repeat(n);
  };
  const unitBytes = Buffer.byteLength(JSON.stringify(text)) - 2;
  per = Math.floor((target - size()) / (unitBytes * fields.length));
  fill(per);
  while (size() > target && per > 0) fill(--per);
}
if (values.policy) {
  // An UpdatePolicy whose document (a valid backup policy of many plans) fills the whole event.
  const update = JSON.parse(
    readFileSync(
      new URL('../test/fixtures/events/cloudtrail/organizations-updatepolicy.json', import.meta.url),
      'utf8',
    ),
  ) as { detail: { requestParameters: Record<string, unknown> } };
  const plan = (i: number) => ({
    regions: { '@@assign': ['eu-west-1', 'eu-central-1'] },
    rules: {
      [`Daily${i}`]: {
        schedule_expression: { '@@assign': 'cron(0 2 ? * * *)' },
        target_backup_vault_name: { '@@assign': `vault-${i}` },
        lifecycle: { delete_after_days: { '@@assign': String(30 + (i % 60)) } },
      },
    },
    selections: {
      tags: { [`sel${i}`]: { tag_key: { '@@assign': 'backup' }, tag_value: { '@@assign': [`tier-${i}`] } } },
    },
  });
  const plans: Record<string, unknown> = {};
  for (let i = 0; Buffer.byteLength(JSON.stringify(JSON.stringify({ plans }))) < target - 4_000; i++)
    plans[`Plan${i}`] = plan(i);
  update.detail.requestParameters.content = JSON.stringify({ plans });
  Object.assign(event, update);
}
const text = JSON.stringify(event);

let sink = 0;
function ours(): number {
  const start = performance.now();
  for (const signal of normalizeInput(JSON.parse(text))) {
    const r = renderSignal(signal);
    sink += r.subject.length + r.text.length + JSON.stringify(r.slack).length + JSON.stringify(r.teams).length;
    sink += JSON.stringify(r.webhook).length;
  }
  return performance.now() - start;
}
function baseline(): number {
  const start = performance.now();
  sink += JSON.stringify(JSON.parse(text), null, 2).length;
  return performance.now() - start;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const first = ours();
const runs = Array.from({ length: 20 }, ours);
const base = Array.from({ length: 20 }, baseline);
console.log(
  JSON.stringify({
    bytes: Buffer.byteLength(text),
    firstMs: first,
    medianMs: median(runs),
    baselineMs: median(base),
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    sink: sink > 0,
  }),
);
