import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoUnparsedInputs } from '../../../src/aws/ledger/DynamoUnparsedInputs.js';
import { type LocalLedgerTable, startLocalLedgerTable } from './localLedgerTable.js';
import { makeSignal } from './makeSignal.js';

let local: LocalLedgerTable;

beforeAll(async () => {
  local = await startLocalLedgerTable();
});
afterAll(async () => {
  await local?.close();
});

async function freshUnparsed(now: () => number = Date.now): Promise<DynamoUnparsedInputs> {
  return new DynamoUnparsedInputs({ client: local.client, tableName: await local.createTable(), now });
}

describe('DynamoUnparsedInputs.keepUnparsed', () => {
  it('keeps the raw input and the reason in its day', async () => {
    const store = await freshUnparsed();
    const unparsed = makeSignal({
      id: 'u:1',
      kind: 'unparsed',
      outcome: 'unknown',
      source: 'unknown',
      reason: 'not JSON',
      raw: '{{not json',
      times: { event: '2026-11-21T10:00:00Z' },
    });
    await store.keepUnparsed(unparsed);
    const kept = await store.unparsedOfDay('2026-11-21');
    expect(kept).toEqual([
      {
        signalId: 'u:1',
        reason: 'not JSON',
        source: 'unknown',
        raw: '{{not json',
        atMs: Date.parse('2026-11-21T10:00:00Z'),
      },
    ]);
  });

  it('truncates an input too large for one item instead of failing', async () => {
    const store = await freshUnparsed();
    const huge = makeSignal({ id: 'u:2', kind: 'unparsed', outcome: 'unknown', raw: { blob: 'x'.repeat(500_000) } });
    await store.keepUnparsed(huge);
    const [kept] = await store.unparsedOfDay('2026-11-21');
    expect(kept?.raw.length).toBe(300_000);
  });
});
