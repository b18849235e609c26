/**
 * What the state machine's own Catch blocks cannot cover: an execution that TIMED_OUT (the 72-hour limit),
 * was ABORTED by someone, or FAILED without recording its outcome (Record failure itself failed). Step Functions
 * runs no state after those, so an export task may still run, an unverified export may sit in the bucket, and
 * nobody has been told. The sweeper gets Step Functions' "Execution Status Change" event, cleans up with the
 * same cleanup Task, and records and reports the outcome — once: a recorded outcome is never swept again.
 */
import type { ActionLedger } from '../../aws/export/ActionLedger.js';
import type { CaughtError, ExportState } from '../../core/actions/exportWorkflow.js';
import { cleanUp, type ExportTaskDependencies, parseState, recordOutcome } from './exportTasks.js';

/** The detail of `Step Functions Execution Status Change` (the fields the sweeper reads). */
export interface ExecutionStatusDetail {
  readonly executionArn: string;
  readonly status: string;
  /** The execution's input as a JSON string (absent when larger than EventBridge carries). */
  readonly input?: string | null;
  readonly error?: string | null;
  readonly cause?: string | null;
}

/** Statuses after which no state of the workflow runs any more. */
const ABNORMAL = new Set(['TIMED_OUT', 'ABORTED', 'FAILED']);
/** Ledger statuses that mean the outcome was recorded (by the workflow or an earlier sweep). */
const RECORDED = new Set(['exported', 'exported-partially', 'not-exportable', 'failed']);

export type SweepResult =
  | { readonly swept: true; readonly status: string }
  | { readonly swept: false; readonly reason: string };

export class ExecutionSweeper {
  constructor(
    private readonly deps: ExportTaskDependencies,
    private readonly ledger: ActionLedger,
  ) {}

  /** Cleans up and reports an execution that ended without doing so itself. */
  async sweep(detail: ExecutionStatusDetail): Promise<SweepResult> {
    if (!ABNORMAL.has(detail.status)) return { swept: false, reason: `status ${detail.status} needs no sweep` };
    if (!detail.input) {
      return { swept: false, reason: `the event carries no input of ${detail.executionArn}: nothing to sweep by` };
    }
    const state = parseState(JSON.parse(detail.input)) as ExportState;
    const record = await this.ledger.get(state.request.recoveryPointArn, state.request.attempt);
    if (record && RECORDED.has(record.status)) {
      return { swept: false, reason: `the outcome (${record.status}) was recorded by the workflow` };
    }
    const failure: CaughtError = {
      Error:
        detail.error ??
        `Execution${detail.status === 'TIMED_OUT' ? 'TimedOut' : detail.status === 'ABORTED' ? 'Aborted' : 'Failed'}`,
      Cause:
        detail.cause ??
        (detail.status === 'TIMED_OUT'
          ? 'the execution ran past the state machine timeout'
          : detail.status === 'ABORTED'
            ? 'the execution was stopped (StopExecution or the console)'
            : 'the execution failed without recording its outcome'),
    };
    const failed: ExportState = { ...state, failedStep: `Execution ${detail.status}`, failure };
    // CleanupPending (an export still stopping) propagates: the queue redelivers the event until it has stopped.
    const cleanup = await cleanUp(failed, this.deps);
    await recordOutcome({ ...failed, cleanup }, this.deps);
    return { swept: true, status: detail.status };
  }
}
