/** Puts a workflow's result on the event bus (the central bus), where the router makes an `action` signal of it. */
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  ACTION_RESULT_DETAIL_TYPE,
  ACTION_RESULT_SOURCE,
  type ActionResultDetail,
} from '../../core/actions/actionResultEvent.js';
import { ACTION_ERRORS, ActionError } from '../../core/actions/exportWorkflow.js';
import { actionErrorOf } from './awsErrors.js';

export class ActionResultPublisher {
  constructor(
    private readonly events: EventBridgeClient,
    private readonly busArn: string,
  ) {}

  async publish(detail: ActionResultDetail): Promise<void> {
    let out: { FailedEntryCount?: number; Entries?: { ErrorCode?: string; ErrorMessage?: string }[] };
    try {
      out = await this.events.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: this.busArn,
              Source: ACTION_RESULT_SOURCE,
              DetailType: ACTION_RESULT_DETAIL_TYPE,
              Detail: JSON.stringify(detail),
              Resources: [detail.recoveryPointArn],
              Time: new Date(detail.finishedAt),
            },
          ],
        }),
      );
    } catch (error) {
      throw actionErrorOf(
        error,
        `putting the result of ${detail.recoveryPointArn} on ${this.busArn}`,
        ACTION_ERRORS.transient,
      );
    }
    // PutEvents answers 200 with per-entry failures: an entry that failed was not delivered.
    if ((out.FailedEntryCount ?? 0) > 0) {
      const entry = out.Entries?.[0];
      throw new ActionError(
        ACTION_ERRORS.transient,
        `EventBridge did not take the result of ${detail.recoveryPointArn}: ${entry?.ErrorCode ?? 'error'} ${entry?.ErrorMessage ?? ''}`.trim(),
      );
    }
  }
}
