import { CfnStackSet, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { MemberTemplateTooLargeError } from '../InfraError.js';

/** CloudFormation's limit for a template passed inline (TemplateBody). */
export const TEMPLATE_BODY_LIMIT_BYTES = 51_200;

/** The StackSet's name, shared by the docs and the template-only deployment. */
export const MEMBER_STACKSET_NAME = 'vaultpilot-member';

export interface MemberStackSetStackProps extends StackProps {
  /** The member template, as JSON. */
  readonly templateBody: string;
  /** OUs (or the root) whose accounts get the member stack, now and when they join later. */
  readonly organizationalUnits: readonly string[];
  readonly regions: readonly string[];
  /**
   * Deploy as the organization's delegated administrator for StackSets (from the central account)
   * instead of from the management account.
   * @default false
   */
  readonly delegatedAdmin?: boolean;
  /** @default MEMBER_STACKSET_NAME */
  readonly stackSetName?: string;
  /** @default the member stack's description */
  readonly stackSetDescription?: string;
  /** Only these accounts of the OUs (INTERSECTION filter). @default every account of the OUs */
  readonly accounts?: readonly string[];
  /** What the template is and how to make it smaller, for the error when it is too large. @default the member template's */
  readonly tooLarge?: { readonly what: string; readonly hint: string };
}

/** The service-managed StackSet that deploys the member template to every account of the OUs. */
export class MemberStackSetStack extends Stack {
  readonly stackSet: CfnStackSet;

  constructor(scope: Construct, id: string, props: MemberStackSetStackProps) {
    super(scope, id, props);
    const size = Buffer.byteLength(props.templateBody, 'utf8');
    if (size > TEMPLATE_BODY_LIMIT_BYTES) {
      throw new MemberTemplateTooLargeError(
        size,
        TEMPLATE_BODY_LIMIT_BYTES,
        props.tooLarge?.what,
        props.tooLarge?.hint,
      );
    }
    this.stackSet = new CfnStackSet(this, 'MemberStackSet', {
      stackSetName: props.stackSetName ?? MEMBER_STACKSET_NAME,
      description:
        props.stackSetDescription ?? 'Vaultpilot member: forwards AWS Backup events and alarms to the central account',
      permissionModel: 'SERVICE_MANAGED',
      callAs: props.delegatedAdmin ? 'DELEGATED_ADMIN' : 'SELF',
      autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
      // Named IAM: the vault-notifications role has a fixed name the central account trusts.
      capabilities: ['CAPABILITY_NAMED_IAM'],
      managedExecution: { Active: true },
      // SOFT_FAILURE_TOLERANCE: CloudFormation keeps deploying to 25 % of the accounts at once. Under the
      // default STRICT_FAILURE_TOLERANCE the concurrency is capped at the failure tolerance + 1, which for
      // 10 % of a small organization is one or two accounts at a time, making a rollout far slower.
      operationPreferences: {
        concurrencyMode: 'SOFT_FAILURE_TOLERANCE',
        regionConcurrencyType: 'PARALLEL',
        maxConcurrentPercentage: 25,
        failureTolerancePercentage: 10,
      },
      stackInstancesGroup: [
        {
          deploymentTargets: {
            organizationalUnitIds: [...props.organizationalUnits],
            ...(props.accounts?.length ? { accounts: [...props.accounts], accountFilterType: 'INTERSECTION' } : {}),
          },
          regions: [...props.regions],
        },
      ],
      templateBody: props.templateBody,
    });
  }
}
