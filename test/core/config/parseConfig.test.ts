import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../../../src/core/config/ConfigError.js';
import { type ConfigProblem, formatConfigProblem } from '../../../src/core/config/configProblem.js';
import { type ConfigResult, parseConfig, requireConfig } from '../../../src/core/config/parseConfig.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');

/** A small valid configuration; tests break one line at a time. */
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

function problemsOf(result: ConfigResult): ConfigProblem[] {
  if (result.ok) throw new Error('expected the configuration to be invalid');
  return result.problems;
}

function only(result: ConfigResult): ConfigProblem {
  const problems = problemsOf(result);
  expect(problems, JSON.stringify(problems, null, 2)).toHaveLength(1);
  return problems[0]!;
}

function lineOf(text: string, needle: string): number {
  const index = text.split('\n').findIndex((l) => l.includes(needle));
  if (index < 0) throw new Error(`no line contains ${needle}`);
  return index + 1;
}

describe('parseConfig', () => {
  describe('valid files', () => {
    it('accepts a minimal file and fills in every default', () => {
      const result = parseConfig(MINIMAL);
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      const c = result.config;
      expect(c.version).toBe(1);
      expect(c.central.eventBusName).toBe('vaultpilot');
      expect(c.watchedVaults).toEqual([]);
      expect(c.notifications.routes).toEqual([]);
      expect(c.notifications.successMessages).toBe(false);
      expect(c.notifications.progressMessages).toBe(false);
      expect(c.rpo).toEqual({ enabled: true, defaultHours: 24, resourceTypes: {}, tags: [] });
      expect(c.alarms).toEqual({
        failedJobs: { threshold: 1, periodMinutes: 60 },
        anomalyDetection: { enabled: true, bandWidth: 2 },
        freshness: { hours: 24, toleranceHours: 6 },
      });
      expect(c.digest).toEqual({ enabled: true, time: '08:00', timeZone: 'UTC' });
      expect(c.vaultNotifications.enabled).toBe(false);
      expect(c.vaultNotifications.events).toContain('BACKUP_JOB_COMPLETED');
      expect(result.warnings).toEqual([]);
    });

    it('fills route severities with all three when a route leaves them out', () => {
      const text = `${MINIMAL}  routes:\n    - channels: [ops]\n      kinds: [tamper]\n`;
      const result = parseConfig(text);
      expect(result.ok && result.config.notifications.routes[0]).toEqual({
        channels: ['ops'],
        severities: ['critical', 'warning', 'info'],
        kinds: ['tamper'],
      });
    });

    it('accepts the realistic example in examples/ without warnings', () => {
      const text = readFileSync(join(root, 'examples/vaultpilot.config.yaml'), 'utf8');
      const result = parseConfig(text, 'examples/vaultpilot.config.yaml');
      expect(result.ok ? result.warnings : problemsOf(result)).toEqual([]);
      expect(result.source).toBe('examples/vaultpilot.config.yaml');
    });
  });

  describe('YAML syntax', () => {
    it('reports a syntax error with its line and column and runs no schema checks', () => {
      const text = MINIMAL.replace('  region: eu-west-1', '  region: [eu-west-1');
      const problem = problemsOf(parseConfig(text))[0]!;
      expect(problem.message).toMatch(/^YAML syntax:/);
      expect(problem.line).toBeGreaterThanOrEqual(lineOf(text, 'region: [eu-west-1'));
      expect(problem.column).toBeGreaterThan(0);
    });

    it('reports a key given twice as a YAML error with a hint', () => {
      const text = MINIMAL.replace(
        "  account: '444455556666'\n",
        "  account: '444455556666'\n  account: '777788889999'\n",
      );
      const problem = only(parseConfig(text));
      expect(problem.line).toBe(lineOf(text, "account: '777788889999'"));
      expect(problem.hint).toMatch(/once per section/);
    });

    it('explains tabs used for indentation', () => {
      const text = MINIMAL.replace('  id: o-a1b2c3d4e5', '\tid: o-a1b2c3d4e5');
      const problems = problemsOf(parseConfig(text));
      expect(problems.some((p) => p.line === 2 && /tab/i.test(`${p.message} ${p.hint ?? ''}`))).toBe(true);
    });

    it('rejects an empty file and points to vaultpilot init', () => {
      const problem = only(parseConfig('# nothing yet\n'));
      expect(problem.message).toBe('the file is empty');
      expect(problem.hint).toMatch(/vaultpilot init/);
    });

    it('rejects a file that is a list instead of a map', () => {
      const problem = only(parseConfig('- organization\n'));
      expect(problem.path).toBe('');
      expect(problem.message).toMatch(/must be a map/);
    });
  });

  describe('schema problems, each with path, line, column and hint', () => {
    it('suggests the right key for a misspelt one and points at the key', () => {
      const text = MINIMAL.replace(
        '  regions: [eu-west-1, us-east-1]',
        '  regions: [eu-west-1, us-east-1]\n  regoins: [eu-west-2]',
      );
      const problem = only(parseConfig(text));
      expect(problem).toMatchObject({
        path: 'members.regoins',
        message: 'unknown setting `regoins`',
        hint: 'did you mean `regions`?',
        line: lineOf(text, 'regoins'),
        column: 3,
      });
    });

    it('lists the allowed keys when an unknown key resembles none of them', () => {
      const text = `${MINIMAL}colour: blue\n`;
      const problem = only(parseConfig(text));
      expect(problem.path).toBe('colour');
      expect(problem.hint).toMatch(/^allowed here: version, organization, central, members/);
      expect(problem.line).toBe(lineOf(text, 'colour'));
    });

    it('suggests keys inside a channel according to its type', () => {
      const text = MINIMAL.replace('      addresses: [ops@example.com]', '      adresses: [ops@example.com]');
      const problems = problemsOf(parseConfig(text));
      const unknown = problems.find((p) => p.path === 'notifications.channels[0].adresses');
      expect(unknown?.hint).toBe('did you mean `addresses`?');
      const missing = problems.find((p) => p.path === 'notifications.channels[0].addresses');
      expect(missing?.message).toBe('is required');
    });

    it('marks a missing required field and places it at the section that lacks it', () => {
      const text = MINIMAL.replace("  account: '444455556666'\n", '');
      const problem = only(parseConfig(text));
      expect(problem).toMatchObject({
        path: 'central.account',
        message: 'is required',
        line: lineOf(text, 'region: eu-west-1'),
      });
      expect(problem.hint).toBe('add `account:` here');
    });

    it('marks a missing top-level section', () => {
      const text = MINIMAL.replace(/members:\n.*\n.*\n/, '');
      const problems = problemsOf(parseConfig(text));
      expect(problems.map((p) => p.path)).toEqual(['members']);
      expect(problems[0]!.message).toBe('is required');
    });

    it('asks for quotes around an account id written as a bare number', () => {
      const text = MINIMAL.replace("managementAccount: '111122223333'", 'managementAccount: 011122223333');
      const problem = only(parseConfig(text));
      expect(problem.path).toBe('organization.managementAccount');
      expect(problem.message).toBe('must be text, not the number 11122223333');
      expect(problem.hint).toBe(
        "put it in quotes, '011122223333': YAML reads bare digits as a number and drops leading zeros",
      );
      expect(problem.line).toBe(3);
      expect(problem.column).toBe(22);
    });

    it('rejects a malformed organization id with an example', () => {
      const problem = only(parseConfig(MINIMAL.replace('o-a1b2c3d4e5', 'o-123')));
      expect(problem.path).toBe('organization.id');
      expect(problem.message).toMatch(/must look like o-a1b2c3d4e5/);
      expect(problem.hint).toMatch(/Organizations console/);
    });

    it('suggests the closest Region for a misspelt one', () => {
      const text = MINIMAL.replace('  regions: [eu-west-1, us-east-1]', '  regions: [eu-west-1, us-east-1, eu-wets-2]');
      const problem = only(parseConfig(text));
      expect(problem).toMatchObject({ path: 'members.regions[2]', hint: 'did you mean `eu-west-2`?', line: 9 });
      expect(problem.message).toMatch(/is not an AWS Region name/);
    });

    it('lists the valid values of a short enum when nothing is close', () => {
      const text = `${MINIMAL}  routes:\n    - channels: [ops]\n      severities: [urgent]\n`;
      const problem = only(parseConfig(text));
      expect(problem.path).toBe('notifications.routes[0].severities[0]');
      expect(problem.hint).toBe('one of: critical, warning, info');
    });

    it('names the channel types when the type is unknown', () => {
      const problem = only(parseConfig(MINIMAL.replace('type: email', 'type: sms')));
      expect(problem.path).toBe('notifications.channels[0].type');
      expect(problem.message).toBe('the text "sms" is not a known type');
      expect(problem.hint).toBe('one of: email, slack, teams, webhook');
    });

    it('refuses a webhook URL in `secret` and says where the URL belongs', () => {
      const text = `${MINIMAL}    - name: chat\n      type: slack\n      secret: https://hooks.slack.com/services/T0/B0/xyz\n  routes:\n    - channels: [chat]\n`;
      const problem = only(parseConfig(text));
      expect(problem.path).toBe('notifications.channels[1].secret');
      expect(problem.message).toMatch(/webhook URL must never be written in this file/);
      expect(problem.hint).toMatch(/secretsmanager create-secret/);
      expect(problem.line).toBe(lineOf(text, 'hooks.slack.com'));
    });

    it('refuses a `url` key on a channel with a hint towards `secret`', () => {
      const text = `${MINIMAL}    - name: chat\n      type: teams\n      secret: vaultpilot/teams\n      url: https://example.com/hook\n  routes:\n    - channels: [chat]\n`;
      const problem = only(parseConfig(text));
      expect(problem.path).toBe('notifications.channels[1].url');
      expect(problem.hint).toMatch(/Secrets Manager.*`secret`/);
    });

    it('accepts secrets given by name or by full ARN', () => {
      const text = `${MINIMAL}    - name: chat\n      type: slack\n      secret: vaultpilot/slack\n    - name: hook\n      type: webhook\n      secret: arn:aws:secretsmanager:eu-west-1:444455556666:secret:vaultpilot/hook-AbCdEf\n  routes:\n    - channels: [chat, hook]\n`;
      const result = parseConfig(text);
      expect(result.ok ? [] : result.problems).toEqual([]);
    });

    it('rejects an invalid email address', () => {
      const problem = only(parseConfig(MINIMAL.replace('ops@example.com', 'ops-at-example')));
      expect(problem).toMatchObject({ path: 'notifications.channels[0].addresses[0]', line: 15 });
      expect(problem.message).toMatch(/is not an email address/);
    });

    it('suggests the time zone meant', () => {
      const problem = only(parseConfig(`${MINIMAL}digest:\n  timeZone: Europe/Berln\n`));
      expect(problem).toMatchObject({ path: 'digest.timeZone', hint: 'did you mean `Europe/Berlin`?' });
    });

    it('wants the digest time as HH:MM', () => {
      const problem = only(parseConfig(`${MINIMAL}digest:\n  time: '7:30'\n`));
      expect(problem.path).toBe('digest.time');
      expect(problem.message).toMatch(/HH:MM/);
    });

    it('explains deprecated vault events', () => {
      const text = `${MINIMAL}vaultNotifications:\n  enabled: true\n  vaults: [prod]\n  events: [BACKUP_JOB_FAILED]\n`;
      const problem = only(parseConfig(text));
      expect(problem.path).toBe('vaultNotifications.events[0]');
      expect(problem.message).toMatch(/deprecated/);
      expect(problem.hint).toMatch(/BACKUP_JOB_COMPLETED/);
    });

    it('suggests a resource type for a misspelt RPO key', () => {
      const problem = only(parseConfig(`${MINIMAL}rpo:\n  resourceTypes:\n    DynamoBD: 6\n`));
      expect(problem).toMatchObject({ path: 'rpo.resourceTypes.DynamoBD', hint: 'did you mean `DynamoDB`?', line: 18 });
    });

    it('rejects fractional hours and periods that are not multiples of 5 minutes', () => {
      const problems = problemsOf(
        parseConfig(`${MINIMAL}rpo:\n  defaultHours: 1.5\nalarms:\n  failedJobs:\n    periodMinutes: 42\n`),
      );
      expect(problems.map((p) => p.path)).toEqual(['rpo.defaultHours', 'alarms.failedJobs.periodMinutes']);
      expect(problems[0]!.message).toMatch(/whole number/);
      expect(problems[1]!.hint).toBe('for example 40');
    });

    it('says what was expected when a section has the wrong shape', () => {
      const problem = only(parseConfig(MINIMAL.replace('  regions: [eu-west-1, us-east-1]', '  regions: eu-west-1')));
      expect(problem).toMatchObject({
        path: 'members.regions',
        message: 'must be a list, not the text "eu-west-1"',
        hint: 'write it as a list: [eu-west-1]',
      });
    });

    it('asks for true or false instead of yes/no/on/off', () => {
      const problem = only(parseConfig(`${MINIMAL}digest:\n  enabled: yes\n`));
      expect(problem).toMatchObject({
        path: 'digest.enabled',
        message: 'must be true or false, not the text "yes"',
        hint: 'write true or false',
      });
    });
  });

  describe('cross-field checks', () => {
    it('requires the central Region to be a member Region', () => {
      const text = MINIMAL.replace('  region: eu-west-1', '  region: eu-central-1');
      const problem = only(parseConfig(text));
      expect(problem).toMatchObject({ path: 'central.region', line: 6, column: 11 });
      expect(problem.hint).toMatch(/add eu-central-1 to members.regions/);
    });

    it('rejects duplicate channel names', () => {
      const text = `${MINIMAL}    - name: ops\n      type: slack\n      secret: vaultpilot/slack\n`;
      const problem = only(parseConfig(text));
      expect(problem.path).toBe('notifications.channels[1].name');
      expect(problem.message).toMatch(/listed twice: channel names must be unique/);
      expect(problem.line).toBe(16);
    });

    it('rejects routes, digest and default channel naming unknown channels, with suggestions', () => {
      const text = `${MINIMAL.replace('defaultChannel: ops', 'defaultChannel: opz')}  routes:\n    - channels: [ops, pager]\ndigest:\n  channels: [op]\n`;
      const problems = problemsOf(parseConfig(text));
      expect(problems.map((p) => [p.path, p.hint])).toEqual([
        ['notifications.defaultChannel', 'did you mean `ops`?'],
        ['notifications.routes[0].channels[1]', 'defined channels: ops'],
        ['digest.channels[0]', 'did you mean `ops`?'],
      ]);
    });

    it('requires a watched vault Region to be a member Region', () => {
      const problem = only(parseConfig(`${MINIMAL}watchedVaults:\n  - name: prod\n    regions: [ap-south-1]\n`));
      expect(problem).toMatchObject({ path: 'watchedVaults[0].regions[0]', line: 18 });
    });

    it('requires vaults when vault notifications are enabled', () => {
      const problem = only(parseConfig(`${MINIMAL}vaultNotifications:\n  enabled: true\n`));
      expect(problem.path).toBe('vaultNotifications.vaults');
      expect(problem.line).toBe(lineOf(`${MINIMAL}vaultNotifications:\n  enabled: true\n`, 'enabled: true'));
    });

    it('refuses the default event bus', () => {
      const problem = only(
        parseConfig(MINIMAL.replace('  region: eu-west-1', '  region: eu-west-1\n  eventBusName: default')),
      );
      expect(problem.path).toBe('central.eventBusName');
    });

    it('rejects Regions and OUs listed twice', () => {
      const problems = problemsOf(
        parseConfig(
          MINIMAL.replace('[eu-west-1, us-east-1]', '[eu-west-1, us-east-1, eu-west-1]').replace(
            '[ou-ab12-cd34ef56]',
            '[ou-ab12-cd34ef56, ou-ab12-cd34ef56]',
          ),
        ),
      );
      expect(problems.map((p) => p.path)).toEqual(['members.organizationalUnits[1]', 'members.regions[2]']);
    });

    it('rejects two RPO rules for the same tag', () => {
      const text = `${MINIMAL}rpo:\n  tags:\n    - { key: tier, value: gold, hours: 4 }\n    - { key: tier, value: gold, hours: 2 }\n`;
      expect(only(parseConfig(text)).path).toBe('rpo.tags[1]');
    });
  });

  describe('all problems at once', () => {
    it('reports schema and cross-field problems from every section in one pass, in file order', () => {
      const text = `organization:
  id: o-123
  managementAccount: 111122223333
central:
  account: '444455556666'
  region: eu-central-1
  eventBusNam: x
members:
  organizationalUnits: [ou-ab12-cd34ef56]
  regions: [eu-west-1]
notifications:
  defaultChannel: ops
  channels:
    - name: ops
      type: email
      addresses: [nope]
    - name: ops
      type: slack
      secret: https://hooks.slack.com/x
  routes:
    - channels: [pager]
digest:
  timeZone: Mars/Olympus
`;
      const problems = problemsOf(parseConfig(text));
      expect(problems.map((p) => `${p.line}:${p.path}`)).toEqual([
        '2:organization.id',
        '3:organization.managementAccount',
        '6:central.region',
        '7:central.eventBusNam',
        '16:notifications.channels[0].addresses[0]',
        '17:notifications.channels[1].name',
        '19:notifications.channels[1].secret',
        '21:notifications.routes[0].channels[0]',
        '23:digest.timeZone',
      ]);
      expect(problems.every((p) => p.column !== undefined && p.message.length > 0)).toBe(true);
    });

    it('never throws, whatever the text', () => {
      fc.assert(
        fc.property(fc.string({ maxLength: 400 }), (text) => {
          const result = parseConfig(text);
          if (!result.ok) expect(result.problems.length).toBeGreaterThan(0);
        }),
        { numRuns: 300 },
      );
    });

    it('never throws on valid YAML of any shape', () => {
      fc.assert(
        fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
          const result = parseConfig(JSON.stringify(value));
          expect(result.ok).toBe(false);
        }),
        { numRuns: 200 },
      );
    });
  });

  describe('warnings', () => {
    it('warns when the central account is the management account, without failing', () => {
      const result = parseConfig(MINIMAL.replace("account: '444455556666'", "account: '111122223333'"));
      expect(result.ok).toBe(true);
      expect(result.warnings.map((w) => w.path)).toEqual(['central.account']);
      expect(result.warnings[0]!.line).toBe(5);
    });

    it('warns about a channel nothing uses', () => {
      const result = parseConfig(`${MINIMAL}    - name: spare\n      type: webhook\n      secret: vaultpilot/spare\n`);
      expect(result.ok).toBe(true);
      expect(result.warnings.map((w) => w.path)).toEqual(['notifications.channels[1].name']);
    });

    it('warns about a vault with SNS notifications that is not watched', () => {
      const text = `${MINIMAL}watchedVaults:\n  - name: prod\nvaultNotifications:\n  enabled: true\n  vaults: [prod, staging]\n`;
      const result = parseConfig(text);
      expect(result.ok).toBe(true);
      expect(result.warnings.map((w) => w.path)).toEqual(['vaultNotifications.vaults[1]']);
    });
  });
});

describe('requireConfig', () => {
  it('returns the configuration of a valid file', () => {
    expect(requireConfig(MINIMAL).organization.id).toBe('o-a1b2c3d4e5');
  });

  it('throws InvalidConfigError listing every problem in file:line:column form', () => {
    const text = MINIMAL.replace('eu-west-1\n', 'eu-west-9\n').replace('type: email', 'type: fax');
    try {
      requireConfig(text, 'my.yaml');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidConfigError);
      const e = error as InvalidConfigError;
      expect(e.problems).toHaveLength(2);
      expect(e.message).toContain('my.yaml has 2 problem(s)');
      expect(e.message).toContain('my.yaml:6:11 central.region — ');
    }
  });
});

describe('formatConfigProblem', () => {
  it('writes file:line:column path — message (hint)', () => {
    expect(
      formatConfigProblem({ path: 'a.b', message: 'is wrong', hint: 'fix it', line: 3, column: 5 }, 'f.yaml'),
    ).toBe('f.yaml:3:5 a.b — is wrong (fix it)');
  });

  it('leaves out what is unknown', () => {
    expect(formatConfigProblem({ path: '', message: 'file not found' }, 'f.yaml')).toBe('f.yaml — file not found');
  });
});

describe('parseConfig on unusual YAML', () => {
  it('reports a file holding several YAML documents', () => {
    const problem = only(parseConfig(`${MINIMAL}---\nversion: 1\n`));
    expect(problem).toMatchObject({ message: 'the file holds several YAML documents; Vaultpilot reads one', line: 16 });
    expect(problem.hint).toMatch(/remove the `---` separator/);
  });

  it('resolves anchors and aliases before validating', () => {
    const text = MINIMAL.replace(
      '  regions: [eu-west-1, us-east-1]',
      '  regions: &regions [eu-west-1, us-east-1]',
    ).concat('watchedVaults:\n  - name: prod\n    regions: *regions\n');
    const result = parseConfig(text);
    expect(result.ok && result.config.watchedVaults[0]!.regions).toEqual(['eu-west-1', 'us-east-1']);
  });

  it('leaves no empty hint on problems without one', () => {
    const result = parseConfig('a: [1\n');
    expect(result.ok).toBe(false);
    if (!result.ok) for (const p of result.problems) expect(Object.hasOwn(p, 'hint') ? p.hint : 'absent').toBeTruthy();
  });
});
