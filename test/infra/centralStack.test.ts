import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALARM_NAME_PREFIX, ENV, LEDGER_KEYS, METRIC_NAMESPACE } from '../../src/core/deployment/contract.js';
import { CENTRAL_BUS_RULES, CENTRAL_DEFAULT_BUS_RULES } from '../../src/core/eventPatterns.js';
import { policyInventoryEventsFrom } from '../../src/core/inventory/policyInventory.js';
import { type SynthesizedApp, synthesizeFixtureApp } from './fixtureApp.js';

let built: SynthesizedApp;
let template: Template;
type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] };
let resources: Record<string, Resource>;

beforeAll(() => {
  built = synthesizeFixtureApp();
  template = built.template(built.central);
  resources = template.toJSON().Resources;
});

function logicalIdOf(type: string, predicate: (r: Resource) => boolean = () => true): string {
  const found = Object.entries(resources).filter(([, r]) => r.Type === type && predicate(r));
  expect(found.length, `${type} matching`).toBe(1);
  return found[0]?.[0] as string;
}

/** The logical id of the one queue whose id starts with the construct id. */
function queueOf(constructId: string): string {
  const ids = Object.keys(template.findResources('AWS::SQS::Queue')).filter((id) => id.startsWith(constructId));
  expect(ids, constructId).toHaveLength(1);
  return ids[0] as string;
}

describe('CentralStack', () => {
  it('is deployed to the central account and Region of the configuration', () => {
    expect(built.central.account).toBe('222222222222');
    expect(built.central.region).toBe('eu-west-1');
  });

  it('creates the custom bus whose policy admits only principals of the organization', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'vaultpilot' });
    const policies = template.findResources('AWS::Events::EventBusPolicy');
    expect(Object.keys(policies)).toHaveLength(1);
    const statement = Object.values(policies)[0]?.Properties.Statement;
    expect(statement).toMatchObject({
      Effect: 'Allow',
      Action: 'events:PutEvents',
      Principal: { AWS: '*' },
      Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
    });
  });

  it('archives every event on the bus for 30 days, so events can be replayed after a fix', () => {
    const bus = logicalIdOf('AWS::Events::EventBus');
    template.hasResourceProperties('AWS::Events::Archive', {
      SourceArn: { 'Fn::GetAtt': [bus, 'Arn'] },
      RetentionDays: 30,
      EventPattern: { source: [{ prefix: '' }] },
    });
  });

  it('routes every central-bus and default-bus rule, with the patterns from core, to the router queue', () => {
    const routerQueue = queueOf('RouterQueue');
    const deadLetters = queueOf('RouterDeadLetters');
    const rules = Object.values(template.findResources('AWS::Events::Rule'));
    const busRules = rules.filter((r) => r.Properties.EventBusName);
    const defaultRules = rules.filter((r) => !r.Properties.EventBusName);
    // …and the management account's policy inventory, from that account only (any member may put events).
    expect(busRules.map((r) => r.Properties.EventPattern)).toEqual([
      ...CENTRAL_BUS_RULES.map((r) => r.pattern),
      policyInventoryEventsFrom('111111111111').pattern,
    ]);
    // The central Region is eu-west-1: rules for events AWS delivers in us-east-1 only are left off its default bus.
    expect(defaultRules.map((r) => r.Properties.EventPattern)).toEqual(
      CENTRAL_DEFAULT_BUS_RULES.filter((r) => !r.onlyInRegion).map((r) => r.pattern),
    );
    expect(CENTRAL_DEFAULT_BUS_RULES.some((r) => r.onlyInRegion === 'us-east-1')).toBe(true);
    for (const rule of rules) {
      expect(rule.Properties.Targets).toEqual([
        expect.objectContaining({
          Arn: { 'Fn::GetAtt': [routerQueue, 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [deadLetters, 'Arn'] } },
          RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
        }),
      ]);
    }
  });

  it('encrypts the router queue with the customer key and redrives to a dead-letter queue', () => {
    const key = logicalIdOf('AWS::KMS::Key');
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'vaultpilot-router',
      KmsMasterKeyId: { 'Fn::GetAtt': [key, 'Arn'] },
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [queueOf('RouterDeadLetters'), 'Arn'] },
        maxReceiveCount: 5,
      },
    });
    for (const [, queue] of Object.entries(template.findResources('AWS::SQS::Queue'))) {
      expect(queue.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [key, 'Arn'] });
    }
  });

  it('admits EventBridge to the router queues only for rules of this account', () => {
    const policy = Object.values(template.findResources('AWS::SQS::QueuePolicy')).find((p) =>
      JSON.stringify(p.Properties.Queues).includes('RouterQueue'),
    );
    const statements = policy?.Properties.PolicyDocument.Statement as Record<string, unknown>[];
    const fromEvents = statements.filter((s) => JSON.stringify(s.Principal).includes('events.amazonaws.com'));
    expect(fromEvents).toHaveLength(1);
    // aws:SourceArn, the condition EventBridge documents for SQS targets: rules of this account and Region.
    expect(fromEvents[0]).toMatchObject({
      Action: 'sqs:SendMessage',
      Condition: {
        ArnLike: {
          'aws:SourceArn': {
            'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:eu-west-1:222222222222:rule/*']],
          },
        },
      },
    });
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });

  it('feeds the router from the queue with partial batch responses', () => {
    const router = logicalIdOf('AWS::Lambda::Function', (r) => String(r.Properties.Description).includes('router'));
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: router },
      EventSourceArn: { 'Fn::GetAtt': [queueOf('RouterQueue'), 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
      ScalingConfig: { MaximumConcurrency: 5 },
    });
  });

  it('keeps the ledger with the contract keys, TTL, point-in-time recovery and the customer key', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: LEDGER_KEYS.partitionKey, KeyType: 'HASH' },
        { AttributeName: LEDGER_KEYS.sortKey, KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: LEDGER_KEYS.ttlAttribute, Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: {
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: { 'Fn::GetAtt': [logicalIdOf('AWS::KMS::Key'), 'Arn'] },
      },
      BillingMode: 'PAY_PER_REQUEST',
    });
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain' });
  });

  it('encrypts both topics, subscribes the configured addresses and limits alarm publishing by source', () => {
    const key = logicalIdOf('AWS::KMS::Key');
    const topics = template.findResources('AWS::SNS::Topic');
    expect(Object.keys(topics)).toHaveLength(2);
    for (const topic of Object.values(topics)) {
      expect(topic.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [key, 'Arn'] });
    }
    const emails = Object.values(template.findResources('AWS::SNS::Subscription')).filter(
      (s) => s.Properties.Protocol === 'email',
    );
    expect(emails.map((s) => s.Properties.Endpoint).sort()).toEqual(['backup-ops@example.com', 'oncall@example.com']);
    // Each address hears its own channel (the router sets the attribute) and the operational alarms (no attribute).
    for (const subscription of emails) {
      expect(subscription.Properties.FilterPolicy).toEqual({ channel: ['ops-mail', { exists: false }] });
    }
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: {
              StringEquals: { 'aws:SourceAccount': '222222222222' },
              ArnLike: { 'aws:SourceArn': Match.anyValue() },
            },
          }),
        ]),
      },
    });
  });

  it('keeps unparsed inputs in a queue subscribed to their topic', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sqs',
      RawMessageDelivery: true,
      Endpoint: { 'Fn::GetAtt': [queueOf('UnparsedKept'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { MessageRetentionPeriod: 1209600 });
  });

  it('lets the delivery function read exactly the configured webhook secrets', () => {
    const deliveryRole = logicalIdOf('AWS::IAM::Role', (r) => String(r.Properties.Description).includes('delivery'));
    const policy = Object.values(template.findResources('AWS::IAM::Policy')).find((p) =>
      JSON.stringify(p.Properties.Roles).includes(deliveryRole),
    );
    const secretStatements = ((policy?.Properties.PolicyDocument.Statement ?? []) as Record<string, unknown>[]).filter(
      (s) => JSON.stringify(s.Action).includes('secretsmanager'),
    );
    expect(secretStatements).toHaveLength(1);
    expect(secretStatements[0]?.Action).toBe('secretsmanager:GetSecretValue');
    const resources = JSON.stringify(secretStatements[0]?.Resource);
    expect(resources).toContain('secret:vaultpilot/slack-ops-??????');
    expect(resources).toContain('arn:aws:secretsmanager:eu-west-1:222222222222:secret:vaultpilot/audit-hook-AbCdEf');
    expect(resources).not.toContain('*');
  });

  it('lets the delivery function claim jobs in the ledger', () => {
    const deliveryRole = logicalIdOf('AWS::IAM::Role', (r) => String(r.Properties.Description).includes('delivery'));
    const policy = Object.values(template.findResources('AWS::IAM::Policy')).find((p) =>
      JSON.stringify(p.Properties.Roles).includes(deliveryRole),
    );
    const ledger = logicalIdOf('AWS::DynamoDB::Table');
    const statements = (policy?.Properties.PolicyDocument.Statement ?? []) as { Action: string[]; Resource: unknown }[];
    const onLedger = statements.find((s) => JSON.stringify(s.Resource).includes(ledger));
    expect(onLedger?.Action).toEqual(expect.arrayContaining(['dynamodb:UpdateItem', 'dynamodb:GetItem']));
  });

  it('feeds the delivery function from its queue, which dead-letters after repeated attempts', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [queueOf('DeliveryDeadLetters'), 'Arn'] },
        maxReceiveCount: 8,
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queueOf('DeliveryQueue'), 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('runs both functions on Node.js 22 arm64 with the contract environment and encrypted, retained logs', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(functions).toHaveLength(2);
    for (const fn of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
      });
      expect(fn.Properties.TracingConfig?.Mode ?? 'PassThrough').toBe('PassThrough');
      const variables = fn.Properties.Environment.Variables;
      for (const name of Object.values(ENV)) expect(variables, name).toHaveProperty(name);
      expect(variables[ENV.metricNamespace]).toBe(METRIC_NAMESPACE);
      expect(JSON.parse(variables[ENV.settings])).toMatchObject({ organizationId: 'o-a1b2c3d4e5', version: 1 });
      expect(fn.Properties.LoggingConfig.LogGroup).toEqual({ Ref: expect.stringMatching(/Logs/) });
    }
    for (const logGroup of Object.values(template.findResources('AWS::Logs::LogGroup'))) {
      expect(logGroup.Properties.RetentionInDays).toBe(90);
      expect(logGroup.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [logicalIdOf('AWS::KMS::Key'), 'Arn'] });
    }
  });

  it('rotates the customer key and lets CloudWatch Logs of this account use it', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'logs.eu-west-1.amazonaws.com' },
            Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': Match.anyValue() } },
          }),
        ]),
      },
    });
    const policy = JSON.stringify(Object.values(template.findResources('AWS::KMS::Key'))[0]?.Properties.KeyPolicy);
    expect(policy).toContain(':logs:eu-west-1:222222222222:log-group:*');
  });

  it('alarms, under the Vaultpilot prefix and straight to the topic, on dead letters, unparsed inputs and router errors', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.map((a) => a.Properties.AlarmName).sort()).toEqual(
      ['delivery-dead-letters', 'router-dead-letters', 'router-errors', 'unparsed-inputs'].map(
        (n) => `${ALARM_NAME_PREFIX}${n}`,
      ),
    );
    const topic = Object.keys(template.findResources('AWS::SNS::Topic')).find((id) => id.startsWith('Notifications'));
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topic }]);
      expect(alarm.Properties.TreatMissingData).toBe('notBreaching');
    }
  });

  it('lets only the members\u2019 vault-notification roles assume the subscriber role, which may only subscribe the router queue', () => {
    const role = logicalIdOf('AWS::IAM::Role', (r) => r.Properties.RoleName === 'vaultpilot-vault-topic-subscriber');
    expect(resources[role]?.Properties.AssumeRolePolicyDocument).toMatchObject({
      Statement: [
        {
          Action: 'sts:AssumeRole',
          Principal: { AWS: '*' },
          Condition: {
            StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' },
            ArnLike: { 'aws:PrincipalArn': expect.anything() },
          },
        },
      ],
    });
    expect(JSON.stringify(resources[role]?.Properties.AssumeRolePolicyDocument)).toContain(
      ':role/vaultpilot-vault-notifications-*',
    );
    const policy = Object.values(template.findResources('AWS::IAM::Policy')).find((p) =>
      JSON.stringify(p.Properties.Roles).includes(role),
    );
    expect(policy?.Properties.PolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Action: 'sns:Subscribe',
        Condition: {
          StringEquals: { 'sns:Protocol': 'sqs', 'sns:Endpoint': { 'Fn::GetAtt': [queueOf('RouterQueue'), 'Arn'] } },
        },
      }),
    ]);
  });

  it('admits members\u2019 vault-notification topics to the router queue by the documented aws:SourceArn', () => {
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'sns.amazonaws.com' },
            Condition: {
              ArnLike: {
                'aws:SourceArn': {
                  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sns:*:*:vaultpilot-vault-notifications']],
                },
              },
            },
          }),
        ]),
      },
    });
  });

  it('uses on every delivery path into the queues and the key only the condition keys AWS documents for it', () => {
    const documented = new Set(['aws:SourceArn', 'aws:SourceAccount', 'kms:EncryptionContext:aws:logs:arn']);
    const used: string[] = [];
    for (const r of Object.values(resources)) {
      const document =
        r.Type === 'AWS::KMS::Key'
          ? r.Properties.KeyPolicy
          : r.Type === 'AWS::SQS::QueuePolicy' || r.Type === 'AWS::SNS::TopicPolicy'
            ? r.Properties.PolicyDocument
            : undefined;
      for (const statement of (document as { Statement?: Record<string, unknown>[] })?.Statement ?? []) {
        if (!JSON.stringify(statement.Principal ?? '').includes('Service')) continue;
        for (const operator of Object.values((statement.Condition ?? {}) as Record<string, Record<string, unknown>>)) {
          used.push(...Object.keys(operator));
        }
      }
    }
    expect(used.length).toBeGreaterThan(5);
    expect(used.filter((key) => !documented.has(key))).toEqual([]);
  });
});

describe('CentralStack logical ids', () => {
  // A changed logical id makes CloudFormation replace the resource: a new ledger table (the old one is
  // retained and forgotten), new queues and topics (email addresses must confirm again), a named queue that
  // cannot be created twice. Refactoring the stack must keep every stateful resource where it is.
  it('keeps the logical id of every stateful resource of a deployed central stack', () => {
    const expected = JSON.parse(
      readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'fixtures/central-logical-ids.json'), 'utf8'),
    ) as string[];
    const types = new Set(expected.map((line) => line.split(' ')[1]));
    const actual = Object.entries(template.toJSON().Resources as Record<string, { Type: string }>)
      .filter(([, r]) => types.has(r.Type))
      .map(([id, r]) => `${id} ${r.Type}`)
      .sort();
    // New resources may be added; none of those deployed before may change its logical id.
    expect(expected.filter((line) => !actual.includes(line))).toEqual([]);
  });
});
