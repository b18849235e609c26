/**
 * The backup actions, run locally end to end: the stand-ins for every AWS API the export workflow calls (S3,
 * RDS with real Parquet exports, AWS Backup, EventBridge, DynamoDB via dynalite) come up on 127.0.0.1; the
 * synthesized state machine (the same ExportWorkflow construct the member stack deploys) runs in
 * aws-local-stepfunctions; each of its Tasks calls the same Task function the Lambda handler calls, with
 * clients pointed at the stand-ins. Used by the integration and fault-injection tests and by `npm start`.
 *
 * Waits and retry intervals are shortened (the state machine's own values are minutes); everything else is
 * the deployed definition.
 */
import './promisePolyfill.js';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { BackupClient } from '@aws-sdk/client-backup';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GlueClient } from '@aws-sdk/client-glue';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { App, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { StateMachine } from 'aws-local-stepfunctions';
import { S3ConvertLocation } from '../../src/aws/dynamodb/S3ConvertLocation.js';
import { createEbsClient } from '../../src/aws/ebs/createEbsClient.js';
import { EbsSnapshotSource } from '../../src/aws/ebs/EbsSnapshotSource.js';
import { ActionLedger } from '../../src/aws/export/ActionLedger.js';
import { ActionResultPublisher } from '../../src/aws/export/ActionResultPublisher.js';
import { ArchiveObjects } from '../../src/aws/export/ArchiveObjects.js';
import { DynamoDbExports } from '../../src/aws/export/dynamodb/DynamoDbExports.js';
import { Ec2Snapshots } from '../../src/aws/export/ebs/Ec2Snapshots.js';
import { GlueCatalog } from '../../src/aws/export/GlueCatalog.js';
import { RecoveryPoints } from '../../src/aws/export/RecoveryPoints.js';
import { RdsExports } from '../../src/aws/export/rds/RdsExports.js';
import type { ExecutionStarter } from '../../src/aws/export/WorkflowExecutions.js';
import { createS3Client } from '../../src/aws/s3/createS3Client.js';
import { S3ArchiveStore } from '../../src/aws/s3/S3ArchiveStore.js';
import {
  ACTION_TASKS,
  type ActionTask,
  BLOCK_ARCHIVE_TASKS,
  type BlockArchiveTask,
  CONVERSION_TASKS,
  type ConversionTask,
  EXPORT_STATES,
  TASK_STATES,
} from '../../src/core/actions/exportWorkflow.js';
import type { ActionsConfig } from '../../src/core/config/actionsSchema.js';
import { ActionStarter } from '../../src/functions/actions/ActionStarter.js';
import { BLOCK_ARCHIVE_TASK_FUNCTIONS } from '../../src/functions/actions/blockArchiveTasks.js';
import { CONVERSION_TASK_FUNCTIONS, type ConversionDependencies } from '../../src/functions/actions/conversionTasks.js';
import type { BlockArchiveDependencies } from '../../src/functions/actions/ebsTasks.js';
import { EXPORT_TASK_FUNCTIONS, type ExportTaskDependencies } from '../../src/functions/actions/exportTasks.js';
import { TableRegistrar } from '../../src/functions/actions/TableRegistrar.js';
import { definitionFromTemplate } from '../../src/infra/workflows/definitionFromTemplate.js';
import { ExportWorkflow } from '../../src/infra/workflows/ExportWorkflow.js';
import { type BackupStandIn, startBackupStandIn } from '../backup/startBackupStandIn.js';
import { type DynamoDbStandIn, startDynamoDbStandIn } from '../dynamodb/startDynamoDbStandIn.js';
import { type EbsStandIn, startEbsStandIn } from '../ebs/startEbsStandIn.js';
import { type Ec2StandIn, startEc2StandIn } from '../ec2/startEc2StandIn.js';
import { type EventBridgeStandIn, startEventBridgeStandIn } from '../eventbridge/startEventBridgeStandIn.js';
import { type GlueStandIn, startGlueStandIn } from '../glue/startGlueStandIn.js';
import { type RdsStandIn, startRdsStandIn } from '../rds/startRdsStandIn.js';
import { type S3StandIn, startS3StandIn } from '../s3/startS3StandIn.js';

export const LOCAL_ACCOUNT = '111122223333';
export const LOCAL_REGION = 'eu-west-1';
/** The central account, owner of the archive bucket. */
export const LOCAL_CENTRAL_ACCOUNT = '999988887777';
export const LOCAL_BUCKET = 'vaultpilot-archive-local';
export const LOCAL_STATE_MACHINE_ARN = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:vaultpilot-export`;
// s3rver admits only its own key pair; the other stand-ins take any.
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

type DynaliteFactory = (options: { createTableMs?: number }) => Server;
const dynalite = createRequire(import.meta.url)('dynalite') as DynaliteFactory;

let cachedDefinition: Record<string, unknown> | undefined;

/**
 * The export workflow's ASL, synthesized from the ExportWorkflow construct (with stand-in functions: the
 * definition does not depend on their code) and resolved to plain JSON.
 */
export function exportWorkflowDefinition(): Record<string, unknown> {
  if (cachedDefinition) return cachedDefinition;
  const app = new App({ builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'LocalWorkflow', { env: { account: LOCAL_ACCOUNT, region: LOCAL_REGION } });
  const fns = Object.fromEntries(
    ACTION_TASKS.map((name) => [
      name,
      new lambda.Function(stack, name, {
        runtime: lambda.Runtime.NODEJS_22_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline('exports.handler = async () => ({});'),
      }),
    ]),
  ) as Record<ActionTask, lambda.Function>;
  new ExportWorkflow(stack, 'Export', {
    tasks: fns,
    logKey: new kms.Key(stack, 'LogKey', { enableKeyRotation: true }),
  });
  const template = app.synth().getStackArtifact(stack.artifactId).template as object;
  cachedDefinition = definitionFromTemplate(template);
  return cachedDefinition;
}

/** A Task's local handler may be wrapped, e.g. to inject faults: it gets the state name and the call. */
export type TaskInterceptor = (
  stateName: string,
  task: ActionTask,
  input: unknown,
  call: () => Promise<unknown>,
) => Promise<unknown>;

/** Every Task state of the workflow and the Task function it calls. */
export const TASK_STATE_FUNCTIONS: readonly { readonly state: string; readonly task: ActionTask }[] = [
  ...ACTION_TASKS.map((task) => ({ state: TASK_STATES[task].state, task })),
  { state: EXPORT_STATES.recordNotExportable, task: 'recordOutcome' },
  { state: EXPORT_STATES.recordFailure, task: 'recordOutcome' },
];

const conversionTasks = new Set<string>(CONVERSION_TASKS);
function isConversionTask(task: ActionTask): task is ConversionTask {
  return conversionTasks.has(task);
}
const blockArchiveTasks = new Set<string>(BLOCK_ARCHIVE_TASKS);
function isBlockArchiveTask(task: ActionTask): task is BlockArchiveTask {
  return blockArchiveTasks.has(task);
}

/** One finished local execution. */
export interface LocalExecution {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  /** Billed state transitions: states entered plus retries. */
  readonly transitions: number;
  /** The states entered, in order. */
  readonly path: readonly string[];
  readonly retries: number;
}

export interface RunOptions {
  readonly intercept?: TaskInterceptor;
  /** Called on every state entered (progress). */
  readonly onState?: (stateName: string) => void;
  /** How long the Wait for export lasts locally. @default 40 ms */
  readonly pollMs?: number;
  /** Retry interval for waiting on an export slot. @default 150 ms */
  readonly slotRetryMs?: number;
  /** Stops the execution (as StopExecution would) when it enters this state: no Catch runs after that. */
  readonly abortAt?: string;
}

export interface LocalActionsOptions {
  readonly actions: ActionsConfig;
  /** Timing of the RDS stand-in's exports. */
  readonly rdsTiming?: { startingMs?: number; perTableMs?: number };
  /** Timing of AWS Backup's DynamoDB restores and DynamoDB's PITR and exports. */
  readonly dynamoDbTiming?: { restoreMs?: number; pitrEnablingMs?: number; exportMs?: number };
  /** Items per data file of the DynamoDB stand-in's exports (several files make several batches). @default 50 */
  readonly itemsPerDataFile?: number;
  /** Target compressed bytes per conversion batch (small locally, so that the Map states run several). */
  readonly conversionBatchBytes?: number;
}

/** The running local environment. */
export interface LocalActions {
  readonly s3: S3StandIn;
  readonly rds: RdsStandIn;
  readonly backup: BackupStandIn;
  /** DynamoDB's control plane (PITR, exports to the S3 stand-in) over dynalite: the tables restored from backups. */
  readonly dynamodb: DynamoDbStandIn;
  /** The EBS direct APIs over image files: the snapshots of EBS recovery points. */
  readonly ebs: EbsStandIn;
  /** EC2's DescribeSnapshots: the snapshots' state, tier and tags (register each EBS snapshot here too). */
  readonly ec2: Ec2StandIn;
  readonly events: EventBridgeStandIn;
  readonly glue: GlueStandIn;
  /** The central table registrar (Glue Data Catalog), fed the result events by whoever runs the scenario. */
  readonly registrar: TableRegistrar;
  readonly dynamoEndpoint: string;
  readonly tableName: string;
  readonly bucket: string;
  readonly s3Client: S3Client;
  readonly ledger: ActionLedger;
  readonly deps: ExportTaskDependencies;
  readonly conversion: ConversionDependencies;
  readonly blockArchive: BlockArchiveDependencies;
  /** Runs one execution of the export workflow with `input` (`{ request }`). */
  run(input: unknown, options?: RunOptions): Promise<LocalExecution>;
  /** The starter, whose executions run locally; `executions()` resolves the runs it started. */
  starter(options?: RunOptions): { starter: ActionStarter; executions: () => Promise<LocalExecution[]> };
  close(): Promise<void>;
}

/** Starts every stand-in and wires the Task functions to them. */
export async function startLocalActions(options: LocalActionsOptions): Promise<LocalActions> {
  const s3 = await startS3StandIn({ buckets: [LOCAL_BUCKET] });
  const rds = await startRdsStandIn({
    accountId: LOCAL_ACCOUNT,
    region: LOCAL_REGION,
    s3: { endpoint: s3.endpoint, region: LOCAL_REGION, credentials },
    timing: { startingMs: 30, perTableMs: 10, ...options.rdsTiming },
  });
  const dynamoDbTiming = { restoreMs: 20, pitrEnablingMs: 10, exportMs: 20, ...options.dynamoDbTiming };
  const backup = await startBackupStandIn({
    accountId: LOCAL_ACCOUNT,
    region: LOCAL_REGION,
    restoreMs: dynamoDbTiming.restoreMs,
  });
  const dynamodb = await startDynamoDbStandIn({
    accountId: LOCAL_ACCOUNT,
    region: LOCAL_REGION,
    s3: { endpoint: s3.endpoint, region: LOCAL_REGION, credentials },
    timing: { pitrEnablingMs: dynamoDbTiming.pitrEnablingMs, exportMs: dynamoDbTiming.exportMs },
    itemsPerDataFile: options.itemsPerDataFile ?? 50,
  });
  // Deleting an RDS recovery point in AWS Backup deletes its snapshot; a DynamoDB restore makes a table.
  backup.onDelete((arn) => rds.removeSnapshot(arn));
  backup.onDynamoDbRestore((restore) => dynamodb.restoreTable(restore));
  const events = await startEventBridgeStandIn();
  const glue = await startGlueStandIn();
  const dynamo = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    dynamo.once('error', reject);
    dynamo.listen(0, '127.0.0.1', () => resolve());
  });
  const dynamoEndpoint = `http://127.0.0.1:${(dynamo.address() as AddressInfo).port}`;
  const clientOptions = { region: LOCAL_REGION, credentials, maxAttempts: 1 };
  const raw = new DynamoDBClient({ ...clientOptions, endpoint: dynamoEndpoint });
  const tableName = 'vaultpilot-actions';
  await raw.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );
  // s3rver stores the aws-chunked framing of streamed uploads as data: checksums only where S3 requires them.
  const s3Client = new S3Client({
    ...clientOptions,
    endpoint: s3.endpoint,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const ledger = new ActionLedger(
    DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } }),
    tableName,
  );
  const ebs = await startEbsStandIn();
  const ebsClient = createEbsClient({ endpoint: ebs.endpoint, region: LOCAL_REGION, credentials });
  const blockSources = (snapshotId: string) =>
    new EbsSnapshotSource({ client: ebsClient, snapshotId, retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 } });
  const archiveS3 = createS3Client({ endpoint: s3.endpoint, region: LOCAL_REGION, credentials, forcePathStyle: true });
  const blockArchive: BlockArchiveDependencies = {
    store: (prefix) => new S3ArchiveStore({ client: archiveS3, bucket: LOCAL_BUCKET, prefix }),
    locationOf: (prefix) => `s3://${LOCAL_BUCKET}/${prefix}`,
    source: blockSources,
    threads: 2,
  };
  const ec2 = await startEc2StandIn({ accountId: LOCAL_ACCOUNT });
  const deps: ExportTaskDependencies = {
    blockSources,
    // Container Tasks here are in-process calls that end within a second of a failure: a short quiet period.
    cleanupQuietMs: 250,
    ec2: new Ec2Snapshots(new EC2Client({ ...clientOptions, endpoint: ec2.endpoint })),
    rds: new RdsExports(new RDSClient({ ...clientOptions, endpoint: rds.endpoint })),
    recoveryPoints: new RecoveryPoints(new BackupClient({ ...clientOptions, endpoint: backup.endpoint })),
    archive: new ArchiveObjects(s3Client, LOCAL_BUCKET),
    ledger,
    results: new ActionResultPublisher(
      new EventBridgeClient({ ...clientOptions, endpoint: events.endpoint }),
      `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:event-bus/vaultpilot-central`,
    ),
    dynamodb: new DynamoDbExports(
      new BackupClient({ ...clientOptions, endpoint: backup.endpoint }),
      new DynamoDBClient({ ...clientOptions, endpoint: dynamodb.endpoint }),
    ),
    restoreRoleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/vaultpilot-dynamodb-restore`,
    // As deployed: the archive bucket belongs to the central account, here another one.
    archiveBucketOwner: LOCAL_CENTRAL_ACCOUNT,
    exportRoleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/vaultpilot-rds-export`,
    exportKmsKeyArn: `arn:aws:kms:${LOCAL_REGION}:${LOCAL_ACCOUNT}:key/00000000-0000-4000-8000-000000000000`,
    writeMetrics: () => {},
  };
  const conversion: ConversionDependencies = {
    location: (prefix) => new S3ConvertLocation(s3Client, LOCAL_BUCKET, prefix),
    concurrency: 2,
    ...(options.conversionBatchBytes ? { targetBatchBytes: options.conversionBatchBytes } : {}),
  };
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  const registrar = new TableRegistrar({
    s3: s3Client,
    catalog: new GlueCatalog(new GlueClient({ ...clientOptions, endpoint: glue.endpoint })),
    logger: quiet,
    archiveBucket: LOCAL_BUCKET,
  });
  const machine = new StateMachine(exportWorkflowDefinition() as never, { validationOptions: { checkArn: false } });

  async function run(input: unknown, runOptions: RunOptions = {}): Promise<LocalExecution> {
    const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
    for (const { state, task } of TASK_STATE_FUNCTIONS) {
      const call = (taskInput: unknown) => () =>
        isConversionTask(task)
          ? CONVERSION_TASK_FUNCTIONS[task](taskInput, conversion)
          : isBlockArchiveTask(task)
            ? BLOCK_ARCHIVE_TASK_FUNCTIONS[task](taskInput, blockArchive)
            : EXPORT_TASK_FUNCTIONS[task](taskInput, deps);
      handlers[state] = (taskInput) =>
        runOptions.intercept ? runOptions.intercept(state, task, taskInput, call(taskInput)) : call(taskInput)();
    }
    const retryOverrides: Record<string, number> = {};
    for (const { state } of TASK_STATE_FUNCTIONS) retryOverrides[state] = 5;
    retryOverrides[EXPORT_STATES.startExport] = runOptions.slotRetryMs ?? 150;
    retryOverrides[EXPORT_STATES.cleanUp] = 40;
    retryOverrides[EXPORT_STATES.enablePitr] = 10;
    const execution = machine.run(input as never, {
      overrides: {
        taskResourceLocalHandlers: handlers as never,
        waitTimeOverrides: {
          [EXPORT_STATES.waitForExport]: runOptions.pollMs ?? 40,
          [EXPORT_STATES.waitBeforeConfirming]: 5,
          [EXPORT_STATES.waitForRestore]: runOptions.pollMs ?? 40,
          [EXPORT_STATES.waitForTableExport]: runOptions.pollMs ?? 40,
        },
        retryIntervalOverrides: retryOverrides,
      },
    });
    const path: string[] = [];
    let retries = 0;
    const logs = (async () => {
      for await (const event of execution.eventLogs as AsyncIterable<{ type: string; state?: { name: string } }>) {
        if (event.type === 'StateEntered' && event.state) {
          path.push(event.state.name);
          runOptions.onState?.(event.state.name);
          if (event.state.name === runOptions.abortAt) execution.abort();
        }
        if (event.type === 'StateRetried') retries += 1;
      }
    })();
    try {
      const output = await execution.result;
      await logs;
      return { status: 'SUCCEEDED', output, transitions: path.length + retries, path, retries };
    } catch (error) {
      await logs.catch(() => {});
      const e = error as { name?: string; message?: string; cause?: unknown };
      return {
        status: 'FAILED',
        error: e.name ?? 'Error',
        ...(e.message ? { cause: e.message } : {}),
        transitions: path.length + retries,
        path,
        retries,
      };
    }
  }

  return {
    s3,
    rds,
    backup,
    dynamodb,
    ebs,
    ec2,
    events,
    glue,
    registrar,
    dynamoEndpoint,
    tableName,
    bucket: LOCAL_BUCKET,
    s3Client,
    ledger,
    deps,
    conversion,
    blockArchive,
    run,
    starter(runOptions = {}) {
      const started = new Map<string, Promise<LocalExecution>>();
      const executions: ExecutionStarter = {
        async start(name, input) {
          const executionArn = `${LOCAL_STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${name}`;
          // Step Functions refuses a second execution of the same name.
          if (started.has(name)) return { executionArn, alreadyStarted: true };
          started.set(name, run(input, runOptions));
          return { executionArn, alreadyStarted: false };
        },
      };
      return {
        starter: new ActionStarter({
          actions: options.actions,
          ledger,
          executions,
          stateMachineArn: LOCAL_STATE_MACHINE_ARN,
        }),
        executions: () => Promise.all(started.values()),
      };
    },
    async close() {
      await Promise.allSettled([
        rds.close(),
        backup.close(),
        dynamodb.close(),
        ebs.close(),
        ec2.close(),
        events.close(),
        glue.close(),
      ]);
      await s3.close();
      await new Promise<void>((resolve) => dynamo.close(() => resolve()));
      raw.destroy();
    },
  };
}
