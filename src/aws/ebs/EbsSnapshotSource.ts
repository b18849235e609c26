/**
 * The engine's BlockSource over the EBS direct APIs: lists a snapshot's blocks (or the blocks changed since a
 * parent snapshot) page by page, and reads blocks with GetSnapshotBlock, verifying each block's SHA-256 against
 * the `x-amz-Checksum` EBS sends. Every block request takes a token from the snapshot's shared rate bucket and
 * goes through one retry loop (the client's own retries must be off: see createEbsClient).
 */
import { createHash } from 'node:crypto';
import {
  type EBSClient,
  GetSnapshotBlockCommand,
  type GetSnapshotBlockCommandOutput,
  ListChangedBlocksCommand,
  ListSnapshotBlocksCommand,
} from '@aws-sdk/client-ebs';
import { BlockChecksumMismatchError } from '../../archive/errors.js';
import {
  type BlockData,
  type BlockRange,
  type BlockSource,
  type CallOptions,
  type ChangedBlock,
  EBS_BLOCK_SIZE,
  type ListedBlock,
  type ReadBlockOptions,
  type SourceInfo,
} from '../../archive/ports.js';
import { abortReason } from '../retry/Clock.js';
import { retryReason } from '../retry/retryableError.js';
import { Semaphore } from '../retry/Semaphore.js';
import { snapshotRateLimits, type TokenBucket, type TokenBucketRegistry } from '../retry/TokenBucket.js';
import { type RetryOptions, withRetries } from '../retry/withRetries.js';
import { DirectBlockReader } from './DirectBlockReader.js';
import { EbsRequestError } from './EbsAdapterError.js';

const GIB = 1024 ** 3;

/** Settings of an EBS snapshot source. */
export interface EbsSnapshotSourceOptions {
  /** A client made by createEbsClient (SDK retries off, timeouts set). */
  readonly client: EBSClient;
  readonly snapshotId: string;
  /** Block requests per second for this snapshot, shared by every source and target of it. @default 1000 */
  readonly requestsPerSecond?: number;
  /** Where the per-snapshot buckets live. @default snapshotRateLimits (process-wide) */
  readonly rateLimits?: TokenBucketRegistry;
  /** List requests per second, shared by every source in this process (EBS allows 50/s per account). @default 50 */
  readonly listRequestsPerSecond?: number;
  /** Most GetSnapshotBlock requests in flight at once. @default 64 */
  readonly maxConcurrentReads?: number;
  /** MaxResults of list requests (100–10,000). @default 10000 */
  readonly listPageSize?: number;
  /** Read blocks with signed GETs instead of the SDK's GetSnapshotBlockCommand (clients of createEbsClient only). @default true */
  readonly directReads?: boolean;
  /** Retry loop settings (attempts, delays, clock, jitter source). */
  readonly retry?: Omit<RetryOptions, 'signal' | 'classify'>;
}

/** Counts of what a source did, for logs and the benchmark. */
export interface EbsSourceCounters {
  blocksRead: number;
  retries: number;
  checksumMismatches: number;
  tokenRefreshes: number;
  /** Listings continued from the last block after their next-page token expired. */
  pageTokenRestarts: number;
  listRequests: number;
}

/** Raised inside the retry loop when a block's bytes do not match its checksum (the block is fetched again). */
class ChecksumMismatch extends Error {
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super('checksum mismatch');
  }
}

/** Reads one EBS snapshot through the EBS direct APIs. */
export class EbsSnapshotSource implements BlockSource {
  readonly snapshotId: string;
  readonly counters: EbsSourceCounters = {
    blocksRead: 0,
    retries: 0,
    checksumMismatches: 0,
    tokenRefreshes: 0,
    pageTokenRestarts: 0,
    listRequests: 0,
  };
  private readonly client: EBSClient;
  private readonly bucket: TokenBucket;
  private readonly listBucket: TokenBucket;
  private readonly reads: Semaphore;
  private readonly pageSize: number;
  private readonly retry: Omit<RetryOptions, 'signal' | 'classify'>;
  /** Tokens got by re-listing after EBS refused an expired one, by block index. */
  private readonly freshTokens = new Map<number, string>();
  private info: SourceInfo | undefined;
  /** Block buffers handed back through BlockData.release, refilled by the next reads. */
  private readonly spare: Buffer[] = [];
  private readonly maxSpare: number;
  /** GetSnapshotBlock without the SDK middleware, when the client came from createEbsClient. */
  private readonly direct: DirectBlockReader | undefined;
  /** The re-listing in flight, so reads that all hit expired tokens at once list only once. */
  private refreshing: Promise<void> | undefined;

  constructor(options: EbsSnapshotSourceOptions) {
    this.client = options.client;
    this.snapshotId = options.snapshotId;
    this.bucket = (options.rateLimits ?? snapshotRateLimits).bucket(
      options.snapshotId,
      options.requestsPerSecond ?? 1000,
    );
    this.listBucket = (options.rateLimits ?? snapshotRateLimits).bucket(
      'ebs-direct-api:list',
      options.listRequestsPerSecond ?? 50,
    );
    this.reads = new Semaphore(options.maxConcurrentReads ?? 64);
    this.maxSpare = options.maxConcurrentReads ?? 64;
    this.direct = options.directReads === false ? undefined : DirectBlockReader.for(options.client);
    this.pageSize = options.listPageSize ?? 10_000;
    this.retry = options.retry ?? {};
  }

  /** Volume size and block size, from the first list page. */
  async describe(options: CallOptions = {}): Promise<SourceInfo> {
    if (this.info) return this.info;
    const page = await this.call('ListSnapshotBlocks', undefined, options.signal, (signal) =>
      this.client.send(new ListSnapshotBlocksCommand({ SnapshotId: this.snapshotId, MaxResults: 100 }), {
        abortSignal: signal,
      }),
    );
    this.counters.listRequests++;
    this.info = {
      volumeSize: (page.VolumeSize ?? 0) * GIB,
      blockSize: page.BlockSize ?? EBS_BLOCK_SIZE,
      id: this.snapshotId,
      kind: 'ebs-snapshot',
    };
    return this.info;
  }

  /** Lists the written blocks of `range` (ListSnapshotBlocks from StartingBlockIndex, every page). */
  listBlocks(range: BlockRange, options: CallOptions = {}): AsyncIterable<ListedBlock> {
    return this.paginate(
      'ListSnapshotBlocks',
      range,
      options.signal,
      (position, signal) =>
        this.client.send(
          new ListSnapshotBlocksCommand({ SnapshotId: this.snapshotId, MaxResults: this.pageSize, ...position }),
          { abortSignal: signal },
        ),
      (page) =>
        (page.Blocks ?? []).flatMap((b) =>
          b.BlockIndex === undefined
            ? []
            : [{ index: b.BlockIndex, ...(b.BlockToken === undefined ? {} : { token: b.BlockToken }) }],
        ),
    );
  }

  /** Lists the blocks of `range` that differ from `parentId` (ListChangedBlocks, every page). */
  listChangedBlocks(parentId: string, range: BlockRange, options: CallOptions = {}): AsyncIterable<ChangedBlock> {
    return this.paginate(
      'ListChangedBlocks',
      range,
      options.signal,
      (position, signal) =>
        this.client.send(
          new ListChangedBlocksCommand({
            FirstSnapshotId: parentId,
            SecondSnapshotId: this.snapshotId,
            MaxResults: this.pageSize,
            ...position,
          }),
          { abortSignal: signal },
        ),
      (page) =>
        (page.ChangedBlocks ?? []).flatMap((b): ChangedBlock[] => {
          if (b.BlockIndex === undefined) return [];
          // No SecondBlockToken: the block exists only in the parent, so it reads as zeros now.
          return b.SecondBlockToken === undefined
            ? [{ index: b.BlockIndex, removed: true }]
            : [{ index: b.BlockIndex, token: b.SecondBlockToken, removed: false }];
        }),
    );
  }

  /**
   * Walks the pages of a listing, keeping to `range`. A next-page token lasts 60 minutes: when a slow consumer lets
   * it expire, the listing carries on from the block after the last one yielded.
   */
  private async *paginate<P extends { NextToken?: string | undefined }, T extends { index: number }>(
    operation: string,
    range: BlockRange,
    signal: AbortSignal | undefined,
    fetch: (
      position: { NextToken: string } | { StartingBlockIndex: number },
      signal: AbortSignal | undefined,
    ) => Promise<P>,
    itemsOf: (page: P) => T[],
  ): AsyncGenerator<T> {
    let nextToken: string | undefined;
    let resumeAt = range.first;
    for (;;) {
      const position = nextToken === undefined ? { StartingBlockIndex: resumeAt } : { NextToken: nextToken };
      let page: P;
      try {
        page = await this.call(operation, undefined, signal, (s) => fetch(position, s));
      } catch (error) {
        if (nextToken !== undefined && error instanceof EbsRequestError && isExpiredPageTokenError(error.cause)) {
          this.counters.pageTokenRestarts++;
          nextToken = undefined;
          continue;
        }
        throw error;
      }
      this.counters.listRequests++;
      for (const item of itemsOf(page)) {
        if (item.index < resumeAt) continue;
        if (item.index >= range.end) return;
        resumeAt = item.index + 1;
        yield item;
      }
      nextToken = page.NextToken;
      if (!nextToken) return;
    }
  }

  /**
   * Reads one block and verifies it. Throttling, 5xx, timeouts and checksum mismatches are retried with jittered
   * backoff; an expired block token is replaced by listing again. A checksum that never matches ends in
   * BlockChecksumMismatchError naming the block. With `verify: false` the bytes are not hashed here (the caller
   * does it) and only a wrong length counts as a mismatch.
   */
  async readBlock(block: ListedBlock, options: ReadBlockOptions = {}): Promise<BlockData> {
    if (block.token === undefined) {
      throw new EbsRequestError('GetSnapshotBlock', this.snapshotId, block.index, {
        cause: new Error('the listed block carries no block token'),
      });
    }
    const listedToken = block.token;
    const signal = options.signal;
    let lastMismatch: ChecksumMismatch | undefined;
    let attempts = 0;
    try {
      return await this.reads.run(
        () =>
          withRetries(
            async () => {
              attempts++;
              await this.bucket.take(signal);
              const token = this.freshTokens.get(block.index) ?? listedToken;
              try {
                return await this.fetchBlock(block.index, token, signal, options.verify ?? true);
              } catch (error) {
                if (error instanceof ChecksumMismatch) {
                  lastMismatch = error;
                  this.counters.checksumMismatches++;
                } else if (isExpiredTokenError(error)) {
                  await this.refreshTokens(block.index, token, signal);
                }
                throw error;
              }
            },
            {
              ...this.retry,
              ...(signal ? { signal } : {}),
              classify: (error) =>
                error instanceof ChecksumMismatch
                  ? 'checksum'
                  : isExpiredTokenError(error)
                    ? 'network'
                    : retryReason(error),
              onRetry: (info) => {
                this.counters.retries++;
                this.retry.onRetry?.(info);
              },
            },
          ),
        signal,
      );
    } catch (error) {
      if (signal?.aborted) throw abortReason(signal);
      if (error instanceof ChecksumMismatch && lastMismatch) {
        throw new BlockChecksumMismatchError(block.index, lastMismatch.expected, lastMismatch.actual, {
          cause: new EbsRequestError('GetSnapshotBlock', this.snapshotId, block.index, { cause: error, attempts }),
        });
      }
      throw new EbsRequestError('GetSnapshotBlock', this.snapshotId, block.index, { cause: error, attempts });
    }
  }

  private async fetchBlock(
    index: number,
    token: string,
    signal: AbortSignal | undefined,
    verify: boolean,
  ): Promise<BlockData> {
    let expected: string;
    let data: Buffer | undefined;
    if (this.direct) {
      const allocate = (length: number) =>
        (length === EBS_BLOCK_SIZE ? this.spare.pop() : undefined) ?? Buffer.allocUnsafeSlow(length);
      ({ data, checksum: expected } = await this.direct.read(this.snapshotId, index, token, allocate, signal));
    } else {
      const out = await this.client.send(
        new GetSnapshotBlockCommand({ SnapshotId: this.snapshotId, BlockIndex: index, BlockToken: token }),
        { abortSignal: signal },
      );
      if (!out.BlockData)
        throw Object.assign(new Error('GetSnapshotBlock answered without data'), { $fault: 'server' });
      expected = out.Checksum ?? '';
      data = await this.readBody(out.BlockData, out.DataLength ?? EBS_BLOCK_SIZE);
    }
    if (!data) throw new ChecksumMismatch(expected, 'a body of another length than x-amz-Data-Length');
    if (verify) {
      const actual = createHash('sha256').update(data).digest('base64');
      if (actual !== expected) {
        this.recycle(data);
        throw new ChecksumMismatch(expected, actual);
      }
    }
    this.counters.blocksRead++;
    return { data, checksum: expected, release: () => this.recycle(data) };
  }

  /**
   * Collects a block body into one buffer of the announced length (reused across blocks), without the chunk
   * array and concatenation of transformToByteArray; undefined when the body is longer or shorter than announced.
   */
  private async readBody(body: NonNullable<GetSnapshotBlockCommandOutput['BlockData']>, length: number) {
    if (!(Symbol.asyncIterator in body)) {
      const bytes = await body.transformToByteArray();
      return bytes.byteLength === length ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) : undefined;
    }
    const data = (length === EBS_BLOCK_SIZE ? this.spare.pop() : undefined) ?? Buffer.allocUnsafeSlow(length);
    let filled = 0;
    try {
      for await (const chunk of body as AsyncIterable<Uint8Array>) {
        if (filled + chunk.byteLength > length) {
          filled = -1;
          break;
        }
        data.set(chunk, filled);
        filled += chunk.byteLength;
      }
    } catch (error) {
      this.recycle(data);
      throw error;
    }
    if (filled !== length) {
      this.recycle(data);
      // Drain what is left so the socket can be reused.
      if (filled < 0) (body as { resume?: () => void }).resume?.();
      return undefined;
    }
    return data;
  }

  /** Keeps a block buffer for the next read, up to the most that can be in flight. */
  private recycle(data: Buffer): void {
    if (data.byteLength === EBS_BLOCK_SIZE && this.spare.length < this.maxSpare) this.spare.push(data);
  }

  /** Closes the sockets of direct block reads. */
  async close(): Promise<void> {
    this.direct?.close();
  }

  /**
   * Lists again from `index` to get fresh block tokens for it and the blocks after it. Skipped when another read
   * already replaced the token that failed.
   */
  private async refreshTokens(index: number, failedToken: string, signal: AbortSignal | undefined): Promise<void> {
    while (this.refreshing) await this.refreshing.catch(() => undefined);
    const current = this.freshTokens.get(index);
    if (current !== undefined && current !== failedToken) return;
    this.refreshing = this.relist(index, signal);
    try {
      await this.refreshing;
    } finally {
      this.refreshing = undefined;
    }
  }

  private async relist(index: number, signal: AbortSignal | undefined): Promise<void> {
    const page = await this.call('ListSnapshotBlocks', index, signal, (s) =>
      this.client.send(
        new ListSnapshotBlocksCommand({ SnapshotId: this.snapshotId, StartingBlockIndex: index, MaxResults: 1000 }),
        { abortSignal: s },
      ),
    );
    this.counters.listRequests++;
    this.counters.tokenRefreshes++;
    for (const b of page.Blocks ?? []) {
      if (b.BlockIndex !== undefined && b.BlockToken !== undefined) this.freshTokens.set(b.BlockIndex, b.BlockToken);
    }
  }

  /** One list call through the retry loop, failures wrapped in EbsRequestError. */
  private async call<T>(
    operation: string,
    blockIndex: number | undefined,
    signal: AbortSignal | undefined,
    send: (signal: AbortSignal | undefined) => Promise<T>,
  ): Promise<T> {
    let attempts = 0;
    try {
      return await withRetries(
        async () => {
          attempts++;
          await this.listBucket.take(signal);
          return send(signal);
        },
        {
          ...this.retry,
          ...(signal ? { signal } : {}),
          onRetry: (info) => {
            this.counters.retries++;
            this.retry.onRetry?.(info);
          },
        },
      );
    } catch (error) {
      if (signal?.aborted) throw abortReason(signal);
      throw new EbsRequestError(operation, this.snapshotId, blockIndex, { cause: error, attempts });
    }
  }
}

/** EBS refuses a next-page token that expired (60 minutes) with ValidationException reason INVALID_PAGE_TOKEN. */
function isExpiredPageTokenError(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { name?: unknown }).name === 'ValidationException' &&
    (error as { Reason?: unknown }).Reason === 'INVALID_PAGE_TOKEN'
  );
}

/** EBS refuses a block token that expired (7 days) with ValidationException reason INVALID_BLOCK_TOKEN. */
function isExpiredTokenError(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { name?: unknown }).name === 'ValidationException' &&
    (error as { Reason?: unknown }).Reason === 'INVALID_BLOCK_TOKEN'
  );
}
