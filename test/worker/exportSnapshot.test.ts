import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EbsStandIn, startEbsStandIn } from '../../sandbox/ebs/startEbsStandIn.js';
import { FileRestoreTarget, LocalDirectoryStore, restoreArchive, verifyArchive } from '../../src/archive/index.js';
import { WORKER_DEFAULTS, WORKER_ENV } from '../../src/core/deployment/contract.js';
import { defaultDeps, readExportJob, runExportJob } from '../../src/worker/exportSnapshot.js';
import { WorkerConfigError } from '../../src/worker/WorkerError.js';

describe('readExportJob', () => {
  it('reads a sharded AWS Batch array job from the environment', () => {
    const job = readExportJob(
      {
        VAULTPILOT_SNAPSHOT_ID: 'snap-0123456789abcdef0',
        VAULTPILOT_DESTINATION: 's3://archive-bucket/ebs/vol-1/2026-11-21',
        VAULTPILOT_SHARD_COUNT: '8',
        AWS_BATCH_JOB_ARRAY_INDEX: '5',
        VAULTPILOT_COMPRESSION_LEVEL: '6',
      },
      [],
    );
    expect(job).toMatchObject({
      mode: 'export',
      snapshotId: 'snap-0123456789abcdef0',
      shard: { index: 5, count: 8 },
      level: 6,
      readConcurrency: WORKER_DEFAULTS.readConcurrency,
    });
  });

  it('defaults to the contract: export mode, one shard, level 3, 16 blocks read in parallel', () => {
    expect(WORKER_DEFAULTS).toMatchObject({ mode: 'export', shardCount: 1, compressionLevel: 3, readConcurrency: 16 });
    const job = readExportJob({ [WORKER_ENV.snapshotId]: 'snap-1', [WORKER_ENV.destination]: '/tmp/x' }, []);
    expect(job).toEqual({ mode: 'export', snapshotId: 'snap-1', destination: '/tmp/x', level: 3, readConcurrency: 16 });
  });

  it('refuses settings that Number() would coerce', () => {
    for (const text of ['12abc', '0x10', '1e1', ' ']) {
      expect(() => readExportJob({ VAULTPILOT_READ_CONCURRENCY: text }, ['snap-1', '/tmp/x'])).toThrow(
        `VAULTPILOT_READ_CONCURRENCY=${text} must be an integer from 1 to 1024`,
      );
    }
  });

  it('takes the snapshot and destination from arguments when the environment has none', () => {
    expect(readExportJob({}, ['snap-1', '/tmp/x'])).toMatchObject({ snapshotId: 'snap-1', destination: '/tmp/x' });
    expect(readExportJob({}, ['ebs://snap-1', 'rel'], '/work')).toMatchObject({
      snapshotId: 'snap-1',
      destination: '/work/rel',
    });
  });

  it('names every missing or wrong setting at once', () => {
    let error: unknown;
    try {
      readExportJob({ VAULTPILOT_SHARD_COUNT: '4', VAULTPILOT_COMPRESSION_LEVEL: 'max' }, []);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WorkerConfigError);
    expect((error as WorkerConfigError).problems).toEqual([
      'VAULTPILOT_SNAPSHOT_ID is missing (the snap-… to export)',
      'VAULTPILOT_DESTINATION is missing (s3://bucket/prefix or a directory)',
      'VAULTPILOT_SHARD_COUNT > 1 needs VAULTPILOT_SHARD_INDEX or AWS_BATCH_JOB_ARRAY_INDEX',
      'VAULTPILOT_COMPRESSION_LEVEL=max must be an integer from 1 to 19',
    ]);
    expect((error as WorkerConfigError).exitCode).toBe(2);
  });

  it('rejects a shard index outside the count', () => {
    expect(() =>
      readExportJob({ VAULTPILOT_SHARD_COUNT: '2', VAULTPILOT_SHARD_INDEX: '2' }, ['snap-1', '/tmp/x']),
    ).toThrow(/VAULTPILOT_SHARD_INDEX=2 must be an integer from 0 to 1/);
  });
});

describe('runExportJob', () => {
  let work: string;
  let image: string;
  let next: string;
  let ebs: EbsStandIn;
  const keys = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'vp-worker-'));
    image = join(work, 'volume.img');
    const bytes = Buffer.alloc(40 * 524_288);
    for (const block of [0, 1, 7, 20, 21, 39]) randomBytes(524_288).copy(bytes, block * 524_288);
    writeFileSync(image, bytes);
    next = join(work, 'next.img');
    const changed = Buffer.from(bytes);
    randomBytes(524_288).copy(changed, 9 * 524_288);
    writeFileSync(next, changed);
    ebs = await startEbsStandIn({
      snapshots: [
        { snapshotId: 'snap-00000000000000b1', imagePath: image },
        { snapshotId: 'snap-00000000000000b2', imagePath: next, parentSnapshotId: 'snap-00000000000000b1' },
      ],
      faults: { latencyMs: 1 },
    });
    // Credentials reach the SDK from the job's environment, not from process.env.
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
  });

  afterAll(async () => {
    await ebs.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('exports a snapshot in three array-job shards and merges them into one verified archive', async () => {
    const destination = join(work, 'archive');
    const base = {
      VAULTPILOT_SNAPSHOT_ID: 'snap-00000000000000b1',
      VAULTPILOT_DESTINATION: destination,
      VAULTPILOT_SHARD_COUNT: '3',
      VAULTPILOT_EBS_ENDPOINT: ebs.endpoint,
      ...keys,
    };
    for (const index of ['0', '1', '2']) {
      const summary = await runExportJob(readExportJob({ ...base, AWS_BATCH_JOB_ARRAY_INDEX: index }, []), defaultDeps);
      expect(summary).toMatchObject({ mode: 'export', shard: { index: Number(index), count: 3 } });
    }
    const merged = await runExportJob(readExportJob({ ...base, VAULTPILOT_MODE: 'merge' }, []), defaultDeps);
    expect(merged).toMatchObject({ mode: 'merge', dataBlocks: 6 });
    expect((await verifyArchive(new LocalDirectoryStore(destination))).problems).toEqual([]);
    const out = join(work, 'restored.img');
    await restoreArchive({ store: new LocalDirectoryStore(destination), target: () => new FileRestoreTarget(out) });
    expect(
      readFileSync(out)
        .subarray(0, 40 * 524_288)
        .equals(readFileSync(image)),
    ).toBe(true);
  });

  it('records a relative parent resolved against its working directory', async () => {
    const env = { VAULTPILOT_EBS_ENDPOINT: ebs.endpoint, ...keys };
    const full = readExportJob({ ...env, VAULTPILOT_SNAPSHOT_ID: 'snap-00000000000000b1' }, ['', 'full'], work);
    await runExportJob(full, defaultDeps);
    const child = readExportJob(
      { ...env, VAULTPILOT_SNAPSHOT_ID: 'snap-00000000000000b2', VAULTPILOT_PARENT: './full/' },
      ['', 'child'],
      work,
    );
    expect(await runExportJob(child, defaultDeps)).toMatchObject({ dataBlocks: 1 });
    const manifest = JSON.parse(readFileSync(join(work, 'child', 'manifest.json'), 'utf8'));
    expect(manifest.parent.location).toBe(join(work, 'full'));
  });
});
