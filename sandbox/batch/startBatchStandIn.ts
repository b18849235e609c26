/**
 * A local stand-in for the part of AWS Batch (service `batch`, REST-JSON) the export workflow calls: SubmitJob,
 * DescribeJobs, TerminateJob and CancelJob, at `POST /v1/submitjob`, `/v1/describejobs`, `/v1/terminatejob` and
 * `/v1/canceljob` with camelCase JSON bodies, as `@aws-sdk/client-batch` sends them. Errors carry
 * `x-amzn-ErrorType` and `{"__type", "message"}`: `ClientException` (400) or `ServerException` (500), the only two
 * exceptions Batch models. Signatures are not checked.
 *
 * There is no Docker here, so a job runs its definition's entry point as a local child process — the same entry
 * point the container runs: `node --import tsx <entry.ts> …command` (or `node <entry.js> …command` for the compiled
 * dist), with the base environment (`env`, default PATH and HOME), the definition's `environment`, SubmitJob's
 * `containerOverrides.environment` and the `AWS_BATCH_*` variables Batch sets. The entry is the image's ENTRYPOINT;
 * `command` (the definition's, or `containerOverrides.command`) its arguments.
 *
 * A job goes SUBMITTED → PENDING → RUNNABLE → STARTING → RUNNING → SUCCEEDED | FAILED, `timing.transitionMs` per
 * step. Exit 0 → SUCCEEDED; else FAILED with statusReason `Essential container in task exited` and
 * `container.exitCode` (a signal-killed child reports 128 + signal, as Docker does). `retryStrategy.attempts`
 * (1–10) with `evaluateOnExit` (onStatusReason / onReason / onExitCode globs, RETRY | EXIT; no match → retry) gives
 * new attempts, each a new child, the job going back to RUNNABLE. `timeout.attemptDurationSeconds` (≥ 60, as Batch;
 * one second lasts `timing.secondMs`) kills the attempt (SIGTERM, SIGKILL after `timing.killGraceMs`), statusReason
 * `Job attempt duration exceeded timeout`, never retried. TerminateJob kills a running child (FAILED, statusReason
 * the given reason, not retried) and cancels a queued job; CancelJob fails jobs not yet STARTING and leaves others
 * alone (still 200), as Batch. SubmitJob has no idempotency token in Batch: every call is a new job.
 *
 * Faults (`injectFailure(jobNameOrDefinition, how)`): `exit` — the next attempt's container exits with `exitCode`
 * (default 1) without running the entry; `spot-interruption` — `afterMs` after the next attempt starts its host is
 * reclaimed: SIGTERM, SIGKILL after killGraceMs (2 s), statusReason `Host EC2 (instance i-…) terminated.`, no exit
 * code (the host is gone), retried when attempts remain; `start-timeout` — the job never leaves RUNNABLE (no
 * capacity), until cancelled or terminated. `injectError(operation, …)` makes the next calls answer an error.
 *
 * See docs/sandbox.md.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ErrorQueue, type InjectedError } from '../backup/backupStandInErrors.js';
import { listenLocally, readBodyUpTo } from '../http/listenLocally.js';

export type { InjectedError } from '../backup/backupStandInErrors.js';

/** A job definition the stand-in knows (revision 1 unless `revision` says otherwise). */
export interface BatchJobDefinitionSpec {
  /** The module the container runs: `.ts` with `node --import tsx`, else plain `node`; relative to `cwd`. */
  readonly entry: string;
  /** The container's environment from the job definition. */
  readonly environment?: Record<string, string>;
  /** Arguments after the entry (the definition's `command`); `containerOverrides.command` replaces them. */
  readonly command?: readonly string[];
  /** The definition's `timeout.attemptDurationSeconds`. */
  readonly attemptDurationSeconds?: number;
  /** The definition's `retryStrategy`. */
  readonly retryStrategy?: RetryStrategy;
  /** @default 1 */
  readonly revision?: number;
  /** Shown as `container.image`. @default `vaultpilot-worker:latest` */
  readonly image?: string;
}

export interface RetryStrategy {
  readonly attempts?: number;
  readonly evaluateOnExit?: readonly {
    readonly onStatusReason?: string;
    readonly onReason?: string;
    readonly onExitCode?: string;
    readonly action: string;
  }[];
}

export interface BatchStandInOptions {
  readonly jobDefinitions: Record<string, BatchJobDefinitionSpec>;
  /** Working directory of the children, and the base of relative entries. @default process.cwd() */
  readonly cwd?: string;
  /** The container's base environment (the image's ENV). @default { PATH, HOME } of this process */
  readonly env?: Record<string, string | undefined>;
  /** Queues SubmitJob accepts (names); unknown → ClientException. @default any queue */
  readonly jobQueues?: readonly string[];
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default 0 */
  readonly port?: number;
  /** @default '111122223333' */
  readonly accountId?: string;
  /** @default 'eu-west-1' */
  readonly region?: string;
  readonly timing?: {
    /** Each step SUBMITTED → PENDING → RUNNABLE → STARTING → RUNNING. @default 10 */
    readonly transitionMs?: number;
    /** How long one second of `attemptDurationSeconds` lasts. @default 1000 */
    readonly secondMs?: number;
    /** SIGTERM → SIGKILL grace for a killed attempt. @default 2000 */
    readonly killGraceMs?: number;
  };
}

export type BatchJobStatus = 'SUBMITTED' | 'PENDING' | 'RUNNABLE' | 'STARTING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED';

export type FailureKind = 'exit' | 'spot-interruption' | 'start-timeout';

/** One attempt as tests see it (more than DescribeJobs shows). */
export interface BatchAttemptInfo {
  readonly attempt: number;
  readonly exitCode?: number;
  readonly signal?: string;
  readonly statusReason: string;
  readonly reason?: string;
  readonly stdout: string;
  readonly stderr: string;
  /** The last line of stdout that parses as JSON. */
  readonly result?: unknown;
  /** The child's environment. */
  readonly environment: Record<string, string>;
  readonly args: readonly string[];
  readonly logStreamName: string;
}

export interface BatchJobInfo {
  readonly jobId: string;
  readonly jobName: string;
  readonly jobDefinition: string;
  readonly jobQueue: string;
  readonly status: BatchJobStatus;
  readonly statusReason?: string;
  readonly attempts: readonly BatchAttemptInfo[];
  /** The last attempt's JSON result line. */
  readonly result?: unknown;
  readonly tags: Record<string, string>;
  /** The attempt running now: its child's pid and output so far. */
  readonly running?: {
    readonly attempt: number;
    readonly pid: number;
    readonly stdout: string;
    readonly stderr: string;
  };
}

export interface BatchStandIn {
  readonly endpoint: string;
  jobs(): BatchJobInfo[];
  /** The next `times` (1) attempts of jobs with this job name or definition name fail this way. */
  injectFailure(
    target: string,
    how: FailureKind,
    options?: { exitCode?: number; reason?: string; afterMs?: number; times?: number },
  ): void;
  /** The next `times` calls of `operation` (e.g. 'SubmitJob') answer this error. */
  injectError(operation: string, error: InjectedError, times?: number): void;
  /** Resolves when the job is SUCCEEDED or FAILED. */
  settled(jobId: string): Promise<BatchJobInfo>;
  /** Kills every child (SIGKILL) and stops the server. */
  close(): Promise<void>;
}

const TERMINAL: ReadonlySet<BatchJobStatus> = new Set(['SUCCEEDED', 'FAILED']);
const ESSENTIAL_EXITED = 'Essential container in task exited';
export const TIMEOUT_REASON = 'Job attempt duration exceeded timeout';
const MAX_OUTPUT = 1 << 20;

class ClientException extends Error {
  override readonly name = 'ClientException';
}

interface Definition {
  readonly name: string;
  readonly revision: number;
  readonly arn: string;
  readonly spec: BatchJobDefinitionSpec;
}

interface Fault {
  readonly target: string;
  readonly how: FailureKind;
  readonly exitCode: number;
  readonly reason?: string;
  readonly afterMs: number;
  remaining: number;
}

interface Attempt extends BatchAttemptInfo {
  readonly taskArn: string;
  readonly containerInstanceArn: string;
  readonly startedAt: number;
  readonly stoppedAt: number;
}

interface Job {
  readonly id: string;
  readonly name: string;
  readonly arn: string;
  readonly queueArn: string;
  readonly queueName: string;
  readonly definition: Definition;
  readonly environment: Record<string, string>;
  readonly args: readonly string[];
  readonly attemptsAllowed: number;
  readonly evaluateOnExit: RetryStrategy['evaluateOnExit'];
  readonly timeoutSeconds: number | undefined;
  readonly tags: Record<string, string>;
  readonly parameters: Record<string, string>;
  readonly createdAt: number;
  status: BatchJobStatus;
  statusReason?: string;
  startedAt?: number;
  stoppedAt?: number;
  isCancelled: boolean;
  isTerminated: boolean;
  /** The current (or last) attempt's log stream. */
  logStreamName?: string;
  readonly attempts: Attempt[];
  /** Aborts the job's queue steps (cancel/terminate before RUNNING). */
  readonly abort: AbortController;
  /** The running attempt's child and output so far. */
  live?: { attempt: number; pid: number; stdout: () => string; stderr: () => string };
  /** Kills the running attempt's child, with the attempt's statusReason. */
  kill?: (why: 'terminate' | 'timeout' | 'spot', reason: string) => void;
  readonly done: Promise<void>;
  finish: () => void;
}

/** tsx's loader, resolved only when a TypeScript entry runs (the compiled dist may run without tsx installed). */
let tsxUrl: string | undefined;
const tsxLoader = () => {
  tsxUrl ??= pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return tsxUrl;
};

export async function startBatchStandIn(options: BatchStandInOptions): Promise<BatchStandIn> {
  const accountId = options.accountId ?? '111122223333';
  const region = options.region ?? 'eu-west-1';
  const cwd = options.cwd ?? process.cwd();
  const baseEnv = options.env ?? { PATH: process.env.PATH, HOME: process.env.HOME };
  const transitionMs = options.timing?.transitionMs ?? 10;
  const secondMs = options.timing?.secondMs ?? 1000;
  const killGraceMs = options.timing?.killGraceMs ?? 2000;
  const prefix = `arn:aws:batch:${region}:${accountId}`;
  const definitions = new Map<string, Definition>();
  for (const [name, spec] of Object.entries(options.jobDefinitions)) {
    const revision = spec.revision ?? 1;
    definitions.set(name, { name, revision, arn: `${prefix}:job-definition/${name}:${revision}`, spec });
  }
  const queues = options.jobQueues ? new Set(options.jobQueues) : undefined;
  const jobs = new Map<string, Job>();
  const faults: Fault[] = [];
  const injected = new ErrorQueue();
  const children = new Set<ChildProcess>();
  let closing = false;

  const takeFault = (job: Job): Fault | undefined => {
    const fault = faults.find((f) => f.remaining > 0 && (f.target === job.name || f.target === job.definition.name));
    if (fault) fault.remaining -= 1;
    return fault;
  };

  const findDefinition = (ref: string): Definition => {
    let name = ref;
    let revision: number | undefined;
    const arnMatch = /^arn:aws[a-z-]*:batch:[^:]*:\d{12}:job-definition\/(.+)$/.exec(ref);
    if (arnMatch) name = arnMatch[1]!;
    else if (ref.startsWith('arn:')) throw new ClientException(`Job definition ${ref} is not a valid ARN.`);
    const colon = /^(.+):(\d+)$/.exec(name);
    if (colon) {
      name = colon[1]!;
      revision = Number(colon[2]);
    }
    const definition = definitions.get(name);
    if (!definition || (revision !== undefined && revision !== definition.revision)) {
      throw new ClientException(`Job definition ${ref} does not exist or is not ACTIVE.`);
    }
    return definition;
  };

  const delay = (ms: number, signal: AbortSignal) =>
    new Promise<void>((done, fail) => {
      if (signal.aborted) return fail(signal.reason);
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        done();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        fail(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });

  const end = (job: Job, status: 'SUCCEEDED' | 'FAILED', statusReason: string) => {
    if (TERMINAL.has(job.status)) return;
    job.status = status;
    job.statusReason = statusReason;
    job.stoppedAt = Date.now();
    job.finish();
  };

  const shouldRetry = (job: Job, attempt: Attempt): boolean => {
    if (job.attempts.length >= job.attemptsAllowed) return false;
    for (const rule of job.evaluateOnExit ?? []) {
      const matches = (pattern: string | undefined, value: string | undefined) =>
        pattern === undefined || (value !== undefined && glob(pattern, value));
      if (
        matches(rule.onStatusReason, attempt.statusReason) &&
        matches(rule.onReason, attempt.reason) &&
        matches(rule.onExitCode, attempt.exitCode === undefined ? undefined : String(attempt.exitCode))
      ) {
        return rule.action.toUpperCase() === 'RETRY';
      }
    }
    return true;
  };

  const runAttempt = (job: Job, fault: Fault | undefined): Promise<{ attempt: Attempt; final: boolean }> => {
    const number = job.attempts.length + 1;
    const taskId = randomBytes(16).toString('hex');
    const taskArn = `arn:aws:ecs:${region}:${accountId}:task/vaultpilot-batch/${taskId}`;
    const containerInstanceArn = `arn:aws:ecs:${region}:${accountId}:container-instance/vaultpilot-batch/${randomBytes(16).toString('hex')}`;
    const logStreamName = `${job.definition.name}/default/${taskId}`;
    const environment: Record<string, string> = {};
    for (const [k, v] of Object.entries(baseEnv)) if (v !== undefined) environment[k] = v;
    Object.assign(environment, job.environment, {
      AWS_BATCH_JOB_ID: job.id,
      AWS_BATCH_JOB_ATTEMPT: String(number),
      AWS_BATCH_JQ_NAME: job.queueName,
      AWS_BATCH_CE_NAME: 'vaultpilot-stand-in',
    });
    const startedAt = Date.now();
    job.status = 'RUNNING';
    job.startedAt = startedAt;
    job.logStreamName = logStreamName;
    const common = {
      attempt: number,
      environment,
      args: job.args,
      logStreamName,
      taskArn,
      containerInstanceArn,
      startedAt,
    };

    if (fault?.how === 'exit') {
      const attempt: Attempt = {
        ...common,
        exitCode: fault.exitCode,
        statusReason: ESSENTIAL_EXITED,
        ...(fault.reason === undefined ? {} : { reason: fault.reason }),
        stdout: '',
        stderr: '',
        stoppedAt: Date.now(),
      };
      return Promise.resolve({ attempt, final: fault.exitCode === 0 });
    }

    const entry = isAbsolute(job.definition.spec.entry)
      ? job.definition.spec.entry
      : resolve(cwd, job.definition.spec.entry);
    const nodeArgs = entry.endsWith('.ts') ? ['--no-warnings', '--import', tsxLoader(), entry] : [entry];
    const child = spawn(process.execPath, [...nodeArgs, ...job.args], {
      cwd,
      env: environment,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      if (stdout.length < MAX_OUTPUT) stdout += d;
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      if (stderr.length < MAX_OUTPUT) stderr += d;
    });
    let killed: { why: 'terminate' | 'timeout' | 'spot'; reason: string } | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const kill = (why: 'terminate' | 'timeout' | 'spot', reason: string) => {
      if (killed || child.exitCode !== null || child.signalCode !== null) return;
      killed = { why, reason };
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), killGraceMs);
    };
    job.kill = kill;
    job.live = { attempt: number, pid: child.pid ?? 0, stdout: () => stdout, stderr: () => stderr };
    const timers: NodeJS.Timeout[] = [];
    if (job.timeoutSeconds !== undefined) {
      timers.push(setTimeout(() => kill('timeout', TIMEOUT_REASON), job.timeoutSeconds * secondMs));
    }
    if (fault?.how === 'spot-interruption') {
      const instance = `i-${randomBytes(9).toString('hex').slice(0, 17)}`;
      timers.push(setTimeout(() => kill('spot', `Host EC2 (instance ${instance}) terminated.`), fault.afterMs));
    }
    return new Promise((done) => {
      const finish = (code: number | null, signal: NodeJS.Signals | null, spawnError?: Error) => {
        children.delete(child);
        for (const t of timers) clearTimeout(t);
        if (killTimer) clearTimeout(killTimer);
        job.kill = undefined;
        job.live = undefined;
        const exitCode = code ?? (signal ? 128 + signalNumber(signal) : 1);
        const result = lastJsonLine(stdout);
        const attempt: Attempt = {
          ...common,
          ...(killed?.why === 'spot' ? {} : { exitCode }),
          ...(signal ? { signal } : {}),
          statusReason: killed?.reason ?? ESSENTIAL_EXITED,
          ...(spawnError ? { reason: `CannotStartContainerError: ${spawnError.message}` } : {}),
          stdout,
          stderr,
          ...(result === undefined ? {} : { result }),
          stoppedAt: Date.now(),
        };
        done({
          attempt,
          final: killed?.why === 'timeout' || killed?.why === 'terminate' || (exitCode === 0 && !killed),
        });
      };
      child.once('error', (error) => finish(null, null, error));
      child.once('close', (code, signal) => finish(code, signal));
    });
  };

  const runJob = async (job: Job) => {
    const signal = job.abort.signal;
    try {
      await delay(transitionMs, signal);
      job.status = 'PENDING';
      await delay(transitionMs, signal);
      for (;;) {
        job.status = 'RUNNABLE';
        const fault = takeFault(job);
        if (fault?.how === 'start-timeout') {
          await new Promise((_, fail) => signal.addEventListener('abort', () => fail(signal.reason), { once: true }));
        }
        await delay(transitionMs, signal);
        job.status = 'STARTING';
        await delay(transitionMs, signal);
        const { attempt, final } = await runAttempt(job, fault);
        job.attempts.push(attempt);
        if (TERMINAL.has(job.status)) return;
        if (attempt.exitCode === 0 && attempt.statusReason === ESSENTIAL_EXITED) {
          return end(job, 'SUCCEEDED', ESSENTIAL_EXITED);
        }
        if (final || closing || !shouldRetry(job, attempt)) return end(job, 'FAILED', attempt.statusReason);
      }
    } catch {
      // aborted by CancelJob / TerminateJob / close: the job already carries its status
    }
  };

  const submitJob = (input: Record<string, unknown>) => {
    const jobName = input.jobName;
    if (typeof jobName !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/.test(jobName)) {
      throw new ClientException(
        'jobName must be 1-128 characters: letters, numbers, hyphens and underscores, starting with a letter or number.',
      );
    }
    const queueRef = input.jobQueue;
    if (typeof queueRef !== 'string' || queueRef.length === 0) throw new ClientException('jobQueue is required.');
    const queueName = queueRef.startsWith('arn:') ? queueRef.replace(/^.*:job-queue\//, '') : queueRef;
    if (queues && !queues.has(queueName)) throw new ClientException(`Job queue ${queueRef} does not exist.`);
    const definitionRef = input.jobDefinition;
    if (typeof definitionRef !== 'string' || definitionRef.length === 0) {
      throw new ClientException('jobDefinition is required.');
    }
    const definition = findDefinition(definitionRef);
    if (input.arrayProperties !== undefined || input.nodeOverrides !== undefined || input.dependsOn !== undefined) {
      throw new ClientException(
        'The Batch stand-in runs single container jobs only (no arrays, dependencies or nodes).',
      );
    }
    const overrides = (input.containerOverrides ?? {}) as { environment?: unknown; command?: unknown };
    const environment: Record<string, string> = { ...definition.spec.environment };
    if (overrides.environment !== undefined) {
      if (!Array.isArray(overrides.environment))
        throw new ClientException('containerOverrides.environment must be a list.');
      for (const item of overrides.environment as { name?: unknown; value?: unknown }[]) {
        if (typeof item?.name !== 'string' || item.name.length === 0) {
          throw new ClientException('Each environment variable needs a name.');
        }
        if (item.name.startsWith('AWS_BATCH')) {
          throw new ClientException(
            `Environment variable ${item.name}: names starting with AWS_BATCH are reserved for variables that AWS Batch sets.`,
          );
        }
        environment[item.name] = typeof item.value === 'string' ? item.value : '';
      }
    }
    let args = definition.spec.command ?? [];
    if (overrides.command !== undefined) {
      if (!Array.isArray(overrides.command) || overrides.command.some((c) => typeof c !== 'string')) {
        throw new ClientException('containerOverrides.command must be a list of strings.');
      }
      args = overrides.command as string[];
    }
    const timeout = input.timeout as { attemptDurationSeconds?: unknown } | undefined;
    const timeoutSeconds =
      timeout?.attemptDurationSeconds !== undefined
        ? Number(timeout.attemptDurationSeconds)
        : definition.spec.attemptDurationSeconds;
    if (timeoutSeconds !== undefined && (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 60)) {
      throw new ClientException('timeout.attemptDurationSeconds must be at least 60 seconds.');
    }
    const retry = (input.retryStrategy as RetryStrategy | undefined) ?? definition.spec.retryStrategy;
    const attemptsAllowed = retry?.attempts ?? 1;
    if (!Number.isInteger(attemptsAllowed) || attemptsAllowed < 1 || attemptsAllowed > 10) {
      throw new ClientException('retryStrategy.attempts must be from 1 to 10.');
    }
    if ((retry?.evaluateOnExit?.length ?? 0) > 5)
      throw new ClientException('retryStrategy.evaluateOnExit allows at most 5 conditions.');
    for (const rule of retry?.evaluateOnExit ?? []) {
      if (!/^(retry|exit)$/i.test(String(rule.action))) {
        throw new ClientException(`evaluateOnExit action must be RETRY or EXIT, not ${String(rule.action)}.`);
      }
    }
    const id = randomUUID();
    let finish = () => {};
    const done = new Promise<void>((r) => {
      finish = r;
    });
    const job: Job = {
      id,
      name: jobName,
      arn: `${prefix}:job/${id}`,
      queueArn: queueRef.startsWith('arn:') ? queueRef : `${prefix}:job-queue/${queueName}`,
      queueName,
      definition,
      environment,
      args,
      attemptsAllowed,
      evaluateOnExit: retry?.evaluateOnExit,
      timeoutSeconds,
      tags: { ...((input.tags as Record<string, string> | undefined) ?? {}) },
      parameters: { ...((input.parameters as Record<string, string> | undefined) ?? {}) },
      createdAt: Date.now(),
      status: 'SUBMITTED',
      isCancelled: false,
      isTerminated: false,
      attempts: [],
      abort: new AbortController(),
      done,
      finish: () => finish(),
    };
    jobs.set(id, job);
    void runJob(job);
    return { jobArn: job.arn, jobName, jobId: id };
  };

  const describe = (job: Job) => {
    const last = job.attempts.at(-1);
    const envList = Object.entries(job.environment).map(([name, value]) => ({ name, value }));
    return {
      jobArn: job.arn,
      jobName: job.name,
      jobId: job.id,
      jobQueue: job.queueArn,
      status: job.status,
      ...(job.statusReason === undefined ? {} : { statusReason: job.statusReason }),
      attempts: job.attempts.map((a) => ({
        container: {
          containerInstanceArn: a.containerInstanceArn,
          taskArn: a.taskArn,
          ...(a.exitCode === undefined ? {} : { exitCode: a.exitCode }),
          ...(a.reason === undefined ? {} : { reason: a.reason }),
          logStreamName: a.logStreamName,
          networkInterfaces: [],
        },
        startedAt: a.startedAt,
        stoppedAt: a.stoppedAt,
        statusReason: a.statusReason,
      })),
      createdAt: job.createdAt,
      ...(job.attemptsAllowed > 1 || job.evaluateOnExit
        ? {
            retryStrategy: {
              attempts: job.attemptsAllowed,
              ...(job.evaluateOnExit ? { evaluateOnExit: job.evaluateOnExit } : {}),
            },
          }
        : {}),
      ...(job.startedAt === undefined ? {} : { startedAt: job.startedAt }),
      ...(job.stoppedAt === undefined ? {} : { stoppedAt: job.stoppedAt }),
      dependsOn: [],
      jobDefinition: job.definition.arn,
      parameters: job.parameters,
      container: {
        image: job.definition.spec.image ?? 'vaultpilot-worker:latest',
        command: [...job.args],
        environment: envList,
        volumes: [],
        mountPoints: [],
        ulimits: [],
        resourceRequirements: [],
        secrets: [],
        ...(last?.exitCode === undefined ? {} : { exitCode: last.exitCode }),
        ...(last?.reason === undefined ? {} : { reason: last.reason }),
        ...(last ? { containerInstanceArn: last.containerInstanceArn, taskArn: last.taskArn } : {}),
        ...(job.logStreamName === undefined ? {} : { logStreamName: job.logStreamName }),
        networkInterfaces: [],
      },
      ...(job.timeoutSeconds === undefined ? {} : { timeout: { attemptDurationSeconds: job.timeoutSeconds } }),
      tags: job.tags,
      propagateTags: false,
      platformCapabilities: ['EC2'],
      isCancelled: job.isCancelled,
      isTerminated: job.isTerminated,
    };
  };

  const jobOf = (input: Record<string, unknown>): { job: Job; reason: string } => {
    const jobId = input.jobId;
    const reason = input.reason;
    if (typeof jobId !== 'string' || jobId.length === 0) throw new ClientException('jobId is required.');
    if (typeof reason !== 'string') throw new ClientException('reason is required.');
    const job = jobs.get(jobId) ?? [...jobs.values()].find((j) => j.arn === jobId);
    if (!job) throw new ClientException(`Job ${jobId} not found.`);
    return { job, reason };
  };

  const operations: Record<string, (input: Record<string, unknown>) => unknown> = {
    SubmitJob: submitJob,
    DescribeJobs: (input) => {
      const ids = input.jobs;
      if (!Array.isArray(ids)) throw new ClientException('jobs is required.');
      if (ids.length > 100) throw new ClientException('jobs can contain at most 100 job IDs.');
      const found: unknown[] = [];
      for (const id of ids) {
        const job = jobs.get(String(id)) ?? [...jobs.values()].find((j) => j.arn === id);
        if (job) found.push(describe(job));
      }
      return { jobs: found };
    },
    CancelJob: (input) => {
      const { job, reason } = jobOf(input);
      if (job.status === 'SUBMITTED' || job.status === 'PENDING' || job.status === 'RUNNABLE') {
        job.isCancelled = true;
        end(job, 'FAILED', reason);
        job.abort.abort(new Error('cancelled'));
      }
      return {};
    },
    TerminateJob: (input) => {
      const { job, reason } = jobOf(input);
      if (TERMINAL.has(job.status)) return {};
      if (job.status === 'RUNNING' && job.kill) {
        job.isTerminated = true;
        job.kill('terminate', reason);
        return {};
      }
      if (job.status === 'STARTING') job.isTerminated = true;
      else job.isCancelled = true;
      end(job, 'FAILED', reason);
      job.abort.abort(new Error('terminated'));
      return {};
    },
  };

  const routes: Record<string, string> = {
    '/v1/submitjob': 'SubmitJob',
    '/v1/describejobs': 'DescribeJobs',
    '/v1/canceljob': 'CancelJob',
    '/v1/terminatejob': 'TerminateJob',
  };

  const server: Server = createServer((req, res) => {
    void handle(req, res);
  });
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    let status = 200;
    let type: string | undefined;
    let body: unknown;
    try {
      const raw = await readBodyUpTo(req, 1 << 20);
      const path = new URL(req.url ?? '/', 'http://stand-in').pathname;
      const operation = req.method === 'POST' ? routes[path] : undefined;
      if (!operation) {
        status = 404;
        type = 'UnknownOperationException';
        body = { message: `No operation at ${req.method} ${path}.` };
      } else {
        const fault = injected.take(operation);
        if (fault) {
          status = fault.status;
          type = fault.type;
          body = { message: fault.message ?? `Injected ${fault.type}.` };
        } else {
          if (raw === undefined) throw new ClientException('The request body is too large.');
          let input: Record<string, unknown>;
          try {
            input = raw.length === 0 ? {} : (JSON.parse(raw) as Record<string, unknown>);
          } catch {
            throw new ClientException('The request body is not valid JSON.');
          }
          body = operations[operation]!(input ?? {});
        }
      }
    } catch (error) {
      const client = error instanceof ClientException;
      status = client ? 400 : 500;
      type = client ? 'ClientException' : 'ServerException';
      body = { message: error instanceof Error ? error.message : String(error) };
    }
    if (res.destroyed || res.writableEnded) return;
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-amzn-RequestId': randomUUID() };
    if (type) {
      headers['x-amzn-ErrorType'] = type;
      body = { __type: type, ...(body as object) };
    }
    res.writeHead(status, headers);
    res.end(JSON.stringify(body));
  };
  const endpoint = await listenLocally(server, options);

  const info = (job: Job): BatchJobInfo => {
    const last = job.attempts.at(-1);
    return {
      jobId: job.id,
      jobName: job.name,
      jobDefinition: job.definition.arn,
      jobQueue: job.queueArn,
      status: job.status,
      ...(job.statusReason === undefined ? {} : { statusReason: job.statusReason }),
      attempts: job.attempts.map(
        ({ taskArn: _t, containerInstanceArn: _c, startedAt: _s, stoppedAt: _e, ...rest }) => rest,
      ),
      ...(last?.result === undefined ? {} : { result: last.result }),
      tags: { ...job.tags },
      ...(job.live
        ? {
            running: {
              attempt: job.live.attempt,
              pid: job.live.pid,
              stdout: job.live.stdout(),
              stderr: job.live.stderr(),
            },
          }
        : {}),
    };
  };

  return {
    endpoint,
    jobs: () => [...jobs.values()].map(info),
    injectFailure: (target, how, o = {}) => {
      faults.push({
        target,
        how,
        exitCode: o.exitCode ?? 1,
        ...(o.reason === undefined ? {} : { reason: o.reason }),
        afterMs: o.afterMs ?? 100,
        remaining: o.times ?? 1,
      });
    },
    injectError: (operation, error, times) => injected.add(operation, error, times),
    settled: async (jobId) => {
      const job = jobs.get(jobId);
      if (!job) throw new Error(`Unknown job ${jobId}`);
      await job.done;
      return info(job);
    },
    close: async () => {
      closing = true;
      for (const job of jobs.values()) {
        if (!TERMINAL.has(job.status) && job.status !== 'RUNNING') {
          end(job, 'FAILED', 'Stand-in closed');
          job.abort.abort(new Error('closed'));
        }
      }
      const exits = [...children].map(
        (child) =>
          new Promise<void>((r) =>
            child.exitCode !== null || child.signalCode !== null ? r() : child.once('close', () => r()),
          ),
      );
      for (const child of children) child.kill('SIGKILL');
      await Promise.all(exits);
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
    },
  };
}

/** Batch's evaluateOnExit patterns: letters, numbers, spaces, `.`, `:` and an optional trailing `*`. */
function glob(pattern: string, value: string): boolean {
  return pattern.endsWith('*') ? value.startsWith(pattern.slice(0, -1)) : value === pattern;
}

function signalNumber(signal: NodeJS.Signals): number {
  const numbers: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return numbers[signal] ?? 0;
}

function lastJsonLine(stdout: string): unknown {
  const lines = stdout.split('\n').map((l) => l.trim());
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    if (!line.startsWith('{') && !line.startsWith('[')) continue;
    try {
      return JSON.parse(line);
    } catch {
      // not JSON
    }
  }
  return undefined;
}
