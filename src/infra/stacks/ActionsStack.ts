import { Duration, RemovalPolicy, Stack, type StackProps, Token, Validations } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as events from 'aws-cdk-lib/aws-events';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import { GLUE_DATABASE } from '../../core/actions/glueTables.js';
import {
  ACTIONS_ENV,
  ALARM_NAME_PREFIX,
  CENTRAL_ACTION_HANDLER_ENTRIES,
  METRIC_NAMESPACE,
} from '../../core/deployment/contract.js';
import { ACTION_RESULTS_TO_REGISTER } from '../../core/eventPatterns.js';
import { encryptedQueue } from '../central/encryptedQueue.js';
import { AccountRuleQueueTarget } from '../constructs/AccountRuleQueueTarget.js';
import { ActionFunction } from '../constructs/ActionFunction.js';
import { type ArchiveAdmission, ArchiveBucket, type ArchiveBucketProps } from '../constructs/ArchiveBucket.js';
import { patternRule } from '../constructs/patternRule.js';
import { queueHasMessagesAlarm } from '../constructs/queueHasMessagesAlarm.js';
import { VaultpilotKey } from '../constructs/VaultpilotKey.js';

/**
 * The table registrar's role name (Region appended). Deliberately not under the action functions' prefix
 * (`vaultpilot-action-`), which the archive buckets admit to write and delete: the registrar only reads.
 */
export const REGISTRAR_ROLE_PREFIX = 'vaultpilot-register-tables-';

/** The registrar (central Region only): registers every verified export of every Region in the Glue Data Catalog. */
export interface TableRegistrarProps {
  /** The central bus (same account and Region), where the action results arrive. */
  readonly eventBusName: string;
  /** The archive bucket of every Region (this one included), whose `exports/` the registrar reads. */
  readonly archiveBuckets: Readonly<Record<string, string>>;
  /** The alias every archive key has (one key per Region, this account). */
  readonly archiveKeyAlias: string;
  readonly projectRoot: string;
  /** @default CENTRAL_ACTION_HANDLER_ENTRIES.registerTables */
  readonly entry?: string;
  /** @default GLUE_DATABASE */
  readonly database?: string;
}

/** The bucket the member accounts' action functions read their code from (one per Region). */
export interface ActionsCodeBucketProps {
  readonly bucketName: string;
  /** Every principal of this organization may read the code (StackSets create the functions from it). */
  readonly organizationId: string;
}

/**
 * The Region's ECR repository of the conversion image (a member StackSet cannot use CDK's image assets): pushed once
 * per Region by the operator, pulled by the member accounts' conversion functions.
 */
export interface ConversionRepositoryProps {
  readonly repositoryName: string;
  /** The accounts of this organization may pull (aws:PrincipalOrgID). */
  readonly organizationId: string;
  /** Lambda may pull for functions of this name prefix in any account (aws:SourceArn), as Lambda documents. */
  readonly functionNamePrefix: string;
}

export interface ActionsStackProps extends StackProps {
  /** The archive bucket the exports are written to. @default a generated name, no lifecycle, no Object Lock */
  readonly archiveBucket?: ArchiveBucketProps;
  /** Let the organization's export roles and action functions write into the archive. @default nobody */
  readonly admission?: ArchiveAdmission;
  /** Create the Region's code bucket for the action functions. @default none */
  readonly codeBucket?: ActionsCodeBucketProps;
  /** The table registrar (central Region only). @default none */
  readonly registrar?: TableRegistrarProps;
  /** Create the Region's repository of the conversion image. @default none */
  readonly conversionRepository?: ConversionRepositoryProps;
}

/**
 * The backup actions' central side, in the central account, one stack per Region with watched vaults (RDS writes
 * an export only into a bucket of the snapshot's Region): the archive bucket and its key, admitting the
 * organization's export roles and action functions, and the Region's code bucket for the action functions. In the
 * central Region also the table registrar: verified-export results on the central bus → an encrypted queue → the
 * `registerTables` function, which catalogs each export in the Glue database (created here).
 */
export class ActionsStack extends Stack {
  readonly archiveBucket: s3.Bucket;
  readonly archiveKey: kms.Key;
  readonly codeBucket?: s3.Bucket;
  /** Present with `conversionRepository`. */
  readonly conversionRepository?: ecr.Repository;
  /** Present with `registrar`. */
  readonly registrar?: ActionFunction;
  readonly registrarQueue?: sqs.Queue;
  readonly registrarDeadLetterQueue?: sqs.Queue;
  readonly glueDatabase?: glue.CfnDatabase;

  constructor(scope: Construct, id: string, props: ActionsStackProps = {}) {
    super(scope, id, props);
    const archive = new ArchiveBucket(this, 'Archive', props.archiveBucket);
    this.archiveBucket = archive.bucket;
    this.archiveKey = archive.key;
    if (props.admission) archive.admitOrganization(props.admission);
    if (props.codeBucket) this.codeBucket = this.createCodeBucket(props.codeBucket, archive.accessLogBucket);
    if (props.conversionRepository) {
      this.conversionRepository = this.createConversionRepository(props.conversionRepository);
    }
    if (props.registrar) {
      const r = this.createRegistrar(props.registrar);
      this.registrar = r.registrar;
      this.registrarQueue = r.queue;
      this.registrarDeadLetterQueue = r.deadLetterQueue;
      this.glueDatabase = r.database;
    }
  }

  private createRegistrar(props: TableRegistrarProps) {
    const partition = this.partition;
    const account = this.account;
    const region = this.region;
    const databaseName = props.database ?? GLUE_DATABASE;
    const scope = new Construct(this, 'Registrar');
    const key = new VaultpilotKey(scope, 'Key', { description: 'Vaultpilot table registrar: queues, logs' }).key;

    // Retained like the archive: the tables describe exports that outlive the deployment.
    const database = new glue.CfnDatabase(scope, 'Database', {
      catalogId: account,
      databaseInput: {
        name: databaseName,
        description: 'Vaultpilot: verified exports of the backup actions (history and latest tables per source table)',
        parameters: { 'vaultpilot.managed_by': 'vaultpilot' },
      },
    });
    database.applyRemovalPolicy(RemovalPolicy.RETAIN);

    const buckets = Object.entries(props.archiveBuckets);
    const registrar = new ActionFunction(scope, 'registerTables', {
      handler: 'registerTables',
      entry: props.entry ?? CENTRAL_ACTION_HANDLER_ENTRIES.registerTables,
      projectRoot: props.projectRoot,
      roleName: `${REGISTRAR_ROLE_PREFIX}${region}`,
      logKey: key,
      environment: {
        [ACTIONS_ENV.metricNamespace]: METRIC_NAMESPACE,
        [ACTIONS_ENV.glueDatabase]: databaseName,
        // One archive: accept manifests from it only. Several Regions: the registrar reads every Region's archive.
        ...(buckets.length === 1 ? { [ACTIONS_ENV.archiveBucket]: buckets[0]?.[1] ?? '' } : {}),
      },
      timeout: Duration.seconds(60),
      memorySize: 512,
    });
    registrar.function.node.addDependency(database);
    const allow = (sid: string, actions: string[], resources: string[], conditions?: Record<string, unknown>) =>
      registrar.role.addToPolicy(
        new iam.PolicyStatement({ sid, actions, resources, ...(conditions ? { conditions } : {}) }),
      );
    const glueArn = (resource: string) => `arn:${partition}:glue:${region}:${account}:${resource}`;
    // CreateDatabase stays allowed (and tolerated when the database exists): the function creates it when missing.
    allow(
      'RegisterTables',
      ['glue:CreateDatabase', 'glue:GetDatabase', 'glue:CreateTable', 'glue:GetTable', 'glue:UpdateTable'],
      [glueArn('catalog'), glueArn(`database/${databaseName}`), glueArn(`table/${databaseName}/*`)],
    );
    // Manifests and Parquet footers (ranged GETs) of every Region's exports; never latest/, never a write.
    allow(
      'ReadExports',
      ['s3:GetObject'],
      buckets.map(([, name]) => `arn:${partition}:s3:::${name}/exports/*`),
    );
    // The archive keys: this Region's by ARN, the others' (other stacks, other Regions) by their alias.
    allow('DecryptExports', ['kms:Decrypt'], [this.archiveKey.keyArn]);
    const otherRegions = buckets.map(([r]) => r).filter((r) => r !== region);
    if (otherRegions.length > 0) {
      allow(
        'DecryptOtherRegionsExports',
        ['kms:Decrypt'],
        otherRegions.map((r) => `arn:${partition}:kms:${r}:${account}:key/*`),
        { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': props.archiveKeyAlias } },
      );
    }

    const deadLetterQueue = encryptedQueue(scope, 'DeadLetters', key, { retentionPeriod: Duration.days(14) });
    Validations.of(deadLetterQueue).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the registrar queue and of its EventBridge rule.',
    });
    const queue = encryptedQueue(scope, 'Queue', key, {
      visibilityTimeout: Duration.seconds(60 * 6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: 5 },
    });
    patternRule(scope, `Bus-${ACTION_RESULTS_TO_REGISTER.name}`, {
      rule: ACTION_RESULTS_TO_REGISTER,
      eventBus: events.EventBus.fromEventBusName(scope, 'CentralBus', props.eventBusName),
      targets: [new AccountRuleQueueTarget(queue, { deadLetterQueue, key })],
    });
    // Few at a time: Glue's table APIs are throttled per account, and one export registers many tables.
    registrar.function.addEventSource(
      new SqsEventSource(queue, {
        batchSize: 5,
        maxBatchingWindow: Duration.seconds(5),
        reportBatchItemFailures: true,
        maxConcurrency: 2,
      }),
    );
    queueHasMessagesAlarm(scope, 'DeadLettersAlarm', {
      queue: deadLetterQueue,
      alarmName: `${ALARM_NAME_PREFIX}actions-register-tables-dead-letters`,
      description:
        'Verified exports that could not be registered in the Glue Data Catalog after 5 attempts (see the registerTables logs)',
    });
    const shown = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value);
    acknowledgeRegistrarFindings(registrar, {
      databaseName,
      buckets,
      otherRegions,
      region: shown(region, 'Region'),
      account: shown(account, 'AccountId'),
    });
    return { registrar, queue, deadLetterQueue, database };
  }

  private createConversionRepository(props: ConversionRepositoryProps): ecr.Repository {
    const repository = new ecr.Repository(this, 'ConversionRepository', {
      repositoryName: props.repositoryName,
      imageScanOnPush: true,
      // A tag names one release; pushing the same release again (a rebuilt image) replaces it. Deployed functions keep
      // the digest they resolved at deployment until they are updated.
      imageTagMutability: ecr.TagMutability.MUTABLE,
      encryption: ecr.RepositoryEncryption.AES_256,
      lifecycleRules: [{ description: 'Keep the 20 newest images', maxImageCount: 20 }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const pull = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'];
    // Cross-account Lambda container images (Lambda Developer Guide, "Amazon ECR permissions"): the accounts that
    // create the functions, and the Lambda service for their functions.
    repository.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowOrganizationToPull',
        principals: [new iam.AnyPrincipal()],
        actions: pull,
        conditions: { StringEquals: { 'aws:PrincipalOrgID': props.organizationId } },
      }),
    );
    repository.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowLambdaToPullForOrganizationFunctions',
        principals: [new iam.ServicePrincipal('lambda.amazonaws.com')],
        actions: pull,
        conditions: {
          StringLike: {
            'aws:sourceARN': `arn:${this.partition}:lambda:${this.region}:*:function:${props.functionNamePrefix}*`,
          },
        },
      }),
    );
    Validations.of(repository).acknowledge({
      id: 'AwsSolutions::AwsSolutions-ECR1',
      reason:
        'Pull only (ecr:BatchGetImage, ecr:GetDownloadUrlForLayer), for principals of this organization ' +
        '(aws:PrincipalOrgID) and for the Lambda service on behalf of the Vaultpilot conversion functions ' +
        '(aws:SourceArn), as Lambda documents for cross-account container images; the image holds no secrets.',
    });
    return repository;
  }

  private createCodeBucket(props: ActionsCodeBucketProps, accessLogs: s3.IBucket): s3.Bucket {
    const scope = new Construct(this, 'Code');
    scope.node.setContext(cxapi.S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);
    // SSE-S3: Lambda in the member accounts reads the code with the StackSet's execution role, which could not
    // use a key of this account without a key policy of its own; the code is no secret (it is this repository).
    const bucket = new s3.Bucket(scope, 'Bucket', {
      bucketName: props.bucketName,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'vaultpilot-actions-code/',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowOrganizationToReadCode',
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [bucket.arnForObjects('*')],
        conditions: { StringEquals: { 'aws:PrincipalOrgID': props.organizationId } },
      }),
    );
    return bucket;
  }
}

/** The registrar's acknowledged cdk-nag findings; `region` and `account` as cdk-nag shows them. */
function acknowledgeRegistrarFindings(
  registrar: ActionFunction,
  where: {
    readonly databaseName: string;
    readonly buckets: readonly (readonly [string, string])[];
    readonly otherRegions: readonly string[];
    readonly region: string;
    readonly account: string;
  },
): void {
  const { databaseName, buckets, otherRegions, region, account } = where;
  const wildcard = (resource: string, reason: string) => ({
    id: `AwsSolutions::AwsSolutions-IAM5[Resource::${resource}]`,
    reason,
  });
  Validations.of(registrar).acknowledge(
    {
      id: 'AwsSolutions::AwsSolutions-L1',
      reason:
        'The action functions run on nodejs22.x like every Vaultpilot function: the same code is tested on the ' +
        'Node.js 20/22 development and CI machines; moving to nodejs24.x is a deliberate upgrade of all of them.',
    },
    wildcard(
      `arn:<AWS::Partition>:glue:${region}:${account}:table/${databaseName}/*`,
      'One history and one latest table per exported source table, named at run time; only in the Vaultpilot database.',
    ),
    ...buckets.map(([, name]) =>
      wildcard(
        `arn:<AWS::Partition>:s3:::${name}/exports/*`,
        'Manifests and Parquet footers of exports, whose keys are known only at run time; read only, exports/ only.',
      ),
    ),
    ...otherRegions.map((r) =>
      wildcard(
        `arn:<AWS::Partition>:kms:${r}:${account}:key/*`,
        'The archive key of another Region (another stack) has no ARN this stack can know; the statement is held to ' +
          'keys with the archive alias (kms:ResourceAliases), and allows kms:Decrypt only.',
      ),
    ),
  );
}
