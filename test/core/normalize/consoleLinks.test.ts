import { describe, expect, it } from 'vitest';
import {
  alarmLink,
  backupJobLink,
  consoleHost,
  organizationsPolicyLink,
  recoveryPointLink,
  resourceLink,
  s3PrefixLink,
  stepFunctionsExecutionLink,
} from '../../../src/core/normalize/consoleLinks.js';

describe('consoleLinks', () => {
  it('uses the regional console host, and partition hosts for China and GovCloud', () => {
    expect(consoleHost('eu-west-1')).toBe('eu-west-1.console.aws.amazon.com');
    expect(consoleHost('cn-north-1')).toBe('console.amazonaws.cn');
    expect(consoleHost('us-gov-west-1')).toBe('console.amazonaws-us-gov.com');
  });

  it('links a backup job page by job type and id', () => {
    expect(backupJobLink('eu-west-1', 'copy', 'ABC-1').url).toBe(
      'https://eu-west-1.console.aws.amazon.com/backup/home?region=eu-west-1#/jobs/copy/details/ABC-1',
    );
  });

  it('encodes the recovery point ARN inside the vault page link', () => {
    const url = recoveryPointLink('eu-west-1', 'prod-daily', 'arn:aws:backup:eu-west-1:1:recovery-point:x').url;
    expect(url).toContain('#/backupvaults/details/prod-daily/arn%3Aaws%3Abackup%3Aeu-west-1%3A1%3Arecovery-point%3Ax');
  });

  it('links the resource console page for the resource types people back up', () => {
    expect(resourceLink('arn:aws:ec2:eu-west-1:1:volume/vol-1')?.url).toContain(
      'ec2/home?region=eu-west-1#VolumeDetails:volumeId=vol-1',
    );
    expect(resourceLink('arn:aws:rds:eu-west-1:1:db:prod-db')?.url).toContain('#database:id=prod-db;is-cluster=false');
    expect(resourceLink('arn:aws:rds:eu-west-1:1:cluster:orders')?.url).toContain(
      '#database:id=orders;is-cluster=true',
    );
    expect(resourceLink('arn:aws:dynamodb:eu-west-1:1:table/orders')?.url).toContain(
      'dynamodbv2/home?region=eu-west-1#table?name=orders',
    );
    expect(resourceLink('arn:aws:elasticfilesystem:eu-west-1:1:file-system/fs-1')?.url).toContain(
      '#/file-systems/fs-1',
    );
    expect(resourceLink('arn:aws:s3:::acme-bucket')?.url).toBe(
      'https://s3.console.aws.amazon.com/s3/buckets/acme-bucket',
    );
    expect(resourceLink('arn:aws-cn:s3:::acme-bucket')?.url).toBe(
      'https://console.amazonaws.cn/s3/buckets/acme-bucket',
    );
  });

  it('gives no resource link it would have to guess', () => {
    expect(resourceLink(undefined)).toBeUndefined();
    expect(resourceLink('arn:aws:cryo-mock:us-west-2:1:resource:x')).toBeUndefined();
    expect(resourceLink('arn:aws:ec2:::volume/vol-1')).toBeUndefined();
  });

  it('links Organizations policies by type and CloudWatch alarms by encoded name', () => {
    expect(organizationsPolicyLink('p-1', 'BACKUP_POLICY').url).toBe(
      'https://us-east-1.console.aws.amazon.com/organizations/v2/home/policies/backup-policy/p-1',
    );
    expect(alarmLink('eu-west-1', 'vaultpilot-a b').url).toContain('#alarmsV2:alarm/vaultpilot-a%20b');
  });

  it('links Step Functions executions and S3 prefixes in every partition', () => {
    const arn = 'arn:aws:states:eu-west-1:111122223333:execution:wf:run-1';
    expect(stepFunctionsExecutionLink('eu-west-1', arn).url).toBe(
      `https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${arn}`,
    );
    expect(stepFunctionsExecutionLink('eu-west-1', 'arn:x y').url).toMatch(/details\/arn%3Ax%20y$/);
    expect(s3PrefixLink('eu-west-1', 'b', 'exports/a=1/').url).toBe(
      'https://s3.console.aws.amazon.com/s3/buckets/b?prefix=exports/a%3D1/&region=eu-west-1',
    );
    expect(s3PrefixLink('cn-north-1', 'b', '').url).toBe('https://console.amazonaws.cn/s3/buckets/b?region=cn-north-1');
    expect(s3PrefixLink('us-gov-west-1', 'b', 'p/').url).toMatch(
      /^https:\/\/console\.amazonaws-us-gov\.com\/s3\/buckets\/b\?prefix=p\//,
    );
  });
});
