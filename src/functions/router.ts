/**
 * Lambda entry point of the router (HANDLER_ENTRIES.router). Reads its configuration at cold start (a missing
 * variable fails the start, naming it), builds its adapters once per container, and routes SQS batches of
 * EventBridge events (or SNS notifications) with a partial batch response.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { EmailPublisher } from '../aws/notify/EmailPublisher.js';
import { snsClient } from './awsClients.js';
import { FunctionEnvironment } from './environment.js';
import type { LambdaContextLike, SqsBatchResponse, SqsEvent } from './lambdaEvents.js';
import { notifierFromEnvironment } from './notification/notifierFromEnvironment.js';
import { SignalRouter } from './router/SignalRouter.js';

const logger = new Logger({ serviceName: 'vaultpilot-router' });

/** Builds the router from the environment and the per-container AWS clients. */
export function routerFromEnvironment(environment: FunctionEnvironment = new FunctionEnvironment()): SignalRouter {
  const { ledger, notifier } = notifierFromEnvironment(environment);
  const unparsedTopicArn = environment.unparsedTopicArn;
  return new SignalRouter({
    claims: ledger.claims,
    jobs: ledger.jobs,
    policies: ledger.policies,
    unparsed: ledger.unparsed,
    sources: ledger.sources,
    notifier,
    settings: environment.settings,
    logger,
    metricNamespace: environment.metricNamespace,
    // Straight to stdout: the runtime's console adds a prefix that would stop CloudWatch reading the EMF line.
    writeMetrics: (line) => process.stdout.write(`${line}\n`),
    ...(unparsedTopicArn ? { unparsedArchive: new EmailPublisher(snsClient(), unparsedTopicArn) } : {}),
  });
}

const router = routerFromEnvironment();

/** Routes one SQS batch; only the records that failed go back to the queue. */
export async function handler(event: SqsEvent, context?: LambdaContextLike): Promise<SqsBatchResponse> {
  if (context?.awsRequestId) logger.appendKeys({ requestId: context.awsRequestId });
  const { batchItemFailures } = await router.handleBatch(event);
  return { batchItemFailures };
}
