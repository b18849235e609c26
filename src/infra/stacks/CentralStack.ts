import { Stack, type StackProps } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ALARM_NAME_PREFIX, ENV, METRIC_NAMESPACE } from '../../core/deployment/contract.js';
import { CentralBus } from '../central/CentralBus.js';
import { DeliveryPipeline } from '../central/DeliveryPipeline.js';
import { LedgerTable } from '../central/LedgerTable.js';
import { type EmailChannelSubscription, NotificationTopics } from '../central/NotificationTopics.js';
import { OperationalAlarms } from '../central/OperationalAlarms.js';
import { RouterPipeline } from '../central/RouterPipeline.js';
import type { VaultpilotFunction } from '../constructs/VaultpilotFunction.js';
import { VaultpilotKey } from '../constructs/VaultpilotKey.js';

export type { EmailChannelSubscription } from '../central/NotificationTopics.js';
export {
  VAULT_NOTIFICATIONS_ROLE_PREFIX,
  VAULT_TOPIC_NAME,
  VAULT_TOPIC_SUBSCRIBER_ROLE_NAME,
} from '../central/RouterPipeline.js';

export interface CentralStackProps extends StackProps {
  /** Only principals of this organization may put events on the central bus. */
  readonly organizationId: string;
  /** The Organizations management account, whose policy inventories the router reads. */
  readonly managementAccount: string;
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
  /** Route the backup actions' results from the central bus to the router (`actions.enabled`). @default false */
  readonly acceptActionResults?: boolean;
  /** @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The central account: the org-wide bus, the router queue and function, the ledger, the notification
 * topic, the delivery queue and function, the place where unparsed inputs are kept, and the alarms on
 * its own failure paths.
 *
 * The parts (src/infra/central) build their resources directly in this stack's scope — they are classes,
 * not nested constructs — because a nested construct changes every logical id below it, and CloudFormation
 * replaces a resource whose logical id changes: a new ledger table, new topics whose email addresses must
 * confirm again, a second named router queue. test/infra/centralStack.test.ts pins those logical ids.
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
    keyHolder.allowServiceFromAccount(
      'cloudwatch.amazonaws.com',
      this.account,
      'AllowAlarmsToPublishEncrypted',
      `arn:${this.partition}:cloudwatch:${this.region}:${this.account}:alarm:${ALARM_NAME_PREFIX}*`,
    );

    this.bus = new CentralBus(this, { organizationId: props.organizationId, eventBusName: props.eventBusName }).bus;
    const intake = new RouterPipeline(this, {
      key: this.key,
      organizationId: props.organizationId,
      managementAccount: props.managementAccount,
      bus: this.bus,
      queueName: props.routerQueueName,
      acceptVaultNotifications: props.acceptVaultNotifications,
      acceptActionResults: props.acceptActionResults,
    });
    this.routerQueue = intake.queue;
    this.routerDeadLetterQueue = intake.deadLetterQueue;
    if (intake.vaultTopicSubscriber) this.vaultTopicSubscriber = intake.vaultTopicSubscriber;

    this.ledger = new LedgerTable(this, this.key).table;
    const topics = new NotificationTopics(this, this.key, props.emailChannels);
    this.topic = topics.topic;
    this.unparsedTopic = topics.unparsedTopic;
    this.unparsedQueue = topics.unparsedQueue;
    const deliveries = new DeliveryPipeline(this, this.key);
    this.deliveryQueue = deliveries.queue;
    this.deliveryDeadLetterQueue = deliveries.deadLetterQueue;

    const environment = {
      [ENV.ledgerTable]: this.ledger.tableName,
      [ENV.topicArn]: this.topic.topicArn,
      [ENV.deliveryQueueUrl]: this.deliveryQueue.queueUrl,
      [ENV.unparsedTopicArn]: this.unparsedTopic.topicArn,
      [ENV.settings]: props.settingsJson,
      [ENV.metricNamespace]: METRIC_NAMESPACE,
    };
    const common = { projectRoot: props.projectRoot, key: this.key, environment, logRetention: props.logRetention };
    this.router = intake.addRouter({
      ...common,
      ledger: this.ledger,
      topics: [this.topic, this.unparsedTopic],
      deliveryQueue: this.deliveryQueue,
    });
    this.delivery = deliveries.addDelivery({ ...common, ledger: this.ledger, webhookSecrets: props.webhookSecrets });

    new OperationalAlarms(this, {
      topic: this.topic,
      routerDeadLetters: this.routerDeadLetterQueue,
      deliveryDeadLetters: this.deliveryDeadLetterQueue,
      unparsedQueue: this.unparsedQueue,
      router: this.router.function,
    });
  }
}
