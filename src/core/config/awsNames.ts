/**
 * Names AWS defines that the configuration refers to: regions, AWS Backup resource types and the
 * vault notification events. Kept as closed lists so a typo becomes an error with a suggestion
 * instead of a rule that silently never matches.
 */

/**
 * AWS Regions in the commercial, China, GovCloud and European Sovereign Cloud partitions, as of late 2026.
 * Add new Regions here when AWS opens them.
 */
export const AWS_REGIONS = [
  'af-south-1',
  'ap-east-1',
  'ap-east-2',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-south-1',
  'ap-south-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-6',
  'ap-southeast-7',
  'ca-central-1',
  'ca-west-1',
  'cn-north-1',
  'cn-northwest-1',
  'eu-central-1',
  'eu-central-2',
  'eu-north-1',
  'eu-south-1',
  'eu-south-2',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eusc-de-east-1',
  'il-central-1',
  'me-central-1',
  'me-south-1',
  'me-west-1',
  'mx-central-1',
  'sa-east-1',
  'us-east-1',
  'us-east-2',
  'us-gov-east-1',
  'us-gov-west-1',
  'us-west-1',
  'us-west-2',
] as const;
export type AwsRegion = (typeof AWS_REGIONS)[number];

/** The resource types AWS Backup reports in `resourceType` (GetSupportedResourceTypes). */
export const BACKUP_RESOURCE_TYPES = [
  'Aurora',
  'CloudFormation',
  'DocumentDB',
  'DynamoDB',
  'EBS',
  'EC2',
  'EFS',
  'EKS',
  'FSx',
  'Neptune',
  'RDS',
  'Redshift',
  'S3',
  'SAP HANA on Amazon EC2',
  'Storage Gateway',
  'Timestream',
  'VirtualMachine',
] as const;
export type BackupResourceType = (typeof BACKUP_RESOURCE_TYPES)[number];

/**
 * Backup vault events AWS still sends through vault SNS notifications. The deprecated ones
 * (BACKUP_JOB_FAILED, BACKUP_JOB_SUCCESSFUL, …) are accepted by the API but never sent, so they are
 * left out on purpose: failures arrive as BACKUP_JOB_COMPLETED with a State attribute.
 */
export const VAULT_NOTIFICATION_EVENTS = [
  'BACKUP_JOB_STARTED',
  'BACKUP_JOB_COMPLETED',
  'COPY_JOB_STARTED',
  'COPY_JOB_SUCCESSFUL',
  'COPY_JOB_FAILED',
  'RESTORE_JOB_STARTED',
  'RESTORE_JOB_COMPLETED',
  'RECOVERY_POINT_MODIFIED',
  'CONTINUOUS_BACKUP_INTERRUPTED',
  'S3_BACKUP_OBJECT_FAILED',
  'S3_RESTORE_OBJECT_FAILED',
  'RECOVERY_POINT_INDEX_COMPLETED',
  'RECOVERY_POINT_INDEX_DELETED',
  'RECOVERY_POINT_INDEXING_FAILED',
] as const;
export type VaultNotificationEvent = (typeof VAULT_NOTIFICATION_EVENTS)[number];

/** Vault events AWS accepts but no longer sends; naming one in the config is a mistake worth explaining. */
export const DEPRECATED_VAULT_NOTIFICATION_EVENTS = [
  'BACKUP_JOB_SUCCESSFUL',
  'BACKUP_JOB_FAILED',
  'BACKUP_JOB_EXPIRED',
  'RESTORE_JOB_SUCCESSFUL',
  'RESTORE_JOB_FAILED',
  'BACKUP_PLAN_CREATED',
  'BACKUP_PLAN_MODIFIED',
] as const;
