/**
 * RDS snapshot events, delivered by SNS (RDS event subscriptions: the message is JSON with keys such as
 * "Event Source" and "Event ID", the id being a docs URL ending in #RDS-EVENT-nnnn) or by EventBridge
 * (detail-types "RDS DB Snapshot Event" and "RDS DB Cluster Snapshot Event").
 */
import type { Outcome, Signal } from '../signal.js';
import { buildSignal, unparsedSignal } from './buildSignal.js';
import { rdsSnapshotLink, resourceLink } from './consoleLinks.js';
import type { EventBridgeEnvelope } from './eventBridgeEnvelope.js';
import { isoTime, text } from './eventFields.js';
import { accountOfArn, parseArn, regionOfArn, splitResource } from './parseArn.js';
import type { SnsNotification } from './vaultNotifications.js';

/** Text that is an ARN, or undefined. */
function arnText(value: unknown): string | undefined {
  const arn = text(value);
  return parseArn(arn) ? arn : undefined;
}

/** Every RDS snapshot event id Vaultpilot knows, with what it means. */
export const RDS_SNAPSHOT_EVENTS: Readonly<Record<string, { readonly outcome: Outcome; readonly what: string }>> = {
  // DB snapshots
  'RDS-EVENT-0040': { outcome: 'started', what: 'Creating a manual DB snapshot' },
  'RDS-EVENT-0042': { outcome: 'succeeded', what: 'Manual DB snapshot created' },
  'RDS-EVENT-0090': { outcome: 'started', what: 'Creating an automated DB snapshot' },
  'RDS-EVENT-0091': { outcome: 'succeeded', what: 'Automated DB snapshot created' },
  'RDS-EVENT-0041': { outcome: 'deleted', what: 'DB snapshot deleted' },
  'RDS-EVENT-0059': { outcome: 'started', what: 'Cross-region DB snapshot copy started' },
  'RDS-EVENT-0060': { outcome: 'succeeded', what: 'Cross-region DB snapshot copy finished' },
  'RDS-EVENT-0061': { outcome: 'canceled', what: 'Cross-region DB snapshot copy canceled' },
  'RDS-EVENT-0196': { outcome: 'started', what: 'DB snapshot copy started' },
  'RDS-EVENT-0197': { outcome: 'succeeded', what: 'DB snapshot copy finished' },
  'RDS-EVENT-0190': { outcome: 'canceled', what: 'DB snapshot copy canceled' },
  'RDS-EVENT-0159': { outcome: 'failed', what: 'Snapshot export to S3 failed' },
  'RDS-EVENT-0160': { outcome: 'canceled', what: 'Snapshot export to S3 canceled' },
  'RDS-EVENT-0161': { outcome: 'succeeded', what: 'Snapshot export to S3 completed' },
  // DB cluster snapshots
  'RDS-EVENT-0074': { outcome: 'started', what: 'Creating a manual DB cluster snapshot' },
  'RDS-EVENT-0075': { outcome: 'succeeded', what: 'Manual DB cluster snapshot created' },
  'RDS-EVENT-0168': { outcome: 'started', what: 'Creating an automated DB cluster snapshot' },
  'RDS-EVENT-0169': { outcome: 'succeeded', what: 'Automated DB cluster snapshot created' },
  'RDS-EVENT-0162': { outcome: 'failed', what: 'Cluster snapshot export to S3 failed' },
  'RDS-EVENT-0163': { outcome: 'canceled', what: 'Cluster snapshot export to S3 canceled' },
  'RDS-EVENT-0164': { outcome: 'succeeded', what: 'Cluster snapshot export to S3 completed' },
};

/**
 * The event id told by the message, for events that carry none (EventBridge RDS events published before
 * `EventID` was added, still shown in AWS's examples). Cluster wordings are tried first.
 */
const EVENT_IDS_BY_MESSAGE: readonly (readonly [RegExp, string])[] = [
  [/^creating manual cluster snapshot/i, 'RDS-EVENT-0074'],
  [/^manual cluster snapshot created/i, 'RDS-EVENT-0075'],
  [/^creating automated cluster snapshot/i, 'RDS-EVENT-0168'],
  [/^automated cluster snapshot created/i, 'RDS-EVENT-0169'],
  [/^creating (manual|user) snapshot/i, 'RDS-EVENT-0040'],
  [/^(manual|user) snapshot created/i, 'RDS-EVENT-0042'],
  [/^creating automated snapshot/i, 'RDS-EVENT-0090'],
  [/^automated snapshot created/i, 'RDS-EVENT-0091'],
  [/^deleted (manual |user |automated )?snapshot/i, 'RDS-EVENT-0041'],
  [/^started cross region copy of snapshot/i, 'RDS-EVENT-0059'],
  [/^finished cross region copy of snapshot/i, 'RDS-EVENT-0060'],
  [/^cancel+ed cross region copy of snapshot/i, 'RDS-EVENT-0061'],
];

/** The RDS event id a known message stands for (see EVENT_IDS_BY_MESSAGE), or undefined. */
export function eventIdOfMessage(message: string | undefined): string | undefined {
  const trimmed = message?.trim() ?? '';
  return EVENT_IDS_BY_MESSAGE.find(([pattern]) => pattern.test(trimmed))?.[1];
}

/** Who made a snapshot, told by its id: `rds:` automated, `awsbackup:` AWS Backup, otherwise manual. */
export function snapshotOrigin(snapshotId: string): 'automated' | 'AWS Backup' | 'manual' {
  if (snapshotId.startsWith('rds:')) return 'automated';
  if (snapshotId.startsWith('awsbackup:')) return 'AWS Backup';
  return 'manual';
}

/** The database of an automated snapshot: `rds:prod-db-2024-03-06-09-10` → `prod-db`. */
export function databaseOfAutomatedSnapshot(snapshotId: string): string | undefined {
  const match = /^rds:(.+)-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}$/.exec(snapshotId);
  return match?.[1];
}

interface RdsFacts {
  readonly eventId?: string | undefined;
  readonly sourceType?: string | undefined;
  readonly sourceId?: string | undefined;
  readonly sourceArn?: string | undefined;
  readonly message?: string | undefined;
  readonly time?: string | undefined;
  readonly categories?: string | undefined;
  readonly account?: string | undefined;
  readonly region?: string | undefined;
  /** Partition of the account (from the SNS topic ARN), to rebuild a missing snapshot ARN. */
  readonly partition?: string | undefined;
}

function isSnapshotSource(facts: RdsFacts): boolean {
  const type = facts.sourceType?.toLowerCase().replace(/[_\s]/g, '-') ?? '';
  const arnType = splitResource(parseArn(facts.sourceArn)?.resource ?? '').type;
  return type.includes('snapshot') || arnType === 'snapshot' || arnType === 'cluster-snapshot';
}

function rdsSignal(facts: RdsFacts, source: 'rds-sns' | 'rds-eventbridge', raw: unknown): Signal {
  const inferredEventId = facts.eventId ? undefined : eventIdOfMessage(facts.message);
  const eventId = facts.eventId ?? inferredEventId;
  if (!eventId) return unparsedSignal(raw, 'RDS event: no RDS-EVENT id in "Event ID"/EventID', { source });
  const known = RDS_SNAPSHOT_EVENTS[eventId];
  if (!known && !isSnapshotSource(facts)) {
    return unparsedSignal(
      raw,
      `RDS event ${eventId} (${facts.sourceType ?? 'unknown source'}) is not a snapshot event`,
      {
        source,
        eventType: eventId,
      },
    );
  }
  const arnParts = parseArn(facts.sourceArn);
  const arnSplit = arnParts ? splitResource(arnParts.resource) : undefined;
  const cluster =
    arnSplit?.type === 'cluster-snapshot' ||
    /cluster/i.test(facts.sourceType ?? '') ||
    /cluster/i.test(known?.what ?? '');
  const snapshotId = facts.sourceId ?? arnSplit?.id;
  const region = regionOfArn(facts.sourceArn) ?? facts.region;
  // Older SNS messages carry no "Source ARN": the snapshot ARN is rebuilt from its id, the region and the
  // account, so that the SNS and EventBridge deliveries of one event still share their id.
  const snapshotArn =
    facts.sourceArn ??
    (snapshotId && region && facts.account && facts.partition && isSnapshotSource(facts)
      ? `arn:${facts.partition}:rds:${region}:${facts.account}:${cluster ? 'cluster-snapshot' : 'snapshot'}:${snapshotId}`
      : undefined);
  const outcome = known?.outcome ?? 'unknown';
  const database = snapshotId ? databaseOfAutomatedSnapshot(snapshotId) : undefined;
  const snapshotParts = parseArn(snapshotArn);
  const databaseArn =
    snapshotParts && database
      ? `arn:${snapshotParts.partition}:rds:${snapshotParts.region}:${snapshotParts.account}:${cluster ? 'cluster' : 'db'}:${database}`
      : undefined;
  return buildSignal({
    kind: 'rds-snapshot',
    outcome,
    source,
    eventType: eventId,
    // SNS and EventBridge deliveries of the same RDS event share snapshot and event id.
    idParts: [snapshotArn ?? snapshotId, eventId],
    account: accountOfArn(facts.sourceArn) ?? facts.account,
    region,
    resource: { arn: snapshotArn, type: cluster ? 'Aurora' : 'RDS', name: snapshotId },
    jobId: eventId,
    recoveryPointArn: snapshotArn,
    statusMessage: facts.message,
    times: { event: isoTime(facts.time) },
    details: {
      'What happened': known?.what ?? `RDS event ${eventId}, not one Vaultpilot knows`,
      'Event ID': inferredEventId ? `${inferredEventId}, told by the message (the event carries no id)` : undefined,
      'Snapshot made by': snapshotId ? snapshotOrigin(snapshotId) : undefined,
      Database: database,
      'Event categories': facts.categories,
    },
    links: [
      region && snapshotId && outcome !== 'deleted' ? rdsSnapshotLink(region, snapshotId, cluster) : undefined,
      resourceLink(databaseArn),
    ],
    raw,
  });
}

/** The `region=` query parameter of an RDS console link, when it is a region code. */
function regionOfLink(link: string | undefined): string | undefined {
  const region = /[?&]region=([a-z0-9-]+)/.exec(link ?? '')?.[1];
  return region && /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(region) ? region : undefined;
}

/** True when a JSON SNS message is an RDS event notification. */
export function isRdsSnsMessage(message: Record<string, unknown>): boolean {
  return 'Event ID' in message || 'Event Source' in message;
}

/** Normalizes an RDS event notification delivered by SNS (the message already parsed from JSON). */
export function normalizeRdsSnsMessage(message: Record<string, unknown>, n: SnsNotification | undefined): Signal {
  const eventId = /RDS-EVENT-\d{4}/.exec(text(message['Event ID']) ?? text(n?.attributes.EventID) ?? '')?.[0];
  return rdsSignal(
    {
      eventId,
      sourceType: text(message['Event Source']),
      sourceId: text(message['Source ID']),
      sourceArn: arnText(message['Source ARN']) ?? arnText(n?.attributes.Resource),
      message: text(message['Event Message']),
      time: text(message['Event Time']) ?? n?.timestamp,
      account: accountOfArn(n?.topicArn),
      // The console link names the region of the snapshot; the topic may live elsewhere.
      region: regionOfLink(text(message['Identifier Link'])) ?? regionOfArn(n?.topicArn),
      partition: parseArn(n?.topicArn)?.partition,
    },
    'rds-sns',
    n?.raw ?? message,
  );
}

/** Normalizes an "RDS DB Snapshot Event" / "RDS DB Cluster Snapshot Event" from EventBridge. */
export function normalizeRdsEventBridge(env: EventBridgeEnvelope): Signal {
  const d = env.detail;
  const categories = Array.isArray(d.EventCategories)
    ? d.EventCategories.map(text).filter(Boolean).join(', ')
    : text(d.EventCategories);
  return rdsSignal(
    {
      eventId: /RDS-EVENT-\d{4}/.exec(text(d.EventID) ?? '')?.[0],
      sourceType: text(d.SourceType),
      sourceId: text(d.SourceIdentifier),
      sourceArn: arnText(d.SourceArn) ?? arnText(env.resources[0]),
      message: text(d.Message),
      time: text(d.Date) ?? env.time,
      categories: categories || undefined,
      account: env.account,
      region: env.region,
      partition: parseArn(arnText(env.resources[0]))?.partition,
    },
    'rds-eventbridge',
    env,
  );
}
