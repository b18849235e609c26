import type { Signal } from '../signal.js';
import { normalizeBackupEvent } from './backupEvents.js';
import { unparsedSignal } from './buildSignal.js';
import { normalizeCloudTrailApiCall, normalizeCloudTrailServiceEvent } from './cloudTrailEvents.js';
import { eventBridgeEnvelopeSchema, looksLikeEventBridge } from './eventBridgeEnvelope.js';
import { firstIssue, isRecord, text } from './eventFields.js';

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
  return unparsedSignal(event, `unsupported EventBridge event: source "${env.source}", detail-type "${detailType}"`, {
    source: 'eventbridge',
    eventType: detailType,
  });
}

function normalizeUnguarded(event: unknown): Signal {
  if (!isRecord(event)) return unparsedSignal(event, `expected an event object, got ${describeType(event)}`);
  if (looksLikeEventBridge(event)) return normalizeEventBridge(event);
  return unparsedSignal(event, 'unrecognized input: no detail-type (EventBridge), Message (SNS) or Event ID (RDS)');
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
