import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { requireConfig } from '../../src/core/config/parseConfig.js';
import { buildApp, STACK_NAMES } from '../../src/infra/app.js';
import { ACTION_HANDLER_STUBS, fixtureConfig, MINIMAL_CONFIG_PATH, projectRoot } from './fixtureApp.js';

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
function actionsTemplate(actionsYaml: string): Template {
  const built = buildApp(configWithActions(actionsYaml), {
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

    it('encrypts the archive with its own customer managed key, rotated and retained, using bucket keys', () => {
      const key = Object.entries(template.findResources('AWS::KMS::Key'));
      expect(key).toHaveLength(1);
      const [keyId, keyResource] = key[0] as [string, Resource];
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

    it('lets no AWS service use the key without a condition, and has no identity policies', () => {
      const key = only(template, 'AWS::KMS::Key');
      const statements = (key.Properties.KeyPolicy as { Statement: Record<string, unknown>[] }).Statement;
      const unscoped = statements.filter((s) => (s.Principal as { Service?: unknown }).Service && !s.Condition);
      expect(unscoped).toEqual([]);
      expect(template.findResources('AWS::IAM::Policy')).toEqual({});
      expect(template.findResources('AWS::IAM::Role')).toEqual({});
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
});
