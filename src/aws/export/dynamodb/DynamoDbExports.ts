/**
 * The AWS calls of the DynamoDB export path: restore the recovery point to a temporary table (AWS Backup), turn on
 * point-in-time recovery, export the table (ExportTableToPointInTime, DynamoDB JSON), delete the temporary table.
 * No AWS API exports a DynamoDB recovery point directly, so the backup itself is restored first; the source
 * table's own PITR is an explicit alternative (exportFromSourcePitr). Every failure leaves as a named ActionError.
 */
import {
  type BackupClient,
  DescribeRestoreJobCommand,
  GetRecoveryPointRestoreMetadataCommand,
  ListRestoreJobsCommand,
  StartRestoreJobCommand,
} from '@aws-sdk/client-backup';
import {
  DeleteTableCommand,
  DescribeContinuousBackupsCommand,
  DescribeExportCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ExportTableToPointInTimeCommand,
  ListTagsOfResourceCommand,
  UpdateContinuousBackupsCommand,
} from '@aws-sdk/client-dynamodb';
import { ACTION_ERRORS, ActionError } from '../../../core/actions/exportWorkflow.js';
import { actionErrorOf, errorMessage, errorName } from '../awsErrors.js';

/** A restore job as the workflow sees it. */
export interface RestoreJobInfo {
  readonly restoreJobId: string;
  /** PENDING | RUNNING | COMPLETED | ABORTED | FAILED */
  readonly status: string;
  readonly statusMessage?: string;
  /** The restored table's ARN, once COMPLETED. */
  readonly createdResourceArn?: string;
}

/** A table's point-in-time recovery (times ISO 8601). */
export interface PitrWindow {
  readonly enabled: boolean;
  readonly earliest?: string;
  readonly latest?: string;
}

/** A table export as the workflow sees it. */
export interface TableExportInfo {
  readonly exportArn: string;
  /** IN_PROGRESS | COMPLETED | FAILED */
  readonly status: string;
  readonly failureCode?: string;
  readonly failureMessage?: string;
  /** `<prefix>/AWSDynamoDB/<export id>/manifest-summary.json` */
  readonly manifestSummaryKey?: string;
  readonly itemCount?: number;
  readonly billedSizeBytes?: number;
}

export interface StartRestoreInput {
  readonly recoveryPointArn: string;
  /** The vault holding the recovery point (GetRecoveryPointRestoreMetadata names it). */
  readonly vault: string;
  readonly targetTableName: string;
  readonly iamRoleArn: string;
  /** Same token, same job (AWS Backup's idempotency). */
  readonly idempotencyToken: string;
  /** Tags the temporary table as Vaultpilot's, so cleanup and IAM conditions can tell it apart. */
  readonly tags?: Readonly<Record<string, string>>;
}

export interface StartTableExportInput {
  readonly tableArn: string;
  readonly bucket: string;
  readonly prefix: string;
  /** Idempotent for 8 hours: a retried start gets the same export. */
  readonly clientToken: string;
  readonly kmsKeyId?: string;
  /** The account that owns the bucket: DynamoDB requires it when that is another account (the central archive). */
  readonly bucketOwner?: string;
  /** Export the table as of this time (PITR); default: now. */
  readonly exportTime?: Date;
}

const NOT_FOUND = new Set(['ResourceNotFoundException', 'TableNotFoundException', 'ExportNotFoundException']);
const REFUSED = new Set([
  'InvalidExportTimeException',
  'PointInTimeRecoveryUnavailableException',
  'ExportConflictException',
  'IdempotentParameterMismatchException',
  'InvalidParameterValueException',
  'InvalidRequestException',
  'ValidationException',
  'LimitExceededException',
]);

export class DynamoDbExports {
  constructor(
    private readonly backup: BackupClient,
    private readonly dynamodb: DynamoDBClient,
  ) {}

  /** Restores the recovery point to `targetTableName` (restore metadata from AWS Backup, the name overridden). */
  async startRestore(input: StartRestoreInput): Promise<RestoreJobInfo> {
    const doing = `restoring ${input.recoveryPointArn} to table ${input.targetTableName}`;
    try {
      const described = await this.backup.send(
        new GetRecoveryPointRestoreMetadataCommand({
          BackupVaultName: input.vault,
          RecoveryPointArn: input.recoveryPointArn,
        }),
      );
      const metadata = described.RestoreMetadata ?? {};
      const out = await this.backup.send(
        new StartRestoreJobCommand({
          RecoveryPointArn: input.recoveryPointArn,
          IamRoleArn: input.iamRoleArn,
          IdempotencyToken: input.idempotencyToken,
          ResourceType: 'DynamoDB',
          Metadata: { ...metadata, targetTableName: input.targetTableName },
          ...(input.tags ? { Tags: { ...input.tags } } : {}),
        }),
      );
      return { restoreJobId: out.RestoreJobId ?? '', status: 'PENDING' };
    } catch (error) {
      if (NOT_FOUND.has(errorName(error))) {
        throw new ActionError(ACTION_ERRORS.sourceNotFound, `${doing}: ${errorMessage(error)}`, { cause: error });
      }
      throw actionErrorOf(error, doing, ACTION_ERRORS.exportRefused);
    }
  }

  async describeRestore(restoreJobId: string): Promise<RestoreJobInfo> {
    try {
      const out = await this.backup.send(new DescribeRestoreJobCommand({ RestoreJobId: restoreJobId }));
      return {
        restoreJobId,
        status: out.Status ?? 'UNKNOWN',
        ...(out.StatusMessage ? { statusMessage: out.StatusMessage } : {}),
        ...(out.CreatedResourceArn ? { createdResourceArn: out.CreatedResourceArn } : {}),
      };
    } catch (error) {
      throw actionErrorOf(error, `describing restore job ${restoreJobId}`, ACTION_ERRORS.exportTaskFailed);
    }
  }

  /** Turns on point-in-time recovery (ExportTableToPointInTime needs it); true once it is ENABLED. */
  async enablePitr(tableName: string): Promise<boolean> {
    const doing = `turning on point-in-time recovery of ${tableName}`;
    try {
      const current = await this.dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: tableName }));
      const status = current.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus;
      if (status === 'ENABLED') return true;
      await this.dynamodb.send(
        new UpdateContinuousBackupsCommand({
          TableName: tableName,
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        }),
      );
      const after = await this.dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: tableName }));
      return (
        after.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus === 'ENABLED'
      );
    } catch (error) {
      // UpdateContinuousBackups answers ContinuousBackupsUnavailableException while a new table's backups start.
      if (errorName(error) === 'ContinuousBackupsUnavailableException') return false;
      throw actionErrorOf(error, doing, ACTION_ERRORS.exportRefused);
    }
  }

  /** ExportTableToPointInTime in DynamoDB JSON (the only lossless input the converter reads). */
  async startTableExport(input: StartTableExportInput): Promise<TableExportInfo> {
    const doing = `exporting ${input.tableArn} to s3://${input.bucket}/${input.prefix}`;
    try {
      const out = await this.dynamodb.send(
        new ExportTableToPointInTimeCommand({
          TableArn: input.tableArn,
          S3Bucket: input.bucket,
          ...(input.bucketOwner ? { S3BucketOwner: input.bucketOwner } : {}),
          S3Prefix: input.prefix,
          ExportFormat: 'DYNAMODB_JSON',
          ExportType: 'FULL_EXPORT',
          ClientToken: input.clientToken,
          ...(input.exportTime ? { ExportTime: input.exportTime } : {}),
          ...(input.kmsKeyId ? { S3SseAlgorithm: 'KMS', S3SseKmsKeyId: input.kmsKeyId } : {}),
        }),
      );
      return exportInfo(out.ExportDescription);
    } catch (error) {
      const name = errorName(error);
      if (NOT_FOUND.has(name)) {
        throw new ActionError(ACTION_ERRORS.sourceNotFound, `${doing}: ${errorMessage(error)}`, { cause: error });
      }
      if (REFUSED.has(name)) {
        throw new ActionError(ACTION_ERRORS.exportRefused, `${doing}: ${name}: ${errorMessage(error)}`, {
          cause: error,
        });
      }
      throw actionErrorOf(error, doing, ACTION_ERRORS.exportRefused);
    }
  }

  async describeTableExport(exportArn: string): Promise<TableExportInfo> {
    try {
      const out = await this.dynamodb.send(new DescribeExportCommand({ ExportArn: exportArn }));
      return exportInfo(out.ExportDescription);
    } catch (error) {
      throw actionErrorOf(error, `describing export ${exportArn}`, ACTION_ERRORS.exportTaskFailed);
    }
  }

  /**
   * The restore jobs of `recoveryPointArn` created after `since` that are still PENDING or RUNNING (ListRestoreJobs,
   * every page): what a cleanup that knows no restore job id (the execution sweeper's) must wait for.
   */
  async runningRestores(recoveryPointArn: string, since: Date): Promise<RestoreJobInfo[]> {
    const running: RestoreJobInfo[] = [];
    let nextToken: string | undefined;
    try {
      do {
        const out = await this.backup.send(
          new ListRestoreJobsCommand({
            ByResourceType: 'DynamoDB',
            ByCreatedAfter: since,
            ...(nextToken ? { NextToken: nextToken } : {}),
          }),
        );
        for (const job of out.RestoreJobs ?? []) {
          if (job.RecoveryPointArn !== recoveryPointArn || !job.RestoreJobId) continue;
          if (job.Status === 'PENDING' || job.Status === 'RUNNING') {
            running.push({ restoreJobId: job.RestoreJobId, status: job.Status });
          }
        }
        nextToken = out.NextToken;
      } while (nextToken);
      return running;
    } catch (error) {
      throw actionErrorOf(error, `listing the restore jobs of ${recoveryPointArn}`, ACTION_ERRORS.transient);
    }
  }

  /**
   * The source table's point-in-time recovery: on or off, and its restorable window. Undefined when the table is
   * gone (a backup outlives its table).
   */
  async pitrWindow(tableName: string): Promise<PitrWindow | undefined> {
    try {
      const out = await this.dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: tableName }));
      const d = out.ContinuousBackupsDescription?.PointInTimeRecoveryDescription;
      return {
        enabled: d?.PointInTimeRecoveryStatus === 'ENABLED',
        ...(d?.EarliestRestorableDateTime ? { earliest: d.EarliestRestorableDateTime.toISOString() } : {}),
        ...(d?.LatestRestorableDateTime ? { latest: d.LatestRestorableDateTime.toISOString() } : {}),
      };
    } catch (error) {
      if (NOT_FOUND.has(errorName(error))) return undefined;
      throw actionErrorOf(error, `describing point-in-time recovery of ${tableName}`, ACTION_ERRORS.exportRefused);
    }
  }

  /** The tags of a table (ListTagsOfResource, every page); empty when the table is gone. */
  async tableTags(tableArn: string): Promise<Record<string, string>> {
    const tags: Record<string, string> = {};
    let nextToken: string | undefined;
    try {
      do {
        const out = await this.dynamodb.send(
          new ListTagsOfResourceCommand({ ResourceArn: tableArn, ...(nextToken ? { NextToken: nextToken } : {}) }),
        );
        for (const t of out.Tags ?? []) if (t.Key) tags[t.Key] = t.Value ?? '';
        nextToken = out.NextToken;
      } while (nextToken);
      return tags;
    } catch (error) {
      if (NOT_FOUND.has(errorName(error))) return tags;
      throw actionErrorOf(error, `listing the tags of ${tableArn}`, ACTION_ERRORS.exportRefused);
    }
  }

  /** The table's key attributes (DescribeTable), for the converter's key columns. */
  async tableKeys(tableName: string): Promise<{ partitionKey: string; sortKey?: string }> {
    try {
      const out = await this.dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
      const schema = out.Table?.KeySchema ?? [];
      const partitionKey = schema.find((k) => k.KeyType === 'HASH')?.AttributeName;
      const sortKey = schema.find((k) => k.KeyType === 'RANGE')?.AttributeName;
      if (!partitionKey) throw new ActionError(ACTION_ERRORS.exportRefused, `table ${tableName} has no partition key`);
      return { partitionKey, ...(sortKey ? { sortKey } : {}) };
    } catch (error) {
      if (NOT_FOUND.has(errorName(error))) {
        throw new ActionError(ACTION_ERRORS.sourceNotFound, `table ${tableName} is gone: ${errorMessage(error)}`, {
          cause: error,
        });
      }
      throw actionErrorOf(error, `describing table ${tableName}`, ACTION_ERRORS.exportRefused);
    }
  }

  /** Deletes the temporary table; false when it is already gone. */
  async deleteTable(tableName: string): Promise<boolean> {
    try {
      await this.dynamodb.send(new DeleteTableCommand({ TableName: tableName }));
      return true;
    } catch (error) {
      if (NOT_FOUND.has(errorName(error))) return false;
      // A table still being created or restored cannot be deleted yet: asked again.
      if (errorName(error) === 'ResourceInUseException') {
        throw new ActionError(
          ACTION_ERRORS.cleanupPending,
          `table ${tableName} is still in use: ${errorMessage(error)}`,
          {
            cause: error,
          },
        );
      }
      throw actionErrorOf(error, `deleting table ${tableName}`, ACTION_ERRORS.transient);
    }
  }
}

function exportInfo(
  d:
    | {
        ExportArn?: string;
        ExportStatus?: string;
        FailureCode?: string;
        FailureMessage?: string;
        ExportManifest?: string;
        ItemCount?: number;
        BilledSizeBytes?: number;
      }
    | undefined,
): TableExportInfo {
  return {
    exportArn: d?.ExportArn ?? '',
    status: d?.ExportStatus ?? 'UNKNOWN',
    ...(d?.FailureCode ? { failureCode: d.FailureCode } : {}),
    ...(d?.FailureMessage ? { failureMessage: d.FailureMessage } : {}),
    ...(d?.ExportManifest ? { manifestSummaryKey: d.ExportManifest } : {}),
    ...(d?.ItemCount !== undefined ? { itemCount: d.ItemCount } : {}),
    ...(d?.BilledSizeBytes !== undefined ? { billedSizeBytes: d.BilledSizeBytes } : {}),
  };
}
