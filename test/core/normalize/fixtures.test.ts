import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normalizeInput } from '../../../src/core/normalize/normalizeInput.js';
import { signalProblems } from '../../../src/core/normalize/signalSchema.js';
import { loadFixtures, orphanExpectedFiles, withoutRaw } from './fixtureCorpus.js';

// UPDATE_EXPECTED=1 rewrites the expected files from the current code; review every diff by eye,
// because the expected files are the specification.
const update = process.env.UPDATE_EXPECTED === '1';
const fixtures = loadFixtures();

describe('the event fixture corpus', () => {
  it('has fixtures for every input shape', () => {
    const shapes = new Set(fixtures.map((f) => f.name.split('/')[0]));
    expect([...shapes].sort()).toEqual([
      'actions',
      'backup-vault-sns',
      'broken',
      'cloudtrail',
      'cloudwatch-alarm',
      'eventbridge-backup',
      'rds-eventbridge',
      'rds-sns',
      'wrappers',
    ]);
  });

  it('has an expected file for every fixture and no expected file without a fixture', () => {
    if (update) return;
    expect(fixtures.filter((f) => !existsSync(f.expectedPath)).map((f) => f.name)).toEqual([]);
    expect(orphanExpectedFiles()).toEqual([]);
  });
});

describe('normalizeInput on the fixture corpus', () => {
  it.each(fixtures.map((f) => [f.name, f] as const))('normalizes %s as its expected file says', (_name, fixture) => {
    const signals = normalizeInput(fixture.input);
    for (const signal of signals) expect(signalProblems(signal)).toBeUndefined();
    const actual = signals.map(withoutRaw);
    if (update) {
      writeFileSync(fixture.expectedPath, `${JSON.stringify(actual, null, 2)}\n`);
      return;
    }
    const expected = JSON.parse(readFileSync(fixture.expectedPath, 'utf8')) as unknown;
    expect(actual).toEqual(expected);
  });
});
