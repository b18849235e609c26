import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoRunLeases } from '../../../src/aws/ledger/DynamoRunLeases.js';
import { type LocalLedgerTable, startLocalLedgerTable } from './localLedgerTable.js';

let local: LocalLedgerTable;

beforeAll(async () => {
  local = await startLocalLedgerTable();
});
afterAll(async () => {
  await local?.close();
});

const MINUTE = 60_000;

async function freshLeases(now: () => number = Date.now): Promise<{ leases: DynamoRunLeases; tableName: string }> {
  const tableName = await local.createTable();
  return { leases: new DynamoRunLeases({ client: local.client, tableName, now }), tableName };
}

describe('DynamoRunLeases', () => {
  it('gives a lease to exactly one of several runs asking at the same time', async () => {
    const { leases } = await freshLeases();
    const taken = await Promise.all(['a', 'b', 'c', 'd'].map((holder) => leases.acquire('rpo-check', holder, MINUTE)));
    expect(taken.filter(Boolean)).toHaveLength(1);
  });

  it('refuses another holder while the lease runs, and lets its own holder take it again (a retry)', async () => {
    const { leases } = await freshLeases();
    expect(await leases.acquire('rpo-check', 'run-1', MINUTE)).toBe(true);
    expect(await leases.acquire('rpo-check', 'run-2', MINUTE)).toBe(false);
    expect(await leases.acquire('rpo-check', 'run-1', MINUTE)).toBe(true);
  });

  it('lets the next run take over a lease whose time ran out', async () => {
    let now = Date.parse('2026-11-21T10:00:00Z');
    const { leases } = await freshLeases(() => now);
    expect(await leases.acquire('rpo-check', 'crashed-run', 5 * MINUTE)).toBe(true);
    now += 4 * MINUTE;
    expect(await leases.acquire('rpo-check', 'next-run', 5 * MINUTE)).toBe(false);
    now += 2 * MINUTE;
    expect(await leases.acquire('rpo-check', 'next-run', 5 * MINUTE)).toBe(true);
    expect(await leases.acquire('rpo-check', 'crashed-run', 5 * MINUTE)).toBe(false);
  });

  it('is released only by its holder', async () => {
    const { leases } = await freshLeases();
    await leases.acquire('digest:2026-11-21', 'run-1', MINUTE);
    expect(await leases.release('digest:2026-11-21', 'run-2')).toBe(false);
    expect(await leases.acquire('digest:2026-11-21', 'run-2', MINUTE)).toBe(false);
    expect(await leases.release('digest:2026-11-21', 'run-1')).toBe(true);
    expect(await leases.acquire('digest:2026-11-21', 'run-2', MINUTE)).toBe(true);
  });

  it('keeps each lease apart by name', async () => {
    const { leases } = await freshLeases();
    expect(await leases.acquire('digest:2026-11-21', 'run-1', MINUTE)).toBe(true);
    expect(await leases.acquire('digest:2026-11-22', 'run-2', MINUTE)).toBe(true);
    expect(await leases.acquire('rpo-check', 'run-3', MINUTE)).toBe(true);
  });

  it('stores the lease as LEASE#<name> / LEASE with its holder, end and a TTL a day after it', async () => {
    const now = Date.parse('2026-11-21T10:00:00Z');
    const { leases, tableName } = await freshLeases(() => now);
    await leases.acquire('rpo-check', 'run-1', 6 * MINUTE);
    const out = await local.client.send(
      new GetCommand({ TableName: tableName, Key: { pk: 'LEASE#rpo-check', sk: 'LEASE' } }),
    );
    expect(out.Item).toEqual({
      pk: 'LEASE#rpo-check',
      sk: 'LEASE',
      name: 'rpo-check',
      holder: 'run-1',
      acquiredAtMs: now,
      expiresAtMs: now + 6 * MINUTE,
      expiresAt: Math.floor((now + 6 * MINUTE) / 1000) + 86_400,
    });
  });
});
