/**
 * Where exports go in the archive bucket: a Hive-style key layout, so that Athena, Glue and Spark can
 * partition on it, and no colon anywhere (StartExportTask refuses an S3Prefix that holds one):
 *
 *   exports/account=<id>/region=<region>/type=<rds|aurora|dynamodb|ebs>/resource=<name>/date=<yyyy-mm-dd>/<export id>/
 *
 * RDS writes its own objects under `<S3Prefix>/<export id>/…`; Vaultpilot passes the prefix up to the date.
 * DynamoDB exports are named after the table (`resource=<table>`), EBS block archives after the volume
 * (`resource=<vol-…>`, else the snapshot id), under the same layout.
 */
import { safeIdPart } from './exportIdentifiers.js';

export interface ArchiveKeyParts {
  readonly account: string;
  readonly region: string;
  /** AWS Backup resource type: RDS, Aurora, DynamoDB, EBS, … (lower-cased in the key). */
  readonly resourceType: string;
  /** The resource's name (a DB instance or cluster, a DynamoDB table, an EBS volume); made safe for a key. */
  readonly resourceName: string;
  /** When the recovery point was made (ISO 8601); its UTC date partitions the key. */
  readonly time: string | undefined;
  readonly exportTaskIdentifier: string;
}

/** A partition value: letters, digits, dots, underscores and hyphens only (no `/`, `=` or `:`). */
export function safeKeyValue(text: string): string {
  const safe = text
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 128);
  return safe === '' || safe === '.' || safe === '..' ? 'unknown' : safe;
}

/** `yyyy-mm-dd` of an ISO time, in UTC; `unknown` when there is none. */
export function keyDate(time: string | undefined): string {
  const ms = time ? Date.parse(time) : Number.NaN;
  return Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 10) : 'unknown';
}

/** The prefix RDS is given as S3Prefix: `exports/account=…/…/date=…` (no trailing slash). */
export function exportS3Prefix(parts: Omit<ArchiveKeyParts, 'exportTaskIdentifier'>): string {
  return [
    'exports',
    `account=${safeKeyValue(parts.account)}`,
    `region=${safeKeyValue(parts.region)}`,
    `type=${safeKeyValue(parts.resourceType.toLowerCase())}`,
    `resource=${safeKeyValue(parts.resourceName)}`,
    `date=${keyDate(parts.time)}`,
  ].join('/');
}

/** Where one export's objects land: the S3 prefix, then the export id, with a trailing slash. */
export function exportArchivePrefix(parts: ArchiveKeyParts): string {
  return `${exportS3Prefix(parts)}/${safeIdPart(parts.exportTaskIdentifier) || 'unknown'}/`;
}
