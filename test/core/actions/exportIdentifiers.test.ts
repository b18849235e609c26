import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exportTaskIdentifier, exportTaskIdProblem } from '../../../src/core/actions/exportIdentifiers.js';

const arn = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc
    .tuple(fc.constantFrom('snapshot', 'cluster-snapshot'), fc.string({ minLength: 1, maxLength: 120 }))
    .map(([type, id]) => `arn:aws:rds:eu-west-1:111122223333:${type}:${id}`),
);
const attempt = fc.integer({ min: 1, max: 10_000 });
const name = fc.option(fc.string({ maxLength: 200 }), { nil: undefined });

describe('exportTaskIdentifier', () => {
  it("keeps AWS's rules for every recovery point, name and attempt", () => {
    fc.assert(
      fc.property(arn, attempt, name, (a, n, resource) => {
        const id = exportTaskIdentifier(a, n, resource);
        expect(exportTaskIdProblem(id)).toBeUndefined();
        expect(id).toMatch(/^[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]$/);
        expect(id).not.toContain('--');
        expect(id.length).toBeLessThanOrEqual(60);
      }),
      { numRuns: 2000 },
    );
  });

  it('is deterministic', () => {
    fc.assert(
      fc.property(arn, attempt, name, (a, n, resource) => {
        expect(exportTaskIdentifier(a, n, resource)).toBe(exportTaskIdentifier(a, n, resource));
      }),
    );
  });

  it('differs for every recovery point and attempt (no collisions)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(arn, attempt), { minLength: 2, maxLength: 200, selector: (t) => JSON.stringify(t) }),
        (pairs) => {
          const ids = pairs.map(([a, n]) => exportTaskIdentifier(a, n, 'prod-db'));
          expect(new Set(ids).size).toBe(ids.length);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('gives a new attempt of the same recovery point a new id', () => {
    const rp = 'arn:aws:rds:eu-west-1:111122223333:snapshot:awsbackup:job-5f1c3a2e-0d4b-4f7a-9c1e-2b3d4e5f6a70';
    const ids = [1, 2, 3].map((n) => exportTaskIdentifier(rp, n, 'prod-db'));
    expect(new Set(ids).size).toBe(3);
    expect(ids[0]).toMatch(/^vp-prod-db-[0-9a-f]{12}-1$/);
  });

  it('stays readable for the shapes AWS sends, and at most 60 characters for long names', () => {
    expect(exportTaskIdentifier('arn:aws:rds:eu-west-1:111122223333:snapshot:rds:prod-db-2026-11-20-02-10', 1)).toMatch(
      /^vp-prod-db-2026-11-20-02-10-[0-9a-f]{12}-1$/,
    );
    const long = exportTaskIdentifier('arn:aws:rds:eu-west-1:1:snapshot:x', 1, `${'a-'.repeat(60)}b`);
    expect(long.length).toBeLessThanOrEqual(60);
    expect(exportTaskIdProblem(long)).toBeUndefined();
    expect(exportTaskIdentifier('arn:aws:rds:eu-west-1:1:snapshot:x', 1, '---')).toMatch(/^vp-[0-9a-f]{12}-1$/);
  });

  it('refuses attempts that are not whole numbers from 1', () => {
    expect(() => exportTaskIdentifier('x', 0)).toThrow(RangeError);
    expect(() => exportTaskIdentifier('x', 1.5)).toThrow(RangeError);
  });
});

describe('exportTaskIdProblem', () => {
  it.each([
    ['', 'is empty'],
    ['1abc', 'must start with a letter'],
    ['a_b', 'may hold only ASCII letters, digits and hyphens'],
    ['a--b', 'must not hold two hyphens in a row'],
    ['ab-', 'must not end with a hyphen'],
    ['a'.repeat(61), 'is 61 characters long; at most 60 work'],
  ])('says what is wrong with %j', (id, problem) => {
    expect(exportTaskIdProblem(id)).toBe(problem);
  });
});

describe('exportTaskIdentifier for DynamoDB', () => {
  it('is named after the table, from the name given or else from a DynamoDB backup ARN', () => {
    const backup = 'arn:aws:dynamodb:eu-west-1:111122223333:table/Orders/backup/01763611211204-5f1c3a2e';
    expect(exportTaskIdentifier(backup, 1)).toMatch(/^vp-orders-[0-9a-f]{12}-1$/);
    expect(exportTaskIdentifier(backup, 1, 'Orders')).toBe(exportTaskIdentifier(backup, 1));
    const rp = 'arn:aws:backup:eu-west-1:111122223333:recovery-point:7d3a1e5c-0b2f';
    expect(exportTaskIdentifier(rp, 2, 'Orders.v2')).toMatch(/^vp-orders-v2-[0-9a-f]{12}-2$/);
    expect(exportTaskIdProblem(exportTaskIdentifier(rp, 1))).toBeUndefined();
  });
});
