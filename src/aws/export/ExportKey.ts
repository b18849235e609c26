/**
 * The KMS key StartExportTask encrypts the export with. Deployments name the archive key by its alias ARN (the key
 * ARN of another account's key is not known when the member template is made); KMS accepts an alias ARN across
 * accounts for DescribeKey but wants the key ARN for grants on another account's key, so the alias is resolved once
 * per container and the key ARN is what RDS gets.
 */
import { DescribeKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { ACTION_ERRORS } from '../../core/actions/exportWorkflow.js';
import { actionErrorOf } from './awsErrors.js';

/** Whether `keyId` is already a key ARN (`arn:…:kms:<region>:<account>:key/<id>`). */
export function isKeyArn(keyId: string): boolean {
  return /^arn:[^:]+:kms:[^:]+:\d{12}:key\/.+$/.test(keyId);
}

export class ExportKey {
  private resolved: Promise<string> | undefined;

  constructor(
    private readonly kms: KMSClient,
    private readonly keyId: string,
  ) {}

  /** The key ARN (DescribeKey on an alias, once; a key ARN is returned as it is). */
  keyArn(): Promise<string> {
    if (isKeyArn(this.keyId)) return Promise.resolve(this.keyId);
    this.resolved ??= this.describe().catch((error: unknown) => {
      this.resolved = undefined; // Asked again on the next call: a throttled DescribeKey is not cached.
      throw error;
    });
    return this.resolved;
  }

  private async describe(): Promise<string> {
    try {
      const out = await this.kms.send(new DescribeKeyCommand({ KeyId: this.keyId }));
      const arn = out.KeyMetadata?.Arn;
      if (!arn) throw new Error('DescribeKey returned no key ARN');
      return arn;
    } catch (error) {
      throw actionErrorOf(error, `resolving the export key ${this.keyId}`, ACTION_ERRORS.exportRefused);
    }
  }
}
