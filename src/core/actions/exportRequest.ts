/**
 * From a plan to a workflow execution: the execution's input (the ExportRequest) and its name. The name is
 * derived from the recovery point and the attempt, so a duplicated or out-of-order trigger asks for the same
 * execution (Step Functions refuses a second one of the same name), on top of the ledger's conditional claim.
 */
import type { ActionsConfig } from '../config/actionsSchema.js';
import { fnv1a64 } from '../normalize/signalId.js';
import {
  DYNAMODB_EXPORT_WORKFLOW,
  EBS_ARCHIVE_WORKFLOW,
  type ExportRequest,
  type ExportResourceType,
  RDS_EXPORT_WORKFLOW,
} from './exportWorkflow.js';
import type { PlannedAction, RecoveryPointPlan } from './planRecoveryPoint.js';

/** The plan action and the workflow of each resource type: they must agree, or nothing is started. */
const ACTION_OF: Readonly<Record<ExportResourceType, { action: PlannedAction; workflow: ExportRequest['workflow'] }>> =
  {
    RDS: { action: 'rds-export', workflow: RDS_EXPORT_WORKFLOW },
    Aurora: { action: 'rds-export', workflow: RDS_EXPORT_WORKFLOW },
    DynamoDB: { action: 'dynamodb-export', workflow: DYNAMODB_EXPORT_WORKFLOW },
    EBS: { action: 'ebs-archive', workflow: EBS_ARCHIVE_WORKFLOW },
  };

/** `rp-<16 hex of the recovery point ARN>-<readable name>-a<attempt>`, at most 80 characters (Step Functions). */
export function executionName(recoveryPointArn: string, resourceName: string, attempt: number): string {
  const hash = fnv1a64(recoveryPointArn);
  const suffix = `-a${attempt}`;
  const name = resourceName
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80 - 3 - hash.length - 1 - suffix.length);
  return `rp-${hash}${name ? `-${name}` : ''}${suffix}`;
}

/**
 * The execution input for a plan whose action is `rds-export`, `dynamodb-export` or `ebs-archive`; undefined for
 * any other plan. The workflow follows the resource type; DynamoDB requests also say where the export reads from
 * (actions.resourceTypes.DynamoDB.exportFrom), EBS requests how long a chain of incremental archives may grow
 * (actions.resourceTypes.EBS.maxChainDepth).
 */
export function exportRequestOf(
  plan: RecoveryPointPlan,
  actions: ActionsConfig,
  requestedAt: string,
  attempt = 1,
): ExportRequest | undefined {
  if (plan.action === 'none' || !plan.recoveryPointArn || !plan.resourceType) return undefined;
  const dynamoDb = plan.resourceType === 'DynamoDB';
  const ebs = plan.resourceType === 'EBS';
  // The action and the resource type must agree: a DynamoDB recovery point never goes to the RDS exporter.
  const expected = Object.hasOwn(ACTION_OF, plan.resourceType) ? ACTION_OF[plan.resourceType] : undefined;
  if (!expected || plan.action !== expected.action) return undefined;
  if (!plan.exportTaskIdentifier || !plan.s3Prefix) return undefined;
  const account = plan.account ?? '';
  const region = plan.region ?? '';
  const watchedVaults = actions.vaults
    .filter(
      (v) =>
        (!v.accounts || v.accounts.includes(account)) &&
        (!v.regions || (v.regions as readonly string[]).includes(region)),
    )
    .map((v) => v.name);
  return {
    workflow: expected.workflow,
    recoveryPointArn: plan.recoveryPointArn,
    resourceType: plan.resourceType,
    ...(dynamoDb ? { dynamoDbExportFrom: actions.resourceTypes.DynamoDB.exportFrom } : {}),
    ...(ebs ? { ebsMaxChainDepth: actions.resourceTypes.EBS.maxChainDepth } : {}),
    ...(plan.vault ? { vault: plan.vault } : {}),
    watchedVaults,
    account,
    region,
    resourceName: plan.resourceName ?? 'unknown',
    trigger: plan.trigger ?? plan.reason,
    fromBackup: plan.fromBackup ?? false,
    deleteAfterExport: plan.deleteAfterExport,
    attempt,
    exportTaskIdentifier: plan.exportTaskIdentifier,
    s3Prefix: plan.s3Prefix,
    includeTags: actions.filters.includeTags.map((t) => ({ ...t })),
    excludeTags: actions.filters.excludeTags.map((t) => ({ ...t })),
    sourcePatterns: [...(plan.sourcePatterns ?? [])],
    requestedAt,
  };
}

/** Why the tags exclude the resource, or undefined when the tag filters let it through. */
export function tagFilterReason(
  tags: Readonly<Record<string, string>>,
  include: readonly { key: string; value?: string | undefined }[],
  exclude: readonly { key: string; value?: string | undefined }[],
): string | undefined {
  const has = (f: { key: string; value?: string | undefined }) =>
    Object.hasOwn(tags, f.key) && (f.value === undefined || tags[f.key] === f.value);
  const excluded = exclude.find(has);
  if (excluded)
    return `tag ${excluded.key}${excluded.value !== undefined ? `=${excluded.value}` : ''} is excluded by actions.filters.excludeTags`;
  if (include.length > 0 && !include.some(has)) {
    return `none of the tags in actions.filters.includeTags is on the resource`;
  }
  return undefined;
}
