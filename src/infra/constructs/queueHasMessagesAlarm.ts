import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

export interface QueueHasMessagesAlarmProps {
  /** A dead-letter or failed-runs queue: any message in it needs a person. */
  readonly queue: sqs.IQueue;
  /** The full alarm name (with the Vaultpilot prefix). */
  readonly alarmName: string;
  readonly description: string;
}

/** An alarm that fires as soon as a queue holds a message (5-minute maximum; an empty queue sends no data). */
export function queueHasMessagesAlarm(
  scope: Construct,
  id: string,
  props: QueueHasMessagesAlarmProps,
): cloudwatch.Alarm {
  return new cloudwatch.Alarm(scope, id, {
    alarmName: props.alarmName,
    alarmDescription: props.description,
    metric: props.queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
    threshold: 0,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}
