/**
 * Lists every policy of the organization, type by type (ListPolicies takes exactly one type per call), with
 * the documents of the backup policies (DescribePolicy). Must run in the management account or a delegated
 * administrator of Organizations. A type the organization cannot list (not enabled, or unknown to the API
 * although the SDK knows it) is skipped and reported, never fatal; throttling is retried with jittered backoff.
 */
import {
  DescribePolicyCommand,
  ListPoliciesCommand,
  type ListPoliciesCommandOutput,
  type OrganizationsClient,
  PolicyType,
} from '@aws-sdk/client-organizations';
import {
  BACKUP_POLICY_TYPE,
  type InventoriedPolicy,
  type PolicyListing,
  type SkippedPolicyType,
} from '../../core/inventory/policyInventory.js';
import { type RetryOptions, withRetries } from '../retry/withRetries.js';
import { PolicyListingError } from './OrganizationsError.js';

/**
 * Every policy type Vaultpilot asks for: the ones known when this was written and whatever the installed SDK
 * knows on top, so a new type is listed as soon as the SDK is updated.
 */
export const POLICY_TYPES: readonly string[] = [
  ...new Set<string>([
    'SERVICE_CONTROL_POLICY',
    'RESOURCE_CONTROL_POLICY',
    'TAG_POLICY',
    BACKUP_POLICY_TYPE,
    'AISERVICES_OPT_OUT_POLICY',
    'CHATBOT_POLICY',
    'DECLARATIVE_POLICY_EC2',
    'SECURITYHUB_POLICY',
    ...Object.values(PolicyType),
  ]),
];

/**
 * Errors that mean "this type cannot be listed here", not "the listing is broken": the type is not enabled,
 * or the service does not accept the filter value (InvalidInputException, reason INVALID_ENUM…).
 */
const SKIPPABLE_ERRORS = new Set(['PolicyTypeNotEnabledException', 'InvalidInputException']);

/** ListPolicies returns at most 20 per page. */
const PAGE_SIZE = 20;

export interface OrganizationsPolicyListerOptions {
  /** @default POLICY_TYPES */
  readonly policyTypes?: readonly string[];
  /** Retry settings of every call (clock and random for tests). @default 8 attempts, 200 ms base, 20 s max */
  readonly retry?: RetryOptions;
}

/** Lists the organization's policies through the Organizations API. */
export class OrganizationsPolicyLister {
  constructor(
    private readonly client: OrganizationsClient,
    private readonly options: OrganizationsPolicyListerOptions = {},
  ) {}

  /** Every policy of every type that could be listed, and the types that could not, with why. */
  async listAll(): Promise<PolicyListing> {
    const policies: InventoriedPolicy[] = [];
    const skippedTypes: SkippedPolicyType[] = [];
    for (const type of this.options.policyTypes ?? POLICY_TYPES) {
      const listed = await this.listType(type);
      policies.push(...listed.policies);
      if (listed.skipped) skippedTypes.push(listed.skipped);
    }
    return { policies, skippedTypes };
  }

  private async listType(type: string): Promise<{ policies: InventoriedPolicy[]; skipped?: SkippedPolicyType }> {
    const policies: InventoriedPolicy[] = [];
    let nextToken: string | undefined;
    // Organizations can answer a page with no policies and a token: only a missing token ends the list.
    do {
      const token = nextToken;
      let page: ListPoliciesCommandOutput;
      try {
        page = await this.call(() =>
          this.client.send(
            new ListPoliciesCommand({ Filter: type as PolicyType, MaxResults: PAGE_SIZE, NextToken: token }),
          ),
        );
      } catch (error) {
        const name = errorName(error);
        // Policies already listed of this type are kept: they exist, and knowing them never hides anything.
        if (SKIPPABLE_ERRORS.has(name)) return { policies, skipped: { type, reason: skipReason(name, error) } };
        throw new PolicyListingError(`ListPolicies of ${type} failed: ${name}: ${messageOf(error)}`, type, {
          cause: error,
        });
      }
      for (const summary of page.Policies ?? []) {
        if (!summary.Id) continue;
        const policy: InventoriedPolicy = {
          id: summary.Id,
          name: summary.Name ?? '',
          type: summary.Type ?? type,
          arn: summary.Arn ?? '',
          awsManaged: summary.AwsManaged ?? false,
        };
        policies.push(policy.type === BACKUP_POLICY_TYPE ? await this.withContent(policy) : policy);
      }
      nextToken = page.NextToken || undefined;
    } while (nextToken);
    return { policies };
  }

  /** The backup policy with its document; without it when the policy was deleted since it was listed. */
  private async withContent(policy: InventoriedPolicy): Promise<InventoriedPolicy> {
    try {
      const out = await this.call(() => this.client.send(new DescribePolicyCommand({ PolicyId: policy.id })));
      const content = out.Policy?.Content;
      return content === undefined ? policy : { ...policy, content };
    } catch (error) {
      // Deleted between ListPolicies and DescribePolicy: its type is still worth knowing (the DeletePolicy
      // event follows), its document is gone.
      if (errorName(error) === 'PolicyNotFoundException') return policy;
      throw new PolicyListingError(
        `DescribePolicy of ${policy.id} (${policy.type}) failed: ${errorName(error)}: ${messageOf(error)}`,
        policy.type,
        { cause: error },
      );
    }
  }

  private call<T>(work: () => Promise<T>): Promise<T> {
    return withRetries(work, { maxAttempts: 8, baseDelayMs: 200, maxDelayMs: 20_000, ...this.options.retry });
  }
}

function skipReason(name: string, error: unknown): string {
  const reason = (error as { Reason?: unknown }).Reason;
  const detail = typeof reason === 'string' ? ` (${reason})` : '';
  return `${name}${detail}: ${messageOf(error)}`;
}

function errorName(error: unknown): string {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : 'Error';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
