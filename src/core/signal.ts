/**
 * The signal: one normalized, classified fact about AWS Backup, whatever input shape it arrived in.
 * Every later part of Vaultpilot (alarms, metrics, ledger, actions) works on signals, never on raw events.
 */

/** What the signal is about. */
export const SIGNAL_KINDS = [
  'backup-job',
  'copy-job',
  'restore-job',
  'recovery-point',
  'vault',
  'plan',
  'region-setting',
  'policy-change',
  'tamper',
  'index',
  'scan',
  'rds-snapshot',
  'alarm',
  /** The result of one of Vaultpilot's backup actions (an export workflow run). */
  'action',
  'unparsed',
] as const;
export type SignalKind = (typeof SIGNAL_KINDS)[number];

/**
 * The kinds that are jobs: they carry a job id and a lifecycle (created, running, then one terminal outcome).
 * The one list the ledger's job history, the metrics and the routing of progress messages use.
 */
export const JOB_KINDS = ['backup-job', 'copy-job', 'restore-job', 'scan'] as const satisfies readonly SignalKind[];
export type JobKind = (typeof JOB_KINDS)[number];

const JOB_KIND_SET: ReadonlySet<SignalKind> = new Set(JOB_KINDS);

/** Whether signals of `kind` are about a job. */
export function isJobKind(kind: SignalKind): kind is JobKind {
  return JOB_KIND_SET.has(kind);
}

/** What happened. A small closed vocabulary shared by every kind. */
export const OUTCOMES = [
  'succeeded',
  'completed-with-issues',
  'failed',
  'expired',
  'aborted',
  'partial',
  'canceled',
  'threats-found',
  'created',
  'changed',
  'deleted',
  'pending',
  'running',
  'started',
  'stopped',
  'in-alarm',
  'ok',
  'insufficient-data',
  'unknown',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const SEVERITIES = ['critical', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The input shape the signal was read from (after unwrapping SNS/SQS/Lambda envelopes). */
export const INPUT_SHAPES = [
  'eventbridge',
  'cloudtrail-api-call',
  'cloudtrail-service-event',
  'backup-vault-sns',
  'rds-sns',
  'rds-eventbridge',
  'cloudwatch-alarm',
  'unknown',
] as const;
export type InputShape = (typeof INPUT_SHAPES)[number];

/** The resource a signal is about. `name` is a friendly name for people (e.g. `prod-db`). */
export interface ResourceRef {
  readonly arn?: string;
  /** AWS Backup resource type where known (EBS, RDS, Aurora, DynamoDB, EFS, EC2, S3, …). */
  readonly type?: string;
  readonly name?: string;
}

export interface VaultRef {
  readonly name?: string;
  readonly arn?: string;
}

export interface ConsoleLink {
  readonly label: string;
  readonly url: string;
}

/** Times as ISO-8601 strings, as far as the input tells them. */
export interface SignalTimes {
  /** When AWS emitted the event (envelope time). */
  readonly event?: string;
  readonly created?: string;
  readonly started?: string;
  readonly completed?: string;
  readonly startBy?: string;
}

/** An Organizations backup-policy change or a policy-bearing event. */
export interface PolicyRef {
  readonly id?: string;
  readonly name?: string;
  /** e.g. BACKUP_POLICY; absent on DeletePolicy, which carries no type. */
  readonly type?: string;
  readonly arn?: string;
  /** The policy document as sent (a JSON string, possibly not valid JSON). */
  readonly content?: string;
  /** Target of Attach/DetachPolicy (account, OU or root id). */
  readonly targetId?: string;
  /** The API call (CreatePolicy, UpdatePolicy, …). */
  readonly operation?: string;
}

/** A value that was too long to keep whole (see boundSignal.ts); the input in `raw` still has it whole. */
export interface ShortenedValue {
  /** Where it was: `resource.arn`, `statusMessage`, `details.User agent`, `links.Backup job` (left out), … */
  readonly field: string;
  /** Its length as sent (UTF-16 code units; for `details`, the number of details). */
  readonly length: number;
  /** How much of it was kept (0: left out). */
  readonly kept: number;
}

/** One normalized AWS Backup signal. */
export interface Signal {
  /** Stable id for de-duplication: the same real-world transition yields the same id. */
  readonly id: string;
  readonly kind: SignalKind;
  readonly outcome: Outcome;
  readonly severity: Severity;
  readonly source: InputShape;
  /** The AWS name of what happened: detail-type, CloudTrail eventName, SNS EventType, RDS event id, alarm name. */
  readonly eventType: string;
  /** The raw state/status string AWS sent (FAILED, COMPLETED, ACTIVE, …), if any. */
  readonly state?: string;
  readonly account?: string;
  readonly region?: string;
  readonly vault?: VaultRef;
  readonly resource: ResourceRef;
  /** Backup, copy, restore, scan job id, or the RDS event id for RDS snapshots. */
  readonly jobId?: string;
  readonly recoveryPointArn?: string;
  readonly statusMessage?: string;
  readonly times: SignalTimes;
  /** Who did it (CloudTrail principal ARN), for tamper and policy signals. */
  readonly actor?: string;
  readonly policy?: PolicyRef;
  /** Extra facts worth showing to people, already in readable form (label → value). */
  readonly details: Readonly<Record<string, string>>;
  /** AWS console deep links, most useful first. */
  readonly links: readonly ConsoleLink[];
  /** Why the input could not be understood (only for kind `unparsed`). */
  readonly reason?: string;
  /** Values cut to Vaultpilot's field limits; absent when nothing was cut. */
  readonly shortened?: readonly ShortenedValue[];
  /** The input this signal was read from, untouched. */
  readonly raw: unknown;
}
