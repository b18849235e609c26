/**
 * The Tasks of the export workflow as units, with recording fakes for their dependencies: the guards that keep a
 * recovery point and a verified export (whatever state a Task is called with), how a result is made of the
 * workflow state, Lambda's and the workflow's own Cause, and the EMF metrics record.
 */
import { describe, expect, it } from 'vitest';
import type { ExportTaskInfo } from '../../../src/aws/export/rds/RdsExports.js';
import { actionResultDetailSchema } from '../../../src/core/actions/actionResultEvent.js';
import { exportRoot, MANIFEST_FILE } from '../../../src/core/actions/exportManifest.js';
import type {
  ExportProgress,
  ExportRequest,
  ExportState,
  SourceDescription,
  VerificationSummary,
} from '../../../src/core/actions/exportWorkflow.js';
import type { ExportObject } from '../../../src/core/actions/verifyRdsExport.js';
import { ACTION_METRICS } from '../../../src/core/deployment/contract.js';
import {
  causeText,
  cleanUp,
  deleteRecoveryPoint,
  type ExportTaskDependencies,
  metricsRecord,
  parseState,
  resultOf,
  startExport,
  writeManifest,
} from '../../../src/functions/actions/exportTasks.js';

const ARN = 'arn:aws:rds:eu-west-1:111122223333:snapshot:awsbackup:job-0001';
const PREFIX = 'exports/account=111122223333/region=eu-west-1/type=rds/resource=prod-db/date=2026-11-20';
const ID = 'vp-prod-db-0123456789ab-1';
const ROOT = exportRoot(PREFIX, ID);

const request: ExportRequest = {
  workflow: 'rds-export-parquet',
  recoveryPointArn: ARN,
  resourceType: 'RDS',
  vault: 'prod-daily',
  watchedVaults: ['prod-daily'],
  account: '111122223333',
  region: 'eu-west-1',
  resourceName: 'prod-db',
  trigger: 'backup job COMPLETED (prod-db)',
  fromBackup: true,
  deleteAfterExport: true,
  attempt: 1,
  exportTaskIdentifier: ID,
  s3Prefix: PREFIX,
  includeTags: [],
  excludeTags: [],
  sourcePatterns: [],
  requestedAt: '2026-11-20T02:10:00.000Z',
  executionArn: 'arn:aws:states:eu-west-1:111122223333:execution:vp:rp-1-a1',
};
const source: SourceDescription = {
  exportable: true,
  engine: 'postgres',
  status: 'available',
  encrypted: true,
  snapshotTime: '2026-11-20T02:00:00.000Z',
  tags: {},
  vault: 'prod-daily',
};
const progress: ExportProgress = {
  exportTaskIdentifier: ID,
  status: 'COMPLETE',
  s3Bucket: 'archive',
  s3Prefix: PREFIX,
  percentProgress: 100,
  startedAt: '2026-11-20T02:11:00.000Z',
  pollCount: 4,
  waitSeconds: 600,
};
const verification: VerificationSummary = {
  complete: true,
  tables: 2,
  completeTables: 2,
  objects: 5,
  bytes: 4096,
  warnings: [],
  detailKey: `${ROOT}vaultpilot-verification.json`,
};
const verified: ExportState = {
  request,
  source,
  export: progress,
  verification,
  manifest: { manifestKey: `${ROOT}${MANIFEST_FILE}`, latestKey: 'latest/x/latest.json' },
};

/** Fakes that record every call; what they answer is set per test. */
function fakes(
  options: {
    task?: ExportTaskInfo;
    active?: ExportTaskInfo[];
    objects?: ExportObject[];
    texts?: Record<string, string>;
    deletion?: { status: 'requested' } | { status: 'refused'; reason: string };
  } = {},
) {
  const calls: string[] = [];
  const written = new Map<string, unknown>();
  let objects = [...(options.objects ?? [])];
  const deps = {
    rds: {
      describeExport: async (id: string) => {
        calls.push(`describeExport ${id}`);
        return options.task;
      },
      cancelExport: async (id: string) => {
        calls.push(`cancelExport ${id}`);
        return true;
      },
      activeExports: async () => {
        calls.push('activeExports');
        return options.active ?? [];
      },
      startExport: async (input: { identifier: string; sourceArn: string }) => {
        calls.push(`startExport ${input.identifier}`);
        return task('STARTING', input.identifier);
      },
    },
    recoveryPoints: {
      requestDeletion: async (vault: string, arn: string) => {
        calls.push(`requestDeletion ${vault} ${arn}`);
        return options.deletion ?? { status: 'requested' };
      },
    },
    archive: {
      bucket: 'archive',
      list: async (prefix: string) => {
        calls.push(`list ${prefix}`);
        return objects.filter((o) => o.key.startsWith(prefix));
      },
      readText: async (key: string) => {
        calls.push(`readText ${key}`);
        const w = written.get(key);
        return w !== undefined ? JSON.stringify(w) : options.texts?.[key];
      },
      putJson: async (key: string, value: unknown) => {
        calls.push(`putJson ${key}`);
        written.set(key, value);
      },
      deleteKeys: async (keys: readonly string[]) => {
        calls.push(`deleteKeys ${keys.length}`);
        objects = objects.filter((o) => !keys.includes(o.key));
        return [];
      },
      deleteAllUnder: async (prefix: string) => {
        const keys = objects.filter((o) => o.key.startsWith(prefix)).map((o) => o.key);
        calls.push(`deleteKeys ${keys.length}`);
        objects = objects.filter((o) => !keys.includes(o.key));
        return { deleted: keys.length, remaining: [] };
      },
    },
    ledger: {},
    results: {},
    exportRoleArn: 'arn:aws:iam::111122223333:role/export',
    exportKmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/k',
    now: () => Date.parse('2026-11-20T03:00:00.000Z'),
  } as unknown as ExportTaskDependencies;
  return { deps, calls, written };
}

function task(status: string, identifier = ID): ExportTaskInfo {
  return { identifier, sourceArn: ARN, status, percentProgress: 0, s3Bucket: 'archive', s3Prefix: PREFIX };
}

async function rejectsWith(promise: Promise<unknown>, name: string): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect((error as Error).name).toBe(name);
  return error as Error;
}

describe('parseState', () => {
  it('applies the request defaults and refuses a state without a valid request', () => {
    const { watchedVaults: _w, includeTags: _i, ...bare } = request;
    expect(parseState({ request: bare }).request.watchedVaults).toEqual([]);
    expect(() => parseState({})).toThrow(/not an export request/);
    expect(() => parseState(null)).toThrow(expect.objectContaining({ name: 'BadWorkflowInput' }));
    expect(() => parseState({ request: { ...request, attempt: 0 } })).toThrow(/attempt/);
  });
});

describe('deleteRecoveryPoint never deletes unless everything allows it', () => {
  it.each([
    [
      'deleteAfterExport is false',
      { request: { ...request, deleteAfterExport: false } },
      /deleteRecoveryPointAfterExport is off/,
    ],
    ['the snapshot is not from AWS Backup', { request: { ...request, fromBackup: false } }, /never deleted/],
    ['the verification is incomplete', { verification: { ...verification, complete: false } }, /partial/],
    ['there is no verification', { verification: undefined }, /partial/],
    ['there is no manifest', { manifest: undefined }, /no manifest/],
    ['the manifest has no key', { manifest: {} }, /no manifest/],
    ['the manifest key is empty', { manifest: { manifestKey: '' } }, /no manifest/],
  ])('kept when %s', async (_name, change, reason) => {
    const { deps, calls } = fakes();
    const result = await deleteRecoveryPoint({ ...verified, ...change }, deps);
    expect(result.status).toBe('kept');
    expect(result.reason).toMatch(reason);
    expect(calls.filter((c) => c.startsWith('requestDeletion'))).toEqual([]);
  });

  it('a verification that only looks complete (not the boolean true) keeps the point', async () => {
    const { deps, calls } = fakes();
    const result = await deleteRecoveryPoint(
      { ...verified, verification: { ...verification, complete: 'false' as unknown as boolean } },
      deps,
    );
    expect(result.status).toBe('kept');
    expect(calls).toEqual([]);
  });

  it('requests the deletion from the vault of the source', async () => {
    const { deps, calls } = fakes();
    expect(await deleteRecoveryPoint({ ...verified, source: { ...source, vault: 'found-vault' } }, deps)).toEqual({
      status: 'requested',
    });
    expect(calls).toEqual([`requestDeletion found-vault ${ARN}`]);
  });

  it('a Vault Lock refusal is refused, with the reason', async () => {
    const { deps } = fakes({ deletion: { status: 'refused', reason: 'InvalidRequestException: locked' } });
    const result = await deleteRecoveryPoint(verified, deps);
    expect(result.status).toBe('refused');
    expect(result.reason).toMatch(/InvalidRequestException: locked.*Vault Lock/);
  });

  it('BadWorkflowInput when no vault is known', async () => {
    const { deps, calls } = fakes();
    const { vault: _v, ...noVault } = request;
    const { vault: _sv, ...sourceNoVault } = source;
    await rejectsWith(
      deleteRecoveryPoint({ ...verified, request: noVault, source: sourceNoVault }, deps),
      'BadWorkflowInput',
    );
    expect(calls).toEqual([]);
  });
});

describe('cleanUp', () => {
  const objects = (keys: string[]): ExportObject[] => keys.map((key) => ({ key: `${ROOT}${key}`, size: 10 }));

  it('never deletes a verified export with a manifest', async () => {
    const { deps, calls } = fakes({
      task: task('COMPLETE'),
      objects: objects(['db/public.t/1/a.parquet', 'export_info_x.json', MANIFEST_FILE]),
    });
    expect(await cleanUp({ ...verified, failedStep: 'Delete recovery point' }, deps)).toEqual({
      exportCancelled: false,
      objectsDeleted: 0,
      leftBehind: [],
    });
    expect(calls.some((c) => c.startsWith('deleteKeys'))).toBe(false);
  });

  it('removes what an unverified export wrote', async () => {
    const { deps, calls } = fakes({
      task: task('COMPLETE'),
      objects: [...objects(['db/public.t/1/a.parquet', 'export_info_x.json']), { key: 'elsewhere/x', size: 1 }],
    });
    const result = await cleanUp({ request, export: progress, failedStep: 'Verify export' }, deps);
    expect(result).toEqual({ exportCancelled: false, objectsDeleted: 2, leftBehind: [] });
    expect(calls).toContain('deleteKeys 2');
  });

  it('cancels a running export and waits (CleanupPending) before deleting anything', async () => {
    for (const status of ['STARTING', 'IN_PROGRESS']) {
      const { deps, calls } = fakes({ task: task(status), objects: objects(['db/public.t/1/a.parquet']) });
      await rejectsWith(cleanUp({ request }, deps), 'CleanupPending');
      expect(calls).toContain(`cancelExport ${ID}`);
      expect(calls.some((c) => c.startsWith('deleteKeys') || c.startsWith('list'))).toBe(false);
    }
    const { deps, calls } = fakes({ task: task('CANCELING') });
    await rejectsWith(cleanUp({ request }, deps), 'CleanupPending');
    expect(calls.some((c) => c.startsWith('cancelExport'))).toBe(false);
  });

  it('says the export was cancelled once it is CANCELED; works without a task at all', async () => {
    const { deps } = fakes({ task: task('CANCELED'), objects: objects(['db/public.t/1/a.parquet']) });
    expect(await cleanUp({ request }, deps)).toMatchObject({ exportCancelled: true, objectsDeleted: 1 });
    const none = fakes();
    expect(await cleanUp({ request }, none.deps)).toEqual({
      exportCancelled: false,
      objectsDeleted: 0,
      leftBehind: [],
    });
  });
});

describe('startExport', () => {
  it('takes over its own running task, and waits for a slot when five others run', async () => {
    const own = fakes({ active: [task('IN_PROGRESS')] });
    expect((await startExport({ request }, own.deps)).exportTaskIdentifier).toBe(ID);
    expect(own.calls.some((c) => c.startsWith('startExport'))).toBe(false);

    const busy = fakes({ active: [1, 2, 3, 4, 5].map((i) => task('IN_PROGRESS', `vp-other-${i}`)) });
    await rejectsWith(startExport({ request }, busy.deps), 'ExportSlotsBusy');
    expect(busy.calls.some((c) => c.startsWith('startExport'))).toBe(false);

    const free = fakes({ active: [task('IN_PROGRESS', 'vp-other-1')] });
    const started = await startExport({ request }, free.deps);
    expect(started).toMatchObject({ status: 'STARTING', pollCount: 0, waitSeconds: 60 });
  });
});

describe('writeManifest', () => {
  const detail = {
    complete: true,
    tables: [],
    warnings: [],
    infoFiles: [],
    objects: 0,
    bytes: 0,
  };

  it('writes the manifest, and the latest pointer only for a complete export', async () => {
    const complete = fakes({ texts: { [verification.detailKey]: JSON.stringify(detail) } });
    const result = await writeManifest({ request, source, export: progress, verification }, complete.deps);
    expect(result.manifestKey).toBe(`${ROOT}${MANIFEST_FILE}`);
    expect(result.latestKey).toBe('latest/account=111122223333/region=eu-west-1/type=rds/resource=prod-db/latest.json');
    expect(complete.written.get(result.latestKey ?? '')).toMatchObject({ manifestKey: result.manifestKey });

    const partial = fakes({ texts: { [verification.detailKey]: JSON.stringify({ ...detail, complete: false }) } });
    const partialResult = await writeManifest({ request, source, export: progress, verification }, partial.deps);
    expect(partialResult.latestKey).toBeUndefined();
    expect([...partial.written.keys()]).toEqual([`${ROOT}${MANIFEST_FILE}`]);
  });

  it('an export of an older snapshot does not move the pointer back', async () => {
    const latestKey = 'latest/account=111122223333/region=eu-west-1/type=rds/resource=prod-db/latest.json';
    const newer = { manifestKey: 'newer', snapshotTime: '2026-11-21T02:00:00.000Z', verifiedAt: '2026-11-21' };
    const f = fakes({
      texts: { [verification.detailKey]: JSON.stringify(detail), [latestKey]: JSON.stringify(newer) },
      objects: [{ key: latestKey, size: 100 }],
    });
    await writeManifest({ request, source, export: progress, verification }, f.deps);
    expect(f.written.has(latestKey)).toBe(false);
    // The pointer is looked for by listing, never by a GET that S3 answers 403 when the key is missing.
    expect(f.calls).toContain(`list ${latestKey}`);
  });
});

describe('causeText', () => {
  it('takes the message of a Lambda Cause', () => {
    const cause = JSON.stringify({
      errorType: 'VerificationFailed',
      errorMessage: 'export vp-1 is not verified: no Parquet',
      trace: ['VerificationFailed: export vp-1 …', '    at verifyExport (…)'],
    });
    expect(causeText(cause)).toBe('export vp-1 is not verified: no Parquet');
  });

  it('reads the workflow’s own Cause: the JSON of $.export', () => {
    expect(causeText(JSON.stringify({ ...progress, status: 'FAILED', failureCause: 'S3 access denied' }))).toBe(
      'export task FAILED: S3 access denied',
    );
    expect(causeText(JSON.stringify({ ...progress, status: 'CANCELED' }))).toBe('export task ended CANCELED');
  });

  it('keeps any other text as it is', () => {
    expect(causeText(undefined)).toBeUndefined();
    expect(causeText('')).toBeUndefined();
    expect(causeText('States.Timeout after 120 s')).toBe('States.Timeout after 120 s');
    expect(causeText('null')).toBe('null');
    expect(causeText('42')).toBe('42');
    expect(causeText('{"other":1}')).toBe('{"other":1}');
  });
});

describe('resultOf', () => {
  const FINISHED = '2026-11-20T05:00:00.000Z';

  it('a complete export: exported, with the archive, manifest, tables and deletion', () => {
    const detail = resultOf({ ...verified, deletion: { status: 'deleted' } }, FINISHED);
    expect(detail).toEqual({
      workflow: 'rds-export-parquet',
      outcome: 'exported',
      recoveryPointArn: ARN,
      resourceType: 'RDS',
      resourceName: 'prod-db',
      vault: 'prod-daily',
      account: '111122223333',
      region: 'eu-west-1',
      trigger: request.trigger,
      exportTaskIdentifier: ID,
      archiveUri: `s3://archive/${ROOT}`,
      manifestKey: `${ROOT}${MANIFEST_FILE}`,
      warnings: [],
      tables: 2,
      completeTables: 2,
      bytes: 4096,
      deletion: { status: 'deleted' },
      startedAt: progress.startedAt,
      finishedAt: FINISHED,
      executionArn: request.executionArn,
    });
    expect(actionResultDetailSchema.parse(detail)).toEqual(detail);
  });

  it('a partial export: exported-partially, the point kept with the reason', () => {
    const detail = resultOf(
      { ...verified, verification: { ...verification, complete: false, warnings: ['table x skipped'] } },
      FINISHED,
    );
    expect(detail.outcome).toBe('exported-partially');
    expect(detail.warnings).toEqual(['table x skipped']);
    expect(detail.deletion).toEqual({ status: 'kept', reason: expect.stringMatching(/partial/) });
  });

  it('not exportable: the reason as cause, no deletion', () => {
    const detail = resultOf(
      { request, source: { ...source, exportable: false, reason: 'engine oracle-ee: RDS cannot export' } },
      FINISHED,
    );
    expect(detail).toMatchObject({
      outcome: 'not-exportable',
      error: 'NotExportable',
      cause: 'engine oracle-ee: RDS cannot export',
    });
    expect(detail).not.toHaveProperty('deletion');
    expect(detail).not.toHaveProperty('archiveUri');
  });

  it('failed: the step, the error and the message of its Cause, the cleanup', () => {
    const detail = resultOf(
      {
        request,
        source,
        export: { ...progress, status: 'FAILED' },
        failedStep: 'Check export',
        failure: {
          Error: 'ExportTaskFailed',
          Cause: JSON.stringify({ ...progress, status: 'FAILED', failureCause: 'The IAM role is not authorized' }),
        },
        cleanup: { exportCancelled: false, objectsDeleted: 3, leftBehind: ['s3://archive/x'] },
      },
      FINISHED,
    );
    expect(detail).toMatchObject({
      outcome: 'failed',
      failedStep: 'Check export',
      error: 'ExportTaskFailed',
      cause: 'export task FAILED: The IAM role is not authorized',
      cleanup: { exportCancelled: false, objectsDeleted: 3, leftBehind: ['s3://archive/x'] },
      deletion: { status: 'kept' },
    });
    expect(actionResultDetailSchema.safeParse(detail).success).toBe(true);
  });

  it('a failure whose Cause is a Lambda error gives its message', () => {
    const detail = resultOf(
      {
        request,
        failedStep: 'Describe source',
        failure: {
          Error: 'SourceNotFound',
          Cause: JSON.stringify({ errorType: 'SourceNotFound', errorMessage: 'gone', trace: [] }),
        },
      },
      FINISHED,
    );
    expect(detail).toMatchObject({ outcome: 'failed', error: 'SourceNotFound', cause: 'gone' });
    const noCause = resultOf({ request, failedStep: 'Start export', failure: { Error: 'States.Timeout' } }, FINISHED);
    expect(noCause.error).toBe('States.Timeout');
    expect(noCause).not.toHaveProperty('cause');
  });

  it('a requested deletion that was never confirmed is not-deleted', () => {
    const detail = resultOf(
      {
        ...verified,
        deletion: { status: 'requested' },
        deletionError: {
          Error: 'DeletionPending',
          Cause: JSON.stringify({ errorType: 'DeletionPending', errorMessage: 'still DELETING', trace: [] }),
        },
      },
      FINISHED,
    );
    expect(detail.outcome).toBe('exported');
    expect(detail.deletion).toEqual({
      status: 'not-deleted',
      reason: 'deletion was requested but not confirmed: still DELETING',
    });
  });

  it('a failed cleanup is a warning', () => {
    const state = {
      request,
      failedStep: 'Verify export',
      failure: { Error: 'VerificationFailed' },
      cleanupError: { Error: 'CleanupPending', Cause: JSON.stringify({ errorMessage: 'still CANCELING' }) },
    } as ExportState;
    expect(resultOf(state, FINISHED).warnings).toEqual(['cleanup failed: CleanupPending: still CANCELING']);
  });
});

describe('metricsRecord', () => {
  const detail = resultOf(verified, '2026-11-20T03:40:00.000Z');

  it('is EMF: the metrics of ACTION_METRICS under _aws.CloudWatchMetrics, their values at the top level', () => {
    const record = metricsRecord(detail, 'Vaultpilot', request.requestedAt);
    expect(record._aws.Timestamp).toBe(Date.parse('2026-11-20T03:40:00.000Z'));
    const [directive] = record._aws.CloudWatchMetrics;
    expect(directive?.Namespace).toBe('Vaultpilot');
    expect(directive?.Dimensions).toEqual([['Workflow', 'Outcome'], ['Workflow']]);
    expect(directive?.Metrics.map((m) => m.Name).sort()).toEqual(
      [ACTION_METRICS.actions, ACTION_METRICS.actionMinutes, ACTION_METRICS.exportedBytes].sort(),
    );
    expect(record).toMatchObject({
      Workflow: 'rds-export-parquet',
      Outcome: 'exported',
      [ACTION_METRICS.actions]: 1,
      [ACTION_METRICS.actionMinutes]: 90,
      [ACTION_METRICS.exportedBytes]: 4096,
    });
    // Every metric named in the directive has a value, and every dimension too.
    for (const m of directive?.Metrics ?? []) expect(record).toHaveProperty(m.Name);
    for (const d of directive?.Dimensions.flat() ?? []) expect(record).toHaveProperty(d);
    expect(JSON.parse(JSON.stringify(record))).toEqual(record);
  });

  it('no ExportedBytes for a failure; minutes never negative or NaN', () => {
    const failed = resultOf(
      { request, failedStep: 'Start export', failure: { Error: 'ExportRefused' } },
      request.requestedAt,
    );
    const record = metricsRecord(failed, 'Vaultpilot', '2026-11-20T02:20:00.000Z');
    expect(record._aws.CloudWatchMetrics[0]?.Metrics.map((m) => m.Name)).not.toContain(ACTION_METRICS.exportedBytes);
    expect(record).not.toHaveProperty(ACTION_METRICS.exportedBytes);
    expect(record[ACTION_METRICS.actionMinutes]).toBe(0);
    expect(metricsRecord(failed, 'Vaultpilot', 'not a time')[ACTION_METRICS.actionMinutes]).toBe(0);
  });
});
