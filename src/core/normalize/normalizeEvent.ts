import { ACTION_RESULT_SOURCE } from '../actions/actionResultEvent.js';
import type { Signal } from '../signal.js';
import { normalizeActionResult } from './actionResultEvents.js';
import { isAlarmSnsMessage, normalizeAlarmSnsMessage, normalizeAlarmStateChange } from './alarmEvents.js';
import { normalizeBackupEvent } from './backupEvents.js';
import { unparsedSignal } from './buildSignal.js';
import { normalizeCloudTrailApiCall, normalizeCloudTrailServiceEvent } from './cloudTrailEvents.js';
import { eventBridgeEnvelopeSchema, looksLikeEventBridge } from './eventBridgeEnvelope.js';
import { firstIssue, isRecord, text } from './eventFields.js';
import { isRdsSnsMessage, normalizeRdsEventBridge, normalizeRdsSnsMessage } from './rdsSnapshotEvents.js';
import {
  isVaultNotification,
  normalizeVaultNotification,
  type SnsNotification,
  snsAttributes,
} from './vaultNotifications.js';

const RDS_SNAPSHOT_DETAIL_TYPES: ReadonlySet<string> = new Set([
  'RDS DB Snapshot Event',
  'RDS DB Cluster Snapshot Event',
]);

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function normalizeEventBridge(event: Record<string, unknown>): Signal {
  const parsed = eventBridgeEnvelopeSchema.safeParse(event);
  if (!parsed.success) {
    return unparsedSignal(event, firstIssue(parsed.error, 'EventBridge event'), {
      source: 'eventbridge',
      eventType: text(event['detail-type']),
    });
  }
  const env = parsed.data;
  const detailType = env['detail-type'];
  if (detailType === 'AWS API Call via CloudTrail') return normalizeCloudTrailApiCall(env);
  if (detailType === 'AWS Service Event via CloudTrail') return normalizeCloudTrailServiceEvent(env);
  if (env.source === 'aws.backup') return normalizeBackupEvent(env);
  if (env.source === 'aws.rds' && RDS_SNAPSHOT_DETAIL_TYPES.has(detailType)) return normalizeRdsEventBridge(env);
  if (detailType === 'CloudWatch Alarm State Change') return normalizeAlarmStateChange(env);
  if (env.source === ACTION_RESULT_SOURCE) return normalizeActionResult(env);
  return unparsedSignal(event, `unsupported EventBridge event: source "${env.source}", detail-type "${detailType}"`, {
    source: 'eventbridge',
    eventType: detailType,
  });
}

/** An SNS notification: Lambda's `Records[].Sns`, or the JSON SNS delivers to SQS and HTTP. */
function isSnsNotification(value: Record<string, unknown>): boolean {
  return 'Message' in value && ('TopicArn' in value || value.Type === 'Notification' || 'MessageAttributes' in value);
}

function normalizeSns(raw: Record<string, unknown>): Signal {
  if (typeof raw.Message !== 'string') {
    return unparsedSignal(raw, `SNS notification: Message is ${describeType(raw.Message)}, not a string`);
  }
  const n: SnsNotification = {
    message: raw.Message,
    topicArn: text(raw.TopicArn),
    subject: text(raw.Subject),
    timestamp: text(raw.Timestamp),
    attributes: snsAttributes(raw.MessageAttributes),
    raw,
  };
  const trimmed = n.message.trim();
  if (trimmed.startsWith('{')) {
    let body: unknown;
    try {
      body = JSON.parse(trimmed);
    } catch {
      return unparsedSignal(raw, 'SNS Message starts like JSON but is not valid JSON', { eventType: n.subject });
    }
    if (isRecord(body)) {
      // An EventBridge rule with an SNS target delivers the whole event as the message.
      if (looksLikeEventBridge(body)) return normalizeEventBridge(body);
      if (isRdsSnsMessage(body)) return normalizeRdsSnsMessage(body, n);
      if (isAlarmSnsMessage(body)) return normalizeAlarmSnsMessage(body, n);
    }
    return unparsedSignal(raw, 'SNS Message is JSON but not an EventBridge event, RDS event or CloudWatch alarm', {
      eventType: n.subject,
    });
  }
  if (isVaultNotification(n)) {
    return (
      normalizeVaultNotification(n) ??
      unparsedSignal(raw, 'AWS Backup notification names no job, recovery point or index (no EventType, no job id)', {
        source: 'backup-vault-sns',
        eventType: n.subject,
      })
    );
  }
  return unparsedSignal(raw, 'SNS Message is text that is not an AWS Backup notification', { eventType: n.subject });
}

function normalizeUnguarded(event: unknown): Signal {
  if (!isRecord(event)) return unparsedSignal(event, `expected an event object, got ${describeType(event)}`);
  if (looksLikeEventBridge(event)) return normalizeEventBridge(event);
  if (isSnsNotification(event)) return normalizeSns(event);
  // A single Lambda SNS record (`{EventSource: 'aws:sns', Sns: {...}}`) is one event too.
  if (isRecord(event.Sns)) return normalizeSns(event.Sns);
  if (isRdsSnsMessage(event)) return normalizeRdsSnsMessage(event, undefined);
  if (isAlarmSnsMessage(event)) return normalizeAlarmSnsMessage(event, undefined);
  return unparsedSignal(
    event,
    'unrecognized input: none of detail-type (EventBridge), Message (SNS), Event ID (RDS) or AlarmName (CloudWatch)',
  );
}

/**
 * Normalizes one unwrapped event (an EventBridge event, an SNS notification, an RDS or CloudWatch
 * SNS message) into a Signal. Never throws: input it cannot read becomes an `unparsed` signal.
 */
export function normalizeEvent(event: unknown): Signal {
  try {
    return normalizeUnguarded(event);
  } catch (error) {
    // A bug here must not lose the event: it is kept as unparsed, with the reason, for people to see.
    const message = error instanceof Error ? error.message : String(error);
    return unparsedSignal(event, `internal error while normalizing: ${message}`);
  }
}
