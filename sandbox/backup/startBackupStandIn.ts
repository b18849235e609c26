/**
 * A local stand-in for a small part of AWS Backup (service `backup`, REST-JSON), plain node:http. It answers the
 * paths, status codes and error shapes `@aws-sdk/client-backup` uses, so the real SDK (pointed at `endpoint`, any
 * region and credentials) works against it unchanged — including its exception classes (`error.name`).
 * Signatures are not checked.
 *
 * What it answers: DescribeRecoveryPoint, DeleteRecoveryPoint, GetRecoveryPointRestoreMetadata, DescribeBackupVault
 * and ListTags, over vaults and recovery points registered in code (`addVault`, `addRecoveryPoint`), and
 * StartRestoreJob / DescribeRestoreJob for DynamoDB recovery points: the restore creates the table (Metadata
 * `targetTableName`) with the point's `dynamoDbItems` through the `onDynamoDbRestore` listener (e.g. the DynamoDB
 * stand-in's `restoreTable`), RUNNING, then COMPLETED with CreatedResourceArn after `restoreMs`; a table that already
 * exists, a listener error or `failRestore(arn, message)` → a FAILED job with that StatusMessage (AWS too accepts the
 * job and fails it). IdempotencyToken: the same token → the same job. Restores of other resource types answer
 * InvalidRequestException (not modelled). Every other operation answers `UnknownOperationException` (404). It does
 * not run backup jobs, plans, copies, legal holds or lifecycles (a recovery point never expires by itself), and does
 * not check IAM.
 *
 * Errors, as AWS answers them (all 400 — the service model gives Backup's client errors no other code):
 * - unknown vault, unknown or deleted recovery point, recovery point in another vault, unknown ARN for ListTags →
 *   `ResourceNotFoundException`;
 * - DeleteRecoveryPoint of a point whose status is not COMPLETED, EXPIRED or PARTIAL (e.g. CREATING, DELETING) →
 *   `InvalidResourceStateException` (the documented "AWS Backup is already performing an action on this recovery
 *   point");
 * - DeleteRecoveryPoint in a vault with Vault Lock of a point younger than the lock's MinRetentionDays →
 *   {@link VAULT_LOCK_REFUSAL_ERROR} (`InvalidRequestException`). ASSUMPTION: the API reference lists
 *   InvalidRequestException, InvalidResourceStateException, InvalidParameterValueException,
 *   MissingParameterValueException, ResourceNotFoundException and ServiceUnavailableException for
 *   DeleteRecoveryPoint but does not say which one Vault Lock causes; InvalidRequestException is what Backup answers
 *   for the other Vault Lock refusal it documents (DeleteBackupVaultLockConfiguration on an immutable lock).
 * - `denyDeletion(arn)`: DeleteRecoveryPoint answers 200 but does not delete; the point turns EXPIRED, as AWS does
 *   when the caller's role lacks permissions on the resource.
 * - `injectError(operation, …)`: the next call(s) of that operation answer the given error.
 *
 * Timestamps are epoch seconds, as REST-JSON sends them. See docs/sandbox.md.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listenLocally } from '../http/listenLocally.js';
import {
  BackupStandInError,
  backupErrorAnswer,
  ErrorQueue,
  type InjectedError,
  invalidParameterValue,
  invalidRequest,
  invalidResourceState,
  resourceNotFound,
} from './backupStandInErrors.js';
import { restoreMetadataFor } from './restoreMetadata.js';

export type { InjectedError } from './backupStandInErrors.js';

/**
 * The exception DeleteRecoveryPoint answers for a recovery point still inside a Vault Lock's minimum retention.
 * An assumption (see the comment at the top of this file): AWS does not document which error it is.
 */
export const VAULT_LOCK_REFUSAL_ERROR = 'InvalidRequestException';

/** Recovery point statuses DeleteRecoveryPoint accepts. */
const DELETABLE_STATUSES: ReadonlySet<string> = new Set(['COMPLETED', 'EXPIRED', 'PARTIAL']);

const DAY_MS = 86_400_000;

/** How to start the stand-in. */
export interface BackupStandInOptions {
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default 0 (the OS chooses) */
  readonly port?: number;
  /** @default '111122223333' */
  readonly accountId?: string;
  /** @default 'eu-west-1' */
  readonly region?: string;
  /** Clock for vault lock retention and default creation dates. @default () => new Date() */
  readonly now?: () => Date;
  /** How long a restore job stays RUNNING (at least as long as the table takes to load). @default 100 ms */
  readonly restoreMs?: number;
}

/** A DynamoDB restore for the `onDynamoDbRestore` listener to carry out. */
export interface DynamoDbRestoreRequest {
  readonly restoreJobId: string;
  readonly recoveryPointArn: string;
  readonly tableName: string;
  readonly keySchema: readonly DynamoDbKeyAttribute[];
  readonly items: readonly Record<string, unknown>[];
  /** The whole Metadata map StartRestoreJob received. */
  readonly metadata: Record<string, string>;
}

/** One key attribute of a DynamoDB table. */
export interface DynamoDbKeyAttribute {
  readonly attributeName: string;
  readonly keyType: 'HASH' | 'RANGE';
  readonly attributeType: 'S' | 'N' | 'B';
}

/** A recovery point to register. */
export interface RecoveryPointSpec {
  /** The vault it is in; registered (without lock) if not yet known. */
  readonly vault: string;
  /** e.g. `arn:aws:rds:eu-west-1:111122223333:snapshot:awsbackup:job-…` or `arn:aws:ec2:eu-west-1::snapshot/snap-…` */
  readonly recoveryPointArn: string;
  readonly resourceArn: string;
  /** 'RDS' | 'Aurora' | 'EBS' | 'DynamoDB' … */
  readonly resourceType: string;
  /** @default the last segment of resourceArn */
  readonly resourceName?: string;
  /** @default 'COMPLETED' */
  readonly status?: string;
  /** @default now() */
  readonly creationDate?: Date;
  /** @default 0 */
  readonly backupSizeInBytes?: number;
  readonly encryptionKeyArn?: string;
  /** @default whether encryptionKeyArn is given */
  readonly isEncrypted?: boolean;
  /** @default arn:aws:iam::<account>:role/service-role/AWSBackupDefaultServiceRole */
  readonly iamRoleArn?: string;
  /** What ListTags answers for the recovery point ARN. */
  readonly tags?: Record<string, string>;
  readonly compositeMemberIdentifier?: string;
  /** The lifecycle the point was created with; gives Lifecycle and CalculatedLifecycle. */
  readonly lifecycle?: { readonly deleteAfterDays?: number; readonly moveToColdStorageAfterDays?: number };
  /** Overrides the made-up GetRecoveryPointRestoreMetadata map. */
  readonly restoreMetadata?: Record<string, string>;
  /** DynamoDB: the items the backup holds, in DynamoDB JSON (`{ pk: { S: 'a' }, n: { N: '1' } }`). @default [] */
  readonly dynamoDbItems?: readonly Record<string, unknown>[];
  /** DynamoDB: the table's key. @default [{ attributeName: 'pk', keyType: 'HASH', attributeType: 'S' }] */
  readonly keySchema?: readonly DynamoDbKeyAttribute[];
  /** How long restores of this point run. @default the stand-in's restoreMs */
  readonly restoreMs?: number;
}

/** A restore job as tests see it. */
export interface RestoreJobInfo {
  readonly restoreJobId: string;
  readonly recoveryPointArn: string;
  readonly status: 'RUNNING' | 'COMPLETED' | 'FAILED';
  readonly statusMessage?: string;
  readonly createdResourceArn?: string;
}

/** A running stand-in. */
export interface BackupStandIn {
  /** `http://host:port`, for the SDK's `endpoint`. */
  readonly endpoint: string;
  /** Registers a vault; with `lock`, a Vault Lock already in effect (LockDate = now). */
  addVault(name: string, options?: { lock?: { minRetentionDays: number; maxRetentionDays?: number } }): void;
  addRecoveryPoint(spec: RecoveryPointSpec): void;
  /** Makes DeleteRecoveryPoint answer 200 without deleting (AWS's behaviour when the caller lacks permissions on the resource): the recovery point turns EXPIRED instead. */
  denyDeletion(recoveryPointArn: string): void;
  /** A recovery point's current status and whether it was deleted; undefined if never registered. */
  recoveryPoint(arn: string): { status: string; deleted: boolean } | undefined;
  /** Called after each recovery point DeleteRecoveryPoint really deletes (e.g. to remove the RDS snapshot too). */
  onDelete(listener: (recoveryPointArn: string) => void): void;
  /**
   * Carries out DynamoDB restores: creates `tableName` with `items` and returns the new table's ARN (or throws:
   * the job FAILS with the error's message). One listener; a later call replaces it.
   */
  onDynamoDbRestore(listener: (restore: DynamoDbRestoreRequest) => Promise<string>): void;
  /** Restore jobs of this recovery point started from now on end FAILED with this StatusMessage. */
  failRestore(recoveryPointArn: string, message: string): void;
  /** Every restore job so far, in order. */
  restoreJobs(): readonly RestoreJobInfo[];
  /** The next `times` (default 1) calls of `operation` (e.g. 'DeleteRecoveryPoint') answer this error. */
  injectError(operation: string, error: InjectedError, times?: number): void;
  /** Stops the server and drops open connections. */
  close(): Promise<void>;
}

interface Vault {
  readonly name: string;
  readonly arn: string;
  readonly creationDate: Date;
  readonly encryptionKeyArn: string;
  readonly lock:
    | { readonly minRetentionDays: number; readonly maxRetentionDays?: number; readonly lockDate: Date }
    | undefined;
}

interface RecoveryPoint {
  readonly spec: RecoveryPointSpec;
  readonly creationDate: Date;
  status: string;
  deleted: boolean;
  denied: boolean;
}

interface RestoreJob {
  readonly id: string;
  readonly recoveryPointArn: string;
  readonly point: RecoveryPoint;
  readonly vault: Vault;
  readonly iamRoleArn: string;
  readonly idempotencyToken: string | undefined;
  readonly creationDate: Date;
  status: 'RUNNING' | 'COMPLETED' | 'FAILED';
  statusMessage?: string;
  completionDate?: Date;
  createdResourceArn?: string;
}

type Route =
  | { operation: 'StartRestoreJob' }
  | { operation: 'ListRestoreJobs' }
  | { operation: 'DescribeRestoreJob'; restoreJobId: string }
  | {
      operation: 'DescribeRecoveryPoint' | 'DeleteRecoveryPoint' | 'GetRecoveryPointRestoreMetadata';
      vault: string;
      arn: string;
    }
  | { operation: 'DescribeBackupVault'; vault: string }
  | { operation: 'ListTags'; resourceArn: string };

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Starts the AWS Backup stand-in on 127.0.0.1 (a port the OS chooses unless given). */
export async function startBackupStandIn(options: BackupStandInOptions = {}): Promise<BackupStandIn> {
  const accountId = options.accountId ?? '111122223333';
  const region = options.region ?? 'eu-west-1';
  const now = options.now ?? (() => new Date());
  const vaults = new Map<string, Vault>();
  const points = new Map<string, RecoveryPoint>();
  const listeners: ((arn: string) => void)[] = [];
  const injected = new ErrorQueue();
  const restores: RestoreState = {
    jobs: new Map(),
    failing: new Map(),
    listener: undefined,
    restoreMs: options.restoreMs ?? 100,
    running: new Set(),
  };

  const addVault: BackupStandIn['addVault'] = (name, vaultOptions = {}) => {
    if (!/^[a-zA-Z0-9\-_]{2,50}$/.test(name)) throw new Error(`Invalid backup vault name: ${name}`);
    if (vaults.has(name)) throw new Error(`Backup vault ${name} is already registered.`);
    const lock = vaultOptions.lock;
    if (lock && lock.maxRetentionDays !== undefined && lock.maxRetentionDays < lock.minRetentionDays) {
      throw new Error('maxRetentionDays must not be below minRetentionDays.');
    }
    const created = now();
    vaults.set(name, {
      name,
      arn: `arn:aws:backup:${region}:${accountId}:backup-vault:${name}`,
      creationDate: created,
      encryptionKeyArn: `arn:aws:kms:${region}:${accountId}:key/00000000-0000-4000-8000-${'0'.repeat(12)}`,
      lock: lock ? { ...lock, lockDate: created } : undefined,
    });
  };

  const handler = new BackupHandler({ accountId, region, now, vaults, points, listeners, restores });
  const server: Server = createServer((req, res) => {
    void handle(req, res, handler, injected);
  });
  const endpoint = await listenLocally(server, options);

  return {
    endpoint,
    addVault,
    addRecoveryPoint: (spec) => {
      if (points.has(spec.recoveryPointArn))
        throw new Error(`Recovery point ${spec.recoveryPointArn} is already registered.`);
      if (!vaults.has(spec.vault)) addVault(spec.vault);
      points.set(spec.recoveryPointArn, {
        spec: { ...spec, ...(spec.tags ? { tags: { ...spec.tags } } : {}) },
        creationDate: spec.creationDate ?? now(),
        status: spec.status ?? 'COMPLETED',
        deleted: false,
        denied: false,
      });
    },
    denyDeletion: (arn) => {
      const point = points.get(arn);
      if (!point) throw new Error(`Unknown recovery point ${arn}`);
      point.denied = true;
    },
    recoveryPoint: (arn) => {
      const point = points.get(arn);
      return point ? { status: point.status, deleted: point.deleted } : undefined;
    },
    onDelete: (listener) => {
      listeners.push(listener);
    },
    onDynamoDbRestore: (listener) => {
      restores.listener = listener;
    },
    failRestore: (arn, message) => {
      restores.failing.set(arn, message);
    },
    restoreJobs: () =>
      [...restores.jobs.values()].map((job) => ({
        restoreJobId: job.id,
        recoveryPointArn: job.recoveryPointArn,
        status: job.status,
        ...(job.statusMessage === undefined ? {} : { statusMessage: job.statusMessage }),
        ...(job.createdResourceArn === undefined ? {} : { createdResourceArn: job.createdResourceArn }),
      })),
    injectError: (operation, error, times) => injected.add(operation, error, times),
    close: async () => {
      while (restores.running.size > 0) await Promise.allSettled([...restores.running]);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, handler: BackupHandler, injected: ErrorQueue) {
  let answer: Answer;
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const route = matchRoute(req.method ?? 'GET', url.pathname);
    if (!route) {
      throw new BackupStandInError(404, 'UnknownOperationException', `No operation at ${req.method} ${url.pathname}.`);
    }
    const fault = injected.take(route.operation);
    if (fault) {
      throw new BackupStandInError(fault.status, fault.type, fault.message ?? `Injected ${fault.type}.`);
    }
    answer = handler.run(route, url.searchParams, body);
  } catch (error) {
    answer = backupErrorAnswer(error);
  }
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(answer.status, { ...answer.headers, 'x-amzn-RequestId': randomUUID() });
  res.end(answer.body);
}

/**
 * Splits the path into segments and decodes each one. The SDK percent-encodes labels (`:` → %3A, `/` → %2F), so
 * a recovery point ARN with slashes (EBS `arn:aws:ec2:…::snapshot/snap-…`) stays one segment until decoded.
 */
function matchRoute(method: string, path: string): Route | undefined {
  let parts: string[];
  try {
    parts = path
      .split('/')
      .filter((p) => p.length > 0)
      .map(decodeURIComponent);
  } catch {
    return undefined;
  }
  const [first, vaultOrArn, third, arn, fifth] = parts;
  if (first === 'restore-jobs' && parts.length === 1 && method === 'PUT') return { operation: 'StartRestoreJob' };
  if (first === 'restore-jobs' && parts.length === 1 && method === 'GET') return { operation: 'ListRestoreJobs' };
  if (first === 'restore-jobs' && parts.length === 2 && method === 'GET') {
    return { operation: 'DescribeRestoreJob', restoreJobId: vaultOrArn! };
  }
  if (first === 'tags' && parts.length === 2 && method === 'GET')
    return { operation: 'ListTags', resourceArn: vaultOrArn! };
  if (first !== 'backup-vaults' || vaultOrArn === undefined) return undefined;
  if (parts.length === 2 && method === 'GET') return { operation: 'DescribeBackupVault', vault: vaultOrArn };
  if (third !== 'recovery-points' || arn === undefined) return undefined;
  if (parts.length === 4 && method === 'GET') return { operation: 'DescribeRecoveryPoint', vault: vaultOrArn, arn };
  if (parts.length === 4 && method === 'DELETE') return { operation: 'DeleteRecoveryPoint', vault: vaultOrArn, arn };
  if (parts.length === 5 && fifth === 'restore-metadata' && method === 'GET') {
    return { operation: 'GetRecoveryPointRestoreMetadata', vault: vaultOrArn, arn };
  }
  return undefined;
}

interface State {
  readonly accountId: string;
  readonly region: string;
  readonly now: () => Date;
  readonly vaults: Map<string, Vault>;
  readonly points: Map<string, RecoveryPoint>;
  readonly listeners: ((arn: string) => void)[];
  readonly restores: RestoreState;
}

interface RestoreState {
  readonly jobs: Map<string, RestoreJob>;
  /** Recovery point ARN → the StatusMessage its restores fail with. */
  readonly failing: Map<string, string>;
  listener: ((restore: DynamoDbRestoreRequest) => Promise<string>) | undefined;
  readonly restoreMs: number;
  readonly running: Set<Promise<void>>;
}

const seconds = (date: Date) => date.getTime() / 1000;

class BackupHandler {
  constructor(private readonly state: State) {}

  run(route: Route, query: URLSearchParams, body: string): Answer {
    switch (route.operation) {
      case 'StartRestoreJob':
        return this.startRestoreJob(body);
      case 'DescribeRestoreJob':
        return this.describeRestoreJob(route.restoreJobId);
      case 'ListRestoreJobs':
        return this.listRestoreJobs(query);
      case 'DescribeBackupVault':
        return this.describeVault(route.vault);
      case 'ListTags':
        return this.listTags(route.resourceArn, query);
      case 'DescribeRecoveryPoint':
        return this.describeRecoveryPoint(route.vault, route.arn);
      case 'DeleteRecoveryPoint':
        return this.deleteRecoveryPoint(route.vault, route.arn);
      case 'GetRecoveryPointRestoreMetadata':
        return this.restoreMetadata(route.vault, route.arn);
    }
  }

  private vault(name: string): Vault {
    const vault = this.state.vaults.get(name);
    if (!vault) throw resourceNotFound(`Backup vault ${name} does not exist.`, name);
    return vault;
  }

  private point(vault: Vault, arn: string): RecoveryPoint {
    const point = this.state.points.get(arn);
    if (!point || point.deleted || point.spec.vault !== vault.name) {
      throw resourceNotFound(`Recovery point ${arn} does not exist in backup vault ${vault.name}.`, arn);
    }
    return point;
  }

  private describeVault(name: string): Answer {
    const vault = this.vault(name);
    let count = 0;
    for (const point of this.state.points.values()) if (point.spec.vault === name && !point.deleted) count += 1;
    return json({
      BackupVaultName: vault.name,
      BackupVaultArn: vault.arn,
      VaultType: 'BACKUP_VAULT',
      VaultState: 'AVAILABLE',
      EncryptionKeyArn: vault.encryptionKeyArn,
      EncryptionKeyType: 'CUSTOMER_MANAGED_KMS_KEY',
      CreationDate: seconds(vault.creationDate),
      NumberOfRecoveryPoints: count,
      Locked: vault.lock !== undefined,
      ...(vault.lock
        ? {
            MinRetentionDays: vault.lock.minRetentionDays,
            ...(vault.lock.maxRetentionDays === undefined ? {} : { MaxRetentionDays: vault.lock.maxRetentionDays }),
            LockDate: seconds(vault.lock.lockDate),
          }
        : {}),
    });
  }

  private listTags(resourceArn: string, query: URLSearchParams): Answer {
    let tags: Record<string, string> | undefined;
    const point = this.state.points.get(resourceArn);
    if (point && !point.deleted) tags = point.spec.tags ?? {};
    for (const vault of this.state.vaults.values()) if (vault.arn === resourceArn) tags = {};
    if (!tags) throw resourceNotFound(`Resource ${resourceArn} does not exist.`, resourceArn);
    const entries = Object.entries(tags).sort(([a], [b]) => a.localeCompare(b));
    const maxRaw = query.get('maxResults');
    const max = maxRaw === null ? 1000 : Number(maxRaw);
    if (!Number.isInteger(max) || max < 1 || max > 1000)
      throw invalidParameterValue('MaxResults must be from 1 to 1000.');
    const tokenRaw = query.get('nextToken');
    const start = tokenRaw === null ? 0 : Number(tokenRaw);
    if (!Number.isInteger(start) || start < 0 || start > entries.length)
      throw invalidParameterValue('Invalid NextToken.');
    const page = entries.slice(start, start + max);
    const next = start + page.length;
    return json({ Tags: Object.fromEntries(page), ...(next < entries.length ? { NextToken: String(next) } : {}) });
  }

  private describeRecoveryPoint(vaultName: string, arn: string): Answer {
    const vault = this.vault(vaultName);
    const point = this.point(vault, arn);
    const spec = point.spec;
    const encrypted = spec.isEncrypted ?? spec.encryptionKeyArn !== undefined;
    const created = point.creationDate;
    const lifecycle = spec.lifecycle;
    const at = (days: number | undefined) => (days === undefined ? undefined : seconds(created) + days * 86_400);
    const deleteAt = at(lifecycle?.deleteAfterDays);
    const coldAt = at(lifecycle?.moveToColdStorageAfterDays);
    const finished = point.status === 'COMPLETED' || point.status === 'PARTIAL' || point.status === 'EXPIRED';
    return json({
      RecoveryPointArn: arn,
      BackupVaultName: vault.name,
      BackupVaultArn: vault.arn,
      ResourceArn: spec.resourceArn,
      ResourceType: spec.resourceType,
      ResourceName: resourceNameOf(spec),
      Status: point.status,
      ...(point.status === 'EXPIRED' && point.denied
        ? { StatusMessage: 'The recovery point could not be deleted: insufficient permissions on the resource.' }
        : {}),
      CreatedBy: { BackupPlanId: 'stand-in', BackupRuleId: 'stand-in' },
      IamRoleArn:
        spec.iamRoleArn ?? `arn:aws:iam::${this.state.accountId}:role/service-role/AWSBackupDefaultServiceRole`,
      CreationDate: seconds(created),
      InitiationDate: seconds(created),
      ...(finished ? { CompletionDate: seconds(created) } : {}),
      BackupSizeInBytes: spec.backupSizeInBytes ?? 0,
      ...(spec.encryptionKeyArn === undefined ? {} : { EncryptionKeyArn: spec.encryptionKeyArn }),
      IsEncrypted: encrypted,
      EncryptionKeyType: spec.encryptionKeyArn === undefined ? 'AWS_OWNED_KMS_KEY' : 'CUSTOMER_MANAGED_KMS_KEY',
      StorageClass: coldAt !== undefined && coldAt <= seconds(this.state.now()) ? 'COLD' : 'WARM',
      ...(lifecycle
        ? {
            Lifecycle: {
              ...(lifecycle.deleteAfterDays === undefined ? {} : { DeleteAfterDays: lifecycle.deleteAfterDays }),
              ...(lifecycle.moveToColdStorageAfterDays === undefined
                ? {}
                : { MoveToColdStorageAfterDays: lifecycle.moveToColdStorageAfterDays }),
            },
            CalculatedLifecycle: {
              ...(deleteAt === undefined ? {} : { DeleteAt: deleteAt }),
              ...(coldAt === undefined ? {} : { MoveToColdStorageAt: coldAt }),
            },
          }
        : {}),
      ...(spec.compositeMemberIdentifier === undefined
        ? {}
        : { CompositeMemberIdentifier: spec.compositeMemberIdentifier }),
      IsParent: false,
      VaultType: 'BACKUP_VAULT',
      IndexStatus: 'INACTIVE',
    });
  }

  private deleteRecoveryPoint(vaultName: string, arn: string): Answer {
    const vault = this.vault(vaultName);
    const point = this.point(vault, arn);
    if (!DELETABLE_STATUSES.has(point.status)) {
      throw invalidResourceState(
        `AWS Backup is already performing an action on recovery point ${arn} (status ${point.status}); try again later.`,
        arn,
      );
    }
    if (vault.lock) {
      const ageMs = this.state.now().getTime() - point.creationDate.getTime();
      if (ageMs < vault.lock.minRetentionDays * DAY_MS) {
        throw new BackupStandInError(
          400,
          VAULT_LOCK_REFUSAL_ERROR,
          `Recovery point ${arn} cannot be deleted: backup vault ${vault.name} is locked with a minimum retention of ${vault.lock.minRetentionDays} days.`,
          'User',
          arn,
        );
      }
    }
    if (point.denied) {
      point.status = 'EXPIRED';
      return empty();
    }
    point.deleted = true;
    for (const listener of this.state.listeners) listener(arn);
    return empty();
  }

  private startRestoreJob(raw: string): Answer {
    let input: Record<string, unknown>;
    try {
      input = raw.length === 0 ? {} : (JSON.parse(raw) as Record<string, unknown>);
    } catch {
      throw invalidParameterValue('The request body is not valid JSON.');
    }
    const arn = input.RecoveryPointArn;
    const metadata = input.Metadata;
    if (typeof arn !== 'string' || arn.length === 0) {
      throw new BackupStandInError(400, 'MissingParameterValueException', 'RecoveryPointArn is required.');
    }
    if (!metadata || typeof metadata !== 'object') {
      throw new BackupStandInError(400, 'MissingParameterValueException', 'Metadata is required.');
    }
    const token = typeof input.IdempotencyToken === 'string' ? input.IdempotencyToken : undefined;
    if (token !== undefined) {
      for (const job of this.state.restores.jobs.values()) {
        if (job.idempotencyToken === token && job.recoveryPointArn === arn) return json({ RestoreJobId: job.id });
      }
    }
    const point = this.state.points.get(arn);
    if (!point || point.deleted) throw resourceNotFound(`Recovery point ${arn} does not exist.`, arn);
    const vault = this.vault(point.spec.vault);
    if (point.spec.resourceType !== 'DynamoDB') {
      throw invalidRequest(`The stand-in restores DynamoDB recovery points only, not ${point.spec.resourceType}.`, arn);
    }
    if (point.status !== 'COMPLETED') {
      throw invalidRequest(`Recovery point ${arn} is ${point.status}; only COMPLETED recovery points can be restored.`);
    }
    const meta = Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, String(v)]));
    const tableName = meta.targetTableName;
    if (tableName === undefined || !/^[a-zA-Z0-9_.-]{3,255}$/.test(tableName)) {
      throw invalidParameterValue(`Metadata targetTableName is missing or not a valid table name: ${tableName}.`);
    }
    const job: RestoreJob = {
      id: randomUUID().toUpperCase(),
      recoveryPointArn: arn,
      point,
      vault,
      iamRoleArn:
        typeof input.IamRoleArn === 'string'
          ? input.IamRoleArn
          : `arn:aws:iam::${this.state.accountId}:role/service-role/AWSBackupDefaultServiceRole`,
      idempotencyToken: token,
      creationDate: this.state.now(),
      status: 'RUNNING',
    };
    this.state.restores.jobs.set(job.id, job);
    const restores = this.state.restores;
    const work = (async () => {
      const delay = new Promise<void>((resolve) => setTimeout(resolve, point.spec.restoreMs ?? restores.restoreMs));
      try {
        const failure = restores.failing.get(arn);
        if (failure !== undefined) throw new Error(failure);
        if (!restores.listener)
          throw new Error('No DynamoDB is attached to the AWS Backup stand-in (onDynamoDbRestore).');
        const created = await restores.listener({
          restoreJobId: job.id,
          recoveryPointArn: arn,
          tableName,
          keySchema: point.spec.keySchema ?? [{ attributeName: 'pk', keyType: 'HASH', attributeType: 'S' }],
          items: point.spec.dynamoDbItems ?? [],
          metadata: meta,
        });
        await delay;
        job.createdResourceArn = created;
        job.status = 'COMPLETED';
      } catch (error) {
        await delay;
        job.status = 'FAILED';
        job.statusMessage = error instanceof Error ? error.message : String(error);
      }
      job.completionDate = this.state.now();
    })();
    const tracked = work.finally(() => restores.running.delete(tracked));
    restores.running.add(tracked);
    return json({ RestoreJobId: job.id });
  }

  /** ListRestoreJobs with the filters the workflow uses (resourceType, createdAfter, status), 2 per page. */
  private listRestoreJobs(query: URLSearchParams): Answer {
    const type = query.get('resourceType');
    const after = query.get('createdAfter');
    const status = query.get('status');
    const afterMs = after === null ? undefined : Date.parse(after);
    const jobs = [...this.state.restores.jobs.values()].filter(
      (j) =>
        (type === null || j.point.spec.resourceType === type) &&
        (afterMs === undefined || j.creationDate.getTime() > afterMs) &&
        (status === null || j.status === status),
    );
    const start = Number(query.get('nextToken') ?? '0');
    const page = jobs.slice(start, start + 2);
    return json({
      RestoreJobs: page.map((j) => this.restoreJobJson(j)),
      ...(start + 2 < jobs.length ? { NextToken: String(start + 2) } : {}),
    });
  }

  private describeRestoreJob(id: string): Answer {
    const job = this.state.restores.jobs.get(id);
    if (!job) throw resourceNotFound(`Restore job ${id} does not exist.`, id);
    return json(this.restoreJobJson(job));
  }

  private restoreJobJson(job: RestoreJob): Record<string, unknown> {
    const spec = job.point.spec;
    return {
      AccountId: this.state.accountId,
      RestoreJobId: job.id,
      RecoveryPointArn: job.recoveryPointArn,
      SourceResourceArn: spec.resourceArn,
      BackupVaultArn: job.vault.arn,
      CreationDate: seconds(job.creationDate),
      ...(job.completionDate ? { CompletionDate: seconds(job.completionDate) } : {}),
      Status: job.status,
      ...(job.statusMessage === undefined ? {} : { StatusMessage: job.statusMessage }),
      PercentDone: job.status === 'COMPLETED' ? '100.00%' : '0.00%',
      BackupSizeInBytes: spec.backupSizeInBytes ?? 0,
      IamRoleArn: job.iamRoleArn,
      ExpectedCompletionTimeMinutes: 1,
      ...(job.createdResourceArn === undefined ? {} : { CreatedResourceArn: job.createdResourceArn }),
      ResourceType: spec.resourceType,
      RecoveryPointCreationDate: seconds(job.point.creationDate),
      IsParent: false,
    };
  }

  private restoreMetadata(vaultName: string, arn: string): Answer {
    const vault = this.vault(vaultName);
    const point = this.point(vault, arn);
    const spec = point.spec;
    const metadata =
      spec.restoreMetadata ??
      restoreMetadataFor({
        resourceArn: spec.resourceArn,
        resourceType: spec.resourceType,
        resourceName: resourceNameOf(spec),
        region: this.state.region,
        encryptionKeyArn: spec.encryptionKeyArn,
        isEncrypted: spec.isEncrypted ?? spec.encryptionKeyArn !== undefined,
        backupSizeInBytes: spec.backupSizeInBytes ?? 0,
      });
    return json({
      BackupVaultArn: vault.arn,
      RecoveryPointArn: arn,
      ResourceType: spec.resourceType,
      RestoreMetadata: metadata,
    });
  }
}

/** The resource name: given, or the ARN's last `:` or `/` segment (`db:orders` → `orders`, `volume/vol-1` → `vol-1`). */
function resourceNameOf(spec: RecoveryPointSpec): string {
  if (spec.resourceName !== undefined) return spec.resourceName;
  const segments = spec.resourceArn.split(/[:/]/);
  return segments[segments.length - 1] ?? spec.resourceArn;
}

function json(body: unknown): Answer {
  return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

function empty(): Answer {
  return { status: 200, headers: { 'content-length': '0' }, body: '' };
}
