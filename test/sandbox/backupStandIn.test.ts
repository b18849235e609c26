import {
  BackupClient,
  type BackupServiceException,
  DeleteRecoveryPointCommand,
  DescribeBackupVaultCommand,
  DescribeRecoveryPointCommand,
  DescribeRestoreJobCommand,
  GetRecoveryPointRestoreMetadataCommand,
  InvalidRequestException,
  InvalidResourceStateException,
  ListTagsCommand,
  ResourceNotFoundException,
  ServiceUnavailableException,
  StartRestoreJobCommand,
} from '@aws-sdk/client-backup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BackupStandIn,
  type RecoveryPointSpec,
  startBackupStandIn,
  VAULT_LOCK_REFUSAL_ERROR,
} from '../../sandbox/backup/startBackupStandIn.js';

const DAY = 86_400_000;
const T0 = new Date('2026-03-01T12:00:00Z');
let clock = T0.getTime();

const RDS_ARN = 'arn:aws:rds:eu-west-1:111122223333:snapshot:awsbackup:job-1a2b3c4d-0000-4000-8000-000000000001';
const RDS_DB = 'arn:aws:rds:eu-west-1:111122223333:db:orders';
const EBS_ARN = 'arn:aws:ec2:eu-west-1::snapshot/snap-0123456789abcdef0';
const EBS_VOL = 'arn:aws:ec2:eu-west-1:111122223333:volume/vol-0123456789abcdef0';
const KMS = 'arn:aws:kms:eu-west-1:111122223333:key/11111111-2222-3333-4444-555555555555';

let standIn: BackupStandIn;
let backup: BackupClient;
const deleted: string[] = [];

const point = (overrides: Partial<RecoveryPointSpec> & { recoveryPointArn: string }): RecoveryPointSpec => ({
  vault: 'main',
  resourceArn: RDS_DB,
  resourceType: 'RDS',
  creationDate: new Date(T0.getTime() - 3 * DAY),
  ...overrides,
});

beforeAll(async () => {
  standIn = await startBackupStandIn({ now: () => new Date(clock) });
  backup = new BackupClient({
    endpoint: standIn.endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
  standIn.addVault('main');
  standIn.addVault('locked', { lock: { minRetentionDays: 7, maxRetentionDays: 365 } });
  standIn.onDelete((arn) => deleted.push(arn));
  standIn.addRecoveryPoint(
    point({
      recoveryPointArn: RDS_ARN,
      resourceName: 'orders',
      backupSizeInBytes: 5 * 1024 ** 3,
      encryptionKeyArn: KMS,
      tags: { team: 'payments', env: 'prod' },
      lifecycle: { deleteAfterDays: 35 },
    }),
  );
  standIn.addRecoveryPoint(point({ recoveryPointArn: EBS_ARN, resourceArn: EBS_VOL, resourceType: 'EBS' }));
});

afterAll(async () => {
  backup?.destroy();
  await standIn?.close();
});

describe('DescribeRecoveryPoint', () => {
  it('answers every field, with the ARN decoded from the path', async () => {
    const out = await backup.send(
      new DescribeRecoveryPointCommand({ BackupVaultName: 'main', RecoveryPointArn: RDS_ARN }),
    );
    const created = new Date(T0.getTime() - 3 * DAY);
    expect(out).toMatchObject({
      RecoveryPointArn: RDS_ARN,
      BackupVaultName: 'main',
      BackupVaultArn: 'arn:aws:backup:eu-west-1:111122223333:backup-vault:main',
      ResourceArn: RDS_DB,
      ResourceType: 'RDS',
      ResourceName: 'orders',
      Status: 'COMPLETED',
      CreationDate: created,
      CompletionDate: created,
      BackupSizeInBytes: 5 * 1024 ** 3,
      EncryptionKeyArn: KMS,
      IsEncrypted: true,
      IamRoleArn: 'arn:aws:iam::111122223333:role/service-role/AWSBackupDefaultServiceRole',
      StorageClass: 'WARM',
      Lifecycle: { DeleteAfterDays: 35 },
      CalculatedLifecycle: { DeleteAt: new Date(created.getTime() + 35 * DAY) },
    });
  });

  it('decodes an EBS snapshot ARN with a slash and an empty account', async () => {
    const out = await backup.send(
      new DescribeRecoveryPointCommand({ BackupVaultName: 'main', RecoveryPointArn: EBS_ARN }),
    );
    expect(out).toMatchObject({
      RecoveryPointArn: EBS_ARN,
      ResourceType: 'EBS',
      ResourceName: 'vol-0123456789abcdef0',
      IsEncrypted: false,
    });
  });
});

describe('error paths reach the SDK as its exception classes', () => {
  const cases: {
    name: string;
    setup?: () => void;
    send: () => Promise<unknown>;
    error: new (...args: never[]) => BackupServiceException;
    type: string;
  }[] = [
    {
      name: 'unknown vault (Describe)',
      send: () => backup.send(new DescribeRecoveryPointCommand({ BackupVaultName: 'nope', RecoveryPointArn: RDS_ARN })),
      error: ResourceNotFoundException,
      type: 'ResourceNotFoundException',
    },
    {
      name: 'unknown point (Describe)',
      send: () =>
        backup.send(new DescribeRecoveryPointCommand({ BackupVaultName: 'main', RecoveryPointArn: `${RDS_ARN}x` })),
      error: ResourceNotFoundException,
      type: 'ResourceNotFoundException',
    },
    {
      name: 'point in another vault (Describe)',
      send: () =>
        backup.send(new DescribeRecoveryPointCommand({ BackupVaultName: 'locked', RecoveryPointArn: RDS_ARN })),
      error: ResourceNotFoundException,
      type: 'ResourceNotFoundException',
    },
    {
      name: 'unknown vault (Delete)',
      send: () => backup.send(new DeleteRecoveryPointCommand({ BackupVaultName: 'nope', RecoveryPointArn: RDS_ARN })),
      error: ResourceNotFoundException,
      type: 'ResourceNotFoundException',
    },
    {
      name: 'unknown vault (DescribeBackupVault)',
      send: () => backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'nope' })),
      error: ResourceNotFoundException,
      type: 'ResourceNotFoundException',
    },
    {
      name: 'unknown resource (ListTags)',
      send: () =>
        backup.send(new ListTagsCommand({ ResourceArn: 'arn:aws:backup:eu-west-1:111122223333:recovery-point:x' })),
      error: ResourceNotFoundException,
      type: 'ResourceNotFoundException',
    },
    {
      name: 'unknown point (restore metadata)',
      send: () =>
        backup.send(new GetRecoveryPointRestoreMetadataCommand({ BackupVaultName: 'main', RecoveryPointArn: 'arn:x' })),
      error: ResourceNotFoundException,
      type: 'ResourceNotFoundException',
    },
    {
      name: 'delete of a point still CREATING',
      setup: () => standIn.addRecoveryPoint(point({ recoveryPointArn: `${RDS_ARN}-creating`, status: 'CREATING' })),
      send: () =>
        backup.send(
          new DeleteRecoveryPointCommand({ BackupVaultName: 'main', RecoveryPointArn: `${RDS_ARN}-creating` }),
        ),
      error: InvalidResourceStateException,
      type: 'InvalidResourceStateException',
    },
    {
      name: 'delete inside the Vault Lock minimum retention',
      setup: () => standIn.addRecoveryPoint(point({ vault: 'locked', recoveryPointArn: `${RDS_ARN}-young` })),
      send: () =>
        backup.send(
          new DeleteRecoveryPointCommand({ BackupVaultName: 'locked', RecoveryPointArn: `${RDS_ARN}-young` }),
        ),
      error: InvalidRequestException,
      type: VAULT_LOCK_REFUSAL_ERROR,
    },
    {
      name: 'injected ServiceUnavailableException',
      setup: () =>
        standIn.injectError('DescribeRecoveryPoint', {
          type: 'ServiceUnavailableException',
          status: 500,
          message: 'later',
        }),
      send: () => backup.send(new DescribeRecoveryPointCommand({ BackupVaultName: 'main', RecoveryPointArn: RDS_ARN })),
      error: ServiceUnavailableException,
      type: 'ServiceUnavailableException',
    },
  ];

  it.each(cases)('$name → $type', async ({ setup, send, error, type }) => {
    setup?.();
    const failure = await send().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(error);
    expect((failure as Error).name).toBe(type);
  });

  it('injected errors last `times` calls, then the operation answers again', async () => {
    standIn.injectError('ListTags', { type: 'ThrottlingException', status: 400 }, 2);
    for (let i = 0; i < 2; i++) {
      await expect(backup.send(new ListTagsCommand({ ResourceArn: RDS_ARN }))).rejects.toMatchObject({
        name: 'ThrottlingException',
      });
    }
    await expect(backup.send(new ListTagsCommand({ ResourceArn: RDS_ARN }))).resolves.toMatchObject({
      Tags: { team: 'payments', env: 'prod' },
    });
  });
});

describe('DeleteRecoveryPoint', () => {
  it('deletes, tells the listeners, and Describe then answers ResourceNotFoundException', async () => {
    const arn = 'arn:aws:rds:eu-west-1:111122223333:snapshot:awsbackup:job-to-delete';
    standIn.addRecoveryPoint(point({ recoveryPointArn: arn }));
    await backup.send(new DeleteRecoveryPointCommand({ BackupVaultName: 'main', RecoveryPointArn: arn }));
    expect(deleted).toContain(arn);
    expect(standIn.recoveryPoint(arn)).toEqual({ status: 'COMPLETED', deleted: true });
    await expect(
      backup.send(new DescribeRecoveryPointCommand({ BackupVaultName: 'main', RecoveryPointArn: arn })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(
      backup.send(new DeleteRecoveryPointCommand({ BackupVaultName: 'main', RecoveryPointArn: arn })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('deletes an EBS point whose ARN has a slash', async () => {
    const arn = 'arn:aws:ec2:eu-west-1::snapshot/snap-0fedcba9876543210';
    standIn.addRecoveryPoint(point({ recoveryPointArn: arn, resourceArn: EBS_VOL, resourceType: 'EBS' }));
    await backup.send(new DeleteRecoveryPointCommand({ BackupVaultName: 'main', RecoveryPointArn: arn }));
    expect(standIn.recoveryPoint(arn)?.deleted).toBe(true);
  });

  it('answers 200 without deleting when deletion is denied: the point turns EXPIRED', async () => {
    const arn = 'arn:aws:rds:eu-west-1:111122223333:snapshot:awsbackup:job-denied';
    standIn.addRecoveryPoint(point({ recoveryPointArn: arn }));
    standIn.denyDeletion(arn);
    const out = await backup.send(new DeleteRecoveryPointCommand({ BackupVaultName: 'main', RecoveryPointArn: arn }));
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(standIn.recoveryPoint(arn)).toEqual({ status: 'EXPIRED', deleted: false });
    expect(deleted).not.toContain(arn);
    const described = await backup.send(
      new DescribeRecoveryPointCommand({ BackupVaultName: 'main', RecoveryPointArn: arn }),
    );
    expect(described.Status).toBe('EXPIRED');
  });

  it('deletes from a locked vault once the point is older than MinRetentionDays', async () => {
    const arn = 'arn:aws:rds:eu-west-1:111122223333:snapshot:awsbackup:job-old-enough';
    standIn.addRecoveryPoint(
      point({ vault: 'locked', recoveryPointArn: arn, creationDate: new Date(clock - 6 * DAY) }),
    );
    await expect(
      backup.send(new DeleteRecoveryPointCommand({ BackupVaultName: 'locked', RecoveryPointArn: arn })),
    ).rejects.toMatchObject({ name: VAULT_LOCK_REFUSAL_ERROR });
    clock += 2 * DAY;
    try {
      await backup.send(new DeleteRecoveryPointCommand({ BackupVaultName: 'locked', RecoveryPointArn: arn }));
    } finally {
      clock -= 2 * DAY;
    }
    expect(standIn.recoveryPoint(arn)?.deleted).toBe(true);
  });
});

describe('DescribeBackupVault, ListTags, GetRecoveryPointRestoreMetadata', () => {
  it('describes a locked vault', async () => {
    const out = await backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'locked' }));
    expect(out).toMatchObject({
      BackupVaultName: 'locked',
      BackupVaultArn: 'arn:aws:backup:eu-west-1:111122223333:backup-vault:locked',
      Locked: true,
      MinRetentionDays: 7,
      MaxRetentionDays: 365,
      LockDate: T0,
    });
  });

  it('describes an unlocked vault with its count of recovery points', async () => {
    const out = await backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'main' }));
    expect(out.Locked).toBe(false);
    expect(out.MinRetentionDays).toBeUndefined();
    expect(out.NumberOfRecoveryPoints).toBeGreaterThanOrEqual(2);
  });

  it('lists the tags of a recovery point, paginated', async () => {
    const first = await backup.send(new ListTagsCommand({ ResourceArn: RDS_ARN, MaxResults: 1 }));
    expect(first.Tags).toEqual({ env: 'prod' });
    expect(first.NextToken).toBeDefined();
    const second = await backup.send(
      new ListTagsCommand({ ResourceArn: RDS_ARN, MaxResults: 1, NextToken: first.NextToken }),
    );
    expect(second.Tags).toEqual({ team: 'payments' });
    expect(second.NextToken).toBeUndefined();
  });

  it('answers plausible RDS restore metadata', async () => {
    const out = await backup.send(
      new GetRecoveryPointRestoreMetadataCommand({ BackupVaultName: 'main', RecoveryPointArn: RDS_ARN }),
    );
    expect(out).toMatchObject({
      BackupVaultArn: 'arn:aws:backup:eu-west-1:111122223333:backup-vault:main',
      RecoveryPointArn: RDS_ARN,
      ResourceType: 'RDS',
    });
    expect(out.RestoreMetadata).toMatchObject({
      DBInstanceIdentifier: 'orders',
      Engine: 'postgres',
      AvailabilityZone: 'eu-west-1a',
      KmsKeyId: KMS,
    });
  });
});

describe('DynamoDB restores: StartRestoreJob, DescribeRestoreJob', () => {
  const DDB_ARN = 'arn:aws:backup:eu-west-1:111122223333:recovery-point:aaaaaaaa-1111-4222-8333-444455556666';
  const items = [{ pk: { S: 'a' }, n: { N: '1' } }];
  const made: { tableName: string; items: readonly Record<string, unknown>[]; keys: string[] }[] = [];

  const waitJob = async (RestoreJobId: string | undefined) => {
    for (let i = 0; i < 200; i++) {
      const out = await backup.send(new DescribeRestoreJobCommand({ RestoreJobId }));
      if (out.Status !== 'RUNNING') return out;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('restore job still RUNNING');
  };

  beforeAll(() => {
    standIn.addRecoveryPoint(
      point({
        recoveryPointArn: DDB_ARN,
        resourceArn: 'arn:aws:dynamodb:eu-west-1:111122223333:table/carts',
        resourceType: 'DynamoDB',
        dynamoDbItems: items,
      }),
    );
  });

  it('answers DynamoDB restore metadata naming the source table', async () => {
    const out = await backup.send(
      new GetRecoveryPointRestoreMetadataCommand({ BackupVaultName: 'main', RecoveryPointArn: DDB_ARN }),
    );
    expect(out.ResourceType).toBe('DynamoDB');
    expect(out.RestoreMetadata).toMatchObject({ targetTableName: 'carts', encryptionType: 'Default' });
  });

  it('FAILS the job when no DynamoDB is attached, then restores through the listener', async () => {
    const orphan = await backup.send(
      new StartRestoreJobCommand({ RecoveryPointArn: DDB_ARN, Metadata: { targetTableName: 'carts-a' } }),
    );
    expect(await waitJob(orphan.RestoreJobId)).toMatchObject({ Status: 'FAILED' });

    standIn.onDynamoDbRestore(async (restore) => {
      made.push({
        tableName: restore.tableName,
        items: restore.items,
        keys: restore.keySchema.map((k) => k.attributeName),
      });
      return `arn:aws:dynamodb:eu-west-1:111122223333:table/${restore.tableName}`;
    });
    const input = {
      RecoveryPointArn: DDB_ARN,
      Metadata: { targetTableName: 'carts-b', encryptionType: 'Default' },
      IamRoleArn: 'arn:aws:iam::111122223333:role/restore',
      IdempotencyToken: 'tok-1',
    };
    const first = await backup.send(new StartRestoreJobCommand(input));
    const second = await backup.send(new StartRestoreJobCommand(input));
    expect(second.RestoreJobId).toBe(first.RestoreJobId);
    const job = await waitJob(first.RestoreJobId);
    expect(job).toMatchObject({
      Status: 'COMPLETED',
      CreatedResourceArn: 'arn:aws:dynamodb:eu-west-1:111122223333:table/carts-b',
      IamRoleArn: 'arn:aws:iam::111122223333:role/restore',
      ResourceType: 'DynamoDB',
      SourceResourceArn: 'arn:aws:dynamodb:eu-west-1:111122223333:table/carts',
      BackupVaultArn: 'arn:aws:backup:eu-west-1:111122223333:backup-vault:main',
      PercentDone: '100.00%',
    });
    expect(job.CompletionDate).toBeInstanceOf(Date);
    expect(made).toEqual([{ tableName: 'carts-b', items, keys: ['pk'] }]);
    expect(standIn.restoreJobs().map((j) => j.status)).toEqual(['FAILED', 'COMPLETED']);
  });

  it('FAILS the job with the listener error or the failRestore message', async () => {
    standIn.onDynamoDbRestore(async (restore) => {
      throw new Error(`Table already exists: ${restore.tableName}`);
    });
    const exists = await backup.send(
      new StartRestoreJobCommand({ RecoveryPointArn: DDB_ARN, Metadata: { targetTableName: 'carts' } }),
    );
    expect(await waitJob(exists.RestoreJobId)).toMatchObject({
      Status: 'FAILED',
      StatusMessage: 'Table already exists: carts',
    });
    standIn.failRestore(DDB_ARN, 'Insufficient permissions');
    const failed = await backup.send(
      new StartRestoreJobCommand({ RecoveryPointArn: DDB_ARN, Metadata: { targetTableName: 'carts-c' } }),
    );
    expect(await waitJob(failed.RestoreJobId)).toMatchObject({
      Status: 'FAILED',
      StatusMessage: 'Insufficient permissions',
    });
  });

  it('refuses unknown recovery points and jobs, and restores of other resource types', async () => {
    await expect(
      backup.send(
        new StartRestoreJobCommand({ RecoveryPointArn: `${DDB_ARN}x`, Metadata: { targetTableName: 'x1x' } }),
      ),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(
      backup.send(new StartRestoreJobCommand({ RecoveryPointArn: RDS_ARN, Metadata: { targetTableName: 'x1x' } })),
    ).rejects.toBeInstanceOf(InvalidRequestException);
    await expect(backup.send(new DescribeRestoreJobCommand({ RestoreJobId: 'nope' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });
});
