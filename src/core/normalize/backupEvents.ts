/**
 * AWS Backup events delivered by EventBridge (`source: aws.backup`). Each detail-type has its own
 * status field: jobs use `state`, restore jobs and recovery points use `status` (except the restore
 * CREATED event, which uses `state`), index events use `indexStatus`.
 */
import * as z from 'zod';
import type { ConsoleLink, Outcome, Signal, SignalKind, VaultRef } from '../signal.js';
import { buildSignal, type SignalDraft, unparsedSignal } from './buildSignal.js';
import {
  backupJobLink,
  backupPlanLink,
  backupSettingsLink,
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
  text,
} from './eventFields.js';
import { outcomeOfState } from './outcomeOfState.js';
import { parseArn, regionOfArn, resourceFromArn, splitResource } from './parseArn.js';
import { stableStringify } from './signalId.js';

type Detail = Record<string, unknown>;

/** A backup vault from a name and/or ARN; only real `backup-vault:` ARNs are kept. */
export function vaultRef(name: unknown, arn: unknown): VaultRef | undefined {
  const parts = parseArn(text(arn));
  const split = parts ? splitResource(parts.resource) : undefined;
  const isVaultArn = parts?.service === 'backup' && split?.type === 'backup-vault';
  const vaultName = text(name) ?? (isVaultArn ? split?.id : undefined);
  const vaultArn = isVaultArn ? text(arn) : undefined;
  if (!vaultName && !vaultArn) return undefined;
  return { ...(vaultName ? { name: vaultName } : {}), ...(vaultArn ? { arn: vaultArn } : {}) };
}

/** Where the event happened: the envelope's region, else the region in a vault or resource ARN. */
function regionOf(env: EventBridgeEnvelope, ...arns: unknown[]): string | undefined {
  return env.region ?? arns.map((a) => regionOfArn(text(a))).find(Boolean);
}

/** Plan that created a job or recovery point, as readable details. */
function createdByDetails(detail: Detail): Record<string, string | undefined> {
  return {
    'Backup plan': text(at(detail, 'createdBy', 'backupPlanArn')) ?? text(at(detail, 'createdBy', 'backupPlanId')),
    'Backup rule': text(at(detail, 'createdBy', 'backupPlanRuleId')) ?? text(at(detail, 'createdBy', 'backupRuleId')),
  };
}

function recoveryPointLinks(
  region: string | undefined,
  vault: VaultRef | undefined,
  recoveryPointArn: string | undefined,
): (ConsoleLink | undefined)[] {
  if (!region || !vault?.name) return [];
  return [
    recoveryPointArn ? recoveryPointLink(region, vault.name, recoveryPointArn) : undefined,
    vaultLink(region, vault.name),
  ];
}

const JOB_TYPES = {
  'Backup Job State Change': { kind: 'backup-job', idField: 'backupJobId', jobType: 'backup' },
  'Copy Job State Change': { kind: 'copy-job', idField: 'copyJobId', jobType: 'copy' },
  'Restore Job State Change': { kind: 'restore-job', idField: 'restoreJobId', jobType: 'restore' },
} as const;

/** `status` or `state`, whichever the detail-type uses (restore jobs and recovery points use both spellings). */
const jobStateSchema = z
  .looseObject({ state: z.string().optional(), status: z.string().optional() })
  .transform((d) => text(d.status) ?? text(d.state))
  .pipe(z.string({ error: 'neither state nor status is a non-empty string' }));

/** Validates the detail's status field; a failure becomes the unparsed signal naming what was wrong. */
function parseDetail<T>(
  schema: z.ZodType<T>,
  env: EventBridgeEnvelope,
  detailType: string,
): { readonly ok: true; readonly data: T } | { readonly ok: false; readonly unparsed: Signal } {
  const parsed = schema.safeParse(env.detail);
  if (parsed.success) return { ok: true, data: parsed.data };
  return {
    ok: false,
    unparsed: unparsedSignal(env, firstIssue(parsed.error, `${detailType}: detail`), {
      source: 'eventbridge',
      eventType: detailType,
    }),
  };
}

function normalizeJob(env: EventBridgeEnvelope, detailType: keyof typeof JOB_TYPES): Signal {
  const { kind, idField, jobType } = JOB_TYPES[detailType];
  const d = env.detail;
  const parsed = parseDetail(jobStateSchema, env, detailType);
  if (!parsed.ok) return parsed.unparsed;
  const state = parsed.data;
  const jobId = text(d[idField]);
  const statusMessage = cleanStatusMessage(d.statusMessage);
  let outcome: Outcome = outcomeOfState(state);
  // The console's "Completed with issues" is a COMPLETED backup job that carries a status message.
  if (kind === 'backup-job' && outcome === 'succeeded' && statusMessage) outcome = 'completed-with-issues';

  const vault =
    kind === 'copy-job' ? vaultRef(undefined, d.sourceBackupVaultArn) : vaultRef(d.backupVaultName, d.backupVaultArn);
  const resourceArn = text(d.resourceArn) ?? text(d.sourceResourceArn);
  const region = regionOf(env, d.backupVaultArn, d.sourceBackupVaultArn, resourceArn);
  const firstResource = env.resources[0];
  const recoveryPointArn =
    kind === 'copy-job'
      ? text(d.destinationRecoveryPointArn)
      : (text(d.recoveryPointArn) ??
        (kind === 'backup-job' && outcome !== 'failed' ? firstResource : undefined) ??
        (kind === 'restore-job' ? firstResource : undefined));

  const draft: SignalDraft = {
    kind,
    outcome,
    source: 'eventbridge',
    eventType: detailType,
    idParts: [jobId ?? stableStringify(d), state.toUpperCase()],
    state,
    account: env.account,
    region,
    vault,
    resource: resourceFromArn(resourceArn, text(d.resourceType)),
    jobId,
    recoveryPointArn,
    statusMessage,
    times: {
      event: isoTime(env.time),
      created: isoTime(d.creationDate),
      completed: isoTime(d.completionDate),
      startBy: isoTime(d.startBy),
    },
    details: {
      'Backup size': readableBytes(d.backupSizeInBytes),
      'Bytes transferred': readableBytes(d.bytesTransferred),
      'Percent done': text(d.percentDone) !== undefined ? `${text(d.percentDone)}%` : undefined,
      'Retry count': text(d.retryCount),
      'IAM role': text(d.iamRoleArn),
      ...createdByDetails(d),
      'Source recovery point': kind === 'copy-job' ? firstResource : undefined,
      'Destination vault': kind === 'copy-job' ? text(d.destinationBackupVaultArn) : undefined,
      'Created resource': text(d.createdResourceArn),
      'Restore testing plan': text(d.restoreTestingPlanArn),
    },
    links: [
      region && jobId ? backupJobLink(region, jobType, jobId) : undefined,
      resourceLink(resourceArn),
      ...recoveryPointLinks(region, vault, kind === 'copy-job' ? undefined : recoveryPointArn),
    ],
    raw: env,
  };
  return buildSignal(draft);
}

/** A detail whose status word is in `field` (a non-empty string); parses to that word. */
const statusSchema = (field: string) =>
  z
    .looseObject({ [field]: z.string().trim().min(1, 'must be a non-empty string') } as Record<string, z.ZodString>)
    .transform((d) => d[field] as string);
// Built once: zod schemas are costly to construct and this runs for every event.
const stateSchema = statusSchema('state');
const indexStatusSchema = statusSchema('indexStatus');

function normalizeRecoveryPoint(env: EventBridgeEnvelope, detailType: string): Signal {
  const d = env.detail;
  const parsed = parseDetail(jobStateSchema, env, detailType);
  if (!parsed.ok) return parsed.unparsed;
  const status = parsed.data;
  const recoveryPointArn = text(d.recoveryPointArn) ?? env.resources[0];
  const vault = vaultRef(d.backupVaultName, d.backupVaultArn);
  const resourceArn = text(d.resourceArn);
  const region = regionOf(env, d.backupVaultArn, resourceArn);
  return buildSignal({
    kind: 'recovery-point',
    outcome: outcomeOfState(status),
    source: 'eventbridge',
    eventType: detailType,
    idParts: [recoveryPointArn ?? stableStringify(d), status.toUpperCase()],
    state: status,
    account: env.account,
    region,
    vault,
    resource: resourceFromArn(resourceArn, text(d.resourceType)),
    recoveryPointArn,
    statusMessage: cleanStatusMessage(d.statusMessage),
    times: { event: isoTime(env.time), created: isoTime(d.creationDate), completed: isoTime(d.completionDate) },
    details: {
      'Storage class': text(d.storageClass),
      Encrypted: text(d.isEncrypted) ?? (typeof d.isEncrypted === 'boolean' ? String(d.isEncrypted) : undefined),
      Lifecycle: lifecycleText(d.lifecycle),
      'Delete at': isoTime(at(d, 'calculatedLifeCycle', 'deleteAt')),
      'Move to cold storage at': isoTime(at(d, 'calculatedLifeCycle', 'moveToColdStorageAt')),
      ...createdByDetails(d),
    },
    links: [...recoveryPointLinks(region, vault, recoveryPointArn), resourceLink(resourceArn)],
    raw: env,
  });
}

function normalizePlan(env: EventBridgeEnvelope, detailType: string): Signal {
  const d = env.detail;
  const parsed = parseDetail(stateSchema, env, detailType);
  if (!parsed.ok) return parsed.unparsed;
  const state = parsed.data;
  const planId = text(d.backupPlanId);
  const outcome = outcomeOfState(state);
  const region = env.region ?? regionOfArn(env.resources[0]);
  return buildSignal({
    kind: 'plan',
    outcome,
    source: 'eventbridge',
    eventType: detailType,
    idParts: [planId ?? stableStringify(d), text(d.versionId), state.toUpperCase()],
    state,
    account: env.account,
    region,
    times: {
      event: isoTime(env.time),
      created: isoTime(d.creationDate),
      completed: isoTime(d.modifiedAt) ?? isoTime(d.deletionDate),
    },
    details: { 'Backup plan': env.resources[0] ?? planId, 'Plan version': text(d.versionId) },
    links: [region && planId && outcome !== 'deleted' ? backupPlanLink(region, planId) : undefined],
    raw: env,
  });
}

function normalizeVault(env: EventBridgeEnvelope, detailType: string): Signal {
  const d = env.detail;
  const parsed = parseDetail(stateSchema, env, detailType);
  if (!parsed.ok) return parsed.unparsed;
  const state = parsed.data;
  const vault = vaultRef(
    d.backupVaultName,
    env.resources.find((r) => r.includes(':backup-vault:')),
  );
  const outcome = outcomeOfState(state);
  const region = env.region ?? regionOfArn(vault?.arn);
  const locked = text(d.isLocked) ?? (typeof d.isLocked === 'boolean' ? String(d.isLocked) : undefined);
  return buildSignal({
    kind: 'vault',
    outcome,
    source: 'eventbridge',
    eventType: detailType,
    // Vault changes carry no id of their own; name + state + lock + event time identify one change.
    idParts: [env.account, region, vault?.name ?? stableStringify(d), state.toUpperCase(), locked, env.time],
    state,
    account: env.account,
    region,
    vault,
    times: { event: isoTime(env.time) },
    details: { Locked: locked },
    links: [region && vault?.name && outcome !== 'deleted' ? vaultLink(region, vault.name) : undefined],
    raw: env,
  });
}

function preferenceText(prefs: unknown): string | undefined {
  if (!isRecord(prefs)) return undefined;
  const entries = Object.entries(prefs).map(([type, on]) => `${type}: ${on === true || on === 'true' ? 'on' : 'off'}`);
  return entries.length > 0 ? entries.join(', ') : undefined;
}

function normalizeRegionSetting(env: EventBridgeEnvelope, detailType: string): Signal {
  const d = env.detail;
  const parsed = parseDetail(stateSchema, env, detailType);
  if (!parsed.ok) return parsed.unparsed;
  const state = parsed.data;
  return buildSignal({
    kind: 'region-setting',
    outcome: outcomeOfState(state),
    source: 'eventbridge',
    eventType: detailType,
    idParts: [env.account, env.region, text(d.modifiedAt) ?? env.time, stableStringify(d)],
    state,
    account: env.account,
    region: env.region,
    times: { event: isoTime(env.time), completed: isoTime(d.modifiedAt) },
    details: {
      'Resource type opt-in': preferenceText(d.ResourceTypeOptInPreference),
      'Full AWS Backup management': preferenceText(d.ResourceTypeManagementPreference),
    },
    links: [env.region ? backupSettingsLink(env.region) : undefined],
    raw: env,
  });
}

function normalizeIndex(env: EventBridgeEnvelope, detailType: string): Signal {
  const d = env.detail;
  const parsed = parseDetail(indexStatusSchema, env, detailType);
  if (!parsed.ok) return parsed.unparsed;
  const status = parsed.data;
  const recoveryPointArn = text(d.recoveryPointArn);
  const vault = vaultRef(d.backupVaultName, d.backupVaultArn);
  const resourceArn = text(d.sourceResourceArn) ?? text(d.resourceArn);
  const region = regionOf(env, recoveryPointArn, resourceArn);
  return buildSignal({
    kind: 'index',
    outcome: outcomeOfState(status),
    source: 'eventbridge',
    eventType: detailType,
    idParts: [recoveryPointArn ?? stableStringify(d), status.toUpperCase()],
    state: status,
    account: env.account ?? text(d.accountId),
    region,
    vault,
    resource: resourceFromArn(resourceArn, text(d.resourceType)),
    recoveryPointArn,
    statusMessage: cleanStatusMessage(d.indexStatusMessage),
    times: {
      event: isoTime(env.time),
      created: isoTime(d.indexCreationTime),
      completed: isoTime(d.indexCompletionTime) ?? isoTime(d.indexDeletionTime),
    },
    details: {
      'Backup created': isoTime(d.backupCreationTime),
      'Continuous indexing': typeof d.isIndexingContinuous === 'boolean' ? String(d.isIndexingContinuous) : undefined,
    },
    links: [...recoveryPointLinks(region, vault, recoveryPointArn), resourceLink(resourceArn)],
    raw: env,
  });
}

function normalizeScan(env: EventBridgeEnvelope, detailType: string): Signal {
  const d = env.detail;
  const parsed = parseDetail(stateSchema, env, detailType);
  if (!parsed.ok) return parsed.unparsed;
  const state = parsed.data;
  const scanResult = text(at(d, 'scanResult', 'scanResultStatus'));
  // Threats found outrank how the job ended: COMPLETED or COMPLETED_WITH_ISSUES alike.
  const outcome: Outcome = scanResult?.toUpperCase() === 'THREATS_FOUND' ? 'threats-found' : outcomeOfState(state);
  const jobId = text(d.scanJobId);
  const vault = vaultRef(d.backupVaultName, d.backupVaultArn);
  const recoveryPointArn = text(d.recoveryPointArn) ?? env.resources[0];
  const resourceArn = text(d.resourceArn);
  const region = regionOf(env, d.backupVaultArn, resourceArn);
  return buildSignal({
    kind: 'scan',
    outcome,
    source: 'eventbridge',
    eventType: detailType,
    idParts: [jobId ?? stableStringify(d), state.toUpperCase(), scanResult],
    state,
    account: env.account ?? text(d.accountId),
    region,
    vault,
    resource: resourceFromArn(resourceArn, text(d.resourceType)),
    jobId,
    recoveryPointArn,
    statusMessage: cleanStatusMessage(d.statusMessage),
    times: { event: isoTime(env.time), created: isoTime(d.creationDate), completed: isoTime(d.completionDate) },
    details: {
      'Scan result': scanResult,
      Scanner: text(d.malwareScanner),
      'Scan id': text(d.scanId),
      'Base recovery point': text(d.scanBaseRecoveryPointArn),
      ...createdByDetails(d),
    },
    links: [
      region && jobId ? backupJobLink(region, 'scan', jobId) : undefined,
      ...recoveryPointLinks(region, vault, recoveryPointArn),
      resourceLink(resourceArn),
    ],
    raw: env,
  });
}

/** Words in a detail-type that tell what a future AWS Backup event is about. */
const KIND_BY_WORDS: readonly (readonly [RegExp, Exclude<SignalKind, 'unparsed'>])[] = [
  [/backup job/i, 'backup-job'],
  [/copy job/i, 'copy-job'],
  [/restore job/i, 'restore-job'],
  [/scan/i, 'scan'],
  [/index/i, 'index'],
  [/recovery point/i, 'recovery-point'],
  [/plan/i, 'plan'],
  [/region/i, 'region-setting'],
  [/vault/i, 'vault'],
];

/** An aws.backup detail-type this version does not know: read what generic fields it has. */
function normalizeUnknownBackupEvent(env: EventBridgeEnvelope, detailType: string): Signal {
  const d = env.detail;
  const state = text(d.state) ?? text(d.status) ?? text(d.indexStatus);
  const jobIdKey = Object.keys(d).find((k) => /JobId$/.test(k));
  const jobId = jobIdKey ? text(d[jobIdKey]) : undefined;
  // Anything AWS Backup says about an unknown object is most likely vault-level; say so in details.
  const kind = KIND_BY_WORDS.find(([words]) => words.test(detailType))?.[1] ?? 'vault';
  const vault = vaultRef(d.backupVaultName, d.backupVaultArn);
  const resourceArn = text(d.resourceArn) ?? text(d.sourceResourceArn);
  const region = regionOf(env, d.backupVaultArn, resourceArn);
  return buildSignal({
    kind,
    outcome: outcomeOfState(state),
    source: 'eventbridge',
    eventType: detailType,
    idParts: [detailType, jobId ?? text(d.recoveryPointArn) ?? stableStringify(d), state?.toUpperCase(), env.time],
    state,
    account: env.account,
    region,
    vault,
    resource: resourceFromArn(resourceArn, text(d.resourceType)),
    jobId,
    recoveryPointArn: text(d.recoveryPointArn),
    statusMessage: cleanStatusMessage(d.statusMessage),
    times: { event: isoTime(env.time), created: isoTime(d.creationDate), completed: isoTime(d.completionDate) },
    details: { Note: `"${detailType}" is an AWS Backup event type this version of Vaultpilot does not know yet` },
    links: [region && vault?.name ? vaultLink(region, vault.name) : undefined, resourceLink(resourceArn)],
    raw: env,
  });
}

/** Normalizes one EventBridge event with `source: aws.backup` (not the CloudTrail ones). */
export function normalizeBackupEvent(env: EventBridgeEnvelope): Signal {
  const detailType = env['detail-type'];
  switch (detailType) {
    case 'Backup Job State Change':
    case 'Copy Job State Change':
    case 'Restore Job State Change':
      return normalizeJob(env, detailType);
    case 'Recovery Point State Change':
    case 'Recovery Point Change':
      return normalizeRecoveryPoint(env, detailType);
    case 'Backup Plan State Change':
      return normalizePlan(env, detailType);
    case 'Backup Vault State Change':
      return normalizeVault(env, detailType);
    case 'Region Setting State Change':
      return normalizeRegionSetting(env, detailType);
    case 'Recovery Point Index State Change':
      return normalizeIndex(env, detailType);
    case 'Scan Job State Change':
      return normalizeScan(env, detailType);
    default:
      return normalizeUnknownBackupEvent(env, detailType);
  }
}
