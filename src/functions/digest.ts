/**
 * Lambda entry point of the daily digest (HANDLER_ENTRIES.digest), invoked by a schedule at the configured
 * time. A failed run throws, so the asynchronous invocation is retried (and then goes to the function's
 * dead-letter destination); the ledger claim keeps a retry from sending the digest twice, and the day's run
 * lease keeps two runs from working at the same time (no reserved concurrency needed).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { FunctionEnvironment } from './environment.js';
import type { LambdaContextLike } from './lambdaEvents.js';
import { notifierFromEnvironment } from './notification/notifierFromEnvironment.js';
import { DigestSender } from './scheduled/DigestSender.js';
import { scheduledRun } from './scheduled/runExclusively.js';

const logger = new Logger({ serviceName: 'vaultpilot-digest' });
const environment = new FunctionEnvironment();
const { ledger, notifier } = notifierFromEnvironment(environment);
const sender = new DigestSender({ ...ledger, notifier, settings: environment.settings, logger });

/** Sends the digest of the last 24 hours. */
export async function handler(_event: unknown, context?: LambdaContextLike): Promise<{ status: string }> {
  if (context?.awsRequestId) logger.appendKeys({ requestId: context.awsRequestId });
  const report = await sender.run(scheduledRun(context));
  return { status: report.status };
}
