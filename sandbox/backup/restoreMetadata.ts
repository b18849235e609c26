/**
 * Plausible `GetRecoveryPointRestoreMetadata` maps for the resource types the stand-in knows, shaped like the keys
 * AWS Backup returns for them (string values only, as the `Metadata` map is string → string). They are made up from
 * the recovery point's resource ARN and name; nothing here reads a real resource.
 */

/** What the metadata is built from. */
export interface RestoreMetadataSource {
  readonly resourceArn: string;
  readonly resourceType: string;
  readonly resourceName: string;
  readonly region: string;
  readonly encryptionKeyArn: string | undefined;
  readonly isEncrypted: boolean;
  readonly backupSizeInBytes: number;
}

/** The restore metadata AWS Backup would keep for such a recovery point. */
export function restoreMetadataFor(source: RestoreMetadataSource): Record<string, string> {
  const az = `${source.region}a`;
  const kms: Record<string, string> =
    source.encryptionKeyArn === undefined ? {} : { KmsKeyId: source.encryptionKeyArn };
  switch (source.resourceType) {
    case 'RDS':
      return {
        DBInstanceIdentifier: source.resourceName,
        DBInstanceClass: 'db.t3.medium',
        Engine: 'postgres',
        EngineVersion: '16.3',
        AvailabilityZone: az,
        MultiAZ: 'false',
        Port: '5432',
        PubliclyAccessible: 'false',
        StorageType: 'gp3',
        AllocatedStorage: String(Math.max(20, Math.ceil(source.backupSizeInBytes / 1024 ** 3))),
        DBSubnetGroupName: 'default',
        VpcSecurityGroupIds: '["sg-0123456789abcdef0"]',
        DBParameterGroupName: 'default.postgres16',
        OptionGroupName: 'default:postgres-16',
        LicenseModel: 'postgresql-license',
        CopyTagsToSnapshot: 'true',
        DeletionProtection: 'false',
        StorageEncrypted: String(source.isEncrypted),
        ...kms,
      };
    case 'Aurora':
      return {
        DBClusterIdentifier: source.resourceName,
        Engine: 'aurora-postgresql',
        EngineVersion: '16.4',
        EngineMode: 'provisioned',
        Port: '5432',
        AvailabilityZones: `["${source.region}a","${source.region}b","${source.region}c"]`,
        DBSubnetGroupName: 'default',
        VpcSecurityGroupIds: '["sg-0123456789abcdef0"]',
        DBClusterParameterGroupName: 'default.aurora-postgresql16',
        CopyTagsToSnapshot: 'true',
        DeletionProtection: 'false',
        StorageEncrypted: String(source.isEncrypted),
        ...kms,
      };
    case 'EBS':
      return {
        availabilityZone: az,
        encrypted: String(source.isEncrypted),
        volumeSize: String(Math.max(1, Math.ceil(source.backupSizeInBytes / 1024 ** 3))),
        volumeType: 'gp3',
        iops: '3000',
        throughput: '125',
        multiAttachEnabled: 'false',
        ...(source.encryptionKeyArn === undefined ? {} : { kmsKeyId: source.encryptionKeyArn }),
      };
    case 'DynamoDB':
      return {
        originalTableName: source.resourceName,
        targetTableName: source.resourceName,
        encryptionType: source.encryptionKeyArn === undefined ? 'Default' : 'KMS',
        ...(source.encryptionKeyArn === undefined ? {} : { kmsMasterKeyArn: source.encryptionKeyArn }),
      };
    default:
      return { ResourceArn: source.resourceArn, ResourceType: source.resourceType };
  }
}
