/**
 * The RDS calls of the export workflow: describe a DB or DB cluster snapshot (also one AWS Backup made), count
 * the account's running exports, start, describe and cancel an export task. Every failure leaves as a named
 * ActionError (src/core/actions/exportWorkflow.ts) carrying the SDK error as `cause`.
 */
import {
  CancelExportTaskCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBSnapshotsCommand,
  DescribeExportTasksCommand,
  type ExportTask,
  ListTagsForResourceCommand,
  type RDSClient,
  StartExportTaskCommand,
} from '@aws-sdk/client-rds';
import {
  ACTION_ERRORS,
  ACTIVE_EXPORT_STATUSES,
  ActionError,
  type ExportTaskStatus,
} from '../../../core/actions/exportWorkflow.js';
import { retryReason } from '../../retry/retryableError.js';
import { actionErrorOf, errorMessage, errorName } from '../awsErrors.js';

/** What the workflow needs to know of a snapshot. */
export interface RdsSnapshotInfo {
  readonly arn: string;
  readonly kind: 'db' | 'cluster';
  readonly identifier: string;
  readonly sourceIdentifier?: string;
  readonly engine: string;
  readonly engineMode?: string;
  readonly status: string;
  readonly encrypted: boolean;
  readonly kmsKeyId?: string;
  readonly allocatedStorageGiB?: number;
  readonly snapshotTime?: string;
  readonly tags: Record<string, string>;
}

/** An export task as the workflow sees it. */
export interface ExportTaskInfo {
  readonly identifier: string;
  readonly sourceArn: string;
  readonly status: string;
  readonly percentProgress: number;
  readonly s3Bucket: string;
  readonly s3Prefix: string;
  readonly totalExtractedDataInGB?: number;
  readonly failureCause?: string;
  readonly warningMessage?: string;
  readonly startedAt?: string;
}

/** StartExportTask's parameters. */
export interface StartExportInput {
  readonly identifier: string;
  readonly sourceArn: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly roleArn: string;
  readonly kmsKeyId: string;
}

const NOT_FOUND = new Set(['DBSnapshotNotFoundFault', 'DBClusterSnapshotNotFoundFault']);
/** Refusals that no repetition will change: the configuration or the snapshot is wrong. */
const REFUSALS = new Set([
  'IamRoleNotFoundFault',
  'IamRoleMissingPermissionsFault',
  'InvalidS3BucketFault',
  'KMSKeyNotAccessibleFault',
  'InvalidExportOnlyFault',
  'InvalidExportSourceStateFault',
  'InvalidParameterValue',
  'InvalidParameterCombination',
  'InvalidParameterValueException',
]);

/**
 * Whether an error refuses StartExportTask because of the account's quota of five running exports. Throttling
 * (`RequestLimitExceeded`, …) is transient, not the quota; a refusal whose message merely mentions a limit
 * ("exceeds the length limit") is not the quota either: only a code naming a limit, or a message about quotas or
 * concurrent / too many exports, is.
 */
export function isExportQuotaError(error: unknown): boolean {
  const name = errorName(error);
  if (NOT_FOUND.has(name) || retryReason(error) !== undefined) return false;
  if (/quota|limit|too many|concurrent/i.test(name)) return true;
  return /quota|too many|concurrent|at most \d+ export/i.test(errorMessage(error));
}

/**
 * The SnapshotType DescribeDBSnapshots needs for an identifier: without one RDS returns only automated and manual
 * snapshots, and it asks for the type of an automated one by name.
 */
export function snapshotTypeOf(identifier: string): 'awsbackup' | 'automated' | undefined {
  if (identifier.startsWith('awsbackup:')) return 'awsbackup';
  if (identifier.startsWith('rds:')) return 'automated';
  return undefined;
}

/** `arn:aws:rds:<region>:<account>:snapshot:<id>` or `…:cluster-snapshot:<id>` → its kind and identifier. */
export function parseSnapshotArn(arn: string): { kind: 'db' | 'cluster'; identifier: string } | undefined {
  const parts = arn.split(':');
  if (parts[0] !== 'arn' || parts[2] !== 'rds' || parts.length < 7) return undefined;
  const type = parts[5];
  const identifier = parts.slice(6).join(':');
  if (type === 'snapshot') return { kind: 'db', identifier };
  if (type === 'cluster-snapshot') return { kind: 'cluster', identifier };
  return undefined;
}

function iso(date: Date | undefined): string | undefined {
  return date ? date.toISOString() : undefined;
}

function tagsOf(list: readonly { Key?: string; Value?: string }[] | undefined): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const tag of list ?? []) if (tag.Key) tags[tag.Key] = tag.Value ?? '';
  return tags;
}

function taskInfo(task: ExportTask): ExportTaskInfo {
  return {
    identifier: task.ExportTaskIdentifier ?? '',
    sourceArn: task.SourceArn ?? '',
    status: task.Status ?? 'UNKNOWN',
    percentProgress: task.PercentProgress ?? 0,
    s3Bucket: task.S3Bucket ?? '',
    s3Prefix: task.S3Prefix ?? '',
    ...(task.TotalExtractedDataInGB !== undefined ? { totalExtractedDataInGB: task.TotalExtractedDataInGB } : {}),
    ...(task.FailureCause ? { failureCause: task.FailureCause } : {}),
    ...(task.WarningMessage ? { warningMessage: task.WarningMessage } : {}),
    ...(task.TaskStartTime ? { startedAt: task.TaskStartTime.toISOString() } : {}),
  };
}

/** The RDS side of the export workflow. */
export class RdsExports {
  constructor(private readonly rds: RDSClient) {}

  /** The snapshot behind `arn`; SourceNotFound when it does not exist (any more). */
  async describeSnapshot(arn: string): Promise<RdsSnapshotInfo> {
    const parsed = parseSnapshotArn(arn);
    if (!parsed) throw new ActionError(ACTION_ERRORS.badInput, `${arn} is not an RDS snapshot or cluster snapshot ARN`);
    const doing = `describing ${arn}`;
    // By identifier: the snapshot is in the caller's own account and Region (RDS keeps identifiers lower-case).
    try {
      if (parsed.kind === 'db') {
        const out = await this.rds.send(
          new DescribeDBSnapshotsCommand({
            DBSnapshotIdentifier: parsed.identifier,
            ...(snapshotTypeOf(parsed.identifier) ? { SnapshotType: snapshotTypeOf(parsed.identifier) } : {}),
          }),
        );
        const s = out.DBSnapshots?.[0];
        if (!s) throw new ActionError(ACTION_ERRORS.sourceNotFound, `${doing}: RDS lists no such snapshot`);
        return {
          arn,
          kind: 'db',
          identifier: s.DBSnapshotIdentifier ?? parsed.identifier,
          ...(s.DBInstanceIdentifier ? { sourceIdentifier: s.DBInstanceIdentifier } : {}),
          engine: s.Engine ?? 'unknown',
          status: s.Status ?? 'unknown',
          encrypted: s.Encrypted ?? false,
          ...(s.KmsKeyId ? { kmsKeyId: s.KmsKeyId } : {}),
          ...(s.AllocatedStorage !== undefined ? { allocatedStorageGiB: s.AllocatedStorage } : {}),
          ...(s.SnapshotCreateTime ? { snapshotTime: iso(s.SnapshotCreateTime) } : {}),
          tags: tagsOf(s.TagList),
        };
      }
      const out = await this.rds.send(
        new DescribeDBClusterSnapshotsCommand({
          DBClusterSnapshotIdentifier: parsed.identifier,
          // `awsbackup` is no cluster snapshot type (AWS Backup's Aurora snapshots are listed as manual ones).
          ...(parsed.identifier.startsWith('rds:') ? { SnapshotType: 'automated' } : {}),
        }),
      );
      const s = out.DBClusterSnapshots?.[0];
      if (!s) throw new ActionError(ACTION_ERRORS.sourceNotFound, `${doing}: RDS lists no such cluster snapshot`);
      return {
        arn,
        kind: 'cluster',
        identifier: s.DBClusterSnapshotIdentifier ?? parsed.identifier,
        ...(s.DBClusterIdentifier ? { sourceIdentifier: s.DBClusterIdentifier } : {}),
        engine: s.Engine ?? 'unknown',
        ...(s.EngineMode ? { engineMode: s.EngineMode } : {}),
        status: s.Status ?? 'unknown',
        encrypted: s.StorageEncrypted ?? false,
        ...(s.KmsKeyId ? { kmsKeyId: s.KmsKeyId } : {}),
        ...(s.AllocatedStorage !== undefined ? { allocatedStorageGiB: s.AllocatedStorage } : {}),
        ...(s.SnapshotCreateTime ? { snapshotTime: iso(s.SnapshotCreateTime) } : {}),
        tags: tagsOf(s.TagList),
      };
    } catch (error) {
      if (NOT_FOUND.has(errorName(error))) {
        throw new ActionError(ACTION_ERRORS.sourceNotFound, `${doing}: ${errorMessage(error)}`, { cause: error });
      }
      throw actionErrorOf(error, doing, ACTION_ERRORS.exportRefused);
    }
  }

  /** The snapshot's tags (ListTagsForResource), for the tag filters. */
  async tags(arn: string): Promise<Record<string, string>> {
    try {
      const out = await this.rds.send(new ListTagsForResourceCommand({ ResourceName: arn }));
      return tagsOf(out.TagList);
    } catch (error) {
      throw actionErrorOf(error, `listing the tags of ${arn}`, ACTION_ERRORS.exportRefused);
    }
  }

  /** Export tasks in the account that hold one of its five slots. */
  async activeExports(): Promise<ExportTaskInfo[]> {
    const active: ExportTaskInfo[] = [];
    let marker: string | undefined;
    try {
      do {
        // Filtered by status: an account's finished export tasks stay listed for good.
        const out = await this.rds.send(
          new DescribeExportTasksCommand({
            MaxRecords: 100,
            Marker: marker,
            // RDS documents this filter's values in lower case (in_progress, …); the statuses are checked again below.
            Filters: [{ Name: 'status', Values: ACTIVE_EXPORT_STATUSES.map((status) => status.toLowerCase()) }],
          }),
        );
        for (const task of out.ExportTasks ?? []) {
          if (ACTIVE_EXPORT_STATUSES.includes((task.Status ?? '') as ExportTaskStatus)) active.push(taskInfo(task));
        }
        marker = out.Marker;
      } while (marker);
    } catch (error) {
      throw actionErrorOf(error, 'listing the export tasks of the account', ACTION_ERRORS.exportRefused);
    }
    return active;
  }

  /** The export task `identifier`, or undefined when RDS does not know it. */
  async describeExport(identifier: string): Promise<ExportTaskInfo | undefined> {
    try {
      const out = await this.rds.send(new DescribeExportTasksCommand({ ExportTaskIdentifier: identifier }));
      const task = out.ExportTasks?.[0];
      return task ? taskInfo(task) : undefined;
    } catch (error) {
      if (errorName(error) === 'ExportTaskNotFoundFault') return undefined;
      throw actionErrorOf(error, `describing export task ${identifier}`, ACTION_ERRORS.exportRefused);
    }
  }

  /**
   * Starts the export. A task of the same id for the same source (a retried Task whose first call did reach
   * RDS) is taken as this one. Quota refusals become ExportSlotsBusy, so the workflow waits for a slot.
   */
  async startExport(input: StartExportInput): Promise<ExportTaskInfo> {
    const doing = `starting export task ${input.identifier} of ${input.sourceArn}`;
    try {
      const out = await this.rds.send(
        new StartExportTaskCommand({
          ExportTaskIdentifier: input.identifier,
          SourceArn: input.sourceArn,
          S3BucketName: input.bucket,
          S3Prefix: input.prefix,
          IamRoleArn: input.roleArn,
          KmsKeyId: input.kmsKeyId,
        }),
      );
      return taskInfo(out);
    } catch (error) {
      const name = errorName(error);
      if (name === 'ExportTaskAlreadyExistsFault') {
        const existing = await this.describeExport(input.identifier);
        if (existing && existing.sourceArn === input.sourceArn) return existing;
        throw new ActionError(
          ACTION_ERRORS.exportRefused,
          `${doing}: the identifier is taken by an export of ${existing?.sourceArn ?? 'another source'}`,
          { cause: error },
        );
      }
      if (NOT_FOUND.has(name)) {
        throw new ActionError(ACTION_ERRORS.sourceNotFound, `${doing}: ${errorMessage(error)}`, { cause: error });
      }
      if (isExportQuotaError(error)) {
        throw new ActionError(
          ACTION_ERRORS.exportSlotsBusy,
          `${doing}: RDS refused another concurrent export (${name}: ${errorMessage(error)})`,
          { cause: error },
        );
      }
      if (REFUSALS.has(name)) {
        throw new ActionError(ACTION_ERRORS.exportRefused, `${doing}: ${name}: ${errorMessage(error)}`, {
          cause: error,
        });
      }
      throw actionErrorOf(error, doing, ACTION_ERRORS.exportRefused);
    }
  }

  /** Asks RDS to cancel the task; false when it had already finished. */
  async cancelExport(identifier: string): Promise<boolean> {
    try {
      await this.rds.send(new CancelExportTaskCommand({ ExportTaskIdentifier: identifier }));
      return true;
    } catch (error) {
      const name = errorName(error);
      if (name === 'InvalidExportTaskStateFault' || name === 'ExportTaskNotFoundFault') return false;
      throw actionErrorOf(error, `cancelling export task ${identifier}`, ACTION_ERRORS.exportRefused);
    }
  }
}
