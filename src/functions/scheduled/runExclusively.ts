/**
 * Keeps runs of a scheduled function from overlapping with a lease in the ledger, instead of reserved
 * concurrency (reserving any fails the deployment in accounts whose Lambda concurrency quota is 10). A run
 * that finds the lease held by another run skips; the lease is given back at the end, also on failure, and a
 * run that dies without giving it back holds it only until its time runs out.
 */
import type { RunLeases } from '../../core/ledger/ledgerPorts.js';
import { describeError } from '../describeError.js';
import type { FunctionLogger, LambdaContextLike } from '../lambdaEvents.js';

/**
 * How long a lease lasts unless the handler knows its remaining time: a minute above the scheduled
 * functions' 5-minute timeout, so a run that is still working never loses it.
 */
export const DEFAULT_RUN_LEASE_MS = 6 * 60_000;

/** Time added to a run's remaining time for its lease. */
export const RUN_LEASE_MARGIN_MS = 60_000;

export interface RunLeaseRequest {
  readonly leases: RunLeases;
  /** `digest:<yyyy-mm-dd>`, `rpo-check`. */
  readonly name: string;
  /** This run (the Lambda request id). */
  readonly holder: string;
  readonly ttlMs: number;
  readonly logger: FunctionLogger;
}

/** The lease's time for a run with `remainingMs` left (the Lambda context's), else the default. */
export function runLeaseMs(remainingMs: number | undefined): number {
  return remainingMs === undefined ? DEFAULT_RUN_LEASE_MS : remainingMs + RUN_LEASE_MARGIN_MS;
}

/** This invocation as a scheduled run: the request id holds the lease, for its remaining time and a minute. */
export function scheduledRun(context: LambdaContextLike | undefined): { runId?: string; leaseMs: number } {
  return {
    ...(context?.awsRequestId ? { runId: context.awsRequestId } : {}),
    leaseMs: runLeaseMs(context?.getRemainingTimeInMillis?.()),
  };
}

/** Runs `work` holding the lease, or skips it (undefined) while another run holds the lease. */
export async function runExclusively<T>(
  request: RunLeaseRequest,
  work: () => Promise<T>,
): Promise<{ value: T } | undefined> {
  const { leases, name, holder, ttlMs, logger } = request;
  if (!(await leases.acquire(name, holder, ttlMs))) {
    logger.info('another run holds the lease; this run skips', { lease: name, holder });
    return undefined;
  }
  try {
    return { value: await work() };
  } finally {
    try {
      await leases.release(name, holder);
    } catch (error) {
      // Not worth failing a run for: the lease ends by itself when its time runs out.
      logger.warn('run lease not released; it ends when its time runs out', {
        lease: name,
        error: describeError(error),
      });
    }
  }
}
