/**
 * Container entry point: exports one EBS snapshot into a block archive, the same engine the CLI runs.
 * Configured by environment (AWS Batch / Fargate / Step Functions container overrides) or arguments:
 *
 *   VAULTPILOT_SNAPSHOT_ID     snap-…                 (or first argument)
 *   VAULTPILOT_DESTINATION     s3://bucket/prefix or a directory (or second argument)
 *   VAULTPILOT_PARENT          archive to be incremental to (optional)
 *   VAULTPILOT_SHARD_COUNT     N > 1 splits the export; the shard index comes from VAULTPILOT_SHARD_INDEX
 *                              or AWS_BATCH_JOB_ARRAY_INDEX (array jobs)
 *   VAULTPILOT_MODE            export (default) | merge (the final step of a sharded export)
 *   VAULTPILOT_COMPRESSION_LEVEL, VAULTPILOT_READ_CONCURRENCY, VAULTPILOT_EBS_ENDPOINT, VAULTPILOT_S3_ENDPOINT
 *
 * Prints one JSON line with the result. Exit codes: 0 done, 1 failed, 2 bad configuration, 143 stopped
 * (SIGTERM from Batch/ECS); a stopped or failed export never leaves a manifest.
 */
import { pathToFileURL } from 'node:url';
import {
  type ArchiveStore,
  type BlockSource,
  exportArchive,
  LocalDirectoryStore,
  mergeShards,
} from '../archive/index.js';
import { WorkerConfigError, WorkerError } from './WorkerError.js';

/** What one run of the worker does. */
export interface ExportJob {
  readonly mode: 'export' | 'merge';
  readonly snapshotId?: string;
  readonly destination: string;
  readonly parent?: string;
  readonly shard?: { readonly index: number; readonly count: number };
  readonly level: number;
  readonly readConcurrency: number;
  readonly ebsEndpoint?: string;
  readonly s3Endpoint?: string;
  readonly region?: string;
}

function integer(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  problems: string[],
  range: [number, number],
): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < range[0] || value > range[1]) {
    problems.push(`${name}=${text} must be an integer from ${range[0]} to ${range[1]}`);
    return fallback;
  }
  return value;
}

/** Reads the job from the environment and arguments; names every missing or wrong setting at once. */
export function readExportJob(env: NodeJS.ProcessEnv, args: readonly string[]): ExportJob {
  const problems: string[] = [];
  const mode = env.VAULTPILOT_MODE ?? 'export';
  if (mode !== 'export' && mode !== 'merge') problems.push(`VAULTPILOT_MODE=${mode} must be export or merge`);
  const positional = mode === 'merge' ? [undefined, args[0]] : [args[0], args[1]];
  const snapshotId = env.VAULTPILOT_SNAPSHOT_ID || positional[0];
  const destination = env.VAULTPILOT_DESTINATION || positional[1];
  if (mode === 'export') {
    if (!snapshotId) problems.push('VAULTPILOT_SNAPSHOT_ID is missing (the snap-… to export)');
    else if (!/^snap-[0-9a-zA-Z]+$/.test(snapshotId))
      problems.push(`VAULTPILOT_SNAPSHOT_ID=${snapshotId} is not a snap-… id`);
  }
  if (!destination) problems.push('VAULTPILOT_DESTINATION is missing (s3://bucket/prefix or a directory)');
  const count = integer(env, 'VAULTPILOT_SHARD_COUNT', 1, problems, [1, 10_000]);
  let shard: ExportJob['shard'];
  if (count > 1 && mode === 'export') {
    const indexName = env.VAULTPILOT_SHARD_INDEX !== undefined ? 'VAULTPILOT_SHARD_INDEX' : 'AWS_BATCH_JOB_ARRAY_INDEX';
    if (env[indexName] === undefined) {
      problems.push('VAULTPILOT_SHARD_COUNT > 1 needs VAULTPILOT_SHARD_INDEX or AWS_BATCH_JOB_ARRAY_INDEX');
    } else {
      shard = { index: integer(env, indexName, 0, problems, [0, count - 1]), count };
    }
  }
  const level = integer(env, 'VAULTPILOT_COMPRESSION_LEVEL', 3, problems, [1, 19]);
  const readConcurrency = integer(env, 'VAULTPILOT_READ_CONCURRENCY', 16, problems, [1, 1024]);
  if (problems.length > 0) throw new WorkerConfigError(problems);
  return {
    mode: mode as ExportJob['mode'],
    ...(snapshotId && mode === 'export' ? { snapshotId } : {}),
    destination: destination!,
    ...(env.VAULTPILOT_PARENT ? { parent: env.VAULTPILOT_PARENT } : {}),
    ...(shard ? { shard } : {}),
    level,
    readConcurrency,
    ...(env.VAULTPILOT_EBS_ENDPOINT ? { ebsEndpoint: env.VAULTPILOT_EBS_ENDPOINT } : {}),
    ...(env.VAULTPILOT_S3_ENDPOINT ? { s3Endpoint: env.VAULTPILOT_S3_ENDPOINT } : {}),
    ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}),
  };
}

/** How the worker reaches snapshots and stores; tests pass their own. */
export interface WorkerDeps {
  readonly openSource: (job: ExportJob) => Promise<BlockSource>;
  readonly openStore: (location: string, job: ExportJob) => Promise<ArchiveStore>;
}

/** The production wiring: EBS direct APIs, S3 or a local directory. */
export const defaultDeps: WorkerDeps = {
  openSource: async (job) => {
    const { createEbsClient } = await import('../aws/ebs/createEbsClient.js');
    const { EbsSnapshotSource } = await import('../aws/ebs/EbsSnapshotSource.js');
    const client = createEbsClient({ endpoint: job.ebsEndpoint, region: job.region });
    return new EbsSnapshotSource({ client, snapshotId: job.snapshotId! });
  },
  openStore: async (location, job) => {
    if (!location.startsWith('s3://')) return new LocalDirectoryStore(location);
    const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(location);
    if (!match) throw new WorkerConfigError([`${location}: write S3 locations as s3://bucket/prefix`]);
    const { createS3Client } = await import('../aws/s3/createS3Client.js');
    const { S3ArchiveStore } = await import('../aws/s3/S3ArchiveStore.js');
    const client = createS3Client({
      endpoint: job.s3Endpoint,
      region: job.region,
      forcePathStyle: job.s3Endpoint !== undefined,
    });
    const prefix = (match[2] ?? '').replace(/\/+$/, '');
    return new S3ArchiveStore({ client, bucket: match[1]!, prefix: prefix ? `${prefix}/` : '' });
  },
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
export async function main(env: NodeJS.ProcessEnv = process.env, args = process.argv.slice(2)): Promise<number> {
  const controller = new AbortController();
  let stoppedBy: string | undefined;
  const stop = (name: NodeJS.Signals) => {
    stoppedBy = name;
    controller.abort(new WorkerError(`stopped by ${name}`, 143));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  try {
    const summary = await runExportJob(readExportJob(env, args), defaultDeps, controller.signal);
    process.stdout.write(`${JSON.stringify({ ok: true, ...summary })}\n`);
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const code = stoppedBy ? 143 : error instanceof WorkerError ? error.exitCode : 1;
    process.stdout.write(`${JSON.stringify({ ok: false, error: stoppedBy ? `stopped by ${stoppedBy}` : message })}\n`);
    return code;
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main();
}
