import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EbsStandIn, startEbsStandIn } from '../../sandbox/ebs/startEbsStandIn.js';
import { fillTree, makeExt4, writeAt } from '../archive/images.js';
import { runCli } from './runCli.js';

const root = resolve(__dirname, '../..');
const BLOCK = 524_288;

/** Runs `vaultpilot <args>` in the work folder with test AWS credentials. */
async function run(...args: string[]) {
  const env = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' };
  const { code, stdout, stderr } = await runCli(args, { cwd: work, env });
  return { code, out: stdout, err: stderr };
}

let work: string;
let image: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'vp-cli-archive-'));
  fillTree(join(work, 'tree'), 3);
  image = join(work, 'disk.img');
  makeExt4(image, join(work, 'tree'), 40);
  // Credentials and Region reach the SDK from the harness's env (CliContext.env), not from process.env.
  delete process.env.AWS_ACCESS_KEY_ID;
  delete process.env.AWS_SECRET_ACCESS_KEY;
  delete process.env.AWS_REGION;
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('vaultpilot archive, inspect, verify and restore on local files', () => {
  it('round-trips an image bit-exactly and prints JSON summaries', async () => {
    const archived = await run('archive', 'disk.img', 'arch1', '--json', '--segment-size', '2');
    expect(archived).toMatchObject({ code: 0, err: '' });
    const summary = JSON.parse(archived.out);
    expect(summary).toMatchObject({ manifest: 'manifest.json', volumeSize: 40 * 1024 * 1024 });
    expect(summary.dataBlocks).toBeGreaterThan(0);

    const inspected = await run('inspect', 'arch1');
    expect(inspected.code).toBe(0);
    expect(inspected.out).toMatch(/blocks {7}80 listed: \d+ data, \d+ zero, 0 removed/);

    expect(await run('verify', 'arch1')).toMatchObject({ code: 0, out: expect.stringMatching(/^ok: /) });

    const restored = await run('restore', 'arch1', 'back.img', '--json');
    expect(restored.code).toBe(0);
    expect(JSON.parse(restored.out).restored).toBe(join(work, 'back.img'));
    expect(readFileSync(join(work, 'back.img')).equals(readFileSync(image))).toBe(true);
  });

  it('exits 3 and names the segment when verify finds corruption', async () => {
    await run('archive', 'disk.img', 'arch2', '--segment-size', '2');
    const segments = readdirSync(join(work, 'arch2', 'segments')).filter((f) => /^\d+\.zst$/.test(f));
    const victim = join(work, 'arch2', 'segments', segments[0]!);
    const bytes = readFileSync(victim);
    bytes[bytes.length - 1]! ^= 1;
    writeFileSync(victim, bytes);
    const verified = await run('verify', 'arch2');
    expect(verified.code).toBe(3);
    expect(verified.out).toContain(`segment ${segments[0]!.replace('.zst', '')}`);
    const restored = await run('restore', 'arch2', 'never.img');
    expect(restored.code).toBe(3);
  });

  it('exports shards independently and commits them with archive merge', async () => {
    for (const shard of ['1/2', '0/2']) {
      expect((await run('archive', 'disk.img', 'arch3', '--shard', shard)).code).toBe(0);
    }
    expect(existsSync(join(work, 'arch3', 'manifest.json'))).toBe(false);
    expect((await run('archive', 'merge', 'arch3')).code).toBe(0);
    expect((await run('verify', 'arch3')).code).toBe(0);
    expect((await run('restore', 'arch3', 'sharded.img')).code).toBe(0);
    expect(readFileSync(join(work, 'sharded.img')).equals(readFileSync(image))).toBe(true);
  });

  it('exits 2 on bad usage and says why', async () => {
    expect(await run('archive', 'disk.img', 'arch4', '--shard', '3/2')).toMatchObject({
      code: 2,
      err: expect.stringContaining('--shard 3/2'),
    });
    expect(await run('inspect', 'nothing-here')).toMatchObject({
      code: 1,
      err: expect.stringContaining('no complete archive'),
    });
  });
});

describe('vaultpilot archive with EBS snapshots (stand-in)', () => {
  let ebs: EbsStandIn;
  let day2: string;

  beforeAll(async () => {
    day2 = join(work, 'day2.img');
    copyFileSync(image, day2);
    writeAt(day2, 30 * BLOCK, randomBytes(2 * BLOCK));
    ebs = await startEbsStandIn({
      snapshots: [
        { snapshotId: 'snap-0000000000000001', imagePath: image },
        { snapshotId: 'snap-0000000000000002', imagePath: day2, parentSnapshotId: 'snap-0000000000000001' },
      ],
      faults: { latencyMs: 2, serverErrorProbability: 0.05, stormProbability: 0.01, stormRequests: 5, seed: 7 },
    });
  });

  afterAll(() => ebs.close());

  it('reaches the EBS endpoint named by AWS_ENDPOINT_URL_EBS in the command environment', async () => {
    const env = {
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_EBS: ebs.endpoint,
    };
    const { code, stdout } = await runCli(['archive', 'ebs://snap-0000000000000001', 'from-env', '--json'], {
      cwd: work,
      env,
    });
    expect(code).toBe(0);
    expect(JSON.parse(stdout).source).toEqual({ kind: 'ebs-snapshot', id: 'snap-0000000000000001' });
  });

  it('archives a snapshot and its incremental child, then restores the chain to a file and to a new snapshot', async () => {
    const e = ['--endpoint', ebs.endpoint];
    expect((await run('archive', 'ebs://snap-0000000000000001', 'ebs1', ...e)).code).toBe(0);
    // A relative parent is recorded resolved, so the chain restores from any working directory.
    const child = await run('archive', 'ebs://snap-0000000000000002', 'ebs2', '--parent', './ebs1/', '--json', ...e);
    expect(child.code).toBe(0);
    expect(JSON.parse(child.out)).toMatchObject({ dataBlocks: 2, parent: join(work, 'ebs1') });
    const manifest = JSON.parse(readFileSync(join(work, 'ebs2', 'manifest.json'), 'utf8'));
    expect(manifest.parent.location).toBe(join(work, 'ebs1'));

    expect((await run('restore', 'ebs2', 'ebs-day2.img')).code).toBe(0);
    const restored = readFileSync(join(work, 'ebs-day2.img'));
    // The stand-in rounds the volume up to whole GiB: compare the image bytes and check the rest is zero.
    const original = readFileSync(day2);
    expect(restored.subarray(0, original.length).equals(original)).toBe(true);
    const rest = restored.subarray(original.length);
    expect(rest.equals(Buffer.alloc(rest.length))).toBe(true);

    const toSnapshot = await run('restore', 'ebs2', 'ebs://new', '--json', ...e);
    expect(toSnapshot.code).toBe(0);
    const { chain } = JSON.parse(toSnapshot.out) as { chain: string[] };
    expect(chain).toHaveLength(2);
    const base = ebs.snapshot(chain[0]!);
    const top = ebs.snapshot(chain[1]!);
    expect(top).toMatchObject({ status: 'completed', parentSnapshotId: chain[0] });
    expect(base.status).toBe('completed');
    expect(top.blocks).toEqual(ebs.snapshot('snap-0000000000000002').blocks);
    // Archive the restored snapshot again: the same blocks give the same LINEAR checksum.
    const again = await run('archive', `ebs://${chain[1]}`, 'ebs3', '--json', ...e);
    const first = await run('archive', 'ebs://snap-0000000000000002', 'ebs4', '--json', ...e);
    expect(JSON.parse(again.out).linearChecksum).toBe(JSON.parse(first.out).linearChecksum);
  });
});

describe('vaultpilot archive when the EBS stand-in misbehaves', () => {
  let ebs: EbsStandIn;
  let volume: string;

  beforeAll(async () => {
    volume = join(work, 'faulty.img');
    writeFileSync(volume, randomBytes(24 * BLOCK));
    ebs = await startEbsStandIn({ snapshots: [{ snapshotId: 'snap-00000000000000f1', imagePath: volume }] });
  });

  afterAll(() => ebs.close());

  it('still makes a correct archive through throttling storms, 5xx answers and slow answers', async () => {
    ebs.setFaults({
      stormProbability: 0.05,
      // Shorter than the reader's 8 attempts: a storm of 10 throttled answers can land all on the last block's
      // requests when only one reader is left (under load), which no retry budget of 8 survives.
      stormRequests: 5,
      serverErrorProbability: 0.1,
      slowResponseProbability: 0.05,
      slowResponseMs: 300,
      seed: 11,
    });
    const archived = await run('archive', 'ebs://snap-00000000000000f1', 'faulty1', '--endpoint', ebs.endpoint);
    expect(archived, archived.err).toMatchObject({ code: 0 });
    expect((await run('verify', 'faulty1')).code).toBe(0);
    expect((await run('restore', 'faulty1', 'faulty1.img')).code).toBe(0);
    expect(
      readFileSync(join(work, 'faulty1.img'))
        .subarray(0, 24 * BLOCK)
        .equals(readFileSync(volume)),
    ).toBe(true);
    // The faults really happened.
    expect(ebs.stats.faults.throttled).toBeGreaterThan(0);
    expect(ebs.stats.faults.serverErrors).toBeGreaterThan(0);
    expect(ebs.stats.faults.slowResponses).toBeGreaterThan(0);
    // Retries back off up to seconds each; on a loaded machine the whole run can take longer than the default.
  }, 120_000);

  it('fails clearly, naming the block, when a checksum never matches, and leaves no manifest', async () => {
    ebs.setFaults({ wrongChecksumBlocks: [{ blockIndex: 17 }] });
    const archived = await run('archive', 'ebs://snap-00000000000000f1', 'faulty2', '--endpoint', ebs.endpoint);
    expect(archived.code).toBe(1);
    expect(archived.err).toMatch(/block 17/);
    expect(existsSync(join(work, 'faulty2', 'manifest.json'))).toBe(false);
  });
});

describe('an interrupted export', () => {
  let ebs: EbsStandIn;

  beforeAll(async () => {
    const big = join(work, 'big.img');
    writeFileSync(big, randomBytes(64 * BLOCK));
    ebs = await startEbsStandIn({
      snapshots: [{ snapshotId: 'snap-00000000000000aa', imagePath: big }],
      faults: { latencyMs: 40 },
    });
  });

  afterAll(() => ebs.close());

  function spawnArchive(destination: string): ChildProcess {
    const script = `import(${JSON.stringify(join(root, 'src/cli/main.ts'))}).then(async (m) => { process.exitCode = await m.main(process.argv.slice(1)); })`;
    return spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        script,
        'archive',
        'ebs://snap-00000000000000aa',
        destination,
        '--endpoint',
        ebs.endpoint,
        '--concurrency',
        '2',
        '--segment-size',
        '1',
      ],
      {
        cwd: root,
        env: { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
  }

  /** Resolves once the export has stored at least one segment object. */
  async function waitForSegments(dir: string): Promise<void> {
    for (let i = 0; i < 600; i++) {
      const segments = join(dir, 'segments');
      if (existsSync(segments) && readdirSync(segments).some((f) => f.endsWith('.idx.zst'))) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('export never wrote a segment');
  }

  function exitOf(
    child: ChildProcess,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
    let stderr = '';
    child.stderr?.on('data', (d) => {
      stderr += d;
    });
    return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr })));
  }

  it('stops on SIGINT with exit 130, leaving no manifest and deleting what it wrote', async () => {
    const dir = join(work, 'interrupted');
    const child = spawnArchive(dir);
    const exited = exitOf(child);
    await waitForSegments(dir);
    child.kill('SIGINT');
    const result = await exited;
    expect(result.stderr).toContain('interrupted by SIGINT');
    expect(result.code).toBe(130);
    expect(existsSync(join(dir, 'manifest.json'))).toBe(false);
    const left = existsSync(join(dir, 'segments')) ? readdirSync(join(dir, 'segments')) : [];
    expect(left).toEqual([]);
  });

  it('leaves no manifest when killed outright, and verify says the archive is incomplete', async () => {
    const dir = join(work, 'killed');
    const child = spawnArchive(dir);
    const exited = exitOf(child);
    await waitForSegments(dir);
    child.kill('SIGKILL');
    expect((await exited).signal).toBe('SIGKILL');
    expect(existsSync(join(dir, 'manifest.json'))).toBe(false);
    const verified = await run('verify', dir);
    expect(verified.code).toBe(3);
    expect(verified.out).toContain('manifest.json is missing');
  });
});
