import { Duration, Stack } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sqs from 'aws-cdk-lib/aws-sqs';

export interface AccountRuleQueueTargetProps {
  /** Where EventBridge puts events it could not deliver after its retries. */
  readonly deadLetterQueue: sqs.IQueue;
  /** The key both queues are encrypted with. */
  readonly key: kms.IKey;
  /** @default Duration.hours(24) */
  readonly maxEventAge?: Duration;
  /** @default 185 (EventBridge's maximum) */
  readonly retryAttempts?: number;
}

/**
 * An SQS queue as the target of this account's EventBridge rules. CDK's own SqsQueue target drops the
 * `aws:SourceArn` condition for KMS-encrypted queues (to avoid a dependency cycle), which would let any
 * account's rules write to the queue; this target admits EventBridge to the queue and its dead-letter queue
 * only on behalf of rules in this account and Region, and lets EventBridge use their key as AWS documents.
 */
export class AccountRuleQueueTarget implements events.IRuleTarget {
  private admitted = false;

  constructor(
    private readonly queue: sqs.IQueue,
    private readonly props: AccountRuleQueueTargetProps,
  ) {}

  /** Returns the target configuration for a rule, admitting EventBridge once. */
  bind(rule: events.IRule): events.RuleTargetConfig {
    const stack = Stack.of(rule);
    if (!this.admitted) {
      this.admitted = true;
      const events = new iam.ServicePrincipal('events.amazonaws.com');
      // The condition EventBridge documents for an SQS target: aws:SourceArn, the rule (here any rule of this
      // account and Region, the central bus's rules included: their ARNs are rule/<bus>/<name>).
      const fromRulesOfThisAccount = {
        ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:events:${stack.region}:${stack.account}:rule/*` },
      };
      for (const queue of [this.queue, this.props.deadLetterQueue]) {
        queue.addToResourcePolicy(
          new iam.PolicyStatement({
            sid: 'AllowRulesOfThisAccount',
            principals: [events],
            actions: ['sqs:SendMessage'],
            resources: [queue.queueArn],
            conditions: fromRulesOfThisAccount,
          }),
        );
      }
      // EventBridge documents the key statement for an encrypted SQS target without conditions, and AWS says
      // aws:SourceArn / aws:SourceAccount are not passed to KMS for EventBridge's deliveries to encrypted SNS
      // topics; a condition here could drop every event. The queue policies above decide who may send.
      this.props.key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowEventBridgeToEncryptForQueues',
          principals: [events],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
        }),
      );
    }
    return {
      arn: this.queue.queueArn,
      targetResource: this.queue,
      deadLetterConfig: { arn: this.props.deadLetterQueue.queueArn },
      retryPolicy: {
        maximumEventAgeInSeconds: (this.props.maxEventAge ?? Duration.hours(24)).toSeconds(),
        maximumRetryAttempts: this.props.retryAttempts ?? 185,
      },
    };
  }
}
