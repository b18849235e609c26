import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import { type ArchiveAdmission, ArchiveBucket, type ArchiveBucketProps } from '../constructs/ArchiveBucket.js';

/** The bucket the member accounts' action functions read their code from (one per Region). */
export interface ActionsCodeBucketProps {
  readonly bucketName: string;
  /** Every principal of this organization may read the code (StackSets create the functions from it). */
  readonly organizationId: string;
}

export interface ActionsStackProps extends StackProps {
  /** The archive bucket the exports are written to. @default a generated name, no lifecycle, no Object Lock */
  readonly archiveBucket?: ArchiveBucketProps;
  /** Let the organization's export roles and action functions write into the archive. @default nobody */
  readonly admission?: ArchiveAdmission;
  /** Create the Region's code bucket for the action functions. @default none */
  readonly codeBucket?: ActionsCodeBucketProps;
}

/**
 * The backup actions' central side, in the central account, one stack per Region with watched vaults (RDS writes
 * an export only into a bucket of the snapshot's Region): the archive bucket and its key, admitting the
 * organization's export roles and action functions, and the Region's code bucket for the action functions.
 */
export class ActionsStack extends Stack {
  readonly archiveBucket: s3.Bucket;
  readonly archiveKey: kms.Key;
  readonly codeBucket?: s3.Bucket;

  constructor(scope: Construct, id: string, props: ActionsStackProps = {}) {
    super(scope, id, props);
    const archive = new ArchiveBucket(this, 'Archive', props.archiveBucket);
    this.archiveBucket = archive.bucket;
    this.archiveKey = archive.key;
    if (props.admission) archive.admitOrganization(props.admission);
    if (props.codeBucket) this.codeBucket = this.createCodeBucket(props.codeBucket, archive.accessLogBucket);
  }

  private createCodeBucket(props: ActionsCodeBucketProps, accessLogs: s3.IBucket): s3.Bucket {
    const scope = new Construct(this, 'Code');
    scope.node.setContext(cxapi.S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);
    // SSE-S3: Lambda in the member accounts reads the code with the StackSet's execution role, which could not
    // use a key of this account without a key policy of its own; the code is no secret (it is this repository).
    const bucket = new s3.Bucket(scope, 'Bucket', {
      bucketName: props.bucketName,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'vaultpilot-actions-code/',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowOrganizationToReadCode',
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [bucket.arnForObjects('*')],
        conditions: { StringEquals: { 'aws:PrincipalOrgID': props.organizationId } },
      }),
    );
    return bucket;
  }
}
