import { Aws, CfnMapping, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ACTION_TASKS, type ActionTask } from '../../core/actions/exportWorkflow.js';
import {
  ACTION_HANDLER_ENTRIES,
  ACTIONS_ENV,
  type ActionHandlerName,
  ALARM_NAME_PREFIX,
  LEDGER_KEYS,
  METRIC_NAMESPACE,
} from '../../core/deployment/contract.js';
import { ACTION_BACKUP_TRIGGERS, actionExecutionEnded, actionRdsSnapshotTriggers } from '../../core/eventPatterns.js';
import { encryptedQueue } from '../central/encryptedQueue.js';
import { AccountRuleQueueTarget } from '../constructs/AccountRuleQueueTarget.js';
import { ActionFunction } from '../constructs/ActionFunction.js';
import { patternRule } from '../constructs/patternRule.js';
import { queueHasMessagesAlarm } from '../constructs/queueHasMessagesAlarm.js';
import { VaultpilotKey } from '../constructs/VaultpilotKey.js';
import { RdsExportWorkflow } from '../workflows/RdsExportWorkflow.js';

/** Name prefix of the action functions' roles (the central archive bucket and key admit it); Region appended. */
export const ACTION_ROLE_PREFIX = 'vaultpilot-action-';
/** Name prefix of the role RDS assumes to write exports (admitted by the archive bucket and key); Region appended. */
export const EXPORT_ROLE_PREFIX = 'vaultpilot-rds-export-';
/** The alias of every archive key (one per Region, central account): member stacks address the key by it. */
export const ARCHIVE_KEY_ALIAS = 'alias/vaultpilot-archive';
/** The key prefixes the workflow reads and writes in the archive bucket. */
export const ARCHIVE_PREFIXES = ['exports/', 'latest/'] as const;
/** The service RDS exports run as (trusted by the export role; the PassRole condition names it too). */
export const RDS_EXPORT_SERVICE = 'export.rds.amazonaws.com';

export interface ActionsMemberStackProps extends StackProps {
  /** The central account: owner of the archive buckets and keys. */
  readonly centralAccount: string;
  /** ARN of the central bus (the results are put there). */
  readonly centralBusArn: string;
  /** The archive bucket name in each Region that has watched vaults. */
  readonly archiveBuckets: Readonly<Record<string, string>>;
  /** Every watched vault name (the IAM scope of deletion; the starter checks accounts and Regions). */
  readonly watchedVaultNames: readonly string[];
  /** RDS snapshots outside AWS Backup that trigger actions. */
  readonly rdsSnapshots: { readonly automated: boolean; readonly manual: boolean };
  /** The `actions:` configuration as JSON (ACTIONS_ENV.actionsConfig). */
  readonly actionsConfigJson: string;
  /** Package root the handler entries are relative to. */
  readonly projectRoot: string;
  /** Entry files per handler. @default ACTION_HANDLER_ENTRIES */
  readonly handlerEntries?: Partial<Record<ActionHandlerName, string>>;
}

/** The handlers this stack deploys: the starter, the workflow's Tasks and the execution sweeper. */
type DeployedHandler = ActionTask | 'startAction' | 'sweepExecution';

/**
 * Receives of one execution-ended event before it is dead-lettered. A sweep whose cleanup must wait for a cancelled
 * export to stop fails on purpose and is redelivered after the visibility timeout (6 minutes): 24 receives give an
 * export about 2.4 hours to stop.
 */
export const SWEEP_MAX_RECEIVE_COUNT = 24;

/** Memory per function: verification reads the export's info files, the rest do a few API calls. */
const MEMORY: Partial<Record<ActionHandlerName, number>> = { verifyExport: 1024, writeManifest: 1024 };

/**
 * The backup actions in one member account and Region (deployed by the `vaultpilot-actions` StackSet where watched
 * vaults are): default-bus trigger rules → an encrypted queue → the starter, which claims each recovery point in
 * the actions table and starts the export workflow; one function per workflow Task, each with its own role; the
 * role RDS assumes to write the export into the central archive bucket of this Region.
 *
 * Region-agnostic and bootstrap-free like the member stack: the functions' code is read from the code bucket the
 * synthesizer names (one per Region, readable by the organization), see docs/deployment.md.
 */
export class ActionsMemberStack extends Stack {
  readonly table: dynamodb.Table;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  /** Execution-ended events of the workflow, for the sweeper. */
  readonly sweepQueue: sqs.Queue;
  readonly sweepDeadLetterQueue: sqs.Queue;
  readonly workflow: RdsExportWorkflow;
  readonly exportRole: iam.Role;
  /** The starter and one function per workflow Task. */
  readonly functions: Readonly<Record<DeployedHandler, ActionFunction>>;

  constructor(scope: Construct, id: string, props: ActionsMemberStackProps) {
    super(scope, id, props);
    const partition = Aws.PARTITION;
    const region = Aws.REGION;
    const account = Aws.ACCOUNT_ID;
    const central = props.centralAccount;

    const key = new VaultpilotKey(this, 'Key', { description: 'Vaultpilot backup actions: queue, table, logs' }).key;
    const buckets = new CfnMapping(this, 'ArchiveBuckets', {
      mapping: Object.fromEntries(Object.entries(props.archiveBuckets).map(([r, name]) => [r, { name }])),
    });
    const archiveBucket = buckets.findInMap(region, 'name');
    const archiveBucketArn = `arn:${partition}:s3:::${archiveBucket}`;
    const archiveObjects = ARCHIVE_PREFIXES.map((prefix) => `${archiveBucketArn}/${prefix}*`);
    const archiveKeyAliasArn = `arn:${partition}:kms:${region}:${central}:${ARCHIVE_KEY_ALIAS}`;
    // IAM evaluates a KMS call on the key's ARN, not on the alias: any key of the central account in this Region;
    // the central account's key policies decide which (only the archive key admits these roles).
    const centralKeys = `arn:${partition}:kms:${region}:${central}:key/*`;

    this.table = new dynamodb.Table(this, 'ActionsTable', {
      partitionKey: { name: LEDGER_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: LEDGER_KEYS.sortKey, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: LEDGER_KEYS.ttlAttribute,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // The export role: RDS writes the export with it, only on behalf of export tasks of this account and Region.
    this.exportRole = new iam.Role(this, 'ExportRole', {
      roleName: `${EXPORT_ROLE_PREFIX}${region}`,
      description: 'Vaultpilot: RDS writes snapshot exports into the central archive bucket with this role',
      assumedBy: new iam.ServicePrincipal(RDS_EXPORT_SERVICE, {
        conditions: {
          StringEquals: { 'aws:SourceAccount': account },
          ArnLike: { 'aws:SourceArn': `arn:${partition}:rds:${region}:${account}:export-task:*` },
        },
      }),
    });
    this.exportRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ListArchiveBucket',
        actions: ['s3:ListBucket', 's3:GetBucketLocation'],
        resources: [archiveBucketArn],
      }),
    );
    this.exportRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteExports',
        actions: ['s3:PutObject*', 's3:GetObject*', 's3:DeleteObject*'],
        resources: [`${archiveBucketArn}/exports/*`],
      }),
    );
    this.exportRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'UseArchiveKey',
        actions: [
          'kms:Encrypt',
          'kms:Decrypt',
          'kms:ReEncrypt*',
          'kms:GenerateDataKey*',
          'kms:DescribeKey',
          'kms:CreateGrant',
        ],
        resources: [centralKeys],
      }),
    );

    const taskTimeout = Duration.seconds(60);
    const fn = (handler: ActionHandlerName, environment: Record<string, string>): ActionFunction =>
      new ActionFunction(this, handler, {
        handler,
        entry: props.handlerEntries?.[handler] ?? ACTION_HANDLER_ENTRIES[handler],
        projectRoot: props.projectRoot,
        roleName: `${ACTION_ROLE_PREFIX}${handler}-${region}`,
        logKey: key,
        environment: { [ACTIONS_ENV.metricNamespace]: METRIC_NAMESPACE, ...environment },
        timeout: taskTimeout,
        memorySize: MEMORY[handler],
      });
    const archiveEnv = { [ACTIONS_ENV.archiveBucket]: archiveBucket };
    const recordEnv = {
      [ACTIONS_ENV.actionsTable]: this.table.tableName,
      [ACTIONS_ENV.resultBusArn]: props.centralBusArn,
    };
    const functions = {
      startAction: fn('startAction', {
        [ACTIONS_ENV.actionsTable]: this.table.tableName,
        [ACTIONS_ENV.actionsConfig]: props.actionsConfigJson,
      }),
      describeSource: fn('describeSource', {}),
      startExport: fn('startExport', {
        ...archiveEnv,
        [ACTIONS_ENV.exportRoleArn]: this.exportRole.roleArn,
        [ACTIONS_ENV.exportKmsKeyArn]: archiveKeyAliasArn,
      }),
      checkExport: fn('checkExport', {}),
      verifyExport: fn('verifyExport', archiveEnv),
      writeManifest: fn('writeManifest', archiveEnv),
      deleteRecoveryPoint: fn('deleteRecoveryPoint', {}),
      confirmDeletion: fn('confirmDeletion', {}),
      cleanUp: fn('cleanUp', archiveEnv),
      recordOutcome: fn('recordOutcome', recordEnv),
      // Runs the cleanUp and recordOutcome Task code: their environment and permissions together.
      sweepExecution: fn('sweepExecution', { ...archiveEnv, ...recordEnv }),
    } satisfies Record<DeployedHandler, ActionFunction>;
    this.functions = functions;
    const allow = (f: ActionFunction, sid: string, actions: string[], resources: string[], conditions?: object) =>
      f.role.addToPolicy(
        new iam.PolicyStatement({ sid, actions, resources, ...(conditions ? { conditions: { ...conditions } } : {}) }),
      );

    // Where recovery points live: the watched vaults, their recovery points, and the RDS snapshots AWS Backup made.
    const vaultArns = props.watchedVaultNames.map(
      (name) => `arn:${partition}:backup:${region}:${account}:backup-vault:${name}`,
    );
    const recoveryPoints = [
      `arn:${partition}:backup:${region}:${account}:recovery-point:*`,
      `arn:${partition}:rds:${region}:${account}:snapshot:awsbackup:*`,
      `arn:${partition}:rds:${region}:${account}:cluster-snapshot:awsbackup:*`,
    ];
    const snapshots = [
      `arn:${partition}:rds:${region}:${account}:snapshot:*`,
      `arn:${partition}:rds:${region}:${account}:cluster-snapshot:*`,
    ];

    allow(
      functions.describeSource,
      'DescribeRecoveryPoints',
      ['backup:DescribeRecoveryPoint', 'backup:ListTags'],
      [...vaultArns, ...recoveryPoints],
    );
    allow(
      functions.describeSource,
      'DescribeSnapshots',
      ['rds:DescribeDBSnapshots', 'rds:DescribeDBClusterSnapshots', 'rds:ListTagsForResource'],
      [
        ...snapshots,
        `arn:${partition}:rds:${region}:${account}:db:*`,
        `arn:${partition}:rds:${region}:${account}:cluster:*`,
      ],
    );

    allow(functions.startExport, 'StartExport', ['rds:StartExportTask'], snapshots);
    allow(functions.startExport, 'CountExports', ['rds:DescribeExportTasks'], ['*']);
    allow(functions.startExport, 'PassExportRole', ['iam:PassRole'], [this.exportRole.roleArn], {
      StringEquals: { 'iam:PassedToService': RDS_EXPORT_SERVICE },
    });
    allow(functions.startExport, 'UseArchiveKey', ['kms:CreateGrant', 'kms:DescribeKey'], [centralKeys]);

    allow(functions.checkExport, 'DescribeExports', ['rds:DescribeExportTasks'], ['*']);

    for (const f of [functions.verifyExport, functions.writeManifest, functions.cleanUp, functions.sweepExecution]) {
      allow(f, 'ListArchive', ['s3:ListBucket'], [archiveBucketArn], {
        StringLike: { 's3:prefix': ARCHIVE_PREFIXES.map((prefix) => `${prefix}*`) },
      });
      allow(f, 'ReadWriteArchive', ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], archiveObjects);
      allow(f, 'UseArchiveKey', ['kms:Decrypt', 'kms:GenerateDataKey'], [centralKeys]);
    }
    for (const f of [functions.cleanUp, functions.sweepExecution]) {
      allow(f, 'CancelExport', ['rds:CancelExportTask', 'rds:DescribeExportTasks'], ['*']);
    }

    // Only AWS Backup recovery points in the watched vaults are ever deleted; never an RDS snapshot directly.
    allow(
      functions.deleteRecoveryPoint,
      'DeleteRecoveryPoint',
      ['backup:DeleteRecoveryPoint', 'backup:DescribeRecoveryPoint'],
      [...vaultArns, ...recoveryPoints],
    );
    allow(
      functions.confirmDeletion,
      'DescribeRecoveryPoint',
      ['backup:DescribeRecoveryPoint'],
      [...vaultArns, ...recoveryPoints],
    );

    for (const f of [functions.recordOutcome, functions.sweepExecution]) {
      this.table.grantReadWriteData(f.role);
      allow(f, 'PutResults', ['events:PutEvents'], [props.centralBusArn]);
    }

    // The trigger queue, fed by this account's default-bus rules, drained by the starter.
    this.deadLetterQueue = encryptedQueue(this, 'TriggerDeadLetters', key, { retentionPeriod: Duration.days(14) });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the action trigger queue and of its EventBridge rules.',
    });
    this.queue = encryptedQueue(this, 'TriggerQueue', key, {
      visibilityTimeout: Duration.seconds(taskTimeout.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });
    const target = new AccountRuleQueueTarget(this.queue, { deadLetterQueue: this.deadLetterQueue, key });
    const rdsRule = actionRdsSnapshotTriggers(props.rdsSnapshots);
    for (const rule of [ACTION_BACKUP_TRIGGERS, ...(rdsRule ? [rdsRule] : [])]) {
      patternRule(this, `Trigger-${rule.name}`, { rule, targets: [target] });
    }
    queueHasMessagesAlarm(this, 'TriggerDeadLettersAlarm', {
      queue: this.deadLetterQueue,
      alarmName: `${ALARM_NAME_PREFIX}actions-trigger-dead-letters`,
      description: 'Backup action triggers that could not be started after 5 attempts (see the starter logs)',
    });

    const tasks = {} as Record<ActionTask, lambda.IFunction>;
    for (const task of ACTION_TASKS) tasks[task] = functions[task].function;
    this.workflow = new RdsExportWorkflow(this, 'ExportWorkflow', { tasks, logKey: key });

    const starter = functions.startAction;
    starter.function.addEnvironment(ACTIONS_ENV.stateMachineArn, this.workflow.stateMachine.stateMachineArn);
    starter.function.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: 10,
        reportBatchItemFailures: true,
        maxBatchingWindow: Duration.seconds(5),
      }),
    );
    this.workflow.stateMachine.grantStartExecution(starter.role);
    allow(
      starter,
      'ClaimRecoveryPoints',
      ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'],
      [this.table.tableArn],
    );
    key.grantEncryptDecrypt(starter.role);

    // The sweeper: executions that ended TIMED_OUT, ABORTED or FAILED (no state of theirs runs any more, so their own
    // cleanup did not) → an encrypted queue → cleanup and outcome, once. A record whose cleanup must wait fails and
    // comes back after the visibility timeout, up to SWEEP_MAX_RECEIVE_COUNT times.
    const sweeper = functions.sweepExecution;
    this.sweepDeadLetterQueue = encryptedQueue(this, 'SweepDeadLetters', key, { retentionPeriod: Duration.days(14) });
    Validations.of(this.sweepDeadLetterQueue).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the sweep queue and of its EventBridge rule.',
    });
    this.sweepQueue = encryptedQueue(this, 'SweepQueue', key, {
      visibilityTimeout: Duration.seconds(taskTimeout.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.sweepDeadLetterQueue, maxReceiveCount: SWEEP_MAX_RECEIVE_COUNT },
    });
    patternRule(this, 'Sweep-executionEnded', {
      rule: actionExecutionEnded(this.workflow.stateMachine.stateMachineArn),
      targets: [new AccountRuleQueueTarget(this.sweepQueue, { deadLetterQueue: this.sweepDeadLetterQueue, key })],
    });
    sweeper.function.addEventSource(
      new SqsEventSource(this.sweepQueue, { batchSize: 5, reportBatchItemFailures: true, maxConcurrency: 2 }),
    );
    queueHasMessagesAlarm(this, 'SweepDeadLettersAlarm', {
      queue: this.sweepDeadLetterQueue,
      alarmName: `${ALARM_NAME_PREFIX}actions-sweep-dead-letters`,
      description:
        `Export workflow executions that ended abnormally and could not be cleaned up and reported after ` +
        `${SWEEP_MAX_RECEIVE_COUNT} attempts (see the sweepExecution logs)`,
    });

    acknowledgeActionFindings(this, central);
  }
}

/** The archive bucket name of each Region: `<name>` in the central Region, `<name>-<region>` elsewhere. */
export function archiveBucketNames(
  regions: readonly string[],
  centralRegion: string,
  configured: string | undefined,
  centralAccount: string,
): Record<string, string> {
  return Object.fromEntries(
    regions.map((region) => [
      region,
      configured
        ? region === centralRegion
          ? configured
          : `${configured}-${region}`
        : `vaultpilot-archive-${centralAccount}-${region}`,
    ]),
  );
}

function acknowledgeActionFindings(stack: Stack, centralAccount: string): void {
  const wildcard = (resource: string, reason: string) => ({
    id: `AwsSolutions::AwsSolutions-IAM5[Resource::${resource}]`,
    reason,
  });
  const here = (service: string, resource: string) =>
    `arn:<AWS::Partition>:${service}:<AWS::Region>:<AWS::AccountId>:${resource}`;
  const archive = (prefix: string) =>
    `arn:<AWS::Partition>:s3:::{"Fn::FindInMap":["ArchiveBuckets",{"Ref":"AWS::Region"},"name"]}/${prefix}*`;
  const exportRoleActions = (action: string) => ({
    id: `AwsSolutions::AwsSolutions-IAM5[Action::${action}]`,
    reason: 'One of the actions RDS documents for the export role (StartExportTask IamRoleArn), on exports/* only.',
  });
  Validations.of(stack).acknowledge(
    {
      id: 'AwsSolutions::AwsSolutions-L1',
      reason:
        'The action functions run on nodejs22.x like every Vaultpilot function: the same code is tested on the ' +
        'Node.js 20/22 development and CI machines; moving to nodejs24.x is a deliberate upgrade of all of them.',
    },
    wildcard(
      '*',
      'rds:DescribeExportTasks and rds:CancelExportTask are called to count the running exports and find the task; ' +
        'the state machine role needs X-Ray and log delivery actions: none of them supports resource-level permissions.',
    ),
    wildcard(
      `arn:<AWS::Partition>:kms:<AWS::Region>:${centralAccount}:key/*`,
      'IAM evaluates KMS calls on the key ARN, which member templates cannot know (they address the archive key by its ' +
        'alias); only keys of the central account in this Region match, and only the archive key admits these roles.',
    ),
    wildcard(
      here('backup', 'recovery-point:*'),
      'Recovery point ids are only known at run time; the workflow acts on the one recovery point of its execution, ' +
        'in a watched vault (the vault ARNs are listed in the same statement).',
    ),
    wildcard(
      here('rds', 'snapshot:awsbackup:*'),
      'AWS Backup RDS recovery points are DB snapshots named awsbackup:…, only known at run time.',
    ),
    wildcard(
      here('rds', 'cluster-snapshot:awsbackup:*'),
      'AWS Backup Aurora recovery points are DB cluster snapshots named awsbackup:…, only known at run time.',
    ),
    wildcard(
      here('rds', 'snapshot:*'),
      'The snapshot to describe or export is only known at run time (this account and Region).',
    ),
    wildcard(
      here('rds', 'cluster-snapshot:*'),
      'The cluster snapshot to describe or export is only known at run time (this account and Region).',
    ),
    wildcard(here('rds', 'db:*'), 'Tags of the snapshot source DB instance (tag filters), known at run time.'),
    wildcard(here('rds', 'cluster:*'), 'Tags of the snapshot source DB cluster (tag filters), known at run time.'),
    wildcard(
      archive('exports/'),
      'Exports are written under exports/<account>/<region>/…/<export id>/, known at run time.',
    ),
    wildcard(archive('latest/'), 'The per-resource pointers to the latest verified export, under latest/.'),
    {
      id: 'AwsSolutions::AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
      reason: 'RDS documents kms:ReEncrypt* for the export role on the export key; only the archive key admits it.',
    },
    {
      id: 'AwsSolutions::AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason:
        "CDK's KMS grants and RDS's export role use kms:GenerateDataKey* on one key (plain and WithoutPlaintext).",
    },
    exportRoleActions('s3:PutObject*'),
    exportRoleActions('s3:GetObject*'),
    exportRoleActions('s3:DeleteObject*'),
  );
}
