/**
 * The names shared by the CDK app (src/infra) and the Lambda handlers (src/functions): handler entry
 * files, environment variables, metric names and ledger keys. Infra never imports handlers; both sides
 * import this file instead, so a renamed variable breaks the type check, not a deployment.
 */

/** Lambda entry files, relative to the package root. Each exports `handler`. */
export const HANDLER_ENTRIES = {
  router: 'src/functions/router.ts',
  delivery: 'src/functions/delivery.ts',
  digest: 'src/functions/digest.ts',
  rpoCheck: 'src/functions/rpoCheck.ts',
} as const;
export type HandlerName = keyof typeof HANDLER_ENTRIES;

/** Environment variables the handlers read (through typed getters that fail fast). */
export const ENV = {
  /** DynamoDB ledger table name. */
  ledgerTable: 'VAULTPILOT_LEDGER_TABLE',
  /** SNS topic that carries email notifications. */
  topicArn: 'VAULTPILOT_TOPIC_ARN',
  /** SQS queue feeding the delivery Lambda (Slack, Teams, webhooks). */
  deliveryQueueUrl: 'VAULTPILOT_DELIVERY_QUEUE_URL',
  /** SNS topic or queue where unparsed inputs are kept for people to look at. */
  unparsedTopicArn: 'VAULTPILOT_UNPARSED_TOPIC_ARN',
  /** The runtime settings (JSON of RuntimeSettings in src/core/config), written by the CDK app. */
  settings: 'VAULTPILOT_SETTINGS',
  /** CloudWatch metric namespace for EMF output. */
  metricNamespace: 'VAULTPILOT_METRIC_NAMESPACE',
} as const;

/** CloudWatch namespace of the router's org-wide metrics. */
export const METRIC_NAMESPACE = 'Vaultpilot';

/**
 * Metrics the router emits in Embedded Metric Format (unit Count, statistic Sum).
 * Dimension sets listed with each; an empty set means the org-wide total.
 */
export const METRICS = {
  /**
   * Terminal backup, copy, restore and scan jobs (JOB_KINDS in src/core/signal.ts).
   * Dimensions: [], [Outcome], [Kind, Outcome], [Account], [ResourceType].
   */
  jobs: 'Jobs',
  /** Jobs that failed, expired, were aborted or partial. Same dimension sets as `jobs` without Outcome. */
  failedJobs: 'FailedJobs',
  /** Jobs that succeeded (including completed-with-issues). Dimensions: [], [ResourceType]. */
  completedJobs: 'CompletedJobs',
  /** Organizations backup-policy changes. Dimensions: []. */
  policyChanges: 'PolicyChanges',
  /** Tamper signals (deletes, vault policy/lock changes). Dimensions: []. */
  tamperEvents: 'TamperEvents',
  /** Inputs that could not be understood. Dimensions: []. */
  unparsedEvents: 'UnparsedEvents',
  /** Every signal. Dimensions: [Kind, Severity]. */
  signals: 'Signals',
} as const;

export const METRIC_DIMENSIONS = {
  outcome: 'Outcome',
  kind: 'Kind',
  account: 'Account',
  resourceType: 'ResourceType',
  severity: 'Severity',
} as const;

/** The ledger table's key schema and TTL attribute. */
export const LEDGER_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'expiresAt',
} as const;

/** Prefix of every CloudWatch alarm name Vaultpilot creates; the central bus forwards their state changes. */
export const ALARM_NAME_PREFIX = 'vaultpilot-';
