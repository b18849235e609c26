import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3StandIn, startS3StandIn } from '../../sandbox/s3/startS3StandIn.js';

let s3: S3StandIn;
let client: S3Client;

beforeAll(async () => {
  s3 = await startS3StandIn({ buckets: ['stand-in'] });
  client = new S3Client({
    endpoint: s3.endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
});

afterAll(async () => {
  client?.destroy();
  await s3?.close();
});

describe('startS3StandIn', () => {
  it('listens on 127.0.0.1 with a port the OS chose', () => {
    expect(s3.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(s3.endpoint).not.toMatch(/:4568$/);
  });

  it('lists multipart uploads in progress and aborts them (which s3rver alone cannot)', async () => {
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: 'stand-in', Key: 'a/b.bin' }));
    await client.send(
      new UploadPartCommand({ Bucket: 'stand-in', Key: 'a/b.bin', UploadId, PartNumber: 1, Body: Buffer.alloc(1024) }),
    );
    const during = await client.send(new ListMultipartUploadsCommand({ Bucket: 'stand-in' }));
    expect(during.Uploads?.map((u) => [u.Key, u.UploadId])).toEqual([['a/b.bin', UploadId]]);
    await client.send(new AbortMultipartUploadCommand({ Bucket: 'stand-in', Key: 'a/b.bin', UploadId }));
    const after = await client.send(new ListMultipartUploadsCommand({ Bucket: 'stand-in' }));
    expect(after.Uploads ?? []).toEqual([]);
  });

  it('answers NoSuchUpload when aborting an upload that does not exist', async () => {
    const error = await client
      .send(new AbortMultipartUploadCommand({ Bucket: 'stand-in', Key: 'x', UploadId: 'nope' }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(S3ServiceException);
    expect((error as S3ServiceException).name).toBe('NoSuchUpload');
  });

  it('pages ListObjectsV2 with continuation tokens (no OpenSSL legacy provider needed)', async () => {
    for (const key of ['p/1', 'p/2', 'p/3']) {
      await client.send(new PutObjectCommand({ Bucket: 'stand-in', Key: key, Body: 'x' }));
    }
    const first = await client.send(new ListObjectsV2Command({ Bucket: 'stand-in', Prefix: 'p/', MaxKeys: 2 }));
    expect(first.IsTruncated).toBe(true);
    const second = await client.send(
      new ListObjectsV2Command({
        Bucket: 'stand-in',
        Prefix: 'p/',
        MaxKeys: 2,
        ContinuationToken: first.NextContinuationToken,
      }),
    );
    expect([...(first.Contents ?? []), ...(second.Contents ?? [])].map((o) => o.Key)).toEqual(['p/1', 'p/2', 'p/3']);
  });
});
