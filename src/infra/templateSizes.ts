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

/** The size of every template of the assembly; throws if one is over CloudFormation's hard limit. */
export function checkTemplateSizes(assembly: CloudAssembly): TemplateSize[] {
  return assembly.stacks.map((stack) => {
    const bytes = Buffer.byteLength(JSON.stringify(stack.template), 'utf8');
    if (bytes > S3_TEMPLATE_LIMIT_BYTES) throw new TemplateTooLargeError(stack.stackName, bytes);
    return { stackName: stack.stackName, bytes, needsS3Upload: bytes > INLINE_TEMPLATE_LIMIT_BYTES };
  });
}
