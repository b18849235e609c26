/**
 * Silent sources. A broken forwarding path (a disabled rule, a deleted role, a changed bus policy) looks
 * exactly like an account where nothing happens. So every forwarding stack (each member account × Region,
 * and the management account) runs a scheduled rule named `vaultpilot-heartbeat` whose event travels the
 * same path as the forwarded events: same target bus, same role, same dead-letter queue. The router records
 * when each account × Region was last heard from; the hourly check alerts once when one has been silent
 * for longer than the configured limit, and once more when it is heard again.
 */
import type { EventPattern } from '../eventPatternMatch.js';
import { fnv1a64 } from '../normalize/signalId.js';
import type { Signal } from '../signal.js';

/** The name of the heartbeat rule in every forwarding stack (rule names are per account and Region). */
export const HEARTBEAT_RULE_NAME = 'vaultpilot-heartbeat';

/** How often the heartbeat rule fires. */
export const HEARTBEAT_INTERVAL_MINUTES = 15;

/** The pattern of heartbeats on the central bus: EventBridge's scheduled events of that rule. */
export const SOURCE_HEARTBEAT_PATTERN: EventPattern = {
  source: ['aws.events'],
  'detail-type': ['Scheduled Event'],
  resources: [{ suffix: `:rule/${HEARTBEAT_RULE_NAME}` }],
};

/** One heartbeat: which account and Region it came from, and when it was sent. */
export interface SourceHeartbeat {
  readonly account: string;
  readonly region: string;
  readonly atMs: number;
}

const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/** The heartbeat an input is, or undefined when it is something else (then it is normalized as usual). */
export function sourceHeartbeatOf(input: unknown): SourceHeartbeat | undefined {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return undefined;
  const event = input as Record<string, unknown>;
  if (event.source !== 'aws.events' || event['detail-type'] !== 'Scheduled Event') return undefined;
  const resources = Array.isArray(event.resources) ? event.resources : [];
  if (!resources.some((r) => typeof r === 'string' && r.endsWith(`:rule/${HEARTBEAT_RULE_NAME}`))) return undefined;
  const { account, region, time } = event;
  if (typeof account !== 'string' || !ACCOUNT.test(account)) return undefined;
  if (typeof region !== 'string' || !REGION.test(region)) return undefined;
  const atMs = typeof time === 'string' ? Date.parse(time) : Number.NaN;
  if (!Number.isFinite(atMs)) return undefined;
  return { account, region, atMs };
}

/** What the ledger knows about one source. */
export interface SourceRecord {
  readonly account: string;
  readonly region: string;
  readonly lastHeardMs: number;
}

/** Sources not heard from for longer than `silenceMinutes`, oldest first. */
export function findSilentSources(
  sources: readonly SourceRecord[],
  nowMs: number,
  silenceMinutes: number,
): SourceRecord[] {
  return sources
    .filter((s) => nowMs - s.lastHeardMs > silenceMinutes * 60_000)
    .sort((a, b) => a.lastHeardMs - b.lastHeardMs);
}

/** What the source check's signals carry as event type. */
export const SOURCE_CHECK_EVENT_TYPE = 'Vaultpilot source check';

function minutesText(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120) return `${minutes} minutes`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} hours` : `${Math.round(hours / 24)} days`;
}

/**
 * The alarm for a silent source. Its id names the source and the last heartbeat, so the ledger's claim makes
 * it alert once per silence (a later silence, after the source was heard again, alerts again).
 */
export function silentSourceSignal(source: SourceRecord, nowMs: number, silenceMinutes: number): Signal {
  const lastHeard = new Date(source.lastHeardMs).toISOString();
  return {
    id: `source-silence:${fnv1a64(`${source.account}|${source.region}|${source.lastHeardMs}`)}`,
    kind: 'alarm',
    outcome: 'in-alarm',
    severity: 'critical',
    source: 'unknown',
    eventType: SOURCE_CHECK_EVENT_TYPE,
    state: 'SILENT',
    account: source.account,
    region: source.region,
    resource: { name: `events from ${source.account} / ${source.region}` },
    statusMessage:
      `Vaultpilot has heard nothing from account ${source.account} in ${source.region} for ` +
      `${minutesText(nowMs - source.lastHeardMs)} (its heartbeat comes every ${HEARTBEAT_INTERVAL_MINUTES} minutes; ` +
      `the limit is ${silenceMinutes} minutes). Its AWS Backup events may not be reaching Vaultpilot: check that ` +
      `the Vaultpilot member stack there exists, that its rules are enabled, and its forwarding dead-letter queue.`,
    times: { event: new Date(nowMs).toISOString(), completed: lastHeard },
    details: { 'Last heard at': lastHeard, 'Silence limit': `${silenceMinutes} minutes` },
    links: [],
    raw: { silentSource: { account: source.account, region: source.region, lastHeard } },
  };
}

/** The notice that a source that was reported silent is heard again. */
export function sourceHeardAgainSignal(source: SourceRecord, silentSinceMs: number, heardAtMs: number): Signal {
  return {
    id: `source-silence:${fnv1a64(`${source.account}|${source.region}|${silentSinceMs}|back`)}`,
    kind: 'alarm',
    outcome: 'ok',
    severity: 'info',
    source: 'unknown',
    eventType: SOURCE_CHECK_EVENT_TYPE,
    state: 'OK',
    account: source.account,
    region: source.region,
    resource: { name: `events from ${source.account} / ${source.region}` },
    statusMessage:
      `Vaultpilot hears account ${source.account} in ${source.region} again, after ` +
      `${minutesText(heardAtMs - silentSinceMs)} of silence. Events sent during the silence may be in that ` +
      `account's forwarding dead-letter queue (replay them from there).`,
    times: { event: new Date(heardAtMs).toISOString() },
    details: { 'Silent since': new Date(silentSinceMs).toISOString() },
    links: [],
    raw: { sourceHeardAgain: { account: source.account, region: source.region } },
  };
}
