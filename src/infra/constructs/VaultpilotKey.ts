import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export interface VaultpilotKeyProps {
  readonly description: string;
  /**
   * Let CloudWatch Logs in this account and Region encrypt log groups with the key.
   * @default true
   */
  readonly allowLogs?: boolean;
}

/**
 * A customer managed KMS key with rotation, retained on stack deletion (data encrypted with it may
 * outlive the stack), whose policy admits CloudWatch Logs only for this account's log groups.
 */
export class VaultpilotKey extends Construct {
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: VaultpilotKeyProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.key = new kms.Key(this, 'Key', {
      description: props.description,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    if (props.allowLogs ?? true) {
      this.key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowCloudWatchLogsOfThisAccount',
          principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
          actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
          resources: ['*'],
          conditions: {
            ArnLike: {
              'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*`,
            },
          },
        }),
      );
    }
  }

  /**
   * Lets an AWS service principal use the key for what it sends on behalf of this account, optionally only
   * for source resources matching `sourceArnLike` (the conditions AWS recommends for encrypted SNS topics).
   */
  allowServiceFromAccount(service: string, sourceAccount: string, sid: string, sourceArnLike?: string): void {
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid,
        principals: [new iam.ServicePrincipal(service)],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': sourceAccount },
          ...(sourceArnLike ? { ArnLike: { 'aws:SourceArn': sourceArnLike } } : {}),
        },
      }),
    );
  }
}
