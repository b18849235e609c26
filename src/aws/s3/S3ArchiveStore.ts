/**
 * The engine's ArchiveStore over S3 (or any S3-compatible store): objects under a bucket prefix, written with
 * multipart uploads whose parts stream from the caller with bounded memory, read back whole or by byte range.
 *
 * A put either completes or leaves nothing: on any failure or abort the multipart upload is aborted, so no
 * half-written object and no orphaned parts (which S3 would bill) remain. Each request goes through one retry loop
 * (the client's own retries must be off: see createS3Client); parts are buffers, so retrying one is safe.
 */
import {
  AbortMultipartUploadCommand,
  type ChecksumAlgorithm,
  type CompletedPart,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  type ServerSideEncryption,
  type StorageClass,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { ArchiveError, ArchiveObjectNotFoundError, ArchiveUsageError } from '../../archive/errors.js';
import type { ArchiveStore, CallOptions, GetOptions, PutOptions, StoredObject } from '../../archive/ports.js';
import { abortReason } from '../retry/Clock.js';
import { retryReason } from '../retry/retryableError.js';
import { type RetryOptions, withRetries } from '../retry/withRetries.js';

const MIB = 1024 * 1024;
/** S3 refuses parts under 5 MiB (except the last) and uploads of more than 10,000 parts. */
const MIN_PART_SIZE = 5 * MIB;
const MAX_PARTS = 10_000;

/** Settings of an S3 archive store. */
export interface S3ArchiveStoreOptions {
  /** A client made by createS3Client (SDK retries off, timeouts set). */
  readonly client: S3Client;
  readonly bucket: string;
  /** Key prefix every object lives under ('' or ending in '/'; a missing '/' is added). @default '' */
  readonly prefix?: string;
  /**
   * Bytes per part (≥ 5 MiB). Objects hold at most 10,000 parts, so 8 MiB parts allow objects up to ~78 GiB;
   * parts ≤ 10 MiB work against every local stand-in. @default 8 MiB
   */
  readonly partSizeBytes?: number;
  /**
   * Bytes of part n (1-based), for streams of unknown length whose parts grow (GrowingPartS3Store); replaces
   * `partSizeBytes`. Each at least 5 MiB, at most 5 GiB.
   */
  readonly partSizes?: (partNumber: number) => number;
  /** Parts uploaded at once; memory stays under (this + 2) × part size. @default 4 */
  readonly maxConcurrentParts?: number;
  /** Part bytes uploading at once, besides `maxConcurrentParts` (at least one part always). @default no limit */
  readonly maxBytesInFlight?: number;
  /** Storage class of new objects, e.g. DEEP_ARCHIVE or GLACIER_IR for archives. @default STANDARD (S3's default) */
  readonly storageClass?: StorageClass;
  /** Server-side encryption of new objects; with 'aws:kms' also `kmsKeyId`. @default the bucket's default */
  readonly serverSideEncryption?: ServerSideEncryption;
  readonly kmsKeyId?: string;
  /** Checksum S3 verifies for every part and PutObject. @default 'CRC32' */
  readonly checksumAlgorithm?: ChecksumAlgorithm;
  /** Keys per ListObjectsV2 page (1–1,000). @default 1000 */
  readonly listPageSize?: number;
  readonly retry?: Omit<RetryOptions, 'signal' | 'classify'>;
}

/** An S3 request failed for good (not retryable, or still failing after every retry). */
export class S3StoreError extends ArchiveError {
  constructor(
    readonly operation: string,
    readonly key: string,
    options: { cause: unknown },
  ) {
    const cause =
      options.cause instanceof Error ? `${options.cause.name}: ${options.cause.message}` : String(options.cause);
    super(`S3 ${operation} of ${key} failed: ${cause}`, options);
  }
}

/** Counts of what a store did. */
export interface S3StoreCounters {
  partsUploaded: number;
  uploadsAborted: number;
  /** GETs continued with a ranged GET after their stream broke. */
  resumedReads: number;
  retries: number;
  /** Bytes of the largest part uploaded. */
  largestPart: number;
}

/** Archives in an S3 bucket under a prefix. */
export class S3ArchiveStore implements ArchiveStore {
  readonly location: string;
  readonly counters: S3StoreCounters = {
    partsUploaded: 0,
    uploadsAborted: 0,
    retries: 0,
    resumedReads: 0,
    largestPart: 0,
  };
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  /** Bytes of part n (1-based). */
  private readonly partSize: (partNumber: number) => number;
  private readonly maxConcurrentParts: number;
  private readonly maxBytesInFlight: number;
  private readonly options: S3ArchiveStoreOptions;

  constructor(options: S3ArchiveStoreOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    const prefix = options.prefix ?? '';
    this.prefix = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
    const fixed = options.partSizeBytes ?? 8 * MIB;
    this.partSize = options.partSizes ?? (() => fixed);
    if (this.partSize(1) < MIN_PART_SIZE) throw new ArchiveUsageError(`S3 parts must be at least 5 MiB`);
    this.maxConcurrentParts = Math.max(1, options.maxConcurrentParts ?? 4);
    this.maxBytesInFlight = options.maxBytesInFlight ?? Number.POSITIVE_INFINITY;
    this.options = options;
    this.location = `s3://${this.bucket}/${this.prefix}`;
  }

  /** Streams `body` into one object: a PutObject when it fits in one part, else a multipart upload. */
  async put(key: string, body: AsyncIterable<Uint8Array>, options: PutOptions = {}): Promise<StoredObject> {
    const fullKey = this.keyOf(key);
    const signal = options.signal;
    const parts = partsOf(body, this.partSize)[Symbol.asyncIterator]();
    try {
      const first = await nextOrAbort(parts, signal);
      const second = first.done ? first : await nextOrAbort(parts, signal);
      if (second.done) {
        const data = first.done ? Buffer.alloc(0) : first.value;
        await this.send('PutObject', fullKey, signal, (s) =>
          this.client.send(
            new PutObjectCommand({ Bucket: this.bucket, Key: fullKey, Body: data, ...this.writeParams() }),
            { abortSignal: s },
          ),
        );
        options.onProgress?.(data.length);
        return { key, size: data.length };
      }
      return await this.multipart(key, fullKey, [first.value as Buffer, second.value], parts, options);
    } catch (error) {
      // Not awaited: a source stuck in a read would keep the generator (and this rejection) waiting.
      parts.return?.(undefined).catch(() => undefined);
      if (signal?.aborted) throw abortReason(signal);
      throw error;
    }
  }

  /**
   * Streams an object, or the half-open byte range `[start, end)` of it. When the connection breaks mid-stream, the
   * read resumes with a ranged GET from the next byte, pinned to the same object version by `If-Match` on its ETag.
   */
  async get(key: string, options: GetOptions = {}): Promise<AsyncIterable<Uint8Array>> {
    const fullKey = this.keyOf(key);
    const range = options.range;
    if (range && !(range.end > range.start && range.start >= 0)) {
      throw new ArchiveUsageError(`empty or negative range ${range.start}–${range.end} of ${key}`);
    }
    try {
      const out = await this.getObject(fullKey, range?.start ?? 0, range?.end, undefined, options.signal);
      return this.resumingBody(fullKey, out, range?.start ?? 0, range?.end, options.signal);
    } catch (error) {
      if (isNotFound(error)) throw new ArchiveObjectNotFoundError(key, { cause: error });
      throw error;
    }
  }

  /** Size of an object, or undefined when it does not exist. */
  async head(key: string, options: CallOptions = {}): Promise<StoredObject | undefined> {
    const fullKey = this.keyOf(key);
    try {
      const out = await this.send('HeadObject', fullKey, options.signal, (s) =>
        this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: fullKey }), { abortSignal: s }),
      );
      return { key, size: out.ContentLength ?? 0 };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Lists objects whose key starts with `prefix`, ascending, page by page. */
  async *list(prefix: string, options: CallOptions = {}): AsyncIterable<StoredObject> {
    const fullPrefix = this.keyOf(prefix);
    let token: string | undefined;
    do {
      const continuation = token;
      const page = await this.send('ListObjectsV2', fullPrefix, options.signal, (s) =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: fullPrefix,
            MaxKeys: this.options.listPageSize ?? 1000,
            ...(continuation === undefined ? {} : { ContinuationToken: continuation }),
          }),
          { abortSignal: s },
        ),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined) continue;
        yield { key: object.Key.slice(this.prefix.length), size: object.Size ?? 0 };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /** Deletes an object; a missing object is not an error. */
  async delete(key: string, options: CallOptions = {}): Promise<void> {
    const fullKey = this.keyOf(key);
    try {
      await this.send('DeleteObject', fullKey, options.signal, (s) =>
        this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: fullKey }), { abortSignal: s }),
      );
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  private async getObject(
    fullKey: string,
    start: number,
    end: number | undefined,
    etag: string | undefined,
    signal: AbortSignal | undefined,
  ) {
    const ranged = start > 0 || end !== undefined;
    const out = await this.send('GetObject', fullKey, signal, (s) =>
      this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: fullKey,
          ...(ranged ? { Range: `bytes=${start}-${end === undefined ? '' : end - 1}` } : {}),
          ...(etag === undefined ? {} : { IfMatch: etag }),
        }),
        { abortSignal: s },
      ),
    );
    if (!out.Body) throw new S3StoreError('GetObject', fullKey, { cause: 'no body in the answer' });
    return out;
  }

  /** The body of a GET, continued by ranged GETs from the next byte when the stream breaks on the way. */
  private async *resumingBody(
    fullKey: string,
    first: Awaited<ReturnType<S3ArchiveStore['getObject']>>,
    start: number,
    end: number | undefined,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<Uint8Array> {
    const maxResumes = this.options.retry?.maxAttempts ?? 8;
    let out = first;
    let offset = start;
    let resumes = 0;
    for (;;) {
      try {
        for await (const chunk of out.Body as AsyncIterable<Uint8Array>) {
          offset += chunk.length;
          yield chunk;
        }
        return;
      } catch (error) {
        if (signal?.aborted) throw abortReason(signal);
        if (retryReason(error) === undefined || resumes >= maxResumes) {
          throw new S3StoreError('GetObject', fullKey, { cause: error });
        }
      }
      resumes++;
      this.counters.resumedReads++;
      if (end !== undefined && offset >= end) return;
      out = await this.getObject(fullKey, offset, end, first.ETag, signal);
    }
  }

  private async multipart(
    key: string,
    fullKey: string,
    firstParts: Buffer[],
    rest: AsyncIterator<Buffer>,
    options: PutOptions,
  ): Promise<StoredObject> {
    // One controller for the whole upload: a failing part, or the caller, stops every other part.
    const controller = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
    const created = await this.send('CreateMultipartUpload', fullKey, signal, (s) =>
      this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: fullKey, ...this.writeParams() }), {
        abortSignal: s,
      }),
    );
    const uploadId = created.UploadId;
    if (!uploadId) throw new S3StoreError('CreateMultipartUpload', fullKey, { cause: 'no UploadId in the answer' });
    const completed: CompletedPart[] = [];
    const inFlight = new Set<Promise<void>>();
    let failure: { error: unknown } | undefined;
    let size = 0;
    let partNumber = 0;
    let bytesInFlight = 0;
    const upload = (data: Buffer) => {
      partNumber++;
      if (partNumber > MAX_PARTS) {
        throw new ArchiveUsageError(`${key} needs more than ${MAX_PARTS} parts: raise the part size`);
      }
      const number = partNumber;
      size += data.length;
      bytesInFlight += data.length;
      this.counters.largestPart = Math.max(this.counters.largestPart, data.length);
      const task = this.uploadPart(fullKey, uploadId, number, data, signal).then(
        (part) => {
          completed.push(part);
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
      inFlight.add(tracked);
    };
    // Room for the next part: fewer than maxConcurrentParts uploading and its bytes within maxBytesInFlight.
    const full = () =>
      inFlight.size > 0 &&
      (inFlight.size >= this.maxConcurrentParts ||
        bytesInFlight + this.partSize(partNumber + 1) > this.maxBytesInFlight);
    try {
      for (const data of firstParts) upload(data);
      for (;;) {
        while (full() && !failure) await Promise.race(inFlight);
        if (failure) break;
        if (signal.aborted) throw abortReason(signal);
        const next = await nextOrAbort(rest, signal);
        if (next.done) break;
        upload(next.value);
      }
      await Promise.all(inFlight);
      if (failure) throw failure.error;
      if (signal.aborted) throw abortReason(signal);
      completed.sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
      await this.send('CompleteMultipartUpload', fullKey, signal, (s) =>
        this.client.send(
          new CompleteMultipartUploadCommand({
            Bucket: this.bucket,
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
      await Promise.allSettled(inFlight);
      await this.abortUpload(fullKey, uploadId);
      throw error;
    }
  }

  private async uploadPart(
    fullKey: string,
    uploadId: string,
    partNumber: number,
    data: Buffer,
    signal: AbortSignal,
  ): Promise<CompletedPart> {
    const algorithm = this.options.checksumAlgorithm ?? 'CRC32';
    const out = await this.send('UploadPart', fullKey, signal, (s) =>
      this.client.send(
        new UploadPartCommand({
          Bucket: this.bucket,
          Key: fullKey,
          UploadId: uploadId,
          PartNumber: partNumber,
          Body: data,
          ContentLength: data.length,
          ChecksumAlgorithm: algorithm,
        }),
        { abortSignal: s },
      ),
    );
    return {
      PartNumber: partNumber,
      ETag: out.ETag,
      ...(out.ChecksumCRC32 === undefined ? {} : { ChecksumCRC32: out.ChecksumCRC32 }),
      ...(out.ChecksumCRC32C === undefined ? {} : { ChecksumCRC32C: out.ChecksumCRC32C }),
      ...(out.ChecksumSHA1 === undefined ? {} : { ChecksumSHA1: out.ChecksumSHA1 }),
      ...(out.ChecksumSHA256 === undefined ? {} : { ChecksumSHA256: out.ChecksumSHA256 }),
    };
  }

  /** AbortMultipartUpload, retried; never throws, since it runs while another error is on its way out. */
  private async abortUpload(fullKey: string, uploadId: string): Promise<void> {
    try {
      await this.send('AbortMultipartUpload', fullKey, undefined, (s) =>
        this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: fullKey, UploadId: uploadId }), {
          abortSignal: s,
        }),
      );
      this.counters.uploadsAborted++;
    } catch {
      // Left for the bucket's AbortIncompleteMultipartUpload lifecycle rule, which the archive bucket has.
    }
  }

  private writeParams() {
    const o = this.options;
    return {
      ContentType: 'application/octet-stream',
      ChecksumAlgorithm: o.checksumAlgorithm ?? 'CRC32',
      ...(o.storageClass === undefined ? {} : { StorageClass: o.storageClass }),
      ...(o.serverSideEncryption === undefined ? {} : { ServerSideEncryption: o.serverSideEncryption }),
      ...(o.kmsKeyId === undefined ? {} : { SSEKMSKeyId: o.kmsKeyId }),
    };
  }

  private keyOf(key: string): string {
    if (key.startsWith('/')) throw new ArchiveUsageError(`keys are relative to the store: ${key}`);
    return this.prefix + key;
  }

  /** One request through the retry loop; not-found answers pass through unwrapped for the callers to map. */
  private async send<T>(
    operation: string,
    fullKey: string,
    signal: AbortSignal | undefined,
    call: (signal: AbortSignal | undefined) => Promise<T>,
  ): Promise<T> {
    try {
      return await withRetries(() => call(signal), {
        ...this.options.retry,
        ...(signal ? { signal } : {}),
        onRetry: (info) => {
          this.counters.retries++;
          this.options.retry?.onRetry?.(info);
        },
      });
    } catch (error) {
      if (signal?.aborted) throw abortReason(signal);
      if (isNotFound(error) || error instanceof ArchiveError) throw error;
      throw new S3StoreError(operation, fullKey, { cause: error });
    }
  }
}

/** The iterator's next item, or the abort reason as soon as the signal fires (a source may never yield again). */
function nextOrAbort<T>(iterator: AsyncIterator<T>, signal: AbortSignal | undefined): Promise<IteratorResult<T>> {
  if (!signal) return iterator.next();
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    iterator.next().then(
      (result) => {
        signal.removeEventListener('abort', onAbort);
        resolve(result);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Cuts a stream of chunks of any size into buffers of exactly `partSize(n)` bytes (the last may be shorter). */
async function* partsOf(
  body: AsyncIterable<Uint8Array>,
  partSize: (partNumber: number) => number,
): AsyncGenerator<Buffer> {
  let chunks: Uint8Array[] = [];
  let buffered = 0;
  let number = 1;
  let want = partSize(number);
  for await (const chunk of body) {
    chunks.push(chunk);
    buffered += chunk.length;
    while (buffered >= want) {
      const all = Buffer.concat(chunks, buffered);
      yield all.subarray(0, want);
      const rest = all.subarray(want);
      chunks = rest.length > 0 ? [rest] : [];
      buffered = rest.length;
      want = partSize(++number);
    }
  }
  if (buffered > 0) yield Buffer.concat(chunks, buffered);
}

function isNotFound(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { name?: unknown; $metadata?: { httpStatusCode?: unknown } };
  // A missing bucket is a configuration error, not a missing object.
  if (e.name === 'NoSuchBucket') return false;
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}
