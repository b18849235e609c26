import { Duration, type Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { ACTION_RESULT_EVENTS, CENTRAL_BUS_RULES, CENTRAL_DEFAULT_BUS_RULES } from '../../core/eventPatterns.js';
import { policyInventoryEventsFrom } from '../../core/inventory/policyInventory.js';
import { AccountRuleQueueTarget } from '../constructs/AccountRuleQueueTarget.js';
import { patternRule } from '../constructs/patternRule.js';
import { VaultpilotFunction } from '../constructs/VaultpilotFunction.js';
import { encryptedQueue } from './encryptedQueue.js';

/** Name of the member accounts' vault-notification topics, admitted by the router queue policy. */
export const VAULT_TOPIC_NAME = 'vaultpilot-vault-notifications';

/** The central role member accounts assume to subscribe the router queue to their vault topic. */
export const VAULT_TOPIC_SUBSCRIBER_ROLE_NAME = 'vaultpilot-vault-topic-subscriber';

/** Name prefix of the member roles allowed to assume it (the member stack adds its Region). */
export const VAULT_NOTIFICATIONS_ROLE_PREFIX = 'vaultpilot-vault-notifications-';

export interface RouterPipelineProps {
  readonly key: kms.IKey;
  readonly organizationId: string;
  /** The Organizations management account: only its policy inventories reach the router. */
  readonly managementAccount: string;
  /** The central bus, whose rules feed the router (the default bus's rules do too). */
  readonly bus: events.IEventBus;
  /** @default generated */
  readonly queueName?: string;
  /** Let members' vault-notification topics deliver into the router queue. @default false */
  readonly acceptVaultNotifications?: boolean;
  /** Route the backup actions' results (source `vaultpilot.actions`) from the central bus. @default false */
  readonly acceptActionResults?: boolean;
}

/**
 * The router's intake: its queue and dead letters, the central-bus and default-bus rules that feed it and,
 * optionally, the admission of members' vault-notification topics. The function itself is added by
 * `addRouter`, once what it writes to exists.
 */
export class RouterPipeline {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  /** Present when members' vault-notification topics are accepted. */
  readonly vaultTopicSubscriber?: iam.Role;
  router?: VaultpilotFunction;

  constructor(
    private readonly stack: Stack,
    props: RouterPipelineProps,
  ) {
    this.deadLetterQueue = encryptedQueue(stack, 'RouterDeadLetters', props.key, {
      retentionPeriod: Duration.days(14),
    });
    this.queue = encryptedQueue(stack, 'RouterQueue', props.key, {
      queueName: props.queueName,
      visibilityTimeout: Duration.minutes(6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });
    const target = new AccountRuleQueueTarget(this.queue, { deadLetterQueue: this.deadLetterQueue, key: props.key });
    for (const rule of CENTRAL_BUS_RULES) {
      patternRule(stack, `Bus-${rule.name}`, { rule, eventBus: props.bus, targets: [target] });
    }
    patternRule(stack, 'Bus-policyInventory', {
      rule: policyInventoryEventsFrom(props.managementAccount),
      eventBus: props.bus,
      targets: [target],
    });
    // The member accounts' action workflows put their results on the central bus themselves (the bus policy admits
    // every principal of the organization); the central account's own workflows do too.
    if (props.acceptActionResults) {
      patternRule(stack, `Bus-${ACTION_RESULT_EVENTS.name}`, {
        rule: ACTION_RESULT_EVENTS,
        eventBus: props.bus,
        targets: [target],
      });
    }
    for (const rule of CENTRAL_DEFAULT_BUS_RULES) {
      patternRule(stack, `Default-${rule.name}`, { rule, targets: [target] });
    }
    if (props.acceptVaultNotifications) this.vaultTopicSubscriber = this.admitVaultTopics(props);
  }

  /** Members subscribe their vault-notification topics to the router queue; SNS sends on their behalf. */
  private admitVaultTopics(props: RouterPipelineProps): iam.Role {
    const { stack } = this;
    const topics = `arn:${stack.partition}:sns:*:*:${VAULT_TOPIC_NAME}`;
    this.queue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowOrganizationVaultTopics',
        principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.queue.queueArn],
        // aws:SourceArn is what AWS documents for SNS deliveries to a queue (SNS does not document
        // aws:SourceOrgID there); the topic name is Vaultpilot's, and only the organization's roles may subscribe.
        conditions: { ArnLike: { 'aws:SourceArn': topics } },
      }),
    );
    // Subscribing as the queue owner needs no confirmation; members assume this role to do so.
    const role = new iam.Role(stack, 'VaultTopicSubscriber', {
      roleName: VAULT_TOPIC_SUBSCRIBER_ROLE_NAME,
      description: 'Vaultpilot: member vault-notification setup subscribes the router queue to its topic',
      assumedBy: new iam.OrganizationPrincipal(props.organizationId).withConditions({
        ArnLike: { 'aws:PrincipalArn': `arn:${stack.partition}:iam::*:role/${VAULT_NOTIFICATIONS_ROLE_PREFIX}*` },
      }),
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['sns:Subscribe'],
        resources: [topics],
        conditions: { StringEquals: { 'sns:Protocol': 'sqs', 'sns:Endpoint': this.queue.queueArn } },
      }),
    );
    Validations.of(role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sns:*:*:vaultpilot-vault-notifications]',
      reason:
        'Member vault topics live in every account and Region of the organization, all named ' +
        'vaultpilot-vault-notifications; the role may only subscribe the router queue (sns:Endpoint) over SQS.',
    });
    props.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowOrganizationVaultTopicsToEncrypt',
        principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        // Members' topics are in every account of the organization, so the aws:SourceAccount condition AWS shows
        // for this path cannot be listed; aws:SourceArn (the topic) is used instead — see docs/architecture.md.
        conditions: { ArnLike: { 'aws:SourceArn': topics } },
      }),
    );
    return role;
  }

  /** The router function, fed by the queue with partial batch responses, and what it may write to. */
  addRouter(props: {
    readonly projectRoot: string;
    readonly key: kms.IKey;
    readonly environment: Readonly<Record<string, string>>;
    readonly ledger: dynamodb.ITable;
    readonly topics: readonly sns.ITopic[];
    readonly deliveryQueue: sqs.IQueue;
    readonly logRetention?: logs.RetentionDays;
  }): VaultpilotFunction {
    const router = new VaultpilotFunction(this.stack, 'Router', {
      handler: 'router',
      projectRoot: props.projectRoot,
      logKey: props.key,
      logRetention: props.logRetention,
      environment: props.environment,
      timeout: Duration.seconds(60),
    });
    router.function.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(5),
        reportBatchItemFailures: true,
        maxConcurrency: 5,
      }),
    );
    props.ledger.grantReadWriteData(router.function);
    for (const topic of props.topics) topic.grantPublish(router.function);
    props.deliveryQueue.grantSendMessages(router.function);
    this.router = router;
    return router;
  }
}
