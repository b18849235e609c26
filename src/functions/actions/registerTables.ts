/**
 * Lambda entry point of the table registrar (CENTRAL_ACTION_HANDLER_ENTRIES.registerTables), central account: an
 * SQS queue of `Vaultpilot Action Result` events; registers each verified export in the Glue Data Catalog
 * (TableRegistrar.ts). Environment: VAULTPILOT_GLUE_DATABASE (default `vaultpilot_archive`), and optionally
 * VAULTPILOT_ARCHIVE_BUCKET to accept manifests from that bucket only. Endpoints follow the SDK's own
 * `AWS_ENDPOINT_URL_<SERVICE>` variables (S3 is then addressed by path).
 */

import { Logger } from '@aws-lambda-powertools/logger';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { GlueCatalog } from '../../aws/export/GlueCatalog.js';
import { GLUE_DATABASE } from '../../core/actions/glueTables.js';
import { ACTIONS_ENV } from '../../core/deployment/contract.js';
import type { LambdaContextLike, SqsBatchResponse, SqsEvent } from '../lambdaEvents.js';
import { TableRegistrar } from './TableRegistrar.js';

type Environment = Readonly<Record<string, string | undefined>>;

const requestHandler = { connectionTimeout: 3_000, requestTimeout: 20_000 };
/** Time kept back from the Lambda timeout to return the partial batch response. */
const SAFETY_MARGIN_MS = 10_000;

const logger = new Logger({ serviceName: 'vaultpilot-register-tables' });

/** The registrar from the environment. */
export function registrarFromEnvironment(env: Environment = process.env): TableRegistrar {
  const clientOptions = { maxAttempts: 4, requestHandler };
  const archiveBucket = env[ACTIONS_ENV.archiveBucket]?.trim();
  return new TableRegistrar({
    // The registrar in the central Region reads manifests and footers of every Region's archive.
    s3: new S3Client({
      ...clientOptions,
      forcePathStyle: Boolean(env.AWS_ENDPOINT_URL_S3),
      followRegionRedirects: true,
    }),
    catalog: new GlueCatalog(new GlueClient(clientOptions)),
    logger,
    database: env[ACTIONS_ENV.glueDatabase]?.trim() || GLUE_DATABASE,
    ...(archiveBucket ? { archiveBucket } : {}),
  });
}

let registrar: TableRegistrar | undefined;

export async function handler(event: SqsEvent, context?: LambdaContextLike): Promise<SqsBatchResponse> {
  registrar ??= registrarFromEnvironment();
  if (context?.awsRequestId) logger.appendKeys({ requestId: context.awsRequestId });
  const remaining = context?.getRemainingTimeInMillis?.();
  const deadline = remaining === undefined ? undefined : Date.now() + remaining - SAFETY_MARGIN_MS;
  const { batchItemFailures } = await registrar.handleBatch(event, deadline);
  return { batchItemFailures };
}
