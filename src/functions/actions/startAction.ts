/**
 * Lambda entry point of the action starter (ACTION_HANDLER_ENTRIES.startAction): SQS batches of trigger events
 * from the account's default bus, with a partial batch response (a record whose start failed is redelivered;
 * the ledger claim and the execution name keep the redelivery from starting a second export).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ActionLedger } from '../../aws/export/ActionLedger.js';
import { StepFunctionsExecutions } from '../../aws/export/WorkflowExecutions.js';
import { ActionsSchema } from '../../core/config/actionsSchema.js';
import { ACTIONS_ENV } from '../../core/deployment/contract.js';
import { InvalidEnvironmentError, MissingEnvironmentError } from '../FunctionError.js';
import type { LambdaContextLike, SqsBatchResponse, SqsEvent } from '../lambdaEvents.js';
import { processSqsBatch } from '../sqsBatch.js';
import { ActionStarter } from './ActionStarter.js';

const logger = new Logger({ serviceName: 'vaultpilot-actions' });

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new MissingEnvironmentError(name);
  return value;
}

function actionsConfig() {
  const parsed = ActionsSchema.safeParse(JSON.parse(required(ACTIONS_ENV.actionsConfig)));
  if (!parsed.success)
    throw new InvalidEnvironmentError(ACTIONS_ENV.actionsConfig, 'is not a valid actions configuration');
  return parsed.data;
}

const stateMachineArn = required(ACTIONS_ENV.stateMachineArn);
const starter = new ActionStarter({
  actions: actionsConfig(),
  ledger: new ActionLedger(
    DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 3 }), {
      marshallOptions: { removeUndefinedValues: true },
    }),
    required(ACTIONS_ENV.actionsTable),
  ),
  executions: new StepFunctionsExecutions(new SFNClient({ maxAttempts: 3 }), stateMachineArn),
  stateMachineArn,
});

export async function handler(event: SqsEvent, context?: LambdaContextLike): Promise<SqsBatchResponse> {
  const deadlineMs = context?.getRemainingTimeInMillis
    ? Date.now() + context.getRemainingTimeInMillis() - 10_000
    : undefined;
  const result = await processSqsBatch(
    event.Records,
    async (record) => {
      const decisions = await starter.handle(JSON.parse(record.body));
      for (const d of decisions) logger.info(`action ${d.decision}`, { ...d });
      return decisions;
    },
    { logger, ...(deadlineMs ? { deadlineMs } : {}) },
  );
  return { batchItemFailures: result.batchItemFailures };
}
