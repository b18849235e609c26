/**
 * The AWS calls of the native-dump path: a temporary DB instance restored from the recovery point (RDS), its
 * generated master password (Secrets Manager), the dump job (AWS Batch), and their deletion. Every failure leaves as
 * a named ActionError (transient ones retried by the workflow).
 */
import { type BatchClient, DescribeJobsCommand, SubmitJobCommand, TerminateJobCommand } from '@aws-sdk/client-batch';
import {
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
  ModifyDBInstanceCommand,
  type RDSClient,
  RestoreDBInstanceFromDBSnapshotCommand,
} from '@aws-sdk/client-rds';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { ACTION_ERRORS, ActionError } from '../../../core/actions/exportWorkflow.js';
import { actionErrorOf, errorName } from '../awsErrors.js';

/** A DB instance as the dump path sees it. */
export interface DumpInstanceInfo {
  readonly instanceId: string;
  /** creating | available | modifying | resetting-master-credentials | deleting | failed | … */
  readonly status: string;
  readonly endpoint?: { readonly address: string; readonly port: number };
  readonly masterUser?: string;
  readonly database?: string;
  readonly engine?: string;
  readonly passwordPending: boolean;
}

/** A Batch job as the dump path sees it. */
export interface DumpJobInfo {
  readonly jobId: string;
  /** SUBMITTED | PENDING | RUNNABLE | STARTING | RUNNING | SUCCEEDED | FAILED */
  readonly status: string;
  readonly reason?: string;
  readonly exitCode?: number;
}

export interface RestoreInstanceInput {
  readonly instanceId: string;
  readonly snapshotArn: string;
  readonly instanceClass: string;
  readonly subnetGroup?: string;
  readonly securityGroupIds?: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
}

const GONE = new Set(['DBInstanceNotFound', 'DBInstanceNotFoundFault', 'ResourceNotFoundException']);

export class DumpResources {
  constructor(
    private readonly rds: RDSClient,
    private readonly secrets: SecretsManagerClient,
    private readonly batch: BatchClient,
  ) {}

  /** A generated master password in a new secret (idempotent by `token`); returns the secret's ARN. */
  async createPasswordSecret(name: string, token: string, tags: Readonly<Record<string, string>>): Promise<string> {
    const doing = `creating the secret ${name}`;
    try {
      const existing = await this.secrets.send(new DescribeSecretCommand({ SecretId: name })).catch((error) => {
        if (errorName(error) === 'ResourceNotFoundException') return undefined;
        throw error;
      });
      if (existing?.ARN && !existing.DeletedDate) return existing.ARN;
      // RDS refuses `/`, `"`, `@` and spaces in a master password.
      const password = await this.secrets.send(
        new GetRandomPasswordCommand({ PasswordLength: 32, ExcludeCharacters: '/"@\\\' ', ExcludePunctuation: false }),
      );
      const out = await this.secrets.send(
        new CreateSecretCommand({
          Name: name,
          ClientRequestToken: token,
          SecretString: password.RandomPassword ?? '',
          Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      );
      return out.ARN ?? name;
    } catch (error) {
      throw actionErrorOf(error, doing, ACTION_ERRORS.exportRefused);
    }
  }

  async secretValue(secretArn: string): Promise<string> {
    try {
      return (await this.secrets.send(new GetSecretValueCommand({ SecretId: secretArn }))).SecretString ?? '';
    } catch (error) {
      throw actionErrorOf(error, `reading the secret ${secretArn}`, ACTION_ERRORS.exportRefused);
    }
  }

  /** Deletes the secret at once; false when it is already gone. */
  async deleteSecret(secretArn: string): Promise<boolean> {
    try {
      await this.secrets.send(new DeleteSecretCommand({ SecretId: secretArn, ForceDeleteWithoutRecovery: true }));
      return true;
    } catch (error) {
      if (errorName(error) === 'ResourceNotFoundException') return false;
      throw actionErrorOf(error, `deleting the secret ${secretArn}`, ACTION_ERRORS.transient);
    }
  }

  /** Restores the snapshot to a new instance; an instance of that id already there (a retried Task) is kept. */
  async restoreInstance(input: RestoreInstanceInput): Promise<DumpInstanceInfo> {
    try {
      await this.rds.send(
        new RestoreDBInstanceFromDBSnapshotCommand({
          DBInstanceIdentifier: input.instanceId,
          DBSnapshotIdentifier: input.snapshotArn,
          DBInstanceClass: input.instanceClass,
          ...(input.subnetGroup ? { DBSubnetGroupName: input.subnetGroup } : {}),
          ...(input.securityGroupIds?.length ? { VpcSecurityGroupIds: [...input.securityGroupIds] } : {}),
          PubliclyAccessible: false,
          MultiAZ: false,
          DeletionProtection: false,
          Tags: Object.entries(input.tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      );
    } catch (error) {
      if (errorName(error) !== 'DBInstanceAlreadyExistsFault' && errorName(error) !== 'DBInstanceAlreadyExists') {
        throw actionErrorOf(
          error,
          `restoring ${input.snapshotArn} to ${input.instanceId}`,
          ACTION_ERRORS.exportRefused,
        );
      }
    }
    const info = await this.describeInstance(input.instanceId);
    if (!info) throw new ActionError(ACTION_ERRORS.transient, `instance ${input.instanceId} is not described yet`);
    return info;
  }

  /** The instance, or undefined when it is gone. */
  async describeInstance(instanceId: string): Promise<DumpInstanceInfo | undefined> {
    try {
      const out = await this.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: instanceId }));
      const i = out.DBInstances?.[0];
      if (!i) return undefined;
      return {
        instanceId,
        status: i.DBInstanceStatus ?? 'unknown',
        ...(i.Endpoint?.Address && i.Endpoint.Port
          ? { endpoint: { address: i.Endpoint.Address, port: i.Endpoint.Port } }
          : {}),
        ...(i.MasterUsername ? { masterUser: i.MasterUsername } : {}),
        ...(i.DBName ? { database: i.DBName } : {}),
        ...(i.Engine ? { engine: i.Engine } : {}),
        passwordPending: Boolean(i.PendingModifiedValues?.MasterUserPassword),
      };
    } catch (error) {
      if (GONE.has(errorName(error))) return undefined;
      throw actionErrorOf(error, `describing instance ${instanceId}`, ACTION_ERRORS.transient);
    }
  }

  /** Sets the master password (applied at once). */
  async setMasterPassword(instanceId: string, password: string): Promise<void> {
    try {
      await this.rds.send(
        new ModifyDBInstanceCommand({
          DBInstanceIdentifier: instanceId,
          MasterUserPassword: password,
          ApplyImmediately: true,
        }),
      );
    } catch (error) {
      throw actionErrorOf(error, `setting the master password of ${instanceId}`, ACTION_ERRORS.exportRefused);
    }
  }

  /** Deletes the instance without a final snapshot; false when it is already gone or going. */
  async deleteInstance(instanceId: string): Promise<boolean> {
    try {
      await this.rds.send(
        new DeleteDBInstanceCommand({
          DBInstanceIdentifier: instanceId,
          SkipFinalSnapshot: true,
          DeleteAutomatedBackups: true,
        }),
      );
      return true;
    } catch (error) {
      if (GONE.has(errorName(error))) return false;
      // Already deleting: nothing more to ask.
      if (errorName(error) === 'InvalidDBInstanceState' || errorName(error) === 'InvalidDBInstanceStateFault') {
        const info = await this.describeInstance(instanceId);
        if (!info || info.status === 'deleting') return false;
        throw new ActionError(
          ACTION_ERRORS.cleanupPending,
          `instance ${instanceId} is ${info.status}: cannot delete yet`,
        );
      }
      throw actionErrorOf(error, `deleting instance ${instanceId}`, ACTION_ERRORS.transient);
    }
  }

  async submitJob(input: {
    readonly jobName: string;
    readonly jobQueue: string;
    readonly jobDefinition: string;
    readonly environment: Readonly<Record<string, string>>;
    readonly tags: Readonly<Record<string, string>>;
  }): Promise<DumpJobInfo> {
    try {
      const out = await this.batch.send(
        new SubmitJobCommand({
          jobName: input.jobName,
          jobQueue: input.jobQueue,
          jobDefinition: input.jobDefinition,
          containerOverrides: {
            environment: Object.entries(input.environment).map(([name, value]) => ({ name, value })),
          },
          tags: { ...input.tags },
          propagateTags: true,
        }),
      );
      return { jobId: out.jobId ?? '', status: 'SUBMITTED' };
    } catch (error) {
      throw actionErrorOf(error, `submitting the dump job ${input.jobName}`, ACTION_ERRORS.exportRefused);
    }
  }

  async describeJob(jobId: string): Promise<DumpJobInfo | undefined> {
    try {
      const job = (await this.batch.send(new DescribeJobsCommand({ jobs: [jobId] }))).jobs?.[0];
      if (!job) return undefined;
      return {
        jobId,
        status: job.status ?? 'UNKNOWN',
        ...(job.statusReason ? { reason: job.statusReason } : {}),
        ...(job.container?.exitCode !== undefined ? { exitCode: job.container.exitCode } : {}),
      };
    } catch (error) {
      throw actionErrorOf(error, `describing the dump job ${jobId}`, ACTION_ERRORS.transient);
    }
  }

  async terminateJob(jobId: string, reason: string): Promise<void> {
    try {
      await this.batch.send(new TerminateJobCommand({ jobId, reason }));
    } catch (error) {
      throw actionErrorOf(error, `terminating the dump job ${jobId}`, ACTION_ERRORS.transient);
    }
  }
}
