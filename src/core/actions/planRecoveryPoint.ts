/**
 * The one place that decides what Vaultpilot does with a signal under the `actions:` configuration: export
 * an RDS or Aurora snapshot or a DynamoDB recovery point to Parquet, archive an EBS snapshot's blocks (and, if
 * configured, delete the recovery point once the export is verified), or nothing, always with the reason. Pure; `vaultpilot actions plan` prints it and the workflows
 * will start from it.
 *
 * Triggers: a backup job COMPLETED (EventBridge, vault SNS notification, BackupJobCompleted service event),
 * a copy job COMPLETED into a watched vault (its destination vault and recovery point), a recovery point
 * COMPLETED or AVAILABLE, and RDS's own snapshot events for snapshots taken outside AWS Backup. RDS and Aurora
 * snapshots are planned as `rds-export`, DynamoDB recovery points (either ARN form) as `dynamodb-export`, EBS
 * snapshots (`arn:aws:ec2:<region>::snapshot/snap-…`) as `ebs-archive`. EC2 recovery points (AMIs) are not
 * archived yet: always `none`, with the reason.
 */
import type { ActionsConfig } from '../config/actionsSchema.js';
import { friendlyNameOfArn, parseArn } from '../normalize/parseArn.js';
import { databaseOfAutomatedSnapshot } from '../normalize/rdsSnapshotEvents.js';
import type { Signal } from '../signal.js';
import { exportS3Prefix } from './archiveKeys.js';
import { exportTaskIdentifier } from './exportIdentifiers.js';
import {
  DYNAMODB_EXPORT_WORKFLOW,
  type DynamoDbExportSource,
  EBS_ARCHIVE_WORKFLOW,
  type ExportResourceType,
  RDS_EXPORT_WORKFLOW,
} from './exportWorkflow.js';

/** What would run. */
export type PlannedAction = 'rds-export' | 'dynamodb-export' | 'ebs-archive' | 'none';

/** What Vaultpilot would do with one signal. */
export interface RecoveryPointPlan {
  readonly action: PlannedAction;
  /** Why: what triggered the action, or why nothing is done. */
  readonly reason: string;
  /** The trigger, in words (`backup job COMPLETED`, `RDS-EVENT-0091 automated snapshot`, …), when there is one. */
  readonly trigger?: string;
  readonly recoveryPointArn?: string;
  readonly resourceType?: ExportResourceType;
  readonly vault?: string;
  readonly account?: string;
  readonly region?: string;
  /**
   * The DB instance or cluster (or the manual snapshot), the DynamoDB table, or the EBS volume (else the snapshot),
   * the key and the export id are named after.
   */
  readonly resourceName?: string;
  /** Whether AWS Backup made the recovery point (only those are ever deleted). */
  readonly fromBackup?: boolean;
  /** DB instance / cluster patterns the workflow checks the snapshot's source against (when the event cannot tell). */
  readonly sourcePatterns?: readonly string[];
  /** The workflow that would run (`rds-export-parquet`, `dynamodb-export-parquet`, `ebs-block-archive`). */
  readonly workflow?: string;
  /** DynamoDB only: what the export reads (actions.resourceTypes.DynamoDB.exportFrom). */
  readonly dynamoDbExportFrom?: DynamoDbExportSource;
  /**
   * EBS only: incremental archives in a chain before a full one (actions.resourceTypes.EBS.maxChainDepth). Whether
   * this archive is incremental or full is decided when the workflow runs, from the previous archive of the volume.
   */
  readonly ebsMaxChainDepth?: number;
  readonly exportTaskIdentifier?: string;
  /** StartExportTask's S3Prefix; RDS writes under `<s3Prefix>/<exportTaskIdentifier>/`. */
  readonly s3Prefix?: string;
  /** Whether the recovery point would be deleted after its export is verified. */
  readonly deleteAfterExport: boolean;
  /** What only the running workflow can check (engine or status, tags, PITR, the vault of a vault notification). */
  readonly checkedWhenRun: readonly string[];
}

/** RDS snapshot events that announce a new snapshot, and what made it. */
const RDS_SNAPSHOT_TRIGGERS: Readonly<Record<string, { origin: 'automated' | 'manual'; cluster: boolean }>> = {
  'RDS-EVENT-0091': { origin: 'automated', cluster: false },
  'RDS-EVENT-0169': { origin: 'automated', cluster: true },
  'RDS-EVENT-0042': { origin: 'manual', cluster: false },
  'RDS-EVENT-0075': { origin: 'manual', cluster: true },
};

const ENGINE_CHECK =
  'the engine: RDS cannot export Oracle, SQL Server, Db2 or Aurora Serverless v1 (then: not exportable)';
const DYNAMODB_STATUS_CHECK =
  'the recovery point: it must be COMPLETED or AVAILABLE (still creating: waited for; gone: not exportable)';
const EBS_SNAPSHOT_CHECK =
  'the snapshot: it must be completed and in the standard tier (still pending: waited for; an archive-tier ' +
  'snapshot cannot be read by the EBS direct APIs and is reported, not read; gone: not exportable)';
/** The reason every EC2 recovery point is left alone (the workflow has no branch for AMIs yet). */
export const EC2_NOT_ARCHIVED_REASON =
  "EC2 recovery points (AMIs) are not archived yet: archive their EBS snapshots' own recovery points";

function ebsChainCheck(volume: string, maxChainDepth: number): string {
  return maxChainDepth === 0
    ? `the previous archive of ${volume}: none is used, every archive is full (maxChainDepth 0)`
    : `the previous archive of ${volume}: incremental to it while its chain holds fewer than ${maxChainDepth} ` +
        'incremental archives (and the previous snapshot is still there), else a full archive';
}
const PITR_CHECK =
  "the source table's point-in-time recovery: it must be on and its window (at most 35 days) must cover the backup's " +
  'creation time, else the recovery point is restored to a temporary table and exported from there';

function none(reason: string, extra: Partial<RecoveryPointPlan> = {}): RecoveryPointPlan {
  return { action: 'none', reason, deleteAfterExport: false, checkedWhenRun: [], ...extra };
}

/** `*` matches any run of characters; case does not matter (RDS identifiers are case-insensitive). */
export function matchesPattern(value: string, pattern: string): boolean {
  const regex = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${regex}$`, 'i').test(value);
}

function matchesAny(values: readonly (string | undefined)[], patterns: readonly string[]): string | undefined {
  return patterns.find((p) => values.some((v) => v !== undefined && matchesPattern(v, p)));
}

interface ArnParts {
  readonly account: string;
  readonly region: string;
  readonly resource: string;
}

function arnParts(arn: string | undefined): ArnParts | undefined {
  const parts = arn?.split(':');
  if (!parts || parts.length < 6 || parts[0] !== 'arn') return undefined;
  return { account: parts[4] ?? '', region: parts[3] ?? '', resource: parts.slice(5).join(':') };
}

/**
 * RDS, Aurora, DynamoDB or EBS, told by the signal's resource type or else by the ARNs: the recovery point's
 * (`…:rds:…:snapshot:…`, `…:cluster-snapshot:…`, `arn:aws:dynamodb:…:table/<name>/backup/<id>`,
 * `arn:aws:ec2:<region>::snapshot/snap-…`), then the resource's (a DynamoDB table, for
 * `arn:aws:backup:…:recovery-point:<id>` recovery points).
 */
function exportType(signal: Signal, recoveryPointArn: string): ExportResourceType | undefined {
  const type = signal.resource.type;
  if (type === 'RDS' || type === 'Aurora' || type === 'DynamoDB' || type === 'EBS') return type;
  if (type) return undefined;
  const rp = parseArn(recoveryPointArn);
  if (rp?.service === 'rds' && rp.resource.startsWith('cluster-snapshot:')) return 'Aurora';
  if (rp?.service === 'rds' && rp.resource.startsWith('snapshot:')) return 'RDS';
  if (rp?.service === 'dynamodb' && rp.resource.startsWith('table/')) return 'DynamoDB';
  if (snapshotOfEbsArn(recoveryPointArn)) return 'EBS';
  const resource = parseArn(signal.resource.arn);
  if (rp?.service === 'backup' && resource?.service === 'dynamodb' && resource.resource.startsWith('table/')) {
    return 'DynamoDB';
  }
  return undefined;
}

/** `snap-…` of `arn:aws:ec2:<region>:[<account>]:snapshot/snap-…`, else undefined. */
function snapshotOfEbsArn(arn: string | undefined): string | undefined {
  const parts = parseArn(arn);
  if (parts?.service !== 'ec2') return undefined;
  return /^snapshot\/(snap-[0-9a-zA-Z]+)$/.exec(parts.resource)?.[1];
}

/** `vol-…` of `arn:aws:ec2:<region>:<account>:volume/vol-…`, else undefined. */
function volumeOfArn(arn: string | undefined): string | undefined {
  const parts = parseArn(arn);
  if (parts?.service !== 'ec2') return undefined;
  return /^volume\/(vol-[0-9a-zA-Z]+)$/.exec(parts.resource)?.[1];
}

/** Whether the signal is of an EC2 recovery point: resource type EC2, or an `…:image/ami-…` recovery point ARN. */
function isEc2RecoveryPoint(signal: Signal, recoveryPointArn: string): boolean {
  if (signal.resource.type === 'EC2') return true;
  if (signal.resource.type) return false;
  const rp = parseArn(recoveryPointArn);
  return rp?.service === 'ec2' && /^image\/ami-/.test(rp.resource);
}

/** `<name>` of `arn:aws:dynamodb:<region>:<account>:table/<name>/backup/<id>`, else undefined. */
function tableOfDynamoDbBackupArn(arn: string): string | undefined {
  const parts = parseArn(arn);
  if (parts?.service !== 'dynamodb') return undefined;
  return /^table\/([^/]+)\/backup\/[^/]+$/.exec(parts.resource)?.[1];
}

/** Whether `arn` is a DynamoDB recovery point: a DynamoDB backup, or an AWS Backup recovery point (advanced features). */
function isDynamoDbRecoveryPoint(arn: string): boolean {
  if (tableOfDynamoDbBackupArn(arn)) return true;
  const parts = parseArn(arn);
  return parts?.service === 'backup' && /^recovery-point:[^:/]+$/.test(parts.resource);
}

interface Candidate {
  readonly trigger: string;
  readonly recoveryPointArn: string;
  readonly type: ExportResourceType;
  readonly account: string | undefined;
  readonly region: string | undefined;
  /** The DB instance or cluster, or the DynamoDB table, for filters and the key. */
  readonly resourceName: string | undefined;
  readonly resourceArn: string | undefined;
  readonly vault?: string;
  readonly fromBackup: boolean;
  readonly time: string | undefined;
  readonly checkedWhenRun: readonly string[];
  readonly sourcePatterns?: readonly string[];
}

/** What Vaultpilot would do with `signal` under `actions` (attempt 1 unless told). */
export function planRecoveryPoint(signal: Signal, actions: ActionsConfig, attempt = 1): RecoveryPointPlan {
  if (!actions.enabled) return none('actions are off (actions.enabled is false or the section is absent)');
  const candidate =
    signal.kind === 'rds-snapshot' ? rdsSnapshotCandidate(signal, actions) : vaultCandidate(signal, actions);
  if ('reason' in candidate) return candidate;

  const base = {
    trigger: candidate.trigger,
    recoveryPointArn: candidate.recoveryPointArn,
    resourceType: candidate.type,
    ...(candidate.vault ? { vault: candidate.vault } : {}),
    ...(candidate.account ? { account: candidate.account } : {}),
    ...(candidate.region ? { region: candidate.region } : {}),
  };
  if (actions.resourceTypes[candidate.type].export === 'none') {
    return none(`${candidate.trigger}, but actions.resourceTypes.${candidate.type}.export is none`, base);
  }
  const names = [candidate.resourceName, candidate.resourceArn];
  const excluded = matchesAny(names, actions.filters.excludeResources);
  if (excluded)
    return none(`${candidate.trigger}, but actions.filters.excludeResources matches it (${excluded})`, base);
  if (actions.filters.includeResources.length > 0 && !matchesAny(names, actions.filters.includeResources)) {
    return none(`${candidate.trigger}, but no pattern of actions.filters.includeResources matches it`, base);
  }

  const dynamoDb = candidate.type === 'DynamoDB';
  const ebs = candidate.type === 'EBS';
  const exportFrom = actions.resourceTypes.DynamoDB.exportFrom;
  const maxChainDepth = actions.resourceTypes.EBS.maxChainDepth;
  const checkedWhenRun = [
    ...(dynamoDb
      ? [DYNAMODB_STATUS_CHECK, ...(exportFrom === 'source-pitr' ? [PITR_CHECK] : [])]
      : ebs
        ? [EBS_SNAPSHOT_CHECK, ebsChainCheck(candidate.resourceName ?? 'the volume', maxChainDepth)]
        : [ENGINE_CHECK]),
    ...candidate.checkedWhenRun,
  ];
  if (actions.filters.includeTags.length > 0 || actions.filters.excludeTags.length > 0) {
    checkedWhenRun.push('the tag filters (events carry no tags)');
  }
  const exportId = exportTaskIdentifier(candidate.recoveryPointArn, attempt, candidate.resourceName);
  const deleteAfterExport = candidate.fromBackup && actions.deleteRecoveryPointAfterExport;
  const what = dynamoDb
    ? exportFrom === 'source-pitr'
      ? "export the DynamoDB table to Parquet from its own point-in-time recovery at the backup's creation time (else from the backup, restored to a temporary table)"
      : 'export the DynamoDB recovery point to Parquet (restored to a temporary table, exported from there)'
    : ebs
      ? "archive the EBS snapshot's blocks (EBS direct APIs) into the block archive, " +
        (maxChainDepth === 0
          ? 'full (maxChainDepth 0)'
          : `incremental to the previous archive of ${candidate.resourceName ?? 'the volume'} or full (maxChainDepth ${maxChainDepth}; decided when the workflow runs)`)
      : `export the ${candidate.type} snapshot to Parquet`;
  return {
    action: dynamoDb ? 'dynamodb-export' : ebs ? 'ebs-archive' : 'rds-export',
    reason:
      `${candidate.trigger}: ${what}` +
      (deleteAfterExport
        ? ', verify it, then delete the recovery point'
        : candidate.fromBackup
          ? ', verify it, keep the recovery point'
          : ', verify it (snapshots outside AWS Backup are never deleted)'),
    ...base,
    workflow: dynamoDb ? DYNAMODB_EXPORT_WORKFLOW : ebs ? EBS_ARCHIVE_WORKFLOW : RDS_EXPORT_WORKFLOW,
    ...(dynamoDb ? { dynamoDbExportFrom: exportFrom } : {}),
    ...(ebs ? { ebsMaxChainDepth: maxChainDepth } : {}),
    resourceName: candidate.resourceName ?? 'unknown',
    fromBackup: candidate.fromBackup,
    ...(candidate.sourcePatterns ? { sourcePatterns: candidate.sourcePatterns } : {}),
    exportTaskIdentifier: exportId,
    s3Prefix: exportS3Prefix({
      account: candidate.account ?? 'unknown',
      region: candidate.region ?? 'unknown',
      resourceType: candidate.type,
      resourceName: candidate.resourceName ?? 'unknown',
      time: candidate.time,
    }),
    deleteAfterExport,
    checkedWhenRun,
  };
}

/** A recovery point AWS Backup made or copied into a vault, or why there is none to act on. */
function vaultCandidate(signal: Signal, actions: ActionsConfig): Candidate | RecoveryPointPlan {
  let trigger: string;
  let vault = signal.vault?.name;
  let account = signal.account;
  let region = signal.region;
  switch (signal.kind) {
    case 'backup-job':
      if (signal.outcome !== 'succeeded' && signal.outcome !== 'completed-with-issues') {
        return none(
          `backup job ${signal.state ?? signal.outcome}: only a COMPLETED job leaves a recovery point to act on`,
        );
      }
      trigger = `backup job COMPLETED (${describeSource(signal)})`;
      break;
    case 'copy-job': {
      if (signal.outcome !== 'succeeded') {
        return none(
          `copy job ${signal.state ?? signal.outcome}: only a COMPLETED copy leaves a recovery point to act on`,
        );
      }
      // The copy's own vault is its source; what arrives is in the destination vault.
      const destination = arnParts(signal.details['Destination vault']);
      const destinationName = destination?.resource.startsWith('backup-vault:')
        ? destination.resource.slice('backup-vault:'.length)
        : undefined;
      vault = destinationName;
      account = destination?.account || account;
      region = destination?.region || region;
      trigger = `copy job COMPLETED into ${vault ? `vault ${vault}` : 'a vault the event does not name'} (${describeSource(signal)})`;
      break;
    }
    case 'recovery-point':
      if (signal.outcome !== 'succeeded' || !['COMPLETED', 'AVAILABLE'].includes(signal.state ?? '')) {
        return none(
          `recovery point ${signal.state ?? signal.outcome}: only a COMPLETED or AVAILABLE recovery point is acted on`,
        );
      }
      trigger = `recovery point ${signal.state}`;
      break;
    default:
      return none(noActionReason(signal));
  }

  const recoveryPointArn = signal.recoveryPointArn;
  if (!recoveryPointArn) return none(`${trigger}, but the event names no recovery point`);
  const rp = arnParts(recoveryPointArn);
  // EBS snapshot ARNs have no account (`arn:aws:ec2:<region>::snapshot/snap-…`): the signal's (for a copy, the
  // destination vault's), else the volume's.
  account = (rp?.account || account || arnParts(signal.resource.arn)?.account) ?? undefined;
  region = (rp?.region || region) ?? undefined;
  if (isEc2RecoveryPoint(signal, recoveryPointArn)) {
    return none(`${trigger}, but ${EC2_NOT_ARCHIVED_REASON}`, {
      recoveryPointArn,
      ...(vault ? { vault } : {}),
      ...(account ? { account } : {}),
      ...(region ? { region } : {}),
    });
  }
  const type = exportType(signal, recoveryPointArn);
  if (!type) {
    return none(
      `${trigger}, but resource type ${signal.resource.type ?? 'unknown'} has no action yet (only RDS and Aurora snapshots, DynamoDB recovery points and EBS snapshots are exported)`,
      { recoveryPointArn },
    );
  }
  if (type === 'DynamoDB') {
    if (!isDynamoDbRecoveryPoint(recoveryPointArn)) {
      return none(
        `${trigger}, but ${recoveryPointArn} is not a DynamoDB recovery point (a table/<name>/backup/<id> or an AWS Backup recovery-point ARN)`,
        { recoveryPointArn, resourceType: type },
      );
    }
  } else if (type === 'EBS') {
    if (!snapshotOfEbsArn(recoveryPointArn)) {
      return none(
        `${trigger}, but ${recoveryPointArn} is not an EBS snapshot (arn:aws:ec2:<region>::snapshot/snap-…): only snapshots are archived`,
        { recoveryPointArn, resourceType: type },
      );
    }
  } else if (!recoveryPointArn.includes(':rds:') || !/^(cluster-)?snapshot:/.test(rp?.resource ?? '')) {
    return none(
      `${trigger}, but ${recoveryPointArn} is not an RDS snapshot (a continuous backup, say): RDS exports snapshots only`,
      { recoveryPointArn, resourceType: type },
    );
  }

  const entries = actions.vaults.filter(
    (v) =>
      (!v.accounts || !account || v.accounts.includes(account)) &&
      (!v.regions || !region || (v.regions as readonly string[]).includes(region)),
  );
  const checkedWhenRun: string[] = [];
  if (vault) {
    if (!entries.some((v) => v.name === vault)) {
      return none(
        `${trigger}, but vault ${vault}${account ? ` in ${account}` : ''}${region ? ` / ${region}` : ''} is not one of actions.vaults`,
        { recoveryPointArn, resourceType: type, vault },
      );
    }
  } else {
    if (entries.length === 0) {
      return none(`${trigger}, but no entry of actions.vaults covers ${account ?? '?'} / ${region ?? '?'}`, {
        recoveryPointArn,
        resourceType: type,
      });
    }
    checkedWhenRun.push('the vault (the event does not name it): the recovery point must be in one of actions.vaults');
  }
  const { resourceName, resourceArn } =
    type === 'DynamoDB'
      ? dynamoDbTable(signal, recoveryPointArn)
      : type === 'EBS'
        ? ebsVolume(signal, recoveryPointArn)
        : { resourceName: signal.resource.name, resourceArn: signal.resource.arn };
  return {
    trigger,
    recoveryPointArn,
    type,
    account,
    region,
    resourceName,
    resourceArn,
    ...(vault ? { vault } : {}),
    fromBackup: true,
    time: signal.times.completed ?? signal.times.created ?? signal.times.event,
    checkedWhenRun,
  };
}

/**
 * The DynamoDB table of a recovery point: from the resource ARN (`…:table/<name>`), or else from a
 * `…:table/<name>/backup/<id>` recovery point ARN (then the table's ARN is made from it, for the filters).
 */
function dynamoDbTable(
  signal: Signal,
  recoveryPointArn: string,
): { resourceName: string | undefined; resourceArn: string | undefined } {
  const resource = parseArn(signal.resource.arn);
  if (resource?.service === 'dynamodb' && resource.resource.startsWith('table/')) {
    return { resourceName: friendlyNameOfArn(signal.resource.arn), resourceArn: signal.resource.arn };
  }
  const table = tableOfDynamoDbBackupArn(recoveryPointArn);
  if (table) {
    const rp = parseArn(recoveryPointArn);
    const tableArn = rp ? `arn:${rp.partition}:dynamodb:${rp.region}:${rp.account}:table/${table}` : undefined;
    return { resourceName: table, resourceArn: signal.resource.arn ?? tableArn };
  }
  return { resourceName: signal.resource.name, resourceArn: signal.resource.arn };
}

/** The EBS volume of a snapshot: from the resource ARN (`…:volume/vol-…`), else the snapshot id itself. */
function ebsVolume(
  signal: Signal,
  recoveryPointArn: string,
): { resourceName: string | undefined; resourceArn: string | undefined } {
  const volume = volumeOfArn(signal.resource.arn);
  if (volume) return { resourceName: volume, resourceArn: signal.resource.arn };
  return {
    resourceName: snapshotOfEbsArn(recoveryPointArn) ?? signal.resource.name,
    resourceArn: signal.resource.arn ?? recoveryPointArn,
  };
}

/** An RDS snapshot taken outside AWS Backup, or why it is not acted on. */
function rdsSnapshotCandidate(signal: Signal, actions: ActionsConfig): Candidate | RecoveryPointPlan {
  // Own keys only: an event type such as `constructor` must not find Object.prototype's.
  const known = Object.hasOwn(RDS_SNAPSHOT_TRIGGERS, signal.eventType)
    ? RDS_SNAPSHOT_TRIGGERS[signal.eventType]
    : undefined;
  const snapshotId = signal.resource.name ?? '';
  if (!known) {
    return none(
      `RDS event ${signal.eventType} announces no new snapshot (only RDS-EVENT-0091, 0169, 0042 and 0075 start an export)`,
    );
  }
  if (snapshotId.startsWith('awsbackup:')) {
    return none(`snapshot ${snapshotId} was made by AWS Backup: the triggers of its vault cover it`);
  }
  const recoveryPointArn = signal.recoveryPointArn;
  const what = `${signal.eventType} ${known.origin} ${known.cluster ? 'cluster ' : ''}snapshot ${snapshotId || '(unnamed)'}`;
  if (!recoveryPointArn) return none(`${what}, but the event names no snapshot ARN`);
  if (!actions.rdsSnapshots[known.origin]) {
    return none(`${what}, but actions.rdsSnapshots.${known.origin} is false`, { recoveryPointArn });
  }
  const database =
    known.origin === 'automated' ? (signal.details.Database ?? databaseOfAutomatedSnapshot(snapshotId)) : undefined;
  const listed = known.cluster ? actions.rdsSnapshots.clusters : actions.rdsSnapshots.instances;
  const listName = `actions.rdsSnapshots.${known.cluster ? 'clusters' : 'instances'}`;
  const checkedWhenRun: string[] = [];
  let sourcePatterns: readonly string[] | undefined;
  if (listed.length > 0) {
    if (database) {
      if (!matchesAny([database], listed))
        return none(`${what}, but ${database} is not in ${listName}`, { recoveryPointArn });
    } else {
      checkedWhenRun.push(`whether the snapshot's ${known.cluster ? 'cluster' : 'DB instance'} is in ${listName}`);
      sourcePatterns = listed;
    }
  }
  const rp = arnParts(recoveryPointArn);
  return {
    trigger: what,
    recoveryPointArn,
    type: known.cluster ? 'Aurora' : 'RDS',
    account: (rp?.account || signal.account) ?? undefined,
    region: (rp?.region || signal.region) ?? undefined,
    resourceName: database ?? snapshotId,
    resourceArn: recoveryPointArn,
    fromBackup: false,
    time: signal.times.completed ?? signal.times.event,
    checkedWhenRun,
    ...(sourcePatterns ? { sourcePatterns } : {}),
  };
}

function describeSource(signal: Signal): string {
  switch (signal.source) {
    case 'backup-vault-sns':
      return 'vault notification';
    case 'cloudtrail-service-event':
      return 'CloudTrail service event';
    default:
      return 'EventBridge';
  }
}

function noActionReason(signal: Signal): string {
  if (signal.kind === 'unparsed') return `the input could not be understood: ${signal.reason ?? 'unknown input'}`;
  const article = /^[aeiou]/.test(signal.kind) ? 'an' : 'a';
  return `${article} ${signal.kind} signal (${signal.eventType}) starts no action: only completed backup and copy jobs, completed recovery points and new RDS snapshots do`;
}
