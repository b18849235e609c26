/**
 * An S3 archive store for single streams of unknown, possibly multi-terabyte length (a file archive's
 * `files.tar.zst`): multipart uploads whose parts grow as the stream goes on, so 10,000 parts carry ~7.6 TiB while
 * small streams still start with small parts; and memory bounded by the bytes in flight, not by the stream.
 *
 * `aws s3 cp - s3://…` picks one part size from an expected size it cannot know for a pipe, and fails past about
 * 50 GB; here part n is `base + floor((n-1)/every) × step` bytes. Reads, listings and deletes are S3ArchiveStore's.
 */
import {
  AbortMultipartUploadCommand,
  type CompletedPart,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  type S3Client,
  type StorageClass,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { ArchiveUsageError } from '../../archive/errors.js';
import type { ArchiveStore, CallOptions, GetOptions, PutOptions, StoredObject } from '../../archive/ports.js';
import { abortReason } from '../retry/Clock.js';
import { withRetries } from '../retry/withRetries.js';
import { S3ArchiveStore, S3StoreError } from './S3ArchiveStore.js';

const MIB = 1024 * 1024;
const MAX_PARTS = 10_000;
const MAX_PART_SIZE = 5 * 1024 * MIB;

/** How part sizes grow: part n (1-based) is `base + floor((n-1)/every) × step` bytes, at most 5 GiB. */
export interface PartSchedule {
  readonly baseBytes: number;
  readonly stepBytes: number;
  readonly every: number;
}

/** 8 MiB parts for the first 100 (800 MiB), then 16 MiB more every 100 parts: 10,000 parts hold ~7.6 TiB. */
export const DEFAULT_PART_SCHEDULE: PartSchedule = { baseBytes: 8 * MIB, stepBytes: 16 * MIB, every: 100 };

/** Bytes of part `partNumber` (1-based). */
export function partSize(partNumber: number, schedule: PartSchedule = DEFAULT_PART_SCHEDULE): number {
  const grown = schedule.baseBytes + Math.floor((partNumber - 1) / schedule.every) * schedule.stepBytes;
  return Math.min(MAX_PART_SIZE, grown);
}

/** The largest stream 10,000 parts of `schedule` carry. */
export function maxStreamBytes(schedule: PartSchedule = DEFAULT_PART_SCHEDULE): number {
  let total = 0;
  for (let n = 1; n <= MAX_PARTS; n++) total += partSize(n, schedule);
  return total;
}

/** Settings of a growing-part store. */
export interface GrowingPartS3StoreOptions {
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix?: string;
  readonly storageClass?: StorageClass;
  /** @default DEFAULT_PART_SCHEDULE */
  readonly schedule?: PartSchedule;
  /** Part bytes uploading at once (at least one part, whatever its size). @default 256 MiB */
  readonly maxBytesInFlight?: number;
  /** Attempts per request. @default 8 */
  readonly maxAttempts?: number;
}

/** S3ArchiveStore for reading; growing multipart uploads for writing. */
export class GrowingPartS3Store implements ArchiveStore {
  readonly location: string;
  readonly counters = { partsUploaded: 0, uploadsAborted: 0, largestPart: 0 };
  private readonly inner: S3ArchiveStore;
  private readonly prefix: string;
  private readonly schedule: PartSchedule;

  constructor(private readonly options: GrowingPartS3StoreOptions) {
    this.schedule = options.schedule ?? DEFAULT_PART_SCHEDULE;
    if (this.schedule.baseBytes < 5 * MIB) throw new ArchiveUsageError('S3 parts must be at least 5 MiB');
    this.inner = new S3ArchiveStore({
      client: options.client,
      bucket: options.bucket,
      ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
      ...(options.storageClass === undefined ? {} : { storageClass: options.storageClass }),
    });
    this.location = this.inner.location;
    this.prefix = this.location.slice(`s3://${options.bucket}/`.length);
  }

  get(key: string, options?: GetOptions): Promise<AsyncIterable<Uint8Array>> {
    return this.inner.get(key, options);
  }

  head(key: string, options?: CallOptions): Promise<StoredObject | undefined> {
    return this.inner.head(key, options);
  }

  list(prefix: string, options?: CallOptions): AsyncIterable<StoredObject> {
    return this.inner.list(prefix, options);
  }

  delete(key: string, options?: CallOptions): Promise<void> {
    return this.inner.delete(key, options);
  }

  /** Streams `body` into one object: PutObject if it ends within the first part, else a growing multipart upload. */
  async put(key: string, body: AsyncIterable<Uint8Array>, options: PutOptions = {}): Promise<StoredObject> {
    const parts = this.partsOf(body)[Symbol.asyncIterator]();
    const first = await parts.next();
    if (first.done || first.value.length < partSize(1, this.schedule)) {
      await parts.return?.(undefined);
      return this.inner.put(key, oneChunk(first.done ? Buffer.alloc(0) : first.value), options);
    }
    const fullKey = this.prefix + key;
    const controller = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
    const created = await this.send('CreateMultipartUpload', fullKey, signal, (s) =>
      this.options.client.send(
        new CreateMultipartUploadCommand({
          Bucket: this.options.bucket,
          Key: fullKey,
          ContentType: 'application/octet-stream',
          ChecksumAlgorithm: 'CRC32',
          ...(this.options.storageClass ? { StorageClass: this.options.storageClass } : {}),
        }),
        { abortSignal: s },
      ),
    );
    const uploadId = created.UploadId;
    if (!uploadId) throw new S3StoreError('CreateMultipartUpload', fullKey, { cause: 'no UploadId in the answer' });
    const limit = this.options.maxBytesInFlight ?? 256 * MIB;
    const completed: CompletedPart[] = [];
    const inFlight = new Map<Promise<void>, number>();
    let bytesInFlight = 0;
    let failure: { error: unknown } | undefined;
    let size = 0;
    let number = 0;
    const upload = (data: Buffer) => {
      number++;
      if (number > MAX_PARTS) throw new ArchiveUsageError(`${key} needs more than ${MAX_PARTS} parts`);
      const partNumber = number;
      size += data.length;
      this.counters.largestPart = Math.max(this.counters.largestPart, data.length);
      bytesInFlight += data.length;
      const task = this.send('UploadPart', fullKey, signal, (s) =>
        this.options.client.send(
          new UploadPartCommand({
            Bucket: this.options.bucket,
            Key: fullKey,
            UploadId: uploadId,
            PartNumber: partNumber,
            Body: data,
            ContentLength: data.length,
            ChecksumAlgorithm: 'CRC32',
          }),
          { abortSignal: s },
        ),
      ).then(
        (out) => {
          completed.push({
            PartNumber: partNumber,
            ETag: out.ETag,
            ...(out.ChecksumCRC32 === undefined ? {} : { ChecksumCRC32: out.ChecksumCRC32 }),
          });
          this.counters.partsUploaded++;
          options.onProgress?.(data.length);
        },
        (error: unknown) => {
          failure ??= { error };
          controller.abort(error);
        },
      );
      const tracked: Promise<void> = task.finally(() => {
        bytesInFlight -= data.length;
        inFlight.delete(tracked);
      });
      inFlight.set(tracked, data.length);
    };
    try {
      upload(first.value);
      for (;;) {
        // Room for the next part: at least one part always uploads, whatever its size.
        const next = partSize(number + 1, this.schedule);
        while (inFlight.size > 0 && bytesInFlight + next > limit && !failure) await Promise.race(inFlight.keys());
        if (failure) break;
        if (signal.aborted) throw abortReason(signal);
        const part = await parts.next();
        if (part.done) break;
        upload(part.value);
      }
      await Promise.all(inFlight.keys());
      if (failure) throw failure.error;
      if (signal.aborted) throw abortReason(signal);
      completed.sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
      await this.send('CompleteMultipartUpload', fullKey, signal, (s) =>
        this.options.client.send(
          new CompleteMultipartUploadCommand({
            Bucket: this.options.bucket,
            Key: fullKey,
            UploadId: uploadId,
            MultipartUpload: { Parts: completed },
          }),
          { abortSignal: s },
        ),
      );
      return { key, size };
    } catch (error) {
      controller.abort(error);
      parts.return?.(undefined).catch(() => undefined);
      await Promise.allSettled(inFlight.keys());
      await this.send('AbortMultipartUpload', fullKey, undefined, (s) =>
        this.options.client.send(
          new AbortMultipartUploadCommand({ Bucket: this.options.bucket, Key: fullKey, UploadId: uploadId }),
          { abortSignal: s },
        ),
      ).then(
        () => this.counters.uploadsAborted++,
        () => undefined, // left to the bucket's AbortIncompleteMultipartUpload lifecycle rule
      );
      if (options.signal?.aborted) throw abortReason(options.signal);
      throw error;
    }
  }

  /** Cuts the stream into parts of the schedule's growing sizes (the last may be shorter). */
  private async *partsOf(body: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
    let number = 1;
    let want = partSize(number, this.schedule);
    let chunks: Uint8Array[] = [];
    let buffered = 0;
    for await (const chunk of body) {
      chunks.push(chunk);
      buffered += chunk.length;
      while (buffered >= want) {
        const all = Buffer.concat(chunks, buffered);
        chunks = [];
        yield all.subarray(0, want);
        const rest = all.subarray(want);
        if (rest.length > 0) chunks.push(rest);
        buffered = rest.length;
        number++;
        want = partSize(number, this.schedule);
      }
    }
    if (buffered > 0 || number === 1) yield Buffer.concat(chunks, buffered);
  }

  private async send<T>(
    operation: string,
    fullKey: string,
    signal: AbortSignal | undefined,
    call: (signal: AbortSignal | undefined) => Promise<T>,
  ): Promise<T> {
    try {
      return await withRetries(() => call(signal), {
        maxAttempts: this.options.maxAttempts ?? 8,
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (signal?.aborted) throw abortReason(signal);
      throw new S3StoreError(operation, fullKey, { cause: error });
    }
  }
}

async function* oneChunk(data: Uint8Array): AsyncGenerator<Uint8Array> {
  yield data;
}
