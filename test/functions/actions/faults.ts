/** The faults the fault-injection suites inject at a Task state, and how they read a workflow's result. */
import type { LocalActions, TaskInterceptor } from '../../../sandbox/actions/localActions.js';
import { ACTION_RESULT_DETAIL_TYPE, type ActionResultDetail } from '../../../src/core/actions/actionResultEvent.js';
import { ACTION_ERRORS, ActionError } from '../../../src/core/actions/exportWorkflow.js';

/** A TransientAwsError at `target`'s first call only: the workflow retries it. */
export const transientOnce = (target: string): TaskInterceptor => {
  let failed = false;
  return (state, _task, _input, call) => {
    if (state === target && !failed) {
      failed = true;
      return Promise.reject(new ActionError(ACTION_ERRORS.transient, `injected: ${state} throttled`));
    }
    return call();
  };
};

/** A permanent error at every call of `target`: the workflow cleans up and records the failure. */
export const permanent =
  (target: string): TaskInterceptor =>
  (state, _task, _input, call) =>
    state === target
      ? Promise.reject(new ActionError(ACTION_ERRORS.exportRefused, `injected: ${state} refused for good`))
      : call();

/** The result event the workflow put on the bus for `arn`, if any. */
export function resultFor(local: LocalActions, arn: string): ActionResultDetail | undefined {
  return local.events
    .events()
    .filter((e) => e.detailType === ACTION_RESULT_DETAIL_TYPE)
    .map((e) => e.detail as ActionResultDetail)
    .find((d) => d.recoveryPointArn === arn);
}
