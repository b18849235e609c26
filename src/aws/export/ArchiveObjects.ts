/**
 * The S3 calls of the export workflow on the archive bucket: list an export's objects, read RDS's status
 * files, check Parquet's magic bytes, write the manifest and the latest pointer, remove an unverified export.
 */
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { mapOrdered } from '../../archive/mapOrdered.js';
import { ACTION_ERRORS } from '../../core/actions/exportWorkflow.js';
import type { ExportObject } from '../../core/actions/verifyRdsExport.js';
import { actionErrorOf, errorName } from './awsErrors.js';

/** Parquet files end with the 4-byte footer length and the magic `PAR1`. */
const PARQUET_MAGIC = 'PAR1';
const CHECK_CONCURRENCY = 16;

export class ArchiveObjects {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  /** Every object under `prefix`, in key order. */
  async list(prefix: string): Promise<ExportObject[]> {
    const objects: ExportObject[] = [];
    let token: string | undefined;
    try {
      do {
        const out = await this.s3.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
        );
        for (const o of out.Contents ?? []) {
          if (o.Key) objects.push({ key: o.Key, size: o.Size ?? 0, ...(o.ETag ? { etag: o.ETag } : {}) });
        }
        token = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (token);
    } catch (error) {
      throw actionErrorOf(error, `listing s3://${this.bucket}/${prefix}`, ACTION_ERRORS.verificationFailed);
    }
    return objects;
  }

  /** The object's text, or undefined when it does not exist. */
  async readText(key: string): Promise<string | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return (await out.Body?.transformToString('utf8')) ?? '';
    } catch (error) {
      if (errorName(error) === 'NoSuchKey') return undefined;
      throw actionErrorOf(error, `reading s3://${this.bucket}/${key}`, ACTION_ERRORS.verificationFailed);
    }
  }

  /** Whether each object ends with Parquet's magic bytes (one ranged GET of 8 bytes per object). */
  async checkParquet(objects: readonly ExportObject[]): Promise<ExportObject[]> {
    const checked: ExportObject[] = [];
    const results = mapOrdered(objects, CHECK_CONCURRENCY, async (o) => {
      if (!o.key.endsWith('.parquet')) return o;
      if (o.size < 12) return { ...o, validParquet: false };
      try {
        // An explicit range rather than a suffix range (`bytes=-8`), which some S3-compatible stores ignore.
        const range = `bytes=${o.size - 8}-${o.size - 1}`;
        const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: o.key, Range: range }));
        const bytes = Buffer.from((await out.Body?.transformToByteArray()) ?? []);
        return { ...o, validParquet: bytes.subarray(-4).toString('latin1') === PARQUET_MAGIC };
      } catch (error) {
        throw actionErrorOf(error, `reading the end of s3://${this.bucket}/${o.key}`, ACTION_ERRORS.verificationFailed);
      }
    });
    for await (const o of results) checked.push(o);
    return checked;
  }

  async putJson(key: string, value: unknown): Promise<void> {
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: `${JSON.stringify(value, null, 2)}\n`,
          ContentType: 'application/json',
        }),
      );
    } catch (error) {
      throw actionErrorOf(error, `writing s3://${this.bucket}/${key}`, ACTION_ERRORS.verificationFailed);
    }
  }

  /**
   * Deletes every object under `prefix` and confirms by listing again; two rounds, so that a DeleteObjects failing
   * half-way (S3 can answer 500 after deleting some keys) is finished. What is left is returned, with S3's reason.
   */
  async deleteAllUnder(prefix: string): Promise<{ deleted: number; remaining: string[] }> {
    const before = (await this.list(prefix)).map((o) => o.key);
    const reasons = new Map<string, string>();
    let remaining = before;
    for (let round = 0; round < 2 && remaining.length > 0; round++) {
      try {
        for (const failure of await this.deleteKeys(remaining)) reasons.set(failure.split(':')[0] ?? failure, failure);
      } catch (error) {
        if (round === 1) throw error;
      }
      remaining = (await this.list(prefix)).map((o) => o.key);
    }
    return { deleted: before.length - remaining.length, remaining: remaining.map((k) => reasons.get(k) ?? k) };
  }

  /** Deletes `keys` (1,000 per request); returns the keys S3 could not delete, with the reason. */
  async deleteKeys(keys: readonly string[]): Promise<string[]> {
    const failed: string[] = [];
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      try {
        const out = await this.s3.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
          }),
        );
        for (const e of out.Errors ?? []) failed.push(`${e.Key}: ${e.Code ?? 'error'} ${e.Message ?? ''}`.trim());
      } catch (error) {
        throw actionErrorOf(
          error,
          `deleting ${batch.length} objects from s3://${this.bucket}`,
          ACTION_ERRORS.transient,
        );
      }
    }
    return failed;
  }
}
