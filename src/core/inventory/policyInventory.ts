/**
 * The organization's policy inventory as events. DeletePolicy carries no policy type, so the router can tell
 * that a deleted id was a backup policy only if it has seen the policy before. The management account lists
 * every policy of every type (at deployment and every few hours) and sends the list to the central bus as
 * "Vaultpilot Policy Inventory" events: the router then knows every id that exists, and of which type, even
 * for policies created before Vaultpilot was deployed. One inventory may not fit one event (EventBridge takes
 * entries of at most 256 KB), so it is split into parts that share `takenAt`.
 */
import * as z from 'zod';
import type { EventPattern } from '../eventPatternMatch.js';
import type { RulePattern } from '../eventPatterns.js';
import { BACKUP_POLICY_TYPE } from '../ledger/ledgerFacts.js';

/** `source` of every inventory event. */
export const POLICY_INVENTORY_SOURCE = 'vaultpilot.inventory';
/** `detail-type` of every inventory event. */
export const POLICY_INVENTORY_DETAIL_TYPE = 'Vaultpilot Policy Inventory';
/** Version of the detail's shape; a consumer refuses others. */
export const POLICY_INVENTORY_VERSION = 1;
/** The only policy type whose document is carried (so the router can diff later changes against it). */
export { BACKUP_POLICY_TYPE };

/** EventBridge's limit on one PutEvents entry, and on all entries of one request together. */
export const EVENTBRIDGE_ENTRY_LIMIT_BYTES = 256 * 1024;
/** The budget of one inventory event: the limit less a margin, in case EventBridge ever counts a little more. */
export const INVENTORY_EVENT_MAX_BYTES = 240_000;
/** Entries of one PutEvents request at most. */
export const PUT_EVENTS_MAX_ENTRIES = 10;

/** One policy of the organization, as listed. */
export const inventoriedPolicySchema = z.strictObject({
  id: z.string().min(1),
  name: z.string(),
  type: z.string().min(1),
  arn: z.string().min(1),
  awsManaged: z.boolean(),
  /** The policy document (a JSON string as Organizations returns it); backup policies only. */
  content: z.string().optional(),
  /** Set when a backup policy's document was left out because the policy alone would not fit one event. */
  contentOmitted: z.literal(true).optional(),
});
export type InventoriedPolicy = z.infer<typeof inventoriedPolicySchema>;

/** A policy type that could not be listed, and why (not enabled, unknown to the API, …). */
export const skippedPolicyTypeSchema = z.strictObject({ type: z.string().min(1), reason: z.string() });
export type SkippedPolicyType = z.infer<typeof skippedPolicyTypeSchema>;

/** What listing the organization's policies found: every policy of the types listed, and the types skipped. */
export interface PolicyListing {
  readonly policies: readonly InventoriedPolicy[];
  readonly skippedTypes: readonly SkippedPolicyType[];
}

/** The `detail` of one inventory event. */
export const policyInventoryDetailSchema = z
  .strictObject({
    version: z.literal(POLICY_INVENTORY_VERSION),
    /** When the listing started (ISO 8601, UTC); every part of one inventory carries the same value. */
    takenAt: z.iso.datetime({ offset: true }),
    /** This part, from 1. */
    part: z.number().int().min(1),
    /** How many parts the inventory has. */
    parts: z.number().int().min(1),
    /** True when every policy type was listed; false when some were skipped (then `skippedTypes` says which). */
    complete: z.boolean(),
    skippedTypes: z.array(skippedPolicyTypeSchema),
    policies: z.array(inventoriedPolicySchema),
  })
  .refine((d) => d.part <= d.parts, { message: 'part is greater than parts', path: ['part'] })
  .refine((d) => d.complete === (d.skippedTypes.length === 0), {
    message: 'complete must be true exactly when no policy type was skipped',
    path: ['complete'],
  })
  .refine((d) => d.policies.every((p) => p.content === undefined || p.type === BACKUP_POLICY_TYPE), {
    message: 'only backup policies carry content',
    path: ['policies'],
  });
export type PolicyInventoryDetail = z.infer<typeof policyInventoryDetailSchema>;

/** An inventory event as EventBridge delivers it (other envelope fields are kept as they are). */
export const policyInventoryEventSchema = z.looseObject({
  source: z.literal(POLICY_INVENTORY_SOURCE),
  'detail-type': z.literal(POLICY_INVENTORY_DETAIL_TYPE),
  account: z.string().optional(),
  detail: policyInventoryDetailSchema,
});

/** The pattern of inventory events on the central bus. */
export const POLICY_INVENTORY_PATTERN: EventPattern = {
  source: [POLICY_INVENTORY_SOURCE],
  'detail-type': [POLICY_INVENTORY_DETAIL_TYPE],
};

/**
 * The rule for inventory events on the central bus. Any account of the organization may put events on that
 * bus, so a consumer should prefer `policyInventoryEventsFrom(managementAccount)`: a forged inventory could
 * otherwise pass a backup policy off as another type and hide its deletion.
 */
export const POLICY_INVENTORY_EVENTS: RulePattern = {
  name: 'policyInventory',
  description: "The organization's policy inventory, sent by the management account",
  pattern: POLICY_INVENTORY_PATTERN,
};

/** The inventory rule limited to events put by one account (the Organizations management account). */
export function policyInventoryEventsFrom(managementAccount: string): RulePattern {
  return { ...POLICY_INVENTORY_EVENTS, pattern: { ...POLICY_INVENTORY_PATTERN, account: [managementAccount] } };
}

/** Whether an input claims to be an inventory event (by source and detail-type); parse it to trust it. */
export function isPolicyInventoryEvent(input: unknown): boolean {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return false;
  const envelope = input as Record<string, unknown>;
  return envelope.source === POLICY_INVENTORY_SOURCE && envelope['detail-type'] === POLICY_INVENTORY_DETAIL_TYPE;
}

/** What `parsePolicyInventoryEvent` found. */
export type ParsedPolicyInventory =
  | { readonly ok: true; readonly detail: PolicyInventoryDetail; readonly account?: string }
  | { readonly ok: false; readonly reason: string };

/**
 * The typed detail of an inventory event, or why it is not one. With `expectedAccount`, an event put by any
 * other account is refused (see POLICY_INVENTORY_EVENTS).
 */
export function parsePolicyInventoryEvent(
  event: unknown,
  options: { readonly expectedAccount?: string } = {},
): ParsedPolicyInventory {
  if (event === null || typeof event !== 'object' || Array.isArray(event)) {
    return { ok: false, reason: 'not an EventBridge event (not a JSON object)' };
  }
  const envelope = event as Record<string, unknown>;
  if (envelope.source !== POLICY_INVENTORY_SOURCE || envelope['detail-type'] !== POLICY_INVENTORY_DETAIL_TYPE) {
    return {
      ok: false,
      reason: `not a policy inventory event (source ${JSON.stringify(envelope.source)}, detail-type ${JSON.stringify(envelope['detail-type'])})`,
    };
  }
  const detail = envelope.detail as Record<string, unknown> | undefined;
  if (detail && typeof detail === 'object' && detail.version !== POLICY_INVENTORY_VERSION) {
    return { ok: false, reason: `unsupported inventory version ${JSON.stringify(detail.version)}` };
  }
  const parsed = policyInventoryEventSchema.safeParse(event);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`)
      .join('; ');
    return { ok: false, reason: `malformed policy inventory: ${issues}` };
  }
  const { account } = parsed.data;
  if (options.expectedAccount !== undefined && account !== options.expectedAccount) {
    return {
      ok: false,
      reason: `policy inventory put by account ${account ?? '(none)'}, not by the management account ${options.expectedAccount}`,
    };
  }
  return account === undefined
    ? { ok: true, detail: parsed.data.detail }
    : { ok: true, detail: parsed.data.detail, account };
}

/** One PutEvents entry (without the bus, which the sender adds), with its size as EventBridge counts it. */
export interface InventoryEntry {
  readonly source: typeof POLICY_INVENTORY_SOURCE;
  readonly detailType: typeof POLICY_INVENTORY_DETAIL_TYPE;
  /** The detail, serialized. */
  readonly detail: string;
  /** Source + DetailType + Detail in UTF-8 bytes (no Time, no Resources are set). */
  readonly bytes: number;
}

/** Options of `inventoryEvents`. */
export interface InventoryEventsOptions {
  /** Policy types that could not be listed; any makes the inventory incomplete. @default none */
  readonly skippedTypes?: readonly SkippedPolicyType[];
}

/**
 * Splits an inventory into PutEvents entries of at most `maxBytes` each, in the order given, none lost. An
 * empty inventory is one entry with no policies (the organization has none). A backup policy whose document
 * alone would not fit is sent without it (`contentOmitted`); throws RangeError when even that cannot fit.
 */
export function inventoryEvents(
  policies: readonly InventoriedPolicy[],
  takenAt: string,
  maxBytes: number = INVENTORY_EVENT_MAX_BYTES,
  options: InventoryEventsOptions = {},
): InventoryEntry[] {
  const skippedTypes = [...(options.skippedTypes ?? [])];
  const detailOf = (part: number, parts: number, list: readonly InventoriedPolicy[]): PolicyInventoryDetail => ({
    version: POLICY_INVENTORY_VERSION,
    takenAt,
    part,
    parts,
    complete: skippedTypes.length === 0,
    skippedTypes,
    policies: [...list],
  });
  const fixedBytes = utf8Length(POLICY_INVENTORY_SOURCE) + utf8Length(POLICY_INVENTORY_DETAIL_TYPE);
  // Sized with the widest part numbers there can be, so the real (never wider) numbers keep every part in budget.
  const widest = Math.max(1, policies.length);
  const emptyBytes = fixedBytes + utf8Length(JSON.stringify(detailOf(widest, widest, [])));
  if (emptyBytes > maxBytes) throw new RangeError(`maxBytes ${maxBytes} cannot hold even an empty inventory event`);

  const groups: InventoriedPolicy[][] = [];
  let current: InventoriedPolicy[] = [];
  let currentBytes = emptyBytes;
  for (const original of policies) {
    let policy = original;
    let bytes = utf8Length(JSON.stringify(policy));
    if (emptyBytes + bytes > maxBytes && policy.content !== undefined) {
      const { content: _dropped, ...rest } = policy;
      policy = { ...rest, contentOmitted: true };
      bytes = utf8Length(JSON.stringify(policy));
    }
    if (emptyBytes + bytes > maxBytes) {
      throw new RangeError(`policy ${policy.id} does not fit an inventory event of ${maxBytes} bytes`);
    }
    // Every policy after the first in a part costs a comma in the array.
    const added = current.length === 0 ? bytes : bytes + 1;
    if (current.length > 0 && currentBytes + added > maxBytes) {
      groups.push(current);
      current = [];
      currentBytes = emptyBytes + bytes;
    } else {
      currentBytes += added;
    }
    current.push(policy);
  }
  groups.push(current);

  return groups.map((list, index) => {
    const detail = JSON.stringify(detailOf(index + 1, groups.length, list));
    return {
      source: POLICY_INVENTORY_SOURCE,
      detailType: POLICY_INVENTORY_DETAIL_TYPE,
      detail,
      bytes: fixedBytes + utf8Length(detail),
    };
  });
}

/**
 * Groups entries into PutEvents requests: at most 10 entries, and together at most `maxBytes` (EventBridge
 * limits a request's entries together as it limits one entry).
 */
export function putEventsBatches<T extends { readonly bytes: number }>(
  entries: readonly T[],
  maxBytes: number = EVENTBRIDGE_ENTRY_LIMIT_BYTES,
): T[][] {
  const batches: T[][] = [];
  let batch: T[] = [];
  let bytes = 0;
  for (const entry of entries) {
    if (batch.length > 0 && (batch.length >= PUT_EVENTS_MAX_ENTRIES || bytes + entry.bytes > maxBytes)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(entry);
    bytes += entry.bytes;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/** Bytes of a string in UTF-8 (a lone surrogate counts as the 3 bytes of U+FFFD it is encoded as). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}
