import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { FRESHNESS_ALARMS_HANDLER_SOURCE } from '../../src/infra/constructs/freshnessAlarmsHandler.js';
import { VaultFreshnessAlarms } from '../../src/infra/constructs/VaultFreshnessAlarms.js';
import { InfraError } from '../../src/infra/InfraError.js';
import { MemberStack, type MemberWatchedVault } from '../../src/infra/stacks/MemberStack.js';

const CENTRAL_BUS_ARN = 'arn:aws:events:eu-west-1:222222222222:event-bus/vaultpilot';
const PREFIX = 'vaultpilot-vault-no-completed-backup-';

type Resource = { Properties: Record<string, unknown>; Condition?: string; DependsOn?: string[] };

function member(watchedVaults: readonly MemberWatchedVault[]): Template {
  return Template.fromStack(
    new MemberStack(new App(), 'Member', { centralBusArn: CENTRAL_BUS_ARN, watchedVaults, freshnessHours: 26 }),
  );
}

/** The one resource of a type, among those of the unscoped-vault construct when `ownOnly`. */
const only = (template: Template, type: string, ownOnly = false): [string, Resource] => {
  const found = (Object.entries(template.findResources(type)) as [string, Resource][]).filter(
    ([id]) => !ownOnly || id.startsWith('UnscopedVaultFreshness'),
  );
  expect(found, type).toHaveLength(1);
  return found[0] as [string, Resource];
};

const staticFreshnessAlarms = (template: Template) =>
  (Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Resource[]).filter((a) =>
    String(a.Properties.AlarmName).startsWith(PREFIX),
  );

const arnIn = (service: string, resource: string) => ({
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      `:${service}:`,
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      `:${resource}`,
    ],
  ],
});

describe('VaultFreshnessAlarms in the member stack', () => {
  const template = member([
    { name: 'prod-vault' },
    { name: 'audit-vault', regions: ['eu-west-1'] },
    { name: 'prod-vault', accounts: ['333333333333'] },
    { name: 'shared-vault' },
  ]);

  it('makes no static alarm for vaults listed without accounts or Regions: the custom resource lists them', () => {
    expect(staticFreshnessAlarms(template).map((a) => [a.Properties.AlarmName, a.Condition !== undefined])).toEqual([
      [`${PREFIX}audit-vault`, true],
      [`${PREFIX}prod-vault-2`, true],
    ]);
    const [, alarms] = only(template, 'Custom::VaultpilotFreshnessAlarms');
    expect(alarms.Properties).toEqual({
      ServiceToken: { 'Fn::GetAtt': [expect.stringMatching(/^UnscopedVaultFreshnessFunction/), 'Arn'] },
      Vaults: [
        { Vault: 'prod-vault', Alarm: `${PREFIX}prod-vault` },
        { Vault: 'shared-vault', Alarm: `${PREFIX}shared-vault` },
      ],
      Hours: 26,
      ToleranceHours: 6,
      AlarmActions: [],
      OKActions: [],
    });
  });

  it('gives the function the same desired state as the custom resource, for the vault events it reconciles on', () => {
    const [, alarms] = only(template, 'Custom::VaultpilotFreshnessAlarms');
    const [, fn] = only(template, 'AWS::Lambda::Function');
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Code: { ZipFile: FRESHNESS_ALARMS_HANDLER_SOURCE },
      DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [expect.stringMatching(/^ForwardingUndelivered/), 'Arn'] } },
    });
    const env = (fn.Properties.Environment as { Variables: { SPEC: string } }).Variables.SPEC;
    const { ServiceToken: _, ...desired } = alarms.Properties;
    expect(JSON.parse(env)).toEqual(desired);
  });

  it('lets the function describe only the listed vaults and change only freshness alarms of its account and Region', () => {
    const [, policy] = only(template, 'AWS::IAM::Policy', true);
    const statements = (policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;
    expect(statements).toEqual(
      expect.arrayContaining([
        {
          Effect: 'Allow',
          Action: 'logs:CreateLogStream,logs:PutLogEvents'.split(','),
          Resource: { 'Fn::GetAtt': [expect.stringMatching(/^UnscopedVaultFreshnessLogs/), 'Arn'] },
        },
        {
          Effect: 'Allow',
          Action: 'backup:DescribeBackupVault',
          Resource: [arnIn('backup', 'backup-vault:prod-vault'), arnIn('backup', 'backup-vault:shared-vault')],
        },
        {
          Effect: 'Allow',
          Action: ['cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms', 'cloudwatch:TagResource'],
          Resource: arnIn('cloudwatch', `alarm:${PREFIX}*`),
        },
      ]),
    );
    const actions = statements.flatMap((s) => ([] as unknown[]).concat(s.Action));
    expect(actions.sort()).toEqual(
      [
        'backup:DescribeBackupVault',
        'cloudwatch:DeleteAlarms',
        'cloudwatch:PutMetricAlarm',
        'cloudwatch:TagResource',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'sqs:SendMessage',
      ].sort(),
    );
    const [, logGroup] = only(template, 'AWS::Logs::LogGroup');
    expect(logGroup.Properties.RetentionInDays).toBe(30);
  });
});

describe('VaultFreshnessAlarms event rule', () => {
  it('matches vaults created or deleted, invokes the function with a dead-letter queue and is removed first', () => {
    const template = member([{ name: 'prod-vault' }]);
    const rules = Object.entries(template.findResources('AWS::Events::Rule')) as [string, Resource][];
    const vaultRules = rules.filter(([id]) => id.startsWith('UnscopedVaultFreshness'));
    expect(vaultRules).toHaveLength(1);
    const [ruleId, rule] = vaultRules[0] as [string, Resource];
    expect(rule.Properties.EventPattern).toEqual({
      source: ['aws.backup'],
      'detail-type': ['Backup Vault State Change'],
      detail: { state: ['CREATED', 'DELETED'] },
    });
    expect(rule.Properties.EventBusName).toBeUndefined();
    const [fnId] = only(template, 'AWS::Lambda::Function');
    expect(rule.Properties.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [fnId, 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/^ForwardingUndelivered/), 'Arn'] } },
      }),
    ]);
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] },
      SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
    });
    const [alarmsId] = only(template, 'Custom::VaultpilotFreshnessAlarms');
    // CloudFormation deletes dependants first: no event can make an alarm after the custom resource removed them.
    expect(rule.DependsOn).toContain(alarmsId);
  });
});

describe('MemberStack freshness alarms by scope', () => {
  it('keeps names and static alarms of scoped entries however scoped and unscoped entries of one vault mix', () => {
    const scopedFirst = member([{ name: 'a', regions: ['eu-west-1'] }, { name: 'a' }]);
    expect(staticFreshnessAlarms(scopedFirst).map((a) => a.Properties.AlarmName)).toEqual([`${PREFIX}a`]);
    scopedFirst.hasResourceProperties('Custom::VaultpilotFreshnessAlarms', {
      Vaults: [{ Vault: 'a', Alarm: `${PREFIX}a-2` }],
    });

    const unscopedFirst = member([{ name: 'a' }, { name: 'a', regions: ['eu-west-1'] }]);
    expect(staticFreshnessAlarms(unscopedFirst).map((a) => a.Properties.AlarmName)).toEqual([`${PREFIX}a-2`]);
    unscopedFirst.hasResourceProperties('Custom::VaultpilotFreshnessAlarms', {
      Vaults: [{ Vault: 'a', Alarm: `${PREFIX}a` }],
    });
  });

  it('adds no function, custom resource or rule when every watched vault is scoped', () => {
    const template = member([{ name: 'audit-vault', accounts: ['333333333333'] }]);
    template.resourceCountIs('Custom::VaultpilotFreshnessAlarms', 0);
    template.resourceCountIs('AWS::Lambda::Function', 0);
    expect(
      Object.keys(template.findResources('AWS::Events::Rule')).filter((id) => id.includes('VaultFreshness')),
    ).toEqual([]);
  });

  it('refuses more unscoped vaults than the function environment holds, saying what to do', () => {
    const many = Array.from({ length: 60 }, (_, i) => ({ name: `backup-vault-of-team-${i}` }));
    expect(() => member(many)).toThrow(InfraError);
    expect(() => member(many)).toThrow(/without accounts or Regions.*accounts or regions/);
  });
});

describe('VaultFreshnessAlarms', () => {
  it('passes alarm actions to the alarms it makes, in the custom resource and the environment alike', () => {
    const stack = new Stack(new App(), 'Direct');
    new VaultFreshnessAlarms(stack, 'Freshness', {
      vaults: [{ vaultName: 'v', alarmName: `${PREFIX}v` }],
      alarmActions: ['arn:aws:sns:eu-west-1:333333333333:alarms'],
      okActions: ['arn:aws:sns:eu-west-1:333333333333:ok'],
      deadLetterQueue: new sqs.Queue(stack, 'Dlq'),
    });
    const template = Template.fromStack(stack);
    const desired = {
      Vaults: [{ Vault: 'v', Alarm: `${PREFIX}v` }],
      Hours: 24,
      ToleranceHours: 6,
      AlarmActions: ['arn:aws:sns:eu-west-1:333333333333:alarms'],
      OKActions: ['arn:aws:sns:eu-west-1:333333333333:ok'],
    };
    template.hasResourceProperties('Custom::VaultpilotFreshnessAlarms', desired);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { SPEC: Match.serializedJson(desired) } },
    });
  });

  it('refuses an alarm name outside the prefix its policy allows', () => {
    const stack = new Stack(new App(), 'Foreign');
    const create = () =>
      new VaultFreshnessAlarms(stack, 'Freshness', {
        vaults: [{ vaultName: 'v', alarmName: 'my-alarm' }],
        deadLetterQueue: new sqs.Queue(stack, 'Dlq'),
      });
    expect(create).toThrow(/my-alarm must start with vaultpilot-vault-no-completed-backup-/);
  });
});
