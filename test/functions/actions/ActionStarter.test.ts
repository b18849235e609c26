import { describe, expect, it } from 'vitest';
import { backupJobCompletedEvent } from '../../../sandbox/actions/scenarioEvents.js';
import type { ActionLedger, ActionRecord, ClaimResult } from '../../../src/aws/export/ActionLedger.js';
import { ActionsSchema } from '../../../src/core/config/actionsSchema.js';
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

function starterWith(existing: ActionRecord | undefined) {
  const started: { name: string; input: unknown }[] = [];
  const ledger = {
    async claim(): Promise<ClaimResult> {
      return existing ? { claimed: false, existing } : { claimed: true };
    },
    async markStarted() {},
  } as unknown as ActionLedger;
  const starter = new ActionStarter({
    actions,
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
