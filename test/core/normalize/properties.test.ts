import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeEvent } from '../../../src/core/normalize/normalizeEvent.js';
import { normalizeInput } from '../../../src/core/normalize/normalizeInput.js';
import { signalProblems } from '../../../src/core/normalize/signalSchema.js';
import type { Signal } from '../../../src/core/signal.js';
import { loadFixtures } from './fixtureCorpus.js';

const fixtures = loadFixtures();

function expectValid(signals: readonly Signal[]): void {
  for (const signal of signals) {
    const problems = signalProblems(signal);
    if (problems) throw new Error(`invalid signal ${JSON.stringify({ ...signal, raw: undefined })}\n${problems}`);
  }
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A copy of `value` with the node at `path` replaced (or removed when `replacement` is undefined). */
function mutate(value: Json, path: readonly number[], replacement: Json | undefined): Json {
  if (path.length === 0 || value === null || typeof value !== 'object') return replacement ?? null;
  const [step = 0, ...rest] = path;
  if (Array.isArray(value)) {
    if (value.length === 0) return value;
    const index = step % value.length;
    const copy = [...value];
    if (rest.length === 0 && replacement === undefined) copy.splice(index, 1);
    else copy[index] = mutate(value[index] as Json, rest, replacement);
    return copy;
  }
  const keys = Object.keys(value);
  if (keys.length === 0) return value;
  const key = keys[step % keys.length] as string;
  const copy = { ...value };
  if (rest.length === 0 && replacement === undefined) delete copy[key];
  else copy[key] = mutate(value[key] as Json, rest, replacement);
  return copy;
}

/** Interesting replacement values: wrong types, empty values, near-miss strings. */
const replacement = fc.option(
  fc.oneof(
    fc.jsonValue(),
    fc.constantFrom<Json>(
      '',
      ' ',
      '""',
      'FAILED',
      'COMPLETED',
      'arn:',
      'arn:aws:s3:::',
      '{',
      '{"a":',
      0,
      -1,
      1e308,
      {},
      [],
    ),
  ),
  { nil: undefined },
) as fc.Arbitrary<Json | undefined>;

describe('normalization properties', () => {
  it('never throws on random JSON values and always yields valid signals', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const signals = normalizeInput(value);
        expectValid(signals);
        expectValid([normalizeEvent(value)]);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on random mutations of real fixtures and always yields valid signals', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...fixtures),
        fc.array(fc.tuple(fc.array(fc.nat(50), { minLength: 1, maxLength: 6 }), replacement), {
          minLength: 1,
          maxLength: 4,
        }),
        (fixture, mutations) => {
          let input = structuredClone(fixture.input) as Json;
          for (const [path, value] of mutations) input = mutate(input, path, value);
          expectValid(normalizeInput(input));
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('never throws on mutated JSON text inside SNS and SQS envelopes', () => {
    const bodies = fixtures.filter(
      (f) => JSON.stringify(f.input).includes('"body"') || JSON.stringify(f.input).includes('"Message"'),
    );
    fc.assert(
      fc.property(fc.constantFrom(...bodies), fc.nat(), fc.string(), (fixture, cut, noise) => {
        const text = JSON.stringify(fixture.input);
        const at = cut % (text.length + 1);
        expectValid(normalizeInput(`${text.slice(0, at)}${noise}${text.slice(at)}`));
        expectValid(normalizeInput(text.slice(0, at)));
      }),
      { numRuns: 500 },
    );
  });

  it('gives the same signals for the same input: ids are deterministic', () => {
    fc.assert(
      fc.property(fc.constantFrom(...fixtures), (fixture) => {
        const first = normalizeInput(structuredClone(fixture.input)).map((s) => s.id);
        const second = normalizeInput(structuredClone(fixture.input)).map((s) => s.id);
        expect(second).toEqual(first);
      }),
      { numRuns: 100 },
    );
  });

  it('gives the same id whatever the EventBridge envelope id and delivery wrapper', () => {
    const events = fixtures.filter(
      (f) => f.name.startsWith('eventbridge-backup/') && !JSON.stringify(f.input).includes('Backup Vault State Change'),
    );
    fc.assert(
      fc.property(fc.constantFrom(...events), fc.uuid(), (fixture, envelopeId) => {
        const event = structuredClone(fixture.input) as Record<string, unknown>;
        const [direct] = normalizeInput(event);
        const viaSqs = normalizeInput({
          Records: [{ eventSource: 'aws:sqs', body: JSON.stringify({ ...event, id: envelopeId }) }],
        });
        expect(viaSqs.map((s) => s.id)).toEqual([direct?.id]);
      }),
      { numRuns: 200 },
    );
  });
});
