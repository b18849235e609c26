/**
 * Turns what an AWS SDK call threw into the named errors the export workflow retries and catches by
 * (ACTION_ERRORS): throttling, 5xx and network failures become TransientAwsError; the rest keep their meaning.
 */
import { ACTION_ERRORS, ActionError, type ActionErrorName } from '../../core/actions/exportWorkflow.js';
import { retryReason } from '../retry/retryableError.js';

/** The SDK error's name (`ExportTaskAlreadyExistsFault`, …), or `Error`. */
export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'Error';
}

/** The SDK error's message, never empty. */
export function errorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message || errorName(error);
}

/** A TransientAwsError when `error` is worth repeating, else `permanent` (named), always keeping the cause. */
export function actionErrorOf(error: unknown, doing: string, permanent: ActionErrorName): ActionError {
  if (error instanceof ActionError) return error;
  const reason = retryReason(error);
  if (reason) {
    return new ActionError(
      ACTION_ERRORS.transient,
      `${doing}: ${errorName(error)} (${reason}): ${errorMessage(error)}`,
      { cause: error },
    );
  }
  return new ActionError(permanent, `${doing}: ${errorName(error)}: ${errorMessage(error)}`, { cause: error });
}
