/**
 * Lambda entry point of the delivery function (HANDLER_ENTRIES.delivery): posts Slack, Teams and webhook
 * messages from the delivery queue. VAULTPILOT_LEDGER_TABLE is optional here: when set, deliveries are
 * de-duplicated in the ledger.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoSignalClaims } from '../aws/ledger/DynamoSignalClaims.js';
import { WebhookPoster } from '../aws/notify/WebhookPoster.js';
import { WebhookSecretReader } from '../aws/notify/WebhookSecretReader.js';
import { ENV } from '../core/deployment/contract.js';
import { dynamoDocumentClient, secretsManagerClient } from './awsClients.js';
import { DeliveryWorker } from './delivery/DeliveryWorker.js';
import { FunctionEnvironment } from './environment.js';
import type { LambdaContextLike, SqsBatchResponse, SqsEvent } from './lambdaEvents.js';

const logger = new Logger({ serviceName: 'vaultpilot-delivery' });

/** Builds the delivery worker from the environment and the per-container clients. */
export function deliveryWorkerFromEnvironment(
  env: Readonly<Record<string, string | undefined>> = process.env,
): DeliveryWorker {
  const ledgerTable = env[ENV.ledgerTable]?.trim() ? new FunctionEnvironment(env).ledgerTable : undefined;
  return new DeliveryWorker({
    secrets: new WebhookSecretReader({ client: secretsManagerClient() }),
    poster: new WebhookPoster(),
    logger,
    ...(ledgerTable
      ? { claims: new DynamoSignalClaims({ client: dynamoDocumentClient(), tableName: ledgerTable }) }
      : {}),
  });
}

const worker = deliveryWorkerFromEnvironment();
/** Time kept back from the Lambda timeout to return the partial batch response. */
const SAFETY_MARGIN_MS = 3_000;

/** Delivers one SQS batch of delivery jobs; only failed jobs go back to the queue. */
export async function handler(event: SqsEvent, context?: LambdaContextLike): Promise<SqsBatchResponse> {
  if (context?.awsRequestId) logger.appendKeys({ requestId: context.awsRequestId });
  const remaining = context?.getRemainingTimeInMillis?.();
  const deadline = remaining === undefined ? undefined : Date.now() + remaining - SAFETY_MARGIN_MS;
  const { batchItemFailures } = await worker.handleBatch(event, deadline);
  return { batchItemFailures };
}
