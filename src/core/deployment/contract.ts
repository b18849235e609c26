/**
 * The names shared by the CDK app (src/infra) and the Lambda handlers (src/functions) and container workers
 * (src/worker): entry files, environment variables, defaults, exit codes, metric names and ledger keys. Infra
 * never imports handlers or workers; both sides import this file instead, so a renamed variable breaks the type
 * check, not a deployment.
 */
import { COMPRESSION_LEVEL, READ_CONCURRENCY, SHARD_COUNT } from '../archive/archiveSettings.js';

/** Lambda entry files, relative to the package root. Each exports `handler`. */
export const HANDLER_ENTRIES = {
  router: 'src/functions/router.ts',
  delivery: 'src/functions/delivery.ts',
  digest: 'src/functions/digest.ts',
  rpoCheck: 'src/functions/rpoCheck.ts',
  /** Management account, us-east-1: lists the organization's policies and sends them to the central bus. */
  policyInventory: 'src/functions/policyInventory.ts',
} as const;
export type HandlerName = keyof typeof HANDLER_ENTRIES;

/** Environment variables the handlers read (through typed getters that fail fast). */
export const ENV = {
  /** DynamoDB ledger table name. */
  ledgerTable: 'VAULTPILOT_LEDGER_TABLE',
  /** SNS topic that carries email notifications. */
  topicArn: 'VAULTPILOT_TOPIC_ARN',
  /** SQS queue feeding the delivery Lambda (Slack, Teams, webhooks). */
  deliveryQueueUrl: 'VAULTPILOT_DELIVERY_QUEUE_URL',
  /** SNS topic or queue where unparsed inputs are kept for people to look at. */
  unparsedTopicArn: 'VAULTPILOT_UNPARSED_TOPIC_ARN',
  /** The runtime settings (JSON of RuntimeSettings in src/core/config), written by the CDK app. */
  settings: 'VAULTPILOT_SETTINGS',
  /** CloudWatch metric namespace for EMF output. */
  metricNamespace: 'VAULTPILOT_METRIC_NAMESPACE',
} as const;

/**
 * Environment variables of the policy-inventory function (management account). Kept apart from ENV, which
 * lists what every central function receives.
 */
export const INVENTORY_ENV = {
  /** ARN of the central custom bus (in the central account), where the policy inventory is put. */
  centralBusArn: 'VAULTPILOT_CENTRAL_BUS_ARN',
} as const;

/**
 * Lambda entry files of the backup actions (member accounts, every Region that owns a watched vault). One
 * function per Task of the export workflow (ACTION_TASKS in src/core/actions/exportWorkflow.ts), plus the
 * starter that turns trigger events into executions and the sweeper of executions that ended abnormally. Each
 * exports `handler`.
 */
export const ACTION_HANDLER_ENTRIES = {
  startAction: 'src/functions/actions/startAction.ts',
  describeSource: 'src/functions/actions/describeSource.ts',
  startExport: 'src/functions/actions/startExport.ts',
  checkExport: 'src/functions/actions/checkExport.ts',
  verifyExport: 'src/functions/actions/verifyExport.ts',
  writeManifest: 'src/functions/actions/writeManifest.ts',
  deleteRecoveryPoint: 'src/functions/actions/deleteRecoveryPoint.ts',
  confirmDeletion: 'src/functions/actions/confirmDeletion.ts',
  cleanUp: 'src/functions/actions/cleanUp.ts',
  recordOutcome: 'src/functions/actions/recordOutcome.ts',
  // The DynamoDB branch's API Tasks (small functions, like the RDS ones).
  startRestore: 'src/functions/actions/startRestore.ts',
  checkRestore: 'src/functions/actions/checkRestore.ts',
  enablePitr: 'src/functions/actions/enablePitr.ts',
  startTableExport: 'src/functions/actions/startTableExport.ts',
  checkTableExport: 'src/functions/actions/checkTableExport.ts',
  deleteTemporaryTable: 'src/functions/actions/deleteTemporaryTable.ts',
  planArchive: 'src/functions/actions/planArchive.ts',
  /**
   * Not a Task: sweeps executions that ended TIMED_OUT, ABORTED or FAILED without recording their outcome (SQS batches
   * of Step Functions "Execution Status Change" events; cleans up and records like the cleanUp and recordOutcome
   * Tasks; partial batch responses).
   */
  sweepExecution: 'src/functions/actions/sweepExecution.ts',
} as const;
export type ActionHandlerName = keyof typeof ACTION_HANDLER_ENTRIES;

/**
 * The conversion Tasks of the DynamoDB branch (CONVERSION_TASKS in src/core/actions/exportWorkflow.ts) run DuckDB, a
 * native module esbuild cannot bundle: they are one Lambda container image (docker/actions/Dockerfile), built from
 * `npm run build` (dist/) and published once per Region into an ECR repository of the central account. The image
 * holds one module exporting one handler per Task (named like the Task); each function overrides the image's CMD
 * with `<handlerModule>.<task>`.
 */
export const ACTIONS_IMAGE = {
  /** The module, relative to the package root. */
  entry: 'src/functions/actions/imageHandlers.ts',
  /** The same module as Lambda's handler names it, relative to LAMBDA_TASK_ROOT (the image copies dist/src there). */
  handlerModule: 'functions/actions/imageHandlers',
  /** The ECR repository (central account, every Region with watched vaults). */
  repositoryName: 'vaultpilot-actions-image',
  /** Lambda's maxima: DuckDB spills to /tmp, the data files are downloaded there. */
  memorySize: 10_240,
  ephemeralStorageSize: 10_240,
  timeoutSeconds: 900,
  /** Share of the function's memory DuckDB may use (the rest: Node.js, the SDK, the S3 buffers). */
  duckDbMemoryShare: 0.6,
  /** Where DuckDB spills: Lambda's only writable disk. */
  duckDbTempDirectory: '/tmp/duckdb',
} as const;

/**
 * Lambda entry files of the backup actions that run in the central account (next to the archive bucket), fed by
 * the central bus rather than by the member workflow. Each exports `handler`.
 */
export const CENTRAL_ACTION_HANDLER_ENTRIES = {
  /**
   * Registers each verified export in the Glue Data Catalog (database ACTIONS_ENV.glueDatabase) from an SQS queue
   * of `Vaultpilot Action Result` events; partial batch responses.
   */
  registerTables: 'src/functions/actions/registerTables.ts',
} as const;
export type CentralActionHandlerName = keyof typeof CENTRAL_ACTION_HANDLER_ENTRIES;

/** Environment variables of the action functions (each reads only those it needs). */
export const ACTIONS_ENV = {
  /** The archive bucket (central account, this Region) the exports are written to. */
  archiveBucket: 'VAULTPILOT_ARCHIVE_BUCKET',
  /** The role RDS assumes to write the export (trusted by export.rds.amazonaws.com). */
  exportRoleArn: 'VAULTPILOT_EXPORT_ROLE_ARN',
  /** The KMS key the export is encrypted with (StartExportTask's KmsKeyId). */
  exportKmsKeyArn: 'VAULTPILOT_EXPORT_KMS_KEY_ARN',
  /** DynamoDB table of this account and Region recording one claim and one outcome per recovery point. */
  actionsTable: 'VAULTPILOT_ACTIONS_TABLE',
  /** The export workflow (state machine) the starter starts. */
  stateMachineArn: 'VAULTPILOT_STATE_MACHINE_ARN',
  /** Event bus (ARN, the central bus) the results are put on. */
  resultBusArn: 'VAULTPILOT_RESULT_BUS_ARN',
  /** The `actions:` configuration (JSON of ActionsConfig), written by the CDK app. */
  actionsConfig: 'VAULTPILOT_ACTIONS_CONFIG',
  /** CloudWatch metric namespace for EMF output. */
  metricNamespace: 'VAULTPILOT_METRIC_NAMESPACE',
  /** Glue database the exports are registered in (registerTables). @default vaultpilot_archive */
  glueDatabase: 'VAULTPILOT_GLUE_DATABASE',
  /** The role AWS Backup restores a DynamoDB recovery point with (trusted by backup.amazonaws.com; startRestore). */
  restoreRoleArn: 'VAULTPILOT_RESTORE_ROLE_ARN',
  /** The account that owns the archive bucket (the central account): ExportTableToPointInTime's S3BucketOwner. */
  archiveBucketOwner: 'VAULTPILOT_ARCHIVE_BUCKET_OWNER',
  /** Conversion Tasks: data files converted in parallel within one batch. @default os.availableParallelism() */
  convertConcurrency: 'VAULTPILOT_CONVERT_CONCURRENCY',
  /** Conversion Tasks: compressed bytes of data files per batch. @default the converter's (512 MiB) */
  convertBatchBytes: 'VAULTPILOT_CONVERT_BATCH_BYTES',
  /** Conversion Tasks: DuckDB's memory limit, e.g. `6GB`. @default 60 % of the function's memory */
  duckDbMemoryLimit: 'VAULTPILOT_DUCKDB_MEMORY_LIMIT',
} as const;

/** Metrics the action functions emit (EMF, namespace METRIC_NAMESPACE). Dimensions: [Workflow, Outcome]. */
export const ACTION_METRICS = {
  /** Finished workflows, by outcome. */
  actions: 'Actions',
  /** Bytes written to the archive by verified exports. */
  exportedBytes: 'ExportedBytes',
  /** Minutes from trigger to recorded outcome. */
  actionMinutes: 'ActionMinutes',
} as const;

/** Container entry files (AWS Batch / Fargate), relative to the package root; compiled under `dist/`. */
export const WORKER_ENTRIES = {
  /** Exports one EBS snapshot (or one shard of it) into a block archive, or merges the shards. */
  exportSnapshot: 'src/worker/exportSnapshot.ts',
  /** Converts one DynamoDB export to typed, lossless Parquet (docs/dynamodb.md). */
  convertDynamoDbExport: 'src/worker/convertDynamoDbExport.ts',
} as const;

/** Environment variables the DynamoDB-export worker reads (docs/dynamodb.md lists them for operators). */
export const DYNAMODB_WORKER_ENV = {
  /** The export: `s3://…/AWSDynamoDB/<ExportId>/` or a folder holding it (or the first argument). */
  source: 'VAULTPILOT_SOURCE',
  /** `s3://bucket/prefix` or a directory (or the second argument). */
  destination: 'VAULTPILOT_DESTINATION',
  /** `pk[,sk]`; default: the export's vaultpilot-table.json, else none. */
  keys: 'VAULTPILOT_DYNAMODB_KEYS',
  /** Data files in parallel; default one per core. */
  concurrency: 'VAULTPILOT_CONCURRENCY',
  /** Endpoint of an S3-compatible store (else AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL). */
  s3Endpoint: 'VAULTPILOT_S3_ENDPOINT',
} as const;
export type WorkerName = keyof typeof WORKER_ENTRIES;

/** Environment variables the snapshot-export worker reads (docs/archiving.md lists them for operators). */
export const WORKER_ENV = {
  /** `snap-…` to export (or the first argument). */
  snapshotId: 'VAULTPILOT_SNAPSHOT_ID',
  /** `s3://bucket/prefix` or a directory (or the second argument; the first in merge mode). */
  destination: 'VAULTPILOT_DESTINATION',
  /** Archive the export is incremental to (optional). */
  parent: 'VAULTPILOT_PARENT',
  /** Number of shards; > 1 splits the export. */
  shardCount: 'VAULTPILOT_SHARD_COUNT',
  /** This shard (0-based); AWS Batch array jobs set `batchArrayIndex` instead. */
  shardIndex: 'VAULTPILOT_SHARD_INDEX',
  /** Set by AWS Batch in each child of an array job. */
  batchArrayIndex: 'AWS_BATCH_JOB_ARRAY_INDEX',
  /** `export` or `merge` (the final step of a sharded export). */
  mode: 'VAULTPILOT_MODE',
  /** zstd level. */
  compressionLevel: 'VAULTPILOT_COMPRESSION_LEVEL',
  /** Blocks read in parallel. */
  readConcurrency: 'VAULTPILOT_READ_CONCURRENCY',
  /** Endpoint of the EBS direct APIs (tests, stand-ins). */
  ebsEndpoint: 'VAULTPILOT_EBS_ENDPOINT',
  /** Endpoint of an S3-compatible store (buckets are then addressed by path). */
  s3Endpoint: 'VAULTPILOT_S3_ENDPOINT',
} as const;

/** Defaults and ranges of the snapshot-export worker's settings: the same ranges the CLI accepts. */
export const WORKER_DEFAULTS = {
  mode: 'export',
  shardCount: SHARD_COUNT.default,
  maxShardCount: SHARD_COUNT.max,
  compressionLevel: COMPRESSION_LEVEL.default,
  compressionLevelRange: [COMPRESSION_LEVEL.min, COMPRESSION_LEVEL.max],
  readConcurrency: READ_CONCURRENCY.ebs,
  readConcurrencyRange: [READ_CONCURRENCY.min, READ_CONCURRENCY.max],
} as const;

/** Exit codes of the workers; a stopped or failed export never leaves a manifest. */
export const WORKER_EXIT_CODES = {
  ok: 0,
  failed: 1,
  /** The environment or arguments are missing or wrong (every problem named); nothing was started. */
  badConfiguration: 2,
  /** Stopped by SIGTERM (Batch/ECS stopping the task) or SIGINT; nothing committed. */
  stopped: 143,
} as const;

/** CloudWatch namespace of the router's org-wide metrics. */
export const METRIC_NAMESPACE = 'Vaultpilot';

/**
 * Metrics the router emits in Embedded Metric Format (unit Count, statistic Sum).
 * Dimension sets listed with each; an empty set means the org-wide total.
 */
export const METRICS = {
  /**
   * Terminal backup, copy, restore and scan jobs (JOB_KINDS in src/core/signal.ts).
   * Dimensions: [], [Outcome], [Kind, Outcome], [Account], [ResourceType].
   */
  jobs: 'Jobs',
  /** Jobs that failed, expired, were aborted or partial. Same dimension sets as `jobs` without Outcome. */
  failedJobs: 'FailedJobs',
  /**
   * Backup, copy and restore jobs that succeeded (including completed-with-issues); not scans, which protect
   * nothing (the freshness alarms watch this metric). Dimensions: [], [ResourceType].
   */
  completedJobs: 'CompletedJobs',
  /** Organizations backup-policy changes. Dimensions: []. */
  policyChanges: 'PolicyChanges',
  /** Tamper signals (deletes, vault policy/lock changes). Dimensions: []. */
  tamperEvents: 'TamperEvents',
  /** Inputs that could not be understood. Dimensions: []. */
  unparsedEvents: 'UnparsedEvents',
  /** Every signal. Dimensions: [Kind, Severity]. */
  signals: 'Signals',
} as const;

export const METRIC_DIMENSIONS = {
  outcome: 'Outcome',
  kind: 'Kind',
  account: 'Account',
  resourceType: 'ResourceType',
  severity: 'Severity',
} as const;

/** The ledger table's key schema and TTL attribute. */
export const LEDGER_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'expiresAt',
} as const;

/** Prefix of every CloudWatch alarm name Vaultpilot creates; the central bus forwards their state changes. */
export const ALARM_NAME_PREFIX = 'vaultpilot-';
