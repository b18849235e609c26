import { Duration, Names, type Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { ALARM_NAME_PREFIX } from '../../core/deployment/contract.js';
import { encryptedQueue } from './encryptedQueue.js';

/** One email channel of the config and its addresses. */
export interface EmailChannelSubscription {
  readonly channel: string;
  readonly addresses: readonly string[];
}

/**
 * The email notification topic (each address subscribed with a filter on the router's `channel` attribute;
 * alarms that publish without it reach every address) and the topic and queue that keep unparsed inputs.
 */
export class NotificationTopics {
  readonly topic: sns.Topic;
  readonly unparsedTopic: sns.Topic;
  readonly unparsedQueue: sqs.Queue;

  constructor(stack: Stack, key: kms.IKey, emailChannels: readonly EmailChannelSubscription[]) {
    this.topic = new sns.Topic(stack, 'Notifications', { displayName: 'Vaultpilot', masterKey: key, enforceSSL: true });
    for (const { channel, addresses } of emailChannels) {
      for (const address of addresses) {
        this.topic.addSubscription(
          new subscriptions.EmailSubscription(address, {
            // The router names the channel; the operational alarms publish without it and reach everyone.
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
    // Only this account's Vaultpilot alarms may publish as CloudWatch (the operational and monitoring alarms).
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowVaultpilotAlarms',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:${ALARM_NAME_PREFIX}*`,
          },
        },
      }),
    );

    // Unparsed inputs are published to their own topic and kept in a queue for 14 days for people to read.
    this.unparsedTopic = new sns.Topic(stack, 'Unparsed', {
      displayName: 'Vaultpilot unparsed inputs',
      masterKey: key,
      enforceSSL: true,
    });
    this.unparsedQueue = encryptedQueue(stack, 'UnparsedKept', key, { retentionPeriod: Duration.days(14) });
    Validations.of(this.unparsedQueue).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason: 'This queue is the final resting place of unparsed inputs, read by people; it is not consumed.',
    });
    this.subscribeUnparsedQueue(stack, key);
  }

  /**
   * Subscribes the unparsed queue to its topic. CDK's SqsSubscription would also add a key-policy statement
   * letting sns.amazonaws.com use the key with no condition at all (its flag that names the topic instead
   * makes a dependency cycle here: the topic is encrypted with that key). So the subscription is made by
   * hand, at the construct path SqsSubscription used (its logical id stays), with the queue admitting only
   * this topic and the key admitting SNS only on behalf of this account.
   */
  private subscribeUnparsedQueue(stack: Stack, key: kms.IKey): void {
    const sns_ = new iam.ServicePrincipal('sns.amazonaws.com');
    this.unparsedQueue.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [sns_],
        actions: ['sqs:SendMessage'],
        resources: [this.unparsedQueue.queueArn],
        conditions: { ArnEquals: { 'aws:SourceArn': this.unparsedTopic.topicArn } },
      }),
    );
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowTopicsOfThisAccountToEncryptForQueues',
        principals: [sns_],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        // The condition the SQS least-privilege guide gives for SNS deliveries into an encrypted queue.
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
    new sns.Subscription(this.unparsedQueue, Names.nodeUniqueId(this.unparsedTopic.node), {
      topic: this.unparsedTopic,
      protocol: sns.SubscriptionProtocol.SQS,
      endpoint: this.unparsedQueue.queueArn,
      rawMessageDelivery: true,
    });
    // SNS confirms an SQS subscription by itself: no confirmation step, no dependency on the queue policy.
  }
}
