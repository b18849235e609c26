import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import {
  ACTION_TASKS,
  BLOCK_ARCHIVE_TASKS,
  CONVERSION_TASKS,
  EXPORT_TIMING,
  IMAGE_TASKS,
} from '../../src/core/actions/exportWorkflow.js';
import { requireConfig } from '../../src/core/config/parseConfig.js';
import { ACTIONS_ENV, ACTIONS_IMAGE } from '../../src/core/deployment/contract.js';
import { matchesEventPattern } from '../../src/core/eventPatternMatch.js';
import {
  ACTION_BACKUP_TRIGGERS,
  ACTION_RESULT_EVENTS,
  actionRdsSnapshotTriggers,
} from '../../src/core/eventPatterns.js';
import {
  ACTIONS_STACKSET_NAME,
  actionsMemberTemplateFileName,
  buildApp,
  planActions,
  regionalActionsStackName,
} from '../../src/infra/app.js';
import { SWEEP_MAX_RECEIVE_COUNT } from '../../src/infra/stacks/ActionsMemberStack.js';
import { TEMPLATE_BODY_LIMIT_BYTES, TEMPLATE_URL_LIMIT_BYTES } from '../../src/infra/stacks/MemberStackSetStack.js';
import { checkTemplateSizes } from '../../src/infra/templateSizes.js';
import { definitionFromTemplate } from '../../src/infra/workflows/definitionFromTemplate.js';
import { ACTION_HANDLER_STUBS, FULL_CONFIG_PATH, projectRoot } from './fixtureApp.js';

type Statement = {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};
type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string };

const EXAMPLE_PATH = join(projectRoot, 'examples/vaultpilot.config.yaml');
const example = requireConfig(readFileSync(EXAMPLE_PATH, 'utf8'), EXAMPLE_PATH);

/** The example configuration (vaults, RDS snapshots, deletion on), cdk-nag on: a finding fails synthesis. */
const outdir = mkdtempSync(join(tmpdir(), 'vaultpilot-actions-member-'));
const built = buildApp(example, {
  outdir,
  projectRoot,
  cloudFormationValidation: false,
  nag: true,
  actionHandlerEntries: ACTION_HANDLER_STUBS,
});
const assembly = built.app.synth();
const templateOf = (artifactId: string) => assembly.getStackArtifact(artifactId).template as Record<string, unknown>;
if (!built.actionsMember || !built.actionsStackSet || !built.actions) throw new Error('no actions stacks');
const memberJson = templateOf(built.actionsMember.artifactId);
const member = Template.fromJSON(memberJson);
const memberResources = memberJson.Resources as Record<string, Resource>;

const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const text = (value: unknown) => JSON.stringify(value);

/** Every identity-policy statement of the role whose name starts with `roleName`. */
function policyOf(roleName: string): Statement[] {
  const roleId = Object.entries(memberResources).find(
    ([, r]) => r.Type === 'AWS::IAM::Role' && text(r.Properties.RoleName).includes(`"${roleName}-"`),
  )?.[0];
  if (!roleId) throw new Error(`no role ${roleName}`);
  return Object.values(memberResources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && text(r.Properties.Roles) === text([{ Ref: roleId }]))
    .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}
const actionsOf = (statements: Statement[]) => statements.flatMap((s) => asArray(s.Action));

describe('ActionsMemberStack (example configuration)', () => {
  it('synthesizes with cdk-nag clean and writes the template file the StackSet reads, named by its hash', () => {
    const body = built.actionsMemberTemplateBody ?? '';
    const file = built.actionsMemberTemplate;
    if (!file) throw new Error('no actions member template file');
    // The StackSet deploys exactly what the app synthesized as Vaultpilot-ActionsMember.
    expect(JSON.parse(body)).toEqual(memberJson);
    const hash = createHash('sha256').update(body, 'utf8').digest('hex').slice(0, 12);
    expect(file.fileName).toBe(`vaultpilot-actions-member-${hash}.json`);
    expect(actionsMemberTemplateFileName(body)).toBe(file.fileName);
    expect(file.path).toBe(join(outdir, file.fileName));
    expect(readdirSync(outdir).filter((f) => f.startsWith('vaultpilot-actions-member-'))).toEqual([file.fileName]);
    expect(readFileSync(file.path, 'utf8')).toBe(body);
    expect(file.bytes).toBe(Buffer.byteLength(body, 'utf8'));
    expect(file.bytes).toBeLessThan(TEMPLATE_URL_LIMIT_BYTES);
  });

  it('checks the actions member template against the 1 MB limit of a template from S3, not the inline limit', () => {
    const sizes = checkTemplateSizes(assembly);
    const actionsMember = sizes.find((s) => s.stackName === 'Vaultpilot-ActionsMember');
    expect(actionsMember?.bytes).toBe(built.actionsMemberTemplate?.bytes);
    const huge = { stacks: [{ stackName: 'Vaultpilot-ActionsMember', template: { Description: 'x'.repeat(60_000) } }] };
    expect(() => checkTemplateSizes(huge as never)).not.toThrow();
    const tooHuge = {
      stacks: [{ stackName: 'Vaultpilot-ActionsMember', template: { Description: 'x'.repeat(1_000_001) } }],
    };
    expect(() => checkTemplateSizes(tooHuge as never)).toThrow(
      /1000000-byte limit of a StackSet's template read from S3/,
    );
  });

  it('puts no function in a VPC and creates no network without actions.network (test/infra/actionsNetwork.test.ts)', () => {
    expect(example.actions.network.mode).toBe('none');
    expect(built.actionsMember?.network).toBeUndefined();
    expect(Object.values(memberResources).filter((r) => r.Type.startsWith('AWS::EC2::'))).toEqual([]);
    const fns = Object.values(memberResources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(fns.length).toBeGreaterThan(0);
    expect(fns.filter((r) => r.Properties.VpcConfig !== undefined)).toEqual([]);
    expect(text(memberResources)).not.toContain('ec2:CreateNetworkInterface');
  });

  it('starts from completed jobs and available recovery points, and from the RDS snapshot events configured', () => {
    const patterns = Object.values(member.findResources('AWS::Events::Rule')).map(
      (r) => (r as Resource).Properties.EventPattern,
    );
    const rds = actionRdsSnapshotTriggers({ automated: true, manual: true });
    expect(patterns).toEqual(expect.arrayContaining([ACTION_BACKUP_TRIGGERS.pattern, rds?.pattern]));
    // And the sweeper's rule (below).
    expect(patterns).toHaveLength(3);
    expect(rds?.pattern).toMatchObject({
      detail: { EventID: ['RDS-EVENT-0091', 'RDS-EVENT-0169', 'RDS-EVENT-0042', 'RDS-EVENT-0075'] },
    });
    const event = (path: string) => JSON.parse(readFileSync(join(projectRoot, path), 'utf8'));
    expect(
      matchesEventPattern(ACTION_BACKUP_TRIGGERS.pattern, event('samples/events/02-backup-job-completed-ebs.json')),
    ).toBe(true);
    expect(
      matchesEventPattern(ACTION_BACKUP_TRIGGERS.pattern, event('samples/events/01-backup-job-failed-dynamodb.json')),
    ).toBe(false);
    const rdsPattern = rds?.pattern ?? {};
    const fixtures = 'test/fixtures/events/rds-eventbridge';
    expect(matchesEventPattern(rdsPattern, event(`${fixtures}/docs-automated-snapshot-created.json`))).toBe(true);
    expect(matchesEventPattern(rdsPattern, event(`${fixtures}/docs-cluster-snapshot-creating.json`))).toBe(false);
    expect(actionRdsSnapshotTriggers({ automated: false, manual: false })).toBeUndefined();
    expect(actionRdsSnapshotTriggers({ automated: true, manual: false })?.pattern).toMatchObject({
      detail: { EventID: ['RDS-EVENT-0091', 'RDS-EVENT-0169'] },
    });
  });

  it('queues triggers encrypted, with a dead-letter queue and its alarm, for a starter reporting batch item failures', () => {
    const queues = member.findResources('AWS::SQS::Queue');
    // The trigger queue and the sweep queue, each with its dead-letter queue.
    expect(Object.keys(queues)).toHaveLength(4);
    for (const q of Object.values(queues)) expect((q as Resource).Properties.KmsMasterKeyId).toBeDefined();
    member.hasResourceProperties('AWS::SQS::Queue', { RedrivePolicy: { maxReceiveCount: 5 } });
    member.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
    });
    member.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'vaultpilot-actions-trigger-dead-letters' });
    for (const rule of Object.values(member.findResources('AWS::Events::Rule'))) {
      const target = ((rule as Resource).Properties.Targets as Record<string, unknown>[])[0];
      expect(target?.DeadLetterConfig).toBeDefined();
    }
  });

  it('keeps claims and outcomes in an encrypted pay-per-request table with PITR and TTL', () => {
    member.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: Match.anyValue() },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('runs the export workflow: STANDARD, 72-hour timeout, traced, logged without execution data', () => {
    member.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: false },
    });
    const definition = definitionFromTemplate(memberJson) as { TimeoutSeconds: number };
    expect(definition.TimeoutSeconds).toBe(EXPORT_TIMING.executionTimeoutHours * 3600);
  });

  it('reads the function code from the Region’s code bucket, not from CDK assets', () => {
    const all = Object.values(member.findResources('AWS::Lambda::Function')) as Resource[];
    // The starter, the sweeper, 16 API Tasks (zips), 5 conversion and 3 block-archive Tasks (the image).
    expect(all).toHaveLength(26);
    const functions = all.filter((f) => f.Properties.PackageType !== 'Image');
    expect(functions).toHaveLength(18);
    for (const f of functions) {
      expect(f.Properties.Code).toEqual({
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the CloudFormation placeholder
        S3Bucket: { 'Fn::Sub': 'vaultpilot-actions-code-123456789012-${AWS::Region}' },
        S3Key: expect.stringMatching(/^\w{64}\.zip$/),
      });
    }
    expect(memberJson.Parameters).toBeUndefined();
    expect(memberJson.Rules).toBeUndefined();
  });

  it('sweeps executions that timed out, were aborted or failed: rule → encrypted queue → sweeper', () => {
    const [ruleId, rule] = Object.entries(memberResources).find(
      ([, r]) => r.Type === 'AWS::Events::Rule' && text(r.Properties.EventPattern).includes('aws.states'),
    ) as [string, Resource];
    expect(ruleId).toMatch(/^Sweep/);
    expect(rule.Properties.EventPattern).toEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: {
        status: ['TIMED_OUT', 'ABORTED', 'FAILED'],
        stateMachineArn: [{ Ref: expect.stringMatching(/^ExportWorkflowStateMachine/) }],
      },
    });
    const pattern = rule.Properties.EventPattern as Record<string, unknown>;
    const arn = 'arn:aws:states:eu-west-1:111122223333:stateMachine:wf';
    const concrete = { ...pattern, detail: { ...(pattern.detail as object), stateMachineArn: [arn] } };
    const event = (status: string, stateMachineArn = arn) => ({
      source: 'aws.states',
      'detail-type': 'Step Functions Execution Status Change',
      detail: { status, stateMachineArn, executionArn: `${arn}:x`, input: '{}' },
    });
    for (const status of ['TIMED_OUT', 'ABORTED', 'FAILED'])
      expect(matchesEventPattern(concrete, event(status))).toBe(true);
    expect(matchesEventPattern(concrete, event('SUCCEEDED'))).toBe(false);
    expect(matchesEventPattern(concrete, event('FAILED', `${arn}-other`))).toBe(false);

    const target = (rule.Properties.Targets as { Arn: unknown; DeadLetterConfig: unknown }[])[0];
    if (!target) throw new Error('the sweep rule has no target');
    const queueId = (target.Arn as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0] as string;
    const queue = memberResources[queueId] as Resource;
    expect(queue.Properties.KmsMasterKeyId).toBeDefined();
    const sweeper = Object.entries(memberResources).find(
      ([, r]) =>
        r.Type === 'AWS::Lambda::Function' &&
        text(r.Properties.Environment).includes(ACTIONS_ENV.resultBusArn) &&
        text(r.Properties.Environment).includes(ACTIONS_ENV.archiveBucket),
    ) as [string, Resource];
    expect(sweeper).toBeDefined();
    expect(queue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * (sweeper[1].Properties.Timeout as number));
    const redrive = queue.Properties.RedrivePolicy as { maxReceiveCount: number; deadLetterTargetArn: unknown };
    expect(redrive.maxReceiveCount).toBe(SWEEP_MAX_RECEIVE_COUNT);
    expect(SWEEP_MAX_RECEIVE_COUNT).toBeGreaterThanOrEqual(20);
    expect(target.DeadLetterConfig).toEqual({ Arn: redrive.deadLetterTargetArn });
    const dlqId = (redrive.deadLetterTargetArn as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    expect((memberResources[dlqId as string] as Resource).Properties.KmsMasterKeyId).toBeDefined();
    member.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'vaultpilot-actions-sweep-dead-letters',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
    });
    member.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: sweeper[0] },
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    // The environment and permissions of cleanUp and recordOutcome together.
    const env = (sweeper[1].Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    for (const name of [ACTIONS_ENV.archiveBucket, ACTIONS_ENV.actionsTable, ACTIONS_ENV.resultBusArn]) {
      expect(env[name], name).toBeDefined();
    }
    const own = new Set(actionsOf(policyOf('vaultpilot-action-sweepExecution')));
    for (const task of ['cleanUp', 'recordOutcome']) {
      for (const action of actionsOf(policyOf(`vaultpilot-action-${task}`))) {
        if (!action.startsWith('logs:')) expect(own.has(action), `${task}: ${action}`).toBe(true);
      }
    }
    expect(own.has('backup:DeleteRecoveryPoint')).toBe(false);
    expect(own.has('iam:PassRole')).toBe(false);
  });

  it('deletes only AWS Backup recovery points, in the watched vaults, never an RDS snapshot directly', () => {
    expect(text(memberJson)).not.toMatch(/rds:DeleteDB(Cluster)?Snapshot/);
    const deleting = Object.values(memberResources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
      .filter((s) => asArray(s.Action).includes('backup:DeleteRecoveryPoint'));
    expect(deleting).toHaveLength(1);
    const resources = text(deleting[0]?.Resource);
    expect(resources).toContain(':backup-vault:prod-daily');
    expect(resources).toContain(':backup-vault:dr-copies');
    expect(resources).not.toContain('backup-vault:*');
    expect(policyOf('vaultpilot-action-deleteRecoveryPoint').length).toBeGreaterThan(0);
    expect(actionsOf(policyOf('vaultpilot-action-confirmDeletion'))).not.toContain('backup:DeleteRecoveryPoint');
  });

  it('passes only the export role, only to RDS exports', () => {
    const passing = policyOf('vaultpilot-action-startExport').filter((s) => asArray(s.Action).includes('iam:PassRole'));
    expect(passing).toHaveLength(1);
    expect(passing[0]?.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ExportRole/), 'Arn'] });
    expect(passing[0]?.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'export.rds.amazonaws.com' } });
    for (const name of ['describeSource', 'checkExport', 'verifyExport', 'recordOutcome', 'startAction']) {
      expect(actionsOf(policyOf(`vaultpilot-action-${name}`)), name).not.toContain('iam:PassRole');
    }
  });

  it('lets RDS assume the export role only for export tasks of this account and Region', () => {
    const role = Object.values(memberResources).find(
      (r) => r.Type === 'AWS::IAM::Role' && text(r.Properties.RoleName).includes('vaultpilot-rds-export-'),
    ) as Resource;
    const trust = (role.Properties.AssumeRolePolicyDocument as { Statement: Statement[] }).Statement;
    expect(trust).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'export.rds.amazonaws.com' },
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnLike: {
            'aws:SourceArn': {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':rds:',
                  { Ref: 'AWS::Region' },
                  ':',
                  { Ref: 'AWS::AccountId' },
                  ':export-task:*',
                ],
              ],
            },
          },
        },
      },
    ]);
    const permissions = policyOf('vaultpilot-rds-export');
    expect(actionsOf(permissions)).toEqual(
      expect.arrayContaining([
        's3:PutObject*',
        's3:ListBucket',
        's3:GetObject*',
        's3:DeleteObject*',
        's3:GetBucketLocation',
      ]),
    );
    const objects = permissions.find((s) => asArray(s.Action).includes('s3:PutObject*'));
    expect(text(objects?.Resource)).toContain('/exports/*');
  });

  it('gives the recorder only the table, the central bus and its logs', () => {
    const statements = policyOf('vaultpilot-action-recordOutcome');
    const services = new Set(actionsOf(statements).map((a) => a.split(':')[0]));
    expect([...services].sort()).toEqual(['dynamodb', 'events', 'kms', 'logs']);
    const put = statements.find((s) => asArray(s.Action).includes('events:PutEvents'));
    expect(put?.Resource).toBe('arn:aws:events:eu-west-1:123456789012:event-bus/vaultpilot');
  });

  it('lets the starter claim in the table and start only its workflow', () => {
    const statements = policyOf('vaultpilot-action-startAction');
    const start = statements.find((s) => asArray(s.Action).includes('states:StartExecution'));
    expect(start?.Resource).toEqual({ Ref: expect.stringMatching(/^ExportWorkflowStateMachine/) });
    expect(actionsOf(statements)).toContain('dynamodb:PutItem');
    expect(actionsOf(statements)).not.toContain('rds:StartExportTask');
  });

  it('points the functions at the archive of their Region and the archive key by alias', () => {
    member.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [ACTIONS_ENV.archiveBucket]: { 'Fn::FindInMap': ['ArchiveBuckets', { Ref: 'AWS::Region' }, 'name'] },
          [ACTIONS_ENV.exportKmsKeyArn]: Match.anyValue(),
          [ACTIONS_ENV.exportRoleArn]: Match.anyValue(),
        }),
      },
    });
    // DynamoDB exports into the central account's bucket name its owner (S3BucketOwner).
    member.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [ACTIONS_ENV.archiveBucketOwner]: example.central.account,
          [ACTIONS_ENV.exportKmsKeyArn]: Match.anyValue(),
        }),
      },
    });
    expect(memberJson.Mappings).toEqual({
      ArchiveBuckets: {
        'eu-west-1': { name: 'acme-backup-archive-eu-west-1' },
        'eu-central-1': { name: 'acme-backup-archive-eu-west-1-eu-central-1' },
        'us-east-1': { name: 'acme-backup-archive-eu-west-1-us-east-1' },
      },
    });
  });
});

describe('the actions StackSet and the archives per Region', () => {
  it('reads the actions member template from the central Region’s code bucket (TemplateURL), not inline', () => {
    const stackSet = templateOf(built.actionsStackSet?.artifactId ?? '') as { Resources: Record<string, Resource> };
    const [resource] = Object.values(stackSet.Resources).filter((r) => r.Type === 'AWS::CloudFormation::StackSet');
    const fileName = built.actionsMemberTemplate?.fileName ?? '';
    expect(fileName).toMatch(/^vaultpilot-actions-member-[0-9a-f]{12}\.json$/);
    expect(resource?.Properties.TemplateURL).toBe(
      `https://vaultpilot-actions-code-123456789012-eu-west-1.s3.eu-west-1.amazonaws.com/${fileName}`,
    );
    expect(resource?.Properties.TemplateBody).toBeUndefined();
    expect(existsSync(join(outdir, fileName))).toBe(true);
    // The bucket named there: created by Vaultpilot-Actions (central account and Region), readable by every
    // principal of the organization, the StackSet administrator (management account or delegated admin) among them.
    const central = Template.fromJSON(templateOf(built.actions?.artifactId ?? ''));
    central.hasResourceProperties('AWS::S3::Bucket', { BucketName: 'vaultpilot-actions-code-123456789012-eu-west-1' });
    const codeRead = Object.values(central.findResources('AWS::S3::BucketPolicy'))
      .flatMap((p) => ((p as Resource).Properties.PolicyDocument as { Statement: Statement[] }).Statement)
      .find((s) => s.Sid === 'AllowOrganizationToReadCode');
    expect(codeRead?.Principal).toEqual({ AWS: '*' });
    expect(asArray(codeRead?.Action ?? [])).toContain('s3:GetObject');
    expect(codeRead?.Condition).toEqual({ StringEquals: { 'aws:PrincipalOrgID': example.organization.id } });
    // The member StackSet stays inline.
    const memberStackSet = templateOf(built.memberStackSet.artifactId) as { Resources: Record<string, Resource> };
    const inline = Object.values(memberStackSet.Resources).find((r) => r.Type === 'AWS::CloudFormation::StackSet');
    expect(inline?.Properties.TemplateBody).toBeDefined();
    expect(inline?.Properties.TemplateURL).toBeUndefined();
    expect(Buffer.byteLength(built.memberTemplateBody, 'utf8')).toBeLessThan(TEMPLATE_BODY_LIMIT_BYTES);
  });

  it('refuses a code bucket whose central name is not fixed, and names the operator’s bucket in the TemplateURL', () => {
    const build = (bucket: string) =>
      buildApp(example, {
        outdir: mkdtempSync(join(tmpdir(), 'vaultpilot-actions-url-')),
        projectRoot,
        cloudFormationValidation: false,
        nag: false,
        actionHandlerEntries: ACTION_HANDLER_STUBS,
        actionsCodeBucket: bucket,
      });
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the CloudFormation placeholder
    expect(() => build('acme-${AWS::AccountId}-${AWS::Region}')).toThrow(/placeholder/);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the CloudFormation placeholder
    const other = build('acme-lambda-code-${AWS::Region}');
    expect(other.actionsMemberTemplate?.url).toMatch(
      /^https:\/\/acme-lambda-code-eu-west-1\.s3\.eu-west-1\.amazonaws\.com\/vaultpilot-actions-member-[0-9a-f]{12}\.json$/,
    );
  });

  it('deploys the actions member stack as StackSet vaultpilot-actions with named IAM', () => {
    const stackSet = Template.fromJSON(templateOf(built.actionsStackSet?.artifactId ?? ''));
    stackSet.hasResourceProperties('AWS::CloudFormation::StackSet', {
      StackSetName: ACTIONS_STACKSET_NAME,
      PermissionModel: 'SERVICE_MANAGED',
      Capabilities: ['CAPABILITY_NAMED_IAM'],
      StackInstancesGroup: [
        {
          DeploymentTargets: { OrganizationalUnitIds: example.members.organizationalUnits },
          Regions: example.members.regions,
        },
      ],
    });
  });

  it('reaches only the accounts and Regions of the watched vaults when no RDS snapshots are acted on', () => {
    const config = requireConfig(
      `${readFileSync(FULL_CONFIG_PATH, 'utf8')}
actions:
  enabled: true
  vaults:
    - name: prod-daily
      accounts: ["333333333333"]
      regions: [eu-central-1]
    - name: dr-copies
      accounts: ["444444444444"]
      regions: [eu-central-1]
  resourceTypes:
    RDS: { export: parquet }
`,
      'vaults.yaml',
    );
    const plan = planActions(config);
    expect(plan.regions).toEqual(['eu-central-1']);
    expect(plan.accounts).toEqual(['333333333333', '444444444444']);
    expect(plan.archiveBuckets).toEqual({
      'eu-west-1': 'vaultpilot-archive-222222222222-eu-west-1',
      'eu-central-1': 'vaultpilot-archive-222222222222-eu-central-1',
    });
  });

  it('adds an archive stack in the central account for every other Region, admitting the organization by role name', () => {
    expect(Object.keys(built.regionalActions).sort()).toEqual(['eu-central-1', 'us-east-1']);
    const regional = built.regionalActions['eu-central-1'];
    if (!regional) throw new Error('no eu-central-1 archive');
    expect(regional.stackName).toBe(regionalActionsStackName('eu-central-1'));
    expect(regional.region).toBe('eu-central-1');
    expect(regional.account).toBe(example.central.account);
    const template = Template.fromJSON(templateOf(regional.artifactId));
    template.hasResourceProperties('AWS::S3::Bucket', { BucketName: 'acme-backup-archive-eu-west-1-eu-central-1' });
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'vaultpilot-actions-code-123456789012-eu-central-1',
    });
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/vaultpilot-archive' });
    const bucketStatements = Object.values(template.findResources('AWS::S3::BucketPolicy')).flatMap(
      (p) => ((p as Resource).Properties.PolicyDocument as { Statement: Statement[] }).Statement,
    );
    const exportWrite = bucketStatements.find((s) => s.Sid === 'AllowOrganizationExportRolesToWrite');
    expect(exportWrite?.Condition?.StringEquals).toEqual({ 'aws:PrincipalOrgID': example.organization.id });
    expect(text(exportWrite?.Condition?.ArnLike)).toContain(':iam::*:role/vaultpilot-rds-export-*');
    expect(text(exportWrite?.Condition?.ArnLike)).not.toContain('vaultpilot-action-');
    expect(exportWrite?.Resource).toEqual({
      'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.any(String), 'Arn'] }, '/exports/*']],
    });
    const codeRead = bucketStatements.find((s) => s.Sid === 'AllowOrganizationToReadCode');
    expect(codeRead?.Condition).toEqual({ StringEquals: { 'aws:PrincipalOrgID': example.organization.id } });
    const keyStatements = Object.values(template.findResources('AWS::KMS::Key')).flatMap(
      (k) => ((k as Resource).Properties.KeyPolicy as { Statement: Statement[] }).Statement,
    );
    const grant = keyStatements.find((s) => s.Sid === 'AllowOrganizationActionsToGrantRds');
    expect(grant?.Condition).toMatchObject({ Bool: { 'kms:GrantIsForAWSResource': 'true' } });
    // Every statement admitting principals outside the account is held to the organization.
    for (const s of [...bucketStatements, ...keyStatements]) {
      if (text(s.Principal) === text({ AWS: '*' }) && s.Effect === 'Allow') {
        expect(s.Condition?.StringEquals?.['aws:PrincipalOrgID'], s.Sid).toBe(example.organization.id);
      }
    }
  });

  it('reads the code from a bucket of the operator’s choosing, and then creates no code bucket', () => {
    const other = buildApp(example, {
      outdir: mkdtempSync(join(tmpdir(), 'vaultpilot-actions-code-')),
      projectRoot,
      cloudFormationValidation: false,
      nag: false,
      actionHandlerEntries: ACTION_HANDLER_STUBS,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the CloudFormation placeholder
      actionsCodeBucket: 'acme-lambda-code-${AWS::Region}',
    });
    const body = JSON.parse(other.actionsMemberTemplateBody ?? '{}') as { Resources: Record<string, Resource> };
    const codes = Object.values(body.Resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.PackageType !== 'Image')
      .map((r) => (r.Properties.Code as { S3Bucket: unknown }).S3Bucket);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the CloudFormation placeholder
    expect(new Set(codes.map(text))).toEqual(new Set([text({ 'Fn::Sub': 'acme-lambda-code-${AWS::Region}' })]));
    const assembly = other.app.synth();
    for (const stack of [other.actions, ...Object.values(other.regionalActions)]) {
      const buckets = Object.values(
        Template.fromJSON(assembly.getStackArtifact(stack?.artifactId ?? '').template).findResources('AWS::S3::Bucket'),
      );
      expect(buckets.some((b) => text(b).includes('vaultpilot-actions-code-'))).toBe(false);
    }
  });

  it('routes the action results from the central bus to the router', () => {
    const central = Template.fromJSON(templateOf(built.central.artifactId));
    central.hasResourceProperties('AWS::Events::Rule', { EventPattern: ACTION_RESULT_EVENTS.pattern });
    const result = JSON.parse(
      readFileSync(join(projectRoot, 'samples/events/17-export-workflow-failed-rds.json'), 'utf8'),
    );
    expect(matchesEventPattern(ACTION_RESULT_EVENTS.pattern, result)).toBe(true);
  });
});

describe('ActionsMemberStack: the DynamoDB branch', () => {
  const functionsOf = (pattern: RegExp) =>
    Object.entries(memberResources).filter(([id, r]) => r.Type === 'AWS::Lambda::Function' && pattern.test(id));
  const allStatements = () =>
    Object.values(memberResources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement);

  it('runs the conversion and block-archive Tasks from the central image of the Region: arm64, 10240 MB, 10240 MB /tmp, 900 s', () => {
    const images = Object.values(memberResources).filter(
      (r) => r.Type === 'AWS::Lambda::Function' && r.Properties.PackageType === 'Image',
    );
    expect(images).toHaveLength(IMAGE_TASKS.length);
    for (const task of IMAGE_TASKS) {
      const [, f] = functionsOf(new RegExp(`^${task}Function`))[0] ?? [];
      if (!f) throw new Error(`no ${task} function`);
      expect(f.Properties.PackageType).toBe('Image');
      expect(f.Properties.Architectures).toEqual(['arm64']);
      expect(f.Properties.MemorySize).toBe(ACTIONS_IMAGE.memorySize);
      expect(f.Properties.EphemeralStorage).toEqual({ Size: 10240 });
      expect(f.Properties.Timeout).toBe(900);
      expect(f.Properties.ImageConfig).toEqual({ Command: [`functions/actions/imageHandlers.${task}`] });
      const uri = text(f.Properties.Code);
      expect(uri).toContain('123456789012');
      expect(uri).toContain('.dkr.ecr.');
      expect(uri).toContain('AWS::Region');
      expect(uri).toContain(`/${ACTIONS_IMAGE.repositoryName}:0.1.0`);
      expect(text(f.Properties.FunctionName)).toContain(`vaultpilot-action-${task}-`);
      const env = (f.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(env[ACTIONS_ENV.archiveBucket]).toBeDefined();
    }
  });

  it('lets the conversion functions only read, write and delete under exports/ with the archive key', () => {
    for (const task of CONVERSION_TASKS) {
      const statements = policyOf(`vaultpilot-action-${task}`);
      expect(new Set(actionsOf(statements))).toEqual(
        new Set([
          'logs:CreateLogStream',
          'logs:PutLogEvents',
          's3:ListBucket',
          's3:GetObject',
          's3:PutObject',
          's3:DeleteObject',
          'kms:Decrypt',
          'kms:GenerateDataKey',
        ]),
      );
      for (const s of statements.filter((s) => asArray(s.Action).some((a) => a.startsWith('s3:Get')))) {
        expect(text(s.Resource)).toContain('/exports/*');
        expect(text(s.Resource)).not.toContain('/latest/');
      }
      const list = statements.find((s) => asArray(s.Action).includes('s3:ListBucket'));
      expect(list?.Condition).toEqual({ StringLike: { 's3:prefix': ['exports/*'] } });
    }
  });

  it('gives the workflow a function for every Task', () => {
    const machine = Object.values(memberResources).find((r) => r.Type === 'AWS::StepFunctions::StateMachine');
    const definition = text(machine?.Properties.DefinitionString);
    for (const task of ACTION_TASKS) {
      const [id] = functionsOf(new RegExp(`^${task}Function`))[0] ?? [];
      expect(id, task).toBeDefined();
      expect(definition, task).toContain(`"${id}"`);
    }
  });

  it('lets AWS Backup restore into vp-tmp-* tables only, with a role only startRestore may pass, only to AWS Backup', () => {
    const [roleId, role] = Object.entries(memberResources).find(
      ([, r]) => r.Type === 'AWS::IAM::Role' && text(r.Properties.RoleName).includes('vaultpilot-dynamodb-restore-'),
    ) as [string, Resource];
    expect((role.Properties.AssumeRolePolicyDocument as { Statement: Statement[] }).Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'backup.amazonaws.com' } },
    ]);
    const statements = policyOf('vaultpilot-dynamodb-restore');
    for (const s of statements) {
      const resources = text(s.Resource);
      if (asArray(s.Action).includes('dynamodb:RestoreTableFromBackup'))
        expect(resources).toContain(':table/*/backup/*');
      else if (asArray(s.Action).some((a) => a.startsWith('dynamodb:'))) {
        expect(resources).toContain(':table/vp-tmp-*');
        expect(resources).not.toContain(':table/*');
      } else expect(s.Condition?.StringLike?.['kms:ViaService']).toBeDefined();
    }
    const passing = allStatements().filter((s) => asArray(s.Action).includes('iam:PassRole'));
    const toRestoreRole = passing.filter((s) => text(s.Resource).includes(roleId));
    expect(toRestoreRole).toHaveLength(1);
    expect(toRestoreRole[0]?.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'backup.amazonaws.com' } });
    expect(policyOf('vaultpilot-action-startRestore')).toContainEqual(toRestoreRole[0]);
    const startRestore = functionsOf(/^startRestoreFunction/)[0]?.[1];
    if (!startRestore) throw new Error('no startRestore function');
    const env = (startRestore.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env[ACTIONS_ENV.restoreRoleArn]).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
  });

  it('grants no dynamodb:* and deletes or changes only the temporary tables', () => {
    const statements = allStatements();
    for (const s of statements) {
      for (const action of asArray(s.Action)) {
        expect(action).not.toBe('*');
        expect(action).not.toBe('dynamodb:*');
        if (['dynamodb:DeleteTable', 'dynamodb:UpdateContinuousBackups', 'dynamodb:PutItem'].includes(action)) {
          // The actions table of the stack is written by the starter and recorder; tables of the account are not.
          if (!text(s.Resource).includes('ActionsTable')) expect(text(s.Resource), action).toContain(':table/vp-tmp-*');
        }
      }
    }
    for (const task of ['deleteTemporaryTable', 'cleanUp', 'sweepExecution']) {
      const deleting = policyOf(`vaultpilot-action-${task}`).filter((s) =>
        asArray(s.Action).includes('dynamodb:DeleteTable'),
      );
      expect(deleting, task).toHaveLength(1);
    }
    for (const task of ['cleanUp', 'sweepExecution']) {
      const own = actionsOf(policyOf(`vaultpilot-action-${task}`));
      expect(own).toContain('dynamodb:DescribeExport');
      expect(own).toContain('backup:DescribeRestoreJob');
      expect(own).toContain('backup:ListRestoreJobs');
    }
  });

  it('gives each API Task of the branch only its calls', () => {
    const own = (task: string) => new Set(actionsOf(policyOf(`vaultpilot-action-${task}`)));
    expect(own('startRestore')).toEqual(
      new Set([
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'backup:StartRestoreJob',
        'backup:GetRecoveryPointRestoreMetadata',
        'iam:PassRole',
      ]),
    );
    expect(own('checkRestore')).toEqual(
      new Set(['logs:CreateLogStream', 'logs:PutLogEvents', 'backup:DescribeRestoreJob']),
    );
    expect(own('enablePitr')).toEqual(
      new Set([
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'dynamodb:UpdateContinuousBackups',
        'dynamodb:DescribeContinuousBackups',
      ]),
    );
    const exporting = policyOf('vaultpilot-action-startTableExport');
    expect(actionsOf(exporting)).toEqual(
      expect.arrayContaining([
        'dynamodb:ExportTableToPointInTime',
        's3:PutObject',
        's3:AbortMultipartUpload',
        's3:PutObjectAcl',
      ]),
    );
    const writes = exporting.find((s) => asArray(s.Action).includes('s3:PutObject'));
    expect(text(writes?.Resource)).toContain('/exports/*');
    expect(own('checkTableExport')).toEqual(
      new Set(['logs:CreateLogStream', 'logs:PutLogEvents', 'dynamodb:DescribeExport', 'dynamodb:DescribeTable']),
    );
    expect(own('describeSource')).toEqual(
      new Set([
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'backup:DescribeRecoveryPoint',
        'backup:ListTags',
        'rds:DescribeDBSnapshots',
        'rds:DescribeDBClusterSnapshots',
        'rds:ListTagsForResource',
        'dynamodb:DescribeContinuousBackups',
        'dynamodb:ListTagsOfResource',
        'ec2:DescribeSnapshots',
      ]),
    );
  });

  it('lets the EBS Tasks read snapshots through the EBS direct APIs only, and the plan read the latest archive', () => {
    const plan = new Set(actionsOf(policyOf('vaultpilot-action-planArchive')));
    expect(plan).toEqual(
      new Set([
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'ebs:ListSnapshotBlocks',
        's3:ListBucket',
        's3:GetObject',
        'kms:Decrypt',
      ]),
    );
    for (const task of BLOCK_ARCHIVE_TASKS) {
      const own = actionsOf(policyOf(`vaultpilot-action-${task}`));
      expect(own).toEqual(
        expect.arrayContaining(['ebs:ListSnapshotBlocks', 'ebs:ListChangedBlocks', 'ebs:GetSnapshotBlock']),
      );
      expect(own.filter((a) => a.startsWith('ec2:'))).toEqual([]);
      expect(own).not.toContain('ebs:PutSnapshotBlock');
    }
  });

  it('publishes the image per Region in the central account, pullable by the organization and by Lambda for its functions', () => {
    for (const stack of [built.actions, ...Object.values(built.regionalActions)]) {
      const t = Template.fromJSON(templateOf(stack?.artifactId ?? ''));
      t.hasResourceProperties('AWS::ECR::Repository', {
        RepositoryName: ACTIONS_IMAGE.repositoryName,
        ImageScanningConfiguration: { ScanOnPush: true },
        RepositoryPolicyText: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
              Principal: { AWS: '*' },
              Condition: { StringEquals: { 'aws:PrincipalOrgID': example.organization.id } },
            }),
            Match.objectLike({
              Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
              Principal: { Service: 'lambda.amazonaws.com' },
              Condition: {
                StringLike: { 'aws:sourceARN': Match.anyValue() },
              },
            }),
          ]),
        },
      });
      expect(text(t.findResources('AWS::ECR::Repository'))).toContain(':function:vaultpilot-action-*');
      // The table export's own writes (DynamoDB writes with its caller's permissions).
      const bucketPolicies = text(t.findResources('AWS::S3::BucketPolicy'));
      expect(bucketPolicies).toContain('AllowOrganizationTableExports');
    }
  });

  it('without DynamoDB or EBS exports: no repository, image functions that fail saying so', () => {
    const config = {
      ...example,
      actions: {
        ...example.actions,
        resourceTypes: {
          ...example.actions.resourceTypes,
          DynamoDB: { export: 'none' as const, exportFrom: 'backup' as const },
          EBS: { export: 'none' as const, maxChainDepth: 7 },
        },
      },
    };
    const other = buildApp(config, {
      outdir: mkdtempSync(join(tmpdir(), 'vaultpilot-actions-nodynamo-')),
      projectRoot,
      cloudFormationValidation: false,
      nag: false,
      actionHandlerEntries: ACTION_HANDLER_STUBS,
    });
    const body = JSON.parse(other.actionsMemberTemplateBody ?? '{}') as { Resources: Record<string, Resource> };
    const fns = Object.entries(body.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
    expect(fns.filter(([, r]) => r.Properties.PackageType === 'Image')).toHaveLength(0);
    for (const task of CONVERSION_TASKS) {
      const [, f] = fns.find(([id]) => id.startsWith(`${task}Function`)) ?? [];
      expect(text(f?.Properties.Code)).toContain('DynamoDB exports are not enabled');
    }
    for (const task of BLOCK_ARCHIVE_TASKS) {
      const [, f] = fns.find(([id]) => id.startsWith(`${task}Function`)) ?? [];
      expect(text(f?.Properties.Code)).toContain('EBS archives are not enabled');
    }
    const assembly = other.app.synth();
    for (const stack of [other.actions, ...Object.values(other.regionalActions)]) {
      const t = Template.fromJSON(assembly.getStackArtifact(stack?.artifactId ?? '').template);
      t.resourceCountIs('AWS::ECR::Repository', 0);
    }
  });
});
