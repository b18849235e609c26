import { Aws, Duration, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ALARM_NAME_PREFIX } from '../../core/deployment/contract.js';
import type { RulePattern } from '../../core/eventPatterns.js';
import { HEARTBEAT_INTERVAL_MINUTES, HEARTBEAT_RULE_NAME } from '../../core/heartbeat/sourceHeartbeat.js';
import { patternRule } from './patternRule.js';
import { queueHasMessagesAlarm } from './queueHasMessagesAlarm.js';

export interface ForwardToCentralBusProps {
  /** ARN of the central custom bus. */
  readonly centralBusArn: string;
  /** The rules whose matches are forwarded (from src/core/eventPatterns.ts). */
  readonly rules: readonly RulePattern[];
  /** Name of the alarm on undelivered events, after the Vaultpilot prefix (e.g. `member-undelivered-events`). */
  readonly undeliveredAlarmName: string;
  readonly undeliveredAlarmDescription: string;
}

/**
 * Default-bus rules that forward matching events to the central bus, with a dead-letter queue for events
 * the central bus refused or could not be reached for (kept 14 days) and an alarm when any land there,
 * and the scheduled heartbeat rule whose events take the same path.
 */
export class ForwardToCentralBus extends Construct {
  readonly undelivered: sqs.Queue;

  constructor(scope: Construct, id: string, props: ForwardToCentralBusProps) {
    super(scope, id);
    const centralBus = events.EventBus.fromEventBusArn(this, 'CentralBus', props.centralBusArn);
    this.undelivered = new sqs.Queue(this, 'Undelivered', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      retentionPeriod: Duration.days(14),
      enforceSSL: true,
    });
    Validations.of(this.undelivered).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the forwarding rules.',
    });
    // One role for every forwarding rule and the heartbeat: a role that is deleted or loses its permission
    // then silences the heartbeat too, which the central account notices.
    const role = new iam.Role(this, 'EventsRole', {
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com'),
      description: 'Vaultpilot: forwards matching events and the heartbeat to the central bus',
    });
    // The dead-letter queue is set on each rule's target below rather than through the CDK target, which
    // would add a queue-policy statement naming each rule: a rule that exists only in some Regions (under a
    // template condition) would then be referenced where it does not exist, and the deployment would fail.
    const toCentral = new targets.EventBus(centralBus, { role });
    this.undelivered.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowForwardingRulesOfThisAccount',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.undelivered.queueArn],
        conditions: {
          ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:events:${Aws.REGION}:${Aws.ACCOUNT_ID}:rule/*` },
        },
      }),
    );
    const withDeadLetters = (rule: events.Rule | undefined) =>
      (rule?.node.defaultChild as events.CfnRule | undefined)?.addPropertyOverride(
        'Targets.0.DeadLetterConfig.Arn',
        this.undelivered.queueArn,
      );
    for (const rule of props.rules) {
      withDeadLetters(patternRule(this, `Forward-${rule.name}`, { rule, targets: [toCentral] }));
    }
    // The heartbeat travels the forwarding path itself (same target bus, role and dead-letter queue), so a
    // broken path shows at the central account as a silent source, not as an account where nothing happens.
    withDeadLetters(
      new events.Rule(this, 'Heartbeat', {
        ruleName: HEARTBEAT_RULE_NAME,
        description: `Vaultpilot: a heartbeat to the central bus every ${HEARTBEAT_INTERVAL_MINUTES} minutes`,
        schedule: events.Schedule.rate(Duration.minutes(HEARTBEAT_INTERVAL_MINUTES)),
        targets: [toCentral],
      }),
    );
    queueHasMessagesAlarm(this, 'UndeliveredAlarm', {
      queue: this.undelivered,
      alarmName: `${ALARM_NAME_PREFIX}${props.undeliveredAlarmName}`,
      description: props.undeliveredAlarmDescription,
    });
  }
}
