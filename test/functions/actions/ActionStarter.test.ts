import { describe, expect, it } from 'vitest';
import { backupJobCompletedEvent } from '../../../sandbox/actions/scenarioEvents.js';
import type { ActionLedger, ActionRecord, ClaimResult } from '../../../src/aws/export/ActionLedger.js';
import { exportRequestSchema } from '../../../src/core/actions/exportWorkflow.js';
import { type ActionsConfig, ActionsSchema } from '../../../src/core/config/actionsSchema.js';
import { ActionStarter } from '../../../src/functions/actions/ActionStarter.js';

const actions = ActionsSchema.parse({
  enabled: true,
  vaults: [{ name: 'prod-daily' }],
  resourceTypes: { RDS: { export: 'parquet' } },
});
const STATE_MACHINE = 'arn:aws:states:eu-west-1:111122223333:stateMachine:vaultpilot-rds-export';
const ARN = 'arn:aws:rds:eu-west-1:111122223333:snapshot:awsbackup:job-starter-0001';
const event = backupJobCompletedEvent({
  account: '111122223333',
  region: 'eu-west-1',
  vault: 'prod-daily',
  recoveryPointArn: ARN,
  resourceArn: 'arn:aws:rds:eu-west-1:111122223333:db:orders-db',
  resourceType: 'RDS',
  time: '2026-11-20T02:31:09Z',
});

function starterWith(existing: ActionRecord | undefined, config: ActionsConfig = actions) {
  const started: { name: string; input: unknown }[] = [];
  const ledger = {
    async claim(): Promise<ClaimResult> {
      return existing ? { claimed: false, existing } : { claimed: true };
    },
    async markStarted() {},
  } as unknown as ActionLedger;
  const starter = new ActionStarter({
    actions: config,
    ledger,
    stateMachineArn: STATE_MACHINE,
    executions: {
      async start(name, input) {
        started.push({ name, input });
        return {
          executionArn: `${STATE_MACHINE.replace(':stateMachine:', ':execution:')}:${name}`,
          alreadyStarted: false,
        };
      },
    },
  });
  return { starter, started };
}

describe('ActionStarter', () => {
  it('starts a fresh claim under a name derived from the recovery point', async () => {
    const { starter, started } = starterWith(undefined);
    expect(await starter.handle(event)).toMatchObject([{ decision: 'started' }]);
    expect(started[0]?.name).toMatch(/^rp-[0-9a-f]{16}-orders-db-a1$/);
  });

  it('restarts a claim left `claimed` under its own name and input, not this trigger’s', async () => {
    const input = { request: { marker: 'the first trigger’s request' } };
    const { starter, started } = starterWith({
      recoveryPointArn: ARN,
      attempt: 1,
      status: 'claimed',
      executionName: 'rp-from-the-first-trigger-a1',
      claimedAt: '2026-11-20T02:31:10Z',
      input,
    });
    await starter.handle(event);
    expect(started).toEqual([{ name: 'rp-from-the-first-trigger-a1', input }]);
  });

  it.each([
    ['a DynamoDB backup', 'arn:aws:dynamodb:eu-west-1:111122223333:table/Orders/backup/01763611211204-5f1c3a2e'],
    ['an AWS Backup recovery point', 'arn:aws:backup:eu-west-1:111122223333:recovery-point:7d3a1e5c-0b2f-4c6d'],
  ])('starts a DynamoDB export of %s, with a request the workflow accepts', async (_form, recoveryPointArn) => {
    const ddbActions = ActionsSchema.parse({
      enabled: true,
      vaults: [{ name: 'prod-daily' }],
      resourceTypes: { DynamoDB: { export: 'parquet', exportFrom: 'source-pitr' } },
    });
    const base = backupJobCompletedEvent({
      account: '111122223333',
      region: 'eu-west-1',
      vault: 'prod-daily',
      recoveryPointArn,
      resourceArn: 'arn:aws:dynamodb:eu-west-1:111122223333:table/Orders',
      resourceType: 'RDS',
      time: '2026-11-20T02:31:09Z',
    });
    const ddbEvent = { ...base, detail: { ...base.detail, resourceType: 'DynamoDB' } };
    const { starter, started } = starterWith(undefined, ddbActions);
    expect(await starter.handle(ddbEvent)).toMatchObject([{ decision: 'started', recoveryPointArn }]);
    expect(started[0]?.name).toMatch(/^rp-[0-9a-f]{16}-orders-a1$/);
    const { request } = (started[0]?.input ?? {}) as { request?: unknown };
    const parsed = exportRequestSchema.parse(request);
    expect(parsed).toMatchObject({
      workflow: 'dynamodb-export-parquet',
      resourceType: 'DynamoDB',
      dynamoDbExportFrom: 'source-pitr',
      recoveryPointArn,
      resourceName: 'Orders',
      vault: 'prod-daily',
      deleteAfterExport: false,
      executionArn: `${STATE_MACHINE.replace(':stateMachine:', ':execution:')}:${started[0]?.name}`,
    });
    expect(parsed.s3Prefix).toMatch(/\/type=dynamodb\/resource=Orders\/date=2026-11-20$/);
  });

  it('starts an EBS snapshot as an ebs-block-archive request, the account from the signal', async () => {
    const recoveryPointArn = 'arn:aws:ec2:eu-west-1::snapshot/snap-0f1e2d3c4b5a69788';
    const ebsActions = ActionsSchema.parse({
      enabled: true,
      vaults: [{ name: 'prod-daily' }],
      resourceTypes: { EBS: { export: 'block', maxChainDepth: 3 } },
      deleteRecoveryPointAfterExport: true,
    });
    const base = backupJobCompletedEvent({
      account: '111122223333',
      region: 'eu-west-1',
      vault: 'prod-daily',
      recoveryPointArn,
      resourceArn: 'arn:aws:ec2:eu-west-1:111122223333:volume/vol-0a1b2c3d4e5f67890',
      resourceType: 'RDS',
      time: '2026-11-20T02:31:09Z',
    });
    const ebsEvent = { ...base, detail: { ...base.detail, resourceType: 'EBS' } };
    const { starter, started } = starterWith(undefined, ebsActions);
    expect(await starter.handle(ebsEvent)).toMatchObject([{ decision: 'started', recoveryPointArn }]);
    expect(started[0]?.name).toMatch(/^rp-[0-9a-f]{16}-vol-0a1b2c3d4e5f67890-a1$/);
    const { request } = (started[0]?.input ?? {}) as { request?: unknown };
    const parsed = exportRequestSchema.parse(request);
    expect(parsed).toMatchObject({
      workflow: 'ebs-block-archive',
      resourceType: 'EBS',
      ebsMaxChainDepth: 3,
      recoveryPointArn,
      resourceName: 'vol-0a1b2c3d4e5f67890',
      account: '111122223333',
      region: 'eu-west-1',
      vault: 'prod-daily',
      deleteAfterExport: true,
      executionArn: `${STATE_MACHINE.replace(':stateMachine:', ':execution:')}:${started[0]?.name}`,
    });
    expect(parsed.s3Prefix).toMatch(/\/type=ebs\/resource=vol-0a1b2c3d4e5f67890\/date=2026-11-20$/);

    // EBS off (the default): nothing starts.
    const off = starterWith(undefined);
    expect(await off.starter.handle(ebsEvent)).toMatchObject([
      { decision: 'none', reason: expect.stringMatching(/EBS\.export is none/) },
    ]);
    expect(off.started).toEqual([]);
  });

  it('starts nothing for an EC2 recovery point (AMI), whatever EC2.export says', async () => {
    const base = backupJobCompletedEvent({
      account: '111122223333',
      region: 'eu-west-1',
      vault: 'prod-daily',
      recoveryPointArn: 'arn:aws:ec2:eu-west-1::image/ami-0abcdef1234567890',
      resourceArn: 'arn:aws:ec2:eu-west-1:111122223333:instance/i-0123456789abcdef0',
      resourceType: 'RDS',
      time: '2026-11-20T02:31:09Z',
    });
    const ec2Actions = ActionsSchema.parse({
      enabled: true,
      vaults: [{ name: 'prod-daily' }],
      resourceTypes: { EBS: { export: 'block' }, EC2: { export: 'block' } },
    });
    const { starter, started } = starterWith(undefined, ec2Actions);
    expect(await starter.handle({ ...base, detail: { ...base.detail, resourceType: 'EC2' } })).toMatchObject([
      { decision: 'none', reason: expect.stringMatching(/EC2 recovery points \(AMIs\) are not archived yet/) },
    ]);
    expect(started).toEqual([]);
  });

  it('starts nothing for a DynamoDB recovery point while DynamoDB export is none', async () => {
    const base = backupJobCompletedEvent({
      account: '111122223333',
      region: 'eu-west-1',
      vault: 'prod-daily',
      recoveryPointArn: 'arn:aws:dynamodb:eu-west-1:111122223333:table/Orders/backup/01763611211204-5f1c3a2e',
      resourceArn: 'arn:aws:dynamodb:eu-west-1:111122223333:table/Orders',
      resourceType: 'RDS',
      time: '2026-11-20T02:31:09Z',
    });
    const { starter, started } = starterWith(undefined);
    expect(await starter.handle({ ...base, detail: { ...base.detail, resourceType: 'DynamoDB' } })).toMatchObject([
      { decision: 'none', reason: expect.stringMatching(/DynamoDB\.export is none/) },
    ]);
    expect(started).toEqual([]);
  });

  it('starts nothing for a claim that already runs or ended', async () => {
    const { starter, started } = starterWith({
      recoveryPointArn: ARN,
      attempt: 1,
      status: 'started',
      executionName: 'rp-x-a1',
      claimedAt: '2026-11-20T02:31:10Z',
    });
    expect(await starter.handle(event)).toMatchObject([{ decision: 'duplicate', status: 'started' }]);
    expect(started).toEqual([]);
  });
});
