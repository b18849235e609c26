/**
 * The EventBridge rules Vaultpilot deploys, as data: the CDK app turns them into rules, tests evaluate
 * them against the fixture corpus with `matchesEventPattern`. Keeping them here means the infrastructure
 * and the tests can never disagree about what a rule forwards.
 */

import { ACTION_RESULT_DETAIL_TYPE, ACTION_RESULT_SOURCE } from './actions/actionResultEvent.js';
import { ALARM_NAME_PREFIX } from './deployment/contract.js';
import type { EventPattern } from './eventPatternMatch.js';
import { SOURCE_HEARTBEAT_PATTERN } from './heartbeat/sourceHeartbeat.js';
import { BACKUP_TAMPER_CALLS, ORGANIZATIONS_POLICY_CALLS } from './watchedApiCalls.js';

/** The `aws.backup` detail-types the router turns into signals. */
export const BACKUP_DETAIL_TYPES = [
  'Backup Job State Change',
  'Copy Job State Change',
  'Restore Job State Change',
  'Scan Job State Change',
  'Recovery Point State Change',
  'Recovery Point Index State Change',
  'Backup Plan State Change',
  'Backup Vault State Change',
  'Region Setting State Change',
] as const;

/** Job detail-types whose in-progress states are not forwarded (only outcomes matter downstream). */
export const JOB_DETAIL_TYPES = [
  'Backup Job State Change',
  'Copy Job State Change',
  'Restore Job State Change',
  'Scan Job State Change',
] as const;

/**
 * Job states that are still in progress, across backup, copy, restore and scan jobs. Everything else
 * (COMPLETED, FAILED, EXPIRED, ABORTED, PARTIAL, CANCELED, COMPLETED_WITH_ISSUES, and any state AWS adds
 * later) is an outcome worth forwarding.
 */
export const IN_PROGRESS_JOB_STATES = ['CREATED', 'PENDING', 'RUNNING', 'ABORTING'] as const;

const CLOUDTRAIL_API_CALL = 'AWS API Call via CloudTrail';

/** Names of the rules, used for construct ids and for tests. */
export type RulePatternName =
  | 'backupEvents'
  | 'backupTamperCalls'
  | 'organizationsPolicyChanges'
  | 'organizationsPolicyValidation'
  | 'vaultpilotAlarms'
  | 'sourceHeartbeats'
  | 'policyInventory'
  | 'actionBackupTriggers'
  | 'actionRdsSnapshotTriggers'
  | 'actionResults'
  | 'actionExecutionEnded'
  | 'actionResultsToRegister';

/** One rule: its pattern and what it is for (shown as the rule description). */
export interface RulePattern {
  readonly name: RulePatternName;
  readonly description: string;
  readonly pattern: EventPattern;
  /** AWS delivers these events in this Region only: a rule anywhere else never matches, so none is made. */
  readonly onlyInRegion?: string;
}

/** Organizations is a global service: its CloudTrail events reach EventBridge in us-east-1 only. */
export const ORGANIZATIONS_EVENTS_REGION = 'us-east-1';

/** CloudTrail detail-types AWS Backup also emits under `aws.backup`; handled by their own rule or duplicates. */
const CLOUDTRAIL_DETAIL_TYPES = [CLOUDTRAIL_API_CALL, 'AWS Service Event via CloudTrail'] as const;

/**
 * AWS Backup service events. Jobs are forwarded once they are no longer in progress; restore jobs report
 * their state in `detail.status` (not `state`), so both fields are read, and a job event carrying neither
 * is forwarded too, for the router to report as unparsed. Every other detail-type is forwarded as is,
 * including ones AWS adds later, except the CloudTrail ones: API calls have their own rule, and the
 * BackupJobCompleted service event repeats the Backup Job State Change.
 */
export const BACKUP_EVENTS: RulePattern = {
  name: 'backupEvents',
  description: 'AWS Backup job outcomes and recovery point, vault, plan, index and region setting changes',
  pattern: {
    source: ['aws.backup'],
    $or: [
      { 'detail-type': [{ 'anything-but': [...JOB_DETAIL_TYPES, ...CLOUDTRAIL_DETAIL_TYPES] }] },
      { 'detail-type': [...JOB_DETAIL_TYPES], detail: { state: [{ 'anything-but': [...IN_PROGRESS_JOB_STATES] }] } },
      { 'detail-type': [...JOB_DETAIL_TYPES], detail: { status: [{ 'anything-but': [...IN_PROGRESS_JOB_STATES] }] } },
      { 'detail-type': [...JOB_DETAIL_TYPES], detail: { state: [{ exists: false }], status: [{ exists: false }] } },
    ],
  },
};

/** AWS Backup API calls that delete or weaken protection, recorded by CloudTrail. */
export const BACKUP_TAMPER_EVENTS: RulePattern = {
  name: 'backupTamperCalls',
  description: 'AWS Backup calls that delete recovery points, vaults, plans or change vault policies and locks',
  pattern: {
    source: ['aws.backup'],
    'detail-type': [CLOUDTRAIL_API_CALL],
    detail: { eventSource: ['backup.amazonaws.com'], eventName: [...BACKUP_TAMPER_CALLS] },
  },
};

/** Organizations policy changes (global service: delivered in us-east-1 only). */
export const ORGANIZATIONS_POLICY_EVENTS: RulePattern = {
  name: 'organizationsPolicyChanges',
  description: 'AWS Organizations policy create, update, delete, attach, detach and policy type changes',
  pattern: {
    source: ['aws.organizations'],
    'detail-type': [CLOUDTRAIL_API_CALL],
    detail: { eventSource: ['organizations.amazonaws.com'], eventName: [...ORGANIZATIONS_POLICY_CALLS] },
  },
  onlyInRegion: ORGANIZATIONS_EVENTS_REGION,
};

/**
 * Organizations tells an account, in us-east-1, when its effective policy of a type becomes invalid
 * (its backup plans then stop applying as written) or valid again. A service event, not an API call.
 */
export const ORGANIZATIONS_POLICY_VALIDATION_EVENTS: RulePattern = {
  name: 'organizationsPolicyValidation',
  description: 'AWS Organizations effective policy validation results (INVALID / VALID)',
  pattern: {
    source: ['aws.organizations'],
    'detail-type': ['AWS Service Event via CloudTrail'],
    detail: { eventSource: ['organizations.amazonaws.com'], eventName: ['EffectivePolicyValidation'] },
  },
  onlyInRegion: ORGANIZATIONS_EVENTS_REGION,
};

/** State changes of the CloudWatch alarms Vaultpilot created (their names share one prefix). */
export const VAULTPILOT_ALARM_EVENTS: RulePattern = {
  name: 'vaultpilotAlarms',
  description: 'State changes of Vaultpilot CloudWatch alarms',
  pattern: {
    source: ['aws.cloudwatch'],
    'detail-type': ['CloudWatch Alarm State Change'],
    detail: { alarmName: [{ prefix: ALARM_NAME_PREFIX }] },
  },
};

/** Heartbeats of the forwarding stacks, as they arrive on the central bus (see heartbeat/sourceHeartbeat.ts). */
export const SOURCE_HEARTBEAT_EVENTS: RulePattern = {
  name: 'sourceHeartbeats',
  description: 'Heartbeats of the member and management forwarding rules',
  pattern: SOURCE_HEARTBEAT_PATTERN,
};

/** What a member account forwards from its default bus to the central bus (every configured region). */
export const MEMBER_FORWARDED_RULES: readonly RulePattern[] = [
  BACKUP_EVENTS,
  BACKUP_TAMPER_EVENTS,
  ORGANIZATIONS_POLICY_VALIDATION_EVENTS,
  VAULTPILOT_ALARM_EVENTS,
];

/** What the management account forwards from us-east-1 (its own Vaultpilot alarms too: the inventory's). */
export const MANAGEMENT_FORWARDED_RULES: readonly RulePattern[] = [
  ORGANIZATIONS_POLICY_EVENTS,
  ORGANIZATIONS_POLICY_VALIDATION_EVENTS,
  VAULTPILOT_ALARM_EVENTS,
];

/** What the central bus sends to the router: everything members and the management account forward. */
export const CENTRAL_BUS_RULES: readonly RulePattern[] = [
  BACKUP_EVENTS,
  BACKUP_TAMPER_EVENTS,
  ORGANIZATIONS_POLICY_EVENTS,
  ORGANIZATIONS_POLICY_VALIDATION_EVENTS,
  VAULTPILOT_ALARM_EVENTS,
  SOURCE_HEARTBEAT_EVENTS,
];

/** What the central account's own default bus sends to the router (its own backups and alarms). */
export const CENTRAL_DEFAULT_BUS_RULES: readonly RulePattern[] = [
  BACKUP_EVENTS,
  BACKUP_TAMPER_EVENTS,
  ORGANIZATIONS_POLICY_VALIDATION_EVENTS,
  VAULTPILOT_ALARM_EVENTS,
];

/** What starts a backup action (member accounts, default bus): new recovery points in AWS Backup vaults. */
export const ACTION_BACKUP_TRIGGERS: RulePattern = {
  name: 'actionBackupTriggers',
  description: 'Completed backup and copy jobs and available recovery points (backup actions)',
  pattern: {
    source: ['aws.backup'],
    $or: [
      { 'detail-type': ['Backup Job State Change', 'Copy Job State Change'], detail: { state: ['COMPLETED'] } },
      { 'detail-type': ['Recovery Point State Change'], detail: { status: ['COMPLETED', 'AVAILABLE'] } },
    ],
  },
};

/** RDS snapshot events of automated (0091 instance, 0169 cluster) and manual (0042 instance, 0075 cluster) snapshots. */
export const RDS_SNAPSHOT_TRIGGER_EVENT_IDS = {
  automated: ['RDS-EVENT-0091', 'RDS-EVENT-0169'],
  manual: ['RDS-EVENT-0042', 'RDS-EVENT-0075'],
} as const;

/**
 * What starts a backup action for RDS snapshots taken outside AWS Backup (member accounts, default bus), for the
 * kinds of snapshot `actions.rdsSnapshots` turns on; undefined when neither is on.
 */
export function actionRdsSnapshotTriggers(kinds: { automated: boolean; manual: boolean }): RulePattern | undefined {
  const ids = [
    ...(kinds.automated ? RDS_SNAPSHOT_TRIGGER_EVENT_IDS.automated : []),
    ...(kinds.manual ? RDS_SNAPSHOT_TRIGGER_EVENT_IDS.manual : []),
  ];
  if (ids.length === 0) return undefined;
  return {
    name: 'actionRdsSnapshotTriggers',
    description: 'RDS snapshot created events (backup actions on RDS snapshots outside AWS Backup)',
    pattern: {
      source: ['aws.rds'],
      'detail-type': ['RDS DB Snapshot Event', 'RDS DB Cluster Snapshot Event'],
      detail: { EventID: ids },
    },
  };
}

/** Results of the backup actions, put on the central bus by the member accounts' workflows, for the router. */
export const ACTION_RESULT_EVENTS: RulePattern = {
  name: 'actionResults',
  description: 'Results of the backup actions (exports) from the member accounts',
  pattern: { source: [ACTION_RESULT_SOURCE], 'detail-type': [ACTION_RESULT_DETAIL_TYPE] },
};

/** The outcomes whose export is registered in the Glue Data Catalog (the registrar ignores every other result). */
export const REGISTERED_ACTION_OUTCOMES = ['exported', 'exported-partially'] as const;

/** Verified exports, for the table registrar (central account and Region, central bus). */
export const ACTION_RESULTS_TO_REGISTER: RulePattern = {
  name: 'actionResultsToRegister',
  description: 'Verified exports of the backup actions, registered in the Glue Data Catalog',
  pattern: {
    source: [ACTION_RESULT_SOURCE],
    'detail-type': [ACTION_RESULT_DETAIL_TYPE],
    detail: { outcome: [...REGISTERED_ACTION_OUTCOMES] },
  },
};

/** Execution statuses after which no state of the export workflow runs: the sweeper cleans up and reports. */
export const ABNORMAL_EXECUTION_STATUSES = ['TIMED_OUT', 'ABORTED', 'FAILED'] as const;

/**
 * Executions of the export workflow (member accounts, default bus: Step Functions sends its standard workflows'
 * status changes there) that ended without running their own cleanup, for the execution sweeper.
 */
export function actionExecutionEnded(stateMachineArn: string): RulePattern {
  return {
    name: 'actionExecutionEnded',
    description: 'Export workflow executions that timed out, were aborted or failed (backup actions sweeper)',
    pattern: {
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { status: [...ABNORMAL_EXECUTION_STATUSES], stateMachineArn: [stateMachineArn] },
    },
  };
}
