import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALARM_NAME_PREFIX, METRIC_NAMESPACE, METRICS } from '../../src/core/deployment/contract.js';
import { MONITORING_ALARM_NAMES } from '../../src/infra/stacks/MonitoringStack.js';
import { MINIMAL_CONFIG_PATH, type SynthesizedApp, synthesizeFixtureApp } from './fixtureApp.js';

type Props = Record<string, unknown>;
let full: SynthesizedApp;
let minimal: SynthesizedApp;
let monitoring: Template;
let digest: Template;

beforeAll(() => {
  full = synthesizeFixtureApp();
  minimal = synthesizeFixtureApp(MINIMAL_CONFIG_PATH);
  monitoring = full.template(full.monitoring);
  digest = full.template(full.digest);
});

function alarmsByName(template: Template): Map<string, Props> {
  const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
  return new Map(alarms.map((a) => [a.Properties.AlarmName as string, a.Properties as Props]));
}

describe('MonitoringStack', () => {
  it('names every alarm with the Vaultpilot prefix so its state changes reach the router', () => {
    const names = [
      ...alarmsByName(monitoring).keys(),
      ...Object.values(monitoring.findResources('AWS::CloudWatch::CompositeAlarm')).map((a) => a.Properties.AlarmName),
    ];
    expect(names.sort()).toEqual(Object.values(MONITORING_ALARM_NAMES).sort());
    for (const name of names) expect(name.startsWith(ALARM_NAME_PREFIX)).toBe(true);
  });

  it('alarms on the failed-job count with the configured threshold, missing data not breaching', () => {
    expect(alarmsByName(monitoring).get(MONITORING_ALARM_NAMES.failedJobs)).toMatchObject({
      Namespace: METRIC_NAMESPACE,
      MetricName: METRICS.failedJobs,
      Statistic: 'Sum',
      Period: 3600,
      Threshold: 2,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it('alarms when no job completed for the configured hours and the tolerance, missing data breaching', () => {
    expect(alarmsByName(monitoring).get(MONITORING_ALARM_NAMES.freshness)).toMatchObject({
      MetricName: METRICS.completedJobs,
      Period: 3600,
      // 26 configured + 6 of tolerance (the default), so a daily plan drifting across an hour does not flap.
      EvaluationPeriods: 32,
      DatapointsToAlarm: 32,
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      TreatMissingData: 'breaching',
    });
  });

  it('sends every alarm, the composite health alarm included, straight to the notification topic', () => {
    const all = [
      ...Object.values(monitoring.findResources('AWS::CloudWatch::Alarm')),
      ...Object.values(monitoring.findResources('AWS::CloudWatch::CompositeAlarm')),
    ];
    expect(all.length).toBeGreaterThanOrEqual(5);
    for (const alarm of all) {
      expect(JSON.stringify(alarm.Properties.AlarmActions)).toContain('Notifications');
      expect(JSON.stringify(alarm.Properties.OKActions)).toContain('Notifications');
    }
  });

  it('watches the failure rate (metric math) and the completed-job volume with anomaly detection', () => {
    const rate = alarmsByName(monitoring).get(MONITORING_ALARM_NAMES.failureRateAnomaly);
    const rateMetrics = JSON.stringify(rate?.Metrics);
    expect(rate?.ComparisonOperator).toBe('GreaterThanUpperThreshold');
    expect(rateMetrics).toMatch(/ANOMALY_DETECTION_BAND\(\w+, ?2\)/);
    expect(rateMetrics).toContain('100 * FILL(failed, 0) / jobs');
    expect(rateMetrics).toContain(`"MetricName":"${METRICS.failedJobs}"`);
    expect(rateMetrics).toContain(`"MetricName":"${METRICS.jobs}"`);

    const volume = alarmsByName(monitoring).get(MONITORING_ALARM_NAMES.completedVolumeAnomaly);
    expect(volume?.ComparisonOperator).toBe('LessThanLowerThreshold');
    expect(JSON.stringify(volume?.Metrics)).toContain(`"MetricName":"${METRICS.completedJobs}"`);
  });

  it('combines the alarms in a composite: silence, unusual failures or unusually few completions', () => {
    const composite = Object.values(monitoring.findResources('AWS::CloudWatch::CompositeAlarm'))[0];
    const alarms = monitoring.findResources('AWS::CloudWatch::Alarm');
    // The rule refers to alarms by ARN; write it out with their names to read it.
    const parts = composite?.Properties.AlarmRule['Fn::Join'][1] as (string | { 'Fn::GetAtt': [string, string] })[];
    const rule = parts
      .map((part) => (typeof part === 'string' ? part : alarms[part['Fn::GetAtt'][0]]?.Properties.AlarmName))
      .join('');
    for (const name of [
      MONITORING_ALARM_NAMES.freshness,
      MONITORING_ALARM_NAMES.failedJobs,
      MONITORING_ALARM_NAMES.failureRateAnomaly,
      MONITORING_ALARM_NAMES.completedVolumeAnomaly,
    ]) {
      expect(rule).toContain(name);
    }
    expect(rule).toMatch(/\(ALARM\(.*failed-jobs.*\) AND ALARM\(.*failure-rate-anomaly.*\)\)/);
  });

  it('builds the dashboard from the router metrics: outcome, account, resource type, rate, policy changes, unparsed', () => {
    const dashboard = Object.values(monitoring.findResources('AWS::CloudWatch::Dashboard'))[0];
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);
    for (const dimension of ['Outcome', 'Account', 'ResourceType']) {
      expect(body).toContain(`{${METRIC_NAMESPACE},${dimension}} MetricName=\\\\\\"${METRICS.jobs}\\\\\\"`);
    }
    for (const metric of [METRICS.policyChanges, METRICS.unparsedEvents, METRICS.tamperEvents, METRICS.completedJobs]) {
      expect(body).toContain(`\\"${metric}\\"`);
    }
    expect(body).toContain('Failure rate (%)');
  });

  it('leaves out anomaly detection when the configuration turns it off', () => {
    const names = [...alarmsByName(minimal.template(minimal.monitoring)).keys()];
    expect(names.sort()).toEqual([MONITORING_ALARM_NAMES.failedJobs, MONITORING_ALARM_NAMES.freshness].sort());
  });
});

describe('DigestStack', () => {
  const schedules = (template: Template) => Object.values(template.findResources('AWS::Scheduler::Schedule'));

  it('runs the digest daily at the configured time in the configured time zone, and the RPO check hourly', () => {
    const expressions = schedules(digest).map((s) => [
      s.Properties.ScheduleExpression,
      s.Properties.ScheduleExpressionTimezone,
    ]);
    expect(expressions).toContainEqual(['cron(30 7 * * ? *)', 'Europe/Berlin']);
    expect(expressions.some(([e, tz]) => /^cron\(\d+ \* \* \* \? \*\)$/.test(e) && tz === 'UTC')).toBe(true);
    for (const schedule of schedules(digest)) {
      expect(schedule.Properties.FlexibleTimeWindow).toEqual({ Mode: 'OFF' });
      expect(schedule.Properties.Target.RetryPolicy.MaximumRetryAttempts).toBe(2);
      expect(schedule.Properties.Target.DeadLetterConfig.Arn).toEqual({
        'Fn::GetAtt': [expect.stringMatching(/^FailedRuns/), 'Arn'],
      });
    }
  });

  it('gives both functions a failure destination, no reserved concurrency and the ledger access they need', () => {
    const functions = Object.entries(digest.findResources('AWS::Lambda::Function'));
    expect(functions).toHaveLength(2);
    for (const [, fn] of functions) {
      // Reserving any concurrency fails the create in accounts whose quota is 10 (10 must stay unreserved).
      expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
      expect(fn.Properties.Runtime).toBe('nodejs22.x');
    }
    const configs = Object.values(digest.findResources('AWS::Lambda::EventInvokeConfig'));
    expect(configs).toHaveLength(2);
    for (const config of configs) {
      expect(JSON.stringify(config.Properties.DestinationConfig.OnFailure)).toContain('FailedRuns');
    }
    const policies = Object.values(digest.findResources('AWS::IAM::Policy')).map((p) => JSON.stringify(p.Properties));
    const digestPolicy = policies.find((p) => p.includes('DigestRole'));
    const rpoPolicy = policies.find((p) => p.includes('RpoCheckRole'));
    expect(digestPolicy).toContain('dynamodb:Query');
    // Both write: each run takes a lease in the ledger so two runs never overlap.
    expect(digestPolicy).toContain('dynamodb:PutItem');
    expect(rpoPolicy).toContain('dynamodb:PutItem');
  });

  it('alarms straight to the notification topic when a scheduled run fails', () => {
    const alarms = Object.values(digest.findResources('AWS::CloudWatch::Alarm'));
    const failedRuns = alarms.find((a) => a.Properties.AlarmName === 'vaultpilot-scheduled-runs-failed');
    expect(JSON.stringify(failedRuns?.Properties.Dimensions)).toContain('FailedRuns');
    expect(failedRuns?.Properties.AlarmActions).toHaveLength(1);
    expect(JSON.stringify(failedRuns?.Properties.AlarmActions)).toContain('Notifications');
  });

  it('lets the scheduler invoke exactly the two functions', () => {
    const policy = Object.values(digest.findResources('AWS::IAM::Policy')).find((p) =>
      JSON.stringify(p.Properties.Roles).includes('SchedulerRole'),
    );
    const invoke = ((policy?.Properties.PolicyDocument.Statement ?? []) as Props[]).filter(
      (s) => s.Action === 'lambda:InvokeFunction',
    );
    expect(invoke).toHaveLength(2);
    for (const statement of invoke) expect(statement.Resource).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Arn'] });
  });

  it('creates no digest when the configuration turns it off, but keeps the hourly check for silent sources', () => {
    const template = minimal.template(minimal.digest);
    expect(Object.keys(template.findResources('AWS::Lambda::Function'))).toHaveLength(1);
    expect(schedules(template)).toHaveLength(1);
    expect(JSON.stringify(schedules(template)[0]?.Properties.Description)).toContain('RPO');
  });
});
