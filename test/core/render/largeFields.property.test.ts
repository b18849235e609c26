/**
 * An input may be as large as EventBridge accepts (256 KB), and any of its strings may be most of it:
 * normalization and rendering must stay total and bounded whatever a field holds. These tests put long
 * values (ASCII, combining marks, emoji sequences, lone surrogates) into every kind of field that reaches a
 * message — inside JSON carried as text too (SNS Message, SQS body) — and check that every signal is valid,
 * within the field limits, renders within every channel's limits, and says when a value was shortened.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FIELD_LIMITS } from '../../../src/core/normalize/boundSignal.js';
import { normalizeInput } from '../../../src/core/normalize/normalizeInput.js';
import { signalProblems } from '../../../src/core/normalize/signalSchema.js';
import { renderSignal } from '../../../src/core/render/renderSignal.js';
import type { Signal } from '../../../src/core/signal.js';
import { type Fixture, loadFixtures } from '../normalize/fixtureCorpus.js';
import { limitViolations } from './renderingChecks.js';

const fixtures = loadFixtures();

/** Repeating units: each stresses another part of text handling. */
const UNITS = {
  ascii: 'a',
  words: 'arn and words ',
  combining: 'e\u0301\u0302\u0303',
  emoji: '👨‍👩‍👧‍👦🇫🇷',
  lone: '\ud800x\udc00',
  controls: '\u0000\n\r\t\u2028',
  quotes: '"\'',
} as const;

type Unit = keyof typeof UNITS;

function longText(unit: Unit, length: number): string {
  const u = UNITS[unit];
  return u.repeat(Math.ceil(length / u.length)).slice(0, length);
}

/** A way to replace one string of an input: a path into the object, through JSON carried as text. */
interface StringLeaf {
  readonly path: string;
  replace(input: unknown, value: string): unknown;
}

/** Every string leaf of `value`; strings that hold a JSON object or array are followed into as well. */
function stringLeaves(value: unknown, path = ''): StringLeaf[] {
  if (typeof value === 'string') {
    const here: StringLeaf = { path, replace: (_input, v) => v };
    const trimmed = value.trimStart();
    if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return [here];
    let inner: unknown;
    try {
      inner = JSON.parse(value);
    } catch {
      return [here];
    }
    return [
      here,
      ...stringLeaves(inner, `${path}<json>`).map((leaf) => ({
        path: leaf.path,
        replace: (input: unknown, v: string) => JSON.stringify(leaf.replace(JSON.parse(input as string), v)),
      })),
    ];
  }
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) =>
    stringLeaves(child, `${path}.${key}`).map((leaf) => ({
      path: leaf.path,
      replace: (input: unknown, v: string) => {
        const copy = (Array.isArray(input) ? [...input] : { ...(input as object) }) as Record<string, unknown>;
        copy[key] = leaf.replace(copy[key], v);
        return copy;
      },
    })),
  );
}

/** Fails naming the field when a text field of the signal is over its limit. */
function expectWithinLimits(signal: Signal): void {
  const { word, identifier, message, policyDocument, detailValue, detailLabel, linkUrl } = FIELD_LIMITS;
  const checks: [string, string | undefined, number][] = [
    ['eventType', signal.eventType, word],
    ['state', signal.state, word],
    ['account', signal.account, word],
    ['region', signal.region, word],
    ['jobId', signal.jobId, identifier],
    ['recoveryPointArn', signal.recoveryPointArn, identifier],
    ['statusMessage', signal.statusMessage, message],
    ['actor', signal.actor, identifier],
    ['reason', signal.reason, message],
    ['resource.arn', signal.resource.arn, identifier],
    ['resource.name', signal.resource.name, identifier],
    ['resource.type', signal.resource.type, word],
    ['vault.name', signal.vault?.name, identifier],
    ['vault.arn', signal.vault?.arn, identifier],
    ['policy.name', signal.policy?.name, identifier],
    ['policy.content', signal.policy?.content, policyDocument],
    ...Object.entries(signal.details).flatMap(([k, v]): [string, string | undefined, number][] => [
      ['details label', k, detailLabel],
      [`details.${k.slice(0, 40)}`, v, detailValue],
    ]),
    ...signal.links.map((l): [string, string | undefined, number] => ['link url', l.url, linkUrl]),
  ];
  for (const [field, value, max] of checks) {
    if (value !== undefined && value.length > max) throw new Error(`${field} has ${value.length} > ${max}`);
  }
}

function checkInput(input: unknown): Signal[] {
  const signals = normalizeInput(input);
  for (const signal of signals) {
    const problems = signalProblems(signal);
    if (problems) throw new Error(`invalid signal: ${problems}`);
    expectWithinLimits(signal);
    const rendering = renderSignal(signal);
    expect(limitViolations(rendering)).toEqual([]);
    if (signal.shortened) {
      expect(rendering.text).toContain('Shortened');
      expect(rendering.webhook.shortened.length).toBe(signal.shortened.length);
    }
  }
  return signals;
}

const leavesOf = new Map<Fixture, StringLeaf[]>(fixtures.map((f) => [f, stringLeaves(f.input)]));
const withLeaves = fixtures.filter((f) => (leavesOf.get(f)?.length ?? 0) > 0);

/** The current value of a string leaf (read by replacing it with a marker and finding the difference). */
function stringLeafValue(input: unknown, leaf: StringLeaf): string {
  let seen = '';
  const probe = (value: unknown, path: string): void => {
    if (path === leaf.path && typeof value === 'string') seen = value;
  };
  walkStrings(input, '', probe);
  return seen;
}

function walkStrings(value: unknown, path: string, visit: (value: unknown, path: string) => void): void {
  visit(value, path);
  if (typeof value === 'string') {
    const trimmed = value.trimStart();
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
      try {
        walkStrings(JSON.parse(value), `${path}<json>`, visit);
      } catch {
        // not JSON: a plain string leaf
      }
    }
    return;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) walkStrings(child, `${path}.${key}`, visit);
  }
}

describe('inputs with very long fields', () => {
  it('normalize and render within every limit, whatever field holds what (0–250,000 characters)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...withLeaves),
        fc.nat(),
        fc.constantFrom(...(Object.keys(UNITS) as Unit[])),
        fc.oneof(fc.integer({ min: 0, max: 5_000 }), fc.integer({ min: 5_000, max: 250_000 })),
        (fixture, pick, unit, length) => {
          const leaves = leavesOf.get(fixture) ?? [];
          const leaf = leaves[pick % leaves.length] as StringLeaf;
          checkInput(leaf.replace(structuredClone(fixture.input), longText(unit, length)));
        },
      ),
      { numRuns: 150 },
    );
  });

  const named = (name: string) => {
    const found = fixtures.find((f) => f.name === name);
    if (!found) throw new Error(`no fixture ${name}`);
    return found;
  };
  const leaf = (fixture: Fixture, path: string) => {
    const found = leavesOf.get(fixture)?.find((l) => l.path === path);
    if (!found) throw new Error(`no string at ${path} in ${fixture.name}`);
    return found;
  };

  it.each([
    ['eventbridge-backup/backup-job-failed', '.detail.resourceArn'],
    ['eventbridge-backup/backup-job-failed', '.detail.backupVaultName'],
    ['eventbridge-backup/backup-job-failed', '.detail.statusMessage'],
    ['eventbridge-backup/copy-job-failed.seed', '.detail.destinationBackupVaultArn'],
    ['cloudtrail/organizations-updatepolicy', '.detail.requestParameters.content'],
    ['cloudtrail/organizations-createpolicy', '.detail.requestParameters.name'],
    ['cloudtrail/backup-deleterecoverypoint', '.detail.userIdentity.arn'],
    ['cloudtrail/backup-deleterecoverypoint', '.detail.userAgent'],
    ['cloudtrail/organizations-deletepolicy-denied', '.detail.errorMessage'],
    ['backup-vault-sns/backup-job-failed', '.Records.0.Sns.Message'],
    ['rds-sns/export-failed', '.Records.0.Sns.Message<json>.Event Message'],
    ['cloudwatch-alarm/docs-single-metric-backup-jobs-failed', '.detail.alarmName'],
  ])('%s with 250,000 more characters in %s renders and says the value was shortened', (name, path) => {
    const fixture = named(name);
    const where = leaf(fixture, path);
    const original = stringLeafValue(fixture.input, where);
    for (const unit of ['ascii', 'words', 'emoji', 'combining', 'lone'] as const) {
      const signals = checkInput(where.replace(structuredClone(fixture.input), original + longText(unit, 250_000)));
      expect(signals.length).toBeGreaterThan(0);
      for (const signal of signals) {
        // A value either fails its field's validation (an ARN with spaces is no ARN) or is kept shortened.
        const kept = JSON.stringify({ ...signal, raw: undefined }).length;
        if (!signal.shortened) expect(kept, `${unit}: a long value was kept whole`).toBeLessThan(20_000);
      }
      // Plain letters appended keep every field valid: then the value must be there, shortened.
      if (unit === 'ascii')
        expect(
          signals.some((s) => s.shortened),
          'nothing says a value was shortened',
        ).toBe(true);
      // The input stays whole where it is kept.
      expect(JSON.stringify(signals[0]?.raw).length).toBeGreaterThan(250_000);
    }
  });
});
