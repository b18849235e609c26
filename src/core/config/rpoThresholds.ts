/**
 * Recovery point objectives: which threshold applies to a resource, and whether the resource is past
 * it. Used by the hourly RPO check and the daily digest.
 */
import type { RuntimeRpoSettings } from './runtimeSettings.js';

const HOUR_MS = 3_600_000;

/** What the RPO decision needs to know about a resource. */
export interface RpoResource {
  /** AWS Backup resource type (EBS, RDS, DynamoDB, …). */
  readonly type?: string;
  /** The resource's tags, as far as known. */
  readonly tags?: Readonly<Record<string, string>>;
}

/** The threshold that applies to a resource and where it came from. */
export interface RpoThreshold {
  readonly hours: number;
  readonly source: 'tag' | 'resource-type' | 'default';
  /** The tag rule that decided, for `source: 'tag'`. */
  readonly tag?: { readonly key: string; readonly value?: string };
  /** The resource type that decided, for `source: 'resource-type'`. */
  readonly resourceType?: string;
}

/**
 * The RPO threshold for a resource: the strictest matching tag rule, else its resource type's
 * threshold (case-insensitive), else the default.
 */
export function resolveRpoThreshold(resource: RpoResource, rpo: RuntimeRpoSettings): RpoThreshold {
  const tags = resource.tags ?? {};
  let best: RpoThreshold | undefined;
  for (const rule of rpo.tags) {
    const actual = Object.hasOwn(tags, rule.key) ? tags[rule.key] : undefined;
    if (actual === undefined) continue;
    if (rule.value !== undefined && rule.value !== actual) continue;
    if (!best || rule.hours < best.hours) {
      best = {
        hours: rule.hours,
        source: 'tag',
        tag: { key: rule.key, ...(rule.value !== undefined ? { value: rule.value } : {}) },
      };
    }
  }
  if (best) return best;
  if (resource.type !== undefined) {
    const wanted = resource.type.toLowerCase();
    for (const [type, hours] of Object.entries(rpo.resourceTypes)) {
      if (type.toLowerCase() === wanted) return { hours, source: 'resource-type', resourceType: type };
    }
  }
  return { hours: rpo.defaultHours, source: 'default' };
}

/** What is known of a resource's recovery points, for the RPO decision. */
export interface RpoObservation {
  readonly resource: RpoResource;
  /** Completion time of the newest good (completed) recovery point, ISO-8601. */
  readonly lastGoodAt?: string;
  /** When Vaultpilot first saw the resource (its first job), ISO-8601; the clock starts there if nothing good exists yet. */
  readonly firstSeenAt?: string;
  /** The time of the check, ISO-8601. */
  readonly now: string;
}

export interface RpoStatus {
  /** `past`: older than the threshold; `within`: fine; `unknown`: no time to measure from. */
  readonly state: 'past' | 'within' | 'unknown';
  readonly threshold: RpoThreshold;
  /** Hours since the reference time (rounded down to a tenth), when known. */
  readonly ageHours?: number;
  /** When the resource passes (or passed) its RPO, ISO-8601. */
  readonly dueAt?: string;
  /** What the age is measured from. */
  readonly reference?: 'last-good-recovery-point' | 'first-seen';
  /**
   * Identifies this breach: the reference time. The hourly check alerts once per breach key, so a
   * resource that stays late alerts once, and alerts again only after a new good recovery point and a new lapse.
   */
  readonly breachKey?: string;
}

function parseTime(value: string, what: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new RangeError(`${what} is not an ISO-8601 time: ${JSON.stringify(value)}`);
  return ms;
}

/** Decides whether a resource is past its RPO at `now`. Throws RangeError on unreadable times. */
export function evaluateRpo(observation: RpoObservation, rpo: RuntimeRpoSettings): RpoStatus {
  const threshold = resolveRpoThreshold(observation.resource, rpo);
  const now = parseTime(observation.now, 'now');
  const referenceText = observation.lastGoodAt ?? observation.firstSeenAt;
  if (referenceText === undefined) return { state: 'unknown', threshold };
  const reference = parseTime(referenceText, observation.lastGoodAt !== undefined ? 'lastGoodAt' : 'firstSeenAt');
  const due = reference + threshold.hours * HOUR_MS;
  return {
    state: now > due ? 'past' : 'within',
    threshold,
    ageHours: Math.floor(((now - reference) / HOUR_MS) * 10) / 10,
    dueAt: new Date(due).toISOString(),
    reference: observation.lastGoodAt !== undefined ? 'last-good-recovery-point' : 'first-seen',
    breachKey: new Date(reference).toISOString(),
  };
}

/** True when the hourly check should alert: past the RPO, and not already alerted for this breach. */
export function shouldAlertRpo(status: RpoStatus, lastAlertedBreachKey?: string): boolean {
  return status.state === 'past' && status.breachKey !== lastAlertedBreachKey;
}
