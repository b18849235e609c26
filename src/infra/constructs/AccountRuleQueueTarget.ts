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
 * account's rules write to the queue; this target admits EventBridge only on behalf of rules in this
 * account and Region, for the queue, its dead-letter queue and their key.
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
      const conditions = {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:events:${stack.region}:${stack.account}:rule/*` },
      };
      const events = new iam.ServicePrincipal('events.amazonaws.com');
      for (const queue of [this.queue, this.props.deadLetterQueue]) {
        queue.addToResourcePolicy(
          new iam.PolicyStatement({
            sid: 'AllowRulesOfThisAccount',
            principals: [events],
            actions: ['sqs:SendMessage'],
            resources: [queue.queueArn],
            conditions,
          }),
        );
      }
      this.props.key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowRulesOfThisAccountToEncrypt',
          principals: [events],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
          conditions,
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
