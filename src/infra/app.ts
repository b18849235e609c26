/**
 * The Vaultpilot CDK app: every stack, built from one validated configuration. Synthesis is offline:
 * accounts and Regions come from the configuration, nothing is looked up in AWS.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, DefaultStackSynthesizer, type Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { VaultpilotConfig } from '../core/config/configSchema.js';
import { digestSchedule, RPO_CHECK_SCHEDULE } from '../core/config/digestSchedule.js';
import { serializeRuntimeSettings, toRuntimeSettings } from '../core/config/runtimeSettings.js';
import { ACTIONS_IMAGE, type ActionHandlerName, type CentralActionHandlerName } from '../core/deployment/contract.js';
import { InfraError } from './InfraError.js';
import { acknowledgeFindings } from './nagAcknowledgements.js';
import {
  ACTION_ROLE_PREFIX,
  ActionsMemberStack,
  type ActionsMemberStackProps,
  ARCHIVE_KEY_ALIAS,
  ARCHIVE_PREFIXES,
  archiveBucketNames,
  CONVERSION_FUNCTION_PREFIX,
  EXPORT_ROLE_PREFIX,
} from './stacks/ActionsMemberStack.js';
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
  /** Only when `actions.enabled`: the member side of the actions, as the StackSet deploys it. */
  actionsMember: 'Vaultpilot-ActionsMember',
  /** Only when `actions.enabled`: the StackSet `vaultpilot-actions`. */
  actionsStackSet: 'Vaultpilot-ActionsStackSet',
} as const;

/** The stack with the archive bucket of a Region other than the central one (central account). */
export function regionalActionsStackName(region: string): string {
  return `${STACK_NAMES.actions}-${region}`;
}

/** The StackSet that deploys the actions member stack. */
export const ACTIONS_STACKSET_NAME = 'vaultpilot-actions';

/**
 * The file the actions member template is written to in the cloud assembly and uploaded as to the central Region's
 * code bucket (the actions StackSet reads it from there): named by the first 12 hex digits of its SHA-256.
 */
export function actionsMemberTemplateFileName(templateBody: string): string {
  return `${ACTIONS_MEMBER_TEMPLATE_PREFIX}${createHash('sha256').update(templateBody, 'utf8').digest('hex').slice(0, 12)}.json`;
}
const ACTIONS_MEMBER_TEMPLATE_PREFIX = 'vaultpilot-actions-member-';

/** The S3 domain of a partition (virtual-hosted style URLs: `https://<bucket>.s3.<region>.<suffix>/<key>`). */
function urlSuffixOf(partition: string): string {
  if (partition === 'aws-cn') return 'amazonaws.com.cn';
  if (partition === 'aws-eusc') return 'amazonaws.eu';
  return 'amazonaws.com';
}

/** The default code bucket of the action functions: one per Region in the central account, created by the Actions stacks. */
export function defaultActionsCodeBucket(centralAccount: string): string {
  return `vaultpilot-actions-code-${centralAccount}-\${AWS::Region}`;
}

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
  /**
   * The code bucket of the action functions in member accounts (one per Region, `${AWS::Region}` placeholder, readable
   * by the organization). @default `vaultpilot-actions-code-<central account>-${AWS::Region}`, created by the Actions stacks
   */
  readonly actionsCodeBucket?: string;
  /**
   * Entry files of the action handlers, member and central (tests point them at a stub).
   * @default ACTION_HANDLER_ENTRIES and CENTRAL_ACTION_HANDLER_ENTRIES
   */
  readonly actionHandlerEntries?: Partial<Record<ActionHandlerName | CentralActionHandlerName, string>>;
  /**
   * The tag of the conversion image the member accounts' conversion functions run (DynamoDB exports), pushed to the
   * `vaultpilot-actions-image` repository of every Region of the actions (docs/deployment.md).
   * @default the package version (package.json of `projectRoot`)
   */
  readonly conversionImageTag?: string;
}

/** The actions member template as the actions StackSet reads it: a file of the assembly, uploaded to S3. */
export interface ActionsMemberTemplateFile {
  /** `vaultpilot-actions-member-<sha256, 12 hex digits>.json`: the file name and the object key in the code bucket. */
  readonly fileName: string;
  /** Where synthesis wrote it (in the assembly directory). */
  readonly path: string;
  /** The code bucket of the central Region it must be uploaded to. */
  readonly bucket: string;
  /** The StackSet's TemplateURL. */
  readonly url: string;
  readonly bytes: number;
}

export interface VaultpilotApp {
  readonly app: App;
  readonly central: CentralStack;
  /** Present only when `actions.enabled`: the central Region's archive. */
  readonly actions?: ActionsStack;
  /** The archives of the other Regions with watched vaults, by Region. */
  readonly regionalActions: Readonly<Record<string, ActionsStack>>;
  /** Present only when `actions.enabled`. */
  readonly actionsMember?: ActionsMemberStack;
  readonly actionsStackSet?: MemberStackSetStack;
  readonly actionsMemberTemplateBody?: string;
  /** Present only when `actions.enabled`: where the actions StackSet's template was written and is read from. */
  readonly actionsMemberTemplate?: ActionsMemberTemplateFile;
  readonly monitoring: MonitoringStack;
  readonly digest: DigestStack;
  readonly management: ManagementStack;
  readonly member: MemberStack;
  readonly memberStackSet: MemberStackSetStack;
  /** The member template exactly as the StackSet deploys it (JSON). */
  readonly memberTemplateBody: string;
}

/** The package version (the default conversion image tag). */
function packageVersion(projectRoot: string): string {
  const { version } = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version?: string };
  if (!version) throw new InfraError(`${join(projectRoot, 'package.json')} has no version (the conversion image tag)`);
  return version;
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
    acceptActionResults: config.actions.enabled,
  });
  const actionsPlan = config.actions.enabled ? planActions(config) : undefined;
  const archive = config.actions.archiveBucket;
  const codeBucket = options.actionsCodeBucket ?? defaultActionsCodeBucket(config.central.account);
  const createCodeBuckets = options.actionsCodeBucket === undefined;
  // The actions image (DynamoDB conversion, EBS block archives) is needed, and its repositories exist, only where
  // DynamoDB or EBS recovery points are exported.
  const imageExports =
    config.actions.resourceTypes.DynamoDB.export === 'parquet' || config.actions.resourceTypes.EBS.export === 'block';
  const actionsStackFor = (region: string, id: string) => {
    const central = region === config.central.region;
    const bucketName = actionsPlan?.archiveBuckets[region];
    return new ActionsStack(app, id, {
      env: { account: config.central.account, region },
      description: `Vaultpilot actions: the archive bucket for exported recovery points (${region})`,
      archiveBucket: {
        bucketName,
        lifecycle: archive.lifecycle,
        objectLock: archive.objectLock,
        accessLogBucketName:
          archive.accessLogBucket && (central ? archive.accessLogBucket : `${archive.accessLogBucket}-${region}`),
        keyAlias: ARCHIVE_KEY_ALIAS,
      },
      admission: {
        organizationId: config.organization.id,
        exportRolePrefix: EXPORT_ROLE_PREFIX,
        functionRolePrefix: ACTION_ROLE_PREFIX,
        prefixes: ARCHIVE_PREFIXES,
        tableExportRolePrefix: `${ACTION_ROLE_PREFIX}startTableExport-`,
      },
      conversionRepository: imageExports
        ? {
            repositoryName: ACTIONS_IMAGE.repositoryName,
            organizationId: config.organization.id,
            functionNamePrefix: CONVERSION_FUNCTION_PREFIX,
          }
        : undefined,
      codeBucket: createCodeBuckets
        ? // biome-ignore lint/suspicious/noTemplateCurlyInString: the CloudFormation placeholder, replaced by the Region
          { bucketName: codeBucket.replace('${AWS::Region}', region), organizationId: config.organization.id }
        : undefined,
      // The Glue Data Catalog lives in the central Region: one registrar reads the exports of every Region.
      registrar:
        central && actionsPlan
          ? {
              eventBusName: config.central.eventBusName,
              archiveBuckets: actionsPlan.archiveBuckets,
              archiveKeyAlias: ARCHIVE_KEY_ALIAS,
              projectRoot,
              entry: options.actionHandlerEntries?.registerTables,
            }
          : undefined,
    });
  };
  const actions = actionsPlan ? actionsStackFor(config.central.region, STACK_NAMES.actions) : undefined;
  const regionalActions: Record<string, ActionsStack> = {};
  for (const region of actionsPlan?.regions ?? []) {
    if (region !== config.central.region)
      regionalActions[region] = actionsStackFor(region, regionalActionsStackName(region));
  }
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

  let actionsMember: ActionsMemberStack | undefined;
  let actionsStackSet: MemberStackSetStack | undefined;
  let actionsMemberTemplateBody: string | undefined;
  let actionsMemberTemplate: ActionsMemberTemplateFile | undefined;
  // Nothing to act on anywhere (validate refuses such a configuration): only the central archive.
  if (actionsPlan && actionsPlan.regions.length > 0) {
    const actionsMemberProps: ActionsMemberStackProps = {
      description: 'Vaultpilot actions: exports recovery points of the watched vaults to the central archive',
      centralAccount: config.central.account,
      centralBusArn,
      archiveBuckets: actionsPlan.archiveBuckets,
      watchedVaultNames: [...new Set(config.actions.vaults.map((v) => v.name))],
      rdsSnapshots: { automated: config.actions.rdsSnapshots.automated, manual: config.actions.rdsSnapshots.manual },
      actionsConfigJson: JSON.stringify(config.actions),
      projectRoot,
      handlerEntries: options.actionHandlerEntries,
      network: config.actions.network,
      ...(imageExports ? { conversionImage: { tag: options.conversionImageTag ?? packageVersion(projectRoot) } } : {}),
    };
    const synthesizer = () =>
      new DefaultStackSynthesizer({
        fileAssetsBucketName: codeBucket,
        bucketPrefix: '',
        generateBootstrapVersionRule: false,
      });
    actionsMember = new ActionsMemberStack(app, STACK_NAMES.actionsMember, {
      ...actionsMemberProps,
      synthesizer: synthesizer(),
    });
    actionsMemberTemplateBody = synthesizeTemplate(
      (scope) =>
        new ActionsMemberStack(scope, STACK_NAMES.actionsMember, { ...actionsMemberProps, synthesizer: synthesizer() }),
      validation,
      // Into the app's own directory: the bundles' source maps name their sources relative to it, so the code hashes
      // (the S3 keys of the zips) come out the same as those of the assets the app writes and operators upload.
      app.outdir,
    );
    actionsMemberTemplate = writeActionsMemberTemplate(
      app.outdir,
      actionsMemberTemplateBody,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the CloudFormation placeholder, replaced by the Region
      codeBucket.replace('${AWS::Region}', config.central.region),
      config.central.region,
    );
    actionsStackSet = new MemberStackSetStack(app, STACK_NAMES.actionsStackSet, {
      env: options.delegatedAdmin
        ? centralEnv
        : { account: config.organization.managementAccount, region: config.central.region },
      description: 'Vaultpilot: the StackSet that deploys the backup actions where watched vaults are',
      stackSetName: ACTIONS_STACKSET_NAME,
      stackSetDescription: 'Vaultpilot actions: exports recovery points of the watched vaults to the central archive',
      templateBody: actionsMemberTemplateBody,
      // Read from S3 (1 MB) rather than inline (51,200 bytes): the actions template outgrows the inline limit.
      templateUrl: actionsMemberTemplate.url,
      organizationalUnits: config.members.organizationalUnits,
      regions: actionsPlan.regions,
      accounts: actionsPlan.accounts,
      delegatedAdmin: options.delegatedAdmin,
      tooLarge: {
        what: 'the actions member template',
        hint: 'list fewer vaults under actions.vaults (each adds its ARN to three policies)',
      },
    });
  }

  acknowledgeFindings({ central, monitoring, digest, management, member, memberStackSet });
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return {
    app,
    central,
    ...(actions ? { actions } : {}),
    regionalActions,
    ...(actionsMember ? { actionsMember } : {}),
    ...(actionsStackSet ? { actionsStackSet } : {}),
    ...(actionsMemberTemplateBody ? { actionsMemberTemplateBody } : {}),
    ...(actionsMemberTemplate ? { actionsMemberTemplate } : {}),
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
  return synthesizeTemplate((scope) => new MemberStack(scope, STACK_NAMES.member, props), validation);
}

/**
 * Writes the actions member template into the assembly directory under its content-hashed name (removing the files of
 * earlier syntheses, so the directory holds the one to upload) and returns where the StackSet reads it from: the code
 * bucket of the central Region, in the central account, readable by the organization (the StackSet administrator,
 * the management account or the delegated administrator, is a principal of the organization).
 */
function writeActionsMemberTemplate(
  outdir: string,
  body: string,
  bucket: string,
  region: string,
): ActionsMemberTemplateFile {
  if (bucket.includes('${')) {
    throw new InfraError(
      `the actions code bucket ${bucket} may hold no placeholder but \${AWS::Region}: the actions StackSet reads its ` +
        "template from the central Region's code bucket, which must have a fixed name",
    );
  }
  const fileName = actionsMemberTemplateFileName(body);
  mkdirSync(outdir, { recursive: true });
  for (const old of readdirSync(outdir)) {
    if (old.startsWith(ACTIONS_MEMBER_TEMPLATE_PREFIX) && old.endsWith('.json') && old !== fileName) {
      rmSync(join(outdir, old), { force: true });
    }
  }
  const path = join(outdir, fileName);
  writeFileSync(path, body);
  return {
    fileName,
    path,
    bucket,
    url: `https://${bucket}.s3.${region}.${urlSuffixOf(partitionOf(region))}/${fileName}`,
    bytes: Buffer.byteLength(body, 'utf8'),
  };
}

/**
 * One stack's template as JSON, synthesized in an app of its own (for a StackSet's template). A stack with Lambda code
 * must be synthesized into the directory the main app synthesizes into (`sharedOutdir`, whose files the main app then
 * writes again): the code hashes depend on it. Without, a temporary directory.
 */
function synthesizeTemplate(make: (scope: App) => Stack, validation: boolean, sharedOutdir?: string): string {
  const outdir = sharedOutdir ?? mkdtempSync(join(tmpdir(), 'vaultpilot-member-'));
  try {
    const app = new App({ outdir, builtinCloudFormationValidation: validation });
    const stack = make(app);
    return JSON.stringify(app.synth().getStackArtifact(stack.artifactId).template);
  } finally {
    if (!sharedOutdir) rmSync(outdir, { recursive: true, force: true });
  }
}

/** Where the backup actions are deployed: Regions, accounts and the archive bucket of each Region. */
export interface ActionsPlan {
  /** Member Regions that get the actions member stack (and, except the central one, an archive stack). */
  readonly regions: readonly string[];
  /** Only these accounts; undefined: every account of the OUs. */
  readonly accounts?: readonly string[];
  readonly archiveBuckets: Readonly<Record<string, string>>;
}

/**
 * Every Region and account that owns a watched vault (a vault without `regions` or `accounts` is everywhere); RDS
 * snapshots outside AWS Backup (`rdsSnapshots`) can be anywhere, so with them on every member Region and account.
 */
export function planActions(config: VaultpilotConfig): ActionsPlan {
  const actions = config.actions;
  const memberRegions = config.members.regions;
  const everywhere = actions.rdsSnapshots.automated || actions.rdsSnapshots.manual;
  const wanted = new Set(everywhere ? memberRegions : actions.vaults.flatMap((v) => v.regions ?? memberRegions));
  const regions = memberRegions.filter((r) => wanted.has(r));
  const accounts =
    everywhere || actions.vaults.some((v) => !v.accounts?.length)
      ? undefined
      : [...new Set(actions.vaults.flatMap((v) => v.accounts ?? []))].sort();
  const bucketRegions = [...new Set([config.central.region, ...regions])];
  const archiveBuckets = archiveBucketNames(
    bucketRegions,
    config.central.region,
    actions.archiveBucket.name,
    config.central.account,
  );
  for (const [region, name] of Object.entries(archiveBuckets)) {
    if (name.length > 63) {
      throw new InfraError(
        `the archive bucket of ${region} would be named ${name} (${name.length} characters, S3 allows 63): ` +
          'shorten actions.archiveBucket.name (other Regions append -<region> to it)',
      );
    }
  }
  return { regions, ...(accounts ? { accounts } : {}), archiveBuckets };
}
