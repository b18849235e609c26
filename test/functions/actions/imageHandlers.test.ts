/**
 * The conversion image's entry module (src/functions/actions/imageHandlers.ts, what docker/actions/Dockerfile
 * runs), configured by its environment as Lambda would configure it, driving the conversion Tasks of a real local
 * workflow run against the S3 stand-in: the same entry points the container runs, run directly here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LOCAL_ACCOUNT as ACCOUNT,
  LOCAL_BUCKET,
  type LocalActions,
  LOCAL_REGION as REGION,
  startLocalActions,
} from '../../../sandbox/actions/localActions.js';
import { exportRoot } from '../../../src/core/actions/exportManifest.js';
import { CONVERSION_TASKS, type ConversionTask, type ExportRequest } from '../../../src/core/actions/exportWorkflow.js';
import { ActionsSchema } from '../../../src/core/config/actionsSchema.js';
import { ACTIONS_ENV } from '../../../src/core/deployment/contract.js';

let local: LocalActions;
let handlers: Record<ConversionTask, (state: unknown) => Promise<unknown>>;
let duckDbMemoryLimit: (env: Record<string, string | undefined>) => string | undefined;
const saved = { ...process.env };

beforeAll(async () => {
  local = await startLocalActions({
    actions: ActionsSchema.parse({ enabled: true, vaults: [{ name: 'prod-daily' }] }),
    itemsPerDataFile: 4,
  });
  local.backup.addVault('prod-daily');
  Object.assign(process.env, {
    [ACTIONS_ENV.archiveBucket]: LOCAL_BUCKET,
    [ACTIONS_ENV.convertBatchBytes]: '1',
    [ACTIONS_ENV.convertConcurrency]: '2',
    AWS_ENDPOINT_URL_S3: local.s3.endpoint,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
  });
  // The module reads its environment when it is loaded, as in a Lambda container.
  const module = await import('../../../src/functions/actions/imageHandlers.js');
  handlers = module;
  duckDbMemoryLimit = module.duckDbMemoryLimit;
});

afterAll(async () => {
  process.env = saved;
  await local?.close();
});

describe('the conversion image entry points', () => {
  it('export one handler per conversion Task', () => {
    for (const task of CONVERSION_TASKS) expect(typeof handlers[task], task).toBe('function');
  });

  it('give DuckDB 60 % of the function memory unless told otherwise', () => {
    expect(duckDbMemoryLimit({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '10240' })).toBe('6144MB');
    expect(duckDbMemoryLimit({ [ACTIONS_ENV.duckDbMemoryLimit]: '2GB' })).toBe('2GB');
  });

  it('convert a DynamoDB export in a workflow run, configured by their environment alone', async () => {
    const arn = `arn:aws:backup:${REGION}:${ACCOUNT}:recovery-point:image-1`;
    local.backup.addRecoveryPoint({
      vault: 'prod-daily',
      recoveryPointArn: arn,
      resourceArn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/image-orders`,
      resourceType: 'DynamoDB',
      dynamoDbItems: Array.from({ length: 10 }, (_, i) => ({ pk: { S: `k${i}` }, v: { N: String(i) } })),
    });
    const request: ExportRequest = {
      workflow: 'dynamodb-export-parquet',
      recoveryPointArn: arn,
      resourceType: 'DynamoDB',
      vault: 'prod-daily',
      watchedVaults: ['prod-daily'],
      account: ACCOUNT,
      region: REGION,
      resourceName: 'image-orders',
      trigger: 'test',
      fromBackup: true,
      deleteAfterExport: false,
      attempt: 1,
      exportTaskIdentifier: 'vp-image-orders-1',
      s3Prefix: 'exports/type=dynamodb/resource=image-orders/date=2026-12-04',
      includeTags: [],
      excludeTags: [],
      sourcePatterns: [],
      requestedAt: '2026-12-04T00:00:00Z',
    };
    const called: string[] = [];
    const run = await local.run(
      { request },
      {
        intercept: (_state, task, input, call) => {
          if (!(CONVERSION_TASKS as readonly string[]).includes(task)) return call();
          called.push(task);
          return handlers[task as ConversionTask](input);
        },
      },
    );
    expect(run.status).toBe('SUCCEEDED');
    // 10 items at 4 per data file: 3 files, each its own batch.
    expect(called.filter((t) => t === 'scanFiles')).toHaveLength(3);
    expect(called.filter((t) => t === 'convertFiles')).toHaveLength(3);
    const root = exportRoot(request.s3Prefix, request.exportTaskIdentifier);
    const keys = (await local.deps.archive.list(`${root}parquet/`)).map((o) => o.key.slice(root.length));
    expect(keys.sort()).toEqual([
      'parquet/data/part-00000.parquet',
      'parquet/data/part-00001.parquet',
      'parquet/data/part-00002.parquet',
      'parquet/vaultpilot-dynamodb-manifest.json',
    ]);
  });
});
