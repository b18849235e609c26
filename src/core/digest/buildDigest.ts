/**
 * The daily digest's content, decided from what the ledger recorded: how many jobs went well, with warnings
 * or failed, which resources fail most, what happened to backup policies, which resources are past their RPO
 * and how many inputs could not be understood.
 */
import { FAILED_OUTCOMES } from '../ledger/ledgerFacts.js';
import type { Outcome, SignalKind } from '../signal.js';
import type { RpoBreach } from './findRpoBreaches.js';

/** A terminal job as the ledger holds it. */
export interface DigestJob {
  readonly kind: SignalKind;
  readonly jobId: string;
  readonly outcome: Outcome;
  readonly atMs: number;
  readonly account?: string;
  readonly region?: string;
  readonly resourceArn?: string;
  readonly resourceName?: string;
  readonly resourceType?: string;
  readonly statusMessage?: string;
}

/** A backup-policy change as the ledger holds it. */
export interface DigestPolicyChange {
  readonly policyId?: string;
  readonly policyName?: string;
  readonly operation?: string;
  /** The call was refused: an attempt, not a change. */
  readonly refused?: boolean;
  readonly targetId?: string;
  readonly actor?: string;
  readonly atMs: number;
}

export interface DigestInput {
  /** Start (inclusive) and end (exclusive) of the period, epoch ms. */
  readonly fromMs: number;
  readonly toMs: number;
  readonly jobs: readonly DigestJob[];
  readonly policyChanges: readonly DigestPolicyChange[];
  readonly unparsedCount: number;
  readonly rpoBreaches: readonly RpoBreach[];
  /** How many failing resources to list. @default 10 */
  readonly topFailing?: number;
}

/** Which digest count a job outcome adds to. */
export type DigestBucket = 'ok' | 'warnings' | 'failed';

/** ok: succeeded; failed: failed, expired, aborted, partial, threats found; warnings: the other endings. */
export function digestBucket(outcome: Outcome): DigestBucket {
  if (outcome === 'succeeded') return 'ok';
  if (FAILED_OUTCOMES.has(outcome) || outcome === 'threats-found') return 'failed';
  return 'warnings';
}

/** A resource with failed jobs in the period. */
export interface FailingResource {
  readonly resourceArn: string;
  readonly resourceName?: string;
  readonly resourceType?: string;
  readonly account?: string;
  readonly region?: string;
  readonly failures: number;
  /** The newest failure's status message. */
  readonly lastMessage?: string;
  readonly lastFailureAtMs: number;
}

export interface Digest {
  readonly fromMs: number;
  readonly toMs: number;
  readonly counts: Readonly<Record<DigestBucket, number>>;
  /** Counts per job kind (backup-job, copy-job, …). */
  readonly byKind: Readonly<Record<string, Readonly<Record<DigestBucket, number>>>>;
  readonly topFailing: readonly FailingResource[];
  readonly failingResourceCount: number;
  readonly policyChanges: readonly DigestPolicyChange[];
  readonly rpoBreaches: readonly RpoBreach[];
  readonly unparsedCount: number;
}

/** Builds the digest of the jobs and changes inside [fromMs, toMs). */
export function buildDigest(input: DigestInput): Digest {
  const inPeriod = (atMs: number) => atMs >= input.fromMs && atMs < input.toMs;
  const counts: Record<DigestBucket, number> = { ok: 0, warnings: 0, failed: 0 };
  const byKind: Record<string, Record<DigestBucket, number>> = {};
  const failing = new Map<string, FailingResource>();
  for (const job of input.jobs) {
    if (!inPeriod(job.atMs)) continue;
    const bucket = digestBucket(job.outcome);
    counts[bucket]++;
    byKind[job.kind] ??= { ok: 0, warnings: 0, failed: 0 };
    byKind[job.kind]![bucket]++;
    if (bucket !== 'failed') continue;
    const key = job.resourceArn ?? `job:${job.jobId}`;
    const seen = failing.get(key);
    const newer = !seen || job.atMs >= seen.lastFailureAtMs;
    failing.set(key, {
      resourceArn: key,
      ...pick(newer ? job : undefined, seen),
      failures: (seen?.failures ?? 0) + 1,
      lastFailureAtMs: newer ? job.atMs : (seen?.lastFailureAtMs ?? job.atMs),
    });
  }
  const ranked = [...failing.values()].sort(
    (a, b) =>
      b.failures - a.failures || b.lastFailureAtMs - a.lastFailureAtMs || a.resourceArn.localeCompare(b.resourceArn),
  );
  return {
    fromMs: input.fromMs,
    toMs: input.toMs,
    counts,
    byKind,
    topFailing: ranked.slice(0, input.topFailing ?? 10),
    failingResourceCount: ranked.length,
    policyChanges: input.policyChanges.filter((c) => inPeriod(c.atMs)).sort((a, b) => a.atMs - b.atMs),
    rpoBreaches: input.rpoBreaches,
    unparsedCount: input.unparsedCount,
  };
}

/** The descriptive fields of a failing resource, from its newest failed job. */
function pick(
  job: DigestJob | undefined,
  seen: FailingResource | undefined,
): Omit<FailingResource, 'resourceArn' | 'failures' | 'lastFailureAtMs'> {
  if (!job) {
    if (!seen) return {};
    const { resourceArn: _arn, failures: _f, lastFailureAtMs: _at, ...rest } = seen;
    return rest;
  }
  return {
    ...(job.resourceName ? { resourceName: job.resourceName } : {}),
    ...(job.resourceType ? { resourceType: job.resourceType } : {}),
    ...(job.account ? { account: job.account } : {}),
    ...(job.region ? { region: job.region } : {}),
    ...(job.statusMessage ? { lastMessage: job.statusMessage } : {}),
  };
}
