/**
 * AWS console deep links. Built only from what an event tells us (region, ids, names); a link is left
 * out rather than guessed when a part is missing. The console host depends on the partition, which we
 * read from the region name (cn-*, us-gov-*).
 */
import type { ConsoleLink } from '../signal.js';
import { parseArn, splitResource } from './parseArn.js';

/** The console host for a region: regional for the commercial partition, partition hosts elsewhere. */
export function consoleHost(region: string): string {
  if (region.startsWith('cn-')) return 'console.amazonaws.cn';
  if (region.startsWith('us-gov-')) return 'console.amazonaws-us-gov.com';
  return `${region}.console.aws.amazon.com`;
}

function serviceHome(region: string, service: string): string {
  return `https://${consoleHost(region)}/${service}/home?region=${encodeURIComponent(region)}`;
}

const enc = encodeURIComponent;

/** The job page of an AWS Backup backup, copy, restore or scan job. */
export function backupJobLink(
  region: string,
  jobType: 'backup' | 'copy' | 'restore' | 'scan',
  jobId: string,
): ConsoleLink {
  return {
    label: `AWS Backup ${jobType} job`,
    url: `${serviceHome(region, 'backup')}#/jobs/${jobType}/details/${enc(jobId)}`,
  };
}

/** The page of a backup vault. */
export function vaultLink(region: string, vaultName: string): ConsoleLink {
  return { label: 'Backup vault', url: `${serviceHome(region, 'backup')}#/backupvaults/details/${enc(vaultName)}` };
}

/** The page of a recovery point inside its vault. */
export function recoveryPointLink(region: string, vaultName: string, recoveryPointArn: string): ConsoleLink {
  return {
    label: 'Recovery point',
    url: `${serviceHome(region, 'backup')}#/backupvaults/details/${enc(vaultName)}/${enc(recoveryPointArn)}`,
  };
}

/** The page of a backup plan. */
export function backupPlanLink(region: string, planId: string): ConsoleLink {
  return { label: 'Backup plan', url: `${serviceHome(region, 'backup')}#/backupplan/details/${enc(planId)}` };
}

/** The AWS Backup settings page (resource type opt-in per region). */
export function backupSettingsLink(region: string): ConsoleLink {
  return { label: 'AWS Backup settings', url: `${serviceHome(region, 'backup')}#/settings` };
}

/** The console page of the protected resource itself (EBS volume, EC2 instance, RDS database, …). */
export function resourceLink(arn: string | undefined): ConsoleLink | undefined {
  const parts = parseArn(arn);
  if (!parts) return undefined;
  const { type, id } = splitResource(parts.resource);
  const region = parts.region;
  if (parts.service === 's3') {
    const bucket = parts.resource.split('/')[0];
    if (!bucket) return undefined;
    // Bucket ARNs carry no region; the S3 console is global within a partition.
    const host =
      parts.partition === 'aws-cn'
        ? 'console.amazonaws.cn'
        : parts.partition === 'aws-us-gov'
          ? 'console.amazonaws-us-gov.com'
          : 's3.console.aws.amazon.com';
    return { label: 'S3 bucket', url: `https://${host}/s3/buckets/${enc(bucket)}` };
  }
  if (!region || !type) return undefined;
  const home = (service: string) => serviceHome(region, service);
  switch (`${parts.service}:${type}`) {
    case 'ec2:volume':
      return { label: 'EBS volume', url: `${home('ec2')}#VolumeDetails:volumeId=${enc(id)}` };
    case 'ec2:instance':
      return { label: 'EC2 instance', url: `${home('ec2')}#InstanceDetails:instanceId=${enc(id)}` };
    case 'ec2:snapshot':
      return { label: 'EBS snapshot', url: `${home('ec2')}#SnapshotDetails:snapshotId=${enc(id)}` };
    case 'ec2:image':
      return { label: 'AMI', url: `${home('ec2')}#ImageDetails:imageId=${enc(id)}` };
    case 'rds:db':
      return { label: 'RDS database', url: `${home('rds')}#database:id=${enc(id)};is-cluster=false` };
    case 'rds:cluster':
      return { label: 'Aurora cluster', url: `${home('rds')}#database:id=${enc(id)};is-cluster=true` };
    case 'rds:snapshot':
    case 'rds:cluster-snapshot':
      return rdsSnapshotLink(region, id, type === 'cluster-snapshot');
    case 'dynamodb:table':
      return { label: 'DynamoDB table', url: `${home('dynamodbv2')}#table?name=${enc(id.split('/')[0] ?? id)}` };
    case 'elasticfilesystem:file-system':
      return { label: 'EFS file system', url: `${home('efs')}#/file-systems/${enc(id)}` };
    case 'fsx:file-system':
      return { label: 'FSx file system', url: `${home('fsx')}#file-system-details/${enc(id)}` };
    default:
      return undefined;
  }
}

/** The page of an RDS DB snapshot or DB cluster snapshot. */
export function rdsSnapshotLink(region: string, snapshotId: string, cluster: boolean): ConsoleLink {
  return cluster
    ? { label: 'RDS cluster snapshot', url: `${serviceHome(region, 'rds')}#db-cluster-snapshot:id=${enc(snapshotId)}` }
    : { label: 'RDS snapshot', url: `${serviceHome(region, 'rds')}#db-snapshot:id=${enc(snapshotId)}` };
}

/** The Organizations page of a policy. Organizations is global and lives in us-east-1 (aws partition). */
export function organizationsPolicyLink(policyId: string, policyType: string | undefined): ConsoleLink {
  const typePath = (policyType ?? 'BACKUP_POLICY').toLowerCase().replace(/_/g, '-');
  return {
    label: 'Organizations policy',
    url: `https://us-east-1.console.aws.amazon.com/organizations/v2/home/policies/${enc(typePath)}/${enc(policyId)}`,
  };
}

/** The CloudTrail event history entry of an API call. */
export function cloudTrailEventLink(region: string, eventId: string): ConsoleLink {
  return { label: 'CloudTrail event', url: `${serviceHome(region, 'cloudtrail')}#/events/${enc(eventId)}` };
}

/** The page of a CloudWatch alarm. */
export function alarmLink(region: string, alarmName: string): ConsoleLink {
  return { label: 'CloudWatch alarm', url: `${serviceHome(region, 'cloudwatch')}#alarmsV2:alarm/${enc(alarmName)}` };
}

/** The S3 console host of a region's partition (the S3 console is not regional). */
function s3ConsoleHost(region: string): string {
  if (region.startsWith('cn-')) return 'console.amazonaws.cn';
  if (region.startsWith('us-gov-')) return 'console.amazonaws-us-gov.com';
  return 's3.console.aws.amazon.com';
}

/** The page of a Step Functions execution (the console takes the execution ARN as it is). */
export function stepFunctionsExecutionLink(region: string, executionArn: string): ConsoleLink {
  // ARNs of executions are letters, digits, `:`, `-`, `_`, `.`, `/`; anything else is encoded.
  const arn = /^[A-Za-z0-9:._/-]+$/.test(executionArn) ? executionArn : enc(executionArn);
  return {
    label: 'Step Functions execution',
    url: `${serviceHome(region, 'states')}#/v2/executions/details/${arn}`,
  };
}

/** The S3 console at a prefix of a bucket (`s3://bucket/prefix/` → bucket and `prefix/`). */
export function s3PrefixLink(region: string, bucket: string, prefix: string, label = 'S3 archive'): ConsoleLink {
  const query = prefix ? `prefix=${enc(prefix).replace(/%2F/g, '/')}&` : '';
  return {
    label,
    url: `https://${s3ConsoleHost(region)}/s3/buckets/${enc(bucket)}?${query}region=${enc(region)}`,
  };
}
