/**
 * The ledger: Vaultpilot's memory in DynamoDB. It de-duplicates signals (conditional claims with TTL), keeps
 * job history and the last good recovery point per resource (newer-only conditional writes, so events that
 * arrive out of order never move state back), backup-policy versions (to diff UpdatePolicy and to recognise
 * DeletePolicy by id), unparsed inputs, and answers the digest's and the RPO check's queries.
 * The key design lives in src/core/ledger/ledgerKeys.ts.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { DigestJob } from '../../core/digest/buildDigest.js';
import type { LastGoodObservation } from '../../core/digest/findRpoBreaches.js';
import {
  BACKUP_POLICY_TYPE,
  expiresAtSeconds,
  goodRecoveryPointFact,
  jobFact,
  signalTimeMs,
  utcDay,
} from '../../core/ledger/ledgerFacts.js';
import {
  DAY_PREFIX,
  dayJobKey,
  dayPartition,
  dayPolicyKey,
  dayUnparsedKey,
  jobStateKey,
  LAST_GOOD_PARTITION,
  type LedgerKey,
  lastGoodKey,
  POLICY_VERSION_PREFIX,
  policyLatestKey,
  policyPartition,
  policyVersionKey,
  resourceArnOfSortKey,
  resourceJobKey,
  resourcePartition,
  signalClaimKey,
} from '../../core/ledger/ledgerKeys.js';
import type { Signal } from '../../core/signal.js';
import { LedgerWriteError } from './LedgerError.js';

/** How long each item type is kept (days), before DynamoDB's TTL removes it. */
export interface LedgerRetention {
  /** @default 14 — longer than SQS retention, so a redriven duplicate is still recognised. */
  readonly claimDays: number;
  /** @default 35 */
  readonly jobStateDays: number;
  /** @default 400 — a year of daily digests and resource history. */
  readonly historyDays: number;
  /** @default 90 */
  readonly unparsedDays: number;
  /**
   * How long a resource's last good recovery point is kept after it was last renewed. A resource deleted on
   * purpose stops being reported past its RPO after this; one that really lost its backups has been alerted
   * and listed in every digest by then. @default 90
   */
  readonly lastGoodDays: number;
}

export const DEFAULT_RETENTION: LedgerRetention = {
  claimDays: 14,
  jobStateDays: 35,
  historyDays: 400,
  unparsedDays: 90,
  lastGoodDays: 90,
};

export interface LedgerOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** @default DEFAULT_RETENTION */
  readonly retention?: Partial<LedgerRetention>;
  /**
   * How long a claim blocks other claimants before it is considered abandoned (a crashed invocation whose
   * message was moved to the dead-letter queue and replayed under a new message id).
   * @default 15 minutes
   */
  readonly claimLeaseMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

/** The answer to a claim: send it, resume it (some channels already went out), or drop it as a duplicate. */
export type Claim =
  | { readonly status: 'new' | 'resumed'; readonly sentChannels: ReadonlySet<string>; readonly firstSeenAtMs: number }
  | { readonly status: 'duplicate' };

/** A terminal job as the digest reads it (the shape core's digest takes). */
export type DayJob = DigestJob;

/** A policy change as the digest reads it. */
export interface DayPolicyChange {
  readonly policyId?: string;
  readonly policyName?: string;
  readonly operation?: string;
  /** The call was refused (e.g. AccessDenied): an attempt, not a change. */
  readonly refused?: boolean;
  readonly targetId?: string;
  readonly actor?: string;
  readonly account?: string;
  readonly atMs: number;
}

/** An unparsed input kept for people to look at. */
export interface KeptUnparsed {
  readonly signalId: string;
  readonly reason?: string;
  readonly source: string;
  readonly raw: string;
  readonly atMs: number;
}

/** The last good recovery point of a resource (the shape core's RPO check takes). */
export type LastGoodRecoveryPoint = LastGoodObservation;

/** What the ledger knows about an Organizations policy id. */
export interface KnownPolicy {
  readonly policyId: string;
  readonly type?: string;
  readonly name?: string;
  readonly deletedAtMs?: number;
}

/** Largest raw input kept inline; DynamoDB items stop at 400 KB. */
const MAX_RAW_CHARS = 300_000;

/** The ledger adapter over one DynamoDB table. */
export class Ledger {
  private readonly client: DynamoDBDocumentClient;
  private readonly table: string;
  private readonly retention: LedgerRetention;
  private readonly leaseMs: number;
  private readonly now: () => number;

  constructor(options: LedgerOptions) {
    this.client = options.client;
    this.table = options.tableName;
    this.retention = { ...DEFAULT_RETENTION, ...options.retention };
    this.leaseMs = options.claimLeaseMs ?? 15 * 60_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * Claims the notification of `notificationId` for `claimant` (an SQS message id). A claim succeeds when
   * nobody holds it, when the same claimant retries, or when an unfinished claim's lease ran out; it fails
   * (duplicate) once the notification was marked done or while another claimant's lease is live.
   */
  async claim(notificationId: string, claimant: string, keepDays = this.retention.claimDays): Promise<Claim> {
    const now = this.now();
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: signalClaimKey(notificationId),
          UpdateExpression:
            'SET claimant = :me, leaseUntil = :lease, expiresAt = :exp, firstSeenAt = if_not_exists(firstSeenAt, :now) ADD attempts :one',
          ConditionExpression:
            'attribute_not_exists(pk) OR (attribute_not_exists(doneAt) AND (claimant = :me OR leaseUntil < :now))',
          ExpressionAttributeValues: {
            ':me': claimant,
            ':lease': now + this.leaseMs,
            ':exp': expiresAtSeconds(now, keepDays),
            ':now': now,
            ':one': 1,
          },
          ReturnValues: 'ALL_OLD',
        }),
      );
      const old = out.Attributes;
      const sentChannels = new Set<string>(old?.sent instanceof Set ? [...(old.sent as Set<string>)] : []);
      // The first claim's time names things a retry must find again (an unparsed input's item).
      const firstSeenAtMs = typeof old?.firstSeenAt === 'number' ? old.firstSeenAt : now;
      return { status: old ? 'resumed' : 'new', sentChannels, firstSeenAtMs };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return { status: 'duplicate' };
      throw new LedgerWriteError('claim', { cause: error });
    }
  }

  /** Records that one channel of a claimed notification went out, so a retry does not send it again. */
  async markChannelSent(notificationId: string, channelKey: string): Promise<void> {
    await this.write('markChannelSent', () =>
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: signalClaimKey(notificationId),
          UpdateExpression: 'ADD sent :ch',
          ExpressionAttributeValues: { ':ch': new Set([channelKey]) },
        }),
      ),
    );
  }

  /**
   * Marks a claimed notification as done (`how`: notified, suppressed, ignored, stale): later copies are
   * duplicates. `lastChannel` records the channel that just went out in the same write.
   */
  async markDone(notificationId: string, how: string, lastChannel?: string): Promise<void> {
    await this.write('markDone', () =>
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: signalClaimKey(notificationId),
          UpdateExpression: `SET doneAt = :now, outcome = :how${lastChannel ? ' ADD sent :ch' : ''}`,
          ExpressionAttributeValues: {
            ':now': this.now(),
            ':how': how,
            ...(lastChannel ? { ':ch': new Set([lastChannel]) } : {}),
          },
        }),
      ),
    );
  }

  /**
   * Records a job transition. Returns `stale: true` when the ledger already holds a later state of the job
   * (an event that arrived out of order): it is then not recorded and must not be notified.
   */
  async recordJob(signal: Signal): Promise<{ readonly stale: boolean }> {
    const now = this.now();
    const fact = jobFact(signal, now);
    if (!fact) return { stale: false };
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: jobStateKey(fact.kind, fact.jobId),
          UpdateExpression:
            'SET outcome = :outcome, #rank = :rank, atMs = :at, signalId = :sid, expiresAt = :exp, #state = :state',
          ConditionExpression:
            'attribute_not_exists(pk) OR #rank < :rank OR (#rank = :rank AND atMs < :at) OR signalId = :sid',
          ExpressionAttributeNames: { '#rank': 'rank', '#state': 'state' },
          ExpressionAttributeValues: {
            ':outcome': fact.outcome,
            ':rank': fact.rank,
            ':at': fact.atMs,
            ':sid': signal.id,
            ':exp': expiresAtSeconds(now, this.retention.jobStateDays),
            ':state': signal.state ?? null,
          },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return { stale: true };
      throw new LedgerWriteError('recordJob', { cause: error });
    }
    if (!fact.terminal) return { stale: false };
    const atIso = new Date(fact.atMs).toISOString();
    const item = {
      kind: fact.kind,
      jobId: fact.jobId,
      outcome: fact.outcome,
      atMs: fact.atMs,
      account: signal.account,
      region: signal.region,
      resourceArn: signal.resource.arn,
      resourceName: signal.resource.name,
      resourceType: signal.resource.type,
      statusMessage: signal.statusMessage,
      signalId: signal.id,
      expiresAt: expiresAtSeconds(now, this.retention.historyDays),
    };
    const writes = [this.put('recordJob', dayJobKey(utcDay(fact.atMs), fact.kind, fact.jobId), item)];
    if (signal.resource.arn) {
      writes.push(this.put('recordJob', resourceJobKey(signal.resource.arn, atIso, fact.kind, fact.jobId), item));
    }
    await Promise.all(writes);
    return { stale: false };
  }

  /** Records the good recovery point a signal proves, only if it is newer than the one held. True if updated. */
  async recordGoodRecoveryPoint(signal: Signal): Promise<boolean> {
    const fact = goodRecoveryPointFact(signal, this.now());
    if (!fact) return false;
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: lastGoodKey(fact.resourceArn),
          UpdateExpression:
            'SET atMs = :at, resourceArn = :arn, recoveryPointArn = :rp, resourceType = :type, resourceName = :name, account = :account, #region = :region, vaultName = :vault, expiresAt = :exp',
          ConditionExpression: 'attribute_not_exists(pk) OR atMs < :at',
          ExpressionAttributeNames: { '#region': 'region' },
          ExpressionAttributeValues: {
            ':at': fact.atMs,
            ':arn': fact.resourceArn,
            ':rp': fact.recoveryPointArn ?? null,
            ':type': signal.resource.type ?? null,
            ':name': signal.resource.name ?? null,
            ':account': signal.account ?? null,
            ':region': signal.region ?? null,
            ':vault': signal.vault?.name ?? null,
            ':exp': expiresAtSeconds(fact.atMs, this.retention.lastGoodDays),
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw new LedgerWriteError('recordGoodRecoveryPoint', { cause: error });
    }
  }

  /** Every resource's last good recovery point (one partition, read whole), leaving out expired ones. */
  async lastGoodRecoveryPoints(): Promise<LastGoodRecoveryPoint[]> {
    const items = await this.queryAll('lastGoodRecoveryPoints', {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': LAST_GOOD_PARTITION },
    });
    // DynamoDB deletes expired items only eventually (often days later): skip them here.
    const nowSeconds = Math.floor(this.now() / 1000);
    const live = items.filter((item) => typeof item.expiresAt !== 'number' || item.expiresAt > nowSeconds);
    return live.map((item) =>
      compact<LastGoodRecoveryPoint>({
        resourceArn: typeof item.resourceArn === 'string' ? item.resourceArn : resourceArnOfSortKey(String(item.sk)),
        atMs: Number(item.atMs),
        recoveryPointArn: item.recoveryPointArn,
        resourceType: item.resourceType,
        resourceName: item.resourceName,
        account: item.account,
        region: item.region,
        vaultName: item.vaultName,
      }),
    );
  }

  /** What the ledger knows about a policy id, or undefined if it never saw it. */
  async knownPolicy(policyId: string): Promise<KnownPolicy | undefined> {
    const out = await this.write('knownPolicy', () =>
      this.client.send(new GetCommand({ TableName: this.table, Key: policyLatestKey(policyId), ConsistentRead: true })),
    );
    const item = out.Item;
    if (!item) return undefined;
    return compact<KnownPolicy>({
      policyId,
      type: item.policyType,
      name: item.policyName,
      deletedAtMs: item.deletedAtMs,
    });
  }

  /** Whether a policy id is a backup policy: by the type the signal carries, or else by what the ledger saw. */
  async isBackupPolicy(signal: Signal): Promise<boolean> {
    const policy = signal.policy;
    if (policy?.type) return policy.type === BACKUP_POLICY_TYPE;
    if (!policy?.id) return false;
    const known = await this.knownPolicy(policy.id);
    return known?.type === BACKUP_POLICY_TYPE;
  }

  /** The content of the version of a policy stored just before this signal's time (for a diff). */
  async previousPolicyContent(signal: Signal): Promise<string | undefined> {
    const id = signal.policy?.id;
    if (!id) return undefined;
    const { atIso } = this.timeOf(signal);
    const out = await this.write('previousPolicyContent', () =>
      this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND sk < :upper',
          ExpressionAttributeValues: {
            ':pk': policyPartition(id),
            ':upper': policyVersionKey(id, atIso, signal.id).sk,
          },
          ScanIndexForward: false,
          Limit: 1,
          ConsistentRead: true,
        }),
      ),
    );
    const item = out.Items?.[0];
    // `LATEST` sorts before every `V#` key: reaching it means no earlier version exists.
    if (!item || !String(item.sk).startsWith(POLICY_VERSION_PREFIX)) return undefined;
    return typeof item.content === 'string' ? item.content : undefined;
  }

  /**
   * Records a backup-policy change: its content as a new version (Create/UpdatePolicy), what is known about
   * the id (type, name, deletion), and the change in its day for the digest. Idempotent.
   */
  async recordPolicyChange(signal: Signal): Promise<void> {
    const policy = signal.policy;
    const { atMs, atIso } = this.timeOf(signal);
    // A refused call (AccessDenied, …) changed nothing: it is listed for the digest, but is no version.
    const tookEffect = signal.outcome !== 'failed';
    const writes: Promise<unknown>[] = [];
    if (policy?.id) {
      const id = policy.id;
      if (policy.content !== undefined && tookEffect) {
        writes.push(
          this.put('recordPolicyChange', policyVersionKey(id, atIso, signal.id), {
            content: policy.content,
            atMs,
            operation: policy.operation,
            signalId: signal.id,
          }),
        );
      }
      const sets = ['lastSeenAt = :now'];
      const values: Record<string, unknown> = { ':now': this.now() };
      if (policy.type) {
        sets.push('policyType = :type');
        values[':type'] = policy.type;
      }
      if (policy.name) {
        sets.push('policyName = :name');
        values[':name'] = policy.name;
      }
      if (policy.operation === 'DeletePolicy' && tookEffect) {
        sets.push('deletedAtMs = :at');
        values[':at'] = atMs;
      }
      writes.push(
        this.write('recordPolicyChange', () =>
          this.client.send(
            new UpdateCommand({
              TableName: this.table,
              Key: policyLatestKey(id),
              UpdateExpression: `SET ${sets.join(', ')}`,
              ExpressionAttributeValues: values,
            }),
          ),
        ),
      );
    }
    writes.push(
      this.put('recordPolicyChange', dayPolicyKey(utcDay(atMs), atIso, signal.id), {
        policyId: policy?.id,
        policyName: policy?.name,
        operation: policy?.operation ?? signal.eventType,
        refused: !tookEffect,
        targetId: policy?.targetId,
        actor: signal.actor,
        account: signal.account,
        atMs,
        expiresAt: expiresAtSeconds(this.now(), this.retention.historyDays),
      }),
    );
    await Promise.all(writes);
  }

  /**
   * Keeps an unparsed input (truncated to fit an item) in its day, for people and the digest. Unparsed inputs
   * carry no time of their own: pass the claim's first-seen time so a retry overwrites the same item.
   */
  async keepUnparsed(signal: Signal, receivedAtMs?: number): Promise<void> {
    const atMs = signal.times.event || receivedAtMs === undefined ? this.timeOf(signal).atMs : receivedAtMs;
    const atIso = new Date(atMs).toISOString();
    let raw: string;
    try {
      raw = typeof signal.raw === 'string' ? signal.raw : (JSON.stringify(signal.raw) ?? String(signal.raw));
    } catch {
      raw = String(signal.raw);
    }
    const truncated = raw.length > MAX_RAW_CHARS;
    await this.put('keepUnparsed', dayUnparsedKey(utcDay(atMs), atIso, signal.id), {
      signalId: signal.id,
      reason: signal.reason,
      source: signal.source,
      raw: truncated ? raw.slice(0, MAX_RAW_CHARS) : raw,
      truncated,
      atMs,
      expiresAt: expiresAtSeconds(this.now(), this.retention.unparsedDays),
    });
  }

  /** The terminal jobs of one UTC day (`yyyy-mm-dd`), one per job with its final outcome. */
  async jobsOfDay(day: string): Promise<DayJob[]> {
    const items = await this.queryDay(day, DAY_PREFIX.job);
    return items.map((item) =>
      compact<DayJob>({
        kind: item.kind,
        jobId: item.jobId,
        outcome: item.outcome,
        atMs: Number(item.atMs),
        account: item.account,
        region: item.region,
        resourceArn: item.resourceArn,
        resourceName: item.resourceName,
        resourceType: item.resourceType,
        statusMessage: item.statusMessage,
      }),
    );
  }

  /** The backup-policy changes of one UTC day, oldest first. */
  async policyChangesOfDay(day: string): Promise<DayPolicyChange[]> {
    const items = await this.queryDay(day, DAY_PREFIX.policy);
    return items.map((item) =>
      compact<DayPolicyChange>({
        policyId: item.policyId,
        policyName: item.policyName,
        operation: item.operation,
        refused: item.refused === true ? true : undefined,
        targetId: item.targetId,
        actor: item.actor,
        account: item.account,
        atMs: Number(item.atMs),
      }),
    );
  }

  /** The unparsed inputs kept for one UTC day, oldest first. */
  async unparsedOfDay(day: string): Promise<KeptUnparsed[]> {
    const items = await this.queryDay(day, DAY_PREFIX.unparsed);
    return items.map((item) =>
      compact<KeptUnparsed>({
        signalId: item.signalId,
        reason: item.reason,
        source: item.source,
        raw: item.raw,
        atMs: Number(item.atMs),
      }),
    );
  }

  /** A resource's terminal jobs, newest first. */
  async jobHistory(resourceArn: string, limit = 50): Promise<DayJob[]> {
    const out = await this.write('jobHistory', () =>
      this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :job)',
          ExpressionAttributeValues: { ':pk': resourcePartition(resourceArn), ':job': 'JOB#' },
          ScanIndexForward: false,
          Limit: limit,
        }),
      ),
    );
    return (out.Items ?? []).map((item) => compact<DayJob>({ ...item, pk: undefined, sk: undefined }));
  }

  private timeOf(signal: Signal): { atMs: number; atIso: string } {
    const atMs = signalTimeMs(signal, this.now());
    return { atMs, atIso: new Date(atMs).toISOString() };
  }

  private queryDay(day: string, prefix: string): Promise<Record<string, unknown>[]> {
    return this.queryAll('queryDay', {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': dayPartition(day), ':prefix': prefix },
    });
  }

  private async queryAll(
    operation: string,
    input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>,
  ): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.write(operation, () =>
        this.client.send(new QueryCommand({ ...input, TableName: this.table, ExclusiveStartKey: start })),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  private put(operation: string, key: LedgerKey, item: Record<string, unknown>): Promise<unknown> {
    return this.write(operation, () =>
      this.client.send(new PutCommand({ TableName: this.table, Item: { ...item, ...key } })),
    );
  }

  private async write<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw new LedgerWriteError(operation, { cause: error });
    }
  }
}

/** Drops undefined and null members, so optional fields stay optional in what callers read. */
function compact<T>(record: Record<string, unknown>): T {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined && value !== null)) as T;
}
