/** Notification claims in the ledger table: conditional claims with a lease, the channels sent, done. */
import { expiresAtSeconds } from '../../core/ledger/ledgerFacts.js';
import { signalClaimKey } from '../../core/ledger/ledgerKeys.js';
import type { Claim, SignalClaims } from '../../core/ledger/ledgerPorts.js';
import { type LedgerStoreOptions, LedgerTable } from './LedgerTable.js';

export interface SignalClaimsOptions extends LedgerStoreOptions {
  /**
   * How long a claim blocks other claimants before it is considered abandoned (a crashed invocation whose
   * message was moved to the dead-letter queue and replayed under a new message id).
   * @default 15 minutes
   */
  readonly claimLeaseMs?: number;
}

/** SignalClaims over the ledger table (`SIGNAL#<id>` / `CLAIM`). */
export class DynamoSignalClaims implements SignalClaims {
  private readonly table: LedgerTable;
  private readonly leaseMs: number;

  constructor(options: SignalClaimsOptions) {
    this.table = new LedgerTable(options);
    this.leaseMs = options.claimLeaseMs ?? 15 * 60_000;
  }

  async claim(notificationId: string, claimant: string, keepDays = this.table.retention.claimDays): Promise<Claim> {
    const now = this.table.now();
    const out = await this.table.updateIf('claim', {
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
    });
    if (!out) return { status: 'duplicate' };
    const old = out.Attributes;
    const sentChannels = new Set<string>(old?.sent instanceof Set ? [...(old.sent as Set<string>)] : []);
    // The first claim's time names things a retry must find again (an unparsed input's item).
    const firstSeenAtMs = typeof old?.firstSeenAt === 'number' ? old.firstSeenAt : now;
    return { status: old ? 'resumed' : 'new', sentChannels, firstSeenAtMs };
  }

  async markChannelSent(notificationId: string, channelKey: string): Promise<void> {
    await this.table.update('markChannelSent', {
      Key: signalClaimKey(notificationId),
      UpdateExpression: 'ADD sent :ch',
      ExpressionAttributeValues: { ':ch': new Set([channelKey]) },
    });
  }

  async markDone(notificationId: string, how: string, lastChannel?: string): Promise<void> {
    await this.table.update('markDone', {
      Key: signalClaimKey(notificationId),
      UpdateExpression: `SET doneAt = :now, outcome = :how${lastChannel ? ' ADD sent :ch' : ''}`,
      ExpressionAttributeValues: {
        ':now': this.table.now(),
        ':how': how,
        ...(lastChannel ? { ':ch': new Set([lastChannel]) } : {}),
      },
    });
  }
}
