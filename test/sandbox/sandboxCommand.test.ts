import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EBSClient, ListChangedBlocksCommand, ListSnapshotBlocksCommand } from '@aws-sdk/client-ebs';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patternBlock, writeImage } from '../../sandbox/ebs/imageFiles.js';
import { registerSandboxCommand } from '../../src/cli/commands/sandbox.js';
import { runCli, testContext } from '../cli/runCli.js';

const MIB = 1024 * 1024;

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sandbox-cli-test-'));
  await writeImage(join(dir, 'base.img'), 64 * MIB, [
    [0, patternBlock(0)],
    [4, patternBlock(4)],
  ]);
  await writeImage(join(dir, 'next.img'), 64 * MIB, [
    [0, patternBlock(0)],
    [4, patternBlock('changed')],
    [9, patternBlock(9)],
  ]);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs `vaultpilot sandbox …` in-process until `stop` is called; resolves once the endpoint is printed. */
async function startCommand(argv: string[]) {
  const ctx = testContext({ cwd: dir });
  const { stdout, stderr } = ctx;
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  const program = new Command('vaultpilot').exitOverride();
  registerSandboxCommand(program, ctx, { untilStopped: () => stopped });
  const done = program.parseAsync(argv, { from: 'user' });
  for (let i = 0; i < 1000 && !/listening on (\S+)/.test(stdout.text); i++) {
    await Promise.race([done, new Promise((r) => setTimeout(r, 25))]);
  }
  const endpoint = /listening on (\S+)/.exec(stdout.text)?.[1];
  if (!endpoint) throw new Error(`no endpoint printed: ${stdout.text} ${stderr.text}`);
  const finish = async () => {
    stop();
    await done;
  };
  return { endpoint, stdout, finish };
}

describe('vaultpilot sandbox ebs', () => {
  it('serves image files as snapshots with a parent, until stopped, then reports what it answered', async () => {
    const run = await startCommand([
      'sandbox',
      'ebs',
      '--image',
      'snap-next=next.img',
      '--image',
      'snap-base=base.img',
      '--parent',
      'snap-next=snap-base',
      '--latency-ms',
      '1',
    ]);
    expect(run.stdout.text).toMatch(/snap-base\s+1 GiB, 2 blocks/);
    expect(run.stdout.text).toMatch(/snap-next\s+1 GiB, 3 blocks \(2 own\), parent snap-base/);
    const ebs = new EBSClient({
      endpoint: run.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const listed = await ebs.send(new ListSnapshotBlocksCommand({ SnapshotId: 'snap-base' }));
    expect(listed.Blocks?.map((b) => b.BlockIndex)).toEqual([0, 4]);
    const changed = await ebs.send(
      new ListChangedBlocksCommand({ FirstSnapshotId: 'snap-base', SecondSnapshotId: 'snap-next' }),
    );
    expect(changed.ChangedBlocks?.map((b) => b.BlockIndex)).toEqual([4, 9]);
    ebs.destroy();
    await run.finish();
    expect(run.stdout.text).toMatch(/stopped\. requests: ListSnapshotBlocks 1, ListChangedBlocks 1/);
  });

  it('refuses a malformed --image with exit code 2', async () => {
    const { code, stderr } = await runCli(['sandbox', 'ebs', '--image', 'base.img'], { cwd: dir });
    expect(code).toBe(2);
    expect(stderr).toMatch(/--image expects <a>=<b>/);
  });

  it('refuses a --parent that names an unknown snapshot', async () => {
    const { code, stderr } = await runCli(['sandbox', 'ebs', '--image', 'a=base.img', '--parent', 'a=snap-zzz'], {
      cwd: dir,
    });
    expect(code).toBe(2);
    expect(stderr).toMatch(/unknown snapshot snap-zzz/);
  });
});

describe('vaultpilot sandbox s3', () => {
  it('runs an S3-compatible server with the named bucket', async () => {
    const run = await startCommand(['sandbox', 's3', '--bucket', 'demo-archive']);
    const s3 = new S3Client({
      endpoint: run.endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    const head = await s3.send(new HeadBucketCommand({ Bucket: 'demo-archive' }));
    expect(head.$metadata.httpStatusCode).toBe(200);
    s3.destroy();
    await run.finish();
    expect(run.stdout.text).toMatch(/stopped\./);
  });
});
