/**
 * The native-dump path's Tasks in sequence against the stand-ins: the RDS stand-in restores the recovery point to a
 * temporary instance (a copy of its source database on the local PostgreSQL), Secrets Manager keeps the generated
 * password, the AWS Batch stand-in runs the real dump worker (src/worker/dumpDatabase.ts) as a process that reads the
 * secret, the dump lands in the S3 stand-in; then it is verified, restored with `restoreDump` into a new database and
 * compared; the instance and the secret are gone afterwards — and after a failure too.
 */
import { BatchClient } from '@aws-sdk/client-batch';
import { RDSClient } from '@aws-sdk/client-rds';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dropPostgres,
  POSTGRES_SERVER,
  type SeededDatabase,
  seedPostgres,
} from '../../../sandbox/actions/seedDatabase.js';
import { type BatchStandIn, startBatchStandIn } from '../../../sandbox/batch/startBatchStandIn.js';
import { type RdsStandIn, startRdsStandIn } from '../../../sandbox/rds/startRdsStandIn.js';
import { type S3StandIn, startS3StandIn } from '../../../sandbox/s3/startS3StandIn.js';
import {
  type SecretsManagerStandIn,
  startSecretsManagerStandIn,
} from '../../../sandbox/secretsmanager/startSecretsManagerStandIn.js';
import { restoreDump } from '../../../src/archive/dump/index.js';
import { ArchiveObjects } from '../../../src/aws/export/ArchiveObjects.js';
import { DumpResources } from '../../../src/aws/export/dump/DumpResources.js';
import { createS3Client } from '../../../src/aws/s3/createS3Client.js';
import { S3ArchiveStore } from '../../../src/aws/s3/S3ArchiveStore.js';
import type { ExportRequest, ExportState } from '../../../src/core/actions/exportWorkflow.js';
import { parseDatabaseUrl } from '../../../src/core/dump/databaseUrl.js';
import {
  checkDumpInstance,
  checkDumpJob,
  cleanUpDump,
  type DumpTaskDependencies,
  deleteDumpInstance,
  dumpInstanceId,
  startDumpInstance,
  submitDumpJob,
  verifyDumpFiles,
} from '../../../src/functions/actions/dumpTasks.js';

const REGION = 'eu-west-1';
const ACCOUNT = '111122223333';
const BUCKET = 'vaultpilot-archive';
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const restored = `vp_dump_tasks_restored_${process.pid}`;

let s3: S3StandIn;
let rds: RdsStandIn;
let secrets: SecretsManagerStandIn;
let batch: BatchStandIn;
let db: SeededDatabase;
let deps: DumpTaskDependencies;
let counter = 0;

beforeAll(async () => {
  db = await seedPostgres(`vp_dump_tasks_${process.pid}`, { customers: 40, orders: 300, auditEvents: 20 });
  s3 = await startS3StandIn({ buckets: [BUCKET] });
  rds = await startRdsStandIn({
    accountId: ACCOUNT,
    region: REGION,
    timing: { restoreMs: 20, modifyMs: 20, deleteMs: 10 },
  });
  secrets = await startSecretsManagerStandIn({ accountId: ACCOUNT, region: REGION });
  batch = await startBatchStandIn({
    accountId: ACCOUNT,
    region: REGION,
    jobDefinitions: {
      'vaultpilot-dump': {
        entry: 'src/worker/dumpDatabase.ts',
        // The container's own settings (the job definition): the AWS endpoints are the stand-ins here.
        environment: {
          AWS_REGION: REGION,
          AWS_ACCESS_KEY_ID: credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
          AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
          VAULTPILOT_S3_ENDPOINT: s3.endpoint,
          VAULTPILOT_JOBS: '2',
        },
      },
    },
  });
  const options = { region: REGION, credentials, maxAttempts: 1 };
  const s3Client = createS3Client({ region: REGION, credentials, endpoint: s3.endpoint, forcePathStyle: true });
  deps = {
    dumps: new DumpResources(
      new RDSClient({ ...options, endpoint: rds.endpoint }),
      new SecretsManagerClient({ ...options, endpoint: secrets.endpoint }),
      new BatchClient({ ...options, endpoint: batch.endpoint }),
    ),
    archive: new ArchiveObjects(s3Client, BUCKET),
    settings: {
      instanceClass: 'db.t4g.micro',
      subnetGroup: 'vaultpilot-isolated',
      securityGroupIds: ['sg-0123456789abcdef0'],
      jobQueue: 'vaultpilot-dumps',
      jobDefinition: 'vaultpilot-dump',
      locationOf: (prefix) => `s3://${BUCKET}/${prefix}`,
    },
    store: (prefix) => new S3ArchiveStore({ client: s3Client, bucket: BUCKET, prefix }),
  };
}, 60_000);

afterAll(async () => {
  await Promise.allSettled([rds?.close(), secrets?.close(), batch?.close()]);
  await s3?.close();
  await dropPostgres(restored).catch(() => {});
  await db?.drop();
});

function newRecoveryPoint(): ExportRequest {
  counter += 1;
  const arn = rds.addSnapshot({
    kind: 'db',
    identifier: `awsbackup:job-dump-${counter}`,
    sourceIdentifier: `legacy-db-${counter}`,
    engine: 'postgres',
    createdAt: new Date('2026-12-04T03:00:00Z'),
    source: { engine: 'postgres', ...POSTGRES_SERVER, database: db.name },
  });
  return {
    workflow: 'rds-export-parquet',
    recoveryPointArn: arn,
    resourceType: 'RDS',
    vault: 'prod-daily',
    watchedVaults: ['prod-daily'],
    account: ACCOUNT,
    region: REGION,
    resourceName: `legacy-db-${counter}`,
    trigger: 'test',
    fromBackup: true,
    deleteAfterExport: false,
    attempt: 1,
    exportTaskIdentifier: `vp-legacy-db-${counter}-dump-1`,
    s3Prefix: `exports/account=${ACCOUNT}/region=${REGION}/type=rds/resource=legacy-db-${counter}/date=2026-12-04`,
    includeTags: [],
    excludeTags: [],
    sourcePatterns: [],
    requestedAt: '2026-12-04T03:10:00Z',
  };
}

/** Check dump instance until ready, each check seeing the previous one's result (as the workflow's loop does). */
async function readyInstance(start: ExportState) {
  let state = start;
  for (let i = 0; i < 600; i++) {
    const dump = await checkDumpInstance(state, deps);
    state = { ...state, dump };
    if (dump.ready) return dump;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the instance never became ready');
}

async function until<T>(run: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const value = await run();
    if (done(value)) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('never finished');
}

async function rowCount(database: string, table: string): Promise<number> {
  const c = new pg.Client({ ...POSTGRES_SERVER, database });
  await c.connect();
  try {
    return Number((await c.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`)).rows[0]?.n);
  } finally {
    await c.end();
  }
}

describe('the native-dump Tasks', () => {
  it('restore → password → dump job (the real worker) → verify → delete; the dump restores every row', async () => {
    const request = newRecoveryPoint();
    let state: ExportState = {
      request,
      source: { exportable: true, engine: 'postgres', status: 'available', encrypted: false, tags: {} },
    };
    state = { ...state, dump: await startDumpInstance(state, deps) };
    expect(state.dump?.instanceId).toBe(dumpInstanceId(request));
    // A retried start gets the same secret and the same instance.
    const again = await startDumpInstance(state, deps);
    expect(again.secretArn).toBe(state.dump?.secretArn);
    state = { ...state, dump: await readyInstance(state) };
    expect(rds.instances().find((i) => i.identifier === state.dump?.instanceId)?.masterPasswordSet).toBe(true);
    state = { ...state, dump: await submitDumpJob(state, deps) };
    state = {
      ...state,
      dump: await until(
        () => checkDumpJob(state, deps),
        (d) => d.jobStatus === 'SUCCEEDED' || d.jobStatus === 'FAILED',
      ),
    };
    expect(state.dump?.jobStatus, JSON.stringify(batch.jobs().at(-1))).toBe('SUCCEEDED');
    const verification = await verifyDumpFiles(state, deps);
    expect(verification).toMatchObject({ complete: true, tables: 3 });
    expect(await deleteDumpInstance(state, deps)).toEqual({ instanceDeleted: true, secretDeleted: true });
    await rds.instancesIdle();
    expect(rds.instances().filter((i) => i.identifier === state.dump?.instanceId)).toEqual([]);
    expect(secrets.secrets().filter((s) => s.name.includes(state.dump!.instanceId))).toEqual([]);

    await dropPostgres(restored);
    await restoreDump({
      store: deps.store(state.dump!.dumpPrefix),
      target: parseDatabaseUrl(
        `postgres://${POSTGRES_SERVER.user}@${POSTGRES_SERVER.host}:${POSTGRES_SERVER.port}/${restored}`,
      ),
    });
    for (const [table, rows] of Object.entries(db.rows)) expect(await rowCount(restored, table), table).toBe(rows);
  }, 120_000);

  it('cleans up after a failed dump job: the instance, the secret and the partial dump are gone', async () => {
    const request = newRecoveryPoint();
    let state: ExportState = {
      request,
      source: { exportable: true, engine: 'postgres', status: 'available', encrypted: false, tags: {} },
    };
    state = { ...state, dump: await startDumpInstance(state, deps) };
    state = { ...state, dump: await readyInstance(state) };
    batch.injectFailure('vaultpilot-dump', 'exit');
    state = { ...state, dump: await submitDumpJob(state, deps) };
    state = {
      ...state,
      dump: await until(
        () => checkDumpJob(state, deps),
        (d) => d.jobStatus === 'SUCCEEDED' || d.jobStatus === 'FAILED',
      ),
    };
    expect(state.dump?.jobStatus).toBe('FAILED');
    await expect(verifyDumpFiles(state, deps)).rejects.toMatchObject({ name: 'VerificationFailed' });
    const cleanup = await until(
      () =>
        cleanUpDump(state, deps).catch((e: Error) => {
          if (e.name !== 'CleanupPending') throw e;
          return undefined;
        }),
      (c) => c !== undefined,
    );
    expect(cleanup).toMatchObject({ instanceDeleted: true, secretDeleted: true, leftBehind: [] });
    await rds.instancesIdle();
    expect(rds.instances().filter((i) => i.identifier === state.dump?.instanceId)).toEqual([]);
  }, 120_000);

  it('cleans up from the request alone while the restore is still running (a Start that timed out)', async () => {
    const request = newRecoveryPoint();
    const state: ExportState = {
      request,
      source: { exportable: true, engine: 'postgres', status: 'available', encrypted: false, tags: {} },
    };
    await startDumpInstance(state, deps);
    // No $.dump in the state: cleanup finds the instance and the secret by their deterministic names.
    const cleanup = await until(
      () =>
        cleanUpDump(state, deps).catch((e: Error) => {
          if (e.name !== 'CleanupPending') throw e;
          return undefined;
        }),
      (c) => c !== undefined,
    );
    expect(cleanup).toMatchObject({ instanceDeleted: true, secretDeleted: true });
    await rds.instancesIdle();
    expect(rds.instances().filter((i) => i.identifier === dumpInstanceId(request))).toEqual([]);
  }, 120_000);
});
