import type { ResourceRef } from '../signal.js';

/** The parts of an ARN: arn:partition:service:region:account:resource. */
export interface ArnParts {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly account: string;
  /** Everything after the fifth colon, e.g. `volume/vol-0abc` or `db:prod-db`. */
  readonly resource: string;
}

/** Splits an ARN into its parts, or returns undefined when the text is not an ARN. */
export function parseArn(text: string | undefined): ArnParts | undefined {
  if (!text) return undefined;
  const match = /^arn:([^:\s]+):([^:\s]+):([^:\s]*):([^:\s]*):(\S+)$/.exec(text.trim());
  if (!match) return undefined;
  const [, partition, service, region, account, resource] = match;
  if (!partition || !service || !resource) return undefined;
  return { partition, service, region: region ?? '', account: account ?? '', resource };
}

/** AWS Backup resource type names, keyed by `service:resource-type` of the ARN. */
const RESOURCE_TYPES: Readonly<Record<string, string>> = {
  'ec2:volume': 'EBS',
  'ec2:snapshot': 'EBS',
  'ec2:instance': 'EC2',
  'ec2:image': 'EC2',
  'rds:db': 'RDS',
  'rds:snapshot': 'RDS',
  'rds:cluster': 'Aurora',
  'rds:cluster-snapshot': 'Aurora',
  'dynamodb:table': 'DynamoDB',
  'elasticfilesystem:file-system': 'EFS',
  'fsx:file-system': 'FSx',
  'fsx:volume': 'FSx',
  'storagegateway:gateway': 'Storage Gateway',
  'redshift:cluster': 'Redshift',
  'docdb:cluster': 'DocumentDB',
  'neptune:cluster': 'Neptune',
  'cloudformation:stack': 'CloudFormation',
  'timestream:database': 'Timestream',
  'ssm-sap:HANA': 'SAP HANA on Amazon EC2',
  'eks:cluster': 'EKS',
};

/** Splits the resource part (`type/id`, `type:id` or a bare name) into type and id. */
export function splitResource(resource: string): { readonly type?: string; readonly id: string } {
  const slash = resource.indexOf('/');
  const colon = resource.indexOf(':');
  // Whichever separator comes first ends the type: `db:prod-db`, `volume/vol-1`, `snapshot:rds:x-2024`.
  const cut = [slash, colon].filter((i) => i > 0).sort((a, b) => a - b)[0];
  if (cut === undefined) return { id: resource };
  return { type: resource.slice(0, cut), id: resource.slice(cut + 1) };
}

/** The AWS Backup resource type (EBS, RDS, …) an ARN points at, if we know it. */
export function resourceTypeOfArn(arn: string | undefined): string | undefined {
  const parts = parseArn(arn);
  if (!parts) return undefined;
  if (parts.service === 's3') return 'S3';
  const { type } = splitResource(parts.resource);
  return type ? RESOURCE_TYPES[`${parts.service}:${type}`] : undefined;
}

/**
 * A friendly name for people: `prod-db` for `arn:aws:rds:…:db:prod-db`, `vol-0abc` for an EBS volume,
 * the table name for DynamoDB, the bucket for S3, the file system id for EFS/FSx.
 */
export function friendlyNameOfArn(arn: string | undefined): string | undefined {
  const parts = parseArn(arn);
  if (!parts) return undefined;
  if (parts.service === 's3') return parts.resource.split('/')[0] || undefined;
  const { type, id } = splitResource(parts.resource);
  if (!type) return id || undefined;
  // DynamoDB table ARNs can carry sub-resources (`table/orders/backup/…`): the table is the name.
  if (parts.service === 'dynamodb') return id.split('/')[0] || undefined;
  // Storage Gateway volumes: `gateway/sgw-1/volume/vol-2` → the volume.
  const segments = id.split('/');
  return segments[segments.length - 1] || undefined;
}

/** A ResourceRef for an ARN, with an explicit AWS Backup resource type taking precedence. */
export function resourceFromArn(arn: string | undefined, type?: string): ResourceRef {
  const ref: { arn?: string; type?: string; name?: string } = {};
  if (arn && parseArn(arn)) ref.arn = arn.trim();
  const resolvedType = type || resourceTypeOfArn(arn);
  if (resolvedType) ref.type = resolvedType;
  const name = friendlyNameOfArn(arn);
  if (name) ref.name = name;
  return ref;
}

/** The region named in an ARN (empty for global services such as S3 or IAM). */
export function regionOfArn(arn: string | undefined): string | undefined {
  const region = parseArn(arn)?.region;
  return region && /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(region) ? region : undefined;
}

/** The account named in an ARN (empty for EC2 snapshots and S3 buckets). */
export function accountOfArn(arn: string | undefined): string | undefined {
  return parseArn(arn)?.account || undefined;
}
