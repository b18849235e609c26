import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { GLUE_DATABASE } from '../../src/core/actions/glueTables.js';
import { requireConfig } from '../../src/core/config/parseConfig.js';
import { ACTIONS_ENV } from '../../src/core/deployment/contract.js';
import { matchesEventPattern } from '../../src/core/eventPatternMatch.js';
import { ACTION_RESULTS_TO_REGISTER } from '../../src/core/eventPatterns.js';
import { buildApp, STACK_NAMES } from '../../src/infra/app.js';
import { REGISTRAR_ROLE_PREFIX } from '../../src/infra/stacks/ActionsStack.js';
import {
  ACTION_HANDLER_STUBS,
  FULL_CONFIG_PATH,
  fixtureConfig,
  MINIMAL_CONFIG_PATH,
  projectRoot,
} from './fixtureApp.js';

type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string };

/** The minimal fixture with an `actions:` section appended. */
function configWithActions(actionsYaml: string) {
  return requireConfig(`${readFileSync(MINIMAL_CONFIG_PATH, 'utf8')}\n${actionsYaml}`, 'actions.config.yaml');
}

const FULL_ACTIONS = `
actions:
  enabled: true
  resourceTypes:
    RDS: { export: parquet }
  rdsSnapshots: { automated: true }
  archiveBucket:
    name: acme-backup-archive-test
    lifecycle: { glacierAfterDays: 30, deepArchiveAfterDays: 180, expireAfterDays: 3650 }
    objectLock: { mode: COMPLIANCE, retentionDays: 365 }
    accessLogBucket: acme-s3-access-logs-test
`;

const PLAIN_ACTIONS = `
actions:
  enabled: true
  resourceTypes:
    RDS: { export: parquet }
  rdsSnapshots: { automated: true }
`;

/** Builds the app (cdk-nag on, so a finding fails synthesis) and returns the Actions template. */
function actionsTemplate(actionsYaml: string, config = configWithActions(actionsYaml)): Template {
  const built = buildApp(config, {
    outdir: mkdtempSync(join(tmpdir(), 'vaultpilot-actions-test-')),
    projectRoot,
    cloudFormationValidation: false,
    nag: true,
    actionHandlerEntries: ACTION_HANDLER_STUBS,
  });
  if (!built.actions) throw new Error('no Actions stack');
  const assembly = built.app.synth();
  return Template.fromJSON(assembly.getStackArtifact(built.actions.artifactId).template);
}

function only(template: Template, type: string, props: Record<string, unknown> = {}): Resource {
  const found = Object.values(template.findResources(type, props)) as Resource[];
  expect(found, type).toHaveLength(1);
  return found[0] as Resource;
}

describe('ActionsStack', () => {
  it('is not created without actions.enabled, so existing configurations synthesize as before', () => {
    for (const config of [fixtureConfig(MINIMAL_CONFIG_PATH), configWithActions('actions:\n  enabled: false\n')]) {
      const built = buildApp(config, { projectRoot, cloudFormationValidation: false, nag: false });
      expect(built.actions).toBeUndefined();
      expect(built.app.node.tryFindChild(STACK_NAMES.actions)).toBeUndefined();
    }
  });

  describe('with every archive setting configured', () => {
    const template = actionsTemplate(FULL_ACTIONS);
    const bucket = only(template, 'AWS::S3::Bucket', { Properties: { BucketName: 'acme-backup-archive-test' } });

    const archiveKeyEntry = () => {
      // The archive key, and the registrar's key of its queues and logs.
      const keys = Object.entries(template.findResources('AWS::KMS::Key'));
      expect(keys).toHaveLength(2);
      const archiveKeys = keys.filter(([, k]) => String((k as Resource).Properties.Description).includes('archive'));
      expect(archiveKeys).toHaveLength(1);
      return archiveKeys[0] as [string, Resource];
    };

    it('encrypts the archive with its own customer managed key, rotated and retained, using bucket keys', () => {
      const [keyId, keyResource] = archiveKeyEntry();
      expect(keyResource.Properties.EnableKeyRotation).toBe(true);
      expect(keyResource.DeletionPolicy).toBe('Retain');
      expect(bucket.Properties.BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] },
            },
          },
        ],
      });
    });

    it('lets no AWS service use the archive key without a condition; the registrar has the only role', () => {
      const [, key] = archiveKeyEntry();
      const statements = (key.Properties.KeyPolicy as { Statement: Record<string, unknown>[] }).Statement;
      const unscoped = statements.filter((s) => (s.Principal as { Service?: unknown }).Service && !s.Condition);
      expect(unscoped).toEqual([]);
      const roles = Object.values(template.findResources('AWS::IAM::Role')) as Resource[];
      expect(roles.map((r) => r.Properties.RoleName)).toEqual([`${REGISTRAR_ROLE_PREFIX}us-east-1`]);
    });

    it('names the bucket, blocks all public access, keeps versions and is retained', () => {
      expect(bucket.Properties.BucketName).toBe('acme-backup-archive-test');
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(bucket.DeletionPolicy).toBe('Retain');
    });

    it('denies every request without TLS', () => {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Principal: { AWS: '*' },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    });

    it('turns on Object Lock with the configured default retention', () => {
      expect(bucket.Properties.ObjectLockEnabled).toBe(true);
      expect(bucket.Properties.ObjectLockConfiguration).toEqual({
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 365 } },
      });
    });

    it('moves current and noncurrent versions to Glacier and Deep Archive, expires them, aborts stale uploads', () => {
      const rules = (bucket.Properties.LifecycleConfiguration as { Rules: Record<string, unknown>[] }).Rules;
      expect(rules).toContainEqual({
        Id: 'AbortIncompleteMultipartUploads',
        Status: 'Enabled',
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
      });
      expect(rules).toContainEqual({
        Id: 'ArchiveExports',
        Status: 'Enabled',
        Transitions: [
          { StorageClass: 'GLACIER', TransitionInDays: 30 },
          { StorageClass: 'DEEP_ARCHIVE', TransitionInDays: 180 },
        ],
        ExpirationInDays: 3650,
        NoncurrentVersionTransitions: [
          { StorageClass: 'GLACIER', TransitionInDays: 30 },
          { StorageClass: 'DEEP_ARCHIVE', TransitionInDays: 180 },
        ],
        NoncurrentVersionExpiration: { NoncurrentDays: 3650 },
      });
    });

    it('writes server access logs to the configured bucket and creates no logs bucket', () => {
      expect(bucket.Properties.LoggingConfiguration).toEqual({
        DestinationBucketName: 'acme-s3-access-logs-test',
        LogFilePrefix: 'vaultpilot-archive/',
      });
    });
  });

  describe('with the archive defaults', () => {
    const template = actionsTemplate(PLAIN_ACTIONS);
    const buckets = template.findResources('AWS::S3::Bucket');
    const [archiveId, archive] = Object.entries(buckets).find(([, b]) => JSON.stringify(b).includes('aws:kms')) as [
      string,
      Resource,
    ];
    const codeName = 'vaultpilot-actions-code-666666666666-us-east-1';
    const [logsId, logs] = Object.entries(buckets).find(
      ([id, b]) => id !== archiveId && (b as Resource).Properties.BucketName !== codeName,
    ) as [string, Resource];

    it('has a name member accounts can address, no Object Lock and only the multipart-abort lifecycle rule', () => {
      expect(archive.Properties.BucketName).toBe('vaultpilot-archive-666666666666-us-east-1');
      expect(archive.Properties.ObjectLockEnabled).toBeUndefined();
      expect(archive.Properties.ObjectLockConfiguration).toBeUndefined();
      expect(archive.Properties.LifecycleConfiguration).toEqual({
        Rules: [
          {
            Id: 'AbortIncompleteMultipartUploads',
            Status: 'Enabled',
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
          },
        ],
      });
    });

    it('logs access into a bucket of its own: SSE-S3, TLS only, no public access, expiring, retained', () => {
      // The archive, its logs bucket and the Region's code bucket of the action functions.
      expect(Object.keys(buckets)).toHaveLength(3);
      expect(archive.Properties.LoggingConfiguration).toEqual({ DestinationBucketName: { Ref: logsId } });
      expect(logs.Properties.BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      });
      expect(logs.Properties.PublicAccessBlockConfiguration).toMatchObject({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(JSON.stringify(logs.Properties.LifecycleConfiguration)).toContain('"ExpirationInDays":365');
      expect(logs.DeletionPolicy).toBe('Retain');
      expect(logs.Properties.AccessControl).toBeUndefined();
      const logsPolicy = Object.values(template.findResources('AWS::S3::BucketPolicy')).find(
        (p) => JSON.stringify((p as Resource).Properties.Bucket) === JSON.stringify({ Ref: logsId }),
      ) as Resource;
      const statements = JSON.stringify(logsPolicy.Properties.PolicyDocument);
      expect(statements).toContain('"aws:SecureTransport":"false"');
      expect(statements).toContain('logging.s3.amazonaws.com');
      expect(statements).toContain('aws:SourceAccount');
    });
  });

  describe('the table registrar (central Region)', () => {
    type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
    const statementsOf = (template: Template) =>
      Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
        (p) => ((p as Resource).Properties.PolicyDocument as { Statement: Statement[] }).Statement,
      );
    const bySid = (template: Template, sid: string) => statementsOf(template).find((s) => s.Sid === sid);

    /** Watched vaults in two more Regions: three archives, one registrar. */
    const multi = requireConfig(
      `${readFileSync(FULL_CONFIG_PATH, 'utf8')}
actions:
  enabled: true
  vaults:
    - name: prod-daily
  resourceTypes:
    RDS: { export: parquet }
`,
      'multi.yaml',
    );
    const template = actionsTemplate('', multi);
    const single = actionsTemplate(PLAIN_ACTIONS);

    it('takes only verified exports from the central bus into an encrypted queue with a dead-letter queue and alarm', () => {
      const rule = only(template, 'AWS::Events::Rule');
      expect(rule.Properties.EventPattern).toEqual({
        source: ['vaultpilot.actions'],
        'detail-type': ['Vaultpilot Action Result'],
        detail: { outcome: ['exported', 'exported-partially'] },
      });
      expect(rule.Properties.EventBusName).toBe(multi.central.eventBusName);
      const result = (outcome: string) => ({
        source: 'vaultpilot.actions',
        'detail-type': 'Vaultpilot Action Result',
        detail: { outcome },
      });
      expect(matchesEventPattern(ACTION_RESULTS_TO_REGISTER.pattern, result('exported'))).toBe(true);
      expect(matchesEventPattern(ACTION_RESULTS_TO_REGISTER.pattern, result('exported-partially'))).toBe(true);
      expect(matchesEventPattern(ACTION_RESULTS_TO_REGISTER.pattern, result('failed'))).toBe(false);
      const queues = Object.values(template.findResources('AWS::SQS::Queue')) as Resource[];
      expect(queues).toHaveLength(2);
      for (const q of queues) expect(q.Properties.KmsMasterKeyId).toBeDefined();
      const fn = only(template, 'AWS::Lambda::Function');
      expect(fn.Properties.Timeout).toBe(60);
      const main = queues.find((q) => q.Properties.RedrivePolicy) as Resource;
      expect(main.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * 60);
      expect(main.Properties.RedrivePolicy).toMatchObject({ maxReceiveCount: 5 });
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 2 },
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: 'vaultpilot-actions-register-tables-dead-letters',
      });
      const target = (rule.Properties.Targets as Record<string, unknown>[])[0];
      expect(target?.DeadLetterConfig).toBeDefined();
    });

    it('creates the Glue database (retained) and names it in the environment; no bucket restriction with several Regions', () => {
      const db = only(template, 'AWS::Glue::Database');
      expect(db.DeletionPolicy).toBe('Retain');
      expect(db.Properties.DatabaseInput).toMatchObject({ Name: GLUE_DATABASE });
      const env = (only(template, 'AWS::Lambda::Function').Properties.Environment as { Variables: object }).Variables;
      expect(env).toMatchObject({ [ACTIONS_ENV.glueDatabase]: 'vaultpilot_archive' });
      expect(env).not.toHaveProperty(ACTIONS_ENV.archiveBucket);
      const singleEnv = (only(single, 'AWS::Lambda::Function').Properties.Environment as { Variables: object })
        .Variables;
      expect(singleEnv).toMatchObject({ [ACTIONS_ENV.archiveBucket]: 'vaultpilot-archive-666666666666-us-east-1' });
    });

    it('may register tables in the Vaultpilot database only', () => {
      const glue = bySid(template, 'RegisterTables');
      expect(glue?.Action).toEqual([
        'glue:CreateDatabase',
        'glue:GetDatabase',
        'glue:CreateTable',
        'glue:GetTable',
        'glue:UpdateTable',
      ]);
      const arns = JSON.stringify(glue?.Resource);
      expect(arns).toContain(':glue:eu-west-1:222222222222:catalog');
      expect(arns).toContain(':glue:eu-west-1:222222222222:database/vaultpilot_archive');
      expect(arns).toContain(':glue:eu-west-1:222222222222:table/vaultpilot_archive/*');
      expect(arns).not.toContain('database/*');
    });

    it('reads exports/ of every Region’s archive and decrypts with each archive key, and nothing more', () => {
      const read = bySid(template, 'ReadExports');
      expect(read?.Action).toBe('s3:GetObject');
      const objects = JSON.stringify(read?.Resource);
      for (const bucket of [
        'vaultpilot-archive-222222222222-eu-west-1',
        'vaultpilot-archive-222222222222-eu-central-1',
        'vaultpilot-archive-222222222222-us-east-1',
      ]) {
        expect(objects).toContain(`:s3:::${bucket}/exports/*`);
      }
      expect(objects).not.toContain('latest/');
      expect(bySid(template, 'DecryptExports')).toMatchObject({
        Action: 'kms:Decrypt',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^ArchiveKey/), 'Arn'] },
      });
      const others = bySid(template, 'DecryptOtherRegionsExports');
      expect(others?.Action).toBe('kms:Decrypt');
      expect(JSON.stringify(others?.Resource)).toContain(':kms:eu-central-1:222222222222:key/*');
      expect(JSON.stringify(others?.Resource)).toContain(':kms:us-east-1:222222222222:key/*');
      expect(others?.Condition).toEqual({
        'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/vaultpilot-archive' },
      });
      const actions = statementsOf(template).flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
      expect(actions.filter((a) => /^s3:(Put|Delete)/.test(a))).toEqual([]);
    });
  });
});
