import { FunctionError } from '../FunctionError.js';
import type { RefusedEntry } from './inventoryPorts.js';

/** Some inventory events were still refused by EventBridge after every attempt: the inventory did not arrive whole. */
export class InventoryDeliveryError extends FunctionError {
  constructor(
    /** The entries refused on the last attempt. */
    readonly refused: readonly RefusedEntry[],
    readonly attempts: number,
  ) {
    const codes = [...new Set(refused.map((r) => r.errorCode))].join(', ');
    super(`${refused.length} policy inventory event(s) refused by EventBridge after ${attempts} attempts (${codes})`);
    this.name = 'InventoryDeliveryError';
  }
}
