import { describe, expect, it } from 'vitest';
import { evaluateRpo, resolveRpoThreshold, shouldAlertRpo } from '../../../src/core/config/rpoThresholds.js';
import type { RuntimeRpoSettings } from '../../../src/core/config/runtimeSettings.js';

const RPO: RuntimeRpoSettings = {
  enabled: true,
  defaultHours: 24,
  resourceTypes: { RDS: 12, DynamoDB: 6 },
  tags: [
    { key: 'tier', value: 'gold', hours: 4 },
    { key: 'tier', value: 'bronze', hours: 72 },
    { key: 'critical', hours: 2 },
  ],
};

describe('resolveRpoThreshold', () => {
  it('uses a matching tag first', () => {
    expect(resolveRpoThreshold({ type: 'RDS', tags: { tier: 'gold' } }, RPO)).toEqual({
      hours: 4,
      source: 'tag',
      tag: { key: 'tier', value: 'gold' },
    });
  });

  it('lets a tag rule loosen the resource type threshold too', () => {
    expect(resolveRpoThreshold({ type: 'DynamoDB', tags: { tier: 'bronze' } }, RPO).hours).toBe(72);
  });

  it('takes the strictest of several matching tag rules', () => {
    expect(resolveRpoThreshold({ tags: { tier: 'bronze', critical: 'yes' } }, RPO)).toEqual({
      hours: 2,
      source: 'tag',
      tag: { key: 'critical' },
    });
  });

  it('matches a rule without value on any value of its key', () => {
    expect(resolveRpoThreshold({ tags: { critical: '' } }, RPO).hours).toBe(2);
  });

  it('ignores tags whose value does not match', () => {
    expect(resolveRpoThreshold({ type: 'RDS', tags: { tier: 'silver' } }, RPO)).toEqual({
      hours: 12,
      source: 'resource-type',
      resourceType: 'RDS',
    });
  });

  it('matches the resource type case-insensitively', () => {
    expect(resolveRpoThreshold({ type: 'dynamodb' }, RPO).hours).toBe(6);
  });

  it('falls back to the default', () => {
    expect(resolveRpoThreshold({ type: 'EBS' }, RPO)).toEqual({ hours: 24, source: 'default' });
    expect(resolveRpoThreshold({}, RPO)).toEqual({ hours: 24, source: 'default' });
  });

  it('does not read inherited properties as tags', () => {
    expect(resolveRpoThreshold({ tags: {} }, { ...RPO, tags: [{ key: 'toString', hours: 1 }] }).source).toBe('default');
  });
});

describe('evaluateRpo', () => {
  const rds = { type: 'RDS' };

  it('is within the RPO right up to the threshold', () => {
    const status = evaluateRpo({ resource: rds, lastGoodAt: '2026-11-21T00:00:00Z', now: '2026-11-21T12:00:00Z' }, RPO);
    expect(status).toMatchObject({
      state: 'within',
      ageHours: 12,
      dueAt: '2026-11-21T12:00:00.000Z',
      reference: 'last-good-recovery-point',
    });
  });

  it('is past the RPO once the newest good recovery point is older than the threshold', () => {
    const status = evaluateRpo({ resource: rds, lastGoodAt: '2026-11-21T00:00:00Z', now: '2026-11-21T12:00:01Z' }, RPO);
    expect(status.state).toBe('past');
    expect(status.breachKey).toBe('2026-11-21T00:00:00.000Z');
  });

  it('measures from the first time the resource was seen when nothing good exists yet', () => {
    const status = evaluateRpo(
      { resource: rds, firstSeenAt: '2026-11-20T00:00:00Z', now: '2026-11-21T06:30:00Z' },
      RPO,
    );
    expect(status).toMatchObject({ state: 'past', reference: 'first-seen', ageHours: 30.5 });
  });

  it('cannot decide without any reference time', () => {
    expect(evaluateRpo({ resource: rds, now: '2026-11-21T00:00:00Z' }, RPO)).toEqual({
      state: 'unknown',
      threshold: { hours: 12, source: 'resource-type', resourceType: 'RDS' },
    });
  });

  it('throws on an unreadable time instead of guessing', () => {
    expect(() => evaluateRpo({ resource: rds, lastGoodAt: 'yesterday', now: '2026-11-21T00:00:00Z' }, RPO)).toThrow(
      /lastGoodAt is not an ISO-8601 time/,
    );
  });
});

describe('shouldAlertRpo', () => {
  const late = evaluateRpo(
    { resource: { type: 'EBS' }, lastGoodAt: '2026-11-19T00:00:00Z', now: '2026-11-21T00:00:00Z' },
    RPO,
  );

  it('alerts the first time a resource is past its RPO', () => {
    expect(shouldAlertRpo(late)).toBe(true);
  });

  it('alerts once per breach: not again while the same recovery point is the newest', () => {
    expect(shouldAlertRpo(late, late.breachKey)).toBe(false);
  });

  it('alerts again after a newer recovery point has lapsed too', () => {
    const later = evaluateRpo(
      { resource: { type: 'EBS' }, lastGoodAt: '2026-11-20T00:00:00Z', now: '2026-11-21T01:00:00Z' },
      RPO,
    );
    expect(shouldAlertRpo(later, late.breachKey)).toBe(true);
  });

  it('never alerts within the RPO', () => {
    const fine = evaluateRpo(
      { resource: { type: 'EBS' }, lastGoodAt: '2026-11-20T23:00:00Z', now: '2026-11-21T00:00:00Z' },
      RPO,
    );
    expect(shouldAlertRpo(fine)).toBe(false);
  });
});
