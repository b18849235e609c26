import { EventBridgeClient, InternalException, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { CentralBusEventSender } from '../../../src/aws/organizations/CentralBusEventSender.js';
import { InventorySendError } from '../../../src/aws/organizations/OrganizationsError.js';
import { inventoryEvents } from '../../../src/core/inventory/policyInventory.js';

const eventBridge = mockClient(EventBridgeClient);
const BUS = 'arn:aws:events:eu-west-1:222222222222:event-bus/vaultpilot';
const meta = { $metadata: {} };
const entries = inventoryEvents([], '2026-03-01T06:00:00.000Z');
const retry = { clock: { now: () => 0, sleep: async () => {} }, random: () => 0 };

beforeEach(() => eventBridge.reset());

describe('CentralBusEventSender', () => {
  it('puts each entry on the central bus addressed by its ARN', async () => {
    eventBridge.on(PutEventsCommand).resolves({ ...meta, FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    const refused = await new CentralBusEventSender(new EventBridgeClient({ region: 'eu-west-1' }), BUS).send(entries);
    expect(refused).toEqual([]);
    expect(eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input).toEqual({
      Entries: [
        {
          EventBusName: BUS,
          Source: 'vaultpilot.inventory',
          DetailType: 'Vaultpilot Policy Inventory',
          Detail: entries[0]?.detail,
        },
      ],
    });
  });

  it('returns the entries EventBridge refused, by index, with their error codes', async () => {
    const three = [...entries, ...entries, ...entries];
    eventBridge.on(PutEventsCommand).resolves({
      ...meta,
      FailedEntryCount: 2,
      Entries: [
        { EventId: 'e-1' },
        { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' },
        { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' },
      ],
    });
    const refused = await new CentralBusEventSender(new EventBridgeClient({ region: 'eu-west-1' }), BUS).send(three);
    expect(refused).toEqual([
      { index: 1, errorCode: 'ThrottlingException', errorMessage: 'Rate exceeded' },
      { index: 2, errorCode: 'InternalFailure', errorMessage: 'try again' },
    ]);
  });

  it('retries a request that failed whole, then fails naming the bus', async () => {
    eventBridge
      .on(PutEventsCommand)
      .rejectsOnce(new InternalException({ ...meta, message: 'oops' }))
      .resolves({ ...meta, FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    const sender = new CentralBusEventSender(new EventBridgeClient({ region: 'eu-west-1' }), BUS, { retry });
    await expect(sender.send(entries)).resolves.toEqual([]);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(2);

    eventBridge.reset();
    eventBridge.on(PutEventsCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    const error = await sender.send(entries).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InventorySendError);
    expect((error as Error).message).toContain(BUS);
    // Not retryable: one attempt.
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(1);
  });
});
