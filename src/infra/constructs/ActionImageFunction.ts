import { Annotations, Duration, Size } from 'aws-cdk-lib';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { ImageTask } from '../../core/actions/exportWorkflow.js';
import { ACTIONS_IMAGE } from '../../core/deployment/contract.js';
import { actionLogsAndRole } from './ActionFunction.js';

/** The conversion image of this Region: a repository (central account) and the tag to run. */
export interface ConversionImageRef {
  readonly repository: ecr.IRepository;
  readonly tag: string;
}

export interface ActionImageFunctionProps {
  readonly task: ImageTask;
  /** Fixed role name: the central archive bucket and key admit the organization's roles by name prefix. */
  readonly roleName: string;
  /**
   * Fixed function name: the image repository admits the Lambda service for functions of this name prefix
   * (`aws:SourceArn`).
   */
  readonly functionName: string;
  readonly logKey: kms.IKey;
  readonly environment: Readonly<Record<string, string>>;
  /** The image to run; absent: a small placeholder that fails every call with `disabledReason`. */
  readonly image?: ConversionImageRef;
  /** Why there is no image (the placeholder's error). */
  readonly disabledReason: string;
}

/** What a conversion function runs when the DynamoDB branch is not enabled: it fails every call, saying why. */
export function disabledConversionSource(task: string, reason: string): string {
  return `exports.handler = async () => { throw new Error(${JSON.stringify(`Vaultpilot ${task}: ${reason}`)}); };`;
}

/**
 * A conversion function of the export workflow (member accounts): the conversion container image
 * (ACTIONS_IMAGE, arm64) from the central account's ECR repository of this Region, its CMD set to the Task's
 * handler, with Lambda's maximum memory, /tmp and timeout; like ActionFunction a KMS-encrypted log group with
 * retention and a role with a fixed name that can write only to that log group (callers add the Task's permissions).
 * Without an image (DynamoDB exports not enabled) a small zip placeholder that fails every call.
 */
export class ActionImageFunction extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** False when the placeholder runs. */
  readonly usesImage: boolean;

  constructor(scope: Construct, id: string, props: ActionImageFunctionProps) {
    super(scope, id);
    ({ logGroup: this.logGroup, role: this.role } = actionLogsAndRole(this, props.roleName, props.logKey));
    const common = {
      functionName: props.functionName,
      architecture: lambda.Architecture.ARM_64,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: { ...props.environment },
    };
    this.usesImage = props.image !== undefined;
    if (props.image) {
      this.function = new lambda.DockerImageFunction(this, 'Function', {
        ...common,
        code: lambda.DockerImageCode.fromEcr(props.image.repository, {
          tagOrDigest: props.image.tag,
          cmd: [`${ACTIONS_IMAGE.handlerModule}.${props.task}`],
        }),
        memorySize: ACTIONS_IMAGE.memorySize,
        ephemeralStorageSize: Size.mebibytes(ACTIONS_IMAGE.ephemeralStorageSize),
        timeout: Duration.seconds(ACTIONS_IMAGE.timeoutSeconds),
      });
    } else {
      this.function = new lambda.Function(this, 'Function', {
        ...common,
        runtime: lambda.Runtime.NODEJS_22_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline(disabledConversionSource(props.task, props.disabledReason)),
        memorySize: 128,
        timeout: Duration.seconds(10),
      });
      Annotations.of(this).addInfo(`the ${props.task} function is a placeholder: ${props.disabledReason}`);
    }
    this.function.node.addDependency(this.logGroup);
  }
}
