import { Duration, type Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { ALARM_NAME_PREFIX } from '../../core/deployment/contract.js';
import { queueHasMessagesAlarm } from '../constructs/queueHasMessagesAlarm.js';

export interface OperationalAlarmsProps {
  /** Where they notify: straight to the topic, so they arrive even when the router is what is broken. */
  readonly topic: sns.ITopic;
  readonly routerDeadLetters: sqs.Queue;
  readonly deliveryDeadLetters: sqs.Queue;
  readonly unparsedQueue: sqs.Queue;
  readonly router: lambda.IFunction;
}

/** Alarms on the central account's own failure paths: dead letters, unparsed inputs, router errors. */
export class OperationalAlarms {
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(stack: Stack, props: OperationalAlarmsProps) {
    const action = new cwActions.SnsAction(props.topic);
    const queueAlarms: [string, sqs.Queue, string][] = [
      ['router-dead-letters', props.routerDeadLetters, 'Events the router could not process after 5 attempts'],
      ['delivery-dead-letters', props.deliveryDeadLetters, 'Messages no channel accepted after every retry'],
      ['unparsed-inputs', props.unparsedQueue, 'Inputs Vaultpilot could not understand are waiting to be read'],
    ];
    for (const [name, queue, description] of queueAlarms) {
      this.alarms.push(
        queueHasMessagesAlarm(stack, `Alarm-${name}`, { queue, alarmName: `${ALARM_NAME_PREFIX}${name}`, description }),
      );
    }
    this.alarms.push(
      new cloudwatch.Alarm(stack, 'Alarm-router-errors', {
        alarmName: `${ALARM_NAME_PREFIX}router-errors`,
        alarmDescription: 'The router function failed invocations (events are retried, then dead-lettered)',
        metric: props.router.metricErrors({ period: Duration.minutes(15), statistic: 'Sum' }),
        threshold: 3,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
    for (const alarm of this.alarms) alarm.addAlarmAction(action);
    for (const dlq of [props.routerDeadLetters, props.deliveryDeadLetters]) {
      Validations.of(dlq).acknowledge({
        id: 'AwsSolutions::AwsSolutions-SQS3',
        reason: 'This queue is itself a dead-letter queue; an alarm fires as soon as it holds a message.',
      });
    }
  }
}
