import { Stack, type StackProps } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { ArchiveBucket, type ArchiveBucketProps } from '../constructs/ArchiveBucket.js';

export interface ActionsStackProps extends StackProps {
  /** The archive bucket the exports are written to. @default a generated name, no lifecycle, no Object Lock */
  readonly archiveBucket?: ArchiveBucketProps;
}

/**
 * The backup actions, in the central account and Region: for now the archive bucket. The workflows that
 * export recovery points into it come later and are composed here.
 */
export class ActionsStack extends Stack {
  readonly archiveBucket: s3.Bucket;
  readonly archiveKey: kms.Key;

  constructor(scope: Construct, id: string, props: ActionsStackProps = {}) {
    super(scope, id, props);
    const archive = new ArchiveBucket(this, 'Archive', props.archiveBucket);
    this.archiveBucket = archive.bucket;
    this.archiveKey = archive.key;
  }
}
