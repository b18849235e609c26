import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { HANDLER_ENTRIES, type HandlerName } from '../../core/deployment/contract.js';
import { NODEJS_BUNDLING } from './nodejsBundling.js';

export interface VaultpilotFunctionProps {
  /** Which handler of the deployment contract this function runs. */
  readonly handler: HandlerName;
  /** Package root the handler entry paths are relative to. */
  readonly projectRoot: string;
  /** Key encrypting the function's log group (its policy must admit CloudWatch Logs). */
  readonly logKey: kms.IKey;
  /** Environment variables (names from the deployment contract). */
  readonly environment: Readonly<Record<string, string>>;
  /** @default Duration.seconds(60) */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
  /** Failure path for asynchronous invocations (schedules); SQS-fed functions use their queue's DLQ. */
  readonly onFailure?: lambda.IDestination;
  /** @default 2 when `onFailure` is set */
  readonly retryAttempts?: number;
  /** @default false: X-Ray tracing costs money and is opt-in. */
  readonly tracing?: boolean;
}

/**
 * The lock file NodejsFunction wants (it only reads its name). A clone has package-lock.json; an
 * installed package has none, and package.json stands in for it (npm is assumed either way).
 */
function lockFileIn(projectRoot: string): string {
  const lock = join(projectRoot, 'package-lock.json');
  return existsSync(lock) ? lock : join(projectRoot, 'package.json');
}

/**
 * A Vaultpilot Lambda function: the contract's handler bundled locally with esbuild (ESM, minified,
 * Node.js 22 on arm64), its own KMS-encrypted log group with retention, and a role that can write only
 * to that log group (no AWS managed policy, no `*` resource).
 */
export class VaultpilotFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: VaultpilotFunctionProps) {
    super(scope, id);
    const entry = HANDLER_ENTRIES[props.handler];
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      encryptionKey: props.logKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Vaultpilot ${props.handler} function`,
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    this.function = new NodejsFunction(this, 'Function', {
      entry: isAbsolute(entry) ? entry : join(props.projectRoot, entry),
      projectRoot: props.projectRoot,
      depsLockFilePath: lockFileIn(props.projectRoot),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(60),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
      tracing: props.tracing ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
      onFailure: props.onFailure,
      retryAttempts: props.onFailure ? (props.retryAttempts ?? 2) : props.retryAttempts,
      description: `Vaultpilot ${props.handler} (${entry})`,
      bundling: NODEJS_BUNDLING,
    });
    // The log group is created before the function so Lambda never creates an unencrypted one itself.
    this.function.node.addDependency(this.logGroup);
  }

  /** The region-qualified CloudWatch Logs service principal that must be allowed to use the log key. */
  static logsServicePrincipal(scope: Construct): iam.ServicePrincipal {
    return new iam.ServicePrincipal(`logs.${Stack.of(scope).region}.amazonaws.com`);
  }
}
