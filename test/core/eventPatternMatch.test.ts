import { describe, expect, it } from 'vitest';
import { type EventPattern, EventPatternError, matchesEventPattern } from '../../src/core/eventPatternMatch.js';

const event = {
  source: 'aws.backup',
  'detail-type': 'Backup Job State Change',
  account: '111122223333',
  resources: ['arn:aws:ec2:eu-west-1::snapshot/snap-1', 'arn:aws:backup:eu-west-1:111122223333:backup-vault:prod'],
  detail: {
    state: 'FAILED',
    statusMessage: null,
    bytesTransferred: 42,
    createdBy: { backupPlanId: 'plan-1' },
    tags: [{ key: 'env', value: 'prod' }],
  },
};

describe('matchesEventPattern', () => {
  it('matches exact values and ignores fields the pattern does not name', () => {
    expect(matchesEventPattern({ source: ['aws.backup'], detail: { state: ['FAILED'] } }, event)).toBe(true);
    expect(matchesEventPattern({ source: ['aws.backup'], detail: { state: ['COMPLETED'] } }, event)).toBe(false);
  });

  it('treats a leaf array as alternatives', () => {
    expect(matchesEventPattern({ detail: { state: ['EXPIRED', 'FAILED'] } }, event)).toBe(true);
  });

  it('matches an array in the event when any element matches', () => {
    expect(matchesEventPattern({ resources: [{ suffix: ':backup-vault:prod' }] }, event)).toBe(true);
    expect(matchesEventPattern({ resources: ['arn:aws:s3:::nope'] }, event)).toBe(false);
  });

  it('matches nested objects inside event arrays element by element', () => {
    expect(matchesEventPattern({ detail: { tags: { key: ['env'], value: ['prod'] } } }, event)).toBe(true);
    expect(matchesEventPattern({ detail: { tags: { key: ['env'], value: ['dev'] } } }, event)).toBe(false);
  });

  it('never matches a field absent from the event, except with exists false', () => {
    expect(matchesEventPattern({ detail: { status: ['FAILED'] } }, event)).toBe(false);
    expect(matchesEventPattern({ detail: { status: [{ 'anything-but': 'COMPLETED' }] } }, event)).toBe(false);
    expect(matchesEventPattern({ detail: { status: [{ exists: false }] } }, event)).toBe(true);
    expect(matchesEventPattern({ detail: { state: [{ exists: false }] } }, event)).toBe(false);
    expect(matchesEventPattern({ detail: { state: [{ exists: true }] } }, event)).toBe(true);
    expect(matchesEventPattern({ missing: { deeper: ['x'] } }, event)).toBe(false);
  });

  it('does not treat an intermediate object as an existing leaf', () => {
    expect(matchesEventPattern({ detail: { createdBy: [{ exists: true }] } }, event)).toBe(false);
  });

  it('matches null only against null', () => {
    expect(matchesEventPattern({ detail: { statusMessage: [null] } }, event)).toBe(true);
    expect(matchesEventPattern({ detail: { state: [null] } }, event)).toBe(false);
  });

  it('supports prefix and suffix, with or without equals-ignore-case', () => {
    expect(matchesEventPattern({ source: [{ prefix: 'aws.' }] }, event)).toBe(true);
    expect(matchesEventPattern({ source: [{ prefix: 'AWS.' }] }, event)).toBe(false);
    expect(matchesEventPattern({ source: [{ prefix: { 'equals-ignore-case': 'AWS.' } }] }, event)).toBe(true);
    expect(matchesEventPattern({ 'detail-type': [{ suffix: { 'equals-ignore-case': 'state CHANGE' } }] }, event)).toBe(
      true,
    );
    expect(matchesEventPattern({ 'detail-type': [{ suffix: 'Event' }] }, event)).toBe(false);
  });

  it('supports equals-ignore-case and wildcard', () => {
    expect(matchesEventPattern({ detail: { state: [{ 'equals-ignore-case': 'failed' }] } }, event)).toBe(true);
    expect(matchesEventPattern({ 'detail-type': [{ wildcard: '* Job State *' }] }, event)).toBe(true);
    expect(matchesEventPattern({ 'detail-type': [{ wildcard: 'Copy*' }] }, event)).toBe(false);
    expect(matchesEventPattern({ a: [{ wildcard: 'x\\*y' }] }, { a: 'x*y' })).toBe(true);
    expect(matchesEventPattern({ a: [{ wildcard: 'x\\*y' }] }, { a: 'xzy' })).toBe(false);
  });

  it('supports anything-but with values, lists, prefix, suffix, wildcard and ignore-case', () => {
    expect(matchesEventPattern({ detail: { state: [{ 'anything-but': 'COMPLETED' }] } }, event)).toBe(true);
    expect(matchesEventPattern({ detail: { state: [{ 'anything-but': ['FAILED', 'EXPIRED'] }] } }, event)).toBe(false);
    expect(matchesEventPattern({ source: [{ 'anything-but': { prefix: 'aws.' } }] }, event)).toBe(false);
    expect(matchesEventPattern({ source: [{ 'anything-but': { suffix: '.ec2' } }] }, event)).toBe(true);
    expect(matchesEventPattern({ source: [{ 'anything-but': { wildcard: 'aws.*' } }] }, event)).toBe(false);
    expect(
      matchesEventPattern({ detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['failed'] } }] } }, event),
    ).toBe(false);
    expect(matchesEventPattern({ detail: { bytesTransferred: [{ 'anything-but': [0] }] } }, event)).toBe(true);
  });

  it('supports numeric ranges on numbers only', () => {
    expect(matchesEventPattern({ detail: { bytesTransferred: [{ numeric: ['>', 0, '<=', 42] }] } }, event)).toBe(true);
    expect(matchesEventPattern({ detail: { bytesTransferred: [{ numeric: ['>', 42] }] } }, event)).toBe(false);
    expect(matchesEventPattern({ detail: { bytesTransferred: [{ numeric: ['=', 42] }] } }, event)).toBe(true);
    expect(matchesEventPattern({ detail: { state: [{ numeric: ['>', 0] }] } }, event)).toBe(false);
  });

  it('matches $or when any alternative matches, alongside the other fields', () => {
    const pattern: EventPattern = {
      source: ['aws.backup'],
      $or: [{ detail: { state: ['FAILED'] } }, { detail: { status: ['FAILED'] } }],
    };
    expect(matchesEventPattern(pattern, event)).toBe(true);
    expect(matchesEventPattern(pattern, { ...event, detail: { status: 'FAILED' } })).toBe(true);
    expect(matchesEventPattern(pattern, { ...event, detail: { status: 'COMPLETED' } })).toBe(false);
    expect(matchesEventPattern({ ...pattern, source: ['aws.ec2'] }, event)).toBe(false);
  });

  it('matches only a single event object, as EventBridge evaluates them', () => {
    expect(matchesEventPattern({ source: ['aws.backup'] }, [event])).toBe(false);
    expect(matchesEventPattern({ source: ['aws.backup'] }, null)).toBe(false);
    expect(matchesEventPattern({ source: ['aws.backup'] }, JSON.stringify(event))).toBe(false);
  });

  it('rejects patterns outside the supported subset instead of guessing', () => {
    expect(() => matchesEventPattern({ a: [{ cidr: '10.0.0.0/8' } as never] }, { a: '10.0.0.1' })).toThrow(
      EventPatternError,
    );
    expect(() => matchesEventPattern({ $or: [{ a: ['x'] }] }, { a: 'x' })).toThrow(EventPatternError);
    expect(() => matchesEventPattern({ a: [] }, { a: 'x' })).toThrow(EventPatternError);
  });
});
