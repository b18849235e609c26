import { describe, expect, it } from 'vitest';
import { matchesEventPattern } from '../../../src/core/eventPatternMatch.js';
import {
  findSilentSources,
  SOURCE_HEARTBEAT_PATTERN,
  silentSourceSignal,
  sourceHeardAgainSignal,
  sourceHeartbeatOf,
} from '../../../src/core/heartbeat/sourceHeartbeat.js';
import { renderSignal } from '../../../src/core/render/renderSignal.js';

/** A scheduled event as EventBridge emits it for a rule with a schedule expression. */
const beat = {
  version: '0',
  id: '89d1a02d-5ec7-412e-82f5-13505f849b41',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '333333333333',
  time: '2026-12-03T10:15:00Z',
  region: 'eu-central-1',
  resources: ['arn:aws:events:eu-central-1:333333333333:rule/vaultpilot-heartbeat'],
  detail: {},
};

describe('sourceHeartbeatOf', () => {
  it('reads the account, Region and time of a heartbeat, and the central bus rule matches it', () => {
    expect(sourceHeartbeatOf(beat)).toEqual({
      account: '333333333333',
      region: 'eu-central-1',
      atMs: Date.parse('2026-12-03T10:15:00Z'),
    });
    expect(matchesEventPattern(SOURCE_HEARTBEAT_PATTERN, beat)).toBe(true);
  });

  it('leaves other scheduled events and malformed ones to normalization', () => {
    const other = { ...beat, resources: ['arn:aws:events:eu-central-1:333333333333:rule/nightly-report'] };
    expect(sourceHeartbeatOf(other)).toBeUndefined();
    expect(matchesEventPattern(SOURCE_HEARTBEAT_PATTERN, other)).toBe(false);
    expect(sourceHeartbeatOf({ ...beat, account: 'x' })).toBeUndefined();
    expect(sourceHeartbeatOf({ ...beat, time: 'yesterday' })).toBeUndefined();
    expect(sourceHeartbeatOf('text')).toBeUndefined();
  });
});

describe('findSilentSources', () => {
  it('lists sources not heard from for longer than the limit, oldest first', () => {
    const now = Date.parse('2026-12-03T12:00:00Z');
    const sources = [
      { account: '1', region: 'eu-west-1', lastHeardMs: now - 10 * 60_000 },
      { account: '2', region: 'eu-west-1', lastHeardMs: now - 61 * 60_000 },
      { account: '3', region: 'us-east-1', lastHeardMs: now - 300 * 60_000 },
    ];
    expect(findSilentSources(sources, now, 60).map((s) => s.account)).toEqual(['3', '2']);
  });
});

describe('silentSourceSignal', () => {
  const now = Date.parse('2026-12-03T12:00:00Z');
  const source = { account: '333333333333', region: 'eu-central-1', lastHeardMs: now - 3 * 3_600_000 };

  it('is a critical alarm that says where, since when, and what to check, once per silence', () => {
    const signal = silentSourceSignal(source, now, 60);
    expect(signal.severity).toBe('critical');
    expect(signal.id).toBe(silentSourceSignal(source, now + 3_600_000, 60).id);
    const { subject, text } = renderSignal(signal);
    expect(subject).toContain('333333333333 / eu-central-1');
    expect(text).toContain('for 3 hours');
    expect(text).toContain('dead-letter queue');
  });

  it('has a different id for a later silence and a readable notice when the source is heard again', () => {
    const later = { ...source, lastHeardMs: now };
    expect(silentSourceSignal(later, now + 7_200_000, 60).id).not.toBe(silentSourceSignal(source, now, 60).id);
    const back = sourceHeardAgainSignal(source, source.lastHeardMs, now);
    expect(back.outcome).toBe('ok');
    expect(renderSignal(back).text).toContain('again, after 3 hours of silence');
  });
});
