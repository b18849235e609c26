import { Aws, CfnMapping, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import {
  ACTION_TASKS,
  type ActionTask,
  BLOCK_ARCHIVE_TASKS,
  CONVERSION_TASKS,
  IMAGE_TASKS,
  type ImageTask,
} from '../../core/actions/exportWorkflow.js';
import type { ActionsConfig } from '../../core/config/actionsSchema.js';
import {
  ACTION_HANDLER_ENTRIES,
  ACTIONS_ENV,
  ACTIONS_IMAGE,
  type ActionHandlerName,
  ALARM_NAME_PREFIX,
  LEDGER_KEYS,
  METRIC_NAMESPACE,
} from '../../core/deployment/contract.js';
import { ACTION_BACKUP_TRIGGERS, actionExecutionEnded, actionRdsSnapshotTriggers } from '../../core/eventPatterns.js';
import { encryptedQueue } from '../central/encryptedQueue.js';
import { AccountRuleQueueTarget } from '../constructs/AccountRuleQueueTarget.js';
import { ActionFunction } from '../constructs/ActionFunction.js';
import { ActionImageFunction } from '../constructs/ActionImageFunction.js';
import { ActionsNetwork, LAMBDA_VPC_ACTIONS } from '../constructs/ActionsNetwork.js';
import { patternRule } from '../constructs/patternRule.js';
import { queueHasMessagesAlarm } from '../constructs/queueHasMessagesAlarm.js';
import { VaultpilotKey } from '../constructs/VaultpilotKey.js';
import { ExportWorkflow } from '../workflows/ExportWorkflow.js';

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
/** Name prefix of the role AWS Backup restores DynamoDB recovery points with; Region appended. */
export const RESTORE_ROLE_PREFIX = 'vaultpilot-dynamodb-restore-';
/** The service that restores with the restore role (its trust, and the PassRole condition). */
export const BACKUP_SERVICE = 'backup.amazonaws.com';
/** The temporary tables the DynamoDB branch restores into (TEMPORARY_TABLE_PREFIX of dynamoDbTasks.ts): the only tables it writes or deletes. */
export const TEMPORARY_TABLE_PATTERN = 'vp-tmp-*';
/**
 * Name prefix of the conversion functions (fixed names: the central image repository admits the Lambda service for
 * functions of this prefix); task and Region appended.
 */
export const CONVERSION_FUNCTION_PREFIX = 'vaultpilot-action-';

/** Where the conversion functions' image is: the central account's repository of the function's Region. */
export interface ConversionImageProps {
  /** @default ACTIONS_IMAGE.repositoryName */
  readonly repositoryName?: string;
  /** The image tag (or `sha256:` digest) every Region's repository holds. */
  readonly tag: string;
}

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
  /**
   * The conversion image (DynamoDB exports: `actions.resourceTypes.DynamoDB.export: parquet`), read from
   * `<central>.dkr.ecr.<region>.<suffix>/<repository>:<tag>`. @default none: the conversion functions are placeholders
   * that fail every call (DynamoDB exports are not enabled)
   */
  readonly conversionImage?: ConversionImageProps;
  /**
   * `actions.network`: where the EBS block-archive functions run (docs/deployment.md, Network). @default mode none:
   * no VPC, every function on AWS's network
   */
  readonly network?: ActionsConfig['network'];
}

/** The handlers this stack deploys as zip functions: the starter, the API Tasks and the execution sweeper. */
type DeployedHandler = Exclude<ActionTask, ImageTask> | 'startAction' | 'sweepExecution';

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
  readonly workflow: ExportWorkflow;
  readonly exportRole: iam.Role;
  /** The role AWS Backup restores DynamoDB recovery points into temporary tables with. */
  readonly restoreRole: iam.Role;
  /** The starter and one function per API Task of the workflow. */
  readonly functions: Readonly<Record<DeployedHandler, ActionFunction>>;
  /** One function per Task of the container image (conversion and block archive), or placeholders. */
  readonly imageFunctions: Readonly<Record<ImageTask, ActionImageFunction>>;
  /** The VPC of the EBS block-archive functions (`actions.network.mode` isolated or nat), else undefined. */
  readonly network?: ActionsNetwork;

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

    // The restore role: AWS Backup restores a DynamoDB recovery point into a temporary table (vp-tmp-…) with it. The
    // actions mirror the DynamoDB part of AWSBackupServiceRolePolicyForRestores, held to the temporary tables.
    const tableArn = (name: string) => `arn:${partition}:dynamodb:${region}:${account}:table/${name}`;
    const temporaryTables = tableArn(TEMPORARY_TABLE_PATTERN);
    const dynamoDbBackups = tableArn('*/backup/*');
    this.restoreRole = new iam.Role(this, 'RestoreRole', {
      roleName: `${RESTORE_ROLE_PREFIX}${region}`,
      description:
        'Vaultpilot: AWS Backup restores DynamoDB recovery points into temporary vp-tmp-* tables with this role',
      assumedBy: new iam.ServicePrincipal(BACKUP_SERVICE),
    });
    this.restoreRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'RestoreFromDynamoDbBackups',
        actions: ['dynamodb:RestoreTableFromBackup'],
        resources: [dynamoDbBackups],
      }),
    );
    this.restoreRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteTemporaryTables',
        actions: [
          'dynamodb:RestoreTableFromAwsBackup',
          'dynamodb:DescribeTable',
          'dynamodb:Scan',
          'dynamodb:Query',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
          'dynamodb:BatchWriteItem',
        ],
        resources: [temporaryTables],
      }),
    );
    // Encrypted backups and tables: the keys of this account, only through DynamoDB (and AWS Backup for advanced backups).
    this.restoreRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'UseTableKeys',
        actions: ['kms:Decrypt', 'kms:DescribeKey', 'kms:CreateGrant', 'kms:GenerateDataKey'],
        resources: [`arn:${partition}:kms:${region}:${account}:key/*`],
        conditions: {
          StringLike: { 'kms:ViaService': [`dynamodb.${region}.amazonaws.com`, `backup.${region}.amazonaws.com`] },
        },
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
      // The DynamoDB branch's API Tasks.
      startRestore: fn('startRestore', { [ACTIONS_ENV.restoreRoleArn]: this.restoreRole.roleArn }),
      checkRestore: fn('checkRestore', {}),
      enablePitr: fn('enablePitr', {}),
      startTableExport: fn('startTableExport', {
        ...archiveEnv,
        [ACTIONS_ENV.exportKmsKeyArn]: archiveKeyAliasArn,
        // The archive bucket is the central account's: DynamoDB requires its owner for a cross-account export.
        [ACTIONS_ENV.archiveBucketOwner]: central,
      }),
      checkTableExport: fn('checkTableExport', {}),
      deleteTemporaryTable: fn('deleteTemporaryTable', {}),
      planArchive: fn('planArchive', archiveEnv),
    } satisfies Record<DeployedHandler, ActionFunction>;
    this.functions = functions;

    // The conversion Tasks: the container image of this Region's repository in the central account, or placeholders.
    const image = props.conversionImage;
    const repositoryName = image?.repositoryName ?? ACTIONS_IMAGE.repositoryName;
    const repository = image
      ? ecr.Repository.fromRepositoryAttributes(this, 'ConversionRepository', {
          repositoryArn: `arn:${partition}:ecr:${region}:${central}:repository/${repositoryName}`,
          repositoryName,
        })
      : undefined;
    const imageFunctions = {} as Record<ImageTask, ActionImageFunction>;
    const conversion = new Set<string>(CONVERSION_TASKS);
    for (const task of IMAGE_TASKS) {
      imageFunctions[task] = new ActionImageFunction(this, task, {
        task,
        roleName: `${ACTION_ROLE_PREFIX}${task}-${region}`,
        functionName: `${CONVERSION_FUNCTION_PREFIX}${task}-${region}`,
        logKey: key,
        environment: { [ACTIONS_ENV.metricNamespace]: METRIC_NAMESPACE, ...archiveEnv },
        ...(repository && image ? { image: { repository, tag: image.tag } } : {}),
        disabledReason: conversion.has(task)
          ? 'DynamoDB exports are not enabled: actions.resourceTypes.DynamoDB.export was not parquet when this ' +
            'stack was synthesized (set it, publish the actions image, synthesize and deploy again; docs/deployment.md)'
          : 'EBS archives are not enabled: actions.resourceTypes.EBS.export was not block when this stack was ' +
            'synthesized (set it, publish the actions image, synthesize and deploy again; docs/deployment.md)',
      });
    }
    this.imageFunctions = imageFunctions;
    const conversionFunctions = CONVERSION_TASKS.map((t) => imageFunctions[t]);
    const blockArchiveFunctions = BLOCK_ARCHIVE_TASKS.map((t) => imageFunctions[t]);
    const allow = (
      f: { readonly role: iam.Role },
      sid: string,
      actions: string[],
      resources: string[],
      conditions?: object,
    ) =>
      f.role.addToPolicy(
        new iam.PolicyStatement({ sid, actions, resources, ...(conditions ? { conditions: { ...conditions } } : {}) }),
      );

    // Where recovery points live: the watched vaults, their recovery points, and the RDS snapshots AWS Backup made.
    const vaultArns = props.watchedVaultNames.map(
      (name) => `arn:${partition}:backup:${region}:${account}:backup-vault:${name}`,
    );
    const ebsSnapshots = `arn:${partition}:ec2:${region}::snapshot/*`;
    const recoveryPoints = [
      `arn:${partition}:backup:${region}:${account}:recovery-point:*`,
      // DynamoDB recovery points without AWS Backup's advanced features are DynamoDB backups.
      dynamoDbBackups,
      `arn:${partition}:rds:${region}:${account}:snapshot:awsbackup:*`,
      `arn:${partition}:rds:${region}:${account}:cluster-snapshot:awsbackup:*`,
      // EBS recovery points are the snapshots themselves (no account in their ARN).
      ebsSnapshots,
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

    allow(
      functions.describeSource,
      'DescribeTables',
      ['dynamodb:DescribeContinuousBackups', 'dynamodb:ListTagsOfResource'],
      [tableArn('*')],
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
      // ListRestoreJobs: a cleanup from the input alone (the sweeper) finds a restore still running.
      allow(f, 'DescribeRestores', ['backup:DescribeRestoreJob', 'backup:ListRestoreJobs'], ['*']);
      allow(f, 'DescribeTableExports', ['dynamodb:DescribeExport'], [tableArn('*/export/*')]);
    }
    for (const f of [functions.deleteTemporaryTable, functions.cleanUp, functions.sweepExecution]) {
      allow(f, 'DeleteTemporaryTable', ['dynamodb:DeleteTable'], [temporaryTables]);
    }

    // The DynamoDB branch: restore (AWS Backup, with the restore role), PITR on the temporary table, table export.
    allow(
      functions.startRestore,
      'StartRestore',
      ['backup:StartRestoreJob', 'backup:GetRecoveryPointRestoreMetadata'],
      [...vaultArns, ...recoveryPoints],
    );
    allow(functions.startRestore, 'PassRestoreRole', ['iam:PassRole'], [this.restoreRole.roleArn], {
      StringEquals: { 'iam:PassedToService': BACKUP_SERVICE },
    });
    allow(functions.checkRestore, 'DescribeRestores', ['backup:DescribeRestoreJob'], ['*']);
    allow(
      functions.enablePitr,
      'EnablePitr',
      ['dynamodb:UpdateContinuousBackups', 'dynamodb:DescribeContinuousBackups'],
      [temporaryTables],
    );
    // The source-pitr path exports the source table itself: any table of this account and Region.
    allow(functions.startTableExport, 'ExportTable', ['dynamodb:ExportTableToPointInTime'], [tableArn('*')]);
    allow(
      functions.startTableExport,
      'WriteTableExports',
      ['s3:PutObject', 's3:AbortMultipartUpload', 's3:PutObjectAcl'],
      [`${archiveBucketArn}/exports/*`],
    );
    allow(
      functions.startTableExport,
      'UseArchiveKey',
      ['kms:GenerateDataKey', 'kms:Decrypt', 'kms:DescribeKey'],
      [centralKeys],
    );
    allow(functions.checkTableExport, 'DescribeTableExports', ['dynamodb:DescribeExport'], [tableArn('*/export/*')]);
    allow(functions.checkTableExport, 'DescribeTables', ['dynamodb:DescribeTable'], [tableArn('*')]);

    // The conversion functions: the export's objects under exports/ and the archive key, nothing else.
    for (const f of [...conversionFunctions, ...blockArchiveFunctions]) {
      allow(f, 'ListExports', ['s3:ListBucket'], [archiveBucketArn], { StringLike: { 's3:prefix': ['exports/*'] } });
      allow(
        f,
        'ReadWriteExports',
        ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
        [`${archiveBucketArn}/exports/*`],
      );
      allow(f, 'UseArchiveKey', ['kms:Decrypt', 'kms:GenerateDataKey'], [centralKeys]);
    }

    // EBS: the snapshot's blocks through the EBS direct APIs (no volume, no instance); Plan archive reads its size and
    // the volume's latest archive pointer and manifest; the shards read blocks and compare with the parent snapshot.
    allow(functions.planArchive, 'ListSnapshotBlocks', ['ebs:ListSnapshotBlocks'], [ebsSnapshots]);
    // State, storage tier and tags of an EBS recovery point's snapshot (DescribeSnapshots has no resource-level scope).
    allow(functions.describeSource, 'DescribeSnapshots', ['ec2:DescribeSnapshots'], ['*']);
    allow(functions.planArchive, 'ListArchive', ['s3:ListBucket'], [archiveBucketArn], {
      StringLike: { 's3:prefix': ARCHIVE_PREFIXES.map((prefix) => `${prefix}*`) },
    });
    allow(functions.planArchive, 'ReadArchive', ['s3:GetObject'], archiveObjects);
    allow(functions.planArchive, 'UseArchiveKey', ['kms:Decrypt'], [centralKeys]);
    for (const f of blockArchiveFunctions) {
      allow(
        f,
        'ReadSnapshots',
        ['ebs:ListSnapshotBlocks', 'ebs:ListChangedBlocks', 'ebs:GetSnapshotBlock'],
        [ebsSnapshots],
      );
      // Encrypted snapshots: the EBS direct APIs decrypt with the snapshot's key (one of this account's).
      allow(
        f,
        'DecryptSnapshots',
        ['kms:Decrypt', 'kms:DescribeKey'],
        [`arn:${partition}:kms:${region}:${account}:key/*`],
      );
    }

    // The network (actions.network): only the EBS functions move into the VPC. They are the ones that need it (the
    // EBS direct APIs and S3, the bulk of the traffic, then stay on the endpoints); the others only call Regional
    // public endpoints of RDS, AWS Backup, DynamoDB, EventBridge, Step Functions…, each of which would cost an
    // interface endpoint per AZ in isolated mode for no gain.
    const network = props.network;
    if (network && network.mode !== 'none') {
      const vpc = new ActionsNetwork(this, 'Network', {
        mode: network.mode,
        cidr: network.cidr,
        azs: network.azs,
        natGateways: network.natGateways,
        logKey: key,
        bucketNames: [archiveBucket],
      });
      this.network = vpc;
      const subnetIds = vpc.vpc.selectSubnets(vpc.subnets).subnetIds;
      for (const f of [functions.planArchive, ...blockArchiveFunctions]) {
        // AWSLambdaVPCAccessExecutionRole as an inline statement: Lambda makes the function's network interfaces
        // with its role. Set on the L1 resource: the function constructs take no VPC.
        allow(f, 'AttachToVpc', LAMBDA_VPC_ACTIONS, ['*']);
        (f.function.node.defaultChild as lambda.CfnFunction).vpcConfig = {
          subnetIds,
          securityGroupIds: [vpc.securityGroup.securityGroupId],
        } satisfies lambda.CfnFunction.VpcConfigProperty;
        // The role's policy (network interface permissions) and the VPC with its endpoints exist before the function.
        f.function.node.addDependency(f.role, vpc.vpc);
      }
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
    for (const task of ACTION_TASKS) {
      tasks[task] = (isImageTask(task) ? imageFunctions[task] : functions[task]).function;
    }
    this.workflow = new ExportWorkflow(this, 'ExportWorkflow', { tasks, logKey: key });

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

function isImageTask(task: ActionTask): task is ImageTask {
  return (IMAGE_TASKS as readonly string[]).includes(task);
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
      'rds:DescribeExportTasks and rds:CancelExportTask are called to count the running exports and find the task, ' +
        'backup:DescribeRestoreJob and backup:ListRestoreJobs to follow a DynamoDB restore, ec2:DescribeSnapshots for an ' +
        "EBS snapshot's state, tier and tags; " +
        'the state machine role needs X-Ray and log delivery actions; with actions.network the EBS functions need ' +
        "AWSLambdaVPCAccessExecutionRole's network interface actions (ec2:CreateNetworkInterface …): " +
        'none of them supports resource-level permissions.',
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
      'arn:<AWS::Partition>:ec2:<AWS::Region>::snapshot/*',
      'AWS Backup EBS recovery points are the EBS snapshots themselves (their ARN has no account), only known at run ' +
        'time: described and deleted through AWS Backup, read through the EBS direct APIs (no other EC2 action).',
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
    wildcard(
      here('dynamodb', `table/${TEMPORARY_TABLE_PATTERN}`),
      'The temporary tables the DynamoDB branch restores into, named vp-tmp-<recovery point hash>-a<attempt> at run ' +
        'time: the only tables it writes, turns PITR on for, or deletes.',
    ),
    wildcard(
      here('dynamodb', 'table/*/backup/*'),
      'DynamoDB recovery points made by AWS Backup (without advanced features) are DynamoDB backups of any table, ' +
        'known at run time; only restored (with the restore role) and described or deleted in the watched vaults.',
    ),
    wildcard(
      here('dynamodb', 'table/*'),
      'The source table of a DynamoDB recovery point is only known at run time: its tags and PITR are read, and the ' +
        'source-pitr path exports it (ExportTableToPointInTime writes only to the archive bucket); nothing writes to it.',
    ),
    wildcard(
      here('dynamodb', 'table/*/export/*'),
      'Table exports are named by DynamoDB at run time; they are only described.',
    ),
    wildcard(
      here('kms', 'key/*'),
      'AWS Backup restores encrypted DynamoDB backups with the key of the source table or vault, known at run time ' +
        '(held to calls through DynamoDB and AWS Backup, kms:ViaService); the EBS shard functions decrypt encrypted ' +
        'snapshots read through the EBS direct APIs with the snapshot key, also known at run time; this account and Region only.',
    ),
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
