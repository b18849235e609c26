/**
 * CloudTrail events delivered by EventBridge: API calls (`AWS API Call via CloudTrail`) to
 * Organizations (backup-policy changes) and AWS Backup (tampering), and the service events
 * (`AWS Service Event via CloudTrail`) AWS Backup `BackupJobCompleted` and Organizations
 * `EffectivePolicyValidation`.
 */
import * as z from 'zod';
import type { Outcome, PolicyRef, Signal } from '../signal.js';
import { BACKUP_TAMPER_CALLS, ORGANIZATIONS_POLICY_CALLS } from '../watchedApiCalls.js';
import { vaultRef } from './backupEvents.js';
import { buildSignal, unparsedSignal } from './buildSignal.js';
import {
  backupJobLink,
  backupPlanLink,
  cloudTrailEventLink,
  organizationsPolicyLink,
  recoveryPointLink,
  resourceLink,
  vaultLink,
} from './consoleLinks.js';
import type { EventBridgeEnvelope } from './eventBridgeEnvelope.js';
import {
  at,
  cleanStatusMessage,
  firstIssue,
  isoTime,
  isRecord,
  lifecycleText,
  readableBytes,
  regionText,
  text,
} from './eventFields.js';
import { outcomeOfState } from './outcomeOfState.js';
import { regionOfArn, resourceFromArn } from './parseArn.js';
import { stableStringify } from './signalId.js';

/** The AWS Backup API calls that weaken or destroy backups. */
export const TAMPER_CALLS: ReadonlySet<string> = new Set(BACKUP_TAMPER_CALLS);

/** The Organizations API calls that change policies. */
export const POLICY_CALLS: ReadonlySet<string> = new Set(ORGANIZATIONS_POLICY_CALLS);

const cloudTrailDetailSchema = z.looseObject({
  eventSource: z.string().trim().min(1, 'must be a non-empty string'),
  eventName: z.string().trim().min(1, 'must be a non-empty string'),
});

/** Who made the call: the role session or user ARN; for a role session also the role behind it. */
function actorOf(detail: Record<string, unknown>): string | undefined {
  const identity = detail.userIdentity;
  if (!isRecord(identity)) return undefined;
  return (
    text(identity.arn) ??
    text(at(identity, 'sessionContext', 'sessionIssuer', 'arn')) ??
    text(identity.invokedBy) ??
    text(identity.principalId) ??
    text(identity.type)
  );
}

/** The common details of an API call: source IP, user agent, MFA, error. */
function callDetails(detail: Record<string, unknown>): Record<string, string | undefined> {
  const errorCode = text(detail.errorCode);
  const mfa = text(at(detail, 'userIdentity', 'sessionContext', 'attributes', 'mfaAuthenticated'));
  return {
    Result: errorCode
      ? `refused: ${errorCode}${text(detail.errorMessage) ? ` — ${text(detail.errorMessage)}` : ''}`
      : 'succeeded',
    'Identity type': text(at(detail, 'userIdentity', 'type')),
    'Role behind the session': text(at(detail, 'userIdentity', 'sessionContext', 'sessionIssuer', 'arn')),
    'MFA used': mfa,
    'Source IP': text(detail.sourceIPAddress),
    // User agents can carry line breaks (seen in real events); one line reads better.
    'User agent': text(detail.userAgent)?.replace(/\s*\n\s*/g, ''),
  };
}

function operationOutcome(eventName: string, failed: boolean): Outcome {
  if (failed) return 'failed';
  if (eventName.startsWith('Create')) return 'created';
  if (eventName.startsWith('Delete')) return 'deleted';
  return 'changed';
}

function normalizePolicyCall(env: EventBridgeEnvelope, detail: Record<string, unknown>, eventName: string): Signal {
  const request = isRecord(detail.requestParameters) ? detail.requestParameters : {};
  const summary = at(detail, 'responseElements', 'policy', 'policySummary');
  const policy: PolicyRef = {
    id: text(request.policyId) ?? text(at(summary, 'id')),
    name: text(request.name) ?? text(at(summary, 'name')),
    // DeletePolicy, AttachPolicy and DetachPolicy carry no type: callers decide by the id.
    type: text(request.type) ?? text(at(summary, 'type')) ?? text(request.policyType),
    arn: text(at(summary, 'arn')),
    // Kept as sent, never parsed here: documents may not be valid JSON (seen: a line break inside a key).
    // The request carries what the caller sent; the response is the fallback (UpdatePolicy may omit content).
    content:
      typeof request.content === 'string'
        ? request.content
        : typeof at(detail, 'responseElements', 'policy', 'content') === 'string'
          ? (at(detail, 'responseElements', 'policy', 'content') as string)
          : undefined,
    targetId: text(request.targetId) ?? text(request.rootId),
    operation: eventName,
  };
  const failed = text(detail.errorCode) !== undefined;
  const region = regionText(detail.awsRegion) ?? env.region;
  const eventId = text(detail.eventID);
  return buildSignal({
    kind: 'policy-change',
    outcome: operationOutcome(eventName, failed),
    source: 'cloudtrail-api-call',
    eventType: eventName,
    idParts: [eventId ?? text(detail.requestID) ?? stableStringify(detail)],
    account: env.account ?? text(detail.recipientAccountId),
    region,
    times: { event: isoTime(detail.eventTime) ?? isoTime(env.time) },
    actor: actorOf(detail),
    policy,
    details: {
      'Policy description': text(request.description) ?? text(at(summary, 'description')),
      'Policy type note':
        policy.type === undefined
          ? `${eventName} does not say the policy type; policy ${policy.id ?? '(no id)'} may be a backup policy`
          : undefined,
      ...callDetails(detail),
    },
    links: [
      policy.id && eventName !== 'DeletePolicy' ? organizationsPolicyLink(policy.id, policy.type) : undefined,
      region && eventId ? cloudTrailEventLink(region, eventId) : undefined,
    ],
    raw: env,
  });
}

function normalizeTamperCall(env: EventBridgeEnvelope, detail: Record<string, unknown>, eventName: string): Signal {
  const request = isRecord(detail.requestParameters) ? detail.requestParameters : {};
  const failed = text(detail.errorCode) !== undefined;
  const region = regionText(detail.awsRegion) ?? env.region;
  const eventId = text(detail.eventID);
  const vault = vaultRef(request.backupVaultName, undefined);
  const recoveryPointArn = text(request.recoveryPointArn);
  const planId = text(request.backupPlanId);
  return buildSignal({
    kind: 'tamper',
    outcome: operationOutcome(eventName, failed),
    source: 'cloudtrail-api-call',
    eventType: eventName,
    idParts: [eventId ?? text(detail.requestID) ?? stableStringify(detail)],
    account: env.account ?? text(detail.recipientAccountId),
    region,
    vault,
    resource: resourceFromArn(recoveryPointArn),
    recoveryPointArn,
    times: { event: isoTime(detail.eventTime) ?? isoTime(env.time) },
    actor: actorOf(detail),
    details: {
      'Backup plan': planId,
      'Backup selection': text(request.selectionId),
      'New lifecycle': lifecycleText(request.lifecycle),
      'Min retention days': text(request.minRetentionDays),
      'Max retention days': text(request.maxRetentionDays),
      'Changeable for days': text(request.changeableForDays),
      'Vault access policy': typeof request.policy === 'string' ? request.policy : undefined,
      ...callDetails(detail),
    },
    links: [
      region && eventId ? cloudTrailEventLink(region, eventId) : undefined,
      region && vault?.name && recoveryPointArn && eventName !== 'DeleteRecoveryPoint'
        ? recoveryPointLink(region, vault.name, recoveryPointArn)
        : undefined,
      region && vault?.name && eventName !== 'DeleteBackupVault' ? vaultLink(region, vault.name) : undefined,
      region && planId && eventName !== 'DeleteBackupPlan' ? backupPlanLink(region, planId) : undefined,
    ],
    raw: env,
  });
}

/** Normalizes an `AWS API Call via CloudTrail` event from Organizations or AWS Backup. */
export function normalizeCloudTrailApiCall(env: EventBridgeEnvelope): Signal {
  const parsed = cloudTrailDetailSchema.safeParse(env.detail);
  if (!parsed.success) {
    return unparsedSignal(env, firstIssue(parsed.error, 'CloudTrail API call: detail'), {
      source: 'cloudtrail-api-call',
      eventType: env['detail-type'],
    });
  }
  const { eventSource, eventName } = parsed.data;
  if (eventSource === 'organizations.amazonaws.com' && POLICY_CALLS.has(eventName)) {
    return normalizePolicyCall(env, env.detail, eventName);
  }
  if (eventSource === 'backup.amazonaws.com' && TAMPER_CALLS.has(eventName)) {
    return normalizeTamperCall(env, env.detail, eventName);
  }
  return unparsedSignal(env, `CloudTrail call ${eventSource} ${eventName} is not one Vaultpilot watches`, {
    source: 'cloudtrail-api-call',
    eventType: eventName,
  });
}

/** One entry of `validationErrors`, as one line: code, where, message, contributing policies. */
function validationErrorText(error: unknown): string | undefined {
  if (!isRecord(error)) return undefined;
  const policies = Array.isArray(error.contributingPolicies)
    ? error.contributingPolicies.map(text).filter(Boolean).join(', ')
    : undefined;
  const parts = [
    text(error.errorCode),
    text(error.pathToError) ? `at ${text(error.pathToError)}` : undefined,
    text(error.errorMessage) ? `— ${text(error.errorMessage)}` : undefined,
    policies ? `(policies ${policies})` : undefined,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(' ') : undefined;
}

/**
 * The Organizations service event `EffectivePolicyValidation`: an organization change made the
 * effective policy of an account invalid (state INVALID; for backup policies the account's plans are no
 * longer applied as intended) or valid again (VALID). It reaches the management account.
 */
function normalizeEffectivePolicyValidation(env: EventBridgeEnvelope, d: Record<string, unknown>): Signal {
  const detail = env.detail;
  const state = text(d.state) ?? '';
  const errors = Array.isArray(d.validationErrors) ? d.validationErrors : [];
  const contributing = [
    ...new Set(
      errors.flatMap((e) =>
        isRecord(e) && Array.isArray(e.contributingPolicies) ? e.contributingPolicies.map(text).filter(Boolean) : [],
      ),
    ),
  ] as string[];
  const affectedAccount = text(d.accountId);
  const policyType = text(d.policyType);
  const policy: PolicyRef = {
    // One contributing policy names the culprit; several are listed in the details.
    id: contributing.length === 1 ? contributing[0] : undefined,
    type: policyType,
    targetId: affectedAccount,
    operation: 'EffectivePolicyValidation',
  };
  const upper = state.toUpperCase();
  const outcome: Outcome = upper === 'INVALID' ? 'failed' : upper === 'VALID' ? 'succeeded' : outcomeOfState(state);
  const firstError = errors.find(isRecord);
  const eventId = text(detail.eventID);
  const region = regionText(detail.awsRegion) ?? env.region;
  return buildSignal({
    kind: 'policy-change',
    outcome,
    source: 'cloudtrail-service-event',
    eventType: 'EffectivePolicyValidation',
    idParts: [eventId ?? stableStringify(detail), upper, affectedAccount, policyType],
    state,
    account: env.account ?? text(detail.recipientAccountId),
    region,
    times: { event: isoTime(detail.eventTime) ?? isoTime(env.time) },
    actor: text(at(detail, 'userIdentity', 'invokedBy')),
    policy,
    statusMessage: text(firstError?.errorMessage) ?? text(d.info),
    details: {
      'Affected account': affectedAccount,
      'Effective policy': `${policyType ?? 'policy'} ${upper === 'INVALID' ? 'is invalid' : upper === 'VALID' ? 'is valid again' : state}`,
      Info: text(d.info),
      'Validation errors': errors.map(validationErrorText).filter(Boolean).join('; ') || undefined,
      'Contributing policies': contributing.length > 1 ? contributing.join(', ') : undefined,
      // Not ISO (`Jul 17, 2025, 2:53:40 PM`, no zone): shown as sent.
      'Requested at': text(d.requestTimestamp),
    },
    links: [
      policy.id ? organizationsPolicyLink(policy.id, policyType) : undefined,
      region && eventId ? cloudTrailEventLink(region, eventId) : undefined,
    ],
    raw: env,
  });
}

const serviceEventSchema = z.looseObject({
  eventName: z.string().trim().min(1, 'must be a non-empty string'),
  serviceEventDetails: z.looseObject({ state: z.string().trim().min(1, 'must be a non-empty string') }),
});

/** Normalizes the service events `BackupJobCompleted` (AWS Backup) and `EffectivePolicyValidation` (Organizations). */
export function normalizeCloudTrailServiceEvent(env: EventBridgeEnvelope): Signal {
  const parsed = serviceEventSchema.safeParse(env.detail);
  if (!parsed.success) {
    return unparsedSignal(env, firstIssue(parsed.error, 'CloudTrail service event: detail'), {
      source: 'cloudtrail-service-event',
      eventType: text(env.detail.eventName) ?? env['detail-type'],
    });
  }
  const { eventName } = parsed.data;
  if (eventName === 'EffectivePolicyValidation' && text(env.detail.eventSource) === 'organizations.amazonaws.com') {
    return normalizeEffectivePolicyValidation(env, parsed.data.serviceEventDetails);
  }
  if (eventName !== 'BackupJobCompleted') {
    return unparsedSignal(env, `CloudTrail service event ${eventName} is not one Vaultpilot watches`, {
      source: 'cloudtrail-service-event',
      eventType: eventName,
    });
  }
  const d = parsed.data.serviceEventDetails as Record<string, unknown>;
  const state = parsed.data.serviceEventDetails.state;
  const jobId = text(d.backupJobId);
  const statusMessage = cleanStatusMessage(d.statusMessage);
  let outcome = outcomeOfState(state);
  if (outcome === 'succeeded' && statusMessage) outcome = 'completed-with-issues';
  const vault = vaultRef(d.backupVaultName, d.backupVaultArn);
  const resourceArn = text(d.resourceArn);
  const recoveryPointArn = text(d.recoveryPointArn);
  const region = regionText(env.detail.awsRegion) ?? env.region ?? regionOfArn(vault?.arn);
  return buildSignal({
    kind: 'backup-job',
    outcome,
    source: 'cloudtrail-service-event',
    eventType: eventName,
    // Same parts as the EventBridge Backup Job State Change: both report the same transition.
    idParts: [jobId ?? stableStringify(d), state.toUpperCase()],
    state,
    account: env.account ?? text(env.detail.recipientAccountId),
    region,
    vault,
    resource: resourceFromArn(resourceArn, text(d.resourceType)),
    jobId,
    recoveryPointArn,
    statusMessage,
    times: {
      event: isoTime(env.detail.eventTime) ?? isoTime(env.time),
      created: isoTime(d.creationDate),
      completed: isoTime(d.completionDate),
    },
    details: { 'Backup size': readableBytes(d.backupSizeInBytes), 'IAM role': text(d.iamRoleArn) },
    links: [
      region && jobId ? backupJobLink(region, 'backup', jobId) : undefined,
      resourceLink(resourceArn),
      region && vault?.name && recoveryPointArn ? recoveryPointLink(region, vault.name, recoveryPointArn) : undefined,
      region && vault?.name ? vaultLink(region, vault.name) : undefined,
    ],
    raw: env,
  });
}
