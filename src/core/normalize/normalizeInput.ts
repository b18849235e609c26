import type { Signal } from '../signal.js';
import { unparsedSignal } from './buildSignal.js';
import { isRecord } from './eventFields.js';
import { normalizeEvent } from './normalizeEvent.js';

/** Nesting deeper than this is not something AWS delivers; it is treated as malformed, not recursed. */
const MAX_DEPTH = 6;

/**
 * Parses JSON text. The failure is described in our own words: engine messages differ between Node
 * versions, and reasons must be stable (they are compared in tests and counted in metrics).
 */
function parseJson(textValue: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(textValue) };
  } catch {
    const start = textValue.trimStart();
    const looksTruncated = (start.startsWith('{') || start.startsWith('[')) && !/[}\]]\s*$/.test(textValue);
    const preview = start.length > 24 ? `${start.slice(0, 24)}…` : start;
    return {
      ok: false,
      error: `${looksTruncated ? 'truncated JSON' : 'not valid JSON'} (starts with ${JSON.stringify(preview)})`,
    };
  }
}

function unwrap(input: unknown, depth: number): Signal[] {
  if (depth > MAX_DEPTH) return [unparsedSignal(input, `input nested deeper than ${MAX_DEPTH} levels`)];
  if (Array.isArray(input)) {
    if (input.length === 0) return [];
    return input.flatMap((item) => unwrap(item, depth + 1));
  }
  if (typeof input === 'string') {
    const parsed = parseJson(input);
    if (!parsed.ok) return [unparsedSignal(input, `input is text, not JSON: ${parsed.error}`)];
    return unwrap(parsed.value, depth + 1);
  }
  if (isRecord(input) && 'Records' in input) {
    const records = input.Records;
    if (!Array.isArray(records)) return [unparsedSignal(input, 'Records is not an array')];
    return records.flatMap((record, index) => unwrapRecord(record, index, depth + 1));
  }
  return [normalizeEvent(input)];
}

/**
 * An SNS subscription with raw message delivery puts the AWS Backup text itself in the SQS body and the
 * SNS message attributes in the record's `messageAttributes` (`{EventType: {stringValue, dataType}}`).
 * Such a body is read as the SNS notification it was; any other text body stays unparsed.
 */
function rawDeliveredBackupNotification(
  record: Record<string, unknown>,
  body: string,
): Record<string, unknown> | undefined {
  const attributes = isRecord(record.messageAttributes) ? record.messageAttributes : {};
  const names = Object.keys(attributes).map((k) => k.toLowerCase());
  // Without the EventType attribute, only a text naming AWS Backup and an id or ARN is taken for one.
  const namesSomething = /\bAWS Backup\b|\bEKS Backup\b/.test(body) && /\bID\s*:|\barn:/.test(body);
  if (!names.includes('eventtype') && !namesSomething) return undefined;
  const sent = isRecord(record.attributes) ? Number(record.attributes.SentTimestamp) : Number.NaN;
  return {
    Type: 'Notification',
    Message: body,
    MessageAttributes: attributes,
    ...(Number.isFinite(sent) && sent > 0 ? { Timestamp: new Date(sent).toISOString() } : {}),
  };
}

function unwrapRecord(record: unknown, index: number, depth: number): Signal[] {
  if (!isRecord(record)) return [unparsedSignal(record, `Records[${index}] is not an object`)];
  // SQS: the body is text (an SNS notification or an EventBridge event, as JSON).
  if (typeof record.body === 'string' || record.eventSource === 'aws:sqs') {
    if (typeof record.body !== 'string') return [unparsedSignal(record, `Records[${index}].body is not a string`)];
    const parsed = parseJson(record.body);
    if (!parsed.ok) {
      const raw = rawDeliveredBackupNotification(record, record.body);
      if (raw) return [{ ...normalizeEvent(raw), raw: record }];
      return [unparsedSignal(record, `Records[${index}].body is ${parsed.error}`)];
    }
    if (Array.isArray(parsed.value) || (isRecord(parsed.value) && 'Records' in parsed.value)) {
      return unwrap(parsed.value, depth + 1);
    }
    return [normalizeEvent(parsed.value)];
  }
  // SNS: the notification sits under `Sns`; normalizeEvent reads SNS notifications itself.
  if ('Sns' in record) {
    if (!isRecord(record.Sns)) return [unparsedSignal(record, `Records[${index}].Sns is not an object`)];
    return [normalizeEvent(record.Sns)];
  }
  return [unparsedSignal(record, `Records[${index}] is neither an SQS record (body) nor an SNS record (Sns)`)];
}

/**
 * Normalizes whatever reaches a Lambda function: an EventBridge event, an SNS event (`Records[].Sns`),
 * an SQS event whose bodies are SNS notifications or EventBridge events, a JSON string of any of these,
 * or an array (batch) of them. Returns one signal per underlying event and never throws; a malformed
 * record becomes one `unparsed` signal while the rest of the batch still parses.
 */
export function normalizeInput(input: unknown): Signal[] {
  try {
    return unwrap(input, 0);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return [unparsedSignal(input, `internal error while unwrapping: ${message}`)];
  }
}
