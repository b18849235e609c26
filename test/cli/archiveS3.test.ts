import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { HeadObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3StandIn, startS3StandIn } from '../../sandbox/s3/startS3StandIn.js';
import { fillTree, makeExt4 } from '../archive/images.js';
import { runCli } from './runCli.js';

const root = resolve(__dirname, '../..');
// s3rver knows one key pair, S3RVER/S3RVER.
const credentials = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };

let work: string;
let image: string;
let s3: S3StandIn;
let client: S3Client;

async function run(...args: string[]) {
  const { code, stdout, stderr } = await runCli(args, { cwd: work, env: credentials });
  return { code, out: stdout, err: stderr };
}

async function keys(prefix: string): Promise<string[]> {
  const listed = await client.send(new ListObjectsV2Command({ Bucket: 'vaultpilot-archive', Prefix: prefix }));
  return (listed.Contents ?? []).map((o) => o.Key!).sort();
}

beforeAll(async () => {
  // Credentials and Region reach the SDK from the harness's env (CliContext.env), not from process.env.
  for (const name of Object.keys(credentials)) delete process.env[name];
  work = mkdtempSync(join(tmpdir(), 'vp-cli-s3-'));
  fillTree(join(work, 'tree'), 4);
  image = join(work, 'disk.img');
  makeExt4(image, join(work, 'tree'), 40);
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

describe('vaultpilot archive to an S3-compatible store', () => {
  it('archives into s3://bucket/prefix, verifies and restores bit-exactly from there', async () => {
    const e = ['--endpoint', s3.endpoint];
    const archived = await run(
      'archive',
      'disk.img',
      's3://vaultpilot-archive/vol-1/day1',
      '--segment-size',
      '8',
      ...e,
    );
    expect(archived).toMatchObject({ code: 0, err: '' });
    const stored = await keys('vol-1/day1/');
    expect(stored).toContain('vol-1/day1/manifest.json');
    expect(stored.filter((k) => k.endsWith('.zst')).length).toBeGreaterThan(1);

    expect(await run('verify', 's3://vaultpilot-archive/vol-1/day1', ...e)).toMatchObject({ code: 0 });
    const out = join(work, 'from-s3.img');
    expect((await run('restore', 's3://vaultpilot-archive/vol-1/day1', out, ...e)).code).toBe(0);
    expect(readFileSync(out).equals(readFileSync(image))).toBe(true);
  });

  it('reaches the store named by AWS_ENDPOINT_URL_S3 in the command environment, addressing buckets by path', async () => {
    const env = { ...credentials, AWS_ENDPOINT_URL_S3: s3.endpoint };
    const archived = await runCli(['archive', 'disk.img', 's3://vaultpilot-archive/from-env', '--json'], {
      cwd: work,
      env,
    });
    expect(archived).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(archived.stdout).archive).toBe('s3://vaultpilot-archive/from-env/');
    expect(await keys('from-env/')).toContain('from-env/manifest.json');
  });

  it('names a damaged segment object in S3', async () => {
    const e = ['--endpoint', s3.endpoint];
    expect((await run('archive', 'disk.img', 's3://vaultpilot-archive/vol-2', ...e)).code).toBe(0);
    const segment = (await keys('vol-2/segments/')).find((k) => /\d+\.zst$/.test(k))!;
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    await client.send(new PutObjectCommand({ Bucket: 'vaultpilot-archive', Key: segment, Body: randomBytes(100) }));
    const verified = await run('verify', 's3://vaultpilot-archive/vol-2', ...e);
    expect(verified.code).toBe(3);
    expect(verified.out).toContain(`segment ${segment.replace('vol-2/segments/', '').replace('.zst', '')}`);
  });

  it('stops on SIGTERM leaving no manifest, no segment and no open multipart upload', async () => {
    // Incompressible data and 10 MiB segments: several multipart uploads are under way when the signal comes.
    const big = join(work, 'random.img');
    writeFileSync(big, randomBytes(160 * 524_288));
    const script = `import(${JSON.stringify(join(root, 'src/cli/main.ts'))}).then(async (m) => { process.exitCode = await m.main(process.argv.slice(1)); })`;
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        script,
        'archive',
        big,
        's3://vaultpilot-archive/killed',
        '--endpoint',
        s3.endpoint,
        '--segment-size',
        '10',
        '--threads',
        '1',
        '--level',
        '19',
      ],
      { cwd: root, env: { ...process.env, ...credentials }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Wait until an upload is open, then stop the export.
    let sawUpload = false;
    for (let i = 0; i < 400 && !sawUpload; i++) {
      const uploads = await client.send(
        new ListMultipartUploadsCommand({ Bucket: 'vaultpilot-archive', Prefix: 'killed/' }),
      );
      sawUpload = (uploads.Uploads ?? []).length > 0;
      if (!sawUpload) await new Promise((r) => setTimeout(r, 50));
    }
    expect(sawUpload).toBe(true);
    child.kill('SIGTERM');
    expect(await exited).toBe(130);
    expect(stderr).toContain('interrupted by SIGTERM');
    await expect(
      client.send(new HeadObjectCommand({ Bucket: 'vaultpilot-archive', Key: 'killed/manifest.json' })),
    ).rejects.toThrow();
    const uploads = await client.send(
      new ListMultipartUploadsCommand({ Bucket: 'vaultpilot-archive', Prefix: 'killed/' }),
    );
    expect(uploads.Uploads ?? []).toEqual([]);
    expect(await keys('killed/')).toEqual([]);
  });
});
