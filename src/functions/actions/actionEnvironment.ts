/**
 * What the action functions read from their environment (ACTIONS_ENV), once per container, and the AWS clients
 * they share. A variable a function needs but lacks fails its first call, naming the variable. Endpoints follow
 * the SDK's own `AWS_ENDPOINT_URL_<SERVICE>` variables, which is how the local runs point them at stand-ins.
 */
import { BackupClient } from '@aws-sdk/client-backup';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createEbsClient } from '../../aws/ebs/createEbsClient.js';
import { EbsSnapshotSource } from '../../aws/ebs/EbsSnapshotSource.js';
import { ActionLedger } from '../../aws/export/ActionLedger.js';
import { ActionResultPublisher } from '../../aws/export/ActionResultPublisher.js';
import { ArchiveObjects } from '../../aws/export/ArchiveObjects.js';
import { DynamoDbExports } from '../../aws/export/dynamodb/DynamoDbExports.js';
import { ExportKey } from '../../aws/export/ExportKey.js';
import { Ec2Snapshots } from '../../aws/export/ebs/Ec2Snapshots.js';
import { RecoveryPoints } from '../../aws/export/RecoveryPoints.js';
import { RdsExports } from '../../aws/export/rds/RdsExports.js';
import { ACTIONS_ENV } from '../../core/deployment/contract.js';
import { MissingEnvironmentError } from '../FunctionError.js';
import type { ExportTaskDependencies } from './exportTasks.js';

type Environment = Readonly<Record<string, string | undefined>>;

const requestHandler = { connectionTimeout: 3_000, requestTimeout: 20_000 };

function required(env: Environment, name: string): string {
  const value = env[name];
  if (!value) throw new MissingEnvironmentError(name);
  return value;
}

/**
 * The Tasks' dependencies from the environment. Every getter is lazy, so a function that never reads the
 * export role (say) does not need its variable.
 */
export function dependenciesFromEnvironment(env: Environment = process.env): ExportTaskDependencies {
  const cache = new Map<string, unknown>();
  const once = <T>(key: string, make: () => T): T => {
    if (!cache.has(key)) cache.set(key, make());
    return cache.get(key) as T;
  };
  const clientOptions = { maxAttempts: 3, requestHandler };
  return {
    get rds() {
      return once('rds', () => new RdsExports(new RDSClient(clientOptions)));
    },
    get recoveryPoints() {
      return once('backup', () => new RecoveryPoints(new BackupClient(clientOptions)));
    },
    get dynamodb() {
      return once(
        'dynamodb',
        () => new DynamoDbExports(new BackupClient(clientOptions), new DynamoDBClient(clientOptions)),
      );
    },
    get archive() {
      return once(
        'archive',
        () =>
          new ArchiveObjects(
            new S3Client({ ...clientOptions, forcePathStyle: Boolean(env.AWS_ENDPOINT_URL_S3) }),
            required(env, ACTIONS_ENV.archiveBucket),
          ),
      );
    },
    get ledger() {
      return once(
        'ledger',
        () =>
          new ActionLedger(
            DynamoDBDocumentClient.from(new DynamoDBClient(clientOptions), {
              marshallOptions: { removeUndefinedValues: true },
            }),
            required(env, ACTIONS_ENV.actionsTable),
          ),
      );
    },
    get results() {
      return once(
        'results',
        () => new ActionResultPublisher(new EventBridgeClient(clientOptions), required(env, ACTIONS_ENV.resultBusArn)),
      );
    },
    get exportRoleArn() {
      return required(env, ACTIONS_ENV.exportRoleArn);
    },
    ...(env[ACTIONS_ENV.archiveBucketOwner] ? { archiveBucketOwner: env[ACTIONS_ENV.archiveBucketOwner] } : {}),
    get ec2() {
      return once('ec2', () => new Ec2Snapshots(new EC2Client(clientOptions)));
    },
    get blockSources() {
      return once('ebs', () => {
        const client = createEbsClient({});
        return (snapshotId: string) => new EbsSnapshotSource({ client, snapshotId });
      });
    },
    get restoreRoleArn() {
      return required(env, ACTIONS_ENV.restoreRoleArn);
    },
    get exportKmsKeyArn() {
      return required(env, ACTIONS_ENV.exportKmsKeyArn);
    },
    resolveExportKey() {
      return once(
        'exportKey',
        () => new ExportKey(new KMSClient(clientOptions), required(env, ACTIONS_ENV.exportKmsKeyArn)),
      ).keyArn();
    },
    ...(env[ACTIONS_ENV.metricNamespace] ? { metricNamespace: env[ACTIONS_ENV.metricNamespace] } : {}),
  };
}
