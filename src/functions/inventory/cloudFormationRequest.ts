/**
 * The deployment-time run. The management stack holds a custom resource whose service token is the
 * inventory function itself, so CloudFormation invokes it on every create and on every update that changes
 * the function's code or settings: the inventory is seeded at deployment, not only by the next schedule.
 * The function answers CloudFormation first (SUCCESS: a slow or failing listing must never hold up or roll
 * back a deployment; failures take the function's own path: retries, dead-letter queue, alarm), then runs.
 */

/** The part of a CloudFormation custom resource request the function reads. */
export interface CloudFormationRequest {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId?: string;
}

/** The one physical id of the run resource, so an update never looks like a replacement. */
export const RUN_RESOURCE_ID = 'vaultpilot-policy-inventory-run';

/** The custom resource request an invocation carries, or undefined for any other invocation (the schedule). */
export function cloudFormationRequestOf(event: unknown): CloudFormationRequest | undefined {
  if (event === null || typeof event !== 'object') return undefined;
  const e = event as Record<string, unknown>;
  const type = e.RequestType;
  if (type !== 'Create' && type !== 'Update' && type !== 'Delete') return undefined;
  for (const key of ['ResponseURL', 'StackId', 'RequestId', 'LogicalResourceId'] as const) {
    if (typeof e[key] !== 'string') return undefined;
  }
  return event as CloudFormationRequest;
}

/** Sends the response to the pre-signed URL CloudFormation waits on (an S3 PUT of a JSON document). */
export async function answerCloudFormation(
  request: CloudFormationRequest,
  reason: string,
  put: typeof fetch = fetch,
): Promise<void> {
  const body = JSON.stringify({
    Status: 'SUCCESS',
    Reason: reason,
    PhysicalResourceId: request.PhysicalResourceId ?? RUN_RESOURCE_ID,
    StackId: request.StackId,
    RequestId: request.RequestId,
    LogicalResourceId: request.LogicalResourceId,
  });
  // The URL is signed without a content type: send none, or S3 refuses the signature.
  const response = await put(request.ResponseURL, {
    method: 'PUT',
    body,
    headers: { 'content-type': '' },
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`CloudFormation response refused: HTTP ${response.status}`);
}
