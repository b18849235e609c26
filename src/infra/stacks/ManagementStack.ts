import { Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ALARM_NAME_PREFIX } from '../../core/deployment/contract.js';
import { MANAGEMENT_FORWARDED_RULES } from '../../core/eventPatterns.js';
import { patternRule } from '../constructs/patternRule.js';

/** Organizations is a global service: its CloudTrail events reach EventBridge in us-east-1 only. */
export const ORGANIZATIONS_EVENTS_REGION = 'us-east-1';

export interface ManagementStackProps extends StackProps {
  /** ARN of the central custom bus. */
  readonly centralBusArn: string;
}

/**
 * The management account in us-east-1: forwards Organizations policy changes to the central bus. The
 * rule matches by API name, not by policy type, so DeletePolicy (which carries no type) is forwarded
 * and the router recognises backup policies by the ids it has seen.
 */
export class ManagementStack extends Stack {
  constructor(scope: Construct, id: string, props: ManagementStackProps) {
    super(scope, id, props);
    const centralBus = events.EventBus.fromEventBusArn(this, 'CentralBus', props.centralBusArn);
    const undelivered = new sqs.Queue(this, 'Undelivered', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      retentionPeriod: Duration.days(14),
      enforceSSL: true,
    });
    Validations.of(undelivered).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the forwarding rule.',
    });
    const toCentral = new targets.EventBus(centralBus, { deadLetterQueue: undelivered });
    for (const rule of MANAGEMENT_FORWARDED_RULES) {
      patternRule(this, `Forward-${rule.name}`, { rule, targets: [toCentral] });
    }
    new cloudwatch.Alarm(this, 'UndeliveredAlarm', {
      alarmName: `${ALARM_NAME_PREFIX}management-undelivered-events`,
      alarmDescription: 'Organizations policy events the management account could not forward to the central bus',
      metric: undelivered.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}
