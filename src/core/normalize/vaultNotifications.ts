/**
 * AWS Backup vault notifications (PutBackupVaultNotifications) delivered by SNS. The message is plain
 * English with ARNs and ids embedded (`Resource ARN : arn:…. BackupJob ID : …`, spacing before the
 * colon varies); the facts that matter most also come as message attributes (EventType, State,
 * AccountId, Id, StartTime). There is no region in the message: it comes from an ARN or the topic.
 */
import type { Outcome, Signal, SignalKind } from '../signal.js';
import { buildSignal } from './buildSignal.js';
import { backupJobLink, resourceLink } from './consoleLinks.js';
import { isoTime, isRecord, text } from './eventFields.js';
import { outcomeOfState } from './outcomeOfState.js';
import { accountOfArn, regionOfArn, resourceFromArn } from './parseArn.js';
import { stableStringify } from './signalId.js';

/** The parts of an SNS notification this module reads. */
export interface SnsNotification {
  readonly message: string;
  readonly topicArn?: string | undefined;
  readonly subject?: string | undefined;
  readonly timestamp?: string | undefined;
  /** Message attributes by name (values only). */
  readonly attributes: Readonly<Record<string, string>>;
  readonly raw: unknown;
}

/** Reads SNS message attributes (`{Name: {Type, Value}}`) into `{Name: value}`. */
export function snsAttributes(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRecord(value)) return out;
  for (const [name, attribute] of Object.entries(value)) {
    // SNS: {Type, Value}; SQS (raw message delivery): {dataType, stringValue}; SDK style: StringValue.
    const v = isRecord(attribute)
      ? (text(attribute.Value) ?? text(attribute.StringValue) ?? text(attribute.stringValue))
      : text(attribute);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/** An attribute by name, ignoring case: AWS sends both `EventType` and `eventType`. */
function attribute(attributes: Readonly<Record<string, string>>, name: string): string | undefined {
  const key = Object.keys(attributes).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : attributes[key];
}

/** True when an SNS text message is an AWS Backup vault notification. */
export function isVaultNotification(notification: SnsNotification): boolean {
  return (
    notification.subject?.trim() === 'Notification from AWS Backup' ||
    attribute(notification.attributes, 'EventType') !== undefined ||
    /\bAWS Backup\b|\bEKS Backup\b/.test(notification.message)
  );
}

/** Longest label read before `: arn:…` (AWS's are two or three words). */
const MAX_ARN_LABEL = 80;

/**
 * `Label : arn:…` pairs from the text; a sentence-ending period is not part of the ARN. The label is read
 * backwards from each colon, at most MAX_ARN_LABEL characters, so the cost stays linear in the text (a lazy
 * `[A-Za-z ]*?` before `:` is quadratic on long runs of letters without one).
 */
export function arnsInText(message: string): { readonly label: string; readonly arn: string }[] {
  const found: { label: string; arn: string }[] = [];
  for (const match of message.matchAll(/:\s*(arn:[^\s,;]+)/g)) {
    const arn = (match[1] ?? '').replace(/[.,;)]+$/, '');
    let start = match.index;
    while (start > 0 && /\s/.test(message[start - 1] ?? '')) start--;
    const end = start;
    while (start > 0 && end - start < MAX_ARN_LABEL && /[A-Za-z ]/.test(message[start - 1] ?? '')) start--;
    const label = message.slice(start, end).replace(/^[^A-Za-z]+/, '');
    if (label === '') continue;
    found.push({ label: label.trim().toLowerCase(), arn });
  }
  return found;
}

/** `BackupJob ID : …`, `CopyJob ID: …`, `RestoreJob ID : …` from the text. */
export function jobIdsInText(message: string): Record<string, string> {
  const ids: Record<string, string> = {};
  for (const match of message.matchAll(/\b(\w+)\s+ID\s*:\s*([A-Za-z0-9][A-Za-z0-9_-]*)/g)) {
    if (match[1] && match[2]) ids[match[1].toLowerCase()] = match[2];
  }
  return ids;
}

type NotificationKind = Extract<SignalKind, 'backup-job' | 'copy-job' | 'restore-job' | 'recovery-point' | 'index'>;

function kindOf(eventType: string | undefined, message: string): NotificationKind | undefined {
  const type = eventType?.toUpperCase() ?? '';
  if (type.includes('INDEX')) return 'index';
  if (type.startsWith('COPY_JOB')) return 'copy-job';
  if (type.startsWith('RESTORE_JOB') || type.includes('RESTORE_OBJECT')) return 'restore-job';
  if (type.startsWith('BACKUP_JOB') || type.includes('BACKUP_OBJECT')) return 'backup-job';
  if (type.startsWith('RECOVERY_POINT') || type === 'CONTINUOUS_BACKUP_INTERRUPTED') return 'recovery-point';
  if (/\bindex/i.test(message)) return 'index';
  if (/\bcopy ?job\b/i.test(message)) return 'copy-job';
  if (/\brestore ?job\b|\brestore\b/i.test(message)) return 'restore-job';
  if (/\bbackup ?job\b/i.test(message)) return 'backup-job';
  if (/\brecovery point\b/i.test(message)) return 'recovery-point';
  return undefined;
}

/** What the words say when no State attribute does. Order matters: "failed to complete in time" first. */
function outcomeOfText(message: string): Outcome {
  if (/failed to complete in time|could not complete during the backup window/i.test(message)) return 'expired';
  if (/\bfail(ed|ure)?\b/i.test(message)) return 'failed';
  if (/\b(stopped|aborted)\b/i.test(message)) return 'aborted';
  if (/\bexpired\b/i.test(message)) return 'expired';
  if (/\binterrupted\b/i.test(message)) return 'stopped';
  if (/\bskipped\b/i.test(message)) return 'completed-with-issues';
  if (/\bdeleted\b/i.test(message)) return 'deleted';
  if (/\b(completed|successful(ly)?|succeeded)\b/i.test(message)) return 'succeeded';
  if (/\b(started|initiated|began)\b/i.test(message)) return 'started';
  if (/\bmodified\b/i.test(message)) return 'changed';
  return 'unknown';
}

function outcomeOf(eventType: string | undefined, state: string | undefined, message: string): Outcome {
  const type = eventType?.toUpperCase() ?? '';
  // One object of an S3 or EKS job failed: the job goes on, so this is partial, not a failed job.
  if (type.endsWith('_OBJECT_FAILED')) return 'partial';
  if (type.endsWith('_OBJECT_SKIPPED')) return 'completed-with-issues';
  if (type === 'CONTINUOUS_BACKUP_INTERRUPTED') return 'stopped';
  if (state) return outcomeOfState(state);
  if (type.endsWith('_STARTED')) return 'started';
  if (type.endsWith('_SUCCESSFUL')) return 'succeeded';
  if (type.endsWith('_FAILED')) return 'failed';
  return outcomeOfText(message);
}

/** Normalizes an AWS Backup vault notification, or returns undefined when it names no job or point. */
export function normalizeVaultNotification(n: SnsNotification): Signal | undefined {
  const attrs = n.attributes;
  const message = n.message.trim();
  const eventType = attribute(attrs, 'EventType');
  const kind = kindOf(eventType, message);
  if (!kind) return undefined;
  const arns = arnsInText(message);
  const ids = jobIdsInText(message);
  const recoveryPointArn =
    attribute(attrs, 'RecoveryPointArn') ?? arns.find((a) => a.label.includes('recovery point'))?.arn;
  // Texts without a `Resource ARN :` label still name the resource somewhere ("… for resource arn:… was …").
  const resourceArn =
    arns.find((a) => a.label === 'resource arn' || a.label === 'resource')?.arn ??
    [...message.matchAll(/arn:[^\s,;]+/g)].map((m) => m[0].replace(/[.,;)]+$/, '')).find((a) => a !== recoveryPointArn);
  const jobId =
    attribute(attrs, 'Id') ??
    attribute(attrs, 'backupJobId') ??
    attribute(attrs, 'restoreJobId') ??
    (kind === 'copy-job' ? ids.copyjob : kind === 'restore-job' ? ids.restorejob : ids.backupjob) ??
    Object.values(ids)[0];
  const state = attribute(attrs, 'State') ?? attribute(attrs, 'IndexStatus');
  const outcome = outcomeOf(eventType, state, message);
  const region = regionOfArn(resourceArn) ?? regionOfArn(recoveryPointArn) ?? regionOfArn(n.topicArn);
  const account = attribute(attrs, 'AccountId') ?? accountOfArn(n.topicArn) ?? accountOfArn(resourceArn);
  const jobType = kind === 'copy-job' ? 'copy' : kind === 'restore-job' ? 'restore' : 'backup';
  // EKS object events name a Kubernetes object (its API type in `resourceType`): the protected
  // resource is the EKS cluster, so the object goes into the details.
  const eksCluster = eventType?.toUpperCase().startsWith('EKS_') ? attribute(attrs, 'clusterName') : undefined;
  const resource = eventType?.toUpperCase().startsWith('EKS_')
    ? { ...resourceFromArn(resourceArn, 'EKS'), ...(eksCluster ? { name: eksCluster } : {}) }
    : resourceFromArn(resourceArn, attribute(attrs, 'resourceType'));
  return buildSignal({
    kind,
    outcome,
    source: 'backup-vault-sns',
    eventType: eventType ?? n.subject ?? 'Notification from AWS Backup',
    // Same parts as the EventBridge event for the same job and state, so the two deliveries de-duplicate.
    idParts:
      kind === 'index' || kind === 'recovery-point'
        ? [recoveryPointArn ?? stableStringify(message), (state ?? eventType ?? outcome).toUpperCase()]
        : [
            jobId ?? stableStringify(message),
            (state ?? eventType ?? outcome).toUpperCase(),
            ...(eventType?.includes('OBJECT') ? [message] : []),
          ],
    state,
    account,
    region,
    resource,
    jobId,
    recoveryPointArn,
    statusMessage: attribute(attrs, 'reason'),
    times: { event: isoTime(n.timestamp), started: isoTime(attribute(attrs, 'StartTime')) },
    details: {
      Message: message,
      'EKS cluster': attribute(attrs, 'clusterName'),
      'Kubernetes resource': attribute(attrs, 'resourceName'),
      'Kubernetes resource type': eksCluster !== undefined ? attribute(attrs, 'resourceType') : undefined,
      'Parent restore job': attribute(attrs, 'parentRestoreJobId'),
      'SNS topic': n.topicArn,
    },
    links: [
      region && jobId && kind !== 'index' && kind !== 'recovery-point'
        ? backupJobLink(region, jobType, jobId)
        : undefined,
      resourceLink(resourceArn),
    ],
    raw: n.raw,
  });
}
