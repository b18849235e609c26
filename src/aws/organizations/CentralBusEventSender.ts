/**
 * Puts inventory events on the central bus, which lives in another account (and maybe another Region): the
 * bus is addressed by its ARN, and the client must be made for the bus's Region. One request is sent as it
 * is; entries EventBridge refused are returned (by index, with its error code) for the caller to retry.
 */
import { type EventBridgeClient, PutEventsCommand, type PutEventsCommandOutput } from '@aws-sdk/client-eventbridge';
import type { InventoryEntry } from '../../core/inventory/policyInventory.js';
import { type RetryOptions, withRetries } from '../retry/withRetries.js';
import { InventorySendError } from './OrganizationsError.js';

/** An entry of a request that EventBridge did not accept. */
export interface FailedEntry {
  /** Index of the entry in the request. */
  readonly index: number;
  readonly errorCode: string;
  readonly errorMessage: string;
}

export interface CentralBusEventSenderOptions {
  /** Retries of a request that failed as a whole (throttling, 5xx, network). @default 5 attempts */
  readonly retry?: RetryOptions;
}

/** Sends PutEvents requests to one bus. */
export class CentralBusEventSender {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busArn: string,
    private readonly options: CentralBusEventSenderOptions = {},
  ) {}

  /** Sends one request (at most 10 entries, 256 KB together); returns the entries that failed. */
  async send(entries: readonly InventoryEntry[]): Promise<FailedEntry[]> {
    if (entries.length === 0) return [];
    let out: PutEventsCommandOutput;
    try {
      out = await withRetries(() => this.put(entries), { maxAttempts: 5, ...this.options.retry });
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      const message = error instanceof Error ? error.message : String(error);
      throw new InventorySendError(`PutEvents to ${this.busArn} failed: ${name}: ${message}`, { cause: error });
    }
    if (!out.FailedEntryCount) return [];
    const failed: FailedEntry[] = [];
    entries.forEach((_, index) => {
      const result = out.Entries?.[index];
      // An entry without an answer counts as failed: only an event id proves EventBridge took it.
      if (result?.EventId && !result.ErrorCode) return;
      failed.push({
        index,
        errorCode: result?.ErrorCode ?? 'NoResult',
        errorMessage: result?.ErrorMessage ?? 'EventBridge returned no result for this entry',
      });
    });
    return failed;
  }

  private put(entries: readonly InventoryEntry[]): Promise<PutEventsCommandOutput> {
    return this.client.send(
      new PutEventsCommand({
        Entries: entries.map((e) => ({
          EventBusName: this.busArn,
          Source: e.source,
          DetailType: e.detailType,
          Detail: e.detail,
        })),
      }),
    );
  }
}
