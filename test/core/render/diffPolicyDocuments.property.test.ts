import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffPolicyDocuments, MAX_DIFF_LINES } from '../../../src/core/policy/diffPolicyDocuments.js';

const roundTrip = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;
const documentArb = fc.jsonValue({ maxDepth: 4 }).map(roundTrip);
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 500 }),
  documentArb.map((d) => JSON.stringify(d, null, 2)),
  // Valid JSON broken the way real documents are: a raw line break inside a string, a cut-off end.
  documentArb.map((d) => JSON.stringify(d).replace(/_/g, '_\n')),
  documentArb.map((d) => JSON.stringify(d).slice(0, -1)),
);

describe('diffPolicyDocuments (property)', () => {
  it('never throws, stays bounded and never emits control characters, whatever the texts', () => {
    fc.assert(
      fc.property(fc.option(anyText, { nil: undefined }), fc.option(anyText, { nil: undefined }), (before, after) => {
        const diff = diffPolicyDocuments(before, after);
        if (before === undefined && after === undefined) {
          expect(diff).toBeUndefined();
          return;
        }
        expect(diff).toBeDefined();
        expect(diff?.lines.length).toBeLessThanOrEqual(MAX_DIFF_LINES);
        for (const line of diff?.lines ?? []) {
          expect(line.text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
          expect(line.text.length).toBeLessThanOrEqual(240);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('reports "unchanged" exactly when two valid documents are equal', () => {
    fc.assert(
      fc.property(documentArb, documentArb, (a, b) => {
        const diff = diffPolicyDocuments(JSON.stringify(a), JSON.stringify(b, null, 1));
        expect(diff?.mode === 'unchanged').toBe(isDeepStrictEqual(a, b));
        if (diff?.mode === 'changes') expect(diff.lines.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });

  it('finds a single changed leaf by its path', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[a-z_]{1,8}$/), { minLength: 1, maxLength: 5 }),
        fc.integer(),
        fc.integer(),
        (path, from, to) => {
          fc.pre(from !== to);
          const nest = (leaf: unknown) => path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), leaf);
          const diff = diffPolicyDocuments(JSON.stringify(nest(from)), JSON.stringify(nest(to)));
          expect(diff?.lines).toEqual([{ op: '~', text: `${path.join('.')}: ${from} → ${to}` }]);
        },
      ),
      { numRuns: 200 },
    );
  });
});
