/**
 * The `actions:` section of `vaultpilot.config.yaml`: what Vaultpilot does with a recovery point that lands
 * in a watched vault (for now: export RDS and Aurora snapshots and DynamoDB backups to Parquet in S3, archive EBS
 * snapshots as block archives), RDS snapshots taken outside AWS Backup, and the archive bucket. Absent or `enabled: false`: no actions at all.
 *
 * Checks across fields (lifecycle order, Regions among the member Regions, …) live in
 * checkConfigConsistency.ts, so that this schema stays exportable as JSON Schema.
 */
import * as z from 'zod';
import { DYNAMODB_EXPORT_SOURCES } from '../actions/exportWorkflow.js';
import { bucketNameProblem } from '../archive/archiveLocation.js';
import { AWS_REGIONS } from './awsNames.js';

/** AWS Backup's own rule for vault names. */
const VAULT_NAME = /^[a-zA-Z0-9\-_]{2,50}$/;
const ACCOUNT_ID = /^\d{12}$/;
/** An RDS DB instance or cluster identifier (1–63 letters, digits, hyphens, a letter first), `*` a wildcard. */
export const RDS_IDENTIFIER_PATTERN = /^[A-Za-z*][A-Za-z0-9*-]{0,62}$/;

/** What to do with recovery points of one resource type. */
export const EXPORT_FORMATS = ['parquet', 'none'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** What to do with EBS snapshots (and the EBS snapshots of EC2 images): a block archive, or nothing. */
export const BLOCK_ARCHIVE_FORMATS = ['block', 'none'] as const;
export type BlockArchiveFormat = (typeof BLOCK_ARCHIVE_FORMATS)[number];

/** Incremental EBS archives in a chain before a full one, by default. */
export const DEFAULT_EBS_MAX_CHAIN_DEPTH = 7;
/** The longest chain of incremental EBS archives allowed. */
export const MAX_EBS_MAX_CHAIN_DEPTH = 100;

/** Object Lock retention modes (S3). */
export const OBJECT_LOCK_MODES = ['GOVERNANCE', 'COMPLIANCE'] as const;

const bucketName = z
  .string()
  .refine((name) => bucketNameProblem(name) === undefined, {
    error: (issue) =>
      `is not an S3 bucket name: it ${bucketNameProblem(String(issue.input)) ?? 'breaks the S3 naming rules'}`,
  })
  .describe('An S3 general purpose bucket name.');

const days = (what: string) =>
  z.number().int({ error: 'must be a whole number of days' }).min(0).max(36500).optional().describe(what);

const ActionVaultSchema = z
  .object({
    name: z
      .string()
      .regex(VAULT_NAME, { error: 'must be 2–50 letters, digits, hyphens or underscores (AWS Backup vault name)' })
      .describe('The vault name.'),
    accounts: z
      .array(z.string().regex(ACCOUNT_ID, { error: 'must be a 12-digit AWS account id' }))
      .optional()
      .describe('Only in these accounts. Default: every member account.'),
    regions: z
      .array(z.enum(AWS_REGIONS, { error: 'is not an AWS Region name' }))
      .optional()
      .describe('Only in these Regions (each must be a member Region). Default: every member Region.'),
  })
  .strict()
  .describe('A vault whose new recovery points (from backup jobs and from copy jobs arriving there) are acted on.');

const exportChoice = (type: string) =>
  z
    .object({
      export: z
        .enum(EXPORT_FORMATS)
        .default('none')
        .describe(
          `\`parquet\`: export ${type} snapshots to S3 as Parquet (RDS StartExportTask); \`none\`: do nothing.`,
        ),
    })
    .strict()
    .prefault({})
    .describe(`What to do with ${type} recovery points and snapshots.`);

const dynamoDbChoice = z
  .object({
    export: z
      .enum(EXPORT_FORMATS)
      .default('none')
      .describe(
        '`parquet`: export DynamoDB recovery points to S3 as typed, lossless Parquet (a DynamoDB export to S3, ' +
          'billed per GB exported, converted by Vaultpilot); `none`: do nothing.',
      ),
    exportFrom: z
      .enum(DYNAMODB_EXPORT_SOURCES)
      .default('backup')
      .describe(
        '`backup`: restore the recovery point to a temporary table and export that, so the export is the backup itself ' +
          "(pays a restore, and the temporary table while it exists); `source-pitr`: export the source table's own " +
          "point-in-time recovery at the backup's creation time, no restore, when PITR is on and that time is inside " +
          "its 35-day window (else the `backup` path runs): that is the live table's history, not the backup.",
      ),
  })
  .strict()
  .prefault({})
  .describe('What to do with DynamoDB recovery points (tables backed up by AWS Backup, either ARN form).');

const ebsChoice = z
  .object({
    export: z
      .enum(BLOCK_ARCHIVE_FORMATS)
      .default('none')
      .describe(
        "`block`: read the snapshot's blocks through the EBS direct APIs into Vaultpilot's verified, incremental, " +
          'restorable block archive in S3 (no volume, no instance is created), incremental to the previous archive ' +
          'of the same volume; `none`: do nothing.',
      ),
    maxChainDepth: z
      .number()
      .int({ error: 'must be a whole number' })
      .min(0)
      .max(MAX_EBS_MAX_CHAIN_DEPTH)
      .default(DEFAULT_EBS_MAX_CHAIN_DEPTH)
      .describe(
        'Incremental archives in a chain before a full one: after this many incremental archives of a volume, the ' +
          'next archive is full (each restore reads at most this many archives after the full one). 0: always full.',
      ),
  })
  .strict()
  .prefault({})
  .describe('What to do with EBS recovery points (EBS snapshots, `arn:aws:ec2:<region>::snapshot/snap-…`).');

const ec2Choice = z
  .object({
    export: z
      .enum(BLOCK_ARCHIVE_FORMATS)
      .default('none')
      .describe(
        '`block`: one block archive per EBS snapshot of the image (AMI): the workflow archives each EBS snapshot of ' +
          'the image like an EBS recovery point. Planned, not yet available: EC2 recovery points are reported and ' +
          "left alone whatever this says (archive the volumes' own EBS recovery points instead); `none`: do nothing.",
      ),
  })
  .strict()
  .prefault({})
  .describe('What to do with EC2 recovery points (AMIs, `arn:aws:ec2:<region>::image/ami-…`). Planned.');

const TagFilterSchema = z
  .object({
    key: z.string().min(1).max(128).describe('Tag key on the protected resource.'),
    value: z.string().max(256).optional().describe('Tag value. Default: any value of this key.'),
  })
  .strict()
  .describe('A resource tag.');

const resourcePattern = z
  .string()
  .min(1)
  .max(2048)
  .describe('A resource ARN or name; `*` matches any run of characters.');

const FiltersSchema = z
  .object({
    includeResources: z
      .array(resourcePattern)
      .default([])
      .describe(
        'Only resources whose ARN or name matches one of these (`*` is a wildcard, e.g. `prod-*`). Default: every resource.',
      ),
    excludeResources: z
      .array(resourcePattern)
      .default([])
      .describe('Never resources whose ARN or name matches one of these. Exclusions win over inclusions.'),
    includeTags: z
      .array(TagFilterSchema)
      .default([])
      .describe(
        'Only resources carrying one of these tags. Events carry no tags: tag filters apply when the workflow runs ' +
          '(it reads the tags of the resource), never in `vaultpilot actions plan`.',
      ),
    excludeTags: z
      .array(TagFilterSchema)
      .default([])
      .describe('Never resources carrying one of these tags. Applied when the workflow runs, like `includeTags`.'),
  })
  .strict()
  .describe('Which resources are acted on, by id and by tag.');

const RdsSnapshotsSchema = z
  .object({
    automated: z
      .boolean()
      .default(false)
      .describe('Export automated RDS snapshots (`rds:…`, RDS-EVENT-0091 and, for clusters, RDS-EVENT-0169).'),
    manual: z
      .boolean()
      .default(false)
      .describe('Export manual RDS snapshots (RDS-EVENT-0042 and, for clusters, RDS-EVENT-0075).'),
    instances: z
      .array(z.string().regex(RDS_IDENTIFIER_PATTERN, { error: 'must be an RDS DB instance identifier' }))
      .default([])
      .describe('Only snapshots of these DB instances (`*` is a wildcard). Default: every DB instance.'),
    clusters: z
      .array(z.string().regex(RDS_IDENTIFIER_PATTERN, { error: 'must be an RDS DB cluster identifier' }))
      .default([])
      .describe('Only snapshots of these DB clusters (`*` is a wildcard). Default: every DB cluster.'),
  })
  .strict()
  .describe(
    'RDS snapshots taken outside AWS Backup, told by RDS snapshot events. Snapshots AWS Backup makes ' +
      '(`awsbackup:…`) are left to the vault triggers. They are exported as `resourceTypes` says, never deleted.',
  );

const ArchiveBucketSchema = z
  .object({
    name: bucketName
      .optional()
      .describe(
        'Name of the archive bucket in the central Region; the other Regions get `<name>-<region>`. Default: ' +
          '`vaultpilot-archive-<central account>-<region>` in every Region, created by the actions stacks in the central account.',
      ),
    lifecycle: z
      .object({
        glacierAfterDays: days('Move exports to S3 Glacier Flexible Retrieval this many days after they are written.'),
        deepArchiveAfterDays: days(
          'Move exports to S3 Glacier Deep Archive this many days after they are written (after `glacierAfterDays`).',
        ),
        expireAfterDays: days(
          'Delete exports this many days after they are written: after both transitions, and not before the Object Lock retention ends.',
        ),
      })
      .strict()
      .prefault({})
      .describe('Lifecycle of the exports in the archive bucket. Default: kept in S3 Standard for ever.'),
    objectLock: z
      .object({
        mode: z
          .enum(OBJECT_LOCK_MODES)
          .describe(
            '`GOVERNANCE`: users with a special permission can shorten or remove the lock; `COMPLIANCE`: nobody can, not even the root user.',
          ),
        retentionDays: z
          .number()
          .int({ error: 'must be a whole number of days' })
          .min(1)
          .max(36500)
          .describe('Default retention of every export, in days.'),
      })
      .strict()
      .optional()
      .describe('S3 Object Lock on the archive bucket. Default: no Object Lock.'),
    accessLogBucket: bucketName
      .optional()
      .describe(
        'Bucket that receives the server access logs of the archive bucket. Default: a logs bucket the actions stack creates (SSE-S3, TLS-only, logs kept 365 days). A bucket named here must already let logging.s3.amazonaws.com write to it.',
      ),
  })
  .strict()
  .prefault({})
  .describe('The S3 bucket the exports are written to.');

/** Where the EBS block-archive functions run: on AWS's network, in an isolated VPC, or in a VPC with NAT. */
export const NETWORK_MODES = ['none', 'isolated', 'nat'] as const;
export type NetworkMode = (typeof NETWORK_MODES)[number];
/** The VPC's address range by default: 1,024 addresses, room for the later Batch jobs' instances. */
export const DEFAULT_NETWORK_CIDR = '10.42.0.0/22';
/** An IPv4 CIDR block; the prefix length (16–28: the VPC sizes AWS allows) is checked by the schema. */
export const IPV4_CIDR_PATTERN = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(1[6-9]|2[0-8])$/;

/** The smallest subnet AWS allows (16 addresses, 11 usable). */
export const MIN_SUBNET_PREFIX = 28;

/**
 * The prefix length of every subnet of the actions VPC: the range split evenly into one private subnet per AZ, and
 * as many public subnets (for the NAT gateways) in `nat` mode. Above MIN_SUBNET_PREFIX the range is too small.
 */
export function networkSubnetPrefix(cidrPrefix: number, mode: Exclude<NetworkMode, 'none'>, azs: number): number {
  const subnets = mode === 'nat' ? 2 * azs : azs;
  return cidrPrefix + Math.ceil(Math.log2(subnets));
}

const NetworkSchema = z
  .object({
    mode: z
      .enum(NETWORK_MODES)
      .default('none')
      .describe(
        '`none`: the functions run on the network AWS gives Lambda and call the public Regional endpoints, nothing ' +
          'to pay. `isolated`: the EBS block-archive functions (planArchive, archiveShard, verifyShard, ' +
          'mergeArchive) run in private subnets of a VPC without internet access that reach only an EBS direct ' +
          'APIs interface endpoint (private DNS) and an S3 gateway endpoint (free) held to the archive bucket, ' +
          'with VPC flow logs; the interface endpoint is billed per hour and AZ (docs/deployment.md). `nat`: the ' +
          'same functions in private subnets whose traffic leaves through NAT gateways (S3 still through the ' +
          'gateway endpoint), billed per hour and per GB. The other functions stay outside the VPC in every mode.',
      ),
    cidr: z
      .string()
      .regex(IPV4_CIDR_PATTERN, { error: 'must be an IPv4 CIDR block from /16 to /28, e.g. 10.42.0.0/22' })
      .default(DEFAULT_NETWORK_CIDR)
      .describe(
        'The VPC address range (/16 to /28), split evenly into one private subnet per AZ (and one public subnet ' +
          'per AZ for the NAT gateways in `nat` mode). Any range: the VPC is not peered with anything.',
      ),
    azs: z
      .number()
      .int({ error: 'must be a whole number' })
      .min(1)
      .max(3)
      .default(2)
      .describe(
        'Availability Zones of the VPC (1–3): each adds a subnet, and in `isolated` mode an hour of every ' +
          'interface endpoint (one endpoint network interface per AZ).',
      ),
    natGateways: z
      .number()
      .int({ error: 'must be a whole number' })
      .min(1)
      .max(3)
      .default(1)
      .describe(
        '`nat` mode only: NAT gateways (at most `azs`). 1: the cheapest, every AZ leaves through one (an outage of ' +
          'its AZ stops the archive functions until it ends; the workflow retries); `azs`: one per AZ.',
      ),
  })
  .strict()
  .prefault({})
  .describe(
    'The network of the EBS block-archive functions (and of the later native-dump and file-level jobs). ' +
      'Default: none, no VPC.',
  );

/** The `actions:` section. */
export const ActionsSchema = z
  .object({
    enabled: z.boolean().default(false).describe('Run the actions. Off by default.'),
    vaults: z
      .array(ActionVaultSchema)
      .default([])
      .describe('Vaults whose new recovery points are acted on. Empty: none (only `rdsSnapshots`).'),
    resourceTypes: z
      .object({
        RDS: exportChoice('RDS'),
        Aurora: exportChoice('Aurora'),
        DynamoDB: dynamoDbChoice,
        EBS: ebsChoice,
        EC2: ec2Choice,
      })
      .strict()
      .prefault({})
      .describe(
        'What to do per AWS Backup resource type (RDS, Aurora, DynamoDB, EBS, EC2). Engines RDS cannot export (Oracle, SQL Server, Db2, Aurora Serverless v1) are reported as not exportable when the workflow runs.',
      ),
    filters: FiltersSchema.prefault({}),
    deleteRecoveryPointAfterExport: z
      .boolean()
      .default(false)
      .describe(
        'Delete the recovery point once its export is verified. Off by default. Write true or false without quotes.',
      ),
    rdsSnapshots: RdsSnapshotsSchema.prefault({}),
    archiveBucket: ArchiveBucketSchema,
    network: NetworkSchema,
  })
  .strict()
  .describe(
    'Backup actions: export recovery points that land in watched vaults to an S3 archive, optionally delete them afterwards. Absent: no actions.',
  );

export type ActionsConfig = z.output<typeof ActionsSchema>;
