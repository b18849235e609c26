/**
 * Caps every text field of a signal, so what follows a signal (classification, ledger items, metrics,
 * rendering for four channels) costs time and memory bounded by these limits, not by the input. An
 * EventBridge event may be 256 KB and CloudTrail carries caller-controlled strings; nothing AWS means
 * for people is that long. The cut is linear (plain slices, no grapheme segmentation of the whole value),
 * it never splits a surrogate pair, and it is recorded in `signal.shortened` so every message says that
 * a value was shortened. Lone surrogate halves (JSON lets `"\ud800"` through) become U+FFFD, so every
 * field encodes as UTF-8 for DynamoDB, SNS and the channels. `signal.raw` is never touched: the input is
 * kept whole where it is kept.
 */
import type { ConsoleLink, ShortenedValue, Signal, SignalTimes } from '../signal.js';

/** Longest kept value per field, in UTF-16 code units. AWS's own limits are far below these. */
export const FIELD_LIMITS = {
  /** ARNs (AWS allows 2,048 at most), ids, names, actors. */
  identifier: 2_048,
  /** Short vocabulary words: state, event type, resource type, account, Region. */
  word: 256,
  /** AWS status messages and reasons: read by people, the console has the rest. */
  message: 8_192,
  /** A backup policy document (Organizations allows 10,000 characters). */
  policyDocument: 65_536,
  detailLabel: 128,
  detailValue: 4_096,
  linkLabel: 256,
  /** A longer console link would be cut and so broken: it is left out instead. */
  linkUrl: 4_096,
} as const;

/** At most this many details are kept (the normalizers make a few dozen at most). */
export const MAX_DETAILS = 100;

/** Marks where a value was cut. */
const CUT_MARK = '…';

/** Ends the cut before a high surrogate whose low half was cut off, so the text stays well-formed. */
function cutEnd(text: string, end: number): number {
  const code = text.charCodeAt(end - 1);
  return code >= 0xd800 && code <= 0xdbff ? end - 1 : end;
}

/** Starts the kept tail after a low surrogate whose high half was cut off. */
function cutStart(text: string, start: number): number {
  const code = text.charCodeAt(start);
  return code >= 0xdc00 && code <= 0xdfff ? start + 1 : start;
}

/** `text` cut to at most `max` code units, keeping its start: O(max), whatever the length of `text`. */
export function cutKeepingStart(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, cutEnd(text, max - CUT_MARK.length))}${CUT_MARK}`;
}

/** `text` cut to at most `max` code units, keeping its start and its end (for ARNs, whose tail names the thing). */
export function cutKeepingEnds(text: string, max: number): string {
  if (text.length <= max) return text;
  const room = max - CUT_MARK.length;
  const head = Math.ceil(room * 0.6);
  const tail = room - head;
  return `${text.slice(0, cutEnd(text, head))}${CUT_MARK}${text.slice(cutStart(text, text.length - tail))}`;
}

type Cut = (text: string, max: number) => string;

/** Collects the cuts made to one signal. */
class Bounder {
  readonly shortened: ShortenedValue[] = [];

  text(field: string, value: string | undefined, max: number, cut: Cut = cutKeepingStart): string | undefined {
    if (value === undefined || isWithin(value, max)) return value;
    if (value.length <= max) return value.toWellFormed();
    this.shortened.push({ field, length: value.length, kept: max });
    return cut(value, max).toWellFormed();
  }

  /** Copies `object` with each listed string field bounded; undefined stays undefined. */
  fields<T extends object>(
    prefix: string,
    object: T | undefined,
    limits: Partial<Record<keyof T & string, readonly [number, Cut?]>>,
  ): T | undefined {
    if (!object) return object;
    let copy: Record<string, unknown> | undefined;
    for (const [key, limit] of Object.entries(limits) as [string, readonly [number, Cut?]][]) {
      const value = (object as Record<string, unknown>)[key];
      if (typeof value !== 'string' || isWithin(value, limit[0])) continue;
      copy ??= { ...(object as Record<string, unknown>) };
      copy[key] = this.text(`${prefix}${key}`, value, limit[0], limit[1]);
    }
    return (copy as T | undefined) ?? object;
  }
}

const L = FIELD_LIMITS;
const ID: readonly [number, Cut] = [L.identifier, cutKeepingStart];
const ARN: readonly [number, Cut] = [L.identifier, cutKeepingEnds];
const WORD: readonly [number, Cut] = [L.word, cutKeepingStart];

/** Short enough and well-formed: kept as it is. */
function isWithin(value: string, max: number): boolean {
  return value.length <= max && value.isWellFormed();
}

function needsBounding(signal: Signal): boolean {
  // The common case costs one pass over the fields and no copies.
  const within = (value: string | undefined, max: number) => value === undefined || isWithin(value, max);
  const { resource, vault, policy, times } = signal;
  return !(
    within(signal.eventType, L.word) &&
    within(signal.state, L.word) &&
    within(signal.account, L.word) &&
    within(signal.region, L.word) &&
    within(signal.jobId, L.identifier) &&
    within(signal.recoveryPointArn, L.identifier) &&
    within(signal.statusMessage, L.message) &&
    within(signal.actor, L.identifier) &&
    within(signal.reason, L.message) &&
    within(resource.arn, L.identifier) &&
    within(resource.name, L.identifier) &&
    within(resource.type, L.word) &&
    within(vault?.name, L.identifier) &&
    within(vault?.arn, L.identifier) &&
    Object.values(times).every((t) => within(t, L.word)) &&
    (!policy ||
      (within(policy.id, L.identifier) &&
        within(policy.name, L.identifier) &&
        within(policy.type, L.word) &&
        within(policy.arn, L.identifier) &&
        within(policy.targetId, L.identifier) &&
        within(policy.operation, L.word) &&
        within(policy.content, L.policyDocument))) &&
    Object.keys(signal.details).length <= MAX_DETAILS &&
    Object.entries(signal.details).every(([k, v]) => within(k, L.detailLabel) && within(v, L.detailValue)) &&
    signal.links.every((link) => within(link.label, L.linkLabel) && within(link.url, L.linkUrl))
  );
}

/** The signal with every text field within FIELD_LIMITS; the same object when nothing had to be cut. */
export function boundSignal(signal: Signal): Signal {
  if (!needsBounding(signal)) return signal;
  const b = new Bounder();
  const details: Record<string, string> = {};
  const entries = Object.entries(signal.details);
  for (const [label, value] of entries.slice(0, MAX_DETAILS)) {
    const key = b.text('details (label)', label, L.detailLabel) ?? label;
    details[key] = b.text(`details.${key}`, value, L.detailValue) ?? value;
  }
  if (entries.length > MAX_DETAILS) {
    b.shortened.push({ field: 'details', length: entries.length, kept: MAX_DETAILS });
  }
  const links: ConsoleLink[] = [];
  for (const link of signal.links) {
    if (link.url.length > L.linkUrl || !link.url.isWellFormed()) {
      // A cut URL leads nowhere: the link is left out, and the message says so.
      b.shortened.push({ field: `links.${toWord(link.label)}`, length: link.url.length, kept: 0 });
      continue;
    }
    links.push({ label: b.text('links (label)', link.label, L.linkLabel) ?? link.label, url: link.url });
  }
  const bounded: Signal = {
    ...signal,
    ...b.fields('', signal, {
      eventType: WORD,
      state: WORD,
      account: WORD,
      region: WORD,
      jobId: ID,
      recoveryPointArn: ARN,
      statusMessage: [L.message],
      actor: ARN,
      reason: [L.message],
    }),
    resource: b.fields('resource.', signal.resource, { arn: ARN, name: ID, type: WORD }) ?? {},
    ...(signal.vault ? { vault: b.fields('vault.', signal.vault, { name: ID, arn: ARN }) } : {}),
    times: b.fields<SignalTimes>('times.', signal.times, {
      event: WORD,
      created: WORD,
      started: WORD,
      completed: WORD,
      startBy: WORD,
    }) as SignalTimes,
    ...(signal.policy
      ? {
          policy: b.fields('policy.', signal.policy, {
            id: ID,
            name: ID,
            type: WORD,
            arn: ARN,
            targetId: ID,
            operation: WORD,
            content: [L.policyDocument],
          }),
        }
      : {}),
    details,
    links,
    raw: signal.raw,
  };
  return b.shortened.length > 0 ? { ...bounded, shortened: [...(signal.shortened ?? []), ...b.shortened] } : bounded;
}

function toWord(label: string): string {
  return cutKeepingStart(label, 40);
}
