/**
 * The AWS Backup calls of the export workflow: find and describe a recovery point in the watched vaults, read
 * its tags, delete it. DeleteRecoveryPoint can answer 200 and not delete (the caller lacks permission on the
 * resource: the recovery point turns EXPIRED), and a Vault Lock refuses until its minimum retention has passed,
 * so deletion is only ever "requested" here; the workflow describes the point again to confirm.
 */
import {
  type BackupClient,
  DeleteRecoveryPointCommand,
  DescribeRecoveryPointCommand,
  ListTagsCommand,
} from '@aws-sdk/client-backup';
import { ACTION_ERRORS } from '../../core/actions/exportWorkflow.js';
import { actionErrorOf, errorMessage, errorName } from './awsErrors.js';

/** What the workflow needs of a recovery point. */
export interface RecoveryPointInfo {
  readonly vault: string;
  readonly arn: string;
  readonly status: string;
  readonly resourceType?: string;
  readonly resourceArn?: string;
  readonly resourceName?: string;
  readonly encrypted: boolean;
  readonly encryptionKeyArn?: string;
  readonly sizeBytes?: number;
  readonly createdAt?: string;
  /** WARM, COLD (for EBS: the snapshot archive tier) or DELETED. */
  readonly storageClass?: string;
}

/** How a deletion request ended. */
export type DeletionRequest = { status: 'requested' } | { status: 'refused'; reason: string };

/** Errors by which AWS Backup refuses to delete a locked or not-yet-deletable recovery point. */
// Not AccessDeniedException: a role that may not delete is a deployment to fix, reported as the failure it is.
const REFUSED = new Set(['InvalidRequestException', 'InvalidResourceStateException']);

export class RecoveryPoints {
  constructor(private readonly backup: BackupClient) {}

  /** The recovery point in `vault`, or undefined when the vault does not hold it (any more). */
  async describe(vault: string, arn: string): Promise<RecoveryPointInfo | undefined> {
    try {
      const out = await this.backup.send(
        new DescribeRecoveryPointCommand({ BackupVaultName: vault, RecoveryPointArn: arn }),
      );
      return {
        vault,
        arn,
        status: out.Status ?? 'UNKNOWN',
        ...(out.ResourceType ? { resourceType: out.ResourceType } : {}),
        ...(out.ResourceArn ? { resourceArn: out.ResourceArn } : {}),
        ...(out.ResourceName ? { resourceName: out.ResourceName } : {}),
        encrypted: out.IsEncrypted ?? false,
        ...(out.EncryptionKeyArn ? { encryptionKeyArn: out.EncryptionKeyArn } : {}),
        ...(out.BackupSizeInBytes !== undefined ? { sizeBytes: out.BackupSizeInBytes } : {}),
        ...(out.CreationDate ? { createdAt: out.CreationDate.toISOString() } : {}),
        ...(out.StorageClass ? { storageClass: out.StorageClass } : {}),
      };
    } catch (error) {
      if (errorName(error) === 'ResourceNotFoundException') return undefined;
      throw actionErrorOf(error, `describing recovery point ${arn} in vault ${vault}`, ACTION_ERRORS.sourceNotFound);
    }
  }

  /** The first of `vaults` that holds the recovery point, with its description. */
  async find(vaults: readonly string[], arn: string): Promise<RecoveryPointInfo | undefined> {
    for (const vault of vaults) {
      const found = await this.describe(vault, arn);
      if (found) return found;
    }
    return undefined;
  }

  async tags(arn: string): Promise<Record<string, string>> {
    try {
      const out = await this.backup.send(new ListTagsCommand({ ResourceArn: arn }));
      return { ...(out.Tags ?? {}) };
    } catch (error) {
      throw actionErrorOf(error, `listing the tags of ${arn}`, ACTION_ERRORS.sourceNotFound);
    }
  }

  /** Asks AWS Backup to delete the recovery point; a refusal (Vault Lock, state) is an answer, not an error. */
  async requestDeletion(vault: string, arn: string): Promise<DeletionRequest> {
    try {
      await this.backup.send(new DeleteRecoveryPointCommand({ BackupVaultName: vault, RecoveryPointArn: arn }));
      return { status: 'requested' };
    } catch (error) {
      const name = errorName(error);
      if (REFUSED.has(name)) return { status: 'refused', reason: `${name}: ${errorMessage(error)}` };
      throw actionErrorOf(error, `deleting recovery point ${arn} from vault ${vault}`, ACTION_ERRORS.exportRefused);
    }
  }
}
