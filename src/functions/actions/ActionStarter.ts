/**
 * The starter of the backup actions: turns trigger events (backup and copy jobs completing in a watched vault,
 * recovery points, RDS's own snapshot events) into export workflow executions (RDS/Aurora and DynamoDB exports, EBS
 * block archives), exactly once per recovery point:
 * the ledger claims the attempt with a conditional write, and the execution's name is derived from the recovery
 * point, so duplicated and out-of-order events start one export.
 */
import type { ActionLedger } from '../../aws/export/ActionLedger.js';
import { type ExecutionStarter, executionArnOf } from '../../aws/export/WorkflowExecutions.js';
import { executionName, exportRequestOf } from '../../core/actions/exportRequest.js';
import { planRecoveryPoint } from '../../core/actions/planRecoveryPoint.js';
import type { ActionsConfig } from '../../core/config/actionsSchema.js';
import { normalizeInput } from '../../core/normalize/normalizeInput.js';

export interface ActionStarterOptions {
  readonly actions: ActionsConfig;
  readonly ledger: ActionLedger;
  readonly executions: ExecutionStarter;
  /** The state machine's ARN, for the execution ARN recorded with the request. */
  readonly stateMachineArn: string;
  readonly now?: () => number;
}

/** What the starter did with one signal of an input. */
export type StartDecision =
  | { readonly decision: 'started'; readonly executionArn: string; readonly recoveryPointArn: string }
  | {
      readonly decision: 'duplicate';
      readonly executionArn: string;
      readonly recoveryPointArn: string;
      readonly status: string;
    }
  | { readonly decision: 'none'; readonly reason: string };

export class ActionStarter {
  constructor(private readonly options: ActionStarterOptions) {}

  /** Plans every signal of `input` and starts the exports it calls for. */
  async handle(input: unknown): Promise<StartDecision[]> {
    const decisions: StartDecision[] = [];
    for (const signal of normalizeInput(input)) {
      decisions.push(await this.handleSignal(signal));
    }
    return decisions;
  }

  private async handleSignal(signal: ReturnType<typeof normalizeInput>[number]): Promise<StartDecision> {
    const { actions, ledger, executions, stateMachineArn } = this.options;
    const now = this.options.now ?? Date.now;
    const plan = planRecoveryPoint(signal, actions);
    const request = exportRequestOf(plan, actions, new Date(now()).toISOString());
    if (!request) return { decision: 'none', reason: plan.reason };
    // A copy into another account or Region is acted on by the actions stack there (RDS exports only snapshots
    // of the caller's own account and Region, DynamoDB restores and exports only there too); this one would only
    // fail to find it. RDS/Aurora, DynamoDB and EBS plans are started alike: the request names the workflow (EBS
    // snapshot ARNs carry no account: the plan's account is the signal's or the volume's).
    const [, , , ownRegion, ownAccount] = stateMachineArn.split(':');
    if ((request.account && request.account !== ownAccount) || (request.region && request.region !== ownRegion)) {
      return {
        decision: 'none',
        reason: `the recovery point is in ${request.account} / ${request.region}: the actions stack there exports it`,
      };
    }
    const ownName = executionName(request.recoveryPointArn, request.resourceName, request.attempt);
    const ownInput = { request: { ...request, executionArn: executionArnOf(stateMachineArn, ownName) } };
    const claim = await ledger.claim(request.recoveryPointArn, request.attempt, ownName, ownInput);
    // A claim left `claimed` means an earlier start may have died before StartExecution: starting the same name
    // again is safe (Step Functions starts it once).
    if (!claim.claimed && claim.existing.status !== 'claimed') {
      return {
        decision: 'duplicate',
        executionArn: claim.existing.executionArn ?? executionArnOf(stateMachineArn, claim.existing.executionName),
        recoveryPointArn: request.recoveryPointArn,
        status: claim.existing.status,
      };
    }
    // A claim still `claimed` is started under its own name and input: another trigger for the same recovery point
    // may name the resource or date it differently, and must not start a second execution or export.
    const name = claim.claimed ? ownName : claim.existing.executionName;
    const input = claim.claimed ? ownInput : (claim.existing.input ?? ownInput);
    const started = await executions.start(name, input);
    await ledger.markStarted(request.recoveryPointArn, request.attempt, started.executionArn);
    return started.alreadyStarted
      ? {
          decision: 'duplicate',
          executionArn: started.executionArn,
          recoveryPointArn: request.recoveryPointArn,
          status: 'started',
        }
      : { decision: 'started', executionArn: started.executionArn, recoveryPointArn: request.recoveryPointArn };
  }
}
