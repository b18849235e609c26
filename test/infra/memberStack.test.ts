import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALARM_NAME_PREFIX } from '../../src/core/deployment/contract.js';
import { MANAGEMENT_FORWARDED_RULES, MEMBER_FORWARDED_RULES } from '../../src/core/eventPatterns.js';
import { VAULT_NOTIFICATIONS_HANDLER_SOURCE } from '../../src/infra/constructs/vaultNotificationsHandler.js';
import { MemberTemplateTooLargeError } from '../../src/infra/InfraError.js';
import { ACCOUNT_FAILURE_METRICS, MemberStack } from '../../src/infra/stacks/MemberStack.js';
import { MemberStackSetStack, TEMPLATE_BODY_LIMIT_BYTES } from '../../src/infra/stacks/MemberStackSetStack.js';
import { type SynthesizedApp, synthesizeFixtureApp } from './fixtureApp.js';

/** Every metric name AWS Backup publishes in AWS/Backup (aws-facts §4); anything else never has data. */
const REAL_BACKUP_METRICS = new Set([
  ...['Created', 'Pending', 'Running', 'Aborted', 'Completed', 'Failed', 'Expired', 'Partial'].map(
    (s) => `NumberOfBackupJobs${s}`,
  ),
  ...['Created', 'Running', 'Completed', 'Failed'].map((s) => `NumberOfCopyJobs${s}`),
  ...['Pending', 'Running', 'Completed', 'Failed'].map((s) => `NumberOfRestoreJobs${s}`),
  ...['Completed', 'Partial', 'Expired', 'Deleting', 'Cold', 'Creating'].map((s) => `NumberOfRecoveryPoints${s}`),
]);

const CENTRAL_BUS_ARN = 'arn:aws:events:eu-west-1:222222222222:event-bus/vaultpilot';

let built: SynthesizedApp;
let member: Template;
let stackSetTemplate: Template;
let management: Template;

beforeAll(() => {
  built = synthesizeFixtureApp();
  member = built.template(built.member);
  stackSetTemplate = built.template(built.memberStackSet);
  management = built.template(built.management);
});

type Alarm = { Properties: Record<string, unknown>; Condition?: string };
const alarms = (): Alarm[] => Object.values(member.findResources('AWS::CloudWatch::Alarm')) as Alarm[];

describe('MemberStack', () => {
  it('is a self-contained template: no assets, no bootstrap version check, no fixed account or Region', () => {
    const json = member.toJSON();
    expect(json.Parameters ?? {}).not.toHaveProperty('BootstrapVersion');
    expect(json.Rules ?? {}).not.toHaveProperty('CheckBootstrapVersion');
    expect(JSON.stringify(json)).not.toMatch(/cdk-[a-z0-9]+-assets|AssetParameters/);
    expect(built.member.account).toMatch(/^\$\{Token/);
  });

  it('forwards backup events, tamper calls and Vaultpilot alarm changes to the central bus', () => {
    const rules = Object.values(member.findResources('AWS::Events::Rule')).filter((r) =>
      JSON.stringify(r.Properties.Targets).includes(CENTRAL_BUS_ARN),
    );
    const forwarding = rules.filter((r) => r.Properties.EventPattern);
    expect(forwarding.map((r) => r.Properties.EventPattern)).toEqual(MEMBER_FORWARDED_RULES.map((r) => r.pattern));
    const role = Object.keys(member.findResources('AWS::IAM::Role'))[0];
    for (const rule of rules) {
      expect(rule.Properties.EventBusName).toBeUndefined();
      expect(rule.Properties.Targets).toEqual([
        expect.objectContaining({
          Arn: CENTRAL_BUS_ARN,
          RoleArn: expect.objectContaining({ 'Fn::GetAtt': [expect.stringMatching(/EventsRole/), 'Arn'] }),
          DeadLetterConfig: expect.anything(),
        }),
      ]);
    }
    expect(role).toBeDefined();
    member.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [{ Action: 'events:PutEvents', Effect: 'Allow', Resource: CENTRAL_BUS_ARN }],
      },
    });
  });

  it('sends a heartbeat every 15 minutes over the forwarding path itself (same bus, role, dead letters)', () => {
    const rules = Object.values(member.findResources('AWS::Events::Rule'));
    const heartbeat = rules.find((r) => r.Properties.Name === 'vaultpilot-heartbeat');
    expect(heartbeat?.Properties.ScheduleExpression).toBe('rate(15 minutes)');
    const forward = rules.find((r) => JSON.stringify(r.Properties.EventPattern ?? '').includes('aws.backup'));
    const targetOf = (r: typeof heartbeat) => ((r?.Properties.Targets ?? []) as Record<string, unknown>[])[0];
    expect(targetOf(heartbeat)?.Arn).toBe(CENTRAL_BUS_ARN);
    expect(targetOf(heartbeat)?.RoleArn).toEqual(targetOf(forward)?.RoleArn);
    expect(targetOf(heartbeat)?.DeadLetterConfig).toEqual(targetOf(forward)?.DeadLetterConfig);
  });

  it('creates the EffectivePolicyValidation rule only where Organizations delivers it: us-east-1', () => {
    const rules = member.findResources('AWS::Events::Rule');
    const validation = Object.values(rules).find((r) =>
      JSON.stringify(r.Properties.EventPattern).includes('EffectivePolicyValidation'),
    ) as { Condition?: string } | undefined;
    expect(validation?.Condition).toBeDefined();
    expect(member.toJSON().Conditions[validation?.Condition as string]).toEqual({
      'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'],
    });
    const others = Object.values(rules).filter((r) => r !== validation) as { Condition?: string }[];
    expect(others.every((r) => r.Condition === undefined)).toBe(true);
  });

  it('alarms only on AWS/Backup metric names that exist', () => {
    const names = new Set<string>();
    for (const alarm of alarms()) {
      const text = JSON.stringify(alarm.Properties);
      for (const m of text.matchAll(/"MetricName":"([^"]+)"/g)) names.add(m[1] as string);
      for (const m of text.matchAll(/SUM\((\w+)\) FROM SCHEMA\(\\"AWS\/Backup\\"/g)) names.add(m[1] as string);
    }
    const backupNames = [...names].filter((n) => n.startsWith('NumberOf'));
    expect(backupNames.sort()).toEqual([...ACCOUNT_FAILURE_METRICS, 'NumberOfBackupJobsCompleted'].sort());
    expect(backupNames.filter((n) => !REAL_BACKUP_METRICS.has(n))).toEqual([]);
  });

  it('covers every vault of the account with Metrics Insights failure alarms that treat missing data as fine', () => {
    const insights = alarms().filter((a) => JSON.stringify(a.Properties).includes('FROM SCHEMA'));
    expect(insights).toHaveLength(ACCOUNT_FAILURE_METRICS.length);
    for (const alarm of insights) {
      expect(alarm.Properties).toMatchObject({
        TreatMissingData: 'notBreaching',
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 1,
      });
      expect(alarm.Properties.Metrics).toEqual([
        expect.objectContaining({ Expression: expect.stringMatching(/^SELECT SUM\(NumberOf\w+\) FROM SCHEMA/) }),
      ]);
    }
  });

  it('alarms on a vault listed without accounts or Regions only where it exists, through the custom resource', () => {
    const byName = new Map(alarms().map((a) => [a.Properties.AlarmName as string, a]));
    expect(byName.has(`${ALARM_NAME_PREFIX}vault-no-completed-backup-prod-vault`)).toBe(false);
    member.hasResourceProperties('Custom::VaultpilotFreshnessAlarms', {
      Vaults: [{ Vault: 'prod-vault', Alarm: `${ALARM_NAME_PREFIX}vault-no-completed-backup-prod-vault` }],
      Hours: 26,
      ToleranceHours: 6,
    });
  });

  it('gives a vault listed for some accounts or Regions a static freshness alarm, missing data breaching, with a tolerance', () => {
    const byName = new Map(alarms().map((a) => [a.Properties.AlarmName as string, a]));
    const freshness = byName.get(`${ALARM_NAME_PREFIX}vault-no-completed-backup-audit-vault`);
    expect(freshness?.Properties).toMatchObject({
      AlarmDescription: 'No backup job completed in vault audit-vault for 32 hours (26 h and 6 h of tolerance)',
      MetricName: 'NumberOfBackupJobsCompleted',
      Namespace: 'AWS/Backup',
      Dimensions: [{ Name: 'BackupVaultName', Value: 'audit-vault' }],
      Statistic: 'Sum',
      Period: 3600,
      // 26 hours configured and 6 of tolerance (the default): a drifting daily plan does not flap.
      EvaluationPeriods: 32,
      DatapointsToAlarm: 32,
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      TreatMissingData: 'breaching',
    });
    expect(freshness?.Condition).toBeDefined();
  });

  it('limits a vault listed for some accounts and Regions to those, with a template condition', () => {
    const scoped = alarms().filter((a) => String(a.Properties.AlarmName).endsWith('audit-vault'));
    expect(scoped).toHaveLength(1);
    const condition = scoped[0]?.Condition as string;
    expect(condition).toBeDefined();
    const expression = JSON.stringify(member.toJSON().Conditions[condition]);
    expect(expression).toContain('333333333333');
    expect(expression).toContain('444444444444');
    expect(expression).toContain('eu-west-1');
    expect(expression).toContain('AWS::AccountId');
    expect(expression).toContain('AWS::Region');
  });

  it('configures vault notifications with an inline custom resource within the ZipFile limit', () => {
    expect(VAULT_NOTIFICATIONS_HANDLER_SOURCE.length).toBeLessThan(4096);
    member.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Code: { ZipFile: VAULT_NOTIFICATIONS_HANDLER_SOURCE },
    });
    member.hasResourceProperties('Custom::VaultpilotVaultNotifications', {
      Vaults: ['prod-vault', 'Default'],
      Events: Match.arrayWith(['BACKUP_JOB_COMPLETED', 'COPY_JOB_FAILED']),
    });
    member.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['backup:PutBackupVaultNotifications', 'backup:DeleteBackupVaultNotifications'],
            Resource: [Match.anyValue(), Match.anyValue()],
          }),
        ]),
      },
    });
  });

  it('lets only AWS Backup of the same account publish to the encrypted vault topic', () => {
    member.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: 'vaultpilot-vault-notifications',
      KmsMasterKeyId: Match.anyValue(),
    });
    member.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'backup.amazonaws.com' },
            Action: 'SNS:Publish',
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ]),
      },
    });
  });

  it('subscribes the central router queue as its owner, through the central subscriber role', () => {
    const subscriber = 'arn:aws:iam::222222222222:role/vaultpilot-vault-topic-subscriber';
    expect(Object.keys(member.findResources('AWS::SNS::Subscription'))).toHaveLength(0);
    member.hasResourceProperties('Custom::VaultpilotVaultNotifications', {
      RouterQueueArn: 'arn:aws:sqs:eu-west-1:222222222222:vaultpilot-router',
      SubscriberRoleArn: subscriber,
    });
    member.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Principal: { AWS: subscriber }, Action: 'SNS:Subscribe' })]),
      },
    });
    member.hasResourceProperties('AWS::IAM::Role', {
      RoleName: { 'Fn::Join': ['', ['vaultpilot-vault-notifications-', { Ref: 'AWS::Region' }]] },
    });
    member.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Action: 'sts:AssumeRole', Resource: subscriber })]),
      },
    });
    expect(VAULT_NOTIFICATIONS_HANDLER_SOURCE).toContain('SubscribeCommand');
  });
});

describe('MemberStack with vault names that differ only by - and _, and a vault listed twice', () => {
  it('synthesizes, with one alarm and one condition per entry', () => {
    const app = new App();
    const stack = new MemberStack(app, 'Names', {
      centralBusArn: CENTRAL_BUS_ARN,
      watchedVaults: [
        { name: 'central-copies', regions: ['eu-west-1'] },
        { name: 'central_copies', regions: ['eu-west-1'] },
        { name: 'central-copies', accounts: ['333333333333'] },
      ],
    });
    const template = Template.fromStack(stack);
    const names = Object.values(template.findResources('AWS::CloudWatch::Alarm'))
      .map((a) => String(a.Properties.AlarmName))
      .filter((n) => n.includes('vault-no-completed-backup'));
    expect(names.sort()).toEqual([
      'vaultpilot-vault-no-completed-backup-central-copies',
      'vaultpilot-vault-no-completed-backup-central-copies-2',
      'vaultpilot-vault-no-completed-backup-central_copies',
    ]);
    expect(Object.keys(template.toJSON().Conditions ?? {})).toHaveLength(4);
  });
});

describe('MemberStackSetStack', () => {
  it('rolls out with SOFT_FAILURE_TOLERANCE, so 25 % of accounts deploy at once whatever the failure tolerance', () => {
    stackSetTemplate.hasResourceProperties('AWS::CloudFormation::StackSet', {
      OperationPreferences: {
        ConcurrencyMode: 'SOFT_FAILURE_TOLERANCE',
        RegionConcurrencyType: 'PARALLEL',
        MaxConcurrentPercentage: 25,
        FailureTolerancePercentage: 10,
      },
    });
  });

  it('deploys the member template through a service-managed StackSet with automatic deployment', () => {
    stackSetTemplate.hasResourceProperties('AWS::CloudFormation::StackSet', {
      StackSetName: 'vaultpilot-member',
      PermissionModel: 'SERVICE_MANAGED',
      CallAs: 'SELF',
      AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
      Capabilities: ['CAPABILITY_NAMED_IAM'],
      StackInstancesGroup: [
        {
          DeploymentTargets: { OrganizationalUnitIds: ['ou-ab12-cdef3456', 'ou-ab12-99998888'] },
          Regions: ['eu-west-1', 'eu-central-1', 'us-east-1'],
        },
      ],
    });
    expect(built.memberStackSet.account).toBe('111111111111');
  });

  it('carries exactly the member template, within the inline template limit', () => {
    const stackSet = Object.values(stackSetTemplate.findResources('AWS::CloudFormation::StackSet'))[0];
    const body = stackSet?.Properties.TemplateBody as string;
    expect(Buffer.byteLength(body)).toBeLessThan(TEMPLATE_BODY_LIMIT_BYTES);
    expect(JSON.parse(body)).toEqual(member.toJSON());
  });

  it('refuses a member template over the inline limit with an explanation instead of a failed deployment', () => {
    const create = () =>
      new MemberStackSetStack(new App(), 'TooLarge', {
        templateBody: JSON.stringify({ Resources: { X: { Type: 'AWS::SNS::Topic', Padding: 'x'.repeat(60_000) } } }),
        organizationalUnits: ['r-ab12'],
        regions: ['eu-west-1'],
      });
    expect(create).toThrow(MemberTemplateTooLargeError);
    expect(create).toThrow(/watchedVaults/);
  });

  it('can be deployed as delegated administrator from the central account', () => {
    const delegated = synthesizeFixtureApp(undefined, { delegatedAdmin: true });
    expect(delegated.memberStackSet.account).toBe('222222222222');
    delegated.template(delegated.memberStackSet).hasResourceProperties('AWS::CloudFormation::StackSet', {
      CallAs: 'DELEGATED_ADMIN',
    });
  });
});

describe('ManagementStack', () => {
  it('runs in the management account in us-east-1, where Organizations events arrive', () => {
    expect(built.management.account).toBe('111111111111');
    expect(built.management.region).toBe('us-east-1');
  });

  it('forwards policy changes by API name, without a policy-type filter that would miss DeletePolicy', () => {
    const rules = Object.values(management.findResources('AWS::Events::Rule')).filter((r) => r.Properties.EventPattern);
    expect(rules.map((r) => r.Properties.EventPattern)).toEqual(MANAGEMENT_FORWARDED_RULES.map((r) => r.pattern));
    const pattern = JSON.stringify(rules[0]?.Properties.EventPattern);
    expect(pattern).toContain('"DeletePolicy"');
    expect(pattern).not.toMatch(/policySummary|"type"|BACKUP_POLICY/);
    expect(rules[0]?.Properties.Targets).toEqual([expect.objectContaining({ Arn: CENTRAL_BUS_ARN })]);
  });
});
