/**
 * Export task identifiers: RDS's StartExportTask ExportTaskIdentifier, and the same id for DynamoDB exports and
 * EBS block archives (which keep to the stricter RDS rules, so one scheme serves all). AWS's rules: a letter first; only
 * ASCII letters, digits and hyphens; no two hyphens in a row; no hyphen at the end; at most 60 characters in
 * practice; unique per task (a second task with the same id fails with ExportTaskAlreadyExistsFault, also
 * after the first one finished). Public samples broke every one of these rules, so they are checked here.
 */
import { fnv1a64 } from '../normalize/signalId.js';

/** The longest identifier Vaultpilot makes (AWS documents 60 as the limit that works in practice). */
export const EXPORT_TASK_ID_MAX_LENGTH = 60;
/** Every identifier starts with this, so that Vaultpilot's tasks are easy to tell apart. */
export const EXPORT_TASK_ID_PREFIX = 'vp';

const HASH_LENGTH = 12;

/** Why `id` breaks AWS's rules for export task identifiers, or undefined when it keeps them. */
export function exportTaskIdProblem(id: string): string | undefined {
  if (id.length === 0) return 'is empty';
  if (id.length > EXPORT_TASK_ID_MAX_LENGTH) return `is ${id.length} characters long; at most 60 work`;
  if (!/^[A-Za-z]/.test(id)) return 'must start with a letter';
  if (!/^[A-Za-z0-9-]+$/.test(id)) return 'may hold only ASCII letters, digits and hyphens';
  if (id.includes('--')) return 'must not hold two hyphens in a row';
  if (id.endsWith('-')) return 'must not end with a hyphen';
  return undefined;
}

/** Letters, digits and single hyphens only, lower-case, no hyphen at either end. */
export function safeIdPart(text: string): string {
  return text
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * A readable name for the snapshot: `awsbackup:job-…` and `rds:` prefixes and the ARN around it removed; for a
 * DynamoDB backup ARN (`…:table/<name>/backup/<id>`), the table; for an EBS snapshot ARN
 * (`arn:aws:ec2:<region>::snapshot/snap-…`), the snapshot id.
 */
function readableName(sourceArn: string, resourceName: string | undefined): string {
  const table = /^arn:[^:]+:dynamodb:[^:]*:[^:]*:table\/([^/]+)\//.exec(sourceArn)?.[1];
  const snapshot = /^arn:[^:]+:ec2:[^:]*:[^:]*:snapshot\/([^/:]+)$/.exec(sourceArn)?.[1];
  const fromArn = table ?? snapshot ?? (sourceArn.split(':').slice(6).join(':') || sourceArn);
  const name = resourceName && !resourceName.startsWith('awsbackup:') ? resourceName : fromArn;
  return safeIdPart(name.replace(/^(rds|awsbackup):/, ''));
}

/**
 * The export task identifier for one attempt at exporting `sourceArn` (a recovery point or snapshot ARN):
 * `vp-<readable name>-<12 hex digits of a hash of the ARN and attempt>-<attempt>`, e.g.
 * `vp-prod-db-2026-11-20-02-10-3f9a0c1b2d4e-1`. Deterministic (a retried step asks for the same task), and
 * different for every recovery point and attempt (a new attempt never hits ExportTaskAlreadyExistsFault).
 */
export function exportTaskIdentifier(sourceArn: string, attempt: number, resourceName?: string): string {
  if (!Number.isInteger(attempt) || attempt < 1)
    throw new RangeError(`attempt must be a whole number ≥ 1, got ${attempt}`);
  const hash = fnv1a64(JSON.stringify([sourceArn, attempt])).slice(0, HASH_LENGTH);
  const suffix = `-${hash}-${attempt}`;
  const room = EXPORT_TASK_ID_MAX_LENGTH - EXPORT_TASK_ID_PREFIX.length - 1 - suffix.length;
  const name = readableName(sourceArn, resourceName).slice(0, Math.max(0, room)).replace(/-+$/, '');
  return name ? `${EXPORT_TASK_ID_PREFIX}-${name}${suffix}` : `${EXPORT_TASK_ID_PREFIX}${suffix}`;
}
