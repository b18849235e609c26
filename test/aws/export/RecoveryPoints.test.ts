/** RecoveryPoints against the AWS Backup stand-in (REST-JSON) with the real BackupClient (one attempt per call). */
import { BackupClient } from '@aws-sdk/client-backup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BackupStandIn,
  startBackupStandIn,
  VAULT_LOCK_REFUSAL_ERROR,
} from '../../../sandbox/backup/startBackupStandIn.js';
import { RecoveryPoints } from '../../../src/aws/export/RecoveryPoints.js';
import { ActionError } from '../../../src/core/actions/exportWorkflow.js';

const DAY = 86_400_000;
const NOW = new Date('2026-11-20T12:00:00Z');
let standIn: BackupStandIn;
let client: BackupClient;
let points: RecoveryPoints;
let counter = 0;

beforeAll(async () => {
  standIn = await startBackupStandIn({ now: () => NOW });
  client = new BackupClient({
    endpoint: standIn.endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  points = new RecoveryPoints(client);
  standIn.addVault('prod-daily');
  standIn.addVault('dr-vault');
  standIn.addVault('locked', { lock: { minRetentionDays: 7 } });
});

afterAll(async () => {
  client?.destroy();
  await standIn?.close();
});

function point(vault: string, extra: Partial<Parameters<BackupStandIn['addRecoveryPoint']>[0]> = {}): string {
  const recoveryPointArn = `arn:aws:rds:eu-west-1:111122223333:snapshot:awsbackup:job-${++counter}`;
  standIn.addRecoveryPoint({
    vault,
    recoveryPointArn,
    resourceArn: 'arn:aws:rds:eu-west-1:111122223333:db:prod-db',
    resourceType: 'RDS',
    creationDate: new Date(NOW.getTime() - DAY),
    ...extra,
  });
  return recoveryPointArn;
}

async function rejectsWith(promise: Promise<unknown>, name: string): Promise<ActionError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ActionError);
  expect((error as ActionError).name).toBe(name);
  return error as ActionError;
}

describe('RecoveryPoints', () => {
  it('describes a recovery point', async () => {
    const arn = point('prod-daily', {
      backupSizeInBytes: 2048,
      encryptionKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/k',
    });
    expect(await points.describe('prod-daily', arn)).toEqual({
      vault: 'prod-daily',
      arn,
      status: 'COMPLETED',
      resourceType: 'RDS',
      resourceArn: 'arn:aws:rds:eu-west-1:111122223333:db:prod-db',
      resourceName: 'prod-db',
      encrypted: true,
      encryptionKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/k',
      sizeBytes: 2048,
      createdAt: new Date(NOW.getTime() - DAY).toISOString(),
      storageClass: 'WARM',
    });
  });

  it('undefined when the vault does not hold it; find looks through the vaults', async () => {
    const arn = point('dr-vault');
    expect(await points.describe('prod-daily', arn)).toBeUndefined();
    expect(await points.describe('no-such-vault', arn)).toBeUndefined();
    expect((await points.find(['prod-daily', 'dr-vault'], arn))?.vault).toBe('dr-vault');
    expect(await points.find(['prod-daily'], arn)).toBeUndefined();
    expect(await points.find([], arn)).toBeUndefined();
  });

  it('reads the tags', async () => {
    const arn = point('prod-daily', { tags: { env: 'prod' } });
    expect(await points.tags(arn)).toEqual({ env: 'prod' });
  });

  it('TransientAwsError for throttling and 5xx', async () => {
    const arn = point('prod-daily');
    standIn.injectError('DescribeRecoveryPoint', { type: 'ThrottlingException', status: 429 });
    await rejectsWith(points.describe('prod-daily', arn), 'TransientAwsError');
    standIn.injectError('DescribeRecoveryPoint', { type: 'ServiceUnavailableException', status: 503 });
    await rejectsWith(points.describe('prod-daily', arn), 'TransientAwsError');
    standIn.injectError('ListTags', { type: 'ThrottlingException', status: 429 });
    await rejectsWith(points.tags(arn), 'TransientAwsError');
    standIn.injectError('DeleteRecoveryPoint', { type: 'ServiceUnavailableException', status: 503 });
    await rejectsWith(points.requestDeletion('prod-daily', arn), 'TransientAwsError');
    expect(standIn.recoveryPoint(arn)?.deleted).toBe(false);
  });

  it('requests the deletion', async () => {
    const arn = point('prod-daily');
    expect(await points.requestDeletion('prod-daily', arn)).toEqual({ status: 'requested' });
    expect(standIn.recoveryPoint(arn)?.deleted).toBe(true);
    expect(await points.describe('prod-daily', arn)).toBeUndefined();
  });

  it('a Vault Lock refusal is an answer: refused', async () => {
    const arn = point('locked');
    const answer = await points.requestDeletion('locked', arn);
    expect(answer.status).toBe('refused');
    expect(answer.status === 'refused' && answer.reason).toMatch(new RegExp(`^${VAULT_LOCK_REFUSAL_ERROR}: `));
    expect(standIn.recoveryPoint(arn)?.deleted).toBe(false);
  });

  it('a point AWS Backup is busy with is refused too', async () => {
    const arn = point('prod-daily', { status: 'CREATING' });
    const answer = await points.requestDeletion('prod-daily', arn);
    expect(answer).toMatchObject({ status: 'refused' });
    expect(answer.status === 'refused' && answer.reason).toMatch(/^InvalidResourceStateException/);
  });

  it('a denied deletion answers 200: requested, and the point turns EXPIRED', async () => {
    const arn = point('prod-daily');
    standIn.denyDeletion(arn);
    expect(await points.requestDeletion('prod-daily', arn)).toEqual({ status: 'requested' });
    expect((await points.describe('prod-daily', arn))?.status).toBe('EXPIRED');
  });

  it('deleting what is not there is a permanent error', async () => {
    await rejectsWith(
      points.requestDeletion('prod-daily', 'arn:aws:rds:eu-west-1:111122223333:snapshot:awsbackup:job-none'),
      'ExportRefused',
    );
  });
});
