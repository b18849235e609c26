import { describe, expect, it } from 'vitest';
import type { ConfigProblem } from '../../../src/core/config/configProblem.js';
import { type ConfigResult, parseConfig } from '../../../src/core/config/parseConfig.js';
import { renderStarterConfig } from '../../../src/core/config/starterConfig.js';

/** A small valid configuration; each test appends an `actions:` section. */
const MINIMAL = `organization:
  id: o-a1b2c3d4e5
  managementAccount: '111122223333'
central:
  account: '444455556666'
  region: eu-west-1
members:
  organizationalUnits: [ou-ab12-cd34ef56]
  regions: [eu-west-1, us-east-1]
notifications:
  defaultChannel: ops
  channels:
    - name: ops
      type: email
      addresses: [ops@example.com]
`;
const FIRST_ACTIONS_LINE = MINIMAL.split('\n').length;

function withActions(actions: string): ConfigResult {
  return parseConfig(`${MINIMAL}actions:\n${actions}`);
}

function problemsOf(result: ConfigResult): ConfigProblem[] {
  if (result.ok) throw new Error('expected the configuration to be invalid');
  return result.problems;
}

function problemAt(result: ConfigResult, path: string): ConfigProblem {
  const problem = problemsOf(result).find((p) => p.path === path);
  if (!problem) throw new Error(`no problem at ${path}: ${JSON.stringify(problemsOf(result), null, 2)}`);
  return problem;
}

describe('the actions section', () => {
  it('is off when absent: no actions, no deletion', () => {
    const result = parseConfig(MINIMAL);
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.config.actions).toMatchObject({
      enabled: false,
      vaults: [],
      deleteRecoveryPointAfterExport: false,
      resourceTypes: {
        RDS: { export: 'none' },
        Aurora: { export: 'none' },
        DynamoDB: { export: 'none', exportFrom: 'backup' },
        EBS: { export: 'none', maxChainDepth: 7 },
        EC2: { export: 'none' },
      },
      rdsSnapshots: { automated: false, manual: false, instances: [], clusters: [] },
    });
  });

  it('reads DynamoDB: export none and exportFrom backup by default, source-pitr when asked', () => {
    const defaults = withActions('  resourceTypes: { DynamoDB: { export: parquet } }\n');
    if (!defaults.ok) throw new Error(JSON.stringify(defaults.problems));
    expect(defaults.config.actions.resourceTypes.DynamoDB).toEqual({ export: 'parquet', exportFrom: 'backup' });
    const pitr = withActions('  resourceTypes: { DynamoDB: { exportFrom: source-pitr } }\n');
    if (!pitr.ok) throw new Error(JSON.stringify(pitr.problems));
    expect(pitr.config.actions.resourceTypes.DynamoDB).toEqual({ export: 'none', exportFrom: 'source-pitr' });
  });

  it('reads EBS: export none and a chain of 7 by default, block and another depth when asked', () => {
    const defaults = withActions('  resourceTypes: { EBS: { export: block } }\n');
    if (!defaults.ok) throw new Error(JSON.stringify(defaults.problems));
    expect(defaults.config.actions.resourceTypes.EBS).toEqual({ export: 'block', maxChainDepth: 7 });
    const full = withActions('  resourceTypes: { EBS: { export: block, maxChainDepth: 0 }, EC2: { export: block } }\n');
    if (!full.ok) throw new Error(JSON.stringify(full.problems));
    expect(full.config.actions.resourceTypes.EBS).toEqual({ export: 'block', maxChainDepth: 0 });
    expect(full.config.actions.resourceTypes.EC2).toEqual({ export: 'block' });
  });

  it('refuses EBS parquet, a chain deeper than 100 or not whole, and maxChainDepth on EC2', () => {
    expect(
      problemAt(withActions('  resourceTypes: { EBS: { export: parquet } }\n'), 'actions.resourceTypes.EBS.export'),
    ).toBeDefined();
    expect(
      problemAt(
        withActions('  resourceTypes: { EBS: { maxChainDepth: 101 } }\n'),
        'actions.resourceTypes.EBS.maxChainDepth',
      ),
    ).toBeDefined();
    expect(
      problemAt(
        withActions('  resourceTypes: { EBS: { maxChainDepth: 2.5 } }\n'),
        'actions.resourceTypes.EBS.maxChainDepth',
      ).message,
    ).toMatch(/whole number/);
    expect(problemsOf(withActions('  resourceTypes: { EC2: { maxChainDepth: 3 } }\n')).length).toBeGreaterThan(0);
  });

  it('refuses an unknown DynamoDB exportFrom, and exportFrom on RDS', () => {
    expect(
      problemAt(
        withActions('  resourceTypes: { DynamoDB: { exportFrom: live } }\n'),
        'actions.resourceTypes.DynamoDB.exportFrom',
      ).hint,
    ).toBe('one of: backup, source-pitr');
    expect(
      problemAt(
        withActions('  resourceTypes: { RDS: { exportFrom: backup } }\n'),
        'actions.resourceTypes.RDS.exportFrom',
      ).message,
    ).toMatch(/unknown setting `exportFrom`/);
  });

  it('reads a full section', () => {
    const result = withActions(`  enabled: true
  vaults:
    - name: prod-daily
    - name: dr_copies
      accounts: ['555566667777']
      regions: [us-east-1]
  resourceTypes:
    RDS: { export: parquet }
    Aurora: { export: parquet }
  filters:
    includeResources: ['prod-*']
    excludeResources: ['arn:aws:rds:*:*:db:scratch-*']
    includeTags: [{ key: backup-export, value: 'yes' }]
  deleteRecoveryPointAfterExport: true
  rdsSnapshots: { automated: true, manual: false, instances: [prod-db], clusters: ['orders-*'] }
  archiveBucket:
    name: acme-backup-archive
    lifecycle: { glacierAfterDays: 30, deepArchiveAfterDays: 120, expireAfterDays: 3650 }
    objectLock: { mode: COMPLIANCE, retentionDays: 365 }
    accessLogBucket: acme-access-logs
`);
    if (!result.ok) throw new Error(JSON.stringify(result.problems, null, 2));
    expect(result.config.actions.deleteRecoveryPointAfterExport).toBe(true);
    expect(result.config.actions.archiveBucket.objectLock).toEqual({ mode: 'COMPLIANCE', retentionDays: 365 });
    expect(result.config.actions.vaults[1]).toEqual({
      name: 'dr_copies',
      accounts: ['555566667777'],
      regions: ['us-east-1'],
    });
    expect(result.warnings).toEqual([]);
  });

  it.each([
    ['deleteRecoveryPointAfterExport', '"false"'],
    ['deleteRecoveryPointAfterExport', "'true'"],
    ['enabled', '"false"'],
  ])('refuses %s: %s (text is never taken for a boolean)', (key, value) => {
    const problem = problemAt(withActions(`  ${key}: ${value}\n`), `actions.${key}`);
    expect(problem.message).toMatch(/^must be true or false, not the text/);
    expect(problem.hint).toMatch(/without quotes/);
    expect(problem.line).toBe(FIRST_ACTIONS_LINE + 1);
  });

  it('reports every bad value at once, each at its path and line', () => {
    const result = withActions(`  enabled: true
  vaults:
    - name: "a b"
      regions: [eu-west-9]
  resourceTypes:
    RDS: { export: csv }
  archiveBucket:
    name: Bad_Bucket
    objectLock: { mode: GOV, retentionDays: 0 }
    accessLogBucket: xn--logs
  rdsSnapshots: { instances: ['1-db'] }
  bogus: 1
`);
    const at = (path: string) => problemAt(result, path);
    const line = (n: number) => FIRST_ACTIONS_LINE + 1 + n;
    expect(at('actions.vaults[0].name')).toMatchObject({
      message: expect.stringMatching(/AWS Backup vault name/),
      line: line(2),
    });
    expect(at('actions.vaults[0].regions[0]')).toMatchObject({ hint: 'did you mean `eu-west-1`?', line: line(3) });
    expect(at('actions.resourceTypes.RDS.export')).toMatchObject({ hint: 'one of: parquet, none', line: line(5) });
    expect(at('actions.archiveBucket.name')).toMatchObject({
      message: expect.stringMatching(/is not an S3 bucket name: it may hold only lowercase letters/),
      line: line(7),
    });
    expect(at('actions.archiveBucket.objectLock.mode').hint).toBe('one of: GOVERNANCE, COMPLIANCE');
    expect(at('actions.archiveBucket.objectLock.retentionDays').message).toBe('must be at least 1, not 0');
    expect(at('actions.archiveBucket.accessLogBucket').message).toMatch(/must not start with xn--/);
    expect(at('actions.rdsSnapshots.instances[0]').message).toMatch(/RDS DB instance identifier/);
    expect(at('actions.bogus')).toMatchObject({ message: 'unknown setting `bogus`', line: line(11) });
  });

  it('wants the Regions of a vault among the member Regions', () => {
    const problem = problemAt(
      withActions('  vaults:\n    - name: prod\n      regions: [ap-south-1]\n'),
      'actions.vaults[0].regions[0]',
    );
    expect(problem.message).toMatch(/ap-south-1 is not one of members.regions/);
    expect(problem.line).toBe(FIRST_ACTIONS_LINE + 3);
  });

  it('refuses a vault listed twice', () => {
    const problem = problemAt(withActions('  vaults: [{ name: prod }, { name: prod }]\n'), 'actions.vaults[1]');
    expect(problem.message).toMatch(/repeats an earlier entry/);
  });

  it('refuses actions enabled with nothing to act on', () => {
    const problem = problemAt(withActions('  enabled: true\n'), 'actions.vaults');
    expect(problem.message).toMatch(/nothing to act on/);
  });

  it('warns when actions are enabled but nothing is exported', () => {
    const result = withActions('  enabled: true\n  vaults: [{ name: prod }]\n');
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.warnings.map((w) => w.path)).toContain('actions.resourceTypes');
    expect(result.warnings.find((w) => w.path === 'actions.resourceTypes')?.hint).toMatch(/DynamoDB/);
    expect(result.warnings.find((w) => w.path === 'actions.resourceTypes')?.hint).toMatch(/EBS\.export to block/);
  });

  it.each(['EBS', 'EC2'])('counts an %s block archive as something exported', (type) => {
    const result = withActions(
      `  enabled: true\n  vaults: [{ name: prod }]\n  resourceTypes: { ${type}: { export: block } }\n  deleteRecoveryPointAfterExport: true\n`,
    );
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.warnings.map((w) => w.path)).not.toContain('actions.resourceTypes');
    expect(result.warnings.map((w) => w.path)).not.toContain('actions.deleteRecoveryPointAfterExport');
  });

  it('still warns when EBS and EC2 are none', () => {
    const result = withActions(
      '  enabled: true\n  vaults: [{ name: prod }]\n  resourceTypes: { EBS: { export: none }, EC2: { export: none } }\n',
    );
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.warnings.map((w) => w.path)).toContain('actions.resourceTypes');
  });

  it('counts a DynamoDB export as something exported', () => {
    const result = withActions(
      '  enabled: true\n  vaults: [{ name: prod }]\n  resourceTypes: { DynamoDB: { export: parquet } }\n  deleteRecoveryPointAfterExport: true\n',
    );
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.warnings.map((w) => w.path)).not.toContain('actions.resourceTypes');
    expect(result.warnings.map((w) => w.path)).not.toContain('actions.deleteRecoveryPointAfterExport');
  });

  it('keeps the lifecycle in order: Glacier, then Deep Archive, then expiration, not before Object Lock ends', () => {
    const result = withActions(`  archiveBucket:
    lifecycle: { glacierAfterDays: 100, deepArchiveAfterDays: 50, expireAfterDays: 60 }
    objectLock: { mode: GOVERNANCE, retentionDays: 365 }
`);
    const problems = problemsOf(result);
    const deep = problemAt(result, 'actions.archiveBucket.lifecycle.deepArchiveAfterDays');
    expect(deep.message).toMatch(/Deep Archive after 50 days, not after Glacier \(100 days\)/);
    expect(deep.hint).toMatch(/190/);
    const expire = problems.filter((p) => p.path === 'actions.archiveBucket.lifecycle.expireAfterDays');
    expect(expire.map((p) => p.message)).toEqual([
      'exports would expire after 60 days, before the move to Glacier (100 days)',
      'exports would expire after 60 days, but Object Lock keeps them for 365 days',
    ]);
    expect(deep.line).toBe(FIRST_ACTIONS_LINE + 2);
  });

  it('accepts expiration on the last day of the Object Lock retention', () => {
    const result = withActions(`  archiveBucket:
    lifecycle: { glacierAfterDays: 0, expireAfterDays: 365 }
    objectLock: { mode: GOVERNANCE, retentionDays: 365 }
`);
    expect(result.ok, JSON.stringify(result)).toBe(true);
  });

  it('refuses an archive bucket that logs into itself', () => {
    const problem = problemAt(
      withActions('  archiveBucket: { name: acme-archive, accessLogBucket: acme-archive }\n'),
      'actions.archiveBucket.accessLogBucket',
    );
    expect(problem.message).toBe('the archive bucket cannot receive its own access logs');
  });

  it('refuses a whole number of days that is not whole', () => {
    const problem = problemAt(
      withActions('  archiveBucket: { lifecycle: { glacierAfterDays: 1.5 } }\n'),
      'actions.archiveBucket.lifecycle.glacierAfterDays',
    );
    expect(problem.message).toMatch(/whole number/);
  });

  it('is a commented-out example in the starter that validates once uncommented', () => {
    const starter = renderStarterConfig('schema.json');
    const start = starter.indexOf('# actions:');
    expect(start).toBeGreaterThan(0);
    const starterResult = parseConfig(starter);
    expect(starterResult.ok && starterResult.config.actions.enabled).toBe(false);
    const uncommented = parseConfig(starter.slice(0, start) + starter.slice(start).replace(/^# /gm, ''));
    if (!uncommented.ok) throw new Error(JSON.stringify(uncommented.problems, null, 2));
    expect(uncommented.config.actions).toMatchObject({
      enabled: true,
      vaults: [{ name: 'prod-backups' }],
      resourceTypes: {
        RDS: { export: 'parquet' },
        Aurora: { export: 'parquet' },
        DynamoDB: { export: 'parquet', exportFrom: 'backup' },
        EBS: { export: 'block', maxChainDepth: 7 },
        EC2: { export: 'none' },
      },
      deleteRecoveryPointAfterExport: false,
    });
  });
});

describe('actions.network', () => {
  const ebs = '  enabled: true\n  vaults: [{ name: prod }]\n  resourceTypes: { EBS: { export: block } }\n';
  const network = (fields: string) => withActions(`${ebs}  network: { ${fields} }\n`);
  const warningsAt = (result: ConfigResult, path: string) => result.warnings.filter((w) => w.path === path);

  it('defaults to no VPC, a /22 in two AZs and one NAT gateway', () => {
    const result = withActions(ebs);
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.config.actions.network).toEqual({ mode: 'none', cidr: '10.42.0.0/22', azs: 2, natGateways: 1 });
    expect(result.warnings.filter((w) => w.path.startsWith('actions.network'))).toEqual([]);
  });

  it('accepts isolated and nat modes', () => {
    for (const mode of ['isolated', 'nat']) {
      const result = network(`mode: ${mode}, cidr: 10.8.0.0/24, azs: 3`);
      if (!result.ok) throw new Error(JSON.stringify(result.problems));
      expect(result.config.actions.network).toMatchObject({ mode, cidr: '10.8.0.0/24', azs: 3 });
      expect(result.warnings.filter((w) => w.path.startsWith('actions.network'))).toEqual([]);
    }
  });

  it('refuses an unknown mode, a CIDR outside /16–/28 and more than three AZs', () => {
    expect(problemAt(network('mode: public'), 'actions.network.mode').message).toBeTruthy();
    expect(problemAt(network('mode: isolated, cidr: 10.0.0.0/8'), 'actions.network.cidr').message).toMatch(
      /\/16 to \/28/,
    );
    expect(problemAt(network('mode: isolated, cidr: 10.0.0/24'), 'actions.network.cidr').message).toMatch(/CIDR/);
    expect(problemAt(network('mode: isolated, azs: 4'), 'actions.network.azs').message).toBeTruthy();
  });

  it('refuses a range with host bits, or too small for the subnets of its mode', () => {
    expect(problemAt(network('mode: isolated, cidr: 10.42.1.0/22'), 'actions.network.cidr').hint).toBe(
      'use 10.42.0.0/22',
    );
    // Two /28 subnets fit a /27; four (nat: private and public per AZ) do not.
    expect(network('mode: isolated, cidr: 10.42.0.0/27').ok).toBe(true);
    const nat = problemAt(network('mode: nat, cidr: 10.42.0.0/27'), 'actions.network.cidr');
    expect(nat.message).toMatch(/too small for 4 subnets/);
    expect(nat.hint).toMatch(/\/26 or larger/);
  });

  it('refuses more NAT gateways than AZs', () => {
    expect(problemAt(network('mode: nat, azs: 2, natGateways: 3'), 'actions.network.natGateways').message).toMatch(
      /at most one per AZ/,
    );
  });

  it('warns about settings that do nothing, a public range, and a VPC without EBS archives', () => {
    expect(warningsAt(network('cidr: 10.1.0.0/24'), 'actions.network.mode')[0]?.message).toMatch(/mode is none/);
    expect(warningsAt(network('mode: isolated, natGateways: 1'), 'actions.network.natGateways')).toHaveLength(1);
    expect(warningsAt(network('mode: nat, cidr: 52.0.0.0/22'), 'actions.network.cidr')[0]?.message).toMatch(
      /not a private/,
    );
    const noEbs = withActions('  enabled: true\n  vaults: [{ name: prod }]\n  network: { mode: isolated }\n');
    expect(warningsAt(noEbs, 'actions.network.mode')[0]?.message).toMatch(/EBS.export is not block/);
  });
});
