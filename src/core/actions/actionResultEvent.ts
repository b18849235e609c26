/**
 * The event a finished export workflow puts on the event bus, so that its result travels like every other
 * AWS Backup event: onto the central bus, normalized into an `action` signal, rendered and delivered by the
 * router. An export failure then reads like a backup failure, with the step that failed and its cause.
 */
import * as z from 'zod';
import { ACTION_OUTCOMES } from './exportWorkflow.js';

/** EventBridge `source` of action results. */
export const ACTION_RESULT_SOURCE = 'vaultpilot.actions';
/** EventBridge `detail-type` of action results. */
export const ACTION_RESULT_DETAIL_TYPE = 'Vaultpilot Action Result';

export const actionResultDetailSchema = z.object({
  workflow: z.string(),
  outcome: z.enum(ACTION_OUTCOMES),
  recoveryPointArn: z.string(),
  resourceType: z.string(),
  resourceName: z.string(),
  vault: z.string().optional(),
  account: z.string(),
  region: z.string(),
  trigger: z.string().optional(),
  exportTaskIdentifier: z.string().optional(),
  /** `s3://bucket/prefix/<export id>/` */
  archiveUri: z.string().optional(),
  manifestKey: z.string().optional(),
  /** The state that failed (failed outcome only). */
  failedStep: z.string().optional(),
  /** The error name and cause (failed outcome) or the reason (not exportable). */
  error: z.string().optional(),
  cause: z.string().optional(),
  warnings: z.array(z.string()).default([]),
  tables: z.number().int().nonnegative().optional(),
  completeTables: z.number().int().nonnegative().optional(),
  bytes: z.number().nonnegative().optional(),
  deletion: z
    .object({
      status: z.enum(['requested', 'deleted', 'refused', 'not-deleted', 'kept']),
      reason: z.string().optional(),
    })
    .optional(),
  cleanup: z
    .object({
      exportCancelled: z.boolean(),
      /** DynamoDB: a temporary table was found and deleted. */
      temporaryTableDeleted: z.boolean().optional(),
      objectsDeleted: z.number().int().nonnegative(),
      leftBehind: z.array(z.string()),
    })
    .optional(),
  startedAt: z.string().optional(),
  finishedAt: z.string(),
  executionArn: z.string().optional(),
});
export type ActionResultDetail = z.infer<typeof actionResultDetailSchema>;
