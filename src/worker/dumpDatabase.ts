/**
 * Container entry point (the AWS Batch job of native dumps): dumps one PostgreSQL or MySQL/MariaDB database, the
 * same engine as `vaultpilot dump`. Configured by environment (or arguments):
 *
 *   VAULTPILOT_DB_URL          postgres://user@host:port/db, mysql://… or mariadb://… (or first argument)
 *   VAULTPILOT_DB_PASSWORD     the password (optional; else the URL's, else PGPASSWORD / MYSQL_PWD)
 *   VAULTPILOT_DB_PASSWORD_SECRET_ARN  or a Secrets Manager secret holding it (its SecretString: the password, or
 *                              JSON with a `password` field as RDS-managed secrets have); read when the job starts,
 *                              so the password is never in the job's definition or overrides
 *   VAULTPILOT_DESTINATION     s3://bucket/prefix or a directory (or second argument)
 *   VAULTPILOT_JOBS            pg_dump --jobs (default: one per core)
 *   VAULTPILOT_ZSTD_LEVEL      zstd level 1–19 (default 3)
 *   VAULTPILOT_S3_ENDPOINT     an S3-compatible endpoint (optional)
 *   VAULTPILOT_TEMP_DIR        where pg_dump's files wait for zstd (default: the system's temporary directory)
 *
 * Prints one JSON line with the result (never the password). Exit codes as WORKER_EXIT_CODES: 0 done, 1 failed
 * (server unreachable, credentials refused, a tool failed), 2 bad configuration, 143 stopped; a failed or stopped
 * dump never leaves a manifest.
 */

import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { dumpDatabase } from '../archive/dump/index.js';
import { awsAccessFromEnv, type OpenLocationOptions, openArchiveStore } from '../aws/archive/openArchiveLocation.js';
import { ArchiveLocationError, parseArchiveLocation } from '../core/archive/archiveLocation.js';
import { COMPRESSION_LEVEL } from '../core/archive/archiveSettings.js';
import { parseNumber } from '../core/archive/parseNumber.js';
import { type DatabaseUrl, DatabaseUrlError, parseDatabaseUrl, redactDatabaseUrl } from '../core/dump/databaseUrl.js';
import { runWorkerJob } from './runWorkerJob.js';
import { WorkerConfigError } from './WorkerError.js';

/** The worker's environment variables (to join DYNAMODB_WORKER_ENV in src/core/deployment/contract.ts). */
export const DUMP_WORKER_ENV = {
  url: 'VAULTPILOT_DB_URL',
  password: 'VAULTPILOT_DB_PASSWORD',
  passwordSecretArn: 'VAULTPILOT_DB_PASSWORD_SECRET_ARN',
  destination: 'VAULTPILOT_DESTINATION',
  jobs: 'VAULTPILOT_JOBS',
  level: 'VAULTPILOT_ZSTD_LEVEL',
  s3Endpoint: 'VAULTPILOT_S3_ENDPOINT',
  tempDir: 'VAULTPILOT_TEMP_DIR',
} as const;

/** What one run dumps. */
export interface DumpJob {
  readonly url: DatabaseUrl;
  readonly password?: string;
  /** A Secrets Manager secret holding the password (read when the job runs). */
  readonly passwordSecretArn?: string;
  readonly destination: string;
  readonly jobs: number;
  readonly level: number;
  readonly tempDirectory?: string;
  readonly access: OpenLocationOptions;
  /** The tools' environment: this process's, without the worker's own password variable. */
  readonly env: NodeJS.ProcessEnv;
}

/** Reads the job from the environment and arguments; names every problem at once. */
export function readDumpJob(env: NodeJS.ProcessEnv, args: readonly string[], cwd = process.cwd()): DumpJob {
  const E = DUMP_WORKER_ENV;
  const problems: string[] = [];
  const urlText = env[E.url] || args[0];
  const destination = env[E.destination] || args[1];
  let url: DatabaseUrl | undefined;
  if (!urlText) problems.push(`${E.url} is missing (postgres://user@host:port/db or mysql://…)`);
  else {
    try {
      url = parseDatabaseUrl(urlText);
    } catch (error) {
      if (!(error instanceof DatabaseUrlError)) throw error;
      problems.push(`${E.url}: ${error.message}`);
    }
  }
  if (!destination) problems.push(`${E.destination} is missing (s3://bucket/prefix or a directory)`);
  else {
    try {
      parseArchiveLocation(destination);
    } catch (error) {
      if (!(error instanceof ArchiveLocationError)) throw error;
      problems.push(`${E.destination}: ${error.message}`);
    }
  }
  const number = (name: string, spec: { min: number; max: number }, fallback: number) => {
    const text = env[name];
    if (!text) return fallback;
    const parsed = parseNumber(text, { integer: true, ...spec });
    if (parsed.ok) return parsed.value;
    problems.push(`${name}=${text} ${parsed.problem}`);
    return fallback;
  };
  const jobs = number(E.jobs, { min: 1, max: 256 }, availableParallelism());
  const level = number(E.level, COMPRESSION_LEVEL, COMPRESSION_LEVEL.default);
  if (env[E.password] && env[E.passwordSecretArn]) {
    problems.push(`${E.password} and ${E.passwordSecretArn} are both set: give one`);
  }
  if (problems.length > 0 || !url || !destination) throw new WorkerConfigError(problems);
  const password =
    env[E.password] || url.password || (url.engine === 'postgresql' ? env.PGPASSWORD : env.MYSQL_PWD) || undefined;
  const access = awsAccessFromEnv(env);
  const s3Endpoint = env[E.s3Endpoint] || access.s3Endpoint;
  const { [E.password]: _omitted, [E.passwordSecretArn]: _secret, ...toolEnv } = env;
  return {
    url,
    ...(password ? { password } : {}),
    ...(env[E.passwordSecretArn] ? { passwordSecretArn: env[E.passwordSecretArn] } : {}),
    destination,
    jobs,
    level,
    ...(env[E.tempDir] ? { tempDirectory: env[E.tempDir] } : {}),
    access: { ...access, ...(s3Endpoint ? { s3Endpoint } : {}), cwd },
    env: toolEnv,
  };
}

/**
 * The password in a Secrets Manager secret: its SecretString, or the `password` field when it is JSON (RDS-managed
 * master user secrets hold `{"username":…,"password":…}`).
 */
export async function passwordFromSecret(secretArn: string, client = new SecretsManagerClient({})): Promise<string> {
  let text: string | undefined;
  try {
    text = (await client.send(new GetSecretValueCommand({ SecretId: secretArn }))).SecretString;
  } finally {
    client.destroy();
  }
  if (text === undefined) throw new Error(`secret ${secretArn} holds no SecretString`);
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === 'object' && typeof (parsed as { password?: unknown }).password === 'string') {
      return (parsed as { password: string }).password;
    }
  } catch {
    // Not JSON: the string is the password.
  }
  return text;
}

/** Runs one job and returns its JSON summary. */
export async function runDumpJob(job: DumpJob, signal?: AbortSignal): Promise<Record<string, unknown>> {
  const started = Date.now();
  const store = await openArchiveStore(job.destination, job.access);
  const password = job.passwordSecretArn ? await passwordFromSecret(job.passwordSecretArn) : job.password;
  const result = await dumpDatabase({
    url: job.url,
    ...(password !== undefined ? { password } : {}),
    store,
    jobs: job.jobs,
    level: job.level,
    env: job.env,
    ...(job.tempDirectory ? { tempDirectory: job.tempDirectory } : {}),
    ...(signal ? { signal } : {}),
  });
  const m = result.manifest;
  return {
    source: redactDatabaseUrl(
      `${job.url.engine === 'postgresql' ? 'postgres' : 'mysql'}://${job.url.user}@${job.url.host}:${job.url.port}/${job.url.database}`,
    ),
    destination: store.location,
    engine: m.engine,
    serverVersion: m.serverVersion,
    files: m.files.length,
    uncompressedBytes: result.uncompressedBytes,
    compressedBytes: result.compressedBytes,
    tables: Object.keys(m.rowCounts.tables).length,
    rowCounts: m.rowCounts.mode,
    seconds: (Date.now() - started) / 1000,
  };
}

/** Process edge: reads the job, stops cleanly on SIGTERM/SIGINT, prints the summary, returns the exit code. */
export async function main(env: NodeJS.ProcessEnv = process.env, args = process.argv.slice(2)): Promise<number> {
  return runWorkerJob((signal) => runDumpJob(readDumpJob(env, args), signal));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main();
}
