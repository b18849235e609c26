import {
  Aws,
  BootstraplessSynthesizer,
  CfnCondition,
  CustomResource,
  Duration,
  Fn,
  type ICfnConditionExpression,
  RemovalPolicy,
  Stack,
  type StackProps,
} from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ALARM_NAME_PREFIX } from '../../core/deployment/contract.js';
import { MEMBER_FORWARDED_RULES } from '../../core/eventPatterns.js';
import { ForwardToCentralBus } from '../constructs/ForwardToCentralBus.js';
import {
  FRESHNESS_ALARM_NAME_PREFIX,
  type FreshnessAlarmVault,
  freshnessAlarmDescription,
  VaultFreshnessAlarms,
} from '../constructs/VaultFreshnessAlarms.js';
import { VAULT_NOTIFICATIONS_HANDLER_SOURCE } from '../constructs/vaultNotificationsHandler.js';
import { InfraError } from '../InfraError.js';
import { VAULT_NOTIFICATIONS_ROLE_PREFIX, VAULT_TOPIC_NAME } from './CentralStack.js';

/** A vault watched with per-vault alarms, optionally only in some accounts or Regions. */
export interface MemberWatchedVault {
  readonly name: string;
  /** @default every account the StackSet reaches */
  readonly accounts?: readonly string[];
  /** @default every Region the StackSet reaches */
  readonly regions?: readonly string[];
}

export interface MemberStackProps extends StackProps {
  /** ARN of the central custom bus. */
  readonly centralBusArn: string;
  /** Vaults that get their own freshness alarm ("no backup completed in N hours"). @default none */
  readonly watchedVaults?: readonly MemberWatchedVault[];
  /** A watched vault alarms when no backup job completed in it for this many hours. @default 24 */
  readonly freshnessHours?: number;
  /** Extra hours before a vault's freshness alarm fires, so a drifting daily plan does not flap. @default 6 */
  readonly freshnessToleranceHours?: number;
  /** Configure vault SNS notifications on these vaults (where they exist). @default none */
  readonly notificationVaults?: readonly string[];
  /** Vault events to subscribe to (PutBackupVaultNotifications BackupVaultEvents). */
  readonly notificationEvents?: readonly string[];
  /** The central router queue the vault-notification topic delivers to (required with notificationVaults). */
  readonly routerQueueArn?: string;
  /** The central role that subscribes the router queue to the topic (required with notificationVaults). */
  readonly subscriberRoleArn?: string;
}

/**
 * Failure metrics (real AWS/Backup names), each alarmed on once per account and Region with a Metrics
 * Insights query that sums every vault: one alarm covers vaults created later too, and costs far less
 * than an alarm per vault in every account and Region of the StackSet.
 */
export const ACCOUNT_FAILURE_METRICS = [
  'NumberOfBackupJobsFailed',
  'NumberOfBackupJobsExpired',
  'NumberOfCopyJobsFailed',
  'NumberOfRestoreJobsFailed',
] as const;

/**
 * What every member account runs in every configured Region, deployed by a service-managed StackSet:
 * default-bus rules that forward AWS Backup events, tamper calls and Vaultpilot alarm state changes to
 * the central bus; CloudWatch alarms on AWS/Backup metrics; optionally vault SNS notifications.
 * The template is self-contained (no assets, no bootstrap): StackSets deploy it into accounts that were
 * never bootstrapped.
 */
export class MemberStack extends Stack {
  constructor(scope: Construct, id: string, props: MemberStackProps) {
    super(scope, id, { ...props, synthesizer: new BootstraplessSynthesizer() });
    const forwarding = new ForwardToCentralBus(this, 'Forwarding', {
      centralBusArn: props.centralBusArn,
      rules: MEMBER_FORWARDED_RULES,
      undeliveredAlarmName: 'member-undelivered-events',
      undeliveredAlarmDescription: 'Events this account could not forward to the Vaultpilot central bus',
    });

    // AWS/Backup emits metrics per vault and only when non-zero: Metrics Insights sums every vault, and
    // missing data means nothing failed.
    for (const metricName of ACCOUNT_FAILURE_METRICS) {
      new cloudwatch.CfnAlarm(this, `Account-${metricName}`, {
        alarmName: `${ALARM_NAME_PREFIX}account-${kebab(metricName)}`,
        alarmDescription: `AWS Backup ${metricName} in any vault of this account and Region`,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        threshold: 1,
        evaluationPeriods: 1,
        treatMissingData: 'notBreaching',
        metrics: [
          {
            id: 'q',
            expression: `SELECT SUM(${metricName}) FROM SCHEMA("AWS/Backup", BackupVaultName)`,
            period: 3600,
            returnData: true,
          },
        ],
      });
    }

    const freshnessHours = props.freshnessHours ?? 24;
    const freshnessTolerance = props.freshnessToleranceHours ?? 6;
    const freshnessWindow = freshnessHours + freshnessTolerance;
    const seen = new Map<string, number>();
    const unscoped: FreshnessAlarmVault[] = [];
    (props.watchedVaults ?? []).forEach((vault, index) => {
      // The same vault may be listed again for other accounts or Regions: later entries get a number, so
      // construct ids and alarm names stay unique (the first keeps the name it always had).
      const repeat = seen.get(vault.name) ?? 0;
      seen.set(vault.name, repeat + 1);
      const suffix = repeat === 0 ? vault.name : `${vault.name}-${repeat + 1}`;
      const condition = this.scopeCondition(vault, index);
      // Listed without accounts or Regions: where the vault does not exist a static alarm would sit in ALARM
      // (missing data is breaching), so the function alarms only where it finds the vault.
      if (!condition) {
        unscoped.push({ vaultName: vault.name, alarmName: `${FRESHNESS_ALARM_NAME_PREFIX}${suffix}` });
        return;
      }
      const metric = (metricName: string, period: Duration) =>
        new cloudwatch.Metric({
          namespace: 'AWS/Backup',
          metricName,
          dimensionsMap: { BackupVaultName: vault.name },
          statistic: 'Sum',
          period,
        });
      // Hourly buckets and a tolerance: a daily job finishing at 02:10 one day and 02:50 the next leaves 24
      // empty buckets, which a 24-of-24 alarm would report although nothing is late.
      const freshness = new cloudwatch.Alarm(this, `VaultFreshness-${suffix}`, {
        alarmName: `${FRESHNESS_ALARM_NAME_PREFIX}${suffix}`,
        alarmDescription: freshnessAlarmDescription(vault.name, freshnessHours, freshnessTolerance),
        metric: metric('NumberOfBackupJobsCompleted', Duration.hours(1)),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: freshnessWindow,
        datapointsToAlarm: freshnessWindow,
        // No data means nothing completed: that is exactly what this alarm is about.
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      });
      (freshness.node.defaultChild as cloudwatch.CfnAlarm).cfnOptions.condition = condition;
    });
    if (unscoped.length > 0) {
      new VaultFreshnessAlarms(this, 'UnscopedVaultFreshness', {
        vaults: unscoped,
        hours: freshnessHours,
        toleranceHours: freshnessTolerance,
        deadLetterQueue: forwarding.undelivered,
      });
    }

    if ((props.notificationVaults ?? []).length > 0) this.vaultNotifications(props, forwarding.undelivered);
  }

  /**
   * A condition limiting a vault's alarms to its accounts and Regions, or undefined for everywhere. Named by
   * the entry's position: condition ids become logical ids with `-` and `_` dropped, so names would collide.
   */
  private scopeCondition(vault: MemberWatchedVault, index: number): CfnCondition | undefined {
    const parts: ICfnConditionExpression[] = [];
    if (vault.accounts?.length) parts.push(anyEquals(Aws.ACCOUNT_ID, vault.accounts));
    if (vault.regions?.length) parts.push(anyEquals(Aws.REGION, vault.regions));
    if (parts.length === 0) return undefined;
    return new CfnCondition(this, `WatchedVault${index + 1}Scope`, {
      expression: parts.length === 1 ? parts[0] : Fn.conditionAnd(...parts),
    });
  }

  private vaultNotifications(props: MemberStackProps, deadLetters: sqs.IQueue): void {
    if (!props.routerQueueArn || !props.subscriberRoleArn) {
      throw new InfraError('MemberStack: routerQueueArn and subscriberRoleArn are required with notificationVaults');
    }
    const vaults = props.notificationVaults ?? [];
    const key = new kms.Key(this, 'VaultTopicKey', {
      description: 'Vaultpilot vault notifications topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowBackupToPublishEncrypted',
        principals: [new iam.ServicePrincipal('backup.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowLogsOfThisAccount',
        principals: [new iam.ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:*`,
          },
        },
      }),
    );
    const topic = new sns.Topic(this, 'VaultTopic', { topicName: VAULT_TOPIC_NAME, masterKey: key, enforceSSL: true });
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowBackupOfThisAccount',
        principals: [new iam.ServicePrincipal('backup.amazonaws.com')],
        actions: ['SNS:Publish'],
        resources: [topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    // The central subscriber role subscribes the router queue (as its owner, so no confirmation is needed).
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCentralRouterSubscription',
        principals: [new iam.ArnPrincipal(props.subscriberRoleArn)],
        actions: ['SNS:Subscribe'],
        resources: [topic.topicArn],
      }),
    );

    const logGroup = new logs.LogGroup(this, 'VaultNotificationsLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      encryptionKey: key,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Named (per Region: roles are global) so the central subscriber role can trust exactly these roles.
    const role = new iam.Role(this, 'VaultNotificationsRole', {
      roleName: `${VAULT_NOTIFICATIONS_ROLE_PREFIX}${Aws.REGION}`,
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Vaultpilot: configures AWS Backup vault notifications',
    });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: [props.subscriberRoleArn] }));
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['backup:PutBackupVaultNotifications', 'backup:DeleteBackupVaultNotifications'],
        resources: vaults.map(
          (name) => `arn:${Aws.PARTITION}:backup:${Aws.REGION}:${Aws.ACCOUNT_ID}:backup-vault:${name}`,
        ),
      }),
    );
    const fn = new lambda.Function(this, 'VaultNotificationsFunction', {
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromInline(VAULT_NOTIFICATIONS_HANDLER_SOURCE),
      timeout: Duration.minutes(2),
      role,
      logGroup,
      // CloudFormation invokes custom resources asynchronously: a run that keeps failing is kept here.
      deadLetterQueue: deadLetters,
      description: 'Vaultpilot: PutBackupVaultNotifications for the configured vaults',
    });
    fn.node.addDependency(logGroup);
    new CustomResource(this, 'VaultNotifications', {
      serviceToken: fn.functionArn,
      resourceType: 'Custom::VaultpilotVaultNotifications',
      properties: {
        Vaults: [...vaults],
        TopicArn: topic.topicArn,
        Events: [...(props.notificationEvents ?? [])],
        RouterQueueArn: props.routerQueueArn,
        SubscriberRoleArn: props.subscriberRoleArn,
      },
    });
  }
}

function anyEquals(value: string, candidates: readonly string[]): ICfnConditionExpression {
  return anyOf(candidates.map((c) => Fn.conditionEquals(value, c)));
}

/** Fn::Or takes 2 to 10 conditions: a single one stands alone, longer lists are nested. */
function anyOf(conditions: readonly ICfnConditionExpression[]): ICfnConditionExpression {
  if (conditions.length === 1) return conditions[0] as ICfnConditionExpression;
  if (conditions.length <= 10) return Fn.conditionOr(...conditions);
  const groups: ICfnConditionExpression[] = [];
  for (let i = 0; i < conditions.length; i += 10) groups.push(anyOf(conditions.slice(i, i + 10)));
  return anyOf(groups);
}

function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}
