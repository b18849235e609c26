import { CfnStackSet, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { MemberTemplateTooLargeError } from '../InfraError.js';

/** CloudFormation's limit for a template passed inline (TemplateBody). */
export const TEMPLATE_BODY_LIMIT_BYTES = 51_200;
/** CloudFormation's limit for a template read from S3 (TemplateURL). */
export const TEMPLATE_URL_LIMIT_BYTES = 1_000_000;

/** The StackSet's name, shared by the docs and the template-only deployment. */
export const MEMBER_STACKSET_NAME = 'vaultpilot-member';

export interface MemberStackSetStackProps extends StackProps {
  /** The member template, as JSON (checked against the limit of how it is passed). */
  readonly templateBody: string;
  /**
   * Pass the template by this S3 URL (TemplateURL, up to 1 MB) instead of inline (TemplateBody, 51,200 bytes); the
   * object must hold exactly `templateBody`. @default inline
   */
  readonly templateUrl?: string;
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
    const limit = props.templateUrl ? TEMPLATE_URL_LIMIT_BYTES : TEMPLATE_BODY_LIMIT_BYTES;
    if (size > limit) {
      throw new MemberTemplateTooLargeError(
        size,
        limit,
        props.tooLarge?.what,
        props.tooLarge?.hint,
        props.templateUrl ? 'S3 (TemplateURL)' : 'inline',
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
      ...(props.templateUrl ? { templateUrl: props.templateUrl } : { templateBody: props.templateBody }),
    });
  }
}
