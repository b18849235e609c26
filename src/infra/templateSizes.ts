/**
 * CloudFormation's template size limits, checked for every template at synthesis: a template passed inline
 * (`--template-body`, and `aws cloudformation deploy` without `--s3-bucket`) may be 51,200 bytes; one read
 * from S3 (`--template-url`, `cdk deploy`, `aws cloudformation deploy --s3-bucket`) may be 1 MB.
 */
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { InfraError } from './InfraError.js';

/** Largest template CloudFormation accepts inline. */
export const INLINE_TEMPLATE_LIMIT_BYTES = 51_200;
/** Largest template CloudFormation accepts from S3 (TemplateURL). */
export const S3_TEMPLATE_LIMIT_BYTES = 1_000_000;

/** One synthesized template and how it can be deployed. */
export interface TemplateSize {
  readonly stackName: string;
  readonly bytes: number;
  /** Over the inline limit: deploy with `cdk deploy` or `aws cloudformation deploy --s3-bucket`. */
  readonly needsS3Upload: boolean;
}

/** A template CloudFormation cannot take at all. */
export class TemplateTooLargeError extends InfraError {
  constructor(
    readonly stackName: string,
    readonly bytes: number,
  ) {
    super(
      `the ${stackName} template is ${bytes} bytes, over CloudFormation's limit of ${S3_TEMPLATE_LIMIT_BYTES} bytes ` +
        'even from S3; list fewer email addresses, channels or watched vaults',
    );
    this.name = 'TemplateTooLargeError';
  }
}

/**
 * Templates that reach their accounts only as a StackSet's inline TemplateBody (the member stack), so they must stay
 * within the inline limit whatever the deployment tool.
 */
export const STACKSET_BODY_STACKS: readonly string[] = ['Vaultpilot-Member'];

/**
 * Templates a StackSet reads from S3 (TemplateURL: the actions member stack, uploaded to the central Region's code
 * bucket), held to CloudFormation's 1 MB limit for a template from S3.
 */
export const STACKSET_URL_STACKS: readonly string[] = ['Vaultpilot-ActionsMember'];

/** A StackSet template over the limit of how the StackSet passes it (inline body, or TemplateURL). */
export class StackSetTemplateTooLargeError extends InfraError {
  constructor(
    readonly stackName: string,
    readonly bytes: number,
    readonly limitBytes: number = INLINE_TEMPLATE_LIMIT_BYTES,
  ) {
    super(
      `the ${stackName} template is ${bytes} bytes, over the ${limitBytes}-byte limit of a StackSet's ` +
        (limitBytes === INLINE_TEMPLATE_LIMIT_BYTES ? 'inline template body' : 'template read from S3 (TemplateURL)') +
        '; list fewer watched vaults (watchedVaults, actions.vaults) or restrict them to accounts/regions',
    );
    this.name = 'StackSetTemplateTooLargeError';
  }
}

/**
 * The size of every template of the assembly; throws if a StackSet body (`stackSetBodies`) is over the inline limit,
 * a StackSet template read from S3 (`stackSetUrls`) over the S3 limit, or any template over CloudFormation's hard
 * limit.
 */
export function checkTemplateSizes(
  assembly: CloudAssembly,
  stackSetBodies: readonly string[] = STACKSET_BODY_STACKS,
  stackSetUrls: readonly string[] = STACKSET_URL_STACKS,
): TemplateSize[] {
  return assembly.stacks.map((stack) => {
    const bytes = Buffer.byteLength(JSON.stringify(stack.template), 'utf8');
    if (stackSetUrls.includes(stack.stackName) && bytes > S3_TEMPLATE_LIMIT_BYTES) {
      throw new StackSetTemplateTooLargeError(stack.stackName, bytes, S3_TEMPLATE_LIMIT_BYTES);
    }
    if (bytes > S3_TEMPLATE_LIMIT_BYTES) throw new TemplateTooLargeError(stack.stackName, bytes);
    if (stackSetBodies.includes(stack.stackName) && bytes > INLINE_TEMPLATE_LIMIT_BYTES) {
      throw new StackSetTemplateTooLargeError(stack.stackName, bytes);
    }
    return { stackName: stack.stackName, bytes, needsS3Upload: bytes > INLINE_TEMPLATE_LIMIT_BYTES };
  });
}
