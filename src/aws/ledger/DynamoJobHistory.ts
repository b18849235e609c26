/**
 * Job history in the ledger table: each job's latest state (newer-only conditional writes, so events that
 * arrive out of order never move it back), the day's and the resource's terminal jobs, and each resource's
 * last good recovery point (moved forward only).
 */
import { expiresAtSeconds, goodRecoveryPointFact, jobFact, utcDay } from '../../core/ledger/ledgerFacts.js';
import {
  DAY_PREFIX,
  dayJobKey,
  jobStateKey,
  LAST_GOOD_PARTITION,
  lastGoodKey,
  resourceArnOfSortKey,
  resourceJobKey,
  resourcePartition,
} from '../../core/ledger/ledgerKeys.js';
import type { DayJob, JobHistory, LastGoodRecoveryPoint } from '../../core/ledger/ledgerPorts.js';
import type { Signal } from '../../core/signal.js';
import { compact, type LedgerStoreOptions, LedgerTable } from './LedgerTable.js';

/** JobHistory over the ledger table (`JOB#…`/`STATE`, `DAY#…`/`JOB#…`, `RES#…`/`JOB#…`, `LASTGOOD`/`RES#…`). */
export class DynamoJobHistory implements JobHistory {
  private readonly table: LedgerTable;

  constructor(options: LedgerStoreOptions) {
    this.table = new LedgerTable(options);
  }

  async recordJob(signal: Signal): Promise<{ readonly stale: boolean }> {
    const { retention } = this.table;
    const now = this.table.now();
    const fact = jobFact(signal, now);
    if (!fact) return { stale: false };
    const updated = await this.table.updateIf('recordJob', {
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
        ':exp': expiresAtSeconds(now, retention.jobStateDays),
        ':state': signal.state ?? null,
      },
    });
    if (!updated) return { stale: true };
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
      expiresAt: expiresAtSeconds(now, retention.historyDays),
    };
    const writes = [this.table.put('recordJob', dayJobKey(utcDay(fact.atMs), fact.kind, fact.jobId), item)];
    if (signal.resource.arn) {
      writes.push(this.table.put('recordJob', resourceJobKey(signal.resource.arn, atIso, fact.kind, fact.jobId), item));
    }
    await Promise.all(writes);
    return { stale: false };
  }

  async recordGoodRecoveryPoint(signal: Signal): Promise<boolean> {
    const fact = goodRecoveryPointFact(signal, this.table.now());
    if (!fact) return false;
    const updated = await this.table.updateIf('recordGoodRecoveryPoint', {
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
        ':exp': expiresAtSeconds(fact.atMs, this.table.retention.lastGoodDays),
      },
    });
    return updated !== undefined;
  }

  /** One partition, read whole; expired items DynamoDB has not removed yet are left out. */
  async lastGoodRecoveryPoints(): Promise<LastGoodRecoveryPoint[]> {
    const items = await this.table.queryAll('lastGoodRecoveryPoints', {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': LAST_GOOD_PARTITION },
    });
    // DynamoDB deletes expired items only eventually (often days later): skip them here.
    const nowSeconds = Math.floor(this.table.now() / 1000);
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

  async jobsOfDay(day: string): Promise<DayJob[]> {
    const items = await this.table.queryDay(day, DAY_PREFIX.job);
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

  async jobHistory(resourceArn: string, limit = 50): Promise<DayJob[]> {
    const items = await this.table.query('jobHistory', {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :job)',
      ExpressionAttributeValues: { ':pk': resourcePartition(resourceArn), ':job': 'JOB#' },
      ScanIndexForward: false,
      Limit: limit,
    });
    return items.map((item) => compact<DayJob>({ ...item, pk: undefined, sk: undefined }));
  }
}
