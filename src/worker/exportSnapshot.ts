/**
 * Container entry point: exports one EBS snapshot into a block archive, the same engine the CLI runs.
 * Configured by environment (AWS Batch / Fargate / Step Functions container overrides) or arguments; the
 * variables, their defaults and the exit codes are WORKER_ENV, WORKER_DEFAULTS and WORKER_EXIT_CODES in
 * src/core/deployment/contract.ts (listed for operators in docs/archiving.md):
 *
 *   VAULTPILOT_SNAPSHOT_ID     snap-…                 (or first argument)
 *   VAULTPILOT_DESTINATION     s3://bucket/prefix or a directory (or second argument)
 *   VAULTPILOT_PARENT          archive to be incremental to (optional)
 *   VAULTPILOT_SHARD_COUNT     N > 1 splits the export; the shard index comes from VAULTPILOT_SHARD_INDEX
 *                              or AWS_BATCH_JOB_ARRAY_INDEX (array jobs)
 *   VAULTPILOT_MODE            export (default) | merge (the final step of a sharded export)
 *   VAULTPILOT_COMPRESSION_LEVEL, VAULTPILOT_READ_CONCURRENCY, VAULTPILOT_EBS_ENDPOINT, VAULTPILOT_S3_ENDPOINT
 *
 * Locations are parsed and opened by the same code as the CLI's (src/core/archive/archiveLocation.ts,
 * src/aws/archive/openArchiveLocation.ts). Prints one JSON line with the result. Exit codes: 0 done,
 * 1 failed, 2 bad configuration, 143 stopped (SIGTERM from Batch/ECS); a stopped or failed export never
 * leaves a manifest.
 */

import { pathToFileURL } from 'node:url';
import { type ArchiveStore, type BlockSource, exportArchive, mergeShards } from '../archive/index.js';
import {
  awsAccessFromEnv,
  canonicalArchiveLocation,
  openArchiveStore,
  openBlockSource,
} from '../aws/archive/openArchiveLocation.js';
import { ArchiveLocationError, parseSnapshotId } from '../core/archive/archiveLocation.js';
import { COMPRESSION_LEVEL, READ_CONCURRENCY, SHARD_COUNT } from '../core/archive/archiveSettings.js';
import { type NumberSpec, parseNumber } from '../core/archive/parseNumber.js';
import { WORKER_DEFAULTS, WORKER_ENV } from '../core/deployment/contract.js';
import { runWorkerJob } from './runWorkerJob.js';
import { WorkerConfigError } from './WorkerError.js';

/** What one run of the worker does. */
export interface ExportJob {
  readonly mode: 'export' | 'merge';
  readonly snapshotId?: string;
  /** Canonical: `s3://bucket/prefix` or an absolute directory. */
  readonly destination: string;
  /** Canonical like `destination`; recorded so in the manifest's `parent.location`. */
  readonly parent?: string;
  readonly shard?: { readonly index: number; readonly count: number };
  readonly level: number;
  readonly readConcurrency: number;
  readonly ebsEndpoint?: string;
  readonly s3Endpoint?: string;
  readonly region?: string;
  /** Static keys from the environment, when it holds them; else the SDK's default chain. */
  readonly credentials?: {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken?: string;
  };
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, problems: string[], spec: NumberSpec): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const parsed = parseNumber(text, { ...spec, integer: true });
  if (!parsed.ok) {
    problems.push(`${name}=${text} ${parsed.problem}`);
    return fallback;
  }
  return parsed.value;
}

/** The canonical form of an archive location named by `name`, or undefined with the problem recorded. */
function archiveLocation(name: string, text: string, cwd: string, problems: string[]): string | undefined {
  try {
    return canonicalArchiveLocation(text, cwd);
  } catch (error) {
    if (!(error instanceof ArchiveLocationError)) throw error;
    problems.push(`${name}: ${error.message}`);
    return undefined;
  }
}

/**
 * Reads the job from the environment and arguments; names every missing or wrong setting at once. Relative
 * directories are resolved against `cwd`.
 */
export function readExportJob(env: NodeJS.ProcessEnv, args: readonly string[], cwd = process.cwd()): ExportJob {
  const problems: string[] = [];
  const E = WORKER_ENV;
  const mode = env[E.mode] || WORKER_DEFAULTS.mode;
  if (mode !== 'export' && mode !== 'merge') problems.push(`${E.mode}=${mode} must be export or merge`);
  const positional = mode === 'merge' ? [undefined, args[0]] : [args[0], args[1]];
  const snapshotText = env[E.snapshotId] || positional[0];
  const destinationText = env[E.destination] || positional[1];
  let snapshotId: string | undefined;
  if (mode === 'export') {
    if (!snapshotText) problems.push(`${E.snapshotId} is missing (the snap-… to export)`);
    else {
      snapshotId = parseSnapshotId(snapshotText);
      if (!snapshotId) problems.push(`${E.snapshotId}=${snapshotText} is not a snap-… id`);
    }
  }
  let destination: string | undefined;
  if (!destinationText) problems.push(`${E.destination} is missing (s3://bucket/prefix or a directory)`);
  else destination = archiveLocation(E.destination, destinationText, cwd, problems);
  const parentText = env[E.parent];
  const parent = parentText ? archiveLocation(E.parent, parentText, cwd, problems) : undefined;
  const count = integer(env, E.shardCount, WORKER_DEFAULTS.shardCount, problems, SHARD_COUNT);
  let shard: ExportJob['shard'];
  if (count > 1 && mode === 'export') {
    const indexName = env[E.shardIndex] !== undefined ? E.shardIndex : E.batchArrayIndex;
    if (env[indexName] === undefined) {
      problems.push(`${E.shardCount} > 1 needs ${E.shardIndex} or ${E.batchArrayIndex}`);
    } else {
      shard = { index: integer(env, indexName, 0, problems, { min: 0, max: count - 1 }), count };
    }
  }
  const level = integer(env, E.compressionLevel, WORKER_DEFAULTS.compressionLevel, problems, COMPRESSION_LEVEL);
  const readConcurrency = integer(env, E.readConcurrency, WORKER_DEFAULTS.readConcurrency, problems, READ_CONCURRENCY);
  if (problems.length > 0) throw new WorkerConfigError(problems);
  const access = awsAccessFromEnv(env);
  const ebsEndpoint = env[E.ebsEndpoint] || access.ebsEndpoint;
  const s3Endpoint = env[E.s3Endpoint] || access.s3Endpoint;
  return {
    mode: mode as ExportJob['mode'],
    ...(snapshotId && mode === 'export' ? { snapshotId } : {}),
    destination: destination!,
    ...(parent ? { parent } : {}),
    ...(shard ? { shard } : {}),
    level,
    readConcurrency,
    ...(ebsEndpoint ? { ebsEndpoint } : {}),
    ...(s3Endpoint ? { s3Endpoint } : {}),
    ...(access.region ? { region: access.region } : {}),
    ...(access.credentials ? { credentials: access.credentials } : {}),
  };
}

/** How the worker reaches snapshots and stores; tests pass their own. */
export interface WorkerDeps {
  readonly openSource: (job: ExportJob) => Promise<BlockSource>;
  /** Opens a canonical archive location (the job's destination or parent). */
  readonly openStore: (location: string, job: ExportJob) => Promise<ArchiveStore>;
}

function accessOf(job: ExportJob) {
  return {
    // Locations in a job are canonical (absolute), so the directory they would resolve against does not matter.
    cwd: '/',
    ...(job.region ? { region: job.region } : {}),
    ...(job.ebsEndpoint ? { ebsEndpoint: job.ebsEndpoint } : {}),
    ...(job.s3Endpoint ? { s3Endpoint: job.s3Endpoint } : {}),
    ...(job.credentials ? { credentials: job.credentials } : {}),
  };
}

/** The production wiring: the shared opener (EBS direct APIs, S3 or a local directory). */
export const defaultDeps: WorkerDeps = {
  openSource: (job) => openBlockSource({ kind: 'ebs-snapshot', snapshotId: job.snapshotId! }, accessOf(job)),
  openStore: (location, job) => openArchiveStore(location, accessOf(job)),
};

/** Runs one job and returns its JSON summary. */
export async function runExportJob(
  job: ExportJob,
  deps: WorkerDeps = defaultDeps,
  signal?: AbortSignal,
): Promise<Record<string, unknown>> {
  const store = await deps.openStore(job.destination, job);
  const started = Date.now();
  if (job.mode === 'merge') {
    const manifest = await mergeShards(store, { signal });
    return { mode: 'merge', archive: store.location, segments: manifest.segments.length, ...manifest.totals };
  }
  const parent = job.parent ? { store: await deps.openStore(job.parent, job), location: job.parent } : undefined;
  const result = await exportArchive({
    source: await deps.openSource(job),
    store,
    parent,
    shard: job.shard,
    level: job.level,
    readConcurrency: job.readConcurrency,
    signal,
  });
  const m = result.manifest;
  return {
    mode: 'export',
    snapshotId: job.snapshotId,
    archive: store.location,
    manifest: result.manifestKey,
    ...(job.shard ? { shard: job.shard } : {}),
    ...m.totals,
    linearChecksum: m.linearChecksum,
    seconds: (Date.now() - started) / 1000,
  };
}

/** Process edge: reads the job, stops cleanly on SIGTERM/SIGINT, prints the summary, returns the exit code. */
export async function main(
  env: NodeJS.ProcessEnv = process.env,
  args = process.argv.slice(2),
  cwd = process.cwd(),
): Promise<number> {
  return runWorkerJob((signal) => runExportJob(readExportJob(env, args, cwd), defaultDeps, signal));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main();
}
