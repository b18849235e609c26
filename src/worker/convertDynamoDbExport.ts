/**
 * Container entry point: converts one DynamoDB export (DYNAMODB_JSON) to typed, lossless Parquet, the same
 * engine as `vaultpilot convert dynamodb`. Configured by environment (DYNAMODB_WORKER_ENV in
 * src/core/deployment/contract.ts, listed in docs/dynamodb.md) or arguments:
 *
 *   VAULTPILOT_SOURCE          s3://…/AWSDynamoDB/<ExportId>/ or a folder holding it (or first argument)
 *   VAULTPILOT_DESTINATION     s3://bucket/prefix or a directory (or second argument)
 *   VAULTPILOT_DYNAMODB_KEYS   pk[,sk] (optional)
 *   VAULTPILOT_CONCURRENCY     data files in parallel (default: one per core)
 *   VAULTPILOT_S3_ENDPOINT     an S3-compatible endpoint (optional)
 *
 * Prints one JSON line with the result. Exit codes as WORKER_EXIT_CODES: 0 done, 1 failed (also a data file
 * whose md5 or item count is not the manifest's), 2 bad configuration, 143 stopped; a failed or stopped
 * conversion never leaves a manifest.
 */

import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { convertDynamoDbExport } from '../archive/dynamodb/index.js';
import { awsAccessFromEnv, type OpenLocationOptions } from '../aws/archive/openArchiveLocation.js';
import { openConvertLocation } from '../aws/dynamodb/S3ConvertLocation.js';
import { ArchiveLocationError, parseArchiveLocation } from '../core/archive/archiveLocation.js';
import { parseNumber } from '../core/archive/parseNumber.js';
import { DYNAMODB_WORKER_ENV } from '../core/deployment/contract.js';
import type { TableKeys } from '../core/dynamodb/columnMapping.js';
import { ExportManifestError, parseKeysOption } from '../core/dynamodb/manifests.js';
import { runWorkerJob } from './runWorkerJob.js';
import { WorkerConfigError } from './WorkerError.js';

/** What one run converts. */
export interface ConvertJob {
  readonly source: string;
  readonly destination: string;
  readonly keys?: TableKeys;
  readonly concurrency: number;
  readonly access: OpenLocationOptions;
}

/** Reads the job from the environment and arguments; names every problem at once. */
export function readConvertJob(env: NodeJS.ProcessEnv, args: readonly string[], cwd = process.cwd()): ConvertJob {
  const E = DYNAMODB_WORKER_ENV;
  const problems: string[] = [];
  const source = env[E.source] || args[0];
  const destination = env[E.destination] || args[1];
  if (!source) problems.push(`${E.source} is missing (the export's s3://… or folder)`);
  if (!destination) problems.push(`${E.destination} is missing (s3://bucket/prefix or a directory)`);
  for (const [name, text] of [
    [E.source, source],
    [E.destination, destination],
  ] as const) {
    try {
      if (text) parseArchiveLocation(text);
    } catch (error) {
      if (!(error instanceof ArchiveLocationError)) throw error;
      problems.push(`${name}: ${error.message}`);
    }
  }
  let keys: TableKeys | undefined;
  try {
    keys = env[E.keys] ? parseKeysOption(env[E.keys]!) : undefined;
  } catch (error) {
    if (!(error instanceof ExportManifestError)) throw error;
    problems.push(`${E.keys}: ${error.message}`);
  }
  let concurrency = availableParallelism();
  if (env[E.concurrency]) {
    const parsed = parseNumber(env[E.concurrency]!, { integer: true, min: 1, max: 256 });
    if (parsed.ok) concurrency = parsed.value;
    else problems.push(`${E.concurrency}=${env[E.concurrency]} ${parsed.problem}`);
  }
  if (problems.length > 0) throw new WorkerConfigError(problems);
  const access = awsAccessFromEnv(env);
  const s3Endpoint = env[E.s3Endpoint] || access.s3Endpoint;
  return {
    source: source!,
    destination: destination!,
    ...(keys ? { keys } : {}),
    concurrency,
    access: { ...access, ...(s3Endpoint ? { s3Endpoint } : {}), cwd },
  };
}

/** Runs one job and returns its JSON summary. */
export async function runConvertJob(job: ConvertJob, signal?: AbortSignal): Promise<Record<string, unknown>> {
  const started = Date.now();
  const result = await convertDynamoDbExport({
    source: await openConvertLocation(job.source, job.access),
    destination: await openConvertLocation(job.destination, job.access),
    ...(job.keys ? { keys: job.keys } : {}),
    concurrency: job.concurrency,
    ...(signal ? { signal } : {}),
  });
  return {
    exportArn: result.manifest.source.exportArn,
    itemCount: result.manifest.itemCount,
    files: result.manifest.files.length,
    inputBytes: result.inputBytes,
    outputBytes: result.outputBytes,
    seconds: (Date.now() - started) / 1000,
  };
}

/** Process edge: reads the job, stops cleanly on SIGTERM/SIGINT, prints the summary, returns the exit code. */
export async function main(env: NodeJS.ProcessEnv = process.env, args = process.argv.slice(2)): Promise<number> {
  return runWorkerJob((signal) => runConvertJob(readConvertJob(env, args), signal));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main();
}
