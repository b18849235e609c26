import type { Outcome } from '../signal.js';

/** Exact AWS state/status words and what they mean. */
const EXACT: Readonly<Record<string, Outcome>> = {
  COMPLETED: 'succeeded',
  COMPLETE: 'succeeded',
  SUCCEEDED: 'succeeded',
  SUCCESSFUL: 'succeeded',
  AVAILABLE: 'succeeded',
  ACTIVE: 'succeeded',
  COMPLETED_WITH_ISSUES: 'completed-with-issues',
  CREATED: 'created',
  CREATING: 'started',
  STARTED: 'started',
  PENDING: 'pending',
  RUNNING: 'running',
  IN_PROGRESS: 'running',
  // ABORTING is followed by ABORTED; only the final state should page someone.
  ABORTING: 'stopped',
  CANCELING: 'stopped',
  STOPPED: 'stopped',
  ABORTED: 'aborted',
  FAILED: 'failed',
  EXPIRED: 'expired',
  PARTIAL: 'partial',
  CANCELED: 'canceled',
  CANCELLED: 'canceled',
  MODIFIED: 'changed',
  DELETED: 'deleted',
  DELETING: 'deleted',
};

/**
 * Maps an AWS state/status string to an outcome. Words AWS may add later are matched by their stem
 * (…FAILED…, …EXPIRED…) so that a new failure state still reads as a failure; anything else is `unknown`.
 */
export function outcomeOfState(state: string | undefined): Outcome {
  if (!state) return 'unknown';
  const word = state
    .trim()
    .toUpperCase()
    .replace(/[\s-]+/g, '_');
  const exact = EXACT[word];
  if (exact) return exact;
  if (word.includes('FAIL')) return 'failed';
  if (word.includes('ABORT')) return 'aborted';
  if (word.includes('EXPIR')) return 'expired';
  if (word.includes('CANCEL')) return 'canceled';
  if (word.includes('PARTIAL')) return 'partial';
  return 'unknown';
}
