/**
 * The AWS Batch stand-in: jobs run the definition's entry point as a child process. `@aws-sdk/client-batch` is not
 * installed, so the calls go through `fetch` exactly as the SDK's REST-JSON serializer sends them (POST
 * /v1/<operation>, camelCase JSON body) and errors are read as the SDK reads them (`x-amzn-ErrorType`, `message`).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_SERVER, postgresReachable } from '../../sandbox/actions/seedDatabase.js';
import { type BatchStandIn, startBatchStandIn, TIMEOUT_REASON } from '../../sandbox/batch/startBatchStandIn.js';

const root = resolve(__dirname, '../..');
const WORKER = 'test/sandbox/fixtures/batchTestWorker.ts';
const pgUp = (await postgresReachable()) === true;
const db = `vp_batch_standin_${process.pid}`;

let batch: BatchStandIn;
let work: string;

// biome-ignore lint/suspicious/noExplicitAny: the wire JSON is read loosely in assertions, as the SDK's types would allow
type Json = Record<string, any>;

interface Answer {
  status: number;
  errorType?: string;
  body: Json;
}

async function call(operation: string, input: object): Promise<Answer> {
  const res = await fetch(`${batch.endpoint}/v1/${operation.toLowerCase()}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as Json;
  const errorType = res.headers.get('x-amzn-errortype') ?? undefined;
  return { status: res.status, ...(errorType ? { errorType } : {}), body };
}

async function submit(input: object): Promise<string> {
  const r = await call('SubmitJob', { jobQueue: 'vaultpilot-workers', ...input });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.jobId as string;
}

async function describeJob(jobId: string): Promise<Json> {
  const r = await call('DescribeJobs', { jobs: [jobId] });
  return r.body.jobs[0];
}

/** Polls DescribeJobs as a workflow would, recording every status seen. */
async function waitFor(jobId: string, statuses: string[] = ['SUCCEEDED', 'FAILED'], seen: string[] = []) {
  for (let i = 0; i < 2000; i++) {
    const job = await describeJob(jobId);
    if (seen.at(-1) !== job.status) seen.push(job.status);
    if (statuses.includes(job.status)) return job;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`job ${jobId} never reached ${statuses.join('/')}`);
}

/** Waits until the running attempt's worker has printed its first line (its SIGTERM handler is then in place). */
async function untilStarted(jobId: string) {
  for (let i = 0; i < 2000; i++) {
    const info = batch.jobs().find((j) => j.jobId === jobId);
    if (info?.running?.stdout.includes('not json')) return info.running;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`job ${jobId} never started its worker`);
}

const env = (vars: Record<string, string>) => Object.entries(vars).map(([name, value]) => ({ name, value }));

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'vp-batch-'));
  batch = await startBatchStandIn({
    cwd: root,
    jobQueues: ['vaultpilot-workers'],
    timing: { transitionMs: 5, secondMs: 10, killGraceMs: 2000 },
    jobDefinitions: {
      'test-worker': { entry: WORKER, environment: { TEST_FROM_DEFINITION: 'def', TEST_OVERRIDDEN: 'def' } },
      'dump-database': { entry: 'src/worker/dumpDatabase.ts' },
    },
  });
});

afterAll(async () => {
  await batch?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('SubmitJob and DescribeJobs', () => {
  it('runs the entry point: SUBMITTED … RUNNING → SUCCEEDED, with the result line, stderr and log stream', async () => {
    const submitted = await call('SubmitJob', {
      jobName: 'ok-job',
      jobQueue: 'vaultpilot-workers',
      jobDefinition: 'test-worker',
      tags: { team: 'vault' },
    });
    expect(submitted.body).toMatchObject({ jobName: 'ok-job', jobId: expect.any(String) });
    expect(submitted.body.jobArn).toBe(`arn:aws:batch:eu-west-1:111122223333:job/${submitted.body.jobId}`);
    const seen: string[] = [];
    const job = await waitFor(submitted.body.jobId, ['SUCCEEDED', 'FAILED'], seen);
    const order = ['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED'];
    expect(seen.map((s) => order.indexOf(s))).toEqual([...seen.map((s) => order.indexOf(s))].sort((a, b) => a - b));
    expect(seen).toContain('RUNNING');
    expect(job).toMatchObject({
      status: 'SUCCEEDED',
      statusReason: 'Essential container in task exited',
      jobQueue: 'arn:aws:batch:eu-west-1:111122223333:job-queue/vaultpilot-workers',
      jobDefinition: 'arn:aws:batch:eu-west-1:111122223333:job-definition/test-worker:1',
      container: { exitCode: 0 },
      tags: { team: 'vault' },
    });
    expect(job.container.logStreamName).toMatch(/^test-worker\/default\/[0-9a-f]{32}$/);
    expect(job.attempts).toHaveLength(1);
    expect(job.attempts[0].container.exitCode).toBe(0);
    expect(job.attempts[0].startedAt).toBeLessThanOrEqual(job.attempts[0].stoppedAt);
    expect(job.createdAt).toBeLessThanOrEqual(job.startedAt);
    const info = batch.jobs().find((j) => j.jobId === submitted.body.jobId)!;
    expect(info.result).toMatchObject({
      ok: true,
      env: {
        AWS_BATCH_JOB_ID: submitted.body.jobId,
        AWS_BATCH_JOB_ATTEMPT: '1',
        AWS_BATCH_JQ_NAME: 'vaultpilot-workers',
      },
    });
    expect(info.attempts[0]!.stderr).toContain('attempt 1 starting');
  });

  it('a non-zero exit is FAILED with the exit code; definition by name:revision and by ARN', async () => {
    const a = await submit({
      jobName: 'exit-3',
      jobDefinition: 'test-worker:1',
      containerOverrides: { environment: env({ TEST_EXIT_CODE: '3' }) },
    });
    const b = await submit({
      jobName: 'exit-2',
      jobDefinition: 'arn:aws:batch:eu-west-1:111122223333:job-definition/test-worker:1',
      containerOverrides: { environment: env({ TEST_EXIT_CODE: '2' }) },
    });
    const [ja, jb] = await Promise.all([waitFor(a), waitFor(b)]);
    expect(ja).toMatchObject({
      status: 'FAILED',
      statusReason: 'Essential container in task exited',
      container: { exitCode: 3 },
    });
    expect(ja.attempts).toHaveLength(1);
    expect(jb).toMatchObject({ status: 'FAILED', container: { exitCode: 2 } });
  });

  it('containerOverrides: environment over the definition, command as the arguments', async () => {
    const id = await submit({
      jobName: 'overrides',
      jobDefinition: 'test-worker',
      containerOverrides: {
        environment: env({ TEST_OVERRIDDEN: 'override', VAULTPILOT_X: 'x' }),
        command: ['a', 'b c'],
      },
    });
    const job = await waitFor(id);
    expect(job.status).toBe('SUCCEEDED');
    expect(job.container.command).toEqual(['a', 'b c']);
    expect(job.container.environment).toEqual(
      expect.arrayContaining([
        { name: 'TEST_OVERRIDDEN', value: 'override' },
        { name: 'TEST_FROM_DEFINITION', value: 'def' },
      ]),
    );
    const result = (await batch.settled(id)).result as { args: string[]; env: Record<string, string> };
    expect(result.args).toEqual(['a', 'b c']);
    expect(result.env).toMatchObject({ TEST_FROM_DEFINITION: 'def', TEST_OVERRIDDEN: 'override', VAULTPILOT_X: 'x' });
  });

  it('every SubmitJob is a new job (Batch has no idempotency token)', async () => {
    const a = await submit({ jobName: 'same', jobDefinition: 'test-worker' });
    const b = await submit({ jobName: 'same', jobDefinition: 'test-worker' });
    expect(a).not.toBe(b);
    await Promise.all([batch.settled(a), batch.settled(b)]);
  });

  it('refuses unknown definitions and queues, reserved variables, short timeouts with ClientException', async () => {
    const cases: [object, RegExp][] = [
      [{ jobName: 'x', jobQueue: 'vaultpilot-workers', jobDefinition: 'nope' }, /nope/],
      [{ jobName: 'x', jobQueue: 'vaultpilot-workers', jobDefinition: 'test-worker:2' }, /test-worker:2/],
      [{ jobName: 'x', jobQueue: 'other-queue', jobDefinition: 'test-worker' }, /other-queue/],
      [{ jobName: '-bad', jobQueue: 'vaultpilot-workers', jobDefinition: 'test-worker' }, /jobName/],
      [
        {
          jobName: 'x',
          jobQueue: 'vaultpilot-workers',
          jobDefinition: 'test-worker',
          containerOverrides: { environment: env({ AWS_BATCH_JOB_ID: 'mine' }) },
        },
        /AWS_BATCH/,
      ],
      [
        {
          jobName: 'x',
          jobQueue: 'vaultpilot-workers',
          jobDefinition: 'test-worker',
          timeout: { attemptDurationSeconds: 30 },
        },
        /60/,
      ],
      [
        { jobName: 'x', jobQueue: 'vaultpilot-workers', jobDefinition: 'test-worker', retryStrategy: { attempts: 11 } },
        /attempts/,
      ],
    ];
    for (const [input, message] of cases) {
      const r = await call('SubmitJob', input);
      expect(r.status).toBe(400);
      expect(r.errorType).toBe('ClientException');
      expect(r.body.message).toMatch(message);
    }
  });

  it('DescribeJobs leaves unknown ids out and refuses more than 100', async () => {
    const id = await submit({ jobName: 'described', jobDefinition: 'test-worker' });
    const r = await call('DescribeJobs', { jobs: ['00000000-0000-4000-8000-000000000000', id] });
    expect(r.status).toBe(200);
    expect(r.body.jobs.map((j: { jobId: string }) => j.jobId)).toEqual([id]);
    expect((await call('DescribeJobs', { jobs: ['unknown'] })).body).toEqual({ jobs: [] });
    const tooMany = await call('DescribeJobs', { jobs: Array.from({ length: 101 }, (_, i) => `id-${i}`) });
    expect(tooMany).toMatchObject({ status: 400, errorType: 'ClientException' });
    await batch.settled(id);
  });
});

describe('faults, timeouts, retries and stopping', () => {
  it('a spot interruption kills the child and, with attempts left, runs a new attempt', async () => {
    // 1.5 s: time for tsx to load the worker and install its SIGTERM handler
    batch.injectFailure('spot-job', 'spot-interruption', { afterMs: 1500 });
    const id = await submit({
      jobName: 'spot-job',
      jobDefinition: 'test-worker',
      retryStrategy: { attempts: 2 },
      containerOverrides: { environment: env({ TEST_SLEEP_MS: '3000' }) },
    });
    const job = await waitFor(id);
    expect(job.status).toBe('SUCCEEDED');
    expect(job.attempts).toHaveLength(2);
    expect(job.attempts[0].statusReason).toMatch(/^Host EC2 \(instance i-[0-9a-f]{17}\) terminated\.$/);
    expect(job.attempts[0].container.exitCode).toBeUndefined();
    expect(job.attempts[1]).toMatchObject({
      statusReason: 'Essential container in task exited',
      container: { exitCode: 0 },
    });
    const info = (await batch.settled(id)).attempts;
    expect(info[0]!.result).toEqual({ ok: false, error: 'stopped by SIGTERM' });
    expect((info[1]!.result as { env: Record<string, string> }).env.AWS_BATCH_JOB_ATTEMPT).toBe('2');
  });

  it('without attempts left a spot interruption fails the job; evaluateOnExit EXIT stops retries', async () => {
    batch.injectFailure('test-worker', 'spot-interruption', { afterMs: 50, times: 2 });
    const once = await submit({
      jobName: 'spot-once',
      jobDefinition: 'test-worker',
      containerOverrides: { environment: env({ TEST_SLEEP_MS: '1500' }) },
    });
    const ruled = await submit({
      jobName: 'spot-ruled',
      jobDefinition: 'test-worker',
      retryStrategy: { attempts: 3, evaluateOnExit: [{ onStatusReason: 'Host EC2*', action: 'EXIT' }] },
      containerOverrides: { environment: env({ TEST_SLEEP_MS: '1500' }) },
    });
    const [a, b] = await Promise.all([waitFor(once), waitFor(ruled)]);
    for (const job of [a, b]) {
      expect(job.status).toBe('FAILED');
      expect(job.statusReason).toMatch(/^Host EC2 \(instance i-.+\) terminated\.$/);
      expect(job.attempts).toHaveLength(1);
    }
  });

  it('a non-zero exit is retried; an injected exit fails an attempt without running the entry', async () => {
    batch.injectFailure('exit-then-ok', 'exit', {
      exitCode: 137,
      reason: 'OutOfMemoryError: Container killed due to memory usage',
    });
    const id = await submit({ jobName: 'exit-then-ok', jobDefinition: 'test-worker', retryStrategy: { attempts: 2 } });
    const job = await waitFor(id);
    expect(job.status).toBe('SUCCEEDED');
    expect(job.attempts[0]).toMatchObject({
      statusReason: 'Essential container in task exited',
      container: { exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' },
    });
    expect(job.attempts[1].container.exitCode).toBe(0);
  });

  it('attemptDurationSeconds kills the child: Job attempt duration exceeded timeout, never retried', async () => {
    const id = await submit({
      jobName: 'too-slow',
      jobDefinition: 'test-worker',
      timeout: { attemptDurationSeconds: 60 }, // 600 ms at secondMs 10
      retryStrategy: { attempts: 3 },
      containerOverrides: { environment: env({ TEST_SLEEP_MS: '20000' }) },
    });
    const job = await waitFor(id);
    expect(job).toMatchObject({
      status: 'FAILED',
      statusReason: TIMEOUT_REASON,
      timeout: { attemptDurationSeconds: 60 },
      container: { exitCode: 143 },
    });
    expect(job.statusReason).toBe('Job attempt duration exceeded timeout');
    expect(job.attempts).toHaveLength(1);
  });

  it('TerminateJob stops a running child (SIGKILL when SIGTERM is ignored); the reason becomes statusReason', async () => {
    const id = await submit({
      jobName: 'terminated',
      jobDefinition: 'test-worker',
      retryStrategy: { attempts: 2 },
      containerOverrides: { environment: env({ TEST_SLEEP_MS: '20000', TEST_IGNORE_SIGTERM: '1' }) },
    });
    await waitFor(id, ['RUNNING']);
    await untilStarted(id); // the child has installed its SIGTERM handler
    const r = await call('TerminateJob', { jobId: id, reason: 'Workflow stopped' });
    expect(r).toMatchObject({ status: 200, body: {} });
    const job = await waitFor(id);
    expect(job).toMatchObject({
      status: 'FAILED',
      statusReason: 'Workflow stopped',
      isTerminated: true,
      container: { exitCode: 137 },
    });
    expect(job.attempts).toHaveLength(1);
    expect(job.attempts[0].stoppedAt - job.attempts[0].startedAt).toBeGreaterThanOrEqual(2000);
  });

  it('CancelJob fails a job that has not started and leaves a running one alone', async () => {
    batch.injectFailure('never-starts', 'start-timeout');
    const queued = await submit({ jobName: 'never-starts', jobDefinition: 'test-worker' });
    await waitFor(queued, ['RUNNABLE']);
    await new Promise((r) => setTimeout(r, 100));
    expect((await describeJob(queued)).status).toBe('RUNNABLE');
    expect((await call('CancelJob', { jobId: queued, reason: 'No capacity' })).status).toBe(200);
    expect(await describeJob(queued)).toMatchObject({
      status: 'FAILED',
      statusReason: 'No capacity',
      isCancelled: true,
    });

    const running = await submit({
      jobName: 'cancel-running',
      jobDefinition: 'test-worker',
      containerOverrides: { environment: env({ TEST_SLEEP_MS: '800' }) },
    });
    await waitFor(running, ['RUNNING']);
    expect((await call('CancelJob', { jobId: running, reason: 'too late' })).status).toBe(200);
    expect(await waitFor(running)).toMatchObject({ status: 'SUCCEEDED', isCancelled: false });

    const unknown = await call('TerminateJob', { jobId: 'no-such-job', reason: 'x' });
    expect(unknown).toMatchObject({ status: 400, errorType: 'ClientException' });
  });

  it('injectError answers the next call with the given error', async () => {
    batch.injectError('SubmitJob', { type: 'TooManyRequestsException', status: 429, message: 'Too Many Requests' });
    const r = await call('SubmitJob', { jobName: 'x', jobQueue: 'vaultpilot-workers', jobDefinition: 'test-worker' });
    expect(r).toMatchObject({ status: 429, errorType: 'TooManyRequestsException' });
  });
});

describe.skipIf(!pgUp)('the real dump worker as a Batch job', () => {
  beforeAll(async () => {
    const admin = new pg.Client({ ...POSTGRES_SERVER, database: 'postgres' });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${db}"`);
    await admin.end();
    const c = new pg.Client({ ...POSTGRES_SERVER, database: db });
    await c.connect();
    await c.query('CREATE TABLE orders (id int PRIMARY KEY, total numeric(10,2))');
    await c.query('INSERT INTO orders SELECT g, g * 1.5 FROM generate_series(1, 25) g');
    await c.end();
  });

  afterAll(async () => {
    const admin = new pg.Client({ ...POSTGRES_SERVER, database: 'postgres' });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`).catch(() => {});
    await admin.end();
  });

  it('src/worker/dumpDatabase.ts dumps a tiny database; the job SUCCEEDS with the worker summary', async () => {
    const destination = join(work, 'dump');
    const id = await submit({
      jobName: 'dump-orders',
      jobDefinition: 'dump-database',
      containerOverrides: {
        environment: env({
          VAULTPILOT_DB_URL: `postgres://root@127.0.0.1:5432/${db}`,
          VAULTPILOT_DESTINATION: destination,
          VAULTPILOT_JOBS: '1',
        }),
      },
    });
    const job = await waitFor(id);
    const info = await batch.settled(id);
    expect(job.status, info.attempts.at(-1)?.stderr).toBe('SUCCEEDED');
    expect(job.container.exitCode).toBe(0);
    expect(info.result).toMatchObject({ ok: true, engine: 'postgresql', tables: 1 });
    expect(existsSync(join(destination, 'vaultpilot-dump-manifest.json'))).toBe(true);
    const manifest = JSON.parse(readFileSync(join(destination, 'vaultpilot-dump-manifest.json'), 'utf8'));
    expect(manifest.rowCounts.tables['public.orders']).toBe(25);
  }, 60_000);

  it('a bad configuration exits 2: FAILED with exitCode 2 and the worker error line', async () => {
    const id = await submit({ jobName: 'dump-misconfigured', jobDefinition: 'dump-database' });
    const job = await waitFor(id);
    expect(job).toMatchObject({ status: 'FAILED', container: { exitCode: 2 } });
    expect((await batch.settled(id)).result).toMatchObject({ ok: false });
  }, 30_000);
});
