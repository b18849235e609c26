/**
 * RdsExports against the RDS stand-in (AWS Query protocol) with the real RDSClient, writing into the S3 stand-in.
 * Errors come from the stand-in's own rules or from injectError; the client makes one attempt, so an injected 5xx
 * reaches the adapter.
 */
import { RDSClient } from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EXPORT_LIMIT_ERROR_CODE,
  RDS_ERROR_CODES,
  type RdsStandIn,
  startRdsStandIn,
} from '../../../sandbox/rds/startRdsStandIn.js';
import { type S3StandIn, startS3StandIn } from '../../../sandbox/s3/startS3StandIn.js';
import { isExportQuotaError, parseSnapshotArn, RdsExports } from '../../../src/aws/export/rds/RdsExports.js';
import { ActionError } from '../../../src/core/actions/exportWorkflow.js';

const BUCKET = 'vaultpilot-archive';
const ROLE = 'arn:aws:iam::111122223333:role/service-role/rds-export';
const KMS = 'arn:aws:kms:eu-west-1:111122223333:key/abcd0000-7fca-4128-82f2-aabbccddeeff';
const PREFIX = 'exports/account=111122223333/region=eu-west-1/type=rds/resource=prod-db/date=2026-11-20';

let s3: S3StandIn;
let standIn: RdsStandIn;
let client: RDSClient;
let rds: RdsExports;
let counter = 0;
const uid = (base: string) => `${base}-${++counter}`;

beforeAll(async () => {
  s3 = await startS3StandIn({ buckets: [BUCKET] });
  standIn = await startRdsStandIn({ s3: { endpoint: s3.endpoint }, timing: { startingMs: 300, perTableMs: 0 } });
  client = new RDSClient({
    endpoint: standIn.endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  rds = new RdsExports(client);
});

afterAll(async () => {
  client?.destroy();
  await standIn?.close();
  await s3?.close();
});

/** Expects `promise` to reject with the named ActionError; returns it. */
async function rejectsWith(promise: Promise<unknown>, name: string): Promise<ActionError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ActionError);
  expect((error as ActionError).name).toBe(name);
  return error as ActionError;
}

function snapshot(overrides: Partial<Parameters<RdsStandIn['addSnapshot']>[0]> = {}): string {
  return standIn.addSnapshot({
    kind: 'db',
    identifier: `awsbackup:job-${uid('snap')}`,
    sourceIdentifier: 'prod-db',
    engine: 'postgres',
    ...overrides,
  });
}

const startInput = (sourceArn: string, identifier = uid('vp-exp')) => ({
  identifier,
  sourceArn,
  bucket: BUCKET,
  prefix: PREFIX,
  roleArn: ROLE,
  kmsKeyId: KMS,
});

describe('parseSnapshotArn', () => {
  it.each([
    ['arn:aws:rds:eu-west-1:111122223333:snapshot:manual-1', { kind: 'db', identifier: 'manual-1' }],
    [
      'arn:aws:rds:eu-west-1:111122223333:snapshot:awsbackup:job-1234',
      { kind: 'db', identifier: 'awsbackup:job-1234' },
    ],
    [
      'arn:aws:rds:eu-west-1:111122223333:snapshot:rds:prod-db-2026-11-20',
      { kind: 'db', identifier: 'rds:prod-db-2026-11-20' },
    ],
    ['arn:aws-cn:rds:cn-north-1:111122223333:cluster-snapshot:c-1', { kind: 'cluster', identifier: 'c-1' }],
  ])('%s', (arn, parsed) => {
    expect(parseSnapshotArn(arn)).toEqual(parsed);
  });

  it.each([
    'arn:aws:rds:eu-west-1:111122223333:db:prod-db',
    'arn:aws:ec2:eu-west-1::snapshot/snap-1',
    'arn:aws:rds:eu-west-1:111122223333:snapshot',
    'snapshot:manual-1',
    '',
  ])('is undefined for %s', (arn) => {
    expect(parseSnapshotArn(arn)).toBeUndefined();
  });
});

describe('isExportQuotaError', () => {
  const named = (name: string, message: string, status = 400) =>
    Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });

  it('knows the quota refusal', () => {
    expect(isExportQuotaError(named(EXPORT_LIMIT_ERROR_CODE, 'at most 5 export tasks in progress'))).toBe(true);
    expect(isExportQuotaError(named('QuotaExceeded', 'x'))).toBe(true);
    expect(isExportQuotaError(named('InvalidParameterValue', 'too many concurrent export tasks'))).toBe(true);
  });

  it('is not fooled by not-found, throttling or a refusal that mentions a limit', () => {
    expect(isExportQuotaError(named('DBSnapshotNotFoundFault', 'over the limit'))).toBe(false);
    expect(isExportQuotaError(named('RequestLimitExceeded', 'Rate exceeded'))).toBe(false);
    expect(isExportQuotaError(named('InvalidParameterValue', 'The S3 prefix exceeds the length limit.'))).toBe(false);
    expect(isExportQuotaError(new Error('boom'))).toBe(false);
  });
});

describe('describeSnapshot', () => {
  it('describes a DB snapshot AWS Backup made, with its tags', async () => {
    const createdAt = new Date('2026-11-20T02:00:00.000Z');
    const arn = snapshot({
      encrypted: true,
      kmsKeyId: KMS,
      allocatedStorageGiB: 20,
      createdAt,
      tags: { env: 'prod', backup: 'yes' },
    });
    const info = await rds.describeSnapshot(arn);
    expect(info).toMatchObject({
      arn,
      kind: 'db',
      sourceIdentifier: 'prod-db',
      engine: 'postgres',
      status: 'available',
      encrypted: true,
      kmsKeyId: KMS,
      allocatedStorageGiB: 20,
      snapshotTime: createdAt.toISOString(),
      tags: { env: 'prod', backup: 'yes' },
    });
    expect(info.identifier).toBe(parseSnapshotArn(arn)?.identifier);
    expect(await rds.tags(arn)).toEqual({ env: 'prod', backup: 'yes' });
  });

  it('describes a cluster snapshot with its engine mode', async () => {
    const arn = standIn.addSnapshot({
      kind: 'cluster',
      identifier: uid('cluster-snap'),
      sourceIdentifier: 'orders-aurora',
      engine: 'aurora-mysql',
      engineMode: 'serverless',
    });
    const info = await rds.describeSnapshot(arn);
    expect(info).toMatchObject({
      kind: 'cluster',
      sourceIdentifier: 'orders-aurora',
      engine: 'aurora-mysql',
      engineMode: 'serverless',
      encrypted: false,
    });
  });

  it('SourceNotFound when the snapshot does not exist (DBSnapshotNotFoundFault)', async () => {
    const e = await rejectsWith(
      rds.describeSnapshot('arn:aws:rds:eu-west-1:111122223333:snapshot:no-such'),
      'SourceNotFound',
    );
    expect((e.cause as Error).name).toBe('DBSnapshotNotFoundFault');
    await rejectsWith(
      rds.describeSnapshot('arn:aws:rds:eu-west-1:111122223333:cluster-snapshot:no-such'),
      'SourceNotFound',
    );
  });

  it('BadWorkflowInput for an ARN that is not a snapshot', async () => {
    await rejectsWith(rds.describeSnapshot('arn:aws:rds:eu-west-1:111122223333:db:prod'), 'BadWorkflowInput');
  });

  it('TransientAwsError for throttling and 5xx', async () => {
    const arn = snapshot();
    standIn.injectError('DescribeDBSnapshots', { code: 'Throttling', status: 400, message: 'Rate exceeded' });
    const e = await rejectsWith(rds.describeSnapshot(arn), 'TransientAwsError');
    expect(e.message).toMatch(/throttled/);
    standIn.injectError('DescribeDBSnapshots', { code: 'InternalFailure', status: 500 });
    await rejectsWith(rds.describeSnapshot(arn), 'TransientAwsError');
    standIn.injectError('ListTagsForResource', { code: 'Throttling', status: 400 });
    await rejectsWith(rds.tags(arn), 'TransientAwsError');
    expect((await rds.describeSnapshot(arn)).arn).toBe(arn);
  });
});

describe('export tasks', () => {
  it('starts an export, lists it as active, describes it, and it finishes', async () => {
    const arn = snapshot();
    const input = startInput(arn);
    const started = await rds.startExport(input);
    expect(started).toMatchObject({
      identifier: input.identifier,
      sourceArn: arn,
      status: 'STARTING',
      s3Bucket: BUCKET,
      s3Prefix: PREFIX,
      percentProgress: 0,
    });
    expect((await rds.activeExports()).map((t) => t.identifier)).toContain(input.identifier);
    expect((await rds.describeExport(input.identifier))?.sourceArn).toBe(arn);
    await standIn.idle();
    const done = await rds.describeExport(input.identifier);
    expect(done?.status).toBe('COMPLETE');
    expect(done?.startedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect((await rds.activeExports()).map((t) => t.identifier)).not.toContain(input.identifier);
  });

  it('a repeated start of the same task for the same source returns the existing task', async () => {
    const arn = snapshot();
    const input = startInput(arn);
    await rds.startExport(input);
    const again = await rds.startExport(input);
    expect(again.identifier).toBe(input.identifier);
    expect(again.sourceArn).toBe(arn);
    expect(standIn.exportTasks().filter((t) => t.identifier === input.identifier)).toHaveLength(1);
    await standIn.idle();
  });

  it('ExportRefused when the identifier is taken by an export of another source', async () => {
    const first = snapshot();
    const input = startInput(first);
    await rds.startExport(input);
    const other = snapshot();
    const e = await rejectsWith(rds.startExport({ ...input, sourceArn: other }), 'ExportRefused');
    expect(e.message).toContain(first);
    expect((e.cause as Error).name).toBe('ExportTaskAlreadyExistsFault');
    await standIn.idle();
  });

  it('ExportSlotsBusy on the concurrency quota', async () => {
    standIn.injectError('StartExportTask', {
      code: EXPORT_LIMIT_ERROR_CODE,
      status: 400,
      message: 'You can have at most 5 export tasks in progress at a time in this account.',
    });
    const e = await rejectsWith(rds.startExport(startInput(snapshot())), 'ExportSlotsBusy');
    expect(e.message).toContain(EXPORT_LIMIT_ERROR_CODE);
  });

  it('SourceNotFound when the snapshot is gone', async () => {
    standIn.injectError('StartExportTask', { code: RDS_ERROR_CODES.dbSnapshotNotFound, status: 404 });
    await rejectsWith(rds.startExport(startInput(snapshot())), 'SourceNotFound');
    await rejectsWith(
      rds.startExport(startInput('arn:aws:rds:eu-west-1:111122223333:snapshot:never-registered')),
      'SourceNotFound',
    );
  });

  it('ExportRefused for a bucket that does not exist, or a refusal that mentions a limit', async () => {
    const e = await rejectsWith(
      rds.startExport({ ...startInput(snapshot()), bucket: 'no-such-bucket' }),
      'ExportRefused',
    );
    expect(e.message).toContain('InvalidS3BucketFault');
    standIn.injectError('StartExportTask', {
      code: RDS_ERROR_CODES.invalidParameterValue,
      status: 400,
      message: 'The S3 prefix exceeds the length limit.',
    });
    await rejectsWith(rds.startExport(startInput(snapshot())), 'ExportRefused');
  });

  it('ExportRefused for a snapshot RDS cannot export; TransientAwsError for throttling and 5xx', async () => {
    await rejectsWith(rds.startExport(startInput(snapshot({ engine: 'oracle-ee' }))), 'ExportRefused');
    standIn.injectError('StartExportTask', { code: 'Throttling', status: 400 });
    await rejectsWith(rds.startExport(startInput(snapshot())), 'TransientAwsError');
    standIn.injectError('StartExportTask', { code: 'RequestLimitExceeded', status: 400, message: 'Rate limit' });
    await rejectsWith(rds.startExport(startInput(snapshot())), 'TransientAwsError');
    standIn.injectError('StartExportTask', { code: 'ServiceUnavailable', status: 503 });
    await rejectsWith(rds.startExport(startInput(snapshot())), 'TransientAwsError');
    standIn.injectError('DescribeExportTasks', { code: 'Throttling', status: 400 });
    await rejectsWith(rds.activeExports(), 'TransientAwsError');
    standIn.injectError('DescribeExportTasks', { code: 'InternalFailure', status: 500 });
    await rejectsWith(rds.describeExport('vp-any-1'), 'TransientAwsError');
  });

  it('describeExport: undefined for an unknown task', async () => {
    expect(await rds.describeExport('vp-never-started-1')).toBeUndefined();
  });

  it('cancelExport: true for a running task, false once finished or unknown', async () => {
    const input = startInput(snapshot());
    await rds.startExport(input);
    expect(await rds.cancelExport(input.identifier)).toBe(true);
    await standIn.idle();
    expect((await rds.describeExport(input.identifier))?.status).toBe('CANCELED');
    expect(await rds.cancelExport(input.identifier)).toBe(false);
    expect(await rds.cancelExport('vp-never-started-2')).toBe(false);
    standIn.injectError('CancelExportTask', { code: 'Throttling', status: 400 });
    await rejectsWith(rds.cancelExport(input.identifier), 'TransientAwsError');
  });
});
