import { describe, expect, it } from 'vitest';
import { RuntimeSettingsError, RuntimeSettingsTooLargeError } from '../../../src/core/config/ConfigError.js';
import { requireConfig } from '../../../src/core/config/parseConfig.js';
import {
  LAMBDA_ENVIRONMENT_LIMIT_BYTES,
  parseRuntimeSettings,
  RUNTIME_SETTINGS_MAX_BYTES,
  serializeRuntimeSettings,
  toRuntimeSettings,
} from '../../../src/core/config/runtimeSettings.js';

const CONFIG = `organization:
  id: o-a1b2c3d4e5
  managementAccount: '111122223333'
central:
  account: '444455556666'
  region: eu-west-1
members:
  organizationalUnits: [r-ab12]
  regions: [eu-west-1]
watchedVaults:
  - name: prod
    regions: [eu-west-1]
notifications:
  defaultChannel: ops
  channels:
    - name: ops
      type: email
      addresses: [ops@example.com, lead@example.com]
    - name: chat
      type: slack
      secret: vaultpilot/slack
  routes:
    - channels: [chat]
      severities: [critical]
      kinds: [tamper]
rpo:
  resourceTypes: { RDS: 12 }
  tags: [{ key: tier, value: gold, hours: 4 }, { key: no-backup-sla, hours: 720 }]
digest:
  time: '07:15'
  timeZone: Europe/Berlin
`;

describe('toRuntimeSettings', () => {
  const settings = toRuntimeSettings(requireConfig(CONFIG));

  it('keeps what the Lambda functions need: ids, channels with secrets, routes, switches, RPO, digest', () => {
    expect(settings).toEqual({
      version: 1,
      organizationId: 'o-a1b2c3d4e5',
      managementAccount: '111122223333',
      centralAccount: '444455556666',
      centralRegion: 'eu-west-1',
      eventBusName: 'vaultpilot',
      channels: [
        { name: 'ops', type: 'email' },
        { name: 'chat', type: 'slack', secret: 'vaultpilot/slack' },
      ],
      defaultChannel: 'ops',
      routes: [{ channels: ['chat'], severities: ['critical'], kinds: ['tamper'] }],
      successMessages: false,
      progressMessages: false,
      watchedVaults: [{ name: 'prod', regions: ['eu-west-1'] }],
      rpo: {
        enabled: true,
        defaultHours: 24,
        resourceTypes: { RDS: 12 },
        tags: [
          { key: 'tier', value: 'gold', hours: 4 },
          { key: 'no-backup-sla', hours: 720 },
        ],
      },
      digest: { enabled: true, time: '07:15', timeZone: 'Europe/Berlin', channels: ['ops'] },
    });
  });

  it('leaves email addresses out: SNS subscriptions are made at deploy time, not read at run time', () => {
    expect(JSON.stringify(settings)).not.toContain('@example.com');
  });
});

describe('serializeRuntimeSettings and parseRuntimeSettings', () => {
  const settings = toRuntimeSettings(requireConfig(CONFIG));

  it('round-trips the settings through the compact JSON', () => {
    const json = serializeRuntimeSettings(settings);
    expect(json).not.toContain('\n');
    expect(parseRuntimeSettings(json)).toEqual(settings);
  });

  it('keeps the budget below the Lambda limit so the other variables still fit', () => {
    expect(RUNTIME_SETTINGS_MAX_BYTES).toBeLessThan(LAMBDA_ENVIRONMENT_LIMIT_BYTES);
  });

  it('refuses settings larger than the budget and names the largest parts', () => {
    const many = {
      ...settings,
      watchedVaults: Array.from({ length: 150 }, (_, i) => ({
        name: `application-vault-${i}`,
        regions: ['eu-west-1'],
      })),
    };
    let caught: unknown;
    try {
      serializeRuntimeSettings(many);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RuntimeSettingsTooLargeError);
    const e = caught as RuntimeSettingsTooLargeError;
    expect(e.bytes).toBe(new TextEncoder().encode(JSON.stringify(many)).length);
    expect(e.limitBytes).toBe(RUNTIME_SETTINGS_MAX_BYTES);
    expect(e.message).toMatch(/^the runtime settings take \d+ bytes, more than the 3072 bytes/);
    expect(e.message).toMatch(/Largest parts: watchedVaults \d+ B/);
  });

  it('counts bytes, not characters', () => {
    const json = serializeRuntimeSettings(settings);
    const limit = new TextEncoder().encode(json).length;
    expect(serializeRuntimeSettings(settings, limit)).toBe(json);
    const accented = { ...settings, eventBusName: 'é'.repeat(10) };
    const accentedBytes = new TextEncoder().encode(JSON.stringify(accented)).length;
    expect(() => serializeRuntimeSettings(accented, accentedBytes - 1)).toThrow(RuntimeSettingsTooLargeError);
  });

  it('says the variable is missing when it is unset or empty', () => {
    expect(() => parseRuntimeSettings(undefined)).toThrow(/VAULTPILOT_SETTINGS variable is empty or unset/);
    expect(() => parseRuntimeSettings('  ')).toThrow(RuntimeSettingsError);
  });

  it('says when the JSON cannot be read, keeping the cause', () => {
    try {
      parseRuntimeSettings('{"version":1');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(RuntimeSettingsError);
      expect((error as Error).message).toBe('runtime settings are not valid JSON');
      expect((error as Error).cause).toBeInstanceOf(SyntaxError);
    }
  });

  it('names the fields that are wrong', () => {
    const broken = { ...settings, centralRegion: 7, routes: [{ channels: [], severities: ['loud'] }] };
    expect(() => parseRuntimeSettings(JSON.stringify(broken))).toThrow(
      /runtime settings are invalid: centralRegion: .*routes\.0\.channels: .*routes\.0\.severities\.0: /,
    );
  });

  it('rejects settings whose routes name channels that do not exist', () => {
    const broken = { ...settings, routes: [{ channels: ['ghost'], severities: ['critical'] }] };
    expect(() => parseRuntimeSettings(JSON.stringify(broken))).toThrow(/undefined channel "ghost"/);
  });
});
