import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { editDistance, suggestName } from '../../../src/core/config/suggestName.js';

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and swapped neighbours as one edit each', () => {
    expect(editDistance('regions', 'regions')).toBe(0);
    expect(editDistance('regions', 'region')).toBe(1);
    expect(editDistance('regions', 'regionz')).toBe(1);
    expect(editDistance('regions', 'regoins')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('is symmetric', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
        expect(editDistance(a, b)).toBe(editDistance(b, a));
      }),
    );
  });
});

describe('suggestName', () => {
  it('suggests the closest candidate when it is a plausible typo', () => {
    expect(suggestName('regoins', ['regions', 'organizationalUnits'])).toBe('regions');
    expect(suggestName('EU-WEST-1', ['eu-west-1', 'eu-west-2'])).toBe('eu-west-1');
  });

  it('suggests nothing when every candidate is far away', () => {
    expect(suggestName('colour', ['version', 'organization', 'central'])).toBeUndefined();
    expect(suggestName('x', [])).toBeUndefined();
  });
});
