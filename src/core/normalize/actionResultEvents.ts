/**
 * Results of Vaultpilot's own backup actions (the export workflows): EventBridge events with
 * `source: vaultpilot.actions`, `detail-type: Vaultpilot Action Result` and a detail of
 * `actionResultDetailSchema`. They become `action` signals, so an export failure reaches people like a
 * backup failure does: the step that failed and why, what was cleaned up and what was left behind.
 */
import {
  ACTION_RESULT_DETAIL_TYPE,
  type ActionResultDetail,
  actionResultDetailSchema,
} from '../actions/actionResultEvent.js';
import type { ActionOutcome } from '../actions/exportWorkflow.js';
import type { Outcome, Signal } from '../signal.js';
import { buildSignal, unparsedSignal } from './buildSignal.js';
import {
  recoveryPointLink,
  resourceLink,
  s3PrefixLink,
  stepFunctionsExecutionLink,
  vaultLink,
} from './consoleLinks.js';
import type { EventBridgeEnvelope } from './eventBridgeEnvelope.js';
import { firstIssue, isoTime, readableBytes, regionText, text } from './eventFields.js';

/**
 * How an action outcome reads as a signal outcome (severity follows from it, see classifySeverity):
 * - exported → succeeded (info);
 * - exported-partially → partial (warning): some tables are missing from the archive, nothing was deleted;
 * - not-exportable → stopped (warning): the workflow stopped on purpose before doing anything (nothing
 *   broke, nobody cancelled it, a retry will not help), yet the recovery point's data never reaches the archive;
 * - failed → failed (critical).
 */
export const ACTION_SIGNAL_OUTCOMES: Readonly<Record<ActionOutcome, Outcome>> = {
  exported: 'succeeded',
  'exported-partially': 'partial',
  'not-exportable': 'stopped',
  failed: 'failed',
};

/** Export formats of the known workflows, for people: `rds-export-parquet` → Parquet. */
const WORKFLOW_FORMATS: readonly (readonly [RegExp, string])[] = [[/parquet/i, 'Parquet']];

/** The format a workflow exports to (`Parquet`), when its name tells it. */
export function workflowFormat(workflow: string): string | undefined {
  return WORKFLOW_FORMATS.find(([pattern]) => pattern.test(workflow))?.[1];
}

/** `s3://bucket/prefix/` → bucket and prefix (`prefix/`, possibly empty). */
export function splitS3Uri(uri: string | undefined): { readonly bucket: string; readonly prefix: string } | undefined {
  const match = /^s3:\/\/([^/\s]+)\/?(.*)$/.exec(uri?.trim() ?? '');
  if (!match?.[1]) return undefined;
  return { bucket: match[1], prefix: match[2] ?? '' };
}

// At most this many warnings become details of their own; the manifest has every one.
const MAX_WARNING_DETAILS = 10;

function deletionText(deletion: ActionResultDetail['deletion']): string | undefined {
  if (!deletion) return undefined;
  const reason = text(deletion.reason);
  switch (deletion.status) {
    case 'deleted':
      return 'deleted';
    case 'kept':
      return reason ? `kept: ${reason}` : 'kept';
    case 'requested':
      return reason ? `requested, not yet confirmed: ${reason}` : 'requested, not yet confirmed';
    case 'refused':
      return `refused: ${reason ?? 'no reason given'}`;
    case 'not-deleted':
      return `not deleted: ${reason ?? 'no reason given'}`;
  }
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

function cleanupText(cleanup: ActionResultDetail['cleanup']): string | undefined {
  if (!cleanup) return undefined;
  const parts = [
    cleanup.exportCancelled ? 'export cancelled' : undefined,
    `${cleanup.objectsDeleted.toLocaleString('en-US')} ${cleanup.objectsDeleted === 1 ? 'object' : 'objects'} removed`,
    cleanup.leftBehind.length > 0 ? `${plural(cleanup.leftBehind.length, 'thing')} LEFT BEHIND` : 'nothing left behind',
  ];
  return parts.filter(Boolean).join(', ');
}

function warningDetails(warnings: readonly string[]): Record<string, string | undefined> {
  const shown = warnings.map((w) => text(w)).filter((w): w is string => w !== undefined);
  if (shown.length === 1) return { Warning: shown[0] };
  const out: Record<string, string | undefined> = {};
  shown.slice(0, MAX_WARNING_DETAILS).forEach((w, i) => {
    out[`Warning ${i + 1}`] = w;
  });
  if (shown.length > MAX_WARNING_DETAILS) {
    out['More warnings'] = `${shown.length - MAX_WARNING_DETAILS} more (the manifest lists every one)`;
  }
  return out;
}

/** `<failedStep> failed: <error>: <cause>` for failures; the reason for a recovery point that cannot be exported. */
function statusMessageOf(d: ActionResultDetail): string | undefined {
  const error = text(d.error);
  const cause = text(d.cause);
  const why = [error, cause].filter(Boolean).join(': ') || undefined;
  if (d.outcome === 'failed') return `${text(d.failedStep) ?? 'The workflow'} failed${why ? `: ${why}` : ''}`;
  if (d.outcome === 'not-exportable') return why;
  return undefined;
}

function actionSignal(env: EventBridgeEnvelope, d: ActionResultDetail): Signal {
  const region = regionText(d.region) ?? env.region;
  const account = text(d.account) ?? env.account;
  const vault = text(d.vault);
  const archive = splitS3Uri(d.archiveUri);
  const manifestKey = text(d.manifestKey);
  const leftBehind = (d.cleanup?.leftBehind ?? []).map((item) => text(item)).filter(Boolean);
  const tables =
    d.tables !== undefined ? `${d.completeTables ?? 0} of ${plural(d.tables, 'table')} complete` : undefined;
  const format = workflowFormat(d.workflow);
  return buildSignal({
    kind: 'action',
    outcome: ACTION_SIGNAL_OUTCOMES[d.outcome],
    source: 'eventbridge',
    eventType: env['detail-type'],
    // One workflow run ends once: its execution (else its export task, else its end time) and outcome.
    idParts: [
      d.workflow,
      d.recoveryPointArn,
      text(d.executionArn) ?? text(d.exportTaskIdentifier) ?? d.finishedAt,
      d.outcome,
    ],
    state: d.outcome,
    account,
    region,
    vault: vault ? { name: vault } : undefined,
    resource: { arn: text(d.recoveryPointArn), type: text(d.resourceType), name: text(d.resourceName) },
    jobId: text(d.exportTaskIdentifier),
    recoveryPointArn: text(d.recoveryPointArn),
    statusMessage: statusMessageOf(d),
    times: { event: isoTime(env.time), started: isoTime(d.startedAt), completed: isoTime(d.finishedAt) },
    details: {
      // What was left behind comes first: someone has to remove it by hand.
      'Left behind': leftBehind.length > 0 ? leftBehind.join('; ') : undefined,
      Workflow: format ? `${d.workflow} (to ${format})` : d.workflow,
      'Failed step': text(d.failedStep),
      'Export task': text(d.exportTaskIdentifier),
      Archive: text(d.archiveUri),
      Manifest: manifestKey && archive ? `s3://${archive.bucket}/${manifestKey}` : manifestKey,
      Tables: tables,
      Size: d.bytes !== undefined ? readableBytes(d.bytes) : undefined,
      Deletion: deletionText(d.deletion),
      Cleanup: cleanupText(d.cleanup),
      ...warningDetails(d.warnings),
      Trigger: text(d.trigger),
      Execution: text(d.executionArn),
    },
    links: region
      ? [
          d.executionArn ? stepFunctionsExecutionLink(region, d.executionArn) : undefined,
          archive ? s3PrefixLink(region, archive.bucket, archive.prefix) : undefined,
          resourceLink(d.recoveryPointArn),
          vault && d.deletion?.status !== 'deleted' ? recoveryPointLink(region, vault, d.recoveryPointArn) : undefined,
          vault ? vaultLink(region, vault) : undefined,
        ]
      : [resourceLink(d.recoveryPointArn)],
    raw: env,
  });
}

/** Normalizes an EventBridge event of `source: vaultpilot.actions`. */
export function normalizeActionResult(env: EventBridgeEnvelope): Signal {
  const detailType = env['detail-type'];
  if (detailType !== ACTION_RESULT_DETAIL_TYPE) {
    return unparsedSignal(
      env,
      `unsupported Vaultpilot action event: detail-type "${detailType}" (expected "${ACTION_RESULT_DETAIL_TYPE}")`,
      { source: 'eventbridge', eventType: detailType },
    );
  }
  const parsed = actionResultDetailSchema.safeParse(env.detail);
  if (!parsed.success) {
    return unparsedSignal(env, firstIssue(parsed.error, `${ACTION_RESULT_DETAIL_TYPE}: detail`), {
      source: 'eventbridge',
      eventType: detailType,
    });
  }
  return actionSignal(env, parsed.data);
}
