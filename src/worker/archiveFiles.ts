/**
 * Container entry point: the file-level archive of a mounted volume (read-only mount of a restored EBS volume's
 * partition) or of an ext2/3/4 image, the same engine as `vaultpilot archive --files`. What the AWS Batch job runs
 * once the volume is attached and mounted. Configured by environment (FILES_WORKER_ENV below, listed in
 * docs/file-archives.md) or arguments:
 *
 *   VAULTPILOT_SOURCE              the directory (mount point) or ext image (or the first argument)
 *   VAULTPILOT_DESTINATION         s3://bucket/prefix or a directory (or the second argument)
 *   VAULTPILOT_COMPRESSION_LEVEL   zstd level 1–19 (default 3)
 *   VAULTPILOT_THREADS             zstd threads 1–256 (default: one per core)
 *   VAULTPILOT_STORAGE_CLASS       S3 storage class of the objects (default: the bucket's)
 *   VAULTPILOT_TEMP_DIRECTORY      where an image is extracted (default: the system's temporary directory)
 *   VAULTPILOT_S3_ENDPOINT         an S3-compatible endpoint (optional)
 *
 * Prints one JSON line with the result and, every 30 s, a progress line on stderr. Exit codes as
 * WORKER_EXIT_CODES: 0 done, 1 failed (also an unreadable file), 2 bad configuration, 143 stopped; a failed or
 * stopped run never leaves a manifest.
 */
import { pathToFileURL } from 'node:url';
import { archiveFiles } from '../archive/files/index.js';
import { awsAccessFromEnv, type OpenLocationOptions, openArchiveStore } from '../aws/archive/openArchiveLocation.js';
import { ArchiveLocationError, parseArchiveLocation } from '../core/archive/archiveLocation.js';
import { CODEC_THREADS, COMPRESSION_LEVEL } from '../core/archive/archiveSettings.js';
import { parseNumber } from '../core/archive/parseNumber.js';
import { runWorkerJob } from './runWorkerJob.js';
import { WorkerConfigError } from './WorkerError.js';

/** Environment variables of the file-archive worker (to move into src/core/deployment/contract.ts). */
export const FILES_WORKER_ENV = {
  source: 'VAULTPILOT_SOURCE',
  destination: 'VAULTPILOT_DESTINATION',
  compressionLevel: 'VAULTPILOT_COMPRESSION_LEVEL',
  threads: 'VAULTPILOT_THREADS',
  storageClass: 'VAULTPILOT_STORAGE_CLASS',
  tempDirectory: 'VAULTPILOT_TEMP_DIRECTORY',
  s3Endpoint: 'VAULTPILOT_S3_ENDPOINT',
} as const;

/** What one run archives. */
export interface FilesJob {
  readonly source: string;
  readonly destination: string;
  readonly level: number;
  /** 0 = one per core. */
  readonly threads: number;
  readonly tempDirectory?: string;
  readonly access: OpenLocationOptions;
}

/** Reads the job from the environment and arguments; names every problem at once. */
export function readFilesJob(env: NodeJS.ProcessEnv, args: readonly string[], cwd = process.cwd()): FilesJob {
  const E = FILES_WORKER_ENV;
  const problems: string[] = [];
  const source = env[E.source] || args[0];
  const destination = env[E.destination] || args[1];
  if (!source) problems.push(`${E.source} is missing (the mounted directory or an ext image)`);
  if (!destination) problems.push(`${E.destination} is missing (s3://bucket/prefix or a directory)`);
  if (destination) {
    try {
      parseArchiveLocation(destination);
    } catch (error) {
      if (!(error instanceof ArchiveLocationError)) throw error;
      problems.push(`${E.destination}: ${error.message}`);
    }
  }
  if (source?.startsWith('s3://') || source?.startsWith('ebs://')) {
    problems.push(`${E.source}: ${source}: a local directory or image is needed (mount the volume first)`);
  }
  const numberOf = (name: string, spec: { integer: true; min: number; max: number }, fallback: number) => {
    const text = env[name];
    if (!text) return fallback;
    const parsed = parseNumber(text, spec);
    if (parsed.ok) return parsed.value;
    problems.push(`${name}=${text} ${parsed.problem}`);
    return fallback;
  };
  const level = numberOf(E.compressionLevel, COMPRESSION_LEVEL, COMPRESSION_LEVEL.default);
  const threads = numberOf(E.threads, CODEC_THREADS, 0);
  if (problems.length > 0) throw new WorkerConfigError(problems);
  const access = awsAccessFromEnv(env);
  const s3Endpoint = env[E.s3Endpoint] || access.s3Endpoint;
  const storageClass = env[E.storageClass];
  return {
    source: source!,
    destination: destination!,
    level,
    threads,
    ...(env[E.tempDirectory] ? { tempDirectory: env[E.tempDirectory] } : {}),
    access: { ...access, ...(s3Endpoint ? { s3Endpoint } : {}), ...(storageClass ? { storageClass } : {}), cwd },
  };
}

/** Runs one job and returns its JSON summary. */
export async function runFilesJob(
  job: FilesJob,
  signal?: AbortSignal,
  log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<Record<string, unknown>> {
  const started = Date.now();
  let lastLog = started;
  const result = await archiveFiles({
    source: job.source,
    store: await openArchiveStore(job.destination, job.access, 'streams'),
    level: job.level,
    threads: job.threads,
    ...(job.tempDirectory ? { tempDirectory: job.tempDirectory } : {}),
    ...(signal ? { signal } : {}),
    onProgress: (p) => {
      const now = Date.now();
      if (now - lastLog < 30_000) return;
      lastLog = now;
      const seconds = (now - started) / 1000;
      log(
        JSON.stringify({
          progress: true,
          entries: p.entries,
          contentBytes: p.contentBytes,
          storedBytes: p.storedBytes,
          mbPerSecond: Number((p.tarBytes / 1e6 / seconds).toFixed(1)),
        }),
      );
    },
  });
  const m = result.manifest;
  const seconds = (Date.now() - started) / 1000;
  return {
    source: m.source,
    destination: job.destination,
    manifest: result.manifestKey,
    entries: m.counts.entries,
    counts: m.counts,
    contentBytes: m.contentBytes,
    archiveBytes: m.archive.bytes,
    sha256: m.archive.sha256,
    seconds,
  };
}

/** Process edge: reads the job, stops cleanly on SIGTERM/SIGINT, prints the summary, returns the exit code. */
export async function main(env: NodeJS.ProcessEnv = process.env, args = process.argv.slice(2)): Promise<number> {
  return runWorkerJob((signal) => runFilesJob(readFilesJob(env, args), signal));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main();
}
