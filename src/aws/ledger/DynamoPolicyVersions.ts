/**
 * Backup-policy versions in the ledger table: each content version (to diff an UpdatePolicy against the one
 * before it), what is known of each policy id (to recognise a DeletePolicy, which carries no type), and the
 * day's changes for the digest.
 */

import type { InventoriedPolicy } from '../../core/inventory/policyInventory.js';
import { BACKUP_POLICY_TYPE, expiresAtSeconds, signalTimeMs, utcDay } from '../../core/ledger/ledgerFacts.js';
import {
  DAY_PREFIX,
  dayPolicyKey,
  POLICY_VERSION_PREFIX,
  policyLatestKey,
  policyPartition,
  policyVersionKey,
} from '../../core/ledger/ledgerKeys.js';
import type { DayPolicyChange, KnownPolicy, PolicyVersions } from '../../core/ledger/ledgerPorts.js';
import type { Signal } from '../../core/signal.js';
import { compact, type LedgerStoreOptions, LedgerTable } from './LedgerTable.js';

/** Stands where a signal id stands in the sort key of a version the policy inventory recorded. */
const INVENTORY_VERSION_ID = 'inventory';
const INVENTORY_WRITE_CONCURRENCY = 10;

/** PolicyVersions over the ledger table (`POLICY#<id>`/`LATEST`, `POLICY#<id>`/`V#…`, `DAY#…`/`POLICY#…`). */
export class DynamoPolicyVersions implements PolicyVersions {
  private readonly table: LedgerTable;

  constructor(options: LedgerStoreOptions) {
    this.table = new LedgerTable(options);
  }

  async knownPolicy(policyId: string): Promise<KnownPolicy | undefined> {
    const item = await this.table.get('knownPolicy', policyLatestKey(policyId));
    if (!item) return undefined;
    return compact<KnownPolicy>({
      policyId,
      type: item.policyType,
      name: item.policyName,
      deletedAtMs: item.deletedAtMs,
    });
  }

  async isBackupPolicy(signal: Signal): Promise<boolean> {
    const policy = signal.policy;
    if (policy?.type) return policy.type === BACKUP_POLICY_TYPE;
    if (!policy?.id) return false;
    const known = await this.knownPolicy(policy.id);
    return known?.type === BACKUP_POLICY_TYPE;
  }

  async previousPolicyContent(signal: Signal): Promise<string | undefined> {
    const id = signal.policy?.id;
    if (!id) return undefined;
    const { atIso } = this.timeOf(signal);
    const [item] = await this.table.query('previousPolicyContent', {
      KeyConditionExpression: 'pk = :pk AND sk < :upper',
      ExpressionAttributeValues: {
        ':pk': policyPartition(id),
        ':upper': policyVersionKey(id, atIso, signal.id).sk,
      },
      ScanIndexForward: false,
      Limit: 1,
      ConsistentRead: true,
    });
    // `LATEST` sorts before every `V#` key: reaching it means no earlier version exists.
    if (!item || !String(item.sk).startsWith(POLICY_VERSION_PREFIX)) return undefined;
    return typeof item.content === 'string' ? item.content : undefined;
  }

  /** Idempotent: a retry writes the same items again. */
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
          this.table.put('recordPolicyChange', policyVersionKey(id, atIso, signal.id), {
            content: policy.content,
            atMs,
            operation: policy.operation,
            signalId: signal.id,
          }),
        );
      }
      const sets = ['lastSeenAt = :now'];
      const values: Record<string, unknown> = { ':now': this.table.now() };
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
        this.table.update('recordPolicyChange', {
          Key: policyLatestKey(id),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ExpressionAttributeValues: values,
        }),
      );
    }
    writes.push(
      this.table.put('recordPolicyChange', dayPolicyKey(utcDay(atMs), atIso, signal.id), {
        policyId: policy?.id,
        policyName: policy?.name,
        operation: policy?.operation ?? signal.eventType,
        refused: !tookEffect,
        targetId: policy?.targetId,
        actor: signal.actor,
        account: signal.account,
        atMs,
        expiresAt: expiresAtSeconds(this.table.now(), this.table.retention.historyDays),
      }),
    );
    await Promise.all(writes);
  }

  async policyChangesOfDay(day: string): Promise<DayPolicyChange[]> {
    const items = await this.table.queryDay(day, DAY_PREFIX.policy);
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

  /** Idempotent: an inventory delivered twice writes the same items again. */
  async recordInventory(policies: readonly InventoriedPolicy[], takenAtMs: number): Promise<void> {
    const takenAtIso = new Date(takenAtMs).toISOString();
    const record = async (policy: InventoriedPolicy): Promise<void> => {
      await this.table.update('recordInventory', {
        Key: policyLatestKey(policy.id),
        UpdateExpression: 'SET policyType = :type, policyName = :name, inventoriedAtMs = :at',
        ExpressionAttributeValues: { ':type': policy.type, ':name': policy.name, ':at': takenAtMs },
      });
      if (policy.type === BACKUP_POLICY_TYPE && policy.content !== undefined) {
        // The document as the inventory saw it: the version an UpdatePolicy made after it is diffed against.
        await this.table.putIf('recordInventory', {
          Item: {
            ...policyVersionKey(policy.id, takenAtIso, INVENTORY_VERSION_ID),
            content: policy.content,
            atMs: takenAtMs,
            operation: 'inventory',
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        });
      }
    };
    // A few at a time: an organization may have hundreds of policies, the router has 60 seconds.
    for (let i = 0; i < policies.length; i += INVENTORY_WRITE_CONCURRENCY) {
      await Promise.all(policies.slice(i, i + INVENTORY_WRITE_CONCURRENCY).map(record));
    }
  }

  private timeOf(signal: Signal): { atMs: number; atIso: string } {
    const atMs = signalTimeMs(signal, this.table.now());
    return { atMs, atIso: new Date(atMs).toISOString() };
  }
}
