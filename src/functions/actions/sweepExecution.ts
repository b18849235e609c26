/**
 * Lambda entry point of the execution sweeper (ACTION_HANDLER_ENTRIES.sweepExecution): SQS batches of Step
 * Functions "Execution Status Change" events (TIMED_OUT, ABORTED, FAILED) of the export workflow. A record whose
 * cleanup must wait (the cancelled export is still stopping) fails and is redelivered after the visibility timeout.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { LambdaContextLike, SqsBatchResponse, SqsEvent } from '../lambdaEvents.js';
import { processSqsBatch } from '../sqsBatch.js';
import { dependenciesFromEnvironment } from './actionEnvironment.js';
import { type ExecutionStatusDetail, ExecutionSweeper } from './ExecutionSweeper.js';

const logger = new Logger({ serviceName: 'vaultpilot-actions' });
const dependencies = dependenciesFromEnvironment();
const sweeper = new ExecutionSweeper(dependencies, dependencies.ledger);

export async function handler(event: SqsEvent, context?: LambdaContextLike): Promise<SqsBatchResponse> {
  const deadlineMs = context?.getRemainingTimeInMillis
    ? Date.now() + context.getRemainingTimeInMillis() - 10_000
    : undefined;
  const result = await processSqsBatch(
    event.Records,
    async (record) => {
      const detail = (JSON.parse(record.body) as { detail: ExecutionStatusDetail }).detail;
      const outcome = await sweeper.sweep(detail);
      logger.info(outcome.swept ? 'execution swept' : 'execution needs no sweep', {
        executionArn: detail.executionArn,
        ...outcome,
      });
      return outcome;
    },
    { logger, ...(deadlineMs ? { deadlineMs } : {}) },
  );
  return { batchItemFailures: result.batchItemFailures };
}
