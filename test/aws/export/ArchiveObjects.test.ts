/** ArchiveObjects against the S3 stand-in (s3rver) with the real S3Client (path style, one attempt per call). */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3StandIn, startS3StandIn } from '../../../sandbox/s3/startS3StandIn.js';
import { ArchiveObjects } from '../../../src/aws/export/ArchiveObjects.js';
import { ActionError } from '../../../src/core/actions/exportWorkflow.js';

const BUCKET = 'vaultpilot-archive';
let s3Stand: S3StandIn;
let s3: S3Client;
let archive: ArchiveObjects;
let counter = 0;

beforeAll(async () => {
  s3Stand = await startS3StandIn({ buckets: [BUCKET] });
  s3 = new S3Client({
    endpoint: s3Stand.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    maxAttempts: 1,
  });
  archive = new ArchiveObjects(s3, BUCKET);
});

afterAll(async () => {
  s3?.destroy();
  await s3Stand?.close();
});

const root = () => `exports/account=1/region=eu-west-1/type=rds/resource=db/date=2026-11-20/vp-t-${++counter}/`;
const put = (key: string, body: string | Buffer) =>
  s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
/** Bytes that end like a Parquet file: data, a 4-byte footer length, `PAR1`. */
const parquetBytes = (n: number) =>
  Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(n, 7), Buffer.from([4, 0, 0, 0]), Buffer.from('PAR1')]);

describe('ArchiveObjects', () => {
  it('lists every object under a prefix, in key order, with sizes and ETags', async () => {
    const r = root();
    await put(`${r}b.json`, '{}');
    await put(`${r}a/x.parquet`, parquetBytes(10));
    await put(`${r.slice(0, -1)}-other/c.json`, 'x');
    const listed = await archive.list(r);
    expect(listed.map((o) => o.key)).toEqual([`${r}a/x.parquet`, `${r}b.json`]);
    expect(listed[0]?.size).toBe(22);
    expect(listed[0]?.etag).toMatch(/^"[0-9a-f]+"$/);
    expect(await archive.list(`${r}nothing/`)).toEqual([]);
  });

  it('reads text; undefined for a missing key', async () => {
    const r = root();
    await put(`${r}export_tables_info_x.json`, '{"perTableStatus":[]}');
    expect(await archive.readText(`${r}export_tables_info_x.json`)).toBe('{"perTableStatus":[]}');
    expect(await archive.readText(`${r}missing.json`)).toBeUndefined();
  });

  it('checks the magic bytes at the end of Parquet objects only', async () => {
    const r = root();
    await put(`${r}db/public.t/1/good.parquet`, parquetBytes(100));
    await put(`${r}db/public.t/1/bad.parquet`, Buffer.alloc(100, 1));
    await put(`${r}db/public.t/1/tiny.parquet`, 'PAR1');
    await put(`${r}export_info_x.json`, '{"a":"PAR1"}');
    const checked = await archive.checkParquet(await archive.list(r));
    const byName = Object.fromEntries(checked.map((o) => [o.key.split('/').pop(), o.validParquet]));
    expect(byName).toEqual({
      'good.parquet': true,
      'bad.parquet': false,
      'tiny.parquet': false,
      'export_info_x.json': undefined,
    });
  });

  it('writes JSON, and deletes keys', async () => {
    const r = root();
    await archive.putJson(`${r}vaultpilot-manifest.json`, { a: 1, b: ['x'] });
    expect(JSON.parse((await archive.readText(`${r}vaultpilot-manifest.json`)) ?? '')).toEqual({ a: 1, b: ['x'] });
    await put(`${r}a/data.parquet`, parquetBytes(1));
    // s3rver deletes a request's keys in parallel and races removing the folders they leave empty (an
    // InternalError that real S3 does not have): a kept object keeps the shared folder from emptying.
    await put(`${r}keep.json`, '{}');
    const keys = (await archive.list(r)).map((o) => o.key).filter((k) => !k.endsWith('keep.json'));
    expect(keys).toHaveLength(2);
    expect(await archive.deleteKeys([...keys, `${r}never-written.json`])).toEqual([]);
    expect((await archive.list(r)).map((o) => o.key)).toEqual([`${r}keep.json`]);
    expect(await archive.deleteKeys([])).toEqual([]);
  });

  it('a bucket that does not exist: a permanent VerificationFailed, with the cause', async () => {
    const missing = new ArchiveObjects(s3, 'no-such-bucket');
    const error = await missing.list('x/').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ActionError);
    expect((error as ActionError).name).toBe('VerificationFailed');
    expect(((error as ActionError).cause as Error).name).toBe('NoSuchBucket');
  });

  it('TransientAwsError when S3 cannot be reached', async () => {
    const dead = new S3Client({
      endpoint: 'http://127.0.0.1:1',
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      maxAttempts: 1,
    });
    const offline = new ArchiveObjects(dead, BUCKET);
    for (const call of [
      () => offline.list('x/'),
      () => offline.readText('x'),
      () => offline.putJson('x', {}),
      () => offline.deleteKeys(['x']),
      () => offline.checkParquet([{ key: 'x.parquet', size: 100 }]),
    ]) {
      const error = await call().catch((e: unknown) => e);
      expect((error as ActionError).name).toBe('TransientAwsError');
    }
    dead.destroy();
  });
});

describe('ArchiveObjects.deleteAllUnder', () => {
  it('removes every object under a prefix and confirms by listing', async () => {
    const { S3Client, PutObjectCommand } = await import('@aws-sdk/client-s3');
    const { startS3StandIn } = await import('../../../sandbox/s3/startS3StandIn.js');
    const { ArchiveObjects } = await import('../../../src/aws/export/ArchiveObjects.js');
    const s3 = await startS3StandIn({ buckets: ['wipe'] });
    try {
      const client = new S3Client({
        endpoint: s3.endpoint,
        forcePathStyle: true,
        region: 'eu-west-1',
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
        maxAttempts: 1,
      });
      for (const key of ['x/a/1', 'x/a/2', 'x/b/3', 'x/c/d/4', 'y/keep']) {
        await client.send(new PutObjectCommand({ Bucket: 'wipe', Key: key, Body: key }));
      }
      const archive = new ArchiveObjects(client, 'wipe');
      expect(await archive.deleteAllUnder('x/')).toEqual({ deleted: 4, remaining: [] });
      expect((await archive.list('')).map((o) => o.key)).toEqual(['y/keep']);
    } finally {
      await s3.close();
    }
  });
});
