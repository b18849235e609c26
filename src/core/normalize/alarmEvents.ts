/**
 * CloudWatch alarm state changes for alarms on AWS Backup metrics (namespace AWS/Backup), on
 * Vaultpilot's own metrics, or named with the `vaultpilot-` prefix. They arrive as EventBridge
 * "CloudWatch Alarm State Change" events, or as the classic JSON message of an SNS alarm action.
 */
import * as z from 'zod';
import { ALARM_NAME_PREFIX, METRIC_NAMESPACE } from '../deployment/contract.js';
import type { Outcome, Signal } from '../signal.js';
import { buildSignal, unparsedSignal } from './buildSignal.js';
import { alarmLink } from './consoleLinks.js';
import type { EventBridgeEnvelope } from './eventBridgeEnvelope.js';
import { at, firstIssue, isoTime, isRecord, text } from './eventFields.js';
import { accountOfArn, regionOfArn } from './parseArn.js';
import type { SnsNotification } from './vaultNotifications.js';

const ALARM_OUTCOMES: Readonly<Record<string, Outcome>> = {
  ALARM: 'in-alarm',
  OK: 'ok',
  INSUFFICIENT_DATA: 'insufficient-data',
};

interface MetricFacts {
  readonly namespace?: string | undefined;
  readonly name?: string | undefined;
  readonly stat?: string | undefined;
  readonly period?: string | undefined;
  readonly dimensions: Readonly<Record<string, string>>;
}

interface AlarmFacts {
  readonly name: string;
  readonly state: string;
  readonly previousState?: string | undefined;
  readonly reason?: string | undefined;
  readonly stateTime?: string | undefined;
  readonly description?: string | undefined;
  readonly alarmRule?: string | undefined;
  readonly metrics: readonly MetricFacts[];
  readonly account?: string | undefined;
  readonly region?: string | undefined;
  readonly eventTime?: string | undefined;
}

function isWatched(facts: AlarmFacts): boolean {
  return (
    facts.name.startsWith(ALARM_NAME_PREFIX) ||
    facts.metrics.some((m) => m.namespace === 'AWS/Backup' || m.namespace === METRIC_NAMESPACE)
  );
}

function metricText(m: MetricFacts): string {
  const dims = Object.entries(m.dimensions).map(([k, v]) => `${k}=${v}`);
  const how = [m.stat, m.period ? `over ${m.period} s` : undefined].filter(Boolean).join(' ');
  return `${m.namespace ?? '?'} ${m.name ?? '?'}${how ? ` (${how})` : ''}${dims.length > 0 ? ` [${dims.join(', ')}]` : ''}`;
}

function alarmSignal(facts: AlarmFacts, raw: unknown): Signal {
  if (!isWatched(facts)) {
    return unparsedSignal(
      raw,
      `CloudWatch alarm "${facts.name}" is neither on AWS/Backup or ${METRIC_NAMESPACE} metrics nor named ${ALARM_NAME_PREFIX}…`,
      { source: 'cloudwatch-alarm', eventType: facts.name },
    );
  }
  const state = facts.state.toUpperCase();
  const vaultName = facts.metrics.map((m) => m.dimensions.BackupVaultName).find(Boolean);
  const resourceType = facts.metrics.map((m) => m.dimensions.ResourceType).find(Boolean);
  return buildSignal({
    kind: 'alarm',
    outcome: ALARM_OUTCOMES[state] ?? 'unknown',
    source: 'cloudwatch-alarm',
    eventType: facts.name,
    idParts: [facts.account, facts.region, facts.name, state, facts.stateTime ?? facts.eventTime],
    state,
    account: facts.account,
    region: facts.region,
    vault: vaultName ? { name: vaultName } : undefined,
    resource: resourceType ? { type: resourceType } : undefined,
    statusMessage: facts.reason,
    times: { event: isoTime(facts.stateTime) ?? isoTime(facts.eventTime) },
    details: {
      'Previous state': facts.previousState,
      Description: facts.description,
      Metric: facts.metrics.length > 0 ? facts.metrics.map(metricText).join('; ') : undefined,
      'Alarm rule': facts.alarmRule,
    },
    links: [facts.region ? alarmLink(facts.region, facts.name) : undefined],
    raw,
  });
}

const alarmDetailSchema = z.looseObject({
  alarmName: z.string().trim().min(1, 'must be a non-empty string'),
  state: z.looseObject({ value: z.string().trim().min(1, 'must be a non-empty string') }),
});

function dimensionsOf(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(value)) {
    // SNS alarm messages list dimensions as [{name, value}].
    for (const d of value) {
      const name = text(at(d, 'name')) ?? text(at(d, 'Name'));
      const v = text(at(d, 'value')) ?? text(at(d, 'Value'));
      if (name && v) out[name] = v;
    }
  } else if (isRecord(value)) {
    for (const [name, v] of Object.entries(value)) if (text(v)) out[name] = text(v) as string;
  }
  return out;
}

/** Normalizes a "CloudWatch Alarm State Change" EventBridge event. */
export function normalizeAlarmStateChange(env: EventBridgeEnvelope): Signal {
  const parsed = alarmDetailSchema.safeParse(env.detail);
  if (!parsed.success) {
    return unparsedSignal(env, firstIssue(parsed.error, 'CloudWatch Alarm State Change: detail'), {
      source: 'cloudwatch-alarm',
      eventType: env['detail-type'],
    });
  }
  const d = env.detail;
  const metricsValue = at(d, 'configuration', 'metrics');
  const metrics: MetricFacts[] = (Array.isArray(metricsValue) ? metricsValue : [])
    .map((m) => at(m, 'metricStat'))
    .filter(isRecord)
    .map((stat) => ({
      namespace: text(at(stat, 'metric', 'namespace')),
      name: text(at(stat, 'metric', 'name')),
      stat: text(stat.stat),
      period: text(stat.period),
      dimensions: dimensionsOf(at(stat, 'metric', 'dimensions')),
    }));
  return alarmSignal(
    {
      name: parsed.data.alarmName,
      state: parsed.data.state.value,
      previousState: text(at(d, 'previousState', 'value')),
      reason: text(at(d, 'state', 'reason')),
      stateTime: text(at(d, 'state', 'timestamp')),
      description: text(at(d, 'configuration', 'description')),
      alarmRule: text(at(d, 'configuration', 'alarmRule')),
      metrics,
      account: env.account,
      region: env.region ?? regionOfArn(env.resources[0]),
      eventTime: env.time,
    },
    env,
  );
}

/**
 * Metric math and anomaly detection alarms list their metrics in `Trigger.Metrics`
 * (`[{Id, MetricStat: {Metric: {Namespace, MetricName, Dimensions}, Period, Stat}}, {Id, Expression}]`).
 */
function triggerMetrics(value: unknown): MetricFacts[] {
  return (Array.isArray(value) ? value : [])
    .map((m) => at(m, 'MetricStat'))
    .filter(isRecord)
    .map((stat) => ({
      namespace: text(at(stat, 'Metric', 'Namespace')),
      name: text(at(stat, 'Metric', 'MetricName')),
      stat: text(stat.Stat),
      period: text(stat.Period),
      dimensions: dimensionsOf(at(stat, 'Metric', 'Dimensions')),
    }));
}

/** True when a JSON SNS message is the classic CloudWatch alarm notification. */
export function isAlarmSnsMessage(message: Record<string, unknown>): boolean {
  return 'AlarmName' in message && 'NewStateValue' in message;
}

/** Normalizes the JSON message a CloudWatch alarm action publishes to SNS. */
export function normalizeAlarmSnsMessage(message: Record<string, unknown>, n: SnsNotification | undefined): Signal {
  const name = text(message.AlarmName);
  const state = text(message.NewStateValue);
  const raw = n?.raw ?? message;
  if (!name || !state) {
    return unparsedSignal(raw, 'CloudWatch alarm SNS message: AlarmName or NewStateValue is not a non-empty string', {
      source: 'cloudwatch-alarm',
    });
  }
  const trigger = isRecord(message.Trigger) ? message.Trigger : {};
  const alarmArn = text(message.AlarmArn);
  return alarmSignal(
    {
      name,
      state,
      previousState: text(message.OldStateValue),
      reason: text(message.NewStateReason),
      stateTime: text(message.StateChangeTime),
      description: text(message.AlarmDescription),
      metrics: text(trigger.MetricName)
        ? [
            {
              namespace: text(trigger.Namespace),
              name: text(trigger.MetricName),
              stat: text(trigger.Statistic) ?? text(trigger.ExtendedStatistic),
              period: text(trigger.Period),
              dimensions: dimensionsOf(trigger.Dimensions),
            },
          ]
        : triggerMetrics(trigger.Metrics),
      // Composite alarms publish their rule instead of a Trigger.
      alarmRule: text(message.AlarmRule),
      // The message names the region in words ("EU (Ireland)"); the alarm ARN has its code.
      account: text(message.AWSAccountId) ?? accountOfArn(alarmArn) ?? accountOfArn(n?.topicArn),
      region: regionOfArn(alarmArn) ?? regionOfArn(n?.topicArn),
      eventTime: n?.timestamp,
    },
    raw,
  );
}
