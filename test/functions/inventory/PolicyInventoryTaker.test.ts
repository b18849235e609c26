import { describe, expect, it } from 'vitest';
import type { Clock } from '../../../src/aws/retry/Clock.js';
import type {
  InventoriedPolicy,
  InventoryEntry,
  PolicyInventoryDetail,
  PolicyListing,
} from '../../../src/core/inventory/policyInventory.js';
import { InventoryDeliveryError } from '../../../src/functions/inventory/InventoryDeliveryError.js';
import type { InventoryEventSender, RefusedEntry } from '../../../src/functions/inventory/inventoryPorts.js';
import { PolicyInventoryTaker } from '../../../src/functions/inventory/PolicyInventoryTaker.js';
import type { FunctionLogger } from '../../../src/functions/lambdaEvents.js';

const NOW = new Date('2026-03-01T06:00:00.000Z');

function policy(i: number, type: string): InventoriedPolicy {
  const id = `p-${String(i).padStart(10, '0')}`;
  return {
    id,
    name: `policy-${i}`,
    type,
    arn: `arn:aws:organizations::111111111111:policy/o-a1b2c3d4e5/${type.toLowerCase()}/${id}`,
    awsManaged: false,
    ...(type === 'BACKUP_POLICY' ? { content: `{"plans":{"p${i}":{}}}` } : {}),
  };
}

/** A sender that refuses the entries a script says, per call, and records what it was sent. */
class ScriptedSender implements InventoryEventSender {
  readonly calls: InventoryEntry[][] = [];
  constructor(private readonly refusals: ((entries: readonly InventoryEntry[]) => number[])[] = []) {}

  async send(entries: readonly InventoryEntry[]): Promise<RefusedEntry[]> {
    this.calls.push([...entries]);
    const refuse = this.refusals[this.calls.length - 1]?.(entries) ?? [];
    return refuse.map((index) => ({ index, errorCode: 'ThrottlingException', errorMessage: 'Rate exceeded' }));
  }

  /** Every entry EventBridge accepted, as details. */
  accepted(): PolicyInventoryDetail[] {
    const out: PolicyInventoryDetail[] = [];
    this.calls.forEach((entries, call) => {
      const refused = new Set(this.refusals[call]?.(entries) ?? []);
      entries.forEach((e, i) => {
        if (!refused.has(i)) out.push(JSON.parse(e.detail) as PolicyInventoryDetail);
      });
    });
    return out;
  }
}

function recordingLogger(): FunctionLogger & { lines: { level: string; message: string; extra: unknown[] }[] } {
  const lines: { level: string; message: string; extra: unknown[] }[] = [];
  const at =
    (level: string) =>
    (message: string, ...extra: unknown[]) =>
      void lines.push({ level, message, extra });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

const instantClock: Clock = { now: () => 0, sleep: async () => {} };

function taker(listing: PolicyListing, sender: InventoryEventSender, logger = recordingLogger(), maxSendAttempts = 6) {
  return new PolicyInventoryTaker({
    lister: { listAll: async () => listing },
    sender,
    logger,
    now: () => NOW,
    clock: instantClock,
    random: () => 0.5,
    maxEventBytes: 20_000,
    maxSendAttempts,
  });
}

const policies = Array.from({ length: 400 }, (_, i) =>
  policy(i, i % 4 === 0 ? 'BACKUP_POLICY' : 'SERVICE_CONTROL_POLICY'),
);

describe('PolicyInventoryTaker', () => {
  it('sends the whole inventory in parts and logs counts per type', async () => {
    const sender = new ScriptedSender();
    const logger = recordingLogger();
    const report = await taker({ policies, skippedTypes: [] }, sender, logger).run();
    expect(report).toMatchObject({
      takenAt: NOW.toISOString(),
      policies: 400,
      countsByType: { BACKUP_POLICY: 100, SERVICE_CONTROL_POLICY: 300 },
      complete: true,
      resentEntries: 0,
    });
    expect(report.parts).toBeGreaterThan(1);
    const parts = sender.accepted();
    expect(parts).toHaveLength(report.parts);
    expect(parts.flatMap((d) => d.policies)).toEqual(policies);
    expect(logger.lines).toContainEqual(
      expect.objectContaining({
        level: 'info',
        message: 'policy inventory sent',
        extra: [expect.objectContaining({ countsByType: report.countsByType })],
      }),
    );
  });

  it('sends again exactly the entries EventBridge refused, until all are taken', async () => {
    // First call: refuse entries 1 and 2; the resend of those two: refuse the second again; then accept.
    const sender = new ScriptedSender([() => [1, 2], () => [1], () => []]);
    const report = await taker({ policies: policies.slice(0, 300), skippedTypes: [] }, sender).run();
    expect(report.parts).toBeGreaterThanOrEqual(3);
    expect(sender.calls.map((c) => c.length)).toEqual([report.parts, 2, 1]);
    expect(sender.calls[1]).toEqual([sender.calls[0]?.[1], sender.calls[0]?.[2]]);
    expect(sender.calls[2]).toEqual([sender.calls[0]?.[2]]);
    expect(report.resentEntries).toBe(3);
    // Every part arrived exactly once.
    const accepted = sender.accepted();
    expect(accepted.map((d) => d.part).sort((a, b) => a - b)).toEqual(
      Array.from({ length: report.parts }, (_, i) => i + 1),
    );
    expect(accepted.flatMap((d) => d.policies)).toHaveLength(300);
  });

  it('fails the run when EventBridge still refuses an entry after every attempt', async () => {
    const sender = new ScriptedSender(Array.from({ length: 3 }, () => () => [0]));
    const error = await taker({ policies: policies.slice(0, 5), skippedTypes: [] }, sender, recordingLogger(), 3)
      .run()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InventoryDeliveryError);
    expect(error).toMatchObject({ attempts: 3, message: expect.stringContaining('ThrottlingException') });
    expect(sender.calls).toHaveLength(3);
  });

  it('marks the inventory incomplete and warns when policy types were skipped', async () => {
    const sender = new ScriptedSender();
    const logger = recordingLogger();
    const skippedTypes = [{ type: 'CHATBOT_POLICY', reason: 'PolicyTypeNotEnabledException: not enabled' }];
    const report = await taker({ policies: policies.slice(0, 3), skippedTypes }, sender, logger).run();
    expect(report).toMatchObject({ complete: false, skippedTypes });
    expect(sender.accepted()[0]).toMatchObject({ complete: false, skippedTypes });
    expect(logger.lines).toContainEqual(expect.objectContaining({ level: 'warn', extra: [{ skippedTypes }] }));
  });

  it('sends nothing when the listing fails: the run fails for the retry and the dead-letter queue', async () => {
    const sender = new ScriptedSender();
    const failing = new PolicyInventoryTaker({
      lister: { listAll: async () => Promise.reject(new Error('AccessDeniedException')) },
      sender,
      logger: recordingLogger(),
    });
    await expect(failing.run()).rejects.toThrow('AccessDeniedException');
    expect(sender.calls).toEqual([]);
  });
});
