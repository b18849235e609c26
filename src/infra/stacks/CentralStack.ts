import { Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ALARM_NAME_PREFIX, ENV, LEDGER_KEYS, METRIC_NAMESPACE } from '../../core/deployment/contract.js';
import { CENTRAL_BUS_RULES, CENTRAL_DEFAULT_BUS_RULES } from '../../core/eventPatterns.js';
import { AccountRuleQueueTarget } from '../constructs/AccountRuleQueueTarget.js';
import { patternRule } from '../constructs/patternRule.js';
import { VaultpilotFunction } from '../constructs/VaultpilotFunction.js';
import { VaultpilotKey } from '../constructs/VaultpilotKey.js';
import { secretArnPattern } from '../secretArnPattern.js';

/** Name of the member accounts' vault-notification topics, admitted by the router queue policy. */
export const VAULT_TOPIC_NAME = 'vaultpilot-vault-notifications';

/** The central role member accounts assume to subscribe the router queue to their vault topic. */
export const VAULT_TOPIC_SUBSCRIBER_ROLE_NAME = 'vaultpilot-vault-topic-subscriber';

/** Name prefix of the member roles allowed to assume it (the member stack adds its Region). */
export const VAULT_NOTIFICATIONS_ROLE_PREFIX = 'vaultpilot-vault-notifications-';

/** One email channel of the config and its addresses. */
export interface EmailChannelSubscription {
  readonly channel: string;
  readonly addresses: readonly string[];
}

export interface CentralStackProps extends StackProps {
  /** Only principals of this organization may put events on the central bus. */
  readonly organizationId: string;
  /** Name of the custom bus members forward to. */
  readonly eventBusName: string;
  /** Fixed name of the router queue, so member templates can address it by ARN. @default generated */
  readonly routerQueueName?: string;
  /**
   * Email channels: each address is subscribed to the notification topic (and confirms once) with a filter
   * policy on the `channel` message attribute the router sets, so routing between email channels holds.
   */
  readonly emailChannels: readonly EmailChannelSubscription[];
  /** Secrets Manager names or ARNs of the webhook channels; the delivery function may read exactly these. */
  readonly webhookSecrets: readonly string[];
  /** JSON of the runtime settings, passed to every function. */
  readonly settingsJson: string;
  /** Package root the handler entry paths are relative to. */
  readonly projectRoot: string;
  /** Let members' vault-notification topics deliver into the router queue. @default false */
  readonly acceptVaultNotifications?: boolean;
  /** @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The central account: the org-wide bus, the router queue and function, the ledger, the notification
 * topic, the delivery queue and function, and the place where unparsed inputs are kept.
 */
export class CentralStack extends Stack {
  readonly key: kms.Key;
  readonly bus: events.EventBus;
  readonly routerQueue: sqs.Queue;
  readonly routerDeadLetterQueue: sqs.Queue;
  readonly ledger: dynamodb.Table;
  readonly topic: sns.Topic;
  readonly unparsedTopic: sns.Topic;
  /** Present when members' vault-notification topics are accepted. */
  readonly vaultTopicSubscriber?: iam.Role;
  readonly unparsedQueue: sqs.Queue;
  readonly deliveryQueue: sqs.Queue;
  readonly deliveryDeadLetterQueue: sqs.Queue;
  readonly router: VaultpilotFunction;
  readonly delivery: VaultpilotFunction;

  constructor(scope: Construct, id: string, props: CentralStackProps) {
    super(scope, id, props);
    const keyHolder = new VaultpilotKey(this, 'DataKey', {
      description: 'Vaultpilot central data: queues, topics, ledger, logs',
    });
    this.key = keyHolder.key;
    keyHolder.allowServiceFromAccount('cloudwatch.amazonaws.com', this.account, 'AllowAlarmsToPublishEncrypted');

    // The bus admits PutEvents from any principal of the organization and nobody else.
    this.bus = new events.EventBus(this, 'Bus', { eventBusName: props.eventBusName, description: 'Vaultpilot' });
    this.bus.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowOrganizationToPutEvents',
        principals: [new iam.AnyPrincipal()],
        actions: ['events:PutEvents'],
        resources: [this.bus.eventBusArn],
        conditions: { StringEquals: { 'aws:PrincipalOrgID': props.organizationId } },
      }),
    );

    // Everything that reaches the bus is archived for 30 days: after a router fix, events can be replayed.
    this.bus.archive('Archive', {
      description: 'Vaultpilot: every event on the central bus, for replay',
      eventPattern: { source: events.Match.prefix('') },
      retention: Duration.days(30),
    });

    this.routerDeadLetterQueue = this.encryptedQueue('RouterDeadLetters', { retentionPeriod: Duration.days(14) });
    this.routerQueue = this.encryptedQueue('RouterQueue', {
      queueName: props.routerQueueName,
      visibilityTimeout: Duration.minutes(6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.routerDeadLetterQueue, maxReceiveCount: 5 },
    });
    const routerTarget = new AccountRuleQueueTarget(this.routerQueue, {
      deadLetterQueue: this.routerDeadLetterQueue,
      key: this.key,
    });
    for (const rule of CENTRAL_BUS_RULES) {
      patternRule(this, `Bus-${rule.name}`, { rule, eventBus: this.bus, targets: [routerTarget] });
    }
    for (const rule of CENTRAL_DEFAULT_BUS_RULES) {
      patternRule(this, `Default-${rule.name}`, { rule, targets: [routerTarget] });
    }
    if (props.acceptVaultNotifications) {
      // Members subscribe their vault-notification topics to this queue; SNS sends on their behalf.
      this.routerQueue.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowOrganizationVaultTopics',
          principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
          actions: ['sqs:SendMessage'],
          resources: [this.routerQueue.queueArn],
          conditions: {
            StringEquals: { 'aws:SourceOrgID': props.organizationId },
            ArnLike: { 'aws:SourceArn': `arn:${this.partition}:sns:*:*:${VAULT_TOPIC_NAME}` },
          },
        }),
      );
      // Subscribing as the queue owner needs no confirmation; members assume this role to do so.
      this.vaultTopicSubscriber = new iam.Role(this, 'VaultTopicSubscriber', {
        roleName: VAULT_TOPIC_SUBSCRIBER_ROLE_NAME,
        description: 'Vaultpilot: member vault-notification setup subscribes the router queue to its topic',
        assumedBy: new iam.OrganizationPrincipal(props.organizationId).withConditions({
          ArnLike: { 'aws:PrincipalArn': `arn:${this.partition}:iam::*:role/${VAULT_NOTIFICATIONS_ROLE_PREFIX}*` },
        }),
      });
      this.vaultTopicSubscriber.addToPolicy(
        new iam.PolicyStatement({
          actions: ['sns:Subscribe'],
          resources: [`arn:${this.partition}:sns:*:*:${VAULT_TOPIC_NAME}`],
          conditions: { StringEquals: { 'sns:Protocol': 'sqs', 'sns:Endpoint': this.routerQueue.queueArn } },
        }),
      );
      Validations.of(this.vaultTopicSubscriber).acknowledge({
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sns:*:*:vaultpilot-vault-notifications]',
        reason:
          'Member vault topics live in every account and Region of the organization, all named ' +
          'vaultpilot-vault-notifications; the role may only subscribe the router queue (sns:Endpoint) over SQS.',
      });
      this.key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowOrganizationVaultTopicsToEncrypt',
          principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
          conditions: {
            StringEquals: { 'aws:SourceOrgID': props.organizationId },
            ArnLike: { 'aws:SourceArn': `arn:${this.partition}:sns:*:*:${VAULT_TOPIC_NAME}` },
          },
        }),
      );
    }

    this.ledger = new dynamodb.Table(this, 'Ledger', {
      partitionKey: { name: LEDGER_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: LEDGER_KEYS.sortKey, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: LEDGER_KEYS.ttlAttribute,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.topic = new sns.Topic(this, 'Notifications', {
      displayName: 'Vaultpilot',
      masterKey: this.key,
      enforceSSL: true,
    });
    for (const { channel, addresses } of props.emailChannels) {
      for (const address of addresses) {
        this.topic.addSubscription(
          new subscriptions.EmailSubscription(address, {
            // The router names the channel; the operational alarms below publish without it and reach everyone.
            filterPolicy: {
              channel: new sns.SubscriptionFilter([
                ...sns.SubscriptionFilter.stringFilter({ allowlist: [channel] }).conditions,
                ...sns.SubscriptionFilter.notExistsFilter().conditions,
              ]),
            },
          }),
        );
      }
    }
    // Only this account's Vaultpilot alarms may publish as CloudWatch (for the operational alarms below).
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowVaultpilotAlarms',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          ArnLike: {
            'aws:SourceArn': `arn:${this.partition}:cloudwatch:${this.region}:${this.account}:alarm:${ALARM_NAME_PREFIX}*`,
          },
        },
      }),
    );

    // Unparsed inputs are published to their own topic and kept in a queue for 14 days for people to read.
    this.unparsedTopic = new sns.Topic(this, 'Unparsed', {
      displayName: 'Vaultpilot unparsed inputs',
      masterKey: this.key,
      enforceSSL: true,
    });
    this.unparsedQueue = this.encryptedQueue('UnparsedKept', { retentionPeriod: Duration.days(14) });
    Validations.of(this.unparsedQueue).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason: 'This queue is the final resting place of unparsed inputs, read by people; it is not consumed.',
    });
    this.unparsedTopic.addSubscription(
      new subscriptions.SqsSubscription(this.unparsedQueue, { rawMessageDelivery: true }),
    );

    this.deliveryDeadLetterQueue = this.encryptedQueue('DeliveryDeadLetters', { retentionPeriod: Duration.days(14) });
    this.deliveryQueue = this.encryptedQueue('DeliveryQueue', {
      visibilityTimeout: Duration.minutes(3),
      retentionPeriod: Duration.days(4),
      // Each receive makes a few attempts with backoff inside one invocation and returns what it could not
      // deliver; after 8 receives a job rests in the dead-letter queue.
      deadLetterQueue: { queue: this.deliveryDeadLetterQueue, maxReceiveCount: 8 },
    });

    const environment = {
      [ENV.ledgerTable]: this.ledger.tableName,
      [ENV.topicArn]: this.topic.topicArn,
      [ENV.deliveryQueueUrl]: this.deliveryQueue.queueUrl,
      [ENV.unparsedTopicArn]: this.unparsedTopic.topicArn,
      [ENV.settings]: props.settingsJson,
      [ENV.metricNamespace]: METRIC_NAMESPACE,
    };

    this.router = new VaultpilotFunction(this, 'Router', {
      handler: 'router',
      projectRoot: props.projectRoot,
      logKey: this.key,
      logRetention: props.logRetention,
      environment,
      timeout: Duration.seconds(60),
    });
    this.router.function.addEventSource(
      new SqsEventSource(this.routerQueue, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(5),
        reportBatchItemFailures: true,
        maxConcurrency: 5,
      }),
    );
    this.ledger.grantReadWriteData(this.router.function);
    this.topic.grantPublish(this.router.function);
    this.unparsedTopic.grantPublish(this.router.function);
    this.deliveryQueue.grantSendMessages(this.router.function);

    this.delivery = new VaultpilotFunction(this, 'Delivery', {
      handler: 'delivery',
      projectRoot: props.projectRoot,
      logKey: this.key,
      logRetention: props.logRetention,
      environment,
      timeout: Duration.seconds(30),
    });
    this.delivery.function.addEventSource(
      new SqsEventSource(this.deliveryQueue, { batchSize: 10, reportBatchItemFailures: true, maxConcurrency: 5 }),
    );
    // The delivery function claims each job in the ledger so a redelivered message is not posted twice.
    this.ledger.grantReadWriteData(this.delivery.function);
    if (props.webhookSecrets.length > 0) {
      this.delivery.role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['secretsmanager:GetSecretValue'],
          resources: props.webhookSecrets.map((secret) => secretArnPattern(this, secret)),
        }),
      );
    }

    // Operational alarms go straight to the topic as well: they must arrive even when the router is down.
    const alarmAction = new cwActions.SnsAction(this.topic);
    const queueAlarms: [string, sqs.Queue, string][] = [
      ['router-dead-letters', this.routerDeadLetterQueue, 'Events the router could not process after 5 attempts'],
      ['delivery-dead-letters', this.deliveryDeadLetterQueue, 'Messages no channel accepted after every retry'],
      ['unparsed-inputs', this.unparsedQueue, 'Inputs Vaultpilot could not understand are waiting to be read'],
    ];
    for (const [name, queue, description] of queueAlarms) {
      const alarm = new cloudwatch.Alarm(this, `Alarm-${name}`, {
        alarmName: `${ALARM_NAME_PREFIX}${name}`,
        alarmDescription: description,
        metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(alarmAction);
    }
    const routerErrors = new cloudwatch.Alarm(this, 'Alarm-router-errors', {
      alarmName: `${ALARM_NAME_PREFIX}router-errors`,
      alarmDescription: 'The router function failed invocations (events are retried, then dead-lettered)',
      metric: this.router.function.metricErrors({ period: Duration.minutes(15), statistic: 'Sum' }),
      threshold: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    routerErrors.addAlarmAction(alarmAction);

    for (const dlq of [this.routerDeadLetterQueue, this.deliveryDeadLetterQueue]) {
      Validations.of(dlq).acknowledge({
        id: 'AwsSolutions::AwsSolutions-SQS3',
        reason: 'This queue is itself a dead-letter queue; an alarm fires as soon as it holds a message.',
      });
    }
  }

  /** A queue encrypted with the stack's key that refuses non-TLS requests. */
  private encryptedQueue(id: string, props: Omit<sqs.QueueProps, 'encryption' | 'encryptionMasterKey'>): sqs.Queue {
    return new sqs.Queue(this, id, {
      ...props,
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.key,
      dataKeyReuse: Duration.hours(1),
      enforceSSL: true,
    });
  }
}
