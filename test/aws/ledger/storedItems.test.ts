/**
 * The items the ledger stores, attribute by attribute. Deployed tables hold these items: a change here is a
 * data migration, not a refactoring.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoLedgerStores } from '../../../src/aws/ledger/dynamoLedgerStores.js';
import { type LocalLedgerTable, startLocalLedgerTable } from './localLedgerTable.js';
import { makeSignal } from './makeSignal.js';

let local: LocalLedgerTable;
beforeAll(async () => {
  local = await startLocalLedgerTable();
});
afterAll(async () => {
  await local?.close();
});

const NOW = Date.parse('2026-11-21T12:00:00Z');

async function storedItems(tableName: string): Promise<Record<string, unknown>[]> {
  const out = await local.client.send(new ScanCommand({ TableName: tableName }));
  return (out.Items ?? []).sort((a, b) => `${a.pk}|${a.sk}`.localeCompare(`${b.pk}|${b.sk}`));
}

describe('the ledger’s stored items', () => {
  it('keeps every item type in the format deployed tables hold', async () => {
    const tableName = await local.createTable();
    const { claims, jobs, policies, unparsed } = dynamoLedgerStores({
      client: local.client,
      tableName,
      now: () => NOW,
    });
    await claims.claim('sig-1', 'msg-a');
    await claims.markChannelSent('sig-1', 'email:ops');
    await claims.markDone('sig-1', 'notified', 'slack:ops');
    await jobs.recordJob(makeSignal({ id: 'j:FAILED', statusMessage: 'Access denied' }));
    await jobs.recordGoodRecoveryPoint(
      makeSignal({ id: 'j2:OK', jobId: 'job-2', outcome: 'succeeded', state: 'COMPLETED', recoveryPointArn: 'rp-2' }),
    );
    const policy = {
      kind: 'policy-change' as const,
      outcome: 'changed' as const,
      severity: 'warning' as const,
      source: 'cloudtrail-api-call' as const,
      jobId: undefined,
      resource: {},
      actor: 'arn:aws:iam::999988887777:role/admin',
      account: '999988887777',
    };
    await policies.recordPolicyChange(
      makeSignal({
        ...policy,
        id: 'p:create',
        eventType: 'CreatePolicy',
        times: { event: '2026-11-21T09:00:00Z' },
        policy: { id: 'p-1', name: 'daily', type: 'BACKUP_POLICY', operation: 'CreatePolicy', content: '{"v":1}' },
      }),
    );
    await policies.recordPolicyChange(
      makeSignal({
        ...policy,
        id: 'p:delete',
        eventType: 'DeletePolicy',
        times: { event: '2026-11-21T10:00:00Z' },
        policy: { id: 'p-1', operation: 'DeletePolicy' },
      }),
    );
    await unparsed.keepUnparsed(
      makeSignal({
        id: 'u:1',
        kind: 'unparsed',
        outcome: 'unknown',
        source: 'unknown',
        reason: 'not JSON',
        raw: '{{',
        times: {},
      }),
      NOW - 60_000,
    );
    const items = await storedItems(tableName);
    // The claim's lease and first-seen time are the test clock's; sets come back as sets.
    expect(items).toMatchInlineSnapshot(`
      [
        {
          "account": "111122223333",
          "atMs": 1795255200000,
          "expiresAt": 1829822400,
          "jobId": "job-1",
          "kind": "backup-job",
          "outcome": "failed",
          "pk": "DAY#2026-11-21",
          "region": "eu-west-1",
          "resourceArn": "arn:aws:ec2:eu-west-1:111122223333:volume/vol-0abc",
          "resourceName": "vol-0abc",
          "resourceType": "EBS",
          "signalId": "j:FAILED",
          "sk": "JOB#backup-job#job-1",
          "statusMessage": "Access denied",
        },
        {
          "account": "999988887777",
          "actor": "arn:aws:iam::999988887777:role/admin",
          "atMs": 1795251600000,
          "expiresAt": 1829822400,
          "operation": "CreatePolicy",
          "pk": "DAY#2026-11-21",
          "policyId": "p-1",
          "policyName": "daily",
          "refused": false,
          "sk": "POLICY#2026-11-21T09:00:00.000Z#p:create",
        },
        {
          "account": "999988887777",
          "actor": "arn:aws:iam::999988887777:role/admin",
          "atMs": 1795255200000,
          "expiresAt": 1829822400,
          "operation": "DeletePolicy",
          "pk": "DAY#2026-11-21",
          "policyId": "p-1",
          "refused": false,
          "sk": "POLICY#2026-11-21T10:00:00.000Z#p:delete",
        },
        {
          "atMs": 1795262340000,
          "expiresAt": 1803038400,
          "pk": "DAY#2026-11-21",
          "raw": "{{",
          "reason": "not JSON",
          "signalId": "u:1",
          "sk": "UNPARSED#2026-11-21T11:59:00.000Z#u:1",
          "source": "unknown",
          "truncated": false,
        },
        {
          "atMs": 1795255200000,
          "expiresAt": 1798286400,
          "outcome": "failed",
          "pk": "JOB#backup-job#job-1",
          "rank": 3,
          "signalId": "j:FAILED",
          "sk": "STATE",
          "state": "FAILED",
        },
        {
          "account": "111122223333",
          "atMs": 1795255200000,
          "expiresAt": 1803031200,
          "pk": "LASTGOOD",
          "recoveryPointArn": "rp-2",
          "region": "eu-west-1",
          "resourceArn": "arn:aws:ec2:eu-west-1:111122223333:volume/vol-0abc",
          "resourceName": "vol-0abc",
          "resourceType": "EBS",
          "sk": "RES#arn:aws:ec2:eu-west-1:111122223333:volume/vol-0abc",
          "vaultName": "prod-vault",
        },
        {
          "deletedAtMs": 1795255200000,
          "lastSeenAt": 1795262400000,
          "pk": "POLICY#p-1",
          "policyName": "daily",
          "policyType": "BACKUP_POLICY",
          "sk": "LATEST",
        },
        {
          "atMs": 1795251600000,
          "content": "{"v":1}",
          "operation": "CreatePolicy",
          "pk": "POLICY#p-1",
          "signalId": "p:create",
          "sk": "V#2026-11-21T09:00:00.000Z#p:create",
        },
        {
          "account": "111122223333",
          "atMs": 1795255200000,
          "expiresAt": 1829822400,
          "jobId": "job-1",
          "kind": "backup-job",
          "outcome": "failed",
          "pk": "RES#arn:aws:ec2:eu-west-1:111122223333:volume/vol-0abc",
          "region": "eu-west-1",
          "resourceArn": "arn:aws:ec2:eu-west-1:111122223333:volume/vol-0abc",
          "resourceName": "vol-0abc",
          "resourceType": "EBS",
          "signalId": "j:FAILED",
          "sk": "JOB#2026-11-21T10:00:00.000Z#backup-job#job-1",
          "statusMessage": "Access denied",
        },
        {
          "attempts": 1,
          "claimant": "msg-a",
          "doneAt": 1795262400000,
          "expiresAt": 1796472000,
          "firstSeenAt": 1795262400000,
          "leaseUntil": 1795263300000,
          "outcome": "notified",
          "pk": "SIGNAL#sig-1",
          "sent": Set {
            "email:ops",
            "slack:ops",
          },
          "sk": "CLAIM",
        },
      ]
    `);
  });
});
