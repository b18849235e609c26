import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchesEventPattern } from '../../../src/core/eventPatternMatch.js';
import {
  EVENTBRIDGE_ENTRY_LIMIT_BYTES,
  INVENTORY_EVENT_MAX_BYTES,
  type InventoriedPolicy,
  type InventoryEntry,
  inventoryEvents,
  POLICY_INVENTORY_DETAIL_TYPE,
  POLICY_INVENTORY_EVENTS,
  POLICY_INVENTORY_SOURCE,
  type PolicyInventoryDetail,
  parsePolicyInventoryEvent,
  policyInventoryEventsFrom,
  putEventsBatches,
  utf8Length,
} from '../../../src/core/inventory/policyInventory.js';

const TAKEN_AT = '2026-03-01T06:00:00.000Z';
const TYPES = ['SERVICE_CONTROL_POLICY', 'TAG_POLICY', 'BACKUP_POLICY', 'AISERVICES_OPT_OUT_POLICY'];

function policy(i: number, type = TYPES[i % TYPES.length] ?? 'TAG_POLICY'): InventoriedPolicy {
  const id = `p-${i.toString(36).padStart(10, '0')}`;
  return {
    id,
    // Multi-byte names, so bytes and characters differ.
    name: `pölicy-${i}-备份`,
    type,
    arn: `arn:aws:organizations::111111111111:policy/o-a1b2c3d4e5/${type.toLowerCase()}/${id}`,
    awsManaged: i % 97 === 0,
    ...(type === 'BACKUP_POLICY'
      ? {
          content: JSON.stringify({
            plans: { [`plan-${i}`]: { regions: { '@@assign': ['eu-west-1'] }, note: 'x'.repeat(900) } },
          }),
        }
      : {}),
  };
}

/** The envelope EventBridge delivers for an entry. */
function delivered(entry: InventoryEntry, account = '111111111111'): Record<string, unknown> {
  return {
    version: '0',
    id: 'e-1',
    source: entry.source,
    'detail-type': entry.detailType,
    account,
    time: TAKEN_AT,
    region: 'us-east-1',
    resources: [],
    detail: JSON.parse(entry.detail) as unknown,
  };
}

/** The entry size as PutEvents counts it (Source + DetailType + Detail in UTF-8; no Time, no Resources). */
function putEventsSize(entry: InventoryEntry): number {
  return (
    Buffer.byteLength(entry.source, 'utf8') +
    Buffer.byteLength(entry.detailType, 'utf8') +
    Buffer.byteLength(entry.detail, 'utf8')
  );
}

function details(entries: readonly InventoryEntry[]): PolicyInventoryDetail[] {
  return entries.map((e) => {
    const parsed = parsePolicyInventoryEvent(delivered(e));
    if (!parsed.ok) throw new Error(parsed.reason);
    return parsed.detail;
  });
}

describe('inventoryEvents', () => {
  it('splits a 5,000-policy inventory into several events, each under the limit, none lost, in order', () => {
    const policies = Array.from({ length: 5000 }, (_, i) => policy(i));
    const entries = inventoryEvents(policies, TAKEN_AT);
    expect(entries.length).toBeGreaterThan(3);
    for (const entry of entries) {
      expect(putEventsSize(entry)).toBe(entry.bytes);
      expect(entry.bytes).toBeLessThanOrEqual(INVENTORY_EVENT_MAX_BYTES);
      expect(entry.bytes).toBeLessThan(EVENTBRIDGE_ENTRY_LIMIT_BYTES);
    }
    const parts = details(entries);
    expect(parts.map((d) => d.part)).toEqual(entries.map((_, i) => i + 1));
    for (const d of parts) {
      expect(d).toMatchObject({
        version: 1,
        takenAt: TAKEN_AT,
        parts: entries.length,
        complete: true,
        skippedTypes: [],
      });
    }
    expect(parts.flatMap((d) => d.policies)).toEqual(policies);
    // Packed, not one policy per event: all but the last part are well filled.
    for (const entry of entries.slice(0, -1)) expect(entry.bytes).toBeGreaterThan(INVENTORY_EVENT_MAX_BYTES - 5_000);
  });

  it('carries the skipped types in every part and marks every part incomplete', () => {
    const skippedTypes = [{ type: 'CHATBOT_POLICY', reason: 'PolicyTypeNotEnabledException: not enabled' }];
    const entries = inventoryEvents(
      Array.from({ length: 600 }, (_, i) => policy(i)),
      TAKEN_AT,
      50_000,
      { skippedTypes },
    );
    expect(entries.length).toBeGreaterThan(1);
    for (const d of details(entries)) expect(d).toMatchObject({ complete: false, skippedTypes });
  });

  it('sends an empty inventory as one event with no policies', () => {
    const entries = inventoryEvents([], TAKEN_AT);
    expect(details(entries)).toEqual([
      { version: 1, takenAt: TAKEN_AT, part: 1, parts: 1, complete: true, skippedTypes: [], policies: [] },
    ]);
  });

  it('sends a backup policy too large for one event without its document, marked, rather than losing it', () => {
    const big = { ...policy(2, 'BACKUP_POLICY'), content: 'é'.repeat(3_000) };
    const entries = inventoryEvents([policy(0), big, policy(1)], TAKEN_AT, 4_000);
    const all = details(entries).flatMap((d) => d.policies);
    expect(all.map((p) => p.id)).toEqual([policy(0).id, big.id, policy(1).id]);
    expect(all[1]).toMatchObject({ contentOmitted: true });
    expect(all[1]?.content).toBeUndefined();
    for (const entry of entries) expect(entry.bytes).toBeLessThanOrEqual(4_000);
  });

  it('refuses a budget that cannot hold even an empty event', () => {
    expect(() => inventoryEvents([policy(0)], TAKEN_AT, 100)).toThrow(RangeError);
  });

  it('keeps every event within any budget and loses no policy (property)', () => {
    const arbitraryPolicy = fc.record({
      id: fc.stringMatching(/^p-[a-z0-9]{8,12}$/),
      name: fc.string({ unit: 'grapheme', maxLength: 60 }),
      type: fc.constantFrom(...TYPES),
      arn: fc.string({ minLength: 1, maxLength: 120 }),
      awsManaged: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(arbitraryPolicy, { maxLength: 300 }),
        fc.integer({ min: 2_000, max: 60_000 }),
        (list, maxBytes) => {
          const policies: InventoriedPolicy[] = list.map((p) =>
            p.type === 'BACKUP_POLICY' ? { ...p, content: `{"plans":{"${p.name}":{}}}` } : p,
          );
          const entries = inventoryEvents(policies, TAKEN_AT, maxBytes);
          for (const entry of entries) {
            expect(putEventsSize(entry)).toBe(entry.bytes);
            expect(entry.bytes).toBeLessThanOrEqual(maxBytes);
          }
          const parts = details(entries);
          expect(parts.flatMap((d) => d.policies)).toEqual(policies);
          expect(parts.every((d, i) => d.part === i + 1 && d.parts === entries.length)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('putEventsBatches', () => {
  it('puts at most 10 entries and at most the limit in bytes into one request', () => {
    const entries = [100, 100, 200_000, 100_000, 100, ...Array.from({ length: 12 }, () => 10)].map((bytes) => ({
      bytes,
    }));
    const batches = putEventsBatches(entries);
    expect(batches.flat()).toEqual(entries);
    for (const batch of batches) {
      expect(batch.length).toBeLessThanOrEqual(10);
      expect(batch.reduce((sum, e) => sum + e.bytes, 0)).toBeLessThanOrEqual(EVENTBRIDGE_ENTRY_LIMIT_BYTES);
    }
    // 200,200 bytes leave no room for 100,000; then the 10-entry cap closes the second request.
    expect(batches.map((b) => b.length)).toEqual([3, 10, 4]);
  });
});

describe('parsePolicyInventoryEvent', () => {
  const [entry] = inventoryEvents([policy(2, 'BACKUP_POLICY')], TAKEN_AT);
  const event = delivered(entry as InventoryEntry);

  it('returns the typed detail and the account that put it', () => {
    const parsed = parsePolicyInventoryEvent(event);
    expect(parsed).toMatchObject({ ok: true, account: '111111111111', detail: { part: 1, parts: 1 } });
    if (parsed.ok) expect(parsed.detail.policies[0]?.content).toContain('plan-2');
  });

  it('refuses an inventory put by another account than the management account', () => {
    expect(
      parsePolicyInventoryEvent(delivered(entry as InventoryEntry, '999999999999'), {
        expectedAccount: '111111111111',
      }),
    ).toMatchObject({ ok: false, reason: expect.stringContaining('999999999999') });
  });

  it('says why other input is not an inventory', () => {
    expect(parsePolicyInventoryEvent('x')).toMatchObject({ ok: false, reason: expect.stringContaining('JSON object') });
    expect(parsePolicyInventoryEvent({ ...event, source: 'aws.organizations' })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('not a policy inventory'),
    });
    const detail = event.detail as Record<string, unknown>;
    expect(parsePolicyInventoryEvent({ ...event, detail: { ...detail, version: 2 } })).toMatchObject({
      ok: false,
      reason: 'unsupported inventory version 2',
    });
    expect(parsePolicyInventoryEvent({ ...event, detail: { ...detail, part: 3 } })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('part is greater than parts'),
    });
    expect(
      parsePolicyInventoryEvent({
        ...event,
        detail: { ...detail, policies: [{ ...policy(0, 'TAG_POLICY'), content: '{}' }] },
      }),
    ).toMatchObject({ ok: false, reason: expect.stringContaining('only backup policies carry content') });
    expect(parsePolicyInventoryEvent({ ...event, detail: { ...detail, complete: false } })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('complete'),
    });
  });
});

describe('POLICY_INVENTORY_EVENTS', () => {
  it('matches inventory events and nothing AWS sends', () => {
    const [entry] = inventoryEvents([], TAKEN_AT);
    const event = delivered(entry as InventoryEntry);
    expect(matchesEventPattern(POLICY_INVENTORY_EVENTS.pattern, event)).toBe(true);
    expect(matchesEventPattern(POLICY_INVENTORY_EVENTS.pattern, { ...event, source: 'aws.organizations' })).toBe(false);
    expect(POLICY_INVENTORY_EVENTS.pattern).toEqual({
      source: [POLICY_INVENTORY_SOURCE],
      'detail-type': [POLICY_INVENTORY_DETAIL_TYPE],
    });
  });

  it('can be limited to the management account', () => {
    const [entry] = inventoryEvents([], TAKEN_AT);
    const rule = policyInventoryEventsFrom('111111111111');
    expect(matchesEventPattern(rule.pattern, delivered(entry as InventoryEntry))).toBe(true);
    expect(matchesEventPattern(rule.pattern, delivered(entry as InventoryEntry, '222222222222'))).toBe(false);
  });
});

describe('utf8Length', () => {
  it('counts like Buffer.byteLength, surrogate pairs and lone surrogates included', () => {
    for (const text of ['', 'abc', 'é', '备份', '😀x', 'a\uD800b', '\uDC00']) {
      expect(utf8Length(text)).toBe(Buffer.byteLength(text, 'utf8'));
    }
  });
});
