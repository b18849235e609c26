/**
 * Lambda entry points of the export workflow's Tasks that run in the container image (IMAGE_TASKS: the DynamoDB
 * conversion and the EBS block archive, both native modules), all in one module: the container
 * image (docker/actions/Dockerfile, ACTIONS_IMAGE in src/core/deployment/contract.ts) holds it, and each function
 * overrides the image's CMD with `functions/actions/imageHandlers.<task>`. See conversionTasks.ts.
 */
import { availableParallelism } from 'node:os';
import { S3Client } from '@aws-sdk/client-s3';
import { S3ConvertLocation } from '../../aws/dynamodb/S3ConvertLocation.js';
import { createEbsClient } from '../../aws/ebs/createEbsClient.js';
import { EbsSnapshotSource } from '../../aws/ebs/EbsSnapshotSource.js';
import { createS3Client } from '../../aws/s3/createS3Client.js';
import { S3ArchiveStore } from '../../aws/s3/S3ArchiveStore.js';
import { ACTIONS_ENV, ACTIONS_IMAGE } from '../../core/deployment/contract.js';
import { MissingEnvironmentError } from '../FunctionError.js';
import { BLOCK_ARCHIVE_TASK_FUNCTIONS } from './blockArchiveTasks.js';
import { CONVERSION_TASK_FUNCTIONS, type ConversionDependencies } from './conversionTasks.js';
import type { BlockArchiveDependencies } from './ebsTasks.js';

type Environment = Readonly<Record<string, string | undefined>>;

function positiveInteger(env: Environment, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, not ${raw}`);
  return value;
}

/** DuckDB's memory limit: the configured one, else a share of the function's memory (room left for Node.js). */
export function duckDbMemoryLimit(env: Environment = process.env): string | undefined {
  const configured = env[ACTIONS_ENV.duckDbMemoryLimit];
  if (configured) return configured;
  const functionMb = positiveInteger(env, 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE');
  return functionMb ? `${Math.floor(functionMb * ACTIONS_IMAGE.duckDbMemoryShare)}MB` : undefined;
}

/** The conversion Tasks' dependencies from the environment; the archive bucket is read when first needed. */
export function conversionDependenciesFromEnvironment(env: Environment = process.env): ConversionDependencies {
  let client: S3Client | undefined;
  const memoryLimit = duckDbMemoryLimit(env);
  const batchBytes = positiveInteger(env, ACTIONS_ENV.convertBatchBytes);
  return {
    location(prefix: string) {
      const bucket = env[ACTIONS_ENV.archiveBucket];
      if (!bucket) throw new MissingEnvironmentError(ACTIONS_ENV.archiveBucket);
      const custom = Boolean(env.AWS_ENDPOINT_URL_S3);
      client ??= new S3Client({
        maxAttempts: 3,
        forcePathStyle: custom,
        requestHandler: { connectionTimeout: 3_000, requestTimeout: 60_000 },
        // S3-compatible stores (a local stand-in) may keep the aws-chunked framing of streamed uploads as data.
        ...(custom
          ? {
              requestChecksumCalculation: 'WHEN_REQUIRED' as const,
              responseChecksumValidation: 'WHEN_REQUIRED' as const,
            }
          : {}),
      });
      return new S3ConvertLocation(client, bucket, prefix);
    },
    concurrency: positiveInteger(env, ACTIONS_ENV.convertConcurrency) ?? availableParallelism(),
    duckdb: { tempDirectory: ACTIONS_IMAGE.duckDbTempDirectory, ...(memoryLimit ? { memoryLimit } : {}) },
    ...(batchBytes ? { targetBatchBytes: batchBytes } : {}),
  };
}

/** The block-archive Tasks' dependencies from the environment: the archive bucket, the EBS direct APIs. */
export function blockArchiveDependenciesFromEnvironment(env: Environment = process.env): BlockArchiveDependencies {
  let s3: ReturnType<typeof createS3Client> | undefined;
  let ebs: ReturnType<typeof createEbsClient> | undefined;
  const bucket = () => {
    const name = env[ACTIONS_ENV.archiveBucket];
    if (!name) throw new MissingEnvironmentError(ACTIONS_ENV.archiveBucket);
    return name;
  };
  return {
    store(prefix: string) {
      s3 ??= createS3Client({
        ...(env.AWS_ENDPOINT_URL_S3 ? { endpoint: env.AWS_ENDPOINT_URL_S3, forcePathStyle: true } : {}),
      });
      return new S3ArchiveStore({ client: s3, bucket: bucket(), prefix });
    },
    locationOf: (prefix: string) => `s3://${bucket()}/${prefix}`,
    source(snapshotId: string) {
      ebs ??= createEbsClient({ ...(env.AWS_ENDPOINT_URL_EBS ? { endpoint: env.AWS_ENDPOINT_URL_EBS } : {}) });
      return new EbsSnapshotSource({ client: ebs, snapshotId });
    },
  };
}

const dependencies = conversionDependenciesFromEnvironment();
const blockArchive = blockArchiveDependenciesFromEnvironment();

export function planConversion(state: unknown) {
  return CONVERSION_TASK_FUNCTIONS.planConversion(state, dependencies);
}

export function scanFiles(state: unknown) {
  return CONVERSION_TASK_FUNCTIONS.scanFiles(state, dependencies);
}

export function chooseColumns(state: unknown) {
  return CONVERSION_TASK_FUNCTIONS.chooseColumns(state, dependencies);
}

export function convertFiles(state: unknown) {
  return CONVERSION_TASK_FUNCTIONS.convertFiles(state, dependencies);
}

export function finishConversion(state: unknown) {
  return CONVERSION_TASK_FUNCTIONS.finishConversion(state, dependencies);
}

export function archiveShard(state: unknown) {
  return BLOCK_ARCHIVE_TASK_FUNCTIONS.archiveShard(state, blockArchive);
}

export function verifyShard(state: unknown) {
  return BLOCK_ARCHIVE_TASK_FUNCTIONS.verifyShard(state, blockArchive);
}

export function mergeArchive(state: unknown) {
  return BLOCK_ARCHIVE_TASK_FUNCTIONS.mergeArchive(state, blockArchive);
}
