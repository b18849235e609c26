/**
 * What the ledger records about a signal, decided without I/O: whether it is a job transition (and how far
 * along the job it is, so late-arriving older events can be recognised), whether it proves a good recovery
 * point, and what it says about an Organizations policy.
 */
import { isJobKind, type Outcome, type Signal, type SignalKind } from '../signal.js';

/** Outcomes that end a job. */
export const TERMINAL_OUTCOMES: ReadonlySet<Outcome> = new Set([
  'succeeded',
  'completed-with-issues',
  'failed',
  'expired',
  'aborted',
  'partial',
  'canceled',
  'threats-found',
]);

/** Terminal outcomes counted as failures (the same set as the FailedJobs metric). */
export const FAILED_OUTCOMES: ReadonlySet<Outcome> = new Set(['failed', 'expired', 'aborted', 'partial']);

/** Terminal outcomes that produced a usable recovery point. */
export const GOOD_OUTCOMES: ReadonlySet<Outcome> = new Set(['succeeded', 'completed-with-issues']);

/** The Organizations policy type Vaultpilot watches. */
export const BACKUP_POLICY_TYPE = 'BACKUP_POLICY';

/**
 * How far along its lifecycle a job state is. A state never moves back: an event with a lower rank than
 * the stored one, or the same rank and an older time, arrived out of order and is stale.
 */
export function lifecycleRank(outcome: Outcome): number {
  if (TERMINAL_OUTCOMES.has(outcome)) return 3;
  if (outcome === 'running') return 2;
  return 1;
}

/** A signal's time in epoch milliseconds: when the transition happened, as far as the input tells. */
export function signalTimeMs(signal: Signal, nowMs: number): number {
  const { completed, event, started, created } = signal.times;
  for (const candidate of [completed, event, started, created]) {
    if (candidate === undefined) continue;
    const ms = Date.parse(candidate);
    if (Number.isFinite(ms)) return ms;
  }
  return nowMs;
}

/** The UTC day (`yyyy-mm-dd`) of an epoch-millisecond time. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** A DynamoDB TTL value (epoch seconds) `days` after `nowMs`. */
export function expiresAtSeconds(nowMs: number, days: number): number {
  return Math.floor(nowMs / 1000) + Math.round(days * 86_400);
}

/** The facts of one job transition. */
export interface JobFact {
  readonly kind: SignalKind;
  readonly jobId: string;
  readonly outcome: Outcome;
  readonly rank: number;
  readonly atMs: number;
  readonly terminal: boolean;
}

/** The job transition a signal reports, if it is about a job. */
export function jobFact(signal: Signal, nowMs: number): JobFact | undefined {
  if (!isJobKind(signal.kind) || !signal.jobId) return undefined;
  return {
    kind: signal.kind,
    jobId: signal.jobId,
    outcome: signal.outcome,
    rank: lifecycleRank(signal.outcome),
    atMs: signalTimeMs(signal, nowMs),
    terminal: TERMINAL_OUTCOMES.has(signal.outcome),
  };
}

/** A recovery point that proves the resource was backed up at `atMs`. */
export interface GoodRecoveryPointFact {
  readonly resourceArn: string;
  readonly recoveryPointArn?: string;
  readonly atMs: number;
}

/**
 * The good recovery point a signal proves, if any: a backup job that completed (with or without issues) or a
 * recovery point that became available. Copies and restores do not count: the RPO is about the source
 * resource being backed up.
 */
export function goodRecoveryPointFact(signal: Signal, nowMs: number): GoodRecoveryPointFact | undefined {
  const arn = signal.resource.arn;
  if (!arn || !GOOD_OUTCOMES.has(signal.outcome)) return undefined;
  if (signal.kind !== 'backup-job' && signal.kind !== 'recovery-point') return undefined;
  return {
    resourceArn: arn,
    ...(signal.recoveryPointArn ? { recoveryPointArn: signal.recoveryPointArn } : {}),
    atMs: signalTimeMs(signal, nowMs),
  };
}
