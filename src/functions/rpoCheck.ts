/**
 * Lambda entry point of the hourly RPO and source checks (HANDLER_ENTRIES.rpoCheck). A run that could not send some
 * alerts throws after trying all, so the invocation is retried; alerts already sent are not repeated. The
 * `rpo-check` run lease keeps two runs from working at the same time (no reserved concurrency needed).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { FunctionEnvironment } from './environment.js';
import type { LambdaContextLike } from './lambdaEvents.js';
import { notifierFromEnvironment } from './notification/notifierFromEnvironment.js';
import { RpoChecker, type RpoCheckReport } from './scheduled/RpoChecker.js';
import { scheduledRun } from './scheduled/runExclusively.js';
import { SilentSourceChecker, type SourceCheckReport } from './scheduled/SilentSourceChecker.js';

const logger = new Logger({ serviceName: 'vaultpilot-rpo-check' });
const environment = new FunctionEnvironment();
const { ledger, notifier } = notifierFromEnvironment(environment);
const checker = new RpoChecker({ ...ledger, notifier, settings: environment.settings, logger });
const sourceChecker = new SilentSourceChecker({ ...ledger, notifier, settings: environment.settings, logger });

/**
 * Checks every resource's last good recovery point against its RPO, and every forwarding source for
 * silence. Both run even when one fails; the invocation then fails (and is retried) after both ran.
 */
export async function handler(
  _event: unknown,
  context?: LambdaContextLike,
): Promise<{ rpo: RpoCheckReport; sources: SourceCheckReport }> {
  if (context?.awsRequestId) logger.appendKeys({ requestId: context.awsRequestId });
  const run = scheduledRun(context);
  const [rpo, sources] = await Promise.allSettled([checker.run(run), sourceChecker.run(run)]);
  if (rpo.status === 'rejected') throw rpo.reason;
  if (sources.status === 'rejected') throw sources.reason;
  return { rpo: rpo.value, sources: sources.value };
}
