/**
 * Trigger events as AWS sends them, for the local runs (tests, demo): a backup job COMPLETED on EventBridge
 * and RDS's snapshot events on EventBridge ("RDS DB Snapshot Event" / "RDS DB Cluster Snapshot Event").
 */
import { randomUUID } from 'node:crypto';

export interface BackupJobEventInput {
  readonly account: string;
  readonly region: string;
  readonly vault: string;
  readonly recoveryPointArn: string;
  readonly resourceArn: string;
  readonly resourceType: 'RDS' | 'Aurora' | 'DynamoDB' | 'EBS';
  readonly time: string;
}

/** `Backup Job State Change` with state COMPLETED. */
export function backupJobCompletedEvent(input: BackupJobEventInput) {
  const jobId = randomUUID();
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Backup Job State Change',
    source: 'aws.backup',
    account: input.account,
    time: input.time,
    region: input.region,
    resources: [input.recoveryPointArn],
    detail: {
      backupJobId: jobId,
      backupVaultArn: `arn:aws:backup:${input.region}:${input.account}:backup-vault:${input.vault}`,
      backupVaultName: input.vault,
      creationDate: input.time,
      completionDate: input.time,
      iamRoleArn: `arn:aws:iam::${input.account}:role/service-role/AWSBackupDefaultServiceRole`,
      resourceArn: input.resourceArn,
      resourceType: input.resourceType,
      recoveryPointArn: input.recoveryPointArn,
      state: 'COMPLETED',
      backupSizeInBytes: '21474836480',
      percentDone: 100,
    },
  };
}

/** RDS's own snapshot event on EventBridge (RDS-EVENT-0091 automated DB snapshot created, 0169 cluster, …). */
export function rdsSnapshotEvent(input: {
  account: string;
  region: string;
  eventId: string;
  snapshotArn: string;
  snapshotId: string;
  cluster: boolean;
  message: string;
  time: string;
}) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': input.cluster ? 'RDS DB Cluster Snapshot Event' : 'RDS DB Snapshot Event',
    source: 'aws.rds',
    account: input.account,
    time: input.time,
    region: input.region,
    resources: [input.snapshotArn],
    detail: {
      EventCategories: ['creation'],
      SourceType: input.cluster ? 'CLUSTER_SNAPSHOT' : 'SNAPSHOT',
      SourceArn: input.snapshotArn,
      Date: input.time,
      Message: input.message,
      SourceIdentifier: input.snapshotId,
      EventID: input.eventId,
    },
  };
}
