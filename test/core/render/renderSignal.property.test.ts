import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderSignal } from '../../../src/core/render/renderSignal.js';
import { INPUT_SHAPES, OUTCOMES, SEVERITIES, SIGNAL_KINDS, type Signal } from '../../../src/core/signal.js';
import { limitViolations, rawDumps } from './renderingChecks.js';

/** Any text a hostile or broken input could carry: unicode, control characters, markup, lone surrogates. */
const anyText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({
    unit: fc.constantFrom('<', '>', '&', '*', '`', '\n', '\u0000', '\ud800', '🎂', 'é', ' ', 'a'),
    maxLength: 400,
  }),
  fc.string({ minLength: 1000, maxLength: 3000 }),
);
const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const isoTime = fc
  .integer({ min: Date.parse('2020-01-01T00:00:00Z'), max: Date.parse('2030-01-01T00:00:00Z') })
  .map((ms) => new Date(ms).toISOString());
const timeText = fc.oneof(isoTime, anyText);
const link = fc.record({
  label: anyText,
  url: fc.oneof(fc.webUrl({ validSchemes: ['https'] }), anyText),
});
const policyContent = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.jsonValue().map((v) => JSON.stringify(v, null, 2).replace(/_/g, '_\n')),
  anyText,
);

const signalArb: fc.Arbitrary<Signal> = fc.record(
  {
    id: anyText,
    kind: fc.constantFrom(...SIGNAL_KINDS),
    outcome: fc.constantFrom(...OUTCOMES),
    severity: fc.constantFrom(...SEVERITIES),
    source: fc.constantFrom(...INPUT_SHAPES),
    eventType: anyText,
    state: opt(anyText),
    account: opt(anyText),
    region: opt(anyText),
    vault: opt(fc.record({ name: opt(anyText), arn: opt(anyText) })),
    resource: fc.record({ arn: opt(anyText), type: opt(anyText), name: opt(anyText) }),
    jobId: opt(anyText),
    recoveryPointArn: opt(anyText),
    statusMessage: opt(anyText),
    times: fc.record({
      event: opt(timeText),
      created: opt(timeText),
      started: opt(timeText),
      completed: opt(timeText),
      startBy: opt(timeText),
    }),
    actor: opt(anyText),
    policy: opt(
      fc.record({
        id: opt(anyText),
        name: opt(anyText),
        type: opt(fc.constantFrom('BACKUP_POLICY', 'SERVICE_CONTROL_POLICY')),
        arn: opt(anyText),
        content: opt(policyContent),
        targetId: opt(anyText),
        operation: opt(
          fc.constantFrom('CreatePolicy', 'UpdatePolicy', 'DeletePolicy', 'AttachPolicy', 'EnablePolicyType'),
        ),
      }),
    ),
    details: fc.dictionary(anyText, anyText, { maxKeys: 30 }),
    links: fc.array(link, { maxLength: 30 }),
    reason: opt(anyText),
    raw: fc.oneof(fc.jsonValue(), fc.anything()),
  },
  {
    requiredKeys: [
      'id',
      'kind',
      'outcome',
      'severity',
      'source',
      'eventType',
      'resource',
      'times',
      'details',
      'links',
      'raw',
    ],
  },
) as fc.Arbitrary<Signal>;

describe('renderSignal (property)', () => {
  it('renders any signal without throwing, within every channel limit, without dumping the raw input', () => {
    fc.assert(
      fc.property(signalArb, opt(policyContent), (signal, previousPolicyContent) => {
        const rendering = renderSignal(signal, previousPolicyContent === undefined ? {} : { previousPolicyContent });
        expect(limitViolations(rendering)).toEqual([]);
        expect(rawDumps(rendering, signal.raw)).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('never dumps a large raw input, even for an unparsed signal', () => {
    const bigRaw = fc
      .dictionary(fc.string({ minLength: 1, maxLength: 20 }), fc.jsonValue(), { minKeys: 5 })
      .filter((raw) => JSON.stringify(raw).length > 200);
    fc.assert(
      fc.property(signalArb, bigRaw, (signal, raw) => {
        const rendering = renderSignal({ ...signal, kind: 'unparsed', raw });
        expect(rawDumps(rendering, raw)).toEqual([]);
        expect(rendering.text).toContain('Input excerpt');
      }),
      { numRuns: 100 },
    );
  });
});
