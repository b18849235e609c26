/**
 * Backup-policy versions in the ledger table: each content version (to diff an UpdatePolicy against the one
 * before it), what is known of each policy id (to recognise a DeletePolicy, which carries no type), and the
 * day's changes for the digest.
 */
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

  private timeOf(signal: Signal): { atMs: number; atIso: string } {
    const atMs = signalTimeMs(signal, this.table.now());
    return { atMs, atIso: new Date(atMs).toISOString() };
  }
}
