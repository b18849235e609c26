/**
 * Source heartbeats in the ledger table (`SOURCES` / `SRC#<account>#<region>`): one item per forwarding
 * source, read whole by the hourly source check. Kept a year after the last heartbeat, so an account that
 * left the organization stops being reported as silent after that.
 */

import type { SourceHeartbeat, SourceRecord } from '../../core/heartbeat/sourceHeartbeat.js';
import { expiresAtSeconds } from '../../core/ledger/ledgerFacts.js';
import { SOURCES_PARTITION, sourceKey } from '../../core/ledger/ledgerKeys.js';
import type { KnownSource, SourceHeartbeats } from '../../core/ledger/ledgerPorts.js';
import { compact, type LedgerStoreOptions, LedgerTable } from './LedgerTable.js';

/** How long a source is remembered after its last heartbeat. */
const SOURCE_DAYS = 365;

/** SourceHeartbeats over the ledger table. */
export class DynamoSourceHeartbeats implements SourceHeartbeats {
  private readonly table: LedgerTable;

  constructor(options: LedgerStoreOptions) {
    this.table = new LedgerTable(options);
  }

  async recordHeartbeat(beat: SourceHeartbeat): Promise<KnownSource | undefined> {
    const out = await this.table.updateIf('recordHeartbeat', {
      Key: sourceKey(beat.account, beat.region),
      // Heartbeats may arrive out of order: only a newer one moves the time forward (and ends a silence).
      UpdateExpression:
        'SET account = :account, #region = :region, lastHeardMs = :at, expiresAt = :exp REMOVE silentSinceMs',
      ConditionExpression: 'attribute_not_exists(lastHeardMs) OR lastHeardMs < :at',
      ExpressionAttributeNames: { '#region': 'region' },
      ExpressionAttributeValues: {
        ':account': beat.account,
        ':region': beat.region,
        ':at': beat.atMs,
        ':exp': expiresAtSeconds(beat.atMs, SOURCE_DAYS),
      },
      ReturnValues: 'ALL_OLD',
    });
    return out?.Attributes ? toSource(out.Attributes) : undefined;
  }

  async sources(): Promise<KnownSource[]> {
    const items = await this.table.queryAll('sources', {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': SOURCES_PARTITION },
    });
    return items.flatMap((item) => {
      const source = toSource(item);
      return source ? [source] : [];
    });
  }

  async markSilent(source: SourceRecord): Promise<boolean> {
    const out = await this.table.updateIf('markSilent', {
      Key: sourceKey(source.account, source.region),
      UpdateExpression: 'SET silentSinceMs = :last',
      ConditionExpression: 'lastHeardMs = :last',
      ExpressionAttributeValues: { ':last': source.lastHeardMs },
    });
    return out !== undefined;
  }
}

function toSource(item: Record<string, unknown>): KnownSource | undefined {
  if (typeof item.account !== 'string' || typeof item.region !== 'string') return undefined;
  const lastHeardMs = Number(item.lastHeardMs);
  if (!Number.isFinite(lastHeardMs)) return undefined;
  return compact<KnownSource>({
    account: item.account,
    region: item.region,
    lastHeardMs,
    silentSinceMs: item.silentSinceMs === undefined ? undefined : Number(item.silentSinceMs),
  });
}
