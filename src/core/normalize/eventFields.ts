/**
 * Lenient readers for fields of AWS events. AWS sends the same field as a string in one event and a
 * number in another (`backupSizeInBytes`), sends `{}` where an ARN is not known yet
 * (`destinationRecoveryPointArn`), and wraps some status messages in stray quotes. Optional fields that
 * are absent or of an unusable type read as undefined; required fields are checked by zod schemas.
 */
import * as z from 'zod';

/** A non-empty trimmed string from a string or finite number; anything else reads as undefined. */
export function text(value: unknown): string | undefined {
  if (typeof value === 'string') {
    const trimmed = value.trim();
    return trimmed === '' ? undefined : trimmed;
  }
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** An AWS region code (us-east-1, us-gov-west-1, cn-north-1, eu-central-2, …), or undefined. */
export function regionText(value: unknown): string | undefined {
  const region = text(value);
  return region && /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(region) ? region : undefined;
}

/** zod type for an optional lenient text field (never fails). */
export const optionalText = z.unknown().transform(text);

/** zod type for a required state/status word: a non-empty string. */
export const stateWord = z.string().trim().min(1, 'must be a non-empty string');

/** A plain object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a nested field by path, or undefined when any step is missing or not an object. */
export function at(value: unknown, ...path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (!isRecord(current)) return undefined;
    current = current[key];
  }
  return current;
}

/**
 * Removes the quotes AWS sometimes puts around a whole status message (`"\"Backup job failed …\""`)
 * and surrounding whitespace; an empty message reads as undefined.
 */
export function cleanStatusMessage(value: unknown): string | undefined {
  let message = text(value);
  // Only quotes that wrap the whole message: `"a" and "b"` keeps its quotes.
  while (message && message.length >= 2 && (message[0] === '"' || message[0] === "'")) {
    const quote = message[0];
    if (message.at(-1) !== quote || message.slice(1, -1).includes(quote)) break;
    message = message.slice(1, -1).trim();
  }
  return message || undefined;
}

const NAIVE_DATE_TIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$/;

/**
 * An ISO-8601 UTC time from what AWS sends: ISO strings (with Z, +00:00 or +0000), RDS-style
 * `2024-03-06 09:12:10.123` (UTC, no zone), epoch seconds or milliseconds, or CloudTrail
 * `{seconds, nanos}`. Unreadable values read as undefined rather than as a wrong time.
 */
export function isoTime(value: unknown): string | undefined {
  let millis: number | undefined;
  if (typeof value === 'number' && Number.isFinite(value)) {
    millis = value > 1e11 ? value : value * 1000;
  } else if (typeof value === 'string' && value.trim() !== '') {
    const s = value.trim();
    const naive = NAIVE_DATE_TIME.exec(s);
    // Without a zone JavaScript would read local time; AWS means UTC.
    millis = naive ? Date.parse(`${naive[1]}T${naive[2]}Z`) : /\d{4}-\d{2}-\d{2}T/.test(s) ? Date.parse(s) : Number.NaN;
  } else if (isRecord(value) && typeof value.seconds === 'number') {
    const nanos = typeof value.nanos === 'number' ? value.nanos : 0;
    millis = value.seconds * 1000 + Math.floor(nanos / 1e6);
  }
  if (millis === undefined || !Number.isFinite(millis)) return undefined;
  const date = new Date(millis);
  // Dates outside years 1970–9999 are never real AWS times and toISOString would throw beyond ±275760.
  if (Number.isNaN(date.getTime()) || millis < 0 || millis > 253402300799999) return undefined;
  return date.toISOString();
}

/** The first zod issue as `path: message`, for unparsed reasons that say which field was wrong. */
export function firstIssue(error: z.ZodError, prefix: string): string {
  const issue = error.issues[0];
  if (!issue) return `${prefix}: invalid`;
  const path = issue.path.map(String).join('.');
  return `${prefix}${path ? `.${path}` : ''}: ${issue.message}`;
}

/** Bytes as people read them: `3 GiB (3221225472 bytes)`; undefined for non-numbers. */
export function readableBytes(value: unknown): string | undefined {
  const raw = text(value);
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  const bytes = Number(raw);
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let size = bytes;
  let unit = 0;
  while (size >= 1024 && unit < units.length - 1) {
    size /= 1024;
    unit++;
  }
  if (unit === 0) return `${bytes} bytes`;
  const shown = size >= 100 ? size.toFixed(0) : size >= 10 ? size.toFixed(1) : size.toFixed(2);
  return `${shown.includes('.') ? shown.replace(/\.?0+$/, '') : shown} ${units[unit]} (${raw} bytes)`;
}

/** A day count as words: `1 day`, `35 days`. */
export function days(value: unknown): string {
  const count = text(value) ?? '?';
  return `${count} ${count === '1' ? 'day' : 'days'}`;
}

/** An AWS Backup lifecycle (`{moveToColdStorageAfterDays, deleteAfterDays}`) in words. */
export function lifecycleText(lifecycle: unknown): string | undefined {
  if (!isRecord(lifecycle)) return undefined;
  const parts = [
    text(lifecycle.moveToColdStorageAfterDays) && `cold after ${days(lifecycle.moveToColdStorageAfterDays)}`,
    text(lifecycle.deleteAfterDays) && `delete after ${days(lifecycle.deleteAfterDays)}`,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : undefined;
}
