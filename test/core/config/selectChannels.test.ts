import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RuntimeSettings } from '../../../src/core/config/runtimeSettings.js';
import { isWatched, routineCategory, selectChannels } from '../../../src/core/config/selectChannels.js';
import { JOB_KINDS, OUTCOMES, SEVERITIES, SIGNAL_KINDS, type Signal } from '../../../src/core/signal.js';

function signal(overrides: Partial<Signal> = {}): Signal {
  return {
    id: 'sig-1',
    kind: 'backup-job',
    outcome: 'failed',
    severity: 'critical',
    source: 'eventbridge',
    eventType: 'Backup Job State Change',
    state: 'FAILED',
    account: '123456789012',
    region: 'eu-west-1',
    vault: { name: 'prod' },
    resource: { type: 'EBS', arn: 'arn:aws:ec2:eu-west-1:123456789012:volume/vol-1' },
    times: {},
    details: {},
    links: [],
    raw: {},
    ...overrides,
  };
}

const SETTINGS: RuntimeSettings = {
  version: 1,
  organizationId: 'o-a1b2c3d4e5',
  managementAccount: '111122223333',
  centralAccount: '444455556666',
  centralRegion: 'eu-west-1',
  eventBusName: 'vaultpilot',
  channels: [
    { name: 'ops', type: 'email' },
    { name: 'oncall', type: 'slack', secret: 'vaultpilot/slack' },
    { name: 'security', type: 'teams', secret: 'vaultpilot/teams' },
    { name: 'incidents', type: 'webhook', secret: 'vaultpilot/hook' },
  ],
  defaultChannel: 'ops',
  routes: [
    { channels: ['oncall', 'ops'], severities: ['critical', 'warning'] },
    { channels: ['security'], severities: ['critical', 'warning', 'info'], kinds: ['tamper', 'policy-change'] },
    { channels: ['incidents'], severities: ['critical'] },
  ],
  successMessages: false,
  progressMessages: false,
  watchedVaults: [],
  rpo: { enabled: true, defaultHours: 24, resourceTypes: {}, tags: [] },
  digest: { enabled: true, time: '08:00', timeZone: 'UTC', channels: ['ops'] },
};

const names = (s: Signal, settings: RuntimeSettings = SETTINGS) => selectChannels(s, settings).map((c) => c.name);

describe('selectChannels', () => {
  it.each([
    ['a failed backup job', signal(), ['ops', 'oncall', 'incidents']],
    ['a partial backup job (warning)', signal({ outcome: 'partial', severity: 'warning' }), ['ops', 'oncall']],
    [
      'a deleted recovery point (tamper, critical)',
      signal({ kind: 'tamper', outcome: 'deleted', severity: 'critical' }),
      ['ops', 'oncall', 'security', 'incidents'],
    ],
    [
      'a backup policy change (info)',
      signal({ kind: 'policy-change', outcome: 'changed', severity: 'info' }),
      ['security'],
    ],
    ['an info signal no route matches', signal({ kind: 'plan', outcome: 'changed', severity: 'info' }), ['ops']],
  ])('routes %s by severity and kind', (_label, s, expected) => {
    expect(names(s)).toEqual(expected);
  });

  it('returns channels in the order the configuration defines them, each once', () => {
    const refs = selectChannels(signal({ kind: 'tamper', outcome: 'deleted' }), SETTINGS);
    expect(refs).toEqual(SETTINGS.channels);
  });

  it('gives channel references with their secrets so the delivery function can post', () => {
    expect(selectChannels(signal({ outcome: 'partial', severity: 'warning' }), SETTINGS)).toEqual([
      { name: 'ops', type: 'email' },
      { name: 'oncall', type: 'slack', secret: 'vaultpilot/slack' },
    ]);
  });

  it('sends successes nowhere while success messages are off', () => {
    expect(names(signal({ outcome: 'succeeded', severity: 'info' }))).toEqual([]);
    expect(names(signal({ kind: 'alarm', outcome: 'ok', severity: 'info' }))).toEqual([]);
  });

  it('sends successes through the routes when success messages are on', () => {
    const on = { ...SETTINGS, successMessages: true };
    expect(names(signal({ outcome: 'succeeded', severity: 'info' }), on)).toEqual(['ops']);
  });

  it('keeps job progress quiet unless progress messages are on', () => {
    const started = signal({ outcome: 'running', severity: 'info' });
    const created = signal({ outcome: 'created', severity: 'info' });
    expect(names(started)).toEqual([]);
    expect(names(created)).toEqual([]);
    expect(names(started, { ...SETTINGS, progressMessages: true })).toEqual(['ops']);
    expect(names(signal({ outcome: 'succeeded', severity: 'info' }), { ...SETTINGS, progressMessages: true })).toEqual(
      [],
    );
  });

  it('does not treat the creation of a vault or plan as job progress', () => {
    expect(names(signal({ kind: 'vault', outcome: 'created', severity: 'info' }))).toEqual(['ops']);
  });

  it('always sends unparsed input to the default channel, besides the routes it matches', () => {
    const unparsed = signal({ kind: 'unparsed', outcome: 'unknown', severity: 'warning', reason: 'no schema' });
    expect(names(unparsed)).toEqual(['ops', 'oncall']);
    const quiet = { ...SETTINGS, routes: [{ channels: ['security'], severities: ['warning' as const] }] };
    expect(names(unparsed, quiet)).toEqual(['ops', 'security']);
    expect(names(signal({ kind: 'unparsed', outcome: 'succeeded', severity: 'info' }))).toEqual(['ops']);
  });

  it('sends everything to the default channel when no routes are configured', () => {
    const noRoutes = { ...SETTINGS, routes: [] };
    expect(names(signal(), noRoutes)).toEqual(['ops']);
    expect(names(signal({ severity: 'warning', outcome: 'expired' }), noRoutes)).toEqual(['ops']);
  });

  describe('with watched vaults', () => {
    const watched: RuntimeSettings = {
      ...SETTINGS,
      watchedVaults: [{ name: 'prod' }, { name: 'dr', regions: ['eu-central-1'], accounts: ['123456789012'] }],
    };

    it('drops job signals from vaults that are not watched', () => {
      expect(names(signal({ vault: { name: 'sandbox' } }), watched)).toEqual([]);
      expect(names(signal({ vault: { name: 'prod' } }), watched)).toEqual(['ops', 'oncall', 'incidents']);
    });

    it('honours the account and Region scope of a watched vault', () => {
      expect(isWatched(signal({ vault: { name: 'dr' }, region: 'eu-central-1' }), watched)).toBe(true);
      expect(isWatched(signal({ vault: { name: 'dr' }, region: 'eu-west-1' }), watched)).toBe(false);
      expect(
        isWatched(signal({ vault: { name: 'dr' }, region: 'eu-central-1', account: '999999999999' }), watched),
      ).toBe(false);
    });

    it('reads the vault name from the vault ARN when the name is missing', () => {
      const arn = 'arn:aws:backup:eu-west-1:123456789012:backup-vault:sandbox';
      expect(isWatched(signal({ vault: { arn } }), watched)).toBe(false);
    });

    it('still delivers tamper signals from unwatched vaults', () => {
      expect(names(signal({ kind: 'tamper', outcome: 'deleted', vault: { name: 'sandbox' } }), watched)).toContain(
        'security',
      );
    });

    it('keeps signals that name no vault', () => {
      expect(isWatched(signal({ vault: undefined }), watched)).toBe(true);
    });
  });
});

describe('routineCategory', () => {
  it.each(JOB_KINDS)('takes the creation of a %s as progress: the job started', (kind) => {
    expect(routineCategory(signal({ kind, outcome: 'created', severity: 'info' }))).toBe('progress');
  });

  it('classifies success, progress and everything else', () => {
    expect(routineCategory(signal({ outcome: 'succeeded' }))).toBe('success');
    expect(routineCategory(signal({ outcome: 'pending' }))).toBe('progress');
    expect(routineCategory(signal({ outcome: 'completed-with-issues' }))).toBeUndefined();
    expect(routineCategory(signal({ kind: 'unparsed', outcome: 'succeeded' }))).toBeUndefined();
  });
});

describe('selectChannels for every kind, outcome and severity', () => {
  const anySignal = fc
    .record({
      kind: fc.constantFrom(...SIGNAL_KINDS),
      outcome: fc.constantFrom(...OUTCOMES),
      severity: fc.constantFrom(...SEVERITIES),
    })
    .map((fields) => signal(fields));

  it('returns defined channels, each once, in configuration order', () => {
    fc.assert(
      fc.property(anySignal, fc.boolean(), fc.boolean(), (s, successMessages, progressMessages) => {
        const refs = selectChannels(s, { ...SETTINGS, successMessages, progressMessages });
        const order = refs.map((r) => SETTINGS.channels.indexOf(r));
        expect(order.every((i) => i >= 0)).toBe(true);
        expect(order).toEqual([...new Set(order)].sort((a, b) => a - b));
      }),
    );
  });

  it('never loses a signal that is not routine news: it reaches at least one channel', () => {
    fc.assert(
      fc.property(anySignal, (s) => {
        if (routineCategory(s) === undefined) expect(selectChannels(s, SETTINGS).length).toBeGreaterThan(0);
      }),
    );
  });

  it('always reaches the default channel with unparsed input', () => {
    fc.assert(
      fc.property(anySignal, (s) => {
        const unparsed = { ...s, kind: 'unparsed' as const };
        expect(selectChannels(unparsed, SETTINGS).map((c) => c.name)).toContain('ops');
      }),
    );
  });
});
