import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoSignalClaims } from '../../../src/aws/ledger/DynamoSignalClaims.js';
import { type LocalLedgerTable, startLocalLedgerTable } from './localLedgerTable.js';

let local: LocalLedgerTable;

beforeAll(async () => {
  local = await startLocalLedgerTable();
});
afterAll(async () => {
  await local?.close();
});

async function freshClaims(now: () => number = Date.now): Promise<DynamoSignalClaims> {
  return new DynamoSignalClaims({
    client: local.client,
    tableName: await local.createTable(),
    now,
    claimLeaseMs: 60_000,
  });
}

describe('DynamoSignalClaims.claim', () => {
  it('grants the first claim and refuses a second claimant once the notification is done', async () => {
    const claims = await freshClaims();
    expect((await claims.claim('sig-1', 'msg-a')).status).toBe('new');
    await claims.markDone('sig-1', 'notified');
    expect((await claims.claim('sig-1', 'msg-b')).status).toBe('duplicate');
    expect((await claims.claim('sig-1', 'msg-a')).status).toBe('duplicate');
  });

  it('lets the same claimant resume an unfinished claim and tells which channels already went out', async () => {
    const claims = await freshClaims();
    await claims.claim('sig-2', 'msg-a');
    await claims.markChannelSent('sig-2', 'email:ops');
    const again = await claims.claim('sig-2', 'msg-a');
    expect(again.status).toBe('resumed');
    expect(again.status !== 'duplicate' && [...again.sentChannels]).toEqual(['email:ops']);
  });

  it('treats another claimant as a duplicate while the lease is live, and lets it take over after', async () => {
    let now = Date.parse('2026-11-21T10:00:00Z');
    const claims = await freshClaims(() => now);
    await claims.claim('sig-3', 'msg-a');
    expect((await claims.claim('sig-3', 'msg-b')).status).toBe('duplicate');
    now += 61_000;
    expect((await claims.claim('sig-3', 'msg-b')).status).toBe('resumed');
  });
});
