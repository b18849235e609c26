import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoSourceHeartbeats } from '../../../src/aws/ledger/DynamoSourceHeartbeats.js';
import { type LocalLedgerTable, startLocalLedgerTable } from './localLedgerTable.js';

let local: LocalLedgerTable;

beforeAll(async () => {
  local = await startLocalLedgerTable();
});
afterAll(async () => {
  await local?.close();
});

const T0 = Date.parse('2026-12-03T10:00:00Z');
const MINUTE = 60_000;

async function fresh(): Promise<DynamoSourceHeartbeats> {
  return new DynamoSourceHeartbeats({ client: local.client, tableName: await local.createTable() });
}

describe('DynamoSourceHeartbeats', () => {
  it('keeps the newest heartbeat of each account × Region, whatever order they arrive in', async () => {
    const store = await fresh();
    expect(await store.recordHeartbeat({ account: '111111111111', region: 'eu-west-1', atMs: T0 })).toBeUndefined();
    await store.recordHeartbeat({ account: '111111111111', region: 'eu-west-1', atMs: T0 + 15 * MINUTE });
    await store.recordHeartbeat({ account: '111111111111', region: 'eu-west-1', atMs: T0 + 5 * MINUTE });
    await store.recordHeartbeat({ account: '111111111111', region: 'us-east-1', atMs: T0 });
    const sources = await store.sources();
    expect(sources.map((s) => [s.region, s.lastHeardMs]).sort()).toEqual([
      ['eu-west-1', T0 + 15 * MINUTE],
      ['us-east-1', T0],
    ]);
  });

  it('reports a silence once marked, and hands it back when the source is heard again', async () => {
    const store = await fresh();
    await store.recordHeartbeat({ account: '222222222222', region: 'eu-west-1', atMs: T0 });
    expect(await store.markSilent({ account: '222222222222', region: 'eu-west-1', lastHeardMs: T0 })).toBe(true);
    expect((await store.sources())[0]?.silentSinceMs).toBe(T0);
    const before = await store.recordHeartbeat({
      account: '222222222222',
      region: 'eu-west-1',
      atMs: T0 + 90 * MINUTE,
    });
    expect(before?.silentSinceMs).toBe(T0);
    expect((await store.sources())[0]?.silentSinceMs).toBeUndefined();
  });

  it('does not mark a source silent when a heartbeat arrived since the check read it', async () => {
    const store = await fresh();
    await store.recordHeartbeat({ account: '333333333333', region: 'eu-west-1', atMs: T0 });
    await store.recordHeartbeat({ account: '333333333333', region: 'eu-west-1', atMs: T0 + MINUTE });
    expect(await store.markSilent({ account: '333333333333', region: 'eu-west-1', lastHeardMs: T0 })).toBe(false);
  });
});
