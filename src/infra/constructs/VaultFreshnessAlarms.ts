import { Aws, CustomResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ALARM_NAME_PREFIX } from '../../core/deployment/contract.js';
import { InfraError } from '../InfraError.js';
import { FRESHNESS_ALARMS_HANDLER_SOURCE } from './freshnessAlarmsHandler.js';

/** Every vault freshness alarm, static or made by the function, is named with this prefix. */
export const FRESHNESS_ALARM_NAME_PREFIX = `${ALARM_NAME_PREFIX}vault-no-completed-backup-`;

/** The description of a vault's freshness alarm; the inline function writes the same words. */
export function freshnessAlarmDescription(vaultName: string, hours: number, toleranceHours: number): string {
  const window = hours + toleranceHours;
  return `No backup job completed in vault ${vaultName} for ${window} hours (${hours} h and ${toleranceHours} h of tolerance)`;
}

/** The vault events after which the function reconciles again (AWS Backup sends them to the default bus). */
export const VAULT_CREATED_OR_DELETED_PATTERN: events.EventPattern = {
  source: ['aws.backup'],
  detailType: ['Backup Vault State Change'],
  detail: { state: ['CREATED', 'DELETED'] },
};

/** Lambda limits all environment variables of a function together to 4 KB; leave room for the runtime's. */
const SPEC_LIMIT_BYTES = 3_800;

/** A vault alarmed wherever it exists, and the name of its alarm. */
export interface FreshnessAlarmVault {
  readonly vaultName: string;
  /** The full alarm name (`vaultpilot-vault-no-completed-backup-…`). */
  readonly alarmName: string;
}

export interface VaultFreshnessAlarmsProps {
  /** Vaults to alarm on in this account and Region, wherever they exist. */
  readonly vaults: readonly FreshnessAlarmVault[];
  /** A vault alarms when no backup job completed in it for this many hours. @default 24 */
  readonly hours?: number;
  /** Extra hours before the alarm fires, so a drifting daily plan does not flap. @default 6 */
  readonly toleranceHours?: number;
  /** ARNs notified when an alarm enters ALARM. @default none */
  readonly alarmActions?: readonly string[];
  /** ARNs notified when an alarm returns to OK. @default none */
  readonly okActions?: readonly string[];
  /** Keeps invocations that keep failing: CloudFormation and EventBridge both invoke asynchronously. */
  readonly deadLetterQueue: sqs.IQueue;
}

/**
 * Freshness alarms for vaults listed without accounts or Regions, made by an inline custom resource only
 * where the vault exists (a static alarm would sit in ALARM in every account and Region without it), and
 * made or deleted again when AWS Backup reports a vault created or deleted.
 *
 * Moving an entry between scoped and unscoped in one deployment hands one alarm name from a static alarm to
 * the function or back, and CloudFormation may delete the old owner's alarm after the new one made it; deploy
 * the removal and the new entry separately.
 */
export class VaultFreshnessAlarms extends Construct {
  readonly function: lambda.Function;

  constructor(scope: Construct, id: string, props: VaultFreshnessAlarmsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const foreign = props.vaults.find((v) => !v.alarmName.startsWith(FRESHNESS_ALARM_NAME_PREFIX));
    if (foreign) {
      throw new InfraError(
        `VaultFreshnessAlarms: alarm ${foreign.alarmName} must start with ${FRESHNESS_ALARM_NAME_PREFIX}`,
      );
    }
    const spec = {
      Vaults: props.vaults.map((v) => ({ Vault: v.vaultName, Alarm: v.alarmName })),
      Hours: props.hours ?? 24,
      ToleranceHours: props.toleranceHours ?? 6,
      AlarmActions: [...(props.alarmActions ?? [])],
      OKActions: [...(props.okActions ?? [])],
    };
    // Alarm actions may be tokens (resolved at deployment): those count here as their placeholders' length.
    const specBytes = Buffer.byteLength(JSON.stringify(spec));
    if (specBytes > SPEC_LIMIT_BYTES) {
      throw new InfraError(
        `VaultFreshnessAlarms: ${props.vaults.length} vaults listed without accounts or Regions do not fit the ` +
          `function's environment (${specBytes} of ${SPEC_LIMIT_BYTES} bytes); list fewer or give them accounts or regions`,
      );
    }

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Vaultpilot: keeps vault freshness alarms where the vaults exist',
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    if (props.vaults.length > 0) {
      role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['backup:DescribeBackupVault'],
          resources: [...new Set(props.vaults.map((v) => v.vaultName))].map(
            (name) => `arn:${Aws.PARTITION}:backup:${Aws.REGION}:${Aws.ACCOUNT_ID}:backup-vault:${name}`,
          ),
        }),
      );
    }
    const alarmArns = `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:${FRESHNESS_ALARM_NAME_PREFIX}*`;
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms', 'cloudwatch:TagResource'],
        resources: [alarmArns],
      }),
    );
    Validations.of(role).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:${FRESHNESS_ALARM_NAME_PREFIX}*]`,
      reason:
        'The function deletes the freshness alarms of vaults no longer listed, whose names the updated policy no ' +
        'longer knows; the wildcard covers only freshness alarms of this account and Region.',
    });

    this.function = new lambda.Function(this, 'Function', {
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromInline(FRESHNESS_ALARMS_HANDLER_SOURCE),
      timeout: Duration.minutes(2),
      role,
      logGroup,
      environment: { SPEC: stack.toJsonString(spec) },
      deadLetterQueue: props.deadLetterQueue,
      description: 'Vaultpilot: vault freshness alarms where the vaults exist',
    });
    this.function.node.addDependency(logGroup);
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions::AwsSolutions-L1',
      reason:
        'Inline code for nodejs22.x, whose bundled AWS SDK v3 it relies on; it runs when the stack changes and ' +
        'when a vault is created or deleted.',
    });

    const alarms = new CustomResource(this, 'Alarms', {
      serviceToken: this.function.functionArn,
      resourceType: 'Custom::VaultpilotFreshnessAlarms',
      properties: spec,
    });
    const rule = new events.Rule(this, 'VaultCreatedOrDeleted', {
      description: 'Vaultpilot: vault freshness alarms follow vaults created or deleted',
      eventPattern: VAULT_CREATED_OR_DELETED_PATTERN,
      targets: [new targets.LambdaFunction(this.function, { deadLetterQueue: props.deadLetterQueue })],
    });
    // Removed before the custom resource deletes the alarms, so no event can make one again afterwards.
    rule.node.addDependency(alarms);
  }
}
