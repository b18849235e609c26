import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoPolicyVersions } from '../../../src/aws/ledger/DynamoPolicyVersions.js';
import type { Signal } from '../../../src/core/signal.js';
import { type LocalLedgerTable, startLocalLedgerTable } from './localLedgerTable.js';
import { makeSignal } from './makeSignal.js';

let local: LocalLedgerTable;

beforeAll(async () => {
  local = await startLocalLedgerTable();
});
afterAll(async () => {
  await local?.close();
});

async function freshPolicies(now: () => number = Date.now): Promise<DynamoPolicyVersions> {
  return new DynamoPolicyVersions({ client: local.client, tableName: await local.createTable(), now });
}

function policySignal(overrides: Partial<Signal> & { policy: NonNullable<Signal['policy']> }): Signal {
  return makeSignal({
    kind: 'policy-change',
    outcome: 'changed',
    severity: 'warning',
    source: 'cloudtrail-api-call',
    eventType: overrides.policy.operation ?? 'UpdatePolicy',
    jobId: undefined,
    resource: {},
    ...overrides,
  });
}

describe('DynamoPolicyVersions policy versions', () => {
  const create = policySignal({
    id: 'p:create',
    times: { event: '2026-11-20T10:00:00Z' },
    policy: { id: 'p-123', name: 'daily', type: 'BACKUP_POLICY', operation: 'CreatePolicy', content: '{"v":1}' },
  });
  const update1 = policySignal({
    id: 'p:update1',
    times: { event: '2026-11-21T10:00:00Z' },
    policy: { id: 'p-123', name: 'daily', type: 'BACKUP_POLICY', operation: 'UpdatePolicy', content: '{"v":2}' },
  });
  const update2 = policySignal({
    id: 'p:update2',
    times: { event: '2026-11-21T11:00:00Z' },
    policy: { id: 'p-123', operation: 'UpdatePolicy', content: '{"v":3}' },
  });

  it('finds the version before an update, even when updates arrive out of order', async () => {
    const policies = await freshPolicies();
    await policies.recordPolicyChange(create);
    await policies.recordPolicyChange(update2);
    expect(await policies.previousPolicyContent(update1)).toBe('{"v":1}');
    await policies.recordPolicyChange(update1);
    expect(await policies.previousPolicyContent(update2)).toBe('{"v":2}');
    expect(await policies.previousPolicyContent(create)).toBeUndefined();
  });

  it('recognises a DeletePolicy without a type as a backup policy by the id it saw before', async () => {
    const policies = await freshPolicies();
    await policies.recordPolicyChange(create);
    const del = policySignal({ id: 'p:del', policy: { id: 'p-123', operation: 'DeletePolicy' } });
    const delUnknown = policySignal({ id: 'p:del2', policy: { id: 'p-999', operation: 'DeletePolicy' } });
    expect(await policies.isBackupPolicy(del)).toBe(true);
    expect(await policies.isBackupPolicy(delUnknown)).toBe(false);
    await policies.recordPolicyChange(del);
    // A retried DeletePolicy is still recognised: the type is kept, the deletion only added.
    expect(await policies.knownPolicy('p-123')).toMatchObject({ type: 'BACKUP_POLICY', name: 'daily' });
    expect(await policies.isBackupPolicy(del)).toBe(true);
  });

  it('does not take a refused UpdatePolicy or DeletePolicy as a change', async () => {
    const policies = await freshPolicies();
    await policies.recordPolicyChange(create);
    const refusedUpdate = policySignal({
      id: 'p:refused',
      outcome: 'failed',
      times: { event: '2026-11-21T09:00:00Z' },
      policy: { id: 'p-123', operation: 'UpdatePolicy', content: '{"v":"attacker"}' },
    });
    await policies.recordPolicyChange(refusedUpdate);
    expect(await policies.previousPolicyContent(update1)).toBe('{"v":1}');
    await policies.recordPolicyChange(
      policySignal({ id: 'p:del-refused', outcome: 'failed', policy: { id: 'p-123', operation: 'DeletePolicy' } }),
    );
    expect((await policies.knownPolicy('p-123'))?.deletedAtMs).toBeUndefined();
    const [attempt] = await policies.policyChangesOfDay('2026-11-21');
    expect(attempt).toMatchObject({ operation: 'UpdatePolicy', refused: true });
  });

  it('tells other policy types apart by the type they carry', async () => {
    const policies = await freshPolicies();
    const scp = policySignal({
      id: 'p:scp',
      policy: { id: 'p-scp', type: 'SERVICE_CONTROL_POLICY', operation: 'CreatePolicy' },
    });
    expect(await policies.isBackupPolicy(scp)).toBe(false);
  });

  it('lists a day’s policy changes for the digest', async () => {
    const policies = await freshPolicies();
    await policies.recordPolicyChange(create);
    await policies.recordPolicyChange(update1);
    await policies.recordPolicyChange(update2);
    const changes = await policies.policyChangesOfDay('2026-11-21');
    expect(changes.map((c) => c.operation)).toEqual(['UpdatePolicy', 'UpdatePolicy']);
    expect(changes[0]).toMatchObject({ policyId: 'p-123', policyName: 'daily' });
  });
});
