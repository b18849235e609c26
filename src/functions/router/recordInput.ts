/**
 * What the router hands to normalizeInput for one SQS record. EventBridge can reach the queue directly
 * (the body is the event) or through an SNS topic (the body is an SNS notification whose `Message` is the
 * event as JSON text). The second is unwrapped here so both give the same signal, and so the same event
 * arriving both ways is recognised as one.
 */

/** The input of one SQS record body: the EventBridge event inside an SNS notification, else the body as is. */
export function recordInput(body: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    // normalizeInput reports text that is not JSON as unparsed, with the text as the raw input.
    return body;
  }
  if (!isObject(parsed) || parsed.Type !== 'Notification' || typeof parsed.Message !== 'string') return parsed;
  try {
    const inner: unknown = JSON.parse(parsed.Message);
    if (isObject(inner) && typeof inner['detail-type'] === 'string') return inner;
  } catch {
    // Not JSON: a plain-text SNS message (AWS Backup vault notifications), which normalizeInput reads itself.
  }
  return parsed;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
