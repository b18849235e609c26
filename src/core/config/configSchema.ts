/**
 * The schema of `vaultpilot.config.yaml`: one file that describes the organization, where alarms are
 * collected, who hears about what, and the thresholds. Every object is strict (a misspelt key is an
 * error, not a silently ignored setting) and every field carries a description: they become the
 * generated reference in docs/configuration.md and the JSON Schema editors use for completion.
 *
 * Checks that involve more than one field (the central region must be a member region, routes must name
 * existing channels, …) live in parseConfig.ts, so that this schema stays exportable as JSON Schema.
 */
import * as z from 'zod';
import { SEVERITIES, SIGNAL_KINDS } from '../signal.js';
import { ActionsSchema } from './actionsSchema.js';
import {
  AWS_REGIONS,
  BACKUP_RESOURCE_TYPES,
  VAULT_NOTIFICATION_EVENTS,
  type VaultNotificationEvent,
} from './awsNames.js';
import {
  CHANNEL_TYPES,
  channelTypeModule,
  type EmailChannelType,
  isWebhookChannelType,
  type WebhookChannelType,
} from './channelTypes.js';

/** The current (and only) version of the configuration format. */
export const CONFIG_VERSION = 1;

/** Default file name, looked up in the current directory by the CLI and the CDK app. */
export const DEFAULT_CONFIG_FILE = 'vaultpilot.config.yaml';

export const ORGANIZATION_ID_PATTERN = /^o-[a-z0-9]{10,32}$/;
export const ACCOUNT_ID_PATTERN = /^\d{12}$/;
export const OU_OR_ROOT_ID_PATTERN = /^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$/;
/** AWS Backup's own rule for vault names. */
export const VAULT_NAME_PATTERN = /^[a-zA-Z0-9\-_]{2,50}$/;
export const CHANNEL_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,39}$/;
export const EVENT_BUS_NAME_PATTERN = /^[A-Za-z0-9._\-/]{1,256}$/;
/** A Secrets Manager secret name, or a full secret ARN (any partition). Never a URL. */
export const SECRET_REFERENCE_PATTERN =
  /^(arn:aws(-cn|-us-gov|-eusc)?:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}|[A-Za-z0-9/_+=.@-]{1,512})$/;
export const TIME_OF_DAY_PATTERN = /^([01]\d|2[0-3]):[0-5]\d$/;

/** True when `name` is an IANA time zone this runtime knows (Intl throws RangeError otherwise). */
export function isKnownTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const accountId = z
  .string()
  .regex(ACCOUNT_ID_PATTERN, { error: 'must be a 12-digit AWS account id' })
  .describe('A 12-digit AWS account id, in quotes so YAML keeps leading zeros.');

const region = z.enum(AWS_REGIONS, { error: 'is not an AWS Region name' }).describe('An AWS Region name.');

const vaultName = z
  .string()
  .regex(VAULT_NAME_PATTERN, { error: 'must be 2–50 letters, digits, hyphens or underscores (AWS Backup vault name)' })
  .describe('An AWS Backup vault name.');

const channelName = z
  .string()
  .regex(CHANNEL_NAME_PATTERN, { error: 'must be lower-case letters, digits and hyphens, at most 40 characters' })
  .describe('The name of a channel defined under `notifications.channels`.');

const hours = z.number().int({ error: 'must be a whole number of hours' }).min(1).max(8760);

const secretReference = z
  .string()
  .regex(SECRET_REFERENCE_PATTERN, { error: 'must be a Secrets Manager secret name or ARN, not a URL' })
  .describe(
    'Name or ARN of the AWS Secrets Manager secret (in the central account and Region) whose value is the webhook URL. ' +
      'The URL itself never goes into this file.',
  );

const OrganizationSchema = z
  .object({
    id: z
      .string()
      .regex(ORGANIZATION_ID_PATTERN, { error: 'must look like o-a1b2c3d4e5 (o- and 10 to 32 letters or digits)' })
      .describe(
        'The AWS Organizations id (`o-…`). Only principals of this organization may put events on the central bus.',
      ),
    managementAccount: accountId.describe(
      'The management account. Organizations backup-policy changes are read there, in us-east-1.',
    ),
  })
  .strict()
  .describe('The AWS Organization Vaultpilot watches.');

const CentralSchema = z
  .object({
    account: accountId.describe(
      'The account that receives every signal, runs the router and holds the ledger, the dashboard and the alarms. ' +
        'A dedicated monitoring or backup-administration account is best; it should not be the management account.',
    ),
    region: region.describe('The Region of the central stacks. It must also be one of `members.regions`.'),
    eventBusName: z
      .string()
      .regex(EVENT_BUS_NAME_PATTERN, { error: 'must be 1–256 letters, digits, or . _ - /' })
      .default('vaultpilot')
      .describe('Name of the custom event bus in the central account that member accounts forward to.'),
  })
  .strict()
  .describe('Where signals from every account and Region are collected.');

const MembersSchema = z
  .object({
    organizationalUnits: z
      .array(
        z
          .string()
          .regex(OU_OR_ROOT_ID_PATTERN, { error: 'must be an OU id (ou-xxxx-xxxxxxxx) or the root id (r-xxxx)' }),
      )
      .min(1, { error: 'name at least one OU or the root' })
      .describe(
        'Organizational units (`ou-…`) or the root (`r-…`) whose accounts get the member stack. ' +
          'The StackSet deploys automatically to accounts that join these OUs later.',
      ),
    regions: z
      .array(region)
      .min(1, { error: 'name at least one Region' })
      .describe('Regions to watch in every member account. Include every Region where AWS Backup runs.'),
  })
  .strict()
  .describe('The accounts and Regions that are watched.');

const WatchedVaultSchema = z
  .object({
    name: vaultName.describe('The vault name.'),
    accounts: z.array(accountId).optional().describe('Only in these accounts. Default: every member account.'),
    regions: z
      .array(region)
      .optional()
      .describe('Only in these Regions (each must be a member Region). Default: every member Region.'),
  })
  .strict()
  .describe('A vault whose events are watched.');

/** An email channel type's configuration: its recipients. */
function emailChannelSchema<T extends EmailChannelType>(type: T) {
  return z
    .object({
      name: channelName.describe('A name for this channel, used by `routes` and `defaultChannel`.'),
      type: z.literal(type).describe(channelTypeModule(type).description),
      addresses: z
        .array(z.email({ error: 'is not an email address' }))
        .min(1, { error: 'list at least one address' })
        .describe('Recipients. Each gets an SNS subscription confirmation mail and must confirm it once.'),
    })
    .strict()
    .describe('Email recipients.');
}

/** A webhook channel type's configuration: the secret that holds its URL. */
function webhookChannelSchema<T extends WebhookChannelType>(type: T) {
  const what = channelTypeModule(type).description;
  return z
    .object({
      name: channelName.describe('A name for this channel, used by `routes` and `defaultChannel`.'),
      type: z.literal(type).describe(what),
      secret: secretReference,
    })
    .strict()
    .describe(what);
}

type ChannelConfigSchema =
  | ReturnType<typeof emailChannelSchema<EmailChannelType>>
  | ReturnType<typeof webhookChannelSchema<WebhookChannelType>>;

/** One member per channel type (CHANNEL_TYPES), shaped by how its messages leave. */
const ChannelSchema = z
  .discriminatedUnion(
    'type',
    CHANNEL_TYPES.map((type) =>
      isWebhookChannelType(type) ? webhookChannelSchema(type) : emailChannelSchema(type),
    ) as [ChannelConfigSchema, ...ChannelConfigSchema[]],
  )
  .describe(`Where messages go: ${listOfTypes(CHANNEL_TYPES)}.`);

/** `a`, `b` or `c`. */
function listOfTypes(types: readonly string[]): string {
  const quoted = types.map((t) => `\`${t}\``);
  return quoted.length < 2 ? quoted.join('') : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
}

const RouteSchema = z
  .object({
    channels: z
      .array(channelName)
      .min(1, { error: 'name at least one channel' })
      .describe('Channels that receive the signals this route matches.'),
    severities: z
      .array(z.enum(SEVERITIES))
      .min(1)
      .default([...SEVERITIES])
      .describe('Severities this route matches. Default: all.'),
    kinds: z
      .array(z.enum(SIGNAL_KINDS))
      .min(1)
      .optional()
      .describe('Signal kinds this route matches (backup-job, tamper, policy-change, …). Default: all kinds.'),
  })
  .strict()
  .describe('A routing rule: signals that match every listed condition go to its channels.');

/** Default vault events: the ones that carry outcomes worth telling people about. */
const DEFAULT_VAULT_EVENTS: VaultNotificationEvent[] = [
  'BACKUP_JOB_COMPLETED',
  'COPY_JOB_FAILED',
  'RESTORE_JOB_COMPLETED',
  'CONTINUOUS_BACKUP_INTERRUPTED',
  'S3_BACKUP_OBJECT_FAILED',
  'S3_RESTORE_OBJECT_FAILED',
  'RECOVERY_POINT_INDEXING_FAILED',
];

const NotificationsSchema = z
  .object({
    channels: z
      .array(ChannelSchema)
      .min(1, { error: 'define at least one channel' })
      .describe('Notification channels. Webhook URLs live in Secrets Manager; this file names the secret.'),
    defaultChannel: channelName.describe(
      "The operators' channel: gets every signal no route matches and, always, every input Vaultpilot could not understand.",
    ),
    routes: z
      .array(RouteSchema)
      .default([])
      .describe(
        'Routing rules, all evaluated: a signal goes to the union of the channels of every matching route. ' +
          'A signal no route matches goes to `defaultChannel`.',
      ),
    successMessages: z
      .boolean()
      .default(false)
      .describe('Also send messages for good news: jobs that succeeded, alarms back to OK. Off by default.'),
    progressMessages: z
      .boolean()
      .default(false)
      .describe('Also send messages for jobs that were created, are pending, started or running. Off by default.'),
  })
  .strict()
  .describe('Who hears about what.');

const TagThresholdSchema = z
  .object({
    key: z.string().min(1).max(128).describe('Tag key on the protected resource.'),
    value: z.string().max(256).optional().describe('Tag value. Default: any value of this key.'),
    hours: hours.describe('Recovery point objective for resources with this tag, in hours.'),
  })
  .strict()
  .describe('An RPO threshold for resources carrying a tag.');

const RpoSchema = z
  .object({
    enabled: z
      .boolean()
      .default(true)
      .describe('Run the hourly check that alerts once per resource that passes its RPO.'),
    defaultHours: hours.default(24).describe('RPO for resources no tag or resource-type threshold covers, in hours.'),
    resourceTypes: z
      .partialRecord(z.enum(BACKUP_RESOURCE_TYPES), hours)
      .default({})
      .describe('RPO by AWS Backup resource type (EBS, RDS, DynamoDB, …), in hours.'),
    tags: z
      .array(TagThresholdSchema)
      .default([])
      .describe('RPO by resource tag. Tags win over resource types; when several match, the strictest applies.'),
  })
  .strict()
  .describe(
    'Recovery point objectives: how old the newest good recovery point of a resource may be before Vaultpilot alerts.',
  );

const AlarmsSchema = z
  .object({
    failedJobs: z
      .object({
        threshold: z
          .number()
          .int()
          .min(1)
          .default(1)
          .describe('Alarm when at least this many jobs fail in one period, organization-wide.'),
        periodMinutes: z
          .number()
          .int()
          .min(5)
          .max(1440)
          .multipleOf(5, { error: 'must be a multiple of 5 minutes (AWS Backup metrics arrive every 5 minutes)' })
          .default(60)
          .describe('Length of the period, in minutes.'),
      })
      .strict()
      .prefault({})
      .describe('The failed-jobs count alarm.'),
    anomalyDetection: z
      .object({
        enabled: z
          .boolean()
          .default(true)
          .describe('Create anomaly-detection alarms on failure rate and completed-job volume.'),
        bandWidth: z
          .number()
          .min(0.5)
          .max(10)
          .default(2)
          .describe('Width of the expected band in standard deviations. Wider means fewer, surer alarms.'),
      })
      .strict()
      .prefault({})
      .describe('Anomaly-detection alarms.'),
    freshness: z
      .object({
        hours: z
          .number()
          .int()
          .min(1)
          .max(168)
          .default(24)
          .describe(
            'Alarm when no backup job completed for this many hours: organization-wide, and per watched vault.',
          ),
        toleranceHours: z
          .number()
          .int()
          .min(0)
          .max(48)
          .default(6)
          .describe(
            'Extra hours before a freshness alarm fires, so that a daily plan whose completion time drifts ' +
              'across an hour does not flap: with 24 and 6, an alarm fires after 30 hours without a completed job.',
          ),
      })
      .strict()
      .refine((f) => f.hours + f.toleranceHours <= 168, {
        error:
          'is too much with hours: hours + toleranceHours must be at most 168 (CloudWatch evaluates an alarm over 7 days at most)',
        path: ['toleranceHours'],
      })
      .prefault({})
      .describe('The freshness alarms (missing data counts as breaching).'),
  })
  .strict()
  .describe('CloudWatch alarm thresholds for the central monitoring stack.');

const DigestSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Send the daily summary.'),
    time: z
      .string()
      .regex(TIME_OF_DAY_PATTERN, { error: 'must be a time of day as HH:MM (24-hour clock)' })
      .default('08:00')
      .describe('Time of day the digest is sent, HH:MM in `timeZone`.'),
    timeZone: z
      .string()
      .refine(isKnownTimeZone, { error: 'is not an IANA time zone name' })
      .default('UTC')
      .describe('IANA time zone of `time`, e.g. Europe/Berlin or America/New_York.'),
    channels: z
      .array(channelName)
      .min(1)
      .optional()
      .describe('Channels that receive the digest. Default: `notifications.defaultChannel`.'),
  })
  .strict()
  .describe('The daily digest: counts, top failing resources, policy changes, resources past their RPO.');

const VaultNotificationsSchema = z
  .object({
    enabled: z
      .boolean()
      .default(false)
      .describe('Configure AWS Backup vault SNS notifications (PutBackupVaultNotifications) on the listed vaults.'),
    vaults: z
      .array(vaultName)
      .default([])
      .describe('Vaults to configure, in every member account and Region where they exist.'),
    events: z
      .array(z.enum(VAULT_NOTIFICATION_EVENTS))
      .min(1)
      .default(DEFAULT_VAULT_EVENTS)
      .describe('Vault events to subscribe to. Failures arrive as *_COMPLETED events with a failed State.'),
  })
  .strict()
  .describe(
    'Optional vault SNS notifications, in addition to EventBridge. Useful for events EventBridge does not carry (e.g. S3 object failures).',
  );

/** The whole `vaultpilot.config.yaml`. */
export const VaultpilotConfigSchema = z
  .object({
    version: z.literal(CONFIG_VERSION).default(CONFIG_VERSION).describe('Configuration format version. Always 1.'),
    organization: OrganizationSchema,
    central: CentralSchema,
    members: MembersSchema,
    watchedVaults: z
      .array(WatchedVaultSchema)
      .default([])
      .describe('Vaults whose events are watched. Empty: every vault in every member account and Region.'),
    notifications: NotificationsSchema,
    rpo: RpoSchema.prefault({}),
    alarms: AlarmsSchema.prefault({}),
    digest: DigestSchema.prefault({}),
    vaultNotifications: VaultNotificationsSchema.prefault({}),
    actions: ActionsSchema.prefault({}),
  })
  .strict()
  .describe('Vaultpilot configuration: organization-wide AWS Backup alarms and monitoring.');

/** A validated configuration with every default filled in. */
export type VaultpilotConfig = z.output<typeof VaultpilotConfigSchema>;
/** A configuration as written in the file (defaults may be omitted). */
export type VaultpilotConfigInput = z.input<typeof VaultpilotConfigSchema>;
export type ChannelConfig = VaultpilotConfig['notifications']['channels'][number];
export type ChannelType = ChannelConfig['type'];
export type RouteConfig = VaultpilotConfig['notifications']['routes'][number];
export type RpoConfig = VaultpilotConfig['rpo'];
export type WatchedVaultConfig = VaultpilotConfig['watchedVaults'][number];
export type ActionsConfig = VaultpilotConfig['actions'];
