import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DescribePolicyCommand, ListPoliciesCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { HANDLER_ENTRIES, INVENTORY_ENV } from '../../../src/core/deployment/contract.js';
import { parsePolicyInventoryEvent } from '../../../src/core/inventory/policyInventory.js';
import { InvalidEnvironmentError, MissingEnvironmentError } from '../../../src/functions/FunctionError.js';
import { cloudFormationRequestOf, RUN_RESOURCE_ID } from '../../../src/functions/inventory/cloudFormationRequest.js';
import { InventoryEnvironment } from '../../../src/functions/inventory/InventoryEnvironment.js';

const BUS = 'arn:aws:events:eu-west-1:222222222222:event-bus/vaultpilot';
const organizations = mockClient(OrganizationsClient);
const eventBridge = mockClient(EventBridgeClient);
const saved = { ...process.env };
const meta = { $metadata: {} };

const cfnRequest = (RequestType: string) => ({
  RequestType,
  ResponseURL: 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/signed',
  StackId: 'arn:aws:cloudformation:us-east-1:111111111111:stack/Vaultpilot-Management/1',
  RequestId: 'r-1',
  LogicalResourceId: 'InventoryAtDeployment',
  ResourceType: 'Custom::VaultpilotPolicyInventory',
  ServiceToken: 'arn:aws:lambda:us-east-1:111111111111:function:inventory',
  ResourceProperties: {},
});

beforeEach(() => {
  process.env = {
    ...saved,
    [INVENTORY_ENV.centralBusArn]: BUS,
    AWS_REGION: 'us-east-1',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  };
  process.env.AWS_ACCESS_KEY_ID = 'local';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';
  vi.resetModules();
  vi.unstubAllGlobals();
  organizations.reset();
  eventBridge.reset();
  organizations
    .on(ListPoliciesCommand)
    .resolves({ ...meta, Policies: [] })
    .on(ListPoliciesCommand, { Filter: 'BACKUP_POLICY' })
    .resolves({
      ...meta,
      Policies: [{ Id: 'p-abcdefgh12', Name: 'daily', Type: 'BACKUP_POLICY', Arn: 'arn:p', AwsManaged: false }],
    })
    .on(DescribePolicyCommand)
    .resolves({ ...meta, Policy: { Content: '{"plans":{}}' } });
  eventBridge.on(PutEventsCommand).resolves({ ...meta, FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
});
afterAll(() => {
  process.env = saved;
  vi.unstubAllGlobals();
});

async function loadHandler() {
  return (await import(
    `../../../${HANDLER_ENTRIES.policyInventory}`
  )) as typeof import('../../../src/functions/policyInventory.js');
}

describe('InventoryEnvironment', () => {
  it('reads the central bus ARN with its Region and account', () => {
    expect(new InventoryEnvironment({ [INVENTORY_ENV.centralBusArn]: ` ${BUS} ` }).centralBus).toEqual({
      arn: BUS,
      region: 'eu-west-1',
      account: '222222222222',
    });
  });

  it('names the variable when it is missing or not an event bus ARN', () => {
    expect(() => new InventoryEnvironment({}).centralBus).toThrow(MissingEnvironmentError);
    expect(() => new InventoryEnvironment({}).centralBus).toThrow(/VAULTPILOT_CENTRAL_BUS_ARN/);
    expect(() => new InventoryEnvironment({ [INVENTORY_ENV.centralBusArn]: 'vaultpilot' }).centralBus).toThrow(
      InvalidEnvironmentError,
    );
  });
});

describe('cloudFormationRequestOf', () => {
  it('recognises custom resource requests and nothing else', () => {
    expect(cloudFormationRequestOf(cfnRequest('Create'))).toMatchObject({ RequestType: 'Create' });
    expect(cloudFormationRequestOf({ 'detail-type': 'Scheduled Event' })).toBeUndefined();
    expect(cloudFormationRequestOf({ ...cfnRequest('Create'), ResponseURL: undefined })).toBeUndefined();
    expect(cloudFormationRequestOf(null)).toBeUndefined();
  });
});

describe('the policyInventory entry point', () => {
  it('fails at cold start naming the missing bus variable', async () => {
    delete process.env[INVENTORY_ENV.centralBusArn];
    await expect(loadHandler()).rejects.toThrow(/VAULTPILOT_CENTRAL_BUS_ARN/);
  });

  it('on its schedule, lists every type and puts the inventory on the central bus', async () => {
    const { handler } = await loadHandler();
    await expect(handler({}, { awsRequestId: 'req-1' })).resolves.toEqual({ status: 'complete' });
    const put = eventBridge.commandCalls(PutEventsCommand);
    expect(put).toHaveLength(1);
    const entry = put[0]?.args[0].input.Entries?.[0];
    expect(entry?.EventBusName).toBe(BUS);
    const parsed = parsePolicyInventoryEvent({
      source: entry?.Source,
      'detail-type': entry?.DetailType,
      detail: JSON.parse(entry?.Detail ?? 'null'),
    });
    expect(parsed).toMatchObject({
      ok: true,
      detail: { policies: [{ id: 'p-abcdefgh12', type: 'BACKUP_POLICY', content: '{"plans":{}}' }] },
    });
    expect(organizations.commandCalls(ListPoliciesCommand).length).toBeGreaterThanOrEqual(8);
    // The client is made for the bus's Region.
    expect(await eventBridge.send.thisValues[0]?.config.region()).toBe('eu-west-1');
  });

  it('at deployment, answers CloudFormation SUCCESS first, then takes the inventory', async () => {
    const order: string[] = [];
    const fetchMock = vi.fn(async (_url: string, init: RequestInit) => {
      order.push('answered');
      return new Response(null, { status: 200, headers: { 'x-body': String(init.body) } });
    });
    vi.stubGlobal('fetch', fetchMock);
    eventBridge.on(PutEventsCommand).callsFake(async () => {
      order.push('sent');
      return { FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] };
    });
    const { handler } = await loadHandler();
    await expect(handler(cfnRequest('Create'))).resolves.toEqual({ status: 'complete' });
    expect(order).toEqual(['answered', 'sent']);
    const [url, init] = fetchMock.mock.calls[0] ?? [];
    expect(url).toBe(cfnRequest('Create').ResponseURL);
    expect(init?.method).toBe('PUT');
    expect(JSON.parse(String(init?.body))).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: RUN_RESOURCE_ID,
      RequestId: 'r-1',
      LogicalResourceId: 'InventoryAtDeployment',
    });
  });

  it('on stack deletion, only answers CloudFormation', async () => {
    const fetchMock = vi.fn(async () => new Response(null, { status: 200 }));
    vi.stubGlobal('fetch', fetchMock);
    const { handler } = await loadHandler();
    await expect(handler(cfnRequest('Delete'))).resolves.toEqual({ status: 'deleted' });
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(organizations.commandCalls(ListPoliciesCommand)).toHaveLength(0);
  });
});
