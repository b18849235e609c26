import { type Stack, Validations } from 'aws-cdk-lib';

/** The app's stacks, by role. */
export interface AcknowledgedStacks {
  readonly central: Stack;
  readonly monitoring: Stack;
  readonly digest: Stack;
  readonly management: Stack;
  readonly member: Stack;
  readonly memberStackSet: Stack;
}

/** One accepted finding: the cdk-nag rule id and why it is acceptable here. */
export interface NagAcknowledgement {
  readonly id: string;
  readonly reason: string;
}

const NODE22_RUNTIME: NagAcknowledgement = {
  id: 'AwsSolutions::AwsSolutions-L1',
  reason:
    'Functions run on nodejs22.x on purpose: the same code is tested on the Node.js 20/22 development and CI ' +
    'machines, and nodejs22.x is supported by Lambda until 2027; moving to nodejs24.x is a deliberate upgrade.',
};

const KMS_GRANT_ACTIONS: readonly NagAcknowledgement[] = [
  {
    id: 'AwsSolutions::AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
    reason:
      "CDK's KMS grants for the encrypted table, topics and queues use kms:ReEncrypt* on the one central key ARN; " +
      'the wildcard only spans ReEncryptFrom/ReEncryptTo of that key.',
  },
  {
    id: 'AwsSolutions::AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
    reason:
      "CDK's KMS grants use kms:GenerateDataKey* on the one central key ARN (plain and WithoutPlaintext variants), " +
      'which SQS, SNS and DynamoDB need to encrypt messages and items with it.',
  },
];

/** Every acknowledgement, by stack role, so tests and docs can list them. */
export const NAG_ACKNOWLEDGEMENTS: Readonly<Record<keyof AcknowledgedStacks, readonly NagAcknowledgement[]>> = {
  central: [NODE22_RUNTIME, ...KMS_GRANT_ACTIONS],
  monitoring: [],
  digest: [NODE22_RUNTIME, ...KMS_GRANT_ACTIONS],
  management: [
    {
      ...NODE22_RUNTIME,
      reason:
        'The policy-inventory function runs on nodejs22.x like every Vaultpilot function: the same code is tested on ' +
        'the Node.js 20/22 development and CI machines; moving to nodejs24.x is a deliberate upgrade of all of them.',
    },
    {
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'organizations:ListPolicies (the only action on "*") supports no resource-level permissions: the Service ' +
        'Authorization Reference lists no resource type for it. It is read-only and returns policy names, ids and types.',
    },
    {
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:organizations::<AWS::AccountId>:policy/o-*/backup_policy/p-*]',
      reason:
        'organizations:DescribePolicy is limited to the backup policies of this management account; the organization ' +
        'and policy ids are not known at synthesis, and every backup policy must be read for the inventory.',
    },
  ],
  member: [
    {
      ...NODE22_RUNTIME,
      reason:
        'The vault-notifications custom resource is inline code for nodejs22.x, whose bundled AWS SDK v3 it relies on; ' +
        'it runs only when the stack is created, updated or deleted.',
    },
  ],
  memberStackSet: [],
};

/**
 * Records every cdk-nag AwsSolutions finding Vaultpilot accepts, each with the reason it is acceptable.
 * Findings that can be fixed are fixed in the stacks; dead-letter queues acknowledge SQS3 where they are made.
 */
export function acknowledgeFindings(stacks: AcknowledgedStacks): void {
  for (const [role, acknowledgements] of Object.entries(NAG_ACKNOWLEDGEMENTS)) {
    const stack = stacks[role as keyof AcknowledgedStacks];
    if (acknowledgements.length > 0) Validations.of(stack).acknowledge(...acknowledgements);
  }
}
