import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/infra/app.js';
import { NAG_ACKNOWLEDGEMENTS } from '../../src/infra/nagAcknowledgements.js';
import {
  FULL_CONFIG_PATH,
  fixtureConfig,
  MINIMAL_CONFIG_PATH,
  projectRoot,
  synthesizeFixtureApp,
} from './fixtureApp.js';

type Resource = { Type: string; Properties: Record<string, unknown> };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

/** Actions that only read. Everything else counts as mutating for the `*` resource rule. */
const READ_ONLY = /^[a-z0-9-]+:(Get|List|Describe|BatchGet|Query|Scan|ConditionCheck)/;

/** Identity policies (not resource policies, where `*` means "this resource") in a template. */
function identityStatements(resources: Record<string, Resource>): [string, Statement][] {
  const out: [string, Statement][] = [];
  for (const [id, r] of Object.entries(resources)) {
    const documents: unknown[] = [];
    if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy')
      documents.push(r.Properties.PolicyDocument);
    if (r.Type === 'AWS::IAM::Role') {
      for (const p of (r.Properties.Policies as { PolicyDocument: unknown }[] | undefined) ?? [])
        documents.push(p.PolicyDocument);
    }
    for (const doc of documents) {
      for (const s of (doc as { Statement: Statement[] }).Statement) out.push([id, s]);
    }
  }
  return out;
}

describe('security of the synthesized templates', () => {
  const built = synthesizeFixtureApp(FULL_CONFIG_PATH, { nag: false });
  const stacks = [built.central, built.monitoring, built.digest, built.management, built.member, built.memberStackSet];
  const templates = stacks.map(
    (s) => [s.stackName, built.template(s).toJSON().Resources as Record<string, Resource>] as const,
  );

  it('scopes every key-policy statement for an AWS service principal with a condition', () => {
    const offenders: string[] = [];
    let checked = 0;
    for (const [name, resources] of templates) {
      for (const [id, r] of Object.entries(resources)) {
        if (r.Type !== 'AWS::KMS::Key') continue;
        const statements = (r.Properties.KeyPolicy as { Statement: (Statement & Record<string, unknown>)[] }).Statement;
        for (const s of statements) {
          const principal = s.Principal as { Service?: unknown } | undefined;
          if (!principal?.Service) continue;
          checked++;
          // AWS documents EventBridge's use of an encrypted SQS target's key with no condition, and says the
          // source keys are not passed to KMS on EventBridge deliveries; the queue policies scope it instead.
          if (s.Sid === 'AllowEventBridgeToEncryptForQueues') continue;
          if (!s.Condition)
            offenders.push(`${name}/${id}: ${JSON.stringify(principal.Service)} ${JSON.stringify(s.Action)}`);
        }
      }
    }
    expect(checked).toBeGreaterThan(4);
    expect(offenders).toEqual([]);
  });

  it('grants no mutating action on a `*` resource in any identity policy', () => {
    const statements = templates.flatMap(([name, resources]) =>
      identityStatements(resources).map(([id, s]) => [`${name}/${id}`, s] as const),
    );
    expect(statements.length).toBeGreaterThan(20);
    const offenders = statements
      .filter(([, s]) => s.Effect === 'Allow')
      .filter(([, s]) => ([] as unknown[]).concat(s.Resource).includes('*'))
      .filter(([, s]) => ([] as string[]).concat(s.Action).some((a) => !READ_ONLY.test(a)))
      .map(([where, s]) => `${where}: ${JSON.stringify(s.Action)}`);
    expect(offenders).toEqual([]);
  });

  it('uses no AWS managed policies', () => {
    for (const [name, resources] of templates) {
      for (const r of Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Role')) {
        expect(r.Properties.ManagedPolicyArns, name).toBeUndefined();
      }
    }
  });

  it('encrypts every queue and topic, and every Vaultpilot queue and topic refuses plain HTTP', () => {
    for (const [name, resources] of templates) {
      for (const [id, r] of Object.entries(resources)) {
        if (r.Type === 'AWS::SQS::Queue') {
          expect(r.Properties.KmsMasterKeyId ?? r.Properties.SqsManagedSseEnabled, `${name}/${id}`).toBeTruthy();
        }
        if (r.Type === 'AWS::SNS::Topic') expect(r.Properties.KmsMasterKeyId, `${name}/${id}`).toBeDefined();
      }
      const policies = Object.values(resources).filter((r) =>
        ['AWS::SQS::QueuePolicy', 'AWS::SNS::TopicPolicy'].includes(r.Type),
      );
      for (const policy of policies)
        expect(JSON.stringify(policy.Properties), name).toContain('"aws:SecureTransport":"false"');
    }
  });

  it('gives every function a log group with retention and a dead-letter path', () => {
    for (const [name, resources] of templates) {
      const all = Object.entries(resources);
      for (const [id, fn] of all.filter(([, r]) => r.Type === 'AWS::Lambda::Function')) {
        const where = `${name}/${id}`;
        const logGroupRef = (fn.Properties.LoggingConfig as { LogGroup?: { Ref: string } } | undefined)?.LogGroup?.Ref;
        expect(resources[logGroupRef ?? '']?.Properties.RetentionInDays, where).toBeGreaterThan(0);
        const fedByQueue = all
          .filter(([, r]) => r.Type === 'AWS::Lambda::EventSourceMapping')
          .map(([, r]) => r.Properties)
          .filter((p) => JSON.stringify(p.FunctionName) === JSON.stringify({ Ref: id }))
          .map((p) => resources[(p.EventSourceArn as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0]]);
        const onFailure = all.some(
          ([, r]) =>
            r.Type === 'AWS::Lambda::EventInvokeConfig' &&
            JSON.stringify(r.Properties.FunctionName) === JSON.stringify({ Ref: id }) &&
            JSON.stringify(r.Properties.DestinationConfig).includes('OnFailure'),
        );
        const deadLetter =
          onFailure ||
          fn.Properties.DeadLetterConfig !== undefined ||
          (fedByQueue.length > 0 && fedByQueue.every((q) => q?.Properties.RedrivePolicy !== undefined));
        expect(deadLetter, where).toBe(true);
      }
    }
  });

  it('writes a specific reason for every acknowledged cdk-nag finding, wherever it is made', () => {
    const acknowledged: [string, string, string][] = [];
    for (const construct of built.app.node.findAll()) {
      for (const entry of construct.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
          acknowledged.push([construct.node.path, id, reason]);
        }
      }
    }
    const ids = new Set(acknowledged.map(([, id]) => id));
    expect([...ids].sort()).toEqual(
      [
        'AwsSolutions::AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        'AwsSolutions::AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
        'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:vaultpilot-vault-no-completed-backup-*]',
        'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:organizations::<AWS::AccountId>:policy/o-*/backup_policy/p-*]',
        'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sns:*:*:vaultpilot-vault-notifications]',
        'AwsSolutions::AwsSolutions-L1',
        'AwsSolutions::AwsSolutions-SQS3',
      ].sort(),
    );
    for (const [path, id, reason] of acknowledged) expect(reason.length, `${path} ${id}`).toBeGreaterThan(50);
    const listed = Object.values(NAG_ACKNOWLEDGEMENTS).flat();
    expect(listed.every((a) => ids.has(a.id))).toBe(true);
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('passes on every stack of the full configuration', () => {
    const { app } = buildApp(fixtureConfig(FULL_CONFIG_PATH), {
      projectRoot,
      cloudFormationValidation: false,
      nag: true,
    });
    expect(() => app.synth()).not.toThrow();
  });

  it('is active: an unencrypted queue without a dead-letter queue fails synthesis', () => {
    const { app } = buildApp(fixtureConfig(MINIMAL_CONFIG_PATH), {
      projectRoot,
      cloudFormationValidation: false,
      nag: true,
    });
    const extra = new Stack(app, 'Careless', { env: { account: '666666666666', region: 'us-east-1' } });
    new sqs.Queue(extra, 'Plain', { encryption: sqs.QueueEncryption.UNENCRYPTED, retentionPeriod: Duration.days(1) });
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS2[\s\S]*Careless\/Plain/);
  });
});

describe('CDK built-in CloudFormation validation', () => {
  // Validation costs seconds per stack; on the shared two-core machine this one synthesis took 24 s.
  it('accepts every template of the minimal configuration', { timeout: 90_000 }, () => {
    const { app } = buildApp(fixtureConfig(MINIMAL_CONFIG_PATH), {
      projectRoot,
      cloudFormationValidation: true,
      nag: false,
    });
    expect(() => app.synth()).not.toThrow();
  });
});
