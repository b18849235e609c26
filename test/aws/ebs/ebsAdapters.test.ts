import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EBSClient } from '@aws-sdk/client-ebs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { patternBlock, writeImage } from '../../../sandbox/ebs/imageFiles.js';
import { EBS_BLOCK_SIZE, type EbsStandIn, startEbsStandIn } from '../../../sandbox/ebs/startEbsStandIn.js';
import { ArchiveAbortedError, ArchiveError, BlockChecksumMismatchError } from '../../../src/archive/errors.js';
import type { ListedBlock } from '../../../src/archive/ports.js';
import { createEbsClient } from '../../../src/aws/ebs/createEbsClient.js';
import { EbsRequestError, EbsSnapshotFailedError } from '../../../src/aws/ebs/EbsAdapterError.js';
import { EbsSnapshotSource, type EbsSnapshotSourceOptions } from '../../../src/aws/ebs/EbsSnapshotSource.js';
import { EbsSnapshotTarget } from '../../../src/aws/ebs/EbsSnapshotTarget.js';
import { TokenBucketRegistry } from '../../../src/aws/retry/TokenBucket.js';

const GIB = 1024 ** 3;
/** Small images keep the tests quick; the volume size still rounds up to 1 GiB. */
const IMAGE_SIZE = 64 * 1024 ** 2;
const BASE_BLOCKS = [0, 1, 2, 3, 5, 8, 13, 21, 34, 55];
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('base64');
const fastRetry = { baseDelayMs: 1, maxDelayMs: 10, maxAttempts: 20 };

let dir: string;
let standIn: EbsStandIn;
let client: EBSClient;
let base: string;
let child: string;
let many: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ebs-adapters-test-'));
  await writeImage(
    join(dir, 'base.img'),
    IMAGE_SIZE,
    BASE_BLOCKS.map((i) => [i, patternBlock(`base-${i}`)] as const),
  );
  await writeImage(
    join(dir, 'child.img'),
    IMAGE_SIZE,
    [...BASE_BLOCKS.filter((i) => i !== 8), 100].map(
      (i) => [i, patternBlock(i === 3 || i === 100 ? `child-${i}` : `base-${i}`)] as const,
    ),
  );
  standIn = await startEbsStandIn();
  base = await standIn.addSnapshot({ imagePath: join(dir, 'base.img') });
  child = await standIn.addSnapshot({ imagePath: join(dir, 'child.img'), parentSnapshotId: base });
  many = await standIn.addSnapshot({
    imagePath: join(dir, 'base.img'),
    writtenBlocks: Array.from({ length: 250 }, (_, i) => i * 2),
  });
  client = createEbsClient({
    endpoint: standIn.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    requestTimeoutMs: 300,
  });
});

afterAll(async () => {
  client?.destroy();
  await standIn?.close();
  await rm(dir, { recursive: true, force: true });
});

afterEach(() => {
  standIn.setFaults({
    serverErrorProbability: 0,
    slowResponseProbability: 0,
    wrongChecksumBlocks: [],
    rateLimitPerSnapshot: undefined,
    emptyPageProbability: 0,
  });
  standIn.startThrottleStorm(0);
});

function source(snapshotId: string, options: Partial<EbsSnapshotSourceOptions> = {}) {
  return new EbsSnapshotSource({
    client,
    snapshotId,
    rateLimits: new TokenBucketRegistry(),
    retry: fastRetry,
    ...options,
  });
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function readAll(src: EbsSnapshotSource, blocks: readonly ListedBlock[]) {
  return Promise.all(blocks.map(async (b) => ({ index: b.index, ...(await src.readBlock(b)) })));
}

function linear(blocks: readonly { index: number; data: Uint8Array }[]): string {
  const hash = createHash('sha256');
  for (const b of [...blocks].sort((x, y) => x.index - y.index))
    hash.update(createHash('sha256').update(b.data).digest());
  return hash.digest('base64');
}

describe('EbsSnapshotSource, listing', () => {
  it('describes the volume: size in bytes, 512 KiB blocks, the snapshot id', async () => {
    expect(await source(base).describe()).toEqual({
      volumeSize: GIB,
      blockSize: EBS_BLOCK_SIZE,
      id: base,
      kind: 'ebs-snapshot',
    });
  });

  it('lists every written block once, across pages and empty pages', async () => {
    standIn.setFaults({ emptyPageProbability: 0.3, seed: 3 });
    const listed = await collect(source(many, { listPageSize: 100 }).listBlocks({ first: 0, end: 2048 }));
    expect(listed.map((b) => b.index)).toEqual(Array.from({ length: 250 }, (_, i) => i * 2));
    expect(listed.every((b) => typeof b.token === 'string')).toBe(true);
  });

  it('carries on from the last listed block when the next-page token expires mid-listing', async () => {
    const src = source(many, { listPageSize: 100 });
    const listed: number[] = [];
    for await (const block of src.listBlocks({ first: 0, end: 2048 })) {
      listed.push(block.index);
      if (listed.length === 100) standIn.expireTokens();
    }
    expect(listed).toEqual(Array.from({ length: 250 }, (_, i) => i * 2));
    expect(src.counters.pageTokenRestarts).toBe(1);
  });

  it('lists only the blocks of a shard range', async () => {
    const listed = await collect(source(many, { listPageSize: 100 }).listBlocks({ first: 101, end: 301 }));
    expect(listed.map((b) => b.index)).toEqual(Array.from({ length: 100 }, (_, i) => 102 + i * 2));
  });

  it('lists the blocks changed since a parent, marking blocks the newer snapshot lacks as removed', async () => {
    const changed = await collect(source(child).listChangedBlocks(base, { first: 0, end: 2048 }));
    expect(changed.map((c) => [c.index, c.removed])).toEqual([
      [3, false],
      [8, false],
      [100, false],
    ]);
    const reversed = await collect(source(base).listChangedBlocks(child, { first: 0, end: 2048 }));
    expect(reversed.find((c) => c.index === 100)).toEqual({ index: 100, removed: true });
  });
});

describe('EbsSnapshotSource, reading blocks', () => {
  it('reads blocks with the checksum EBS reported, equal to the image', async () => {
    const src = source(base);
    const blocks = await readAll(src, await collect(src.listBlocks({ first: 0, end: 2048 })));
    expect(blocks.map((b) => b.index)).toEqual(BASE_BLOCKS);
    for (const b of blocks) {
      expect(Buffer.from(b.data).equals(patternBlock(`base-${b.index}`))).toBe(true);
      expect(b.checksum).toBe(sha256(b.data));
    }
  });

  it('reads the same blocks through the SDK command when direct reads are off', async () => {
    const src = source(base, { directReads: false });
    const blocks = await readAll(src, await collect(src.listBlocks({ first: 0, end: 2048 })));
    expect(blocks.map((b) => b.index)).toEqual(BASE_BLOCKS);
    for (const b of blocks) expect(Buffer.from(b.data).equals(patternBlock(`base-${b.index}`))).toBe(true);
    expect(blocks.every((b) => b.checksum === sha256(b.data))).toBe(true);
  });

  it('rides out a throttling storm', async () => {
    const src = source(base);
    const listed = await collect(src.listBlocks({ first: 0, end: 2048 }));
    standIn.startThrottleStorm(25);
    const blocks = await readAll(src, listed);
    expect(blocks.every((b) => Buffer.from(b.data).equals(patternBlock(`base-${b.index}`)))).toBe(true);
    expect(src.counters.retries).toBeGreaterThanOrEqual(25);
  });

  it('rides out bursts of 5xx answers', async () => {
    const src = source(base);
    const listed = await collect(src.listBlocks({ first: 0, end: 2048 }));
    const before = standIn.stats.faults.serverErrors;
    standIn.setFaults({ serverErrorProbability: 0.4, seed: 11 });
    const blocks = await readAll(src, [...listed, ...listed, ...listed]);
    expect(blocks).toHaveLength(30);
    expect(blocks.every((b) => b.checksum === sha256(b.data))).toBe(true);
    expect(standIn.stats.faults.serverErrors - before).toBeGreaterThan(0);
  });

  it('times out slow answers and asks again', async () => {
    const src = source(base);
    const listed = await collect(src.listBlocks({ first: 0, end: 2048 }));
    standIn.setFaults({ slowResponseProbability: 0.3, slowResponseMs: 3000, seed: 5 });
    const blocks = await readAll(src, listed);
    expect(blocks.map((b) => b.index)).toEqual(BASE_BLOCKS);
    expect(standIn.stats.faults.slowResponses).toBeGreaterThan(0);
    expect(src.counters.retries).toBeGreaterThan(0);
  });

  it('fetches a block again when its checksum does not match, and returns the right bytes', async () => {
    const src = source(base);
    const [first] = await collect(src.listBlocks({ first: 5, end: 6 }));
    standIn.setFaults({ wrongChecksumBlocks: [{ snapshotId: base, blockIndex: 5, times: 2 }] });
    const block = await src.readBlock(first!);
    expect(Buffer.from(block.data).equals(patternBlock('base-5'))).toBe(true);
    expect(src.counters.checksumMismatches).toBe(2);
  });

  it('fails with BlockChecksumMismatchError naming the block when the checksum never matches', async () => {
    const src = source(base, { retry: { ...fastRetry, maxAttempts: 3 } });
    const [first] = await collect(src.listBlocks({ first: 13, end: 14 }));
    standIn.setFaults({ wrongChecksumBlocks: [{ snapshotId: base, blockIndex: 13 }] });
    const error = await src.readBlock(first!).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlockChecksumMismatchError);
    expect((error as BlockChecksumMismatchError).blockIndex).toBe(13);
    expect((error as Error).message).toMatch(/block 13/);
    expect(src.counters.checksumMismatches).toBe(3);
  });

  it('with verify: false, returns the bytes and the reported checksum unchecked, for the caller to check', async () => {
    const src = source(base);
    const [first] = await collect(src.listBlocks({ first: 21, end: 22 }));
    standIn.setFaults({ wrongChecksumBlocks: [{ snapshotId: base, blockIndex: 21, times: 1 }] });
    const block = await src.readBlock(first!, { verify: false });
    expect(Buffer.from(block.data).equals(patternBlock('base-21'))).toBe(true);
    expect(block.checksum).not.toBe(sha256(block.data));
    expect(src.counters.checksumMismatches).toBe(0);
    const again = await src.readBlock(first!, { verify: true });
    expect(again.checksum).toBe(sha256(again.data));
  });

  it('refills released block buffers instead of allocating new ones', async () => {
    const src = source(base);
    const [a, b] = await collect(src.listBlocks({ first: 0, end: 2 }));
    const first = await src.readBlock(a!);
    const memory = first.data.buffer;
    first.release?.();
    const second = await src.readBlock(b!);
    expect(second.data.buffer).toBe(memory);
    expect(Buffer.from(second.data).equals(patternBlock('base-1'))).toBe(true);
  });

  it('lists again for a fresh token when the block token has expired', async () => {
    const src = source(base);
    const listed = await collect(src.listBlocks({ first: 0, end: 2048 }));
    standIn.expireTokens();
    const blocks = await readAll(src, listed);
    expect(blocks.map((b) => b.index)).toEqual(BASE_BLOCKS);
    expect(src.counters.tokenRefreshes).toBeGreaterThanOrEqual(1);
    expect(src.counters.tokenRefreshes).toBeLessThan(BASE_BLOCKS.length);
  });

  it('stays under the stand-in rate limit when its bucket is set below it', async () => {
    // Half the stand-in's limit: a stalled event loop may release overdue requests together.
    const src = source(many, { requestsPerSecond: 25 });
    const listed = (await collect(src.listBlocks({ first: 0, end: 2048 }))).slice(0, 30);
    const throttledBefore = standIn.stats.faults.throttled;
    standIn.setFaults({ rateLimitPerSnapshot: 50 });
    await readAll(src, listed);
    expect(standIn.stats.faults.throttled - throttledBefore).toBe(0);
    expect(src.counters.retries).toBe(0);
  });

  it('fails at once, as an ArchiveError keeping the SDK error, on a snapshot that does not exist', async () => {
    const error = await source('snap-missing')
      .describe()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EbsRequestError);
    expect(error).toBeInstanceOf(ArchiveError);
    expect((error as Error).message).toMatch(/snap-missing.*1 attempt/);
    expect(((error as Error).cause as Error).name).toBe('ResourceNotFoundException');
  });

  it('retries in one loop only: the SDK client itself never retries', async () => {
    const src = source(base, { retry: { ...fastRetry, maxAttempts: 3 } });
    standIn.setFaults({ serverErrorProbability: 1 });
    const before = standIn.stats.requests.ListSnapshotBlocks ?? 0;
    const error = await src.describe().catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/after 3 attempt\(s\)/);
    expect((standIn.stats.requests.ListSnapshotBlocks ?? 0) - before).toBe(3);
    expect(await client.config.maxAttempts()).toBe(1);
  });

  it('rejects with the abort reason when cancelled', async () => {
    const src = source(base);
    const [first] = await collect(src.listBlocks({ first: 0, end: 1 }));
    standIn.startThrottleStorm(1000);
    const controller = new AbortController();
    const reading = src.readBlock(first!, { signal: controller.signal });
    setTimeout(() => controller.abort(new ArchiveAbortedError('stopped by test')), 20);
    await expect(reading).rejects.toThrow('stopped by test');
  });
});

describe('EbsSnapshotTarget', () => {
  async function restore(from: string, options: { parent?: string; only?: readonly number[] } = {}) {
    const src = source(from);
    const listed = await collect(src.listBlocks({ first: 0, end: 2048 }));
    const chosen = options.only ? listed.filter((b) => options.only?.includes(b.index)) : listed;
    const blocks = await readAll(src, chosen);
    const target = new EbsSnapshotTarget({ client, rateLimits: new TokenBucketRegistry(), retry: fastRetry });
    const { id } = await target.start({
      volumeSize: GIB,
      blockSize: EBS_BLOCK_SIZE,
      description: 'restore test',
      ...(options.parent ? { parentSnapshotId: options.parent } : {}),
    });
    await Promise.all(blocks.map((b) => target.writeBlock(b.index, b.data, b.checksum!)));
    const done = await target.complete({ changedBlocksCount: blocks.length, linearChecksum: linear(blocks) });
    return { id, done, blocks, target };
  }

  it('restores a snapshot whose blocks read back equal', async () => {
    const { id, done, blocks } = await restore(base);
    expect(done.id).toBe(id);
    expect(standIn.snapshot(id).status).toBe('completed');
    const back = source(id);
    const again = await readAll(back, await collect(back.listBlocks({ first: 0, end: 2048 })));
    expect(again.map((b) => b.index)).toEqual(blocks.map((b) => b.index));
    expect(again.every((b, i) => Buffer.from(b.data).equals(Buffer.from(blocks[i]!.data)))).toBe(true);
  });

  it('restores an incremental on a parent: only the changed blocks are written', async () => {
    const { id } = await restore(child, { parent: base, only: [3, 8, 100] });
    const changed = await collect(source(id).listChangedBlocks(base, { first: 0, end: 2048 }));
    expect(changed.map((c) => c.index)).toEqual([3, 8, 100]);
    const inherited = await source(id).readBlock((await collect(source(id).listBlocks({ first: 1, end: 2 })))[0]!);
    expect(Buffer.from(inherited.data).equals(patternBlock('base-1'))).toBe(true);
  });

  it('completes a restore through throttling and 5xx answers', async () => {
    standIn.startThrottleStorm(8);
    standIn.setFaults({ serverErrorProbability: 0.2, seed: 21 });
    const { id, target } = await restore(base);
    expect(standIn.snapshot(id).status).toBe('completed');
    expect(target.counters.retries).toBeGreaterThan(0);
  });

  it('throws EbsSnapshotFailedError when the LINEAR checksum does not match', async () => {
    const target = new EbsSnapshotTarget({ client, rateLimits: new TokenBucketRegistry(), retry: fastRetry });
    const { id } = await target.start({ volumeSize: GIB, blockSize: EBS_BLOCK_SIZE });
    const data = patternBlock('lonely');
    await target.writeBlock(0, data, sha256(data));
    const error = await target
      .complete({ changedBlocksCount: 1, linearChecksum: sha256(Buffer.from('wrong')) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EbsSnapshotFailedError);
    expect(standIn.snapshot(id).status).toBe('error');
  });

  it('continues the same snapshot when started again with the same client token', async () => {
    const options = { client, clientToken: 'restore-abc', rateLimits: new TokenBucketRegistry(), retry: fastRetry };
    const first = await new EbsSnapshotTarget(options).start({ volumeSize: GIB, blockSize: EBS_BLOCK_SIZE });
    const second = await new EbsSnapshotTarget(options).start({ volumeSize: GIB, blockSize: EBS_BLOCK_SIZE });
    expect(second.id).toBe(first.id);
  });

  it('stops writing after abort, without throwing, and leaves the snapshot pending', async () => {
    const target = new EbsSnapshotTarget({ client, rateLimits: new TokenBucketRegistry(), retry: fastRetry });
    const { id } = await target.start({ volumeSize: GIB, blockSize: EBS_BLOCK_SIZE });
    await expect(target.abort(new Error('user cancelled'))).resolves.toBeUndefined();
    const data = patternBlock('late');
    await expect(target.writeBlock(0, data, sha256(data))).rejects.toThrow('user cancelled');
    expect(standIn.snapshot(id).status).toBe('pending');
    expect(standIn.snapshot(id).ownBlocks).toEqual([]);
  });

  it('refuses blocks that are not 512 KiB', async () => {
    const target = new EbsSnapshotTarget({ client, rateLimits: new TokenBucketRegistry() });
    await target.start({ volumeSize: GIB, blockSize: EBS_BLOCK_SIZE });
    await expect(target.writeBlock(0, new Uint8Array(10), 'x')).rejects.toThrow(/512|524288/);
  });
});
