import { Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/** Secrets Manager appends a hyphen and six random characters to every secret's ARN. */
const FULL_SECRET_ARN = /^arn:[^:]+:secretsmanager:[^:]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/;

/**
 * The IAM resource for a secret given by name or ARN: a complete ARN is used as is; a name or a partial
 * ARN gets the `-??????` suffix Secrets Manager appends, so the grant covers that secret and no other.
 */
export function secretArnPattern(scope: Construct, secret: string): string {
  if (FULL_SECRET_ARN.test(secret)) return secret;
  if (secret.startsWith('arn:')) return `${secret}-??????`;
  const stack = Stack.of(scope);
  return `arn:${stack.partition}:secretsmanager:${stack.region}:${stack.account}:secret:${secret}-??????`;
}
