/** Base error of the Organizations and inventory adapters. */
export class OrganizationsError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'OrganizationsError';
  }
}

/** Listing or describing the organization's policies failed in a way that skipping a type cannot absorb. */
export class PolicyListingError extends OrganizationsError {
  constructor(
    message: string,
    /** The policy type being listed when it failed. */
    readonly policyType: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'PolicyListingError';
  }
}

/** A PutEvents request to the central bus failed as a whole (after its retries). */
export class InventorySendError extends OrganizationsError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InventorySendError';
  }
}
