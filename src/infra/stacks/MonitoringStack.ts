import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { ALARM_NAME_PREFIX, METRIC_DIMENSIONS, METRIC_NAMESPACE, METRICS } from '../../core/deployment/contract.js';

export interface MonitoringStackProps extends StackProps {
  /** Alarm when at least this many jobs fail in one period, organization-wide. @default 1 */
  readonly failedJobsThreshold?: number;
  /** @default 60 */
  readonly failedJobsPeriodMinutes?: number;
  /** Create the anomaly-detection alarms. @default true */
  readonly anomalyDetection?: boolean;
  /** Width of the anomaly band in standard deviations. @default 2 */
  readonly anomalyBandWidth?: number;
  /** Alarm when no job completed anywhere for this many hours. @default 24 */
  readonly freshnessHours?: number;
  /** Extra hours before the freshness alarm fires, so a drifting daily plan does not flap. @default 6 */
  readonly freshnessToleranceHours?: number;
  /**
   * Where every alarm of this stack notifies, directly: the org-wide metrics come from the router, so a
   * router that stopped must still reach a person (the freshness alarm fires then). @default no actions
   */
  readonly alarmTopic?: sns.ITopic;
}

/** Names of the alarms, so tests and docs refer to the same strings. */
export const MONITORING_ALARM_NAMES = {
  failedJobs: `${ALARM_NAME_PREFIX}org-failed-jobs`,
  failureRateAnomaly: `${ALARM_NAME_PREFIX}org-failure-rate-anomaly`,
  completedVolumeAnomaly: `${ALARM_NAME_PREFIX}org-completed-volume-anomaly`,
  freshness: `${ALARM_NAME_PREFIX}org-no-completed-jobs`,
  health: `${ALARM_NAME_PREFIX}org-backup-health`,
} as const;

/**
 * Org-wide monitoring from the router's EMF metrics: a dashboard and alarms. Every alarm notifies the
 * central topic directly (its email subscribers), since what it watches is the router's output; their names
 * carry the Vaultpilot prefix too, so their state changes also reach the router through the central default
 * bus and are rendered for the chat and webhook channels.
 */
export class MonitoringStack extends Stack {
  readonly dashboard: cloudwatch.Dashboard;
  readonly healthAlarm: cloudwatch.CompositeAlarm;

  constructor(scope: Construct, id: string, props: MonitoringStackProps = {}) {
    super(scope, id, props);
    const period = Duration.minutes(props.failedJobsPeriodMinutes ?? 60);
    const metric = (metricName: string, dimensionsMap?: Record<string, string>, p: Duration = period) =>
      new cloudwatch.Metric({ namespace: METRIC_NAMESPACE, metricName, dimensionsMap, statistic: 'Sum', period: p });

    const jobs = metric(METRICS.jobs);
    const failed = metric(METRICS.failedJobs);
    const completed = metric(METRICS.completedJobs);
    // FILL keeps the rate at 0 % for periods with jobs but no failures (EMF emits nothing for zero).
    const failureRate = new cloudwatch.MathExpression({
      expression: '100 * FILL(failed, 0) / jobs',
      usingMetrics: { failed, jobs },
      period,
      label: 'Failure rate (%)',
    });

    const failedAlarm = new cloudwatch.Alarm(this, 'FailedJobs', {
      alarmName: MONITORING_ALARM_NAMES.failedJobs,
      alarmDescription: 'Backup, copy or restore jobs failed, expired, were aborted or partial across the organization',
      metric: failed,
      threshold: props.failedJobsThreshold ?? 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const freshnessHours = props.freshnessHours ?? 24;
    const freshnessWindow = freshnessHours + (props.freshnessToleranceHours ?? 6);
    // Hourly buckets: "nothing completed in N hours" is N consecutive empty (missing = breaching) hours,
    // plus the tolerance: a daily job finishing at 02:10 one day and 02:50 the next leaves 24 empty buckets.
    const freshnessAlarm = new cloudwatch.Alarm(this, 'Freshness', {
      alarmName: MONITORING_ALARM_NAMES.freshness,
      alarmDescription: `No backup, copy or restore job completed anywhere in the organization for ${freshnessWindow} hours (${freshnessHours} h and ${freshnessWindow - freshnessHours} h of tolerance)`,
      metric: metric(METRICS.completedJobs, undefined, Duration.hours(1)),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: freshnessWindow,
      datapointsToAlarm: freshnessWindow,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });

    let healthRule: cloudwatch.IAlarmRule;
    if (props.anomalyDetection ?? true) {
      const stdDevs = props.anomalyBandWidth ?? 2;
      const rateAnomaly = new cloudwatch.AnomalyDetectionAlarm(this, 'FailureRateAnomaly', {
        alarmName: MONITORING_ALARM_NAMES.failureRateAnomaly,
        alarmDescription: 'The org-wide job failure rate is above its usual band',
        metric: failureRate,
        stdDevs,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_UPPER_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      const volumeAnomaly = new cloudwatch.AnomalyDetectionAlarm(this, 'CompletedVolumeAnomaly', {
        alarmName: MONITORING_ALARM_NAMES.completedVolumeAnomaly,
        alarmDescription: 'Fewer jobs completed across the organization than usual',
        metric: completed,
        stdDevs,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_LOWER_THRESHOLD,
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      });
      // Failures alone page only when they are also unusual; a silent organization always pages.
      healthRule = cloudwatch.AlarmRule.anyOf(
        cloudwatch.AlarmRule.fromAlarm(freshnessAlarm, cloudwatch.AlarmState.ALARM),
        cloudwatch.AlarmRule.allOf(
          cloudwatch.AlarmRule.fromAlarm(failedAlarm, cloudwatch.AlarmState.ALARM),
          cloudwatch.AlarmRule.fromAlarm(rateAnomaly, cloudwatch.AlarmState.ALARM),
        ),
        cloudwatch.AlarmRule.fromAlarm(volumeAnomaly, cloudwatch.AlarmState.ALARM),
      );
    } else {
      healthRule = cloudwatch.AlarmRule.anyOf(
        cloudwatch.AlarmRule.fromAlarm(freshnessAlarm, cloudwatch.AlarmState.ALARM),
        cloudwatch.AlarmRule.fromAlarm(failedAlarm, cloudwatch.AlarmState.ALARM),
      );
    }
    this.healthAlarm = new cloudwatch.CompositeAlarm(this, 'Health', {
      compositeAlarmName: MONITORING_ALARM_NAMES.health,
      alarmDescription: 'Organization backup health: combines the failure, anomaly and freshness alarms',
      alarmRule: healthRule,
    });
    if (props.alarmTopic) {
      const action = new cwActions.SnsAction(props.alarmTopic);
      for (const child of this.node.findAll()) {
        if (child instanceof cloudwatch.Alarm || child instanceof cloudwatch.CompositeAlarm) {
          child.addAlarmAction(action);
          child.addOkAction(action);
        }
      }
    }

    const search = (dimension: string, metricName: string, label: string) =>
      new cloudwatch.MathExpression({
        expression: `SEARCH('{${METRIC_NAMESPACE},${dimension}} MetricName="${metricName}"', 'Sum', ${period.toSeconds()})`,
        usingMetrics: {},
        label,
        period,
      });
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: 'Vaultpilot',
      defaultInterval: Duration.days(7),
    });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown:
          '# Vaultpilot — AWS Backup across the organization\nJobs are terminal backup, copy and restore jobs reported by every member account and Region.',
        width: 24,
        height: 2,
      }),
      new cloudwatch.AlarmStatusWidget({
        title: 'Alarms',
        alarms: [this.healthAlarm, failedAlarm, freshnessAlarm],
        width: 24,
        height: 3,
      }),
      new cloudwatch.GraphWidget({
        title: 'Jobs by outcome',
        left: [search(METRIC_DIMENSIONS.outcome, METRICS.jobs, '')],
        stacked: true,
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Failure rate (%)',
        left: [failureRate],
        leftYAxis: { min: 0, max: 100, showUnits: false },
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Jobs by account',
        left: [search(METRIC_DIMENSIONS.account, METRICS.jobs, '')],
        stacked: true,
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Jobs by resource type',
        left: [search(METRIC_DIMENSIONS.resourceType, METRICS.jobs, '')],
        stacked: true,
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Failed jobs by account',
        left: [search(METRIC_DIMENSIONS.account, METRICS.failedJobs, '')],
        stacked: true,
        width: 12,
      }),
      new cloudwatch.SingleValueWidget({
        title: 'Last 24 hours',
        metrics: [
          metric(METRICS.completedJobs, undefined, Duration.days(1)).with({ label: 'Completed jobs' }),
          metric(METRICS.failedJobs, undefined, Duration.days(1)).with({ label: 'Failed jobs' }),
          metric(METRICS.policyChanges, undefined, Duration.days(1)).with({ label: 'Policy changes' }),
          metric(METRICS.tamperEvents, undefined, Duration.days(1)).with({ label: 'Tamper events' }),
          metric(METRICS.unparsedEvents, undefined, Duration.days(1)).with({ label: 'Unparsed inputs' }),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Policy changes, tamper events, unparsed inputs',
        left: [
          metric(METRICS.policyChanges).with({ label: 'Policy changes' }),
          metric(METRICS.tamperEvents).with({ label: 'Tamper events' }),
          metric(METRICS.unparsedEvents).with({ label: 'Unparsed inputs' }),
        ],
        width: 24,
      }),
    );
  }
}
