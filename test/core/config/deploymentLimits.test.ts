import { describe, expect, it } from 'vitest';
import { type ConfigResult, parseConfig } from '../../../src/core/config/parseConfig.js';

const base = (region: string, memberRegions: string) => `organization:
  id: o-a1b2c3d4e5
  managementAccount: '111122223333'
central:
  account: '444455556666'
  region: ${region}
members:
  organizationalUnits: [ou-ab12-cd34ef56]
  regions: [${memberRegions}]
notifications:
  defaultChannel: ops
  channels:
    - name: ops
      type: email
      addresses: [ops@example.com]
`;

function messages(result: ConfigResult): string[] {
  return result.ok ? [] : result.problems.map((p) => `${p.path}: ${p.message}`);
}

describe('validate: partitions Vaultpilot cannot deploy to', () => {
  it.each([
    ['us-gov-west-1', 'GovCloud'],
    ['cn-north-1', 'China'],
  ])('refuses %s (the %s partition) wherever it is named, with a clear message', (region, partition) => {
    const found = messages(parseConfig(base(region, `${region}, eu-west-1`)));
    expect(found).toContainEqual(expect.stringMatching(new RegExp(`^central\\.region: .*${partition}.*not support`)));
    expect(found).toContainEqual(expect.stringMatching(new RegExp(`^members\\.regions\\[0\\]: .*${partition}`)));
  });

  it('accepts commercial Regions', () => {
    expect(parseConfig(base('eu-west-1', 'eu-west-1, us-east-1')).ok).toBe(true);
  });
});

describe('validate: freshness tolerance', () => {
  it('defaults to 6 hours and refuses a window over CloudWatch’s 7 days', () => {
    const ok = parseConfig(base('eu-west-1', 'eu-west-1'));
    expect(ok.ok && ok.config.alarms.freshness.toleranceHours).toBe(6);
    const tooLong = parseConfig(
      `${base('eu-west-1', 'eu-west-1')}alarms:\n  freshness:\n    hours: 160\n    toleranceHours: 12\n`,
    );
    expect(messages(tooLong)).toContainEqual(expect.stringMatching(/toleranceHours: .*at most 168/));
  });
});
