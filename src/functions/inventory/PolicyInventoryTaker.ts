/**
 * One policy-inventory run: list every policy of the organization, split the list into events that fit
 * EventBridge, put them on the central bus, and retry the entries EventBridge refused (PutEvents answers 200
 * with per-entry failures, so a request that "succeeded" can still have lost events). A run that cannot
 * deliver every part throws, so the invocation is retried and finally lands in the dead-letter queue.
 */

import type { Clock } from '../../aws/retry/Clock.js';
import { withRetries } from '../../aws/retry/withRetries.js';
import {
  INVENTORY_EVENT_MAX_BYTES,
  type InventoryEntry,
  inventoryEvents,
  type PolicyListing,
  putEventsBatches,
} from '../../core/inventory/policyInventory.js';
import type { FunctionLogger } from '../lambdaEvents.js';
import { InventoryDeliveryError } from './InventoryDeliveryError.js';
import type { InventoryEventSender, PolicyLister, RefusedEntry } from './inventoryPorts.js';

export interface PolicyInventoryTakerDeps {
  readonly lister: PolicyLister;
  readonly sender: InventoryEventSender;
  readonly logger: FunctionLogger;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** Attempts per request for refused entries, the first included. @default 6 */
  readonly maxSendAttempts?: number;
  /** Budget of one event. @default INVENTORY_EVENT_MAX_BYTES */
  readonly maxEventBytes?: number;
  /** For the backoff between attempts (tests). @default the system clock */
  readonly clock?: Clock;
  readonly random?: () => number;
}

/** What a run did. */
export interface PolicyInventoryReport {
  readonly takenAt: string;
  readonly policies: number;
  /** Policies per type, every listed type included (also with 0). */
  readonly countsByType: Readonly<Record<string, number>>;
  readonly skippedTypes: PolicyListing['skippedTypes'];
  readonly complete: boolean;
  readonly parts: number;
  readonly requests: number;
  /** Entries sent again after EventBridge refused them. */
  readonly resentEntries: number;
}

/** Takes the organization's policy inventory and puts it on the central bus. */
export class PolicyInventoryTaker {
  constructor(private readonly deps: PolicyInventoryTakerDeps) {}

  /** Runs once; throws when the listing fails or some part could not be delivered. */
  async run(): Promise<PolicyInventoryReport> {
    // The time the listing starts: a policy created after it may be missing, which the next run fixes.
    const takenAt = (this.deps.now?.() ?? new Date()).toISOString();
    const listing = await this.deps.lister.listAll();
    const entries = inventoryEvents(listing.policies, takenAt, this.deps.maxEventBytes ?? INVENTORY_EVENT_MAX_BYTES, {
      skippedTypes: listing.skippedTypes,
    });
    const batches = putEventsBatches(entries);
    let resentEntries = 0;
    for (const batch of batches) resentEntries += await this.deliver(batch);

    const countsByType: Record<string, number> = {};
    for (const policy of listing.policies) countsByType[policy.type] = (countsByType[policy.type] ?? 0) + 1;
    const report: PolicyInventoryReport = {
      takenAt,
      policies: listing.policies.length,
      countsByType,
      skippedTypes: listing.skippedTypes,
      complete: listing.skippedTypes.length === 0,
      parts: entries.length,
      requests: batches.length,
      resentEntries,
    };
    if (!report.complete) {
      this.deps.logger.warn('policy types skipped: the inventory is incomplete', {
        skippedTypes: listing.skippedTypes,
      });
    }
    this.deps.logger.info('policy inventory sent', { ...report });
    return report;
  }

  /** Sends one request, then only its refused entries again, with backoff; returns how many were resent. */
  private async deliver(batch: readonly InventoryEntry[]): Promise<number> {
    let pending = batch;
    let resent = 0;
    let lastRefused: readonly RefusedEntry[] = [];
    const maxAttempts = this.deps.maxSendAttempts ?? 6;
    await withRetries(
      async (attempt) => {
        if (attempt > 1) resent += pending.length;
        const refused = await this.deps.sender.send(pending);
        if (refused.length === 0) return;
        lastRefused = refused;
        pending = refused.map((r) => pending[r.index]).filter((e): e is InventoryEntry => e !== undefined);
        throw new InventoryDeliveryError(refused, attempt);
      },
      {
        maxAttempts,
        baseDelayMs: 200,
        maxDelayMs: 10_000,
        // Only refused entries are retried here; the sender already retried requests that failed whole.
        classify: (error) => (error instanceof InventoryDeliveryError ? 'throttled' : undefined),
        onRetry: ({ attempt, delayMs }) =>
          this.deps.logger.warn('EventBridge refused inventory events; sending them again', {
            attempt,
            delayMs,
            refused: lastRefused.map((r) => ({ errorCode: r.errorCode, errorMessage: r.errorMessage })),
          }),
        ...(this.deps.clock ? { clock: this.deps.clock } : {}),
        ...(this.deps.random ? { random: this.deps.random } : {}),
      },
    );
    return resent;
  }
}
