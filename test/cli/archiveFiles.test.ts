import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3StandIn, startS3StandIn } from '../../sandbox/s3/startS3StandIn.js';
import { FILE_ARCHIVE_KEYS } from '../../src/archive/files/index.js';
import { buildTree, describeTree, restoreWithTar } from '../archive/files/fileTree.js';
import { runCli } from './runCli.js';

// s3rver knows one key pair, S3RVER/S3RVER.
const credentials = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };

let work: string;
let s3: S3StandIn;
let client: S3Client;

async function run(...args: string[]) {
  const { code, stdout, stderr } = await runCli(args, { cwd: work, env: credentials });
  return { code, out: stdout, err: stderr };
}

beforeAll(async () => {
  for (const name of Object.keys(credentials)) delete process.env[name];
  work = mkdtempSync(join(tmpdir(), 'vp-cli-files-'));
  buildTree(join(work, 'tree'));
  s3 = await startS3StandIn();
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
  rmSync(work, { recursive: true, force: true });
});

describe('vaultpilot archive --files', () => {
  it('archives a directory into a directory, prints a summary, and verify says ok', async () => {
    const archived = await run('archive', '--files', 'tree', 'out/plain');
    expect(archived).toMatchObject({ code: 0, err: '' });
    expect(archived.out).toMatch(
      /^archived .*tree → .*out\/plain \(vaultpilot-files-manifest\.json\)\n {2}\d+ entries/,
    );
    const verified = await run('verify', 'out/plain');
    expect(verified).toMatchObject({ code: 0 });
    expect(verified.out).toMatch(/^ok: .*: file archive, \d+ entries/);
    const restored = join(work, 'restored-plain');
    restoreWithTar(join(work, 'out/plain', FILE_ARCHIVE_KEYS.archive), restored);
    expect(describeTree(restored)).toEqual(describeTree(join(work, 'tree')));
  });

  it('prints one JSON summary with --json, and verify --json reports the file archive', async () => {
    const archived = await run('archive', '--files', 'tree', 'out/json', '--json', '--level', '6', '--threads', '2');
    expect(archived.code).toBe(0);
    const summary = JSON.parse(archived.out);
    expect(summary).toMatchObject({ manifest: 'vaultpilot-files-manifest.json', source: { kind: 'directory' } });
    expect(summary.archiveBytes).toBeGreaterThan(0);
    const manifest = JSON.parse(readFileSync(join(work, 'out/json', FILE_ARCHIVE_KEYS.manifest), 'utf8'));
    expect(manifest.compression).toEqual({ codec: 'zstd', level: 6 });
    const verified = await run('verify', 'out/json', '--json');
    expect(JSON.parse(verified.out)).toMatchObject({ kind: 'files', ok: true, entries: summary.entries });
  });

  it('exits 3 from verify when the archive is corrupt', async () => {
    expect((await run('archive', '--files', 'tree/docs', 'out/corrupt')).code).toBe(0);
    const path = join(work, 'out/corrupt', FILE_ARCHIVE_KEYS.archive);
    const bytes = readFileSync(path);
    bytes[bytes.length - 10]! ^= 0xff;
    writeFileSync(path, bytes);
    const verified = await run('verify', 'out/corrupt');
    expect(verified.code).toBe(3);
    expect(verified.out).toMatch(/^CORRUPT: .*problem/);
    expect(verified.out).toMatch(/SHA-256/);
  });

  it('exits 1 on a missing source and writes nothing', async () => {
    const result = await run('archive', '--files', 'nope', 'out/nope');
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/nope: no such file or directory/);
    expect(() => readFileSync(join(work, 'out/nope', FILE_ARCHIVE_KEYS.manifest))).toThrow();
  });

  it('exits 2 on block-archive options and on an existing file archive', async () => {
    const shard = await run('archive', '--files', 'tree', 'out/x', '--shard', '0/2');
    expect(shard.code).toBe(2);
    expect(shard.err).toMatch(/--shard: block-archive options, not for --files/);
    const again = await run('archive', '--files', 'tree', 'out/plain');
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/already holds a file archive/);
    const bucket = await run('archive', '--files', 'tree', 's3://My_Bucket/x');
    expect(bucket.code).toBe(2);
  });

  it('archives into s3://bucket/prefix (multipart), verifies there, and the objects restore with tar + zstd', async () => {
    const big = join(work, 'big');
    mkdirSync(big);
    writeFileSync(join(big, 'random.bin'), randomBytes(20 * 1024 * 1024));
    writeFileSync(join(big, 'small.txt'), 'small\n');
    const e = ['--endpoint', s3.endpoint];
    const archived = await run('archive', '--files', 'big', 's3://vaultpilot-archive/files/day1', ...e, '--json');
    expect(archived).toMatchObject({ code: 0, err: '' });
    expect(JSON.parse(archived.out).archiveBytes).toBeGreaterThan(20 * 1024 * 1024);
    const listed = await client.send(new ListObjectsV2Command({ Bucket: 'vaultpilot-archive', Prefix: 'files/day1/' }));
    expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual([
      'files/day1/files.list.jsonl',
      'files/day1/files.tar.zst',
      'files/day1/vaultpilot-files-manifest.json',
    ]);
    const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: 'vaultpilot-archive' }));
    expect(uploads.Uploads ?? []).toEqual([]);
    expect(await run('verify', 's3://vaultpilot-archive/files/day1', ...e)).toMatchObject({ code: 0 });

    const got = await client.send(
      new GetObjectCommand({ Bucket: 'vaultpilot-archive', Key: 'files/day1/files.tar.zst' }),
    );
    const local = join(work, 'from-s3.tar.zst');
    writeFileSync(local, await got.Body!.transformToByteArray());
    const restored = join(work, 'restored-s3');
    restoreWithTar(local, restored);
    expect(describeTree(restored)).toEqual(describeTree(big));
  });

  it('leaves the block archive alone without --files: a directory is no block source', async () => {
    const result = await run('archive', 'tree', 'out/block');
    expect(result.code).toBe(2);
    expect(() => readFileSync(join(work, 'out/block', FILE_ARCHIVE_KEYS.manifest))).toThrow();
  });
});
