/**
 * The Vaultpilot CDK app: every stack, built from one validated configuration. Synthesis is offline:
 * accounts and Regions come from the configuration, nothing is looked up in AWS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, DefaultStackSynthesizer, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { VaultpilotConfig } from '../core/config/configSchema.js';
import { digestSchedule, RPO_CHECK_SCHEDULE } from '../core/config/digestSchedule.js';
import { serializeRuntimeSettings, toRuntimeSettings } from '../core/config/runtimeSettings.js';
import { acknowledgeFindings } from './nagAcknowledgements.js';
import { ActionsStack } from './stacks/ActionsStack.js';
import { CentralStack, VAULT_TOPIC_SUBSCRIBER_ROLE_NAME } from './stacks/CentralStack.js';
import { DigestStack } from './stacks/DigestStack.js';
import { ManagementStack, ORGANIZATIONS_EVENTS_REGION } from './stacks/ManagementStack.js';
import { MemberStack, type MemberStackProps } from './stacks/MemberStack.js';
import { MemberStackSetStack } from './stacks/MemberStackSetStack.js';
import { MonitoringStack } from './stacks/MonitoringStack.js';

/** Stack names: what `cdk deploy <name>` and the synthesized template files are called. */
export const STACK_NAMES = {
  central: 'Vaultpilot-Central',
  /** Only when `actions.enabled`. */
  actions: 'Vaultpilot-Actions',
  monitoring: 'Vaultpilot-Monitoring',
  digest: 'Vaultpilot-Digest',
  management: 'Vaultpilot-Management',
  member: 'Vaultpilot-Member',
  memberStackSet: 'Vaultpilot-MemberStackSet',
} as const;

/** The router queue's fixed name, so member templates can address it by ARN across accounts. */
export const ROUTER_QUEUE_NAME = 'vaultpilot-router';

export interface BuildAppOptions {
  /** Where the cloud assembly is written. @default a temporary directory */
  readonly outdir?: string;
  /** Package root (holds package-lock.json and the handler entries). @default this package */
  readonly projectRoot?: string;
  /** CDK's built-in CloudFormation validation (adds seconds to every synth). @default true */
  readonly cloudFormationValidation?: boolean;
  /** Run cdk-nag AwsSolutions checks during synthesis. @default true */
  readonly nag?: boolean;
  /** Deploy the StackSet as delegated administrator from the central account. @default false */
  readonly delegatedAdmin?: boolean;
  /**
   * Refer to Lambda code in this S3 bucket (one per Region, `${AWS::Region}` and `${AWS::AccountId}`
   * placeholders allowed) instead of the CDK bootstrap bucket, and leave out the bootstrap version
   * check, so the templates deploy with plain CloudFormation after the code is uploaded.
   * @default the CDK bootstrap bucket (deploy with `cdk deploy`)
   */
  readonly assetsBucket?: string;
}

export interface VaultpilotApp {
  readonly app: App;
  readonly central: CentralStack;
  /** Present only when `actions.enabled`. */
  readonly actions?: ActionsStack;
  readonly monitoring: MonitoringStack;
  readonly digest: DigestStack;
  readonly management: ManagementStack;
  readonly member: MemberStack;
  readonly memberStackSet: MemberStackSetStack;
  /** The member template exactly as the StackSet deploys it (JSON). */
  readonly memberTemplateBody: string;
}

/** The partition of a Region, for ARNs built before any stack exists. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('eusc-')) return 'aws-eusc';
  return 'aws';
}

/** Builds every Vaultpilot stack from a validated configuration. */
export function buildApp(config: VaultpilotConfig, options: BuildAppOptions = {}): VaultpilotApp {
  const projectRoot = options.projectRoot ?? resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  const validation = options.cloudFormationValidation ?? true;
  const app = new App({
    outdir: options.outdir,
    builtinCloudFormationValidation: validation,
    defaultStackSynthesizer: options.assetsBucket
      ? new DefaultStackSynthesizer({ fileAssetsBucketName: options.assetsBucket, generateBootstrapVersionRule: false })
      : undefined,
  });
  const centralEnv = { account: config.central.account, region: config.central.region };
  const partition = partitionOf(config.central.region);
  const centralBusArn = `arn:${partition}:events:${config.central.region}:${config.central.account}:event-bus/${config.central.eventBusName}`;
  const routerQueueArn = `arn:${partition}:sqs:${config.central.region}:${config.central.account}:${ROUTER_QUEUE_NAME}`;
  const settingsJson = serializeRuntimeSettings(toRuntimeSettings(config));
  const channels = config.notifications.channels;
  const notify = config.vaultNotifications;
  const notificationVaults = notify.enabled ? notify.vaults : [];

  const central = new CentralStack(app, STACK_NAMES.central, {
    env: centralEnv,
    description: 'Vaultpilot central: org bus, router, ledger, notifications',
    organizationId: config.organization.id,
    managementAccount: config.organization.managementAccount,
    eventBusName: config.central.eventBusName,
    routerQueueName: ROUTER_QUEUE_NAME,
    emailChannels: channels.flatMap((c) => (c.type === 'email' ? [{ channel: c.name, addresses: c.addresses }] : [])),
    webhookSecrets: channels.flatMap((c) => (c.type === 'email' ? [] : [c.secret])),
    settingsJson,
    projectRoot,
    acceptVaultNotifications: notificationVaults.length > 0,
  });
  const archive = config.actions.archiveBucket;
  const actions = config.actions.enabled
    ? new ActionsStack(app, STACK_NAMES.actions, {
        env: centralEnv,
        description: 'Vaultpilot actions: the archive bucket for exported recovery points',
        archiveBucket: {
          bucketName: archive.name,
          lifecycle: archive.lifecycle,
          objectLock: archive.objectLock,
          accessLogBucketName: archive.accessLogBucket,
        },
      })
    : undefined;
  const monitoring = new MonitoringStack(app, STACK_NAMES.monitoring, {
    env: centralEnv,
    description: 'Vaultpilot monitoring: org-wide dashboard and alarms',
    failedJobsThreshold: config.alarms.failedJobs.threshold,
    failedJobsPeriodMinutes: config.alarms.failedJobs.periodMinutes,
    anomalyDetection: config.alarms.anomalyDetection.enabled,
    anomalyBandWidth: config.alarms.anomalyDetection.bandWidth,
    freshnessHours: config.alarms.freshness.hours,
    freshnessToleranceHours: config.alarms.freshness.toleranceHours,
    alarmTopic: central.topic,
  });
  const digest = new DigestStack(app, STACK_NAMES.digest, {
    env: centralEnv,
    description: 'Vaultpilot daily digest and hourly RPO check',
    ledger: central.ledger,
    topic: central.topic,
    unparsedTopic: central.unparsedTopic,
    deliveryQueue: central.deliveryQueue,
    key: central.key,
    settingsJson,
    projectRoot,
    digestSchedule: config.digest.enabled ? digestSchedule(config.digest) : undefined,
    // Always: the same hourly run checks for silent sources, also when RPO checks are off (it then skips them).
    rpoCheckSchedule: RPO_CHECK_SCHEDULE,
  });
  const management = new ManagementStack(app, STACK_NAMES.management, {
    env: { account: config.organization.managementAccount, region: ORGANIZATIONS_EVENTS_REGION },
    description: 'Vaultpilot management: forwards Organizations policy changes to the central bus',
    centralBusArn,
    projectRoot,
  });

  const memberProps: MemberStackProps = {
    description: 'Vaultpilot member: forwards AWS Backup events, tamper calls and alarms to the central bus',
    centralBusArn,
    watchedVaults: config.watchedVaults,
    freshnessHours: config.alarms.freshness.hours,
    freshnessToleranceHours: config.alarms.freshness.toleranceHours,
    notificationVaults,
    notificationEvents: notify.events,
    routerQueueArn,
    subscriberRoleArn: `arn:${partition}:iam::${config.central.account}:role/${VAULT_TOPIC_SUBSCRIBER_ROLE_NAME}`,
  };
  const member = new MemberStack(app, STACK_NAMES.member, memberProps);
  const memberTemplateBody = synthesizeMemberTemplate(memberProps, validation);
  const memberStackSet = new MemberStackSetStack(app, STACK_NAMES.memberStackSet, {
    env: options.delegatedAdmin
      ? centralEnv
      : { account: config.organization.managementAccount, region: config.central.region },
    description: 'Vaultpilot: the StackSet that deploys the member stack across the organization',
    templateBody: memberTemplateBody,
    organizationalUnits: config.members.organizationalUnits,
    regions: config.members.regions,
    delegatedAdmin: options.delegatedAdmin,
  });

  acknowledgeFindings({ central, monitoring, digest, management, member, memberStackSet });
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return {
    app,
    central,
    ...(actions ? { actions } : {}),
    monitoring,
    digest,
    management,
    member,
    memberStackSet,
    memberTemplateBody,
  };
}

/**
 * The member template as JSON, synthesized in an app of its own: the StackSet needs the finished
 * template while the main app is still being built.
 */
function synthesizeMemberTemplate(props: MemberStackProps, validation: boolean): string {
  const outdir = mkdtempSync(join(tmpdir(), 'vaultpilot-member-'));
  try {
    const app = new App({ outdir, builtinCloudFormationValidation: validation });
    const stack = new MemberStack(app, STACK_NAMES.member, props);
    return JSON.stringify(app.synth().getStackArtifact(stack.artifactId).template);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
