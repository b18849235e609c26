import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { INVENTORY_ENV } from '../../src/core/deployment/contract.js';
import { NAG_ACKNOWLEDGEMENTS } from '../../src/infra/nagAcknowledgements.js';
import {
  ManagementStack,
  POLICY_INVENTORY_ALARM_NAME,
  POLICY_INVENTORY_SCHEDULE,
} from '../../src/infra/stacks/ManagementStack.js';
import { projectRoot } from './fixtureApp.js';

type Props = Record<string, unknown>;
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

const CENTRAL_BUS_ARN = 'arn:aws:events:eu-west-1:222222222222:event-bus/vaultpilot';
const ENV = { account: '111111111111', region: 'us-east-1' };
let template: Template;
let stack: ManagementStack;

beforeAll(() => {
  const app = new App();
  stack = new ManagementStack(app, 'Vaultpilot-Management', { env: ENV, centralBusArn: CENTRAL_BUS_ARN, projectRoot });
  template = Template.fromStack(stack);
});

function only(type: string): [string, { Properties: Props }] {
  const all = Object.entries(template.findResources(type));
  expect(all, type).toHaveLength(1);
  return all[0] as [string, { Properties: Props }];
}

/** Every statement of the identity policies attached to a role. */
function statementsOfRole(roleId: string): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(`"${roleId}"`))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

const actions = (s: Statement) => ([] as string[]).concat(s.Action);

describe('ManagementStack: policy inventory', () => {
  it('runs the policyInventory handler on Node.js 22 arm64 with the central bus ARN and a dead-letter path', () => {
    const [fnId, fn] = only('AWS::Lambda::Function');
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Timeout: 600,
      Environment: { Variables: { [INVENTORY_ENV.centralBusArn]: CENTRAL_BUS_ARN } },
    });
    expect(String(fn.Properties.Description)).toContain('src/functions/policyInventory.ts');
    const [, invokeConfig] = only('AWS::Lambda::EventInvokeConfig');
    expect(invokeConfig.Properties).toMatchObject({
      FunctionName: { Ref: fnId },
      MaximumRetryAttempts: 2,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [expect.stringMatching(/^FailedInventoryRuns/), 'Arn'] } },
      },
    });
  });

  it('lets the function list policies, read backup policies and put events on the central bus only', () => {
    const [, fn] = only('AWS::Lambda::Function');
    const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
    const statements = statementsOfRole(roleId);
    const byAction = (action: string) => statements.filter((s) => actions(s).includes(action));
    expect(byAction('organizations:ListPolicies')).toEqual([
      expect.objectContaining({ Effect: 'Allow', Action: 'organizations:ListPolicies', Resource: '*' }),
    ]);
    const describe = byAction('organizations:DescribePolicy');
    expect(describe).toHaveLength(1);
    expect(actions(describe[0] as Statement)).toEqual(['organizations:DescribePolicy']);
    expect(JSON.stringify(describe[0]?.Resource)).toMatch(
      /"arn:",\{"Ref":"AWS::Partition"\},":organizations::",\{"Ref":"AWS::AccountId"\},":policy\/o-\*\/backup_policy\/p-\*"/,
    );
    expect(byAction('events:PutEvents')).toEqual([
      expect.objectContaining({ Action: 'events:PutEvents', Resource: CENTRAL_BUS_ARN }),
    ]);
    // Nothing else of Organizations or EventBridge, and `*` for ListPolicies alone.
    const granted = statements.flatMap(actions);
    expect(granted.filter((a) => /^(organizations|events):/.test(a)).sort()).toEqual([
      'events:PutEvents',
      'organizations:DescribePolicy',
      'organizations:ListPolicies',
    ]);
    for (const s of statements.filter((s) => JSON.stringify(s.Resource) === '"*"'))
      expect(actions(s)).toEqual(['organizations:ListPolicies']);
  });

  it('runs every 6 hours from EventBridge Scheduler, no flexible window, with retries and a dead-letter queue', () => {
    const [, schedule] = only('AWS::Scheduler::Schedule');
    expect(POLICY_INVENTORY_SCHEDULE).toBe('rate(6 hours)');
    expect(schedule.Properties).toMatchObject({
      ScheduleExpression: 'rate(6 hours)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: { 'Fn::GetAtt': [expect.stringMatching(/^PolicyInventory/), 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/^FailedInventoryRuns/), 'Arn'] } },
      },
    });
    const roleId = ((schedule.Properties.Target as Props).RoleArn as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
    const role = template.findResources('AWS::IAM::Role')[roleId];
    expect(JSON.stringify(role?.Properties.AssumeRolePolicyDocument)).toContain('"aws:SourceAccount":"111111111111"');
    const granted = statementsOfRole(roleId).flatMap(actions);
    expect(granted).toContain('lambda:InvokeFunction');
    expect(granted).toContain('sqs:SendMessage');
  });

  it('takes an inventory at deployment: a custom resource served by the function, renewed when its code changes', () => {
    const [, run] = only('Custom::VaultpilotPolicyInventory');
    expect(run.Properties).toMatchObject({
      ServiceToken: { 'Fn::GetAtt': [expect.stringMatching(/^PolicyInventory/), 'Arn'] },
      ServiceTimeout: '300',
      CentralBusArn: CENTRAL_BUS_ARN,
      HandlerCode: expect.stringMatching(/^[0-9a-f]{64}\.zip$/),
    });
  });

  it('alarms when a run failed after its retries', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties as Props);
    const alarm = alarms.find((a) => a.AlarmName === POLICY_INVENTORY_ALARM_NAME);
    expect(alarm).toMatchObject({
      AlarmName: 'vaultpilot-policy-inventory-failed',
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': [expect.stringMatching(/^FailedInventoryRuns/), 'QueueName'] } },
      ],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it('encrypts the function log group with its own rotated key and the dead-letter queue with SSE-SQS', () => {
    const [keyId, key] = only('AWS::KMS::Key');
    expect(key.Properties.EnableKeyRotation).toBe(true);
    const [, logGroup] = only('AWS::Logs::LogGroup');
    expect(logGroup.Properties).toMatchObject({ RetentionInDays: 90, KmsKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    const queues = Object.entries(template.findResources('AWS::SQS::Queue'));
    const failed = queues.find(([id]) => id.startsWith('FailedInventoryRuns'));
    expect(failed?.[1].Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
  });

  it('passes cdk-nag AwsSolutions with the management acknowledgements, each with a reason', () => {
    const app = new App();
    const checked = new ManagementStack(app, 'Vaultpilot-Management', {
      env: ENV,
      centralBusArn: CENTRAL_BUS_ARN,
      projectRoot,
    });
    Validations.of(checked).acknowledge(...NAG_ACKNOWLEDGEMENTS.management);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
    for (const a of NAG_ACKNOWLEDGEMENTS.management) expect(a.reason.length).toBeGreaterThan(50);
  });
});
