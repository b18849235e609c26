import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { Annotations, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { ActionHandlerName, CentralActionHandlerName } from '../../core/deployment/contract.js';
import { NODEJS_BUNDLING } from './nodejsBundling.js';

export interface ActionFunctionProps {
  readonly handler: ActionHandlerName | CentralActionHandlerName;
  /** The entry file (absolute, or relative to `projectRoot`). */
  readonly entry: string;
  readonly projectRoot: string;
  /** Fixed role name: the central archive bucket and key admit the organization's roles by name prefix. */
  readonly roleName: string;
  /** Key of the function's log group (its policy must admit CloudWatch Logs). */
  readonly logKey: kms.IKey;
  readonly environment: Readonly<Record<string, string>>;
  /** @default Duration.seconds(60) */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
}

/**
 * The log group (KMS-encrypted, three months, retained) and the role with a fixed name of an action function, the
 * role allowed to write to that log group only; callers add the Task's permissions.
 */
export function actionLogsAndRole(
  scope: Construct,
  roleName: string,
  logKey: kms.IKey,
): { logGroup: logs.LogGroup; role: iam.Role } {
  const logGroup = new logs.LogGroup(scope, 'Logs', {
    retention: logs.RetentionDays.THREE_MONTHS,
    encryptionKey: logKey,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const role = new iam.Role(scope, 'Role', { roleName, assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  role.addToPolicy(
    new iam.PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }),
  );
  return { logGroup, role };
}

/** What a function whose entry file did not exist at synthesis runs: it fails every call, saying why. */
export function placeholderHandlerSource(handler: string, entry: string): string {
  return (
    'exports.handler = async () => { throw new Error(' +
    JSON.stringify(
      `Vaultpilot ${handler}: ${entry} did not exist when the template was synthesized; synthesize again`,
    ) +
    '); };'
  );
}

/**
 * An action function (member accounts; the registrar in the central account): the contract's handler bundled with esbuild like every Vaultpilot function
 * (ESM, minified, Node.js 22 on arm64), a KMS-encrypted log group with retention, and a role with a fixed name that
 * can write only to that log group; callers add the permissions of the function's task. Where the entry file does
 * not exist yet, the function runs a placeholder that fails every call (and synthesis warns).
 */
export class ActionFunction extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** False when the entry did not exist and the placeholder was used. */
  readonly bundled: boolean;

  constructor(scope: Construct, id: string, props: ActionFunctionProps) {
    super(scope, id);
    const entry = isAbsolute(props.entry) ? props.entry : join(props.projectRoot, props.entry);
    ({ logGroup: this.logGroup, role: this.role } = actionLogsAndRole(this, props.roleName, props.logKey));
    const common = {
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(60),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
    };
    this.bundled = existsSync(entry);
    if (this.bundled) {
      const lock = join(props.projectRoot, 'package-lock.json');
      this.function = new NodejsFunction(this, 'Function', {
        ...common,
        entry,
        handler: 'handler',
        projectRoot: props.projectRoot,
        depsLockFilePath: existsSync(lock) ? lock : join(props.projectRoot, 'package.json'),
        environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
        bundling: NODEJS_BUNDLING,
      });
    } else {
      this.function = new lambda.Function(this, 'Function', {
        ...common,
        handler: 'index.handler',
        code: lambda.Code.fromInline(placeholderHandlerSource(props.handler, props.entry)),
        environment: { ...props.environment },
      });
      Annotations.of(this).addWarningV2(
        'vaultpilot:actions:placeholderHandler',
        `${props.entry} does not exist: the ${props.handler} function runs a placeholder that fails every call`,
      );
    }
    this.function.node.addDependency(this.logGroup);
  }
}
