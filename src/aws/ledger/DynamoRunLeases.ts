/**
 * Run leases in the ledger table (`LEASE#<name>` / `LEASE`): one conditional write takes a lease, so two runs
 * of a scheduled function never work at the same time, without reserving Lambda concurrency (which fails the
 * deployment in accounts whose concurrency quota is 10). A lease whose time ran out (a run that timed out
 * or crashed before releasing it) is taken over by the next run.
 */
import { expiresAtSeconds } from '../../core/ledger/ledgerFacts.js';
import { runLeaseKey } from '../../core/ledger/ledgerKeys.js';
import type { RunLeases } from '../../core/ledger/ledgerPorts.js';
import { type LedgerStoreOptions, LedgerTable } from './LedgerTable.js';

/** RunLeases over the ledger table. */
export class DynamoRunLeases implements RunLeases {
  private readonly table: LedgerTable;

  constructor(options: LedgerStoreOptions) {
    this.table = new LedgerTable(options);
  }

  async acquire(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = this.table.now();
    const expiresAtMs = now + ttlMs;
    const taken = await this.table.putIf('acquireLease', {
      Item: {
        ...runLeaseKey(name),
        name,
        holder,
        acquiredAtMs: now,
        expiresAtMs,
        // DynamoDB's TTL only tidies up (a day later); the condition below is what ends a lease.
        expiresAt: expiresAtSeconds(expiresAtMs, 1),
      },
      ConditionExpression: 'attribute_not_exists(pk) OR expiresAtMs < :now OR holder = :me',
      ExpressionAttributeValues: { ':now': now, ':me': holder },
    });
    return taken === true;
  }

  async release(name: string, holder: string): Promise<boolean> {
    const released = await this.table.deleteIf('releaseLease', {
      Key: runLeaseKey(name),
      ConditionExpression: 'holder = :me',
      ExpressionAttributeValues: { ':me': holder },
    });
    return released === true;
  }
}
