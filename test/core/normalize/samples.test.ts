import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { normalizeInput } from '../../../src/core/normalize/normalizeInput.js';
import { signalProblems } from '../../../src/core/normalize/signalSchema.js';

const samplesDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../samples/events');
const samples = readdirSync(samplesDir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => ({ name: f, input: JSON.parse(readFileSync(join(samplesDir, f), 'utf8')) as unknown }));
const signals = samples.flatMap((s) => normalizeInput(s.input).map((signal) => ({ file: s.name, signal })));

describe('the demo samples read by `vaultpilot simulate`', () => {
  it('normalize to one valid signal each', () => {
    expect(signals).toHaveLength(samples.length);
    for (const { signal } of signals) expect(signalProblems(signal)).toBeUndefined();
  });

  it('contain exactly one malformed event, so the demo shows what unparsed input looks like', () => {
    expect(signals.filter((s) => s.signal.kind === 'unparsed').map((s) => s.file)).toEqual([
      '16-malformed-backup-job-without-state.json',
    ]);
  });

  it('show failures and successes, a policy update, a tamper call, RDS via SNS, a vault notification and an alarm', () => {
    const seen = new Set(signals.map(({ signal }) => `${signal.kind}/${signal.source}`));
    for (const expected of [
      'backup-job/eventbridge',
      'policy-change/cloudtrail-api-call',
      'tamper/cloudtrail-api-call',
      'rds-snapshot/rds-sns',
      'backup-job/backup-vault-sns',
      'alarm/cloudwatch-alarm',
    ])
      expect(seen).toContain(expected);
    const severities = new Set(signals.map(({ signal }) => signal.severity));
    expect([...severities].sort()).toEqual(['critical', 'info', 'warning']);
  });

  it('include a policy update whose document spans several lines', () => {
    const update = signals.find(({ signal }) => signal.policy?.operation === 'UpdatePolicy');
    expect(update?.signal.policy?.content?.split('\n').length).toBeGreaterThan(5);
  });
});
