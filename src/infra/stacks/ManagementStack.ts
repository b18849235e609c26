import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Aws, CustomResource, Duration, Lazy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ALARM_NAME_PREFIX, INVENTORY_ENV } from '../../core/deployment/contract.js';
import { MANAGEMENT_FORWARDED_RULES, ORGANIZATIONS_EVENTS_REGION } from '../../core/eventPatterns.js';
import { ForwardToCentralBus } from '../constructs/ForwardToCentralBus.js';
import { queueHasMessagesAlarm } from '../constructs/queueHasMessagesAlarm.js';
import { VaultpilotFunction } from '../constructs/VaultpilotFunction.js';
import { VaultpilotKey } from '../constructs/VaultpilotKey.js';

export { ORGANIZATIONS_EVENTS_REGION };

/** How often the policy inventory is taken (EventBridge Scheduler expression). */
export const POLICY_INVENTORY_SCHEDULE = 'rate(6 hours)';
/** The alarm on inventory runs that failed after their retries. */
export const POLICY_INVENTORY_ALARM_NAME = `${ALARM_NAME_PREFIX}policy-inventory-failed`;

export interface ManagementStackProps extends StackProps {
  /** ARN of the central custom bus. */
  readonly centralBusArn: string;
  /** Package root the handler entry paths are relative to. @default this package */
  readonly projectRoot?: string;
  /** When the policy inventory is taken. @default POLICY_INVENTORY_SCHEDULE (every 6 hours) */
  readonly inventorySchedule?: string;
  /** @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The management account in us-east-1: forwards Organizations policy changes (and effective-policy
 * validation results, which the member StackSet cannot cover here) to the central bus. The
 * rule matches by API name, not by policy type, so DeletePolicy (which carries no type) is forwarded
 * and the router recognises backup policies by the ids it has seen. So that it has seen every id, even of
 * policies created before Vaultpilot, the policy-inventory function lists every policy of the organization
 * at deployment and every 6 hours and puts the list on the central bus.
 */
export class ManagementStack extends Stack {
  readonly inventory: VaultpilotFunction;
  /** Inventory runs that failed after their retries, from the scheduler and from Lambda alike. */
  readonly failedInventoryRuns: sqs.Queue;

  constructor(scope: Construct, id: string, props: ManagementStackProps) {
    super(scope, id, props);
    new ForwardToCentralBus(this, 'Forwarding', {
      centralBusArn: props.centralBusArn,
      rules: MANAGEMENT_FORWARDED_RULES,
      undeliveredAlarmName: 'management-undelivered-events',
      undeliveredAlarmDescription: 'Organizations events the management account could not forward to the central bus',
    });

    const key = new VaultpilotKey(this, 'Key', { description: 'Vaultpilot management account: function logs' });
    this.failedInventoryRuns = new sqs.Queue(this, 'FailedInventoryRuns', {
      // SQS-managed encryption: the scheduler, Lambda destinations and nobody else write here, and it holds
      // only the invocation payload (no policy content), so no key policy for each writer is needed.
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      retentionPeriod: Duration.days(14),
      enforceSSL: true,
    });
    Validations.of(this.failedInventoryRuns).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter destination of the policy-inventory function and its schedule.',
    });

    this.inventory = new VaultpilotFunction(this, 'PolicyInventory', {
      handler: 'policyInventory',
      projectRoot: props.projectRoot ?? resolve(dirname(fileURLToPath(import.meta.url)), '../../..'),
      logKey: key.key,
      logRetention: props.logRetention,
      environment: { [INVENTORY_ENV.centralBusArn]: props.centralBusArn },
      // Organizations throttles hard (a few calls a second): a large organization takes minutes to list.
      timeout: Duration.minutes(10),
      onFailure: new SqsDestination(this.failedInventoryRuns),
    });
    this.grantInventory(this.inventory.role, props.centralBusArn);
    this.scheduleInventory(props.inventorySchedule ?? POLICY_INVENTORY_SCHEDULE);
    this.runAtDeployment(props.centralBusArn);

    // A failed run means the central account's inventory is getting old: a deletion of a policy created
    // since then is reported as of unknown type. The management account forwards Vaultpilot alarms
    // (rule `vaultpilotAlarms`), so the state change reaches the router.
    queueHasMessagesAlarm(this, 'FailedInventoryRunsAlarm', {
      queue: this.failedInventoryRuns,
      alarmName: POLICY_INVENTORY_ALARM_NAME,
      description:
        'A policy-inventory run failed after its retries (see the FailedInventoryRuns queue and the function logs)',
    });
  }

  /** Read-only Organizations access and PutEvents on the central bus, nothing else. */
  private grantInventory(role: iam.Role, centralBusArn: string): void {
    // ListPolicies supports no resource-level permissions (Service Authorization Reference): `*` only
    // (acknowledged in nagAcknowledgements.ts).
    role.addToPolicy(new iam.PolicyStatement({ actions: ['organizations:ListPolicies'], resources: ['*'] }));
    // DescribePolicy supports the policy resource type: only backup policies of this organization are read.
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['organizations:DescribePolicy'],
        // Pseudo parameters, not the literal account, so the cdk-nag finding (acknowledged in
        // nagAcknowledgements.ts) has the same id in every deployment.
        resources: [`arn:${Aws.PARTITION}:organizations::${Aws.ACCOUNT_ID}:policy/o-*/backup_policy/p-*`],
      }),
    );
    role.addToPolicy(new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [centralBusArn] }));
  }

  private scheduleInventory(expression: string): void {
    const role = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
      description: 'Lets EventBridge Scheduler invoke the Vaultpilot policy inventory',
    });
    // The unqualified ARN only: the schedule never invokes versions or aliases.
    role.addToPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.inventory.function.functionArn] }),
    );
    this.failedInventoryRuns.grantSendMessages(role);
    new scheduler.CfnSchedule(this, 'InventorySchedule', {
      description: 'Vaultpilot policy inventory',
      flexibleTimeWindow: { mode: 'OFF' },
      scheduleExpression: expression,
      target: {
        arn: this.inventory.function.functionArn,
        roleArn: role.roleArn,
        retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 },
        deadLetterConfig: { arn: this.failedInventoryRuns.queueArn },
      },
    });
  }

  /**
   * The run right after a deployment: a custom resource whose service token is the inventory function itself,
   * which answers CloudFormation at once and then takes the inventory (see
   * src/functions/inventory/cloudFormationRequest.ts). It runs on create and whenever the function's code or
   * central bus changes. Not aws-cdk-lib/triggers: its provider function carries the AWS managed
   * AWSLambdaBasicExecutionRole policy, an unencrypted log group and its own runtime, which this project refuses
   * (no managed policies, KMS-encrypted logs). Not a rule on CloudFormation's stack status events: this stack's
   * only event rules are the forwarding ones. Not a one-time schedule: its time would make synthesis differ on
   * every run. All three synthesize offline; this does too, without a second function.
   */
  private runAtDeployment(centralBusArn: string): void {
    const cfnFunction = this.inventory.function.node.defaultChild as lambda.CfnFunction;
    const run = new CustomResource(this, 'InventoryAtDeployment', {
      serviceToken: this.inventory.function.functionArn,
      resourceType: 'Custom::VaultpilotPolicyInventory',
      // The function answers before it lists, so CloudFormation never waits long.
      serviceTimeout: Duration.minutes(5),
      properties: {
        // The code asset's key changes with the code: a new handler takes a new inventory.
        HandlerCode: Lazy.string({
          produce: () => (this.resolve(cfnFunction.code) as { s3Key?: string }).s3Key ?? 'inline',
        }),
        CentralBusArn: centralBusArn,
      },
    });
    // The permissions must exist before the first run.
    run.node.addDependency(this.inventory.role);
  }
}
