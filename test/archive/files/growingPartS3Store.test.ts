import { randomBytes } from 'node:crypto';
import { ListMultipartUploadsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3StandIn, startS3StandIn } from '../../../sandbox/s3/startS3StandIn.js';
import { createS3Client } from '../../../src/aws/s3/createS3Client.js';
import {
  DEFAULT_PART_SCHEDULE,
  GrowingPartS3Store,
  maxStreamBytes,
  partSize,
} from '../../../src/aws/s3/GrowingPartS3Store.js';

const MIB = 1024 * 1024;
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
let s3: S3StandIn;
let client: S3Client;
let check: S3Client;

beforeAll(async () => {
  s3 = await startS3StandIn();
  client = createS3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
  check = new S3Client({ endpoint: s3.endpoint, forcePathStyle: true, region: 'us-east-1', credentials });
});

afterAll(async () => {
  client?.destroy();
  check?.destroy();
  await s3?.close();
});

async function* chunks(data: Buffer, size = 1_000_000): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
}

async function read(store: GrowingPartS3Store, key: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of await store.get(key)) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

describe('the growing part schedule', () => {
  it('starts at 8 MiB and grows by 16 MiB every 100 parts, so 10,000 parts carry more than 7 TiB', () => {
    expect(partSize(1)).toBe(8 * MIB);
    expect(partSize(100)).toBe(8 * MIB);
    expect(partSize(101)).toBe(24 * MIB);
    expect(partSize(10_000)).toBe(8 * MIB + 99 * 16 * MIB);
    expect(maxStreamBytes(DEFAULT_PART_SCHEDULE)).toBeGreaterThan(7 * 1024 ** 4);
    // A 50 GB stream (where `aws s3 cp -` gives up) needs well under 10,000 parts.
    let total = 0;
    let n = 0;
    while (total < 50e9) total += partSize(++n);
    expect(n).toBeLessThan(1000);
  });

  it('never goes past S3 5 GiB part limit', () => {
    expect(partSize(10_000, { baseBytes: 8 * MIB, stepBytes: 1024 * MIB, every: 1 })).toBe(5 * 1024 * MIB);
  });
});

describe('GrowingPartS3Store against the S3 stand-in', () => {
  const schedule = { baseBytes: 5 * MIB, stepBytes: 1 * MIB, every: 1 };

  it('uploads a stream of unknown length in growing parts and reads it back', async () => {
    const store = new GrowingPartS3Store({ client, bucket: 'vaultpilot-archive', prefix: 'grow/', schedule });
    const data = randomBytes(20 * MIB);
    const put = await store.put('stream.bin', chunks(data));
    expect(put.size).toBe(data.length);
    // 5 + 6 + 7 MiB, then the rest (2 MiB).
    expect(store.counters.partsUploaded).toBe(4);
    expect(store.counters.largestPart).toBe(7 * MIB);
    expect((await read(store, 'stream.bin')).equals(data)).toBe(true);
  });

  it('stores a stream shorter than the first part with one PutObject', async () => {
    const store = new GrowingPartS3Store({ client, bucket: 'vaultpilot-archive', prefix: 'grow/', schedule });
    await store.put('small.bin', chunks(Buffer.from('small')));
    expect(store.counters.partsUploaded).toBe(0);
    expect((await read(store, 'small.bin')).toString()).toBe('small');
  });

  it('aborts the upload when the stream fails: no object, no open upload', async () => {
    const store = new GrowingPartS3Store({ client, bucket: 'vaultpilot-archive', prefix: 'broken/', schedule });
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield randomBytes(12 * MIB);
      throw new Error('source broke');
    }
    await expect(store.put('x.bin', failing())).rejects.toThrow(/source broke/);
    const listed = await check.send(new ListObjectsV2Command({ Bucket: 'vaultpilot-archive', Prefix: 'broken/' }));
    expect(listed.Contents ?? []).toEqual([]);
    const uploads = await check.send(
      new ListMultipartUploadsCommand({ Bucket: 'vaultpilot-archive', Prefix: 'broken/' }),
    );
    expect(uploads.Uploads ?? []).toEqual([]);
    expect(store.counters.uploadsAborted).toBe(1);
  });
});
