import { describe, expect, it } from 'vitest';
import {
  friendlyNameOfArn,
  parseArn,
  resourceFromArn,
  resourceTypeOfArn,
} from '../../../src/core/normalize/parseArn.js';

describe('parseArn', () => {
  it('splits an ARN into partition, service, region, account and resource', () => {
    expect(parseArn('arn:aws-cn:rds:cn-north-1:111122223333:db:prod-db')).toEqual({
      partition: 'aws-cn',
      service: 'rds',
      region: 'cn-north-1',
      account: '111122223333',
      resource: 'db:prod-db',
    });
  });

  it('rejects text that is not an ARN', () => {
    for (const text of ['', 'prod-db', 'arn:aws:rds', 'arn::rds:r:a:x', 'arn:aws:rds:r:a:', 'arn:aws:s3:::a b'])
      expect(parseArn(text)).toBeUndefined();
  });
});

describe('friendlyNameOfArn', () => {
  it.each([
    ['arn:aws:rds:eu-west-1:111122223333:db:prod-db', 'prod-db'],
    ['arn:aws:rds:eu-west-1:111122223333:cluster:orders-aurora', 'orders-aurora'],
    ['arn:aws:rds:eu-west-1:111122223333:snapshot:rds:prod-db-2026-11-20-02-10', 'rds:prod-db-2026-11-20-02-10'],
    ['arn:aws:ec2:eu-west-1:111122223333:volume/vol-0abc', 'vol-0abc'],
    ['arn:aws:ec2:eu-west-1:111122223333:instance/i-0abc', 'i-0abc'],
    ['arn:aws:ec2:eu-west-1::snapshot/snap-0abc', 'snap-0abc'],
    ['arn:aws:dynamodb:eu-west-1:111122223333:table/orders', 'orders'],
    ['arn:aws:dynamodb:eu-west-1:111122223333:table/orders/backup/01234-abc', 'orders'],
    ['arn:aws:elasticfilesystem:eu-west-1:111122223333:file-system/fs-0123', 'fs-0123'],
    ['arn:aws:s3:::acme.invoices.prod', 'acme.invoices.prod'],
    ['arn:aws:storagegateway:eu-west-1:111122223333:gateway/sgw-12A3456B/volume/vol-1122AABB', 'vol-1122AABB'],
    ['arn:aws:backup:eu-west-1:111122223333:backup-vault:prod-daily', 'prod-daily'],
  ])('names %s as %s', (arn, name) => {
    expect(friendlyNameOfArn(arn)).toBe(name);
  });
});

describe('resourceTypeOfArn', () => {
  it.each([
    ['arn:aws:ec2:r:1:volume/vol-1', 'EBS'],
    ['arn:aws:ec2:r:1:instance/i-1', 'EC2'],
    ['arn:aws:rds:r:1:db:x', 'RDS'],
    ['arn:aws:rds:r:1:cluster:x', 'Aurora'],
    ['arn:aws:dynamodb:r:1:table/t', 'DynamoDB'],
    ['arn:aws:elasticfilesystem:r:1:file-system/fs-1', 'EFS'],
    ['arn:aws:fsx:r:1:file-system/fs-1', 'FSx'],
    ['arn:aws:s3:::bucket', 'S3'],
  ])('reads %s as %s', (arn, type) => {
    expect(resourceTypeOfArn(arn)).toBe(type);
  });

  it('knows nothing of ARNs it has no table entry for', () => {
    expect(resourceTypeOfArn('arn:aws:cryo-mock:us-west-2:1:resource:dummy')).toBeUndefined();
  });
});

describe('resourceFromArn', () => {
  it('prefers the AWS Backup resource type the event gives over the one read from the ARN', () => {
    expect(resourceFromArn('arn:aws:rds:r:1:cluster:docs', 'DocumentDB')).toEqual({
      arn: 'arn:aws:rds:r:1:cluster:docs',
      type: 'DocumentDB',
      name: 'docs',
    });
  });

  it('keeps the type alone when there is no ARN', () => {
    expect(resourceFromArn(undefined, 'EBS')).toEqual({ type: 'EBS' });
  });
});
