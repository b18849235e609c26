import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AccessDeniedException,
  CompleteSnapshotCommand,
  ConcurrentLimitExceededException,
  ConflictException,
  EBSClient,
  EBSServiceException,
  GetSnapshotBlockCommand,
  InternalServerException,
  ListChangedBlocksCommand,
  ListSnapshotBlocksCommand,
  PutSnapshotBlockCommand,
  RequestThrottledException,
  ResourceNotFoundException,
  StartSnapshotCommand,
  ValidationException,
} from '@aws-sdk/client-ebs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { patternBlock, writeImage } from '../../sandbox/ebs/imageFiles.js';
import { EBS_BLOCK_SIZE, type EbsStandIn, startEbsStandIn } from '../../sandbox/ebs/startEbsStandIn.js';

const GIB = 1024 ** 3;
/** Small images keep the tests quick; the volume size still rounds up to 1 GiB. */
const IMAGE_SIZE = 64 * 1024 ** 2;
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('base64');

let dir: string;
let standIn: EbsStandIn;
let ebs: EBSClient;
let clock = Date.now();
let base: string;
let child: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ebs-standin-test-'));
  await writeImage(join(dir, 'base.img'), IMAGE_SIZE, [
    [0, patternBlock('b0')],
    [1, patternBlock('b1')],
    [7, patternBlock('b7')],
  ]);
  // The child changes block 1, clears block 7 (a written block of zeros) and adds block 9.
  await writeImage(join(dir, 'child.img'), IMAGE_SIZE, [
    [0, patternBlock('b0')],
    [1, patternBlock('c1')],
    [9, patternBlock('c9')],
  ]);
  await writeImage(join(dir, 'holes.img'), 4 * GIB, []);
  standIn = await startEbsStandIn({ now: () => clock });
  base = await standIn.addSnapshot({ snapshotId: 'snap-base', imagePath: join(dir, 'base.img') });
  child = await standIn.addSnapshot({
    snapshotId: 'snap-child',
    imagePath: join(dir, 'child.img'),
    parentSnapshotId: base,
  });
  ebs = new EBSClient({
    endpoint: standIn.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  ebs?.destroy();
  await standIn?.close();
  await rm(dir, { recursive: true, force: true });
});

afterEach(() => {
  standIn.setFaults({
    serverErrorProbability: 0,
    emptyPageProbability: 0,
    wrongChecksumBlocks: [],
    rateLimitPerSnapshot: undefined,
    concurrentLimitPerSnapshot: undefined,
    deniedSnapshots: [],
  });
  standIn.startThrottleStorm(0);
});

async function listAll(snapshotId: string, maxResults?: number) {
  const blocks: { BlockIndex?: number; BlockToken?: string }[] = [];
  let pages = 0;
  let token: string | undefined;
  do {
    const page = await ebs.send(
      new ListSnapshotBlocksCommand({ SnapshotId: snapshotId, NextToken: token, MaxResults: maxResults }),
    );
    pages++;
    blocks.push(...(page.Blocks ?? []));
    token = page.NextToken;
  } while (token);
  return { blocks, pages };
}

async function readBlock(snapshotId: string, index: number, token: string) {
  const out = await ebs.send(
    new GetSnapshotBlockCommand({ SnapshotId: snapshotId, BlockIndex: index, BlockToken: token }),
  );
  const data = await out.BlockData!.transformToByteArray();
  return { data: Buffer.from(data), checksum: out.Checksum, length: out.DataLength, algorithm: out.ChecksumAlgorithm };
}

async function errorOf(promise: Promise<unknown>): Promise<EBSServiceException> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof EBSServiceException) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('the EBS stand-in, ListSnapshotBlocks', () => {
  it('lists the written (non-hole) blocks of an image in ascending order with volume and block size', async () => {
    const page = await ebs.send(new ListSnapshotBlocksCommand({ SnapshotId: base }));
    expect(page.Blocks?.map((b) => b.BlockIndex)).toEqual([0, 1, 7]);
    expect(page.VolumeSize).toBe(1);
    expect(page.BlockSize).toBe(EBS_BLOCK_SIZE);
    expect(page.ExpiryTime).toBeInstanceOf(Date);
    expect(page.ExpiryTime!.getTime()).toBeGreaterThan(clock);
    expect(page.NextToken).toBeUndefined();
  });

  it('pages through many blocks with NextToken and MaxResults, each block exactly once', async () => {
    const indexes = Array.from({ length: 250 }, (_, i) => i * 3);
    const many = await standIn.addSnapshot({ imagePath: join(dir, 'holes.img'), writtenBlocks: indexes });
    const { blocks, pages } = await listAll(many, 100);
    expect(pages).toBe(3);
    expect(blocks.map((b) => b.BlockIndex)).toEqual(indexes);
    expect(standIn.snapshot(many).volumeSizeGiB).toBe(4);
  });

  it('starts at StartingBlockIndex', async () => {
    const page = await ebs.send(new ListSnapshotBlocksCommand({ SnapshotId: base, StartingBlockIndex: 1 }));
    expect(page.Blocks?.map((b) => b.BlockIndex)).toEqual([1, 7]);
  });

  it('sometimes answers an empty page that still carries a NextToken, which leads on', async () => {
    const indexes = Array.from({ length: 150 }, (_, i) => i);
    const snap = await standIn.addSnapshot({ imagePath: join(dir, 'holes.img'), writtenBlocks: indexes });
    standIn.setFaults({ emptyPageProbability: 1 });
    const empty = await ebs.send(new ListSnapshotBlocksCommand({ SnapshotId: snap, MaxResults: 100 }));
    expect(empty.Blocks).toEqual([]);
    expect(empty.NextToken).toBeDefined();
    standIn.setFaults({ emptyPageProbability: 0 });
    const next = await ebs.send(
      new ListSnapshotBlocksCommand({ SnapshotId: snap, MaxResults: 100, NextToken: empty.NextToken }),
    );
    expect(next.Blocks?.[0]?.BlockIndex).toBe(0);
    expect(standIn.stats.faults.emptyPages).toBeGreaterThan(0);
  });

  it('rejects MaxResults outside 100–10,000 with a ValidationException', async () => {
    const error = await errorOf(ebs.send(new ListSnapshotBlocksCommand({ SnapshotId: base, MaxResults: 99 })));
    expect(error).toBeInstanceOf(ValidationException);
    expect((error as ValidationException).Reason).toBe('INVALID_PARAMETER_VALUE');
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  it('rejects a forged page token', async () => {
    const error = await errorOf(ebs.send(new ListSnapshotBlocksCommand({ SnapshotId: base, NextToken: 'abc.def' })));
    expect((error as ValidationException).Reason).toBe('INVALID_PAGE_TOKEN');
  });

  it('answers ResourceNotFoundException for an unknown snapshot', async () => {
    const error = await errorOf(ebs.send(new ListSnapshotBlocksCommand({ SnapshotId: 'snap-nope' })));
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect((error as ResourceNotFoundException).Reason).toBe('SNAPSHOT_NOT_FOUND');
    expect(error.$metadata.httpStatusCode).toBe(404);
  });
});

describe('the EBS stand-in, GetSnapshotBlock', () => {
  it('returns the block with its length and base64 SHA-256', async () => {
    const page = await ebs.send(new ListSnapshotBlocksCommand({ SnapshotId: base }));
    const listed = page.Blocks!.find((b) => b.BlockIndex === 7)!;
    const block = await readBlock(base, 7, listed.BlockToken!);
    expect(block.data.equals(patternBlock('b7'))).toBe(true);
    expect(block.length).toBe(EBS_BLOCK_SIZE);
    expect(block.checksum).toBe(sha256(patternBlock('b7')));
    expect(block.algorithm).toBe('SHA256');
  });

  it('refuses a token of another block, and every token after they expire', async () => {
    const page = await ebs.send(new ListSnapshotBlocksCommand({ SnapshotId: base }));
    const token0 = page.Blocks![0]!.BlockToken!;
    const wrong = await errorOf(readBlock(base, 1, token0));
    expect(wrong).toBeInstanceOf(ValidationException);
    expect((wrong as ValidationException).Reason).toBe('INVALID_BLOCK_TOKEN');
    standIn.expireTokens();
    const expired = await errorOf(readBlock(base, 0, token0));
    expect((expired as ValidationException).Reason).toBe('INVALID_BLOCK_TOKEN');
  });

  it('sends a wrong checksum for a chosen block as many times as asked', async () => {
    standIn.setFaults({ wrongChecksumBlocks: [{ blockIndex: 0, times: 1 }] });
    const page = await ebs.send(new ListSnapshotBlocksCommand({ SnapshotId: base }));
    const token = page.Blocks![0]!.BlockToken!;
    const first = await readBlock(base, 0, token);
    const second = await readBlock(base, 0, token);
    expect(first.checksum).not.toBe(sha256(first.data));
    expect(second.checksum).toBe(sha256(second.data));
  });
});

describe('the EBS stand-in, ListChangedBlocks', () => {
  it('lists the blocks written in the second snapshot since the first, with tokens for both sides', async () => {
    const page = await ebs.send(new ListChangedBlocksCommand({ FirstSnapshotId: base, SecondSnapshotId: child }));
    const changed = page.ChangedBlocks ?? [];
    expect(changed.map((c) => c.BlockIndex)).toEqual([1, 7, 9]);
    const [b1, b7, b9] = changed;
    expect(b1?.FirstBlockToken && b1.SecondBlockToken).toBeTruthy();
    expect(b7?.FirstBlockToken && b7.SecondBlockToken).toBeTruthy();
    expect(b9?.FirstBlockToken).toBeUndefined();
    expect(b9?.SecondBlockToken).toBeDefined();
    const newer = await readBlock(child, 1, b1!.SecondBlockToken!);
    const older = await readBlock(base, 1, b1!.FirstBlockToken!);
    expect(newer.data.equals(patternBlock('c1'))).toBe(true);
    expect(older.data.equals(patternBlock('b1'))).toBe(true);
  });

  it('lists a block present only in the first snapshot with a FirstBlockToken only', async () => {
    const page = await ebs.send(new ListChangedBlocksCommand({ FirstSnapshotId: child, SecondSnapshotId: base }));
    const b9 = page.ChangedBlocks?.find((c) => c.BlockIndex === 9);
    expect(b9?.FirstBlockToken).toBeDefined();
    expect(b9?.SecondBlockToken).toBeUndefined();
  });

  it('lists every block of the second snapshot when no first snapshot is given', async () => {
    const page = await ebs.send(new ListChangedBlocksCommand({ SecondSnapshotId: child }));
    expect(page.ChangedBlocks?.map((c) => c.BlockIndex)).toEqual([0, 1, 7, 9]);
  });

  it('refuses snapshots of different lineages', async () => {
    const other = await standIn.addSnapshot({ imagePath: join(dir, 'base.img') });
    const error = await errorOf(
      ebs.send(new ListChangedBlocksCommand({ FirstSnapshotId: other, SecondSnapshotId: child })),
    );
    expect((error as ValidationException).Reason).toBe('UNRELATED_SNAPSHOTS');
  });
});

describe('the EBS stand-in, writing snapshots', () => {
  async function put(snapshotId: string, index: number, data: Buffer, checksum = sha256(data)) {
    return ebs.send(
      new PutSnapshotBlockCommand({
        SnapshotId: snapshotId,
        BlockIndex: index,
        BlockData: data,
        DataLength: data.length,
        Checksum: checksum,
        ChecksumAlgorithm: 'SHA256',
      }),
    );
  }

  function linear(blocks: Buffer[]): string {
    const hash = createHash('sha256');
    for (const b of blocks) hash.update(createHash('sha256').update(b).digest());
    return hash.digest('base64');
  }

  it('writes, completes with the LINEAR checksum, and reads back a new snapshot', async () => {
    const started = await ebs.send(new StartSnapshotCommand({ VolumeSize: 1, ClientToken: 'restore-1', Timeout: 60 }));
    expect(started.Status).toBe('pending');
    expect(started.BlockSize).toBe(EBS_BLOCK_SIZE);
    const id = started.SnapshotId!;
    const blocks = [patternBlock('n3'), patternBlock('n5')];
    const putAnswer = await put(id, 5, blocks[1]!);
    expect(putAnswer.Checksum).toBe(sha256(blocks[1]!));
    await put(id, 3, blocks[0]!);
    const done = await ebs.send(
      new CompleteSnapshotCommand({
        SnapshotId: id,
        ChangedBlocksCount: 2,
        Checksum: linear(blocks),
        ChecksumAlgorithm: 'SHA256',
        ChecksumAggregationMethod: 'LINEAR',
      }),
    );
    expect(done.Status).toBe('completed');
    const { blocks: listed } = await listAll(id);
    expect(listed.map((b) => b.BlockIndex)).toEqual([3, 5]);
    const back = await readBlock(id, 5, listed[1]!.BlockToken!);
    expect(back.data.equals(blocks[1]!)).toBe(true);
  });

  it('returns the same snapshot for a repeated ClientToken and refuses it with other parameters', async () => {
    const a = await ebs.send(new StartSnapshotCommand({ VolumeSize: 2, ClientToken: 'same-token' }));
    const b = await ebs.send(new StartSnapshotCommand({ VolumeSize: 2, ClientToken: 'same-token' }));
    expect(b.SnapshotId).toBe(a.SnapshotId);
    const error = await errorOf(ebs.send(new StartSnapshotCommand({ VolumeSize: 3, ClientToken: 'same-token' })));
    expect(error).toBeInstanceOf(ConflictException);
  });

  it('rejects a block whose checksum does not match its data, keeping nothing of it', async () => {
    const { SnapshotId: id } = await ebs.send(new StartSnapshotCommand({ VolumeSize: 1 }));
    const error = await errorOf(put(id!, 0, patternBlock('x'), sha256(patternBlock('y'))));
    expect(error).toBeInstanceOf(ValidationException);
    expect(error.message).toMatch(/checksum/);
    expect(standIn.snapshot(id!).ownBlocks).toEqual([]);
  });

  it('rejects a block outside the volume', async () => {
    const { SnapshotId: id } = await ebs.send(new StartSnapshotCommand({ VolumeSize: 1 }));
    const error = await errorOf(put(id!, 2048, patternBlock('x')));
    expect((error as ValidationException).Reason).toBe('INVALID_BLOCK');
  });

  it('ends in error when ChangedBlocksCount or the LINEAR checksum does not match what was written', async () => {
    const { SnapshotId: wrongCount } = await ebs.send(new StartSnapshotCommand({ VolumeSize: 1 }));
    await put(wrongCount!, 0, patternBlock('a'));
    const countAnswer = await ebs.send(new CompleteSnapshotCommand({ SnapshotId: wrongCount, ChangedBlocksCount: 2 }));
    expect(countAnswer.Status).toBe('error');

    const { SnapshotId: wrongSum } = await ebs.send(new StartSnapshotCommand({ VolumeSize: 1 }));
    await put(wrongSum!, 0, patternBlock('a'));
    await put(wrongSum!, 1, patternBlock('b'));
    const sumAnswer = await ebs.send(
      new CompleteSnapshotCommand({
        SnapshotId: wrongSum,
        ChangedBlocksCount: 2,
        Checksum: linear([patternBlock('b'), patternBlock('a')]),
        ChecksumAlgorithm: 'SHA256',
        ChecksumAggregationMethod: 'LINEAR',
      }),
    );
    expect(sumAnswer.Status).toBe('error');
    expect(standIn.snapshot(wrongSum!).errorReason).toMatch(/LINEAR/);
  });

  it('writes an incremental snapshot on a parent: changed blocks are its own, content is inherited', async () => {
    const { SnapshotId: id } = await ebs.send(new StartSnapshotCommand({ VolumeSize: 1, ParentSnapshotId: base }));
    await put(id!, 7, patternBlock('i7'));
    await ebs.send(new CompleteSnapshotCommand({ SnapshotId: id, ChangedBlocksCount: 1 }));
    const changed = await ebs.send(new ListChangedBlocksCommand({ FirstSnapshotId: base, SecondSnapshotId: id }));
    expect(changed.ChangedBlocks?.map((c) => c.BlockIndex)).toEqual([7]);
    const { blocks } = await listAll(id!);
    expect(blocks.map((b) => b.BlockIndex)).toEqual([0, 1, 7]);
    const inherited = await readBlock(id!, 1, blocks[1]!.BlockToken!);
    expect(inherited.data.equals(patternBlock('b1'))).toBe(true);
  });

  it('turns a snapshot not completed within its Timeout into error', async () => {
    const { SnapshotId: id } = await ebs.send(new StartSnapshotCommand({ VolumeSize: 1, Timeout: 10 }));
    clock += 11 * 60_000;
    const error = await errorOf(put(id!, 0, patternBlock('late')));
    expect((error as ValidationException).Reason).toBe('WRITE_REQUEST_TIMEOUT');
    const answer = await ebs.send(new CompleteSnapshotCommand({ SnapshotId: id, ChangedBlocksCount: 0 }));
    expect(answer.Status).toBe('error');
  });

  it('refuses a Timeout outside 10–4320 minutes', async () => {
    const error = await errorOf(ebs.send(new StartSnapshotCommand({ VolumeSize: 1, Timeout: 5 })));
    expect(error).toBeInstanceOf(ValidationException);
  });
});

describe('the EBS stand-in, asynchronous completion', () => {
  it('keeps a snapshot pending for completionDelayMs after CompleteSnapshot, refusing further blocks', async () => {
    let now = 1_000_000;
    const slow = await startEbsStandIn({ completionDelayMs: 30_000, now: () => now });
    const client = new EBSClient({
      endpoint: slow.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      maxAttempts: 1,
    });
    try {
      const { SnapshotId: id } = await client.send(new StartSnapshotCommand({ VolumeSize: 1 }));
      const data = patternBlock('async');
      const put = (index: number) =>
        client.send(
          new PutSnapshotBlockCommand({
            SnapshotId: id,
            BlockIndex: index,
            BlockData: data,
            DataLength: data.length,
            Checksum: sha256(data),
            ChecksumAlgorithm: 'SHA256',
          }),
        );
      await put(0);
      const answer = await client.send(new CompleteSnapshotCommand({ SnapshotId: id, ChangedBlocksCount: 1 }));
      expect(answer.Status).toBe('pending');
      const late = await put(1).catch((e: unknown) => e);
      expect(late).toBeInstanceOf(ValidationException);
      const listing = await client.send(new ListSnapshotBlocksCommand({ SnapshotId: id })).catch((e: unknown) => e);
      expect(listing).toBeInstanceOf(ValidationException);
      now += 30_000;
      expect(slow.snapshot(id!).status).toBe('completed');
      const page = await client.send(new ListSnapshotBlocksCommand({ SnapshotId: id }));
      expect(page.Blocks?.map((b) => b.BlockIndex)).toEqual([0]);
    } finally {
      client.destroy();
      await slow.close();
    }
  });
});

describe('the EBS stand-in, faults', () => {
  it('throttles every request of a storm with RequestThrottledException, then answers again', async () => {
    standIn.startThrottleStorm(2);
    const first = await errorOf(ebs.send(new ListSnapshotBlocksCommand({ SnapshotId: base })));
    const second = await errorOf(ebs.send(new ListSnapshotBlocksCommand({ SnapshotId: base })));
    expect(first).toBeInstanceOf(RequestThrottledException);
    expect(second).toBeInstanceOf(RequestThrottledException);
    expect(first.$metadata.httpStatusCode).toBe(400);
    const page = await ebs.send(new ListSnapshotBlocksCommand({ SnapshotId: base }));
    expect(page.Blocks?.length).toBe(3);
  });

  it('throttles GetSnapshotBlock over the per-snapshot rate within one second (fake clock)', async () => {
    const page = await ebs.send(new ListSnapshotBlocksCommand({ SnapshotId: base }));
    const token = page.Blocks![0]!.BlockToken!;
    clock = Math.ceil(clock / 1000) * 1000 + 10;
    standIn.setFaults({ rateLimitPerSnapshot: 2 });
    await readBlock(base, 0, token);
    await readBlock(base, 0, token);
    const third = await errorOf(readBlock(base, 0, token));
    expect(third).toBeInstanceOf(RequestThrottledException);
    expect((third as RequestThrottledException).Reason).toBe('RESOURCE_LEVEL_THROTTLE');
    clock += 1000;
    const again = await readBlock(base, 0, token);
    expect(again.length).toBe(EBS_BLOCK_SIZE);
  });

  it('can answer a storm with ThrottlingException, which the SDK raises by that name', async () => {
    standIn.setFaults({ stormErrorType: 'ThrottlingException' });
    standIn.startThrottleStorm(1);
    const error = await errorOf(ebs.send(new ListSnapshotBlocksCommand({ SnapshotId: base })));
    expect(error.name).toBe('ThrottlingException');
    standIn.setFaults({ stormErrorType: 'RequestThrottledException' });
  });

  it('answers ConcurrentLimitExceededException beyond the concurrent block requests allowed per snapshot', async () => {
    const page = await ebs.send(new ListSnapshotBlocksCommand({ SnapshotId: base }));
    const token = page.Blocks![0]!.BlockToken!;
    standIn.setFaults({ concurrentLimitPerSnapshot: 2, latencyMs: 50 });
    const results = await Promise.allSettled([0, 1, 2, 3].map(() => readBlock(base, 0, token)));
    standIn.setFaults({ latencyMs: 0 });
    const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    expect(refused).toHaveLength(2);
    for (const error of refused) expect(error).toBeInstanceOf(ConcurrentLimitExceededException);
  });

  it('answers AccessDeniedException for a denied snapshot', async () => {
    standIn.setFaults({ deniedSnapshots: [base] });
    const error = await errorOf(ebs.send(new ListSnapshotBlocksCommand({ SnapshotId: base })));
    expect(error).toBeInstanceOf(AccessDeniedException);
    expect(error.$metadata.httpStatusCode).toBe(403);
    expect((error as AccessDeniedException).Reason).toBe('UNAUTHORIZED_ACCOUNT');
  });

  it('answers 5xx errors the SDK reports as server faults', async () => {
    standIn.setFaults({ serverErrorProbability: 1, seed: 7 });
    const statuses = new Set<number>();
    for (let i = 0; i < 12; i++) {
      const error = await errorOf(ebs.send(new ListSnapshotBlocksCommand({ SnapshotId: base })));
      expect(error.$fault).toBe('server');
      statuses.add(error.$metadata.httpStatusCode!);
      if (error.$metadata.httpStatusCode === 500) expect(error).toBeInstanceOf(InternalServerException);
    }
    expect([...statuses].sort()).toEqual([500, 503]);
  });
});
