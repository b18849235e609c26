/**
 * The engine's RestoreTarget over the EBS direct APIs: restores into a new EBS snapshot with StartSnapshot
 * (ClientToken for idempotency, ParentSnapshotId for incrementals), PutSnapshotBlock (base64 SHA-256 per block)
 * and CompleteSnapshot (ChangedBlocksCount and the LINEAR aggregate checksum). Block writes share the snapshot's
 * rate bucket and the single retry loop, like reads.
 *
 * EBS has no call to cancel a pending snapshot: abort stops writing, and EBS turns the snapshot into `error`
 * when its Timeout passes without CompleteSnapshot.
 */
import { randomUUID } from 'node:crypto';
import {
  CompleteSnapshotCommand,
  type EBSClient,
  PutSnapshotBlockCommand,
  StartSnapshotCommand,
  type Tag,
} from '@aws-sdk/client-ebs';
import { ArchiveAbortedError, ArchiveUsageError } from '../../archive/errors.js';
import {
  type CallOptions,
  EBS_BLOCK_SIZE,
  type RestoreCompletion,
  type RestoreStart,
  type RestoreTarget,
} from '../../archive/ports.js';
import { abortReason } from '../retry/Clock.js';
import { Semaphore } from '../retry/Semaphore.js';
import { snapshotRateLimits, type TokenBucket, type TokenBucketRegistry } from '../retry/TokenBucket.js';
import { type RetryOptions, withRetries } from '../retry/withRetries.js';
import { EbsRequestError, EbsSnapshotFailedError } from './EbsAdapterError.js';

const GIB = 1024 ** 3;

/** Settings of an EBS snapshot target. */
export interface EbsSnapshotTargetOptions {
  /** A client made by createEbsClient (SDK retries off, timeouts set). */
  readonly client: EBSClient;
  /**
   * Idempotency token of StartSnapshot: a restarted restore with the same token continues the same snapshot.
   * Use something stable, e.g. derived from the archive and restore ids. @default a random UUID
   */
  readonly clientToken?: string;
  /** Minutes EBS waits for CompleteSnapshot before failing the snapshot (10–4320). @default 1440 */
  readonly timeoutMinutes?: number;
  readonly tags?: readonly Tag[];
  /** Block requests per second for the new snapshot. @default 1000 */
  readonly requestsPerSecond?: number;
  /** @default snapshotRateLimits (process-wide) */
  readonly rateLimits?: TokenBucketRegistry;
  /** Most PutSnapshotBlock requests in flight at once. @default 64 */
  readonly maxConcurrentWrites?: number;
  readonly retry?: Omit<RetryOptions, 'signal' | 'classify'>;
}

/** Counts of what a target did. */
export interface EbsTargetCounters {
  blocksWritten: number;
  retries: number;
}

/** Writes one new EBS snapshot. One instance per restore. */
export class EbsSnapshotTarget implements RestoreTarget {
  readonly counters: EbsTargetCounters = { blocksWritten: 0, retries: 0 };
  private readonly client: EBSClient;
  private readonly options: EbsSnapshotTargetOptions;
  private readonly writes: Semaphore;
  private readonly aborter = new AbortController();
  private snapshotId: string | undefined;
  private bucket: TokenBucket | undefined;

  constructor(options: EbsSnapshotTargetOptions) {
    this.client = options.client;
    this.options = options;
    this.writes = new Semaphore(options.maxConcurrentWrites ?? 64);
  }

  /** StartSnapshot with the volume size rounded up to whole GiB; returns the new `snap-…` id. */
  async start(params: RestoreStart, options: CallOptions = {}): Promise<{ readonly id: string }> {
    if (params.blockSize !== EBS_BLOCK_SIZE) {
      throw new ArchiveUsageError(`EBS snapshots use ${EBS_BLOCK_SIZE}-byte blocks, not ${params.blockSize}`);
    }
    if (this.snapshotId) throw new ArchiveUsageError(`this target already started ${this.snapshotId}`);
    const clientToken = this.options.clientToken ?? randomUUID();
    const out = await this.call('StartSnapshot', '(new)', undefined, options.signal, (signal) =>
      this.client.send(
        new StartSnapshotCommand({
          VolumeSize: Math.max(1, Math.ceil(params.volumeSize / GIB)),
          ClientToken: clientToken,
          Timeout: this.options.timeoutMinutes ?? 1440,
          ...(params.parentSnapshotId === undefined ? {} : { ParentSnapshotId: params.parentSnapshotId }),
          ...(params.description === undefined ? {} : { Description: params.description }),
          ...(this.options.tags === undefined ? {} : { Tags: [...this.options.tags] }),
        }),
        { abortSignal: signal },
      ),
    );
    if (!out.SnapshotId) throw new EbsRequestError('StartSnapshot', '(new)', undefined, { cause: 'no SnapshotId' });
    this.snapshotId = out.SnapshotId;
    this.bucket = (this.options.rateLimits ?? snapshotRateLimits).bucket(
      out.SnapshotId,
      this.options.requestsPerSecond ?? 1000,
    );
    return { id: out.SnapshotId };
  }

  /** PutSnapshotBlock of one 512 KiB block with its base64 SHA-256; retried on throttling, 5xx and timeouts. */
  async writeBlock(index: number, data: Uint8Array, checksum: string, options: CallOptions = {}): Promise<void> {
    const snapshotId = this.started();
    if (data.length !== EBS_BLOCK_SIZE) {
      throw new ArchiveUsageError(`block ${index} has ${data.length} bytes; EBS blocks have ${EBS_BLOCK_SIZE}`);
    }
    const bucket = this.bucket!;
    await this.writes.run(
      () =>
        this.call('PutSnapshotBlock', snapshotId, index, options.signal, async (signal) => {
          await bucket.take(signal);
          return this.client.send(
            new PutSnapshotBlockCommand({
              SnapshotId: snapshotId,
              BlockIndex: index,
              BlockData: data,
              DataLength: data.length,
              Checksum: checksum,
              ChecksumAlgorithm: 'SHA256',
            }),
            { abortSignal: signal },
          );
        }),
      options.signal,
    );
    this.counters.blocksWritten++;
  }

  /** CompleteSnapshot with the block count and LINEAR checksum; a snapshot that ends in `error` throws. */
  async complete(params: RestoreCompletion, options: CallOptions = {}): Promise<{ readonly id: string }> {
    const snapshotId = this.started();
    const out = await this.call('CompleteSnapshot', snapshotId, undefined, options.signal, (signal) =>
      this.client.send(
        new CompleteSnapshotCommand({
          SnapshotId: snapshotId,
          ChangedBlocksCount: params.changedBlocksCount,
          Checksum: params.linearChecksum,
          ChecksumAlgorithm: 'SHA256',
          ChecksumAggregationMethod: 'LINEAR',
        }),
        { abortSignal: signal },
      ),
    );
    // `pending` is normal on AWS: the snapshot completes asynchronously (EC2 DescribeSnapshots shows when).
    if (out.Status === 'error') throw new EbsSnapshotFailedError(snapshotId, out.Status);
    return { id: snapshotId };
  }

  /** Stops every write in flight; the pending snapshot is left to fail at its Timeout. Never throws. */
  async abort(reason?: unknown): Promise<void> {
    this.aborter.abort(reason ?? new ArchiveAbortedError('restore aborted'));
  }

  private started(): string {
    if (this.aborter.signal.aborted) throw abortReason(this.aborter.signal);
    if (!this.snapshotId) throw new ArchiveUsageError('start() must be called before writing');
    return this.snapshotId;
  }

  /** One call through the retry loop, cancelled by the caller's signal or by abort(). */
  private async call<T>(
    operation: string,
    snapshotId: string,
    blockIndex: number | undefined,
    callerSignal: AbortSignal | undefined,
    send: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const signal = callerSignal ? AbortSignal.any([callerSignal, this.aborter.signal]) : this.aborter.signal;
    let attempts = 0;
    try {
      return await withRetries(
        () => {
          attempts++;
          return send(signal);
        },
        {
          ...this.options.retry,
          signal,
          onRetry: (info) => {
            this.counters.retries++;
            this.options.retry?.onRetry?.(info);
          },
        },
      );
    } catch (error) {
      if (signal.aborted) throw abortReason(signal);
      throw new EbsRequestError(operation, snapshotId, blockIndex, { cause: error, attempts });
    }
  }
}
