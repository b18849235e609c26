/**
 * Lambda entry point of the policy inventory (HANDLER_ENTRIES.policyInventory), in the Organizations
 * management account, us-east-1. Invoked every 6 hours by a schedule and at deployment by CloudFormation (a
 * custom resource, see inventory/cloudFormationRequest.ts). Lists every policy of every type and puts the
 * list on the central bus as "Vaultpilot Policy Inventory" events. A failed run throws: the asynchronous
 * invocation is retried, then lands in the dead-letter queue, which alarms.
 */

import { Logger } from '@aws-lambda-powertools/logger';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { CentralBusEventSender } from '../aws/organizations/CentralBusEventSender.js';
import { OrganizationsPolicyLister } from '../aws/organizations/OrganizationsPolicyLister.js';
import { answerCloudFormation, cloudFormationRequestOf } from './inventory/cloudFormationRequest.js';
import { InventoryEnvironment } from './inventory/InventoryEnvironment.js';
import { PolicyInventoryTaker } from './inventory/PolicyInventoryTaker.js';
import type { LambdaContextLike } from './lambdaEvents.js';

const logger = new Logger({ serviceName: 'vaultpilot-policy-inventory' });
// Read at cold start: a missing or wrong bus ARN fails the first invocation, naming the variable.
const bus = new InventoryEnvironment().centralBus;
const requestHandler = { connectionTimeout: 3_000, requestTimeout: 10_000 };
// The adapters retry with jittered backoff themselves: the SDK's own retries are off (maxAttempts 1).
// Organizations is a global service whose API endpoint is in us-east-1.
const organizations = new OrganizationsClient({ region: 'us-east-1', maxAttempts: 1, requestHandler });
// The central bus may be in another Region: PutEvents goes to the bus's own Region.
const eventBridge = new EventBridgeClient({ region: bus.region, maxAttempts: 1, requestHandler });
const taker = new PolicyInventoryTaker({
  lister: new OrganizationsPolicyLister(organizations),
  sender: new CentralBusEventSender(eventBridge, bus.arn),
  logger,
});

/** Takes the inventory; answers CloudFormation first when the invocation is the deployment-time run. */
export async function handler(event: unknown, context?: LambdaContextLike): Promise<{ status: string }> {
  if (context?.awsRequestId) logger.appendKeys({ requestId: context.awsRequestId });
  const request = cloudFormationRequestOf(event);
  if (request) {
    await answerCloudFormation(
      request,
      `policy inventory ${request.RequestType === 'Delete' ? 'not taken (stack deletion)' : 'started'}`,
    );
    if (request.RequestType === 'Delete') return { status: 'deleted' };
  }
  const report = await taker.run();
  return { status: report.complete ? 'complete' : 'incomplete' };
}
