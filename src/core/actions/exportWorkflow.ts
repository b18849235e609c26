/**
 * The contract of the export workflow (Step Functions standard, JSONPath): its state names, the Tasks and the
 * state each one reads and writes, the errors the Tasks throw by name (the workflow retries and catches by
 * these names), and the timing rules. The CDK construct (src/infra/workflows), the Task handlers
 * (src/functions/actions) and the local runner (sandbox) all read it from here, so a renamed state or error
 * breaks the type check, not a deployment.
 *
 * Every Task receives the whole workflow state (`$`) and writes its result under one key (its ResultPath);
 * the state stays small (summaries only, at most a few KB): what is large goes into the manifest in S3.
 */
import * as z from 'zod';

/** The workflow that exports an RDS or Aurora snapshot to Parquet. */
export const RDS_EXPORT_WORKFLOW = 'rds-export-parquet';
/** The workflow that exports a DynamoDB recovery point to lossless Parquet (the same state machine, its DynamoDB branch). */
export const DYNAMODB_EXPORT_WORKFLOW = 'dynamodb-export-parquet';
/** The workflow that archives an EBS recovery point as a block archive (the same state machine, its EBS branch). */
export const EBS_ARCHIVE_WORKFLOW = 'ebs-block-archive';
export const EXPORT_WORKFLOWS = [RDS_EXPORT_WORKFLOW, DYNAMODB_EXPORT_WORKFLOW, EBS_ARCHIVE_WORKFLOW] as const;

/** The resource types the export workflow has an exporter for. */
export const EXPORT_RESOURCE_TYPES = ['RDS', 'Aurora', 'DynamoDB', 'EBS'] as const;
export type ExportResourceType = (typeof EXPORT_RESOURCE_TYPES)[number];

/**
 * Where a DynamoDB export reads from: `backup` restores the recovery point to a temporary table and exports that
 * (the backup itself); `source-pitr` exports the source table's own point-in-time recovery at the backup's creation
 * time (cheaper, no restore), when PITR is on and that time is inside its window — else the backup path runs.
 */
export const DYNAMODB_EXPORT_SOURCES = ['backup', 'source-pitr'] as const;
export type DynamoDbExportSource = (typeof DYNAMODB_EXPORT_SOURCES)[number];

/**
 * Task handlers of the export workflow; each is one Lambda function. The conversion Tasks (CONVERSION_TASKS) run
 * DuckDB and are deployed as a container image; the others are small functions.
 */
export const ACTION_TASKS = [
  'describeSource',
  'startExport',
  'checkExport',
  'verifyExport',
  'writeManifest',
  'deleteRecoveryPoint',
  'confirmDeletion',
  'cleanUp',
  'recordOutcome',
  // The DynamoDB branch (Backup actions, part 2).
  'startRestore',
  'checkRestore',
  'enablePitr',
  'startTableExport',
  'checkTableExport',
  'planConversion',
  'scanFiles',
  'chooseColumns',
  'convertFiles',
  'finishConversion',
  'deleteTemporaryTable',
  // The EBS branch (Backup actions, part 3).
  'planArchive',
  'archiveShard',
  'verifyShard',
  'mergeArchive',
] as const;
export type ActionTask = (typeof ACTION_TASKS)[number];

/** The Tasks that convert a DynamoDB export (DuckDB, a native module: the container image function). */
export const CONVERSION_TASKS = [
  'planConversion',
  'scanFiles',
  'chooseColumns',
  'convertFiles',
  'finishConversion',
] as const satisfies readonly ActionTask[];
export type ConversionTask = (typeof CONVERSION_TASKS)[number];

/** The Tasks that read and write block archives (zstd-napi, a native module: the container image function too). */
export const BLOCK_ARCHIVE_TASKS = [
  'archiveShard',
  'verifyShard',
  'mergeArchive',
] as const satisfies readonly ActionTask[];
export type BlockArchiveTask = (typeof BLOCK_ARCHIVE_TASKS)[number];

/** Every Task the container image runs (up to 15 minutes each). */
export const IMAGE_TASKS = [...CONVERSION_TASKS, ...BLOCK_ARCHIVE_TASKS] as const;
export type ImageTask = (typeof IMAGE_TASKS)[number];

/** State names of the workflow (what the console shows, what local overrides are keyed by). */
export const EXPORT_STATES = {
  describeSource: 'Describe source',
  exportable: 'Exportable?',
  /** The dispatch to the exporter of the recovery point's resource type (RDS and Aurora: Start export). */
  resourceType: 'Resource type?',
  /** A resource type without an exporter: recorded as not exportable. */
  noExporter: 'No exporter',
  recordNotExportable: 'Record not exportable',
  notExportable: 'Not exportable',
  startExport: 'Start export',
  waitForExport: 'Wait for export',
  checkExport: 'Check export',
  exportFinished: 'Export finished?',
  exportTaskFailed: 'Export task failed',
  verifyExport: 'Verify export',
  writeManifest: 'Write manifest',
  deleteWanted: 'Delete recovery point?',
  deleteRecoveryPoint: 'Delete recovery point',
  waitBeforeConfirming: 'Wait before confirming',
  confirmDeletion: 'Confirm deletion',
  deletionUnconfirmed: 'Deletion unconfirmed',
  recordOutcome: 'Record outcome',
  done: 'Done',
  cleanUp: 'Clean up',
  recordFailure: 'Record failure',
  failed: 'Export failed',
  // The DynamoDB branch.
  exportFrom: 'Export from?',
  startRestore: 'Start restore',
  waitForRestore: 'Wait for restore',
  checkRestore: 'Check restore',
  restoreFinished: 'Restore finished?',
  restoreFailed: 'Restore failed',
  enablePitr: 'Enable PITR',
  startTableExport: 'Start table export',
  waitForTableExport: 'Wait for table export',
  checkTableExport: 'Check table export',
  tableExportFinished: 'Table export finished?',
  tableExportFailed: 'Table export failed',
  planConversion: 'Plan conversion',
  scanFiles: 'Scan files',
  scanBatch: 'Scan batch',
  chooseColumns: 'Choose columns',
  convertFiles: 'Convert files',
  convertBatch: 'Convert batch',
  finishConversion: 'Finish conversion',
  deleteTemporaryTable: 'Delete temporary table',
  // The EBS branch.
  planArchive: 'Plan archive',
  archiveShards: 'Archive shards',
  archiveShard: 'Archive shard',
  verifyShards: 'Verify shards',
  verifyShard: 'Verify shard',
  mergeArchive: 'Merge shards',
} as const;

/**
 * The Task state of each Task handler, and the key its result is written under (ResultPath `$.<key>`). The Tasks
 * inside a Map (Scan batch, Convert batch) have none: their result, a small summary, is the iteration's output.
 */
export const TASK_STATES: Readonly<Record<ActionTask, { readonly state: string; readonly resultKey?: string }>> = {
  describeSource: { state: EXPORT_STATES.describeSource, resultKey: 'source' },
  startExport: { state: EXPORT_STATES.startExport, resultKey: 'export' },
  checkExport: { state: EXPORT_STATES.checkExport, resultKey: 'export' },
  verifyExport: { state: EXPORT_STATES.verifyExport, resultKey: 'verification' },
  writeManifest: { state: EXPORT_STATES.writeManifest, resultKey: 'manifest' },
  deleteRecoveryPoint: { state: EXPORT_STATES.deleteRecoveryPoint, resultKey: 'deletion' },
  confirmDeletion: { state: EXPORT_STATES.confirmDeletion, resultKey: 'deletion' },
  cleanUp: { state: EXPORT_STATES.cleanUp, resultKey: 'cleanup' },
  recordOutcome: { state: EXPORT_STATES.recordOutcome, resultKey: 'outcome' },
  startRestore: { state: EXPORT_STATES.startRestore, resultKey: 'restore' },
  checkRestore: { state: EXPORT_STATES.checkRestore, resultKey: 'restore' },
  enablePitr: { state: EXPORT_STATES.enablePitr, resultKey: 'pitr' },
  startTableExport: { state: EXPORT_STATES.startTableExport, resultKey: 'tableExport' },
  checkTableExport: { state: EXPORT_STATES.checkTableExport, resultKey: 'tableExport' },
  planConversion: { state: EXPORT_STATES.planConversion, resultKey: 'conversion' },
  // Inside the Map states (one iteration per batch of data files): the Map discards their results (the batch's
  // statistics and parts are kept in the archive bucket, not in the state).
  scanFiles: { state: EXPORT_STATES.scanBatch },
  chooseColumns: { state: EXPORT_STATES.chooseColumns, resultKey: 'columns' },
  convertFiles: { state: EXPORT_STATES.convertBatch },
  finishConversion: { state: EXPORT_STATES.finishConversion, resultKey: 'verification' },
  deleteTemporaryTable: { state: EXPORT_STATES.deleteTemporaryTable, resultKey: 'temporaryTable' },
  planArchive: { state: EXPORT_STATES.planArchive, resultKey: 'archive' },
  archiveShard: { state: EXPORT_STATES.archiveShard },
  verifyShard: { state: EXPORT_STATES.verifyShard },
  mergeArchive: { state: EXPORT_STATES.mergeArchive, resultKey: 'verification' },
};

/**
 * Errors the Task handlers throw, by `name` (Lambda reports it as the error type Step Functions matches).
 * Transient ones are retried; every other error is permanent and runs cleanup.
 */
export const ACTION_ERRORS = {
  /** Throttling, 5xx, a dropped connection: the call may succeed if repeated. Retried with backoff. */
  transient: 'TransientAwsError',
  /** The snapshot or recovery point is not yet available (still creating, copying). Retried for hours. */
  sourceNotReady: 'SourceNotReady',
  /** Five exports already run in the account (RDS's quota): wait for a slot. Retried for a day. */
  exportSlotsBusy: 'ExportSlotsBusy',
  /** The recovery point or snapshot is gone (deleted, expired). */
  sourceNotFound: 'SourceNotFound',
  /** StartExportTask refused the request (role, bucket, KMS key, parameters). */
  exportRefused: 'ExportRefused',
  /** The export ended FAILED or CANCELED. */
  exportTaskFailed: 'ExportTaskFailed',
  /** The export said COMPLETE but what is in the bucket does not prove it (no info files, no Parquet). */
  verificationFailed: 'VerificationFailed',
  /** The recovery point is still there after DeleteRecoveryPoint (deletion still running): asked again. */
  deletionPending: 'DeletionPending',
  /** A restored table's point-in-time recovery is still turning on (DynamoDB exports need it). Asked again. */
  pitrPending: 'PitrPending',
  /** AWS Backup's restore of the recovery point to the temporary table ended FAILED or ABORTED. */
  restoreFailed: 'RestoreFailed',
  /** Cleanup asked RDS to cancel the export and waits for it to stop writing before removing its objects. */
  cleanupPending: 'CleanupPending',
  /** The Task's input does not match the contract: a bug or a hand-started execution with a bad input. */
  badInput: 'BadWorkflowInput',
} as const;
export type ActionErrorName = (typeof ACTION_ERRORS)[keyof typeof ACTION_ERRORS];

/** Errors of the Lambda service itself, by the names Step Functions reports (retried on every Task). */
export const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
] as const;

/** A Task that ran out of time: Lambda's own timeout (`Sandbox.Timedout`) or the Task's (`States.Timeout`). */
export const TIMEOUT_ERRORS = ['Sandbox.Timedout', 'States.Timeout'] as const;

/** How the workflow waits. Waits are Wait states and Retry intervals, never sleeps inside a Task. */
export const EXPORT_TIMING = {
  /** The whole execution: queueing (a day at most) plus a multi-hour export. */
  executionTimeoutHours: 72,
  /** Every Task: a Lambda call that does a few API calls. */
  taskTimeoutSeconds: 120,
  /** Polls of DescribeExportTasks: 60 s first, ×2 each time, at most every 10 min. */
  firstPollSeconds: 60,
  maxPollSeconds: 600,
  /**
   * Waiting for a free export slot: every 2–15 min for about a day. With full jitter a wait is uniform in
   * [0, delay], so once at the 15-minute cap the mean is 7.5 min: 190 attempts ≈ 24 h.
   */
  slotRetry: { intervalSeconds: 120, backoffRate: 1.5, maxDelaySeconds: 900, maxAttempts: 190 },
  /** Waiting for the source to become available. */
  sourceRetry: { intervalSeconds: 300, backoffRate: 1.5, maxDelaySeconds: 1800, maxAttempts: 20 },
  /** A Task that timed out. */
  timeoutRetry: { intervalSeconds: 10, backoffRate: 2, maxDelaySeconds: 60, maxAttempts: 2 },
  /** Throttling and other transient errors. */
  transientRetry: { intervalSeconds: 5, backoffRate: 2, maxDelaySeconds: 120, maxAttempts: 6 },
  /** DeleteRecoveryPoint is asynchronous: wait, then describe again. */
  confirmAfterSeconds: 60,
  confirmRetry: { intervalSeconds: 60, backoffRate: 2, maxDelaySeconds: 600, maxAttempts: 5 },
  /** Cleanup waiting for a cancelled export to stop (CANCELING → CANCELED), or for a restore job to end. */
  cleanupRetry: { intervalSeconds: 60, backoffRate: 1.5, maxDelaySeconds: 600, maxAttempts: 12 },
  /** A restored table's PITR turning on (ENABLING → ENABLED: usually seconds, minutes at most). */
  pitrRetry: { intervalSeconds: 30, backoffRate: 1.5, maxDelaySeconds: 300, maxAttempts: 12 },
  /** The conversion Tasks: Lambda's maximum (a batch is sized to take a fraction of it). */
  conversionTaskTimeoutSeconds: 900,
  /** Batches of data files converted at once (Map MaxConcurrency): each is one 10 GB Lambda. */
  conversionConcurrency: 20,
  /** EBS shards archived (and verified) at once: the EBS direct APIs' ~1,000 reads/s per snapshot serve about two. */
  archiveShardConcurrency: 2,
} as const;

/** An error a Task throws on purpose; Step Functions matches `name`. */
export class ActionError extends Error {
  constructor(
    readonly errorName: ActionErrorName,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = errorName;
  }
}

/** The wait before the next poll: `firstPollSeconds`, doubling, capped at `maxPollSeconds`. */
export function nextPollSeconds(pollCount: number): number {
  const seconds = EXPORT_TIMING.firstPollSeconds * 2 ** Math.max(0, pollCount);
  return Math.min(EXPORT_TIMING.maxPollSeconds, seconds);
}

const tagFilter = z.object({ key: z.string(), value: z.string().optional() });

/** The execution's input: what `planRecoveryPoint` decided, plus what the Tasks need to check when they run. */
export const exportRequestSchema = z.object({
  workflow: z.enum(EXPORT_WORKFLOWS),
  recoveryPointArn: z.string().min(1),
  resourceType: z.enum(EXPORT_RESOURCE_TYPES),
  /** DynamoDB only: export the backup (restored to a temporary table; the default) or the source table's PITR. */
  dynamoDbExportFrom: z.enum(DYNAMODB_EXPORT_SOURCES).optional(),
  /** EBS only: incremental archives in a chain before a full one (0: always full). */
  ebsMaxChainDepth: z.number().int().min(0).optional(),
  /** The vault holding the recovery point; absent for RDS snapshots outside AWS Backup. */
  vault: z.string().optional(),
  /** Watched vault names in this account and Region (the vault of a vault notification is checked against them). */
  watchedVaults: z.array(z.string()).default([]),
  account: z.string(),
  region: z.string(),
  resourceName: z.string(),
  trigger: z.string(),
  /** Made by AWS Backup (only those are ever deleted). */
  fromBackup: z.boolean(),
  deleteAfterExport: z.boolean(),
  attempt: z.number().int().min(1),
  exportTaskIdentifier: z.string().min(1),
  /** StartExportTask's S3Prefix (no trailing slash). */
  s3Prefix: z.string().min(1),
  /** Tag filters, applied to the resource's tags when the workflow runs (events carry no tags). */
  includeTags: z.array(tagFilter).default([]),
  excludeTags: z.array(tagFilter).default([]),
  /** For RDS snapshots outside AWS Backup: DB instance / cluster patterns the snapshot's source must match. */
  sourcePatterns: z.array(z.string()).default([]),
  /** When the trigger arrived (ISO 8601). */
  requestedAt: z.string(),
  /** The execution running this request (known to the starter, which names it). */
  executionArn: z.string().optional(),
});
export type ExportRequest = z.infer<typeof exportRequestSchema>;

/** What `describeSource` found. */
export interface SourceDescription {
  readonly exportable: boolean;
  /** Why not, when not exportable. */
  readonly reason?: string;
  readonly engine: string;
  readonly status: string;
  readonly encrypted: boolean;
  readonly kmsKeyId?: string;
  readonly sizeGiB?: number;
  /** The DB instance or cluster the snapshot was taken of. */
  readonly sourceIdentifier?: string;
  readonly snapshotTime?: string;
  readonly tags: Readonly<Record<string, string>>;
  /** The vault that holds the recovery point (AWS Backup only; found among the watched vaults if the event did not say). */
  readonly vault?: string;
  /** DynamoDB: the table the backup was taken of. */
  readonly sourceTableArn?: string;
  /** DynamoDB: the path the export takes (the request's choice, or `backup` when the source's PITR cannot serve). */
  readonly exportFrom?: DynamoDbExportSource;
  /** DynamoDB: why `source-pitr` was asked for and `backup` runs. */
  readonly exportFromNote?: string;
  /** AWS Backup's storage class of the recovery point (EBS: COLD is the snapshot archive tier). */
  readonly storageClass?: string;
}

/** Export task statuses (RDS says COMPLETE, not COMPLETED). */
export const EXPORT_TASK_STATUSES = ['STARTING', 'IN_PROGRESS', 'COMPLETE', 'CANCELING', 'CANCELED', 'FAILED'] as const;
export type ExportTaskStatus = (typeof EXPORT_TASK_STATUSES)[number];
/** An export task that still occupies one of the account's five slots. */
export const ACTIVE_EXPORT_STATUSES: readonly ExportTaskStatus[] = ['STARTING', 'IN_PROGRESS', 'CANCELING'];

/** What `startExport` and `checkExport` know of the export task. */
export interface ExportProgress {
  readonly exportTaskIdentifier: string;
  readonly status: string;
  readonly s3Bucket: string;
  readonly s3Prefix: string;
  readonly percentProgress: number;
  readonly totalExtractedDataInGB?: number;
  readonly failureCause?: string;
  readonly warningMessage?: string;
  readonly startedAt: string;
  readonly pollCount: number;
  /** The Wait state's SecondsPath before the next poll. */
  readonly waitSeconds: number;
}

/** One exported table, as the verification saw it. */
export interface TableVerification {
  /** `database.schema.table`, as RDS names it. */
  readonly target: string;
  readonly status: string;
  readonly objects: number;
  readonly bytes: number;
  readonly warning?: string;
}

/** What `verifyExport` found (summary; the full table list goes into the manifest). */
export interface VerificationSummary {
  /** Every table COMPLETE with its Parquet objects present: the only result deletion may follow. */
  readonly complete: boolean;
  readonly tables: number;
  readonly completeTables: number;
  readonly objects: number;
  readonly bytes: number;
  /** Skipped or failed tables, and other remarks, in words (at most 50). */
  readonly warnings: readonly string[];
  /** Where the per-table detail was kept for writeManifest (an S3 key of a working file). */
  readonly detailKey: string;
}

/** What `writeManifest` wrote. */
export interface ManifestResult {
  readonly manifestKey: string;
  /** The per-resource pointer to the latest verified export; absent when this export was partial. */
  readonly latestKey?: string;
}

/** What became of the recovery point. */
export interface DeletionResult {
  readonly status: 'requested' | 'deleted' | 'refused' | 'not-deleted' | 'kept';
  readonly reason?: string;
}

/** What `cleanUp` did after a failure. */
export interface CleanupResult {
  readonly exportCancelled: boolean;
  /** DynamoDB: whether a temporary table was found and deleted. */
  readonly temporaryTableDeleted?: boolean;
  readonly objectsDeleted: number;
  /** What could not be removed, in words (then the notification says so). */
  readonly leftBehind: readonly string[];
}

/** Step Functions' Catch output. */
export interface CaughtError {
  readonly Error: string;
  readonly Cause?: string;
}

/** AWS Backup's restore of a DynamoDB recovery point to the temporary table. */
export interface RestoreProgress {
  readonly restoreJobId: string;
  readonly tableName: string;
  /** PENDING | RUNNING | COMPLETED | ABORTED | FAILED */
  readonly status: string;
  readonly tableArn?: string;
  readonly statusMessage?: string;
  readonly startedAt: string;
  readonly pollCount: number;
  readonly waitSeconds: number;
}

/** The table export (ExportTableToPointInTime) of the temporary table, or of the source table's PITR. */
export interface TableExportProgress {
  readonly exportArn: string;
  /** IN_PROGRESS | COMPLETED | FAILED */
  readonly status: string;
  readonly tableArn: string;
  /** ExportTime, for an export of the source table's PITR. */
  readonly exportTime?: string;
  readonly prefix: string;
  readonly manifestSummaryKey?: string;
  readonly itemCount?: number;
  /** The exported table's key attributes (read once the export is COMPLETED: the Parquet's key columns). */
  readonly keys?: { readonly partitionKey: string; readonly sortKey?: string };
  readonly failure?: string;
  readonly startedAt: string;
  readonly pollCount: number;
  readonly waitSeconds: number;
}

/** What `planConversion` decided: the batches of data files the Map states iterate over. */
export interface ConversionPlan {
  /** Batch numbers 0…n-1 (the Map's items). */
  readonly batches: readonly number[];
  readonly files: number;
  readonly items: number;
  /** Compressed bytes of the export's data files. */
  readonly bytes: number;
  /** The export's `AWSDynamoDB/<id>/` folder (S3 key prefix). */
  readonly exportFolder: string;
  /** Where the Parquet goes (S3 key prefix, trailing slash). */
  readonly parquetPrefix: string;
  readonly keys: { readonly partitionKey: string; readonly sortKey?: string };
}

/** What `planArchive` decided for an EBS snapshot: full or incremental, and the shards the Maps iterate over. */
export interface EbsArchivePlan {
  readonly snapshotId: string;
  /** The volume the snapshot is of (the archive chain's key), or the snapshot id when unknown. */
  readonly volumeId: string;
  readonly volumeSizeGiB: number;
  /** Shard numbers 0…n-1 (the Maps' items). */
  readonly shards: readonly number[];
  /** Where the block archive goes (S3 key prefix, trailing slash). */
  readonly archivePrefix: string;
  /** The previous verified archive of the volume this one is incremental to (absent: a full archive). */
  readonly parent?: {
    readonly archivePrefix: string;
    readonly snapshotId: string;
    readonly manifestKey: string;
  };
  /** Incremental archives since the last full one, this one included (0: full). */
  readonly chainDepth: number;
  /** Why the archive is full although an earlier one exists (chain too deep, the earlier one unreadable, …). */
  readonly fullBecause?: string;
}

/** The native-dump path: the temporary instance restored from the recovery point, its secret, the dump job. */
export interface DumpProgress {
  readonly instanceId: string;
  readonly secretArn: string;
  /** The instance's status (RDS), e.g. creating, available, resetting-master-credentials. */
  readonly instanceStatus: string;
  readonly endpoint?: { readonly address: string; readonly port: number };
  readonly masterUser?: string;
  readonly database?: string;
  /** The generated password was set on the instance (ModifyDBInstance). */
  readonly passwordSet: boolean;
  /** Ready for the dump: available, with the generated password in effect. */
  readonly ready: boolean;
  readonly jobId?: string;
  /** SUBMITTED … RUNNING | SUCCEEDED | FAILED (AWS Batch). */
  readonly jobStatus?: string;
  readonly jobReason?: string;
  /** Where the dump goes (S3 key prefix, trailing slash). */
  readonly dumpPrefix: string;
  readonly startedAt: string;
  readonly pollCount: number;
  readonly waitSeconds: number;
}

/** The workflow state every Task receives. */
export interface ExportState {
  readonly request: ExportRequest;
  readonly source?: SourceDescription;
  readonly restore?: RestoreProgress;
  readonly pitr?: { readonly enabled: boolean };
  readonly tableExport?: TableExportProgress;
  readonly conversion?: ConversionPlan;
  readonly columns?: { readonly columns: number; readonly typedColumns: number };
  readonly temporaryTable?: { readonly deleted: boolean; readonly tableName: string };
  /** The batch of a Map iteration (Scan batch, Convert batch). */
  readonly batch?: number;
  readonly archive?: EbsArchivePlan;
  readonly dump?: DumpProgress;
  /** The shard of a Map iteration (Archive shard, Verify shard). */
  readonly shard?: number;
  readonly export?: ExportProgress;
  readonly verification?: VerificationSummary;
  readonly manifest?: ManifestResult;
  readonly deletion?: DeletionResult;
  /** Set by a Catch: the state that failed and its error. */
  readonly failedStep?: string;
  readonly failure?: CaughtError;
  readonly cleanup?: CleanupResult;
  readonly deletionError?: CaughtError;
}

/** How an export ended, as recorded in the ledger and reported. */
export const ACTION_OUTCOMES = ['exported', 'exported-partially', 'not-exportable', 'failed'] as const;
export type ActionOutcome = (typeof ACTION_OUTCOMES)[number];
