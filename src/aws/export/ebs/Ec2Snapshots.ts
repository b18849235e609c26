/**
 * The EC2 call of the EBS branch: DescribeSnapshots of the recovery point's snapshot — its state, storage tier
 * (`archive`: the EBS direct APIs cannot read it), volume, size, encryption and tags (an EBS snapshot's tags are
 * EC2's: AWS Backup's ListTags does not take its ARN). Failures leave as named ActionErrors.
 */
import { DescribeSnapshotsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { ACTION_ERRORS, ActionError } from '../../../core/actions/exportWorkflow.js';
import { actionErrorOf, errorMessage, errorName } from '../awsErrors.js';

/** What the workflow needs of an EBS snapshot. */
export interface Ec2SnapshotInfo {
  readonly snapshotId: string;
  /** pending | completed | error | recoverable | recovering */
  readonly state: string;
  /** standard | archive */
  readonly storageTier: string;
  readonly volumeId?: string;
  readonly volumeSizeGiB?: number;
  readonly encrypted: boolean;
  readonly kmsKeyId?: string;
  readonly tags: Readonly<Record<string, string>>;
}

export class Ec2Snapshots {
  constructor(private readonly ec2: EC2Client) {}

  /** The snapshot; SourceNotFound when EC2 does not know it (any more). */
  async describe(snapshotId: string): Promise<Ec2SnapshotInfo> {
    try {
      const out = await this.ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] }));
      const s = out.Snapshots?.find((x) => x.SnapshotId === snapshotId);
      if (!s) throw new ActionError(ACTION_ERRORS.sourceNotFound, `EC2 does not describe snapshot ${snapshotId}`);
      const tags: Record<string, string> = {};
      for (const t of s.Tags ?? []) if (t.Key) tags[t.Key] = t.Value ?? '';
      return {
        snapshotId,
        state: s.State ?? 'unknown',
        storageTier: s.StorageTier ?? 'standard',
        ...(s.VolumeId ? { volumeId: s.VolumeId } : {}),
        ...(s.VolumeSize !== undefined ? { volumeSizeGiB: s.VolumeSize } : {}),
        encrypted: s.Encrypted ?? false,
        ...(s.KmsKeyId ? { kmsKeyId: s.KmsKeyId } : {}),
        tags,
      };
    } catch (error) {
      if (error instanceof ActionError) throw error;
      if (errorName(error) === 'InvalidSnapshot.NotFound') {
        throw new ActionError(ACTION_ERRORS.sourceNotFound, `snapshot ${snapshotId} is gone: ${errorMessage(error)}`, {
          cause: error,
        });
      }
      throw actionErrorOf(error, `describing snapshot ${snapshotId}`, ACTION_ERRORS.sourceNotFound);
    }
  }
}
