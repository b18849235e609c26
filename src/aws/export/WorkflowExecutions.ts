/** Starts export workflow executions (Step Functions StartExecution), idempotent by execution name. */
import { type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { ACTION_ERRORS } from '../../core/actions/exportWorkflow.js';
import { actionErrorOf, errorName } from './awsErrors.js';

/** Where executions are started: the real state machine, or a local runner. */
export interface ExecutionStarter {
  /** Starts `name` with `input`; resolves when it is started (also when it already was). */
  start(name: string, input: unknown): Promise<{ executionArn: string; alreadyStarted: boolean }>;
}

/** The execution ARN Step Functions gives execution `name` of the state machine `stateMachineArn`. */
export function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

export class StepFunctionsExecutions implements ExecutionStarter {
  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(name: string, input: unknown): Promise<{ executionArn: string; alreadyStarted: boolean }> {
    try {
      const out = await this.sfn.send(
        new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name, input: JSON.stringify(input) }),
      );
      return { executionArn: out.executionArn ?? executionArnOf(this.stateMachineArn, name), alreadyStarted: false };
    } catch (error) {
      // Same name, different input (or a closed execution of that name): the recovery point is being or was handled.
      if (errorName(error) === 'ExecutionAlreadyExists') {
        return { executionArn: executionArnOf(this.stateMachineArn, name), alreadyStarted: true };
      }
      throw actionErrorOf(error, `starting execution ${name}`, ACTION_ERRORS.transient);
    }
  }
}
