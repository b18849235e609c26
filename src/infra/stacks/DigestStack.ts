import { Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { DigestSchedule } from '../../core/config/digestSchedule.js';
import { ALARM_NAME_PREFIX, ENV, METRIC_NAMESPACE } from '../../core/deployment/contract.js';
import { queueHasMessagesAlarm } from '../constructs/queueHasMessagesAlarm.js';
import { VaultpilotFunction } from '../constructs/VaultpilotFunction.js';

export interface DigestStackProps extends StackProps {
  readonly ledger: dynamodb.ITable;
  readonly topic: sns.ITopic;
  readonly unparsedTopic: sns.ITopic;
  readonly deliveryQueue: sqs.IQueue;
  /** The central key (queues, logs). */
  readonly key: kms.IKey;
  readonly settingsJson: string;
  readonly projectRoot: string;
  /** When the daily digest runs; undefined turns the digest off. */
  readonly digestSchedule?: DigestSchedule;
  /** When the RPO check runs; undefined turns the check off. */
  readonly rpoCheckSchedule?: DigestSchedule;
  /** @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
}

/** The daily digest and the hourly RPO check: scheduled functions reading the ledger. */
export class DigestStack extends Stack {
  readonly digest?: VaultpilotFunction;
  readonly rpoCheck?: VaultpilotFunction;
  readonly failedInvocations: sqs.Queue;

  constructor(scope: Construct, id: string, props: DigestStackProps) {
    super(scope, id, props);
    // Failed scheduled runs (after retries) land here, from the scheduler and from Lambda alike.
    this.failedInvocations = new sqs.Queue(this, 'FailedRuns', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      retentionPeriod: Duration.days(14),
      enforceSSL: true,
    });
    Validations.of(this.failedInvocations).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter destination of the scheduled functions and their schedules.',
    });
    const schedulerRole = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
      description: 'Lets EventBridge Scheduler invoke the Vaultpilot digest and RPO check',
    });
    this.failedInvocations.grantSendMessages(schedulerRole);
    // A failed run must reach a person without going through the router: straight to the topic.
    queueHasMessagesAlarm(this, 'FailedRunsAlarm', {
      queue: this.failedInvocations,
      alarmName: `${ALARM_NAME_PREFIX}scheduled-runs-failed`,
      description: 'A daily digest or RPO/source check run failed after its retries (see the FailedRuns queue)',
    }).addAlarmAction(new cwActions.SnsAction(props.topic));

    const environment = {
      [ENV.ledgerTable]: props.ledger.tableName,
      [ENV.topicArn]: props.topic.topicArn,
      [ENV.deliveryQueueUrl]: props.deliveryQueue.queueUrl,
      [ENV.unparsedTopicArn]: props.unparsedTopic.topicArn,
      [ENV.settings]: props.settingsJson,
      [ENV.metricNamespace]: METRIC_NAMESPACE,
    };
    const common = {
      projectRoot: props.projectRoot,
      logKey: props.key,
      logRetention: props.logRetention,
      environment,
      timeout: Duration.minutes(5),
      // No reserved concurrency: reserving any (even 1) fails the deployment in accounts whose Lambda
      // quota is 10, since 10 must stay unreserved. Runs never overlap because each takes a lease in the
      // ledger first (a conditional write) and a second run skips while the lease is held.
      onFailure: new SqsDestination(this.failedInvocations),
    };

    if (props.digestSchedule) {
      this.digest = new VaultpilotFunction(this, 'Digest', { ...common, handler: 'digest' });
      // Read/write: the run lease is a ledger item.
      props.ledger.grantReadWriteData(this.digest.function);
      this.grantNotify(this.digest, props);
      this.schedule('DigestSchedule', this.digest, schedulerRole, props.digestSchedule, 'Vaultpilot daily digest');
    }
    if (props.rpoCheckSchedule) {
      this.rpoCheck = new VaultpilotFunction(this, 'RpoCheck', { ...common, handler: 'rpoCheck' });
      // Read/write: the check records which resources it already alerted on, so each alerts once, and its lease.
      props.ledger.grantReadWriteData(this.rpoCheck.function);
      this.grantNotify(this.rpoCheck, props);
      this.schedule(
        'RpoCheckSchedule',
        this.rpoCheck,
        schedulerRole,
        props.rpoCheckSchedule,
        'Vaultpilot hourly RPO check',
      );
    }
  }

  private grantNotify(fn: VaultpilotFunction, props: DigestStackProps): void {
    props.topic.grantPublish(fn.function);
    props.unparsedTopic.grantPublish(fn.function);
    props.deliveryQueue.grantSendMessages(fn.function);
  }

  private schedule(
    id: string,
    fn: VaultpilotFunction,
    role: iam.Role,
    spec: DigestSchedule,
    description: string,
  ): void {
    // The unqualified ARN only: the schedule never invokes versions or aliases.
    role.addToPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [fn.function.functionArn] }),
    );
    new scheduler.CfnSchedule(this, id, {
      description,
      flexibleTimeWindow: { mode: 'OFF' },
      scheduleExpression: spec.expression,
      scheduleExpressionTimezone: spec.timeZone,
      target: {
        arn: fn.function.functionArn,
        roleArn: role.roleArn,
        retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 },
        deadLetterConfig: { arn: this.failedInvocations.queueArn },
      },
    });
  }
}
