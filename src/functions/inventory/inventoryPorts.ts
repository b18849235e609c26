/** What the policy-inventory run depends on, as ports: the Organizations lister and the bus sender. */
import type { InventoryEntry, PolicyListing } from '../../core/inventory/policyInventory.js';

/** Lists every policy of the organization (OrganizationsPolicyLister in src/aws/organizations). */
export interface PolicyLister {
  listAll(): Promise<PolicyListing>;
}

/** An entry of a PutEvents request that EventBridge did not accept. */
export interface RefusedEntry {
  /** Index of the entry in the request. */
  readonly index: number;
  readonly errorCode: string;
  readonly errorMessage: string;
}

/** Puts one request of entries on the central bus (CentralBusEventSender in src/aws/organizations). */
export interface InventoryEventSender {
  /** Sends the entries (at most 10, 256 KB together) in one request; returns the ones refused. */
  send(entries: readonly InventoryEntry[]): Promise<readonly RefusedEntry[]>;
}
