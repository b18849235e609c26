import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsAccessFromEnv, canonicalArchiveLocation } from '../../src/aws/archive/openArchiveLocation.js';
import {
  bucketNameProblem,
  parseArchiveLocation,
  parseRestoreTargetLocation,
  parseSourceLocation,
} from '../../src/core/archive/archiveLocation.js';
import { readExportJob } from '../../src/worker/exportSnapshot.js';
import { WorkerConfigError } from '../../src/worker/WorkerError.js';
import { runCli } from './runCli.js';

let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'vp-cli-locations-'));
  writeFileSync(join(work, 'disk.img'), Buffer.alloc(1024 * 1024, 1));
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The problems the worker names for a destination. */
function workerProblems(env: NodeJS.ProcessEnv): readonly string[] {
  try {
    readExportJob({ VAULTPILOT_SNAPSHOT_ID: 'snap-1', ...env }, [], work);
  } catch (error) {
    if (error instanceof WorkerConfigError) return error.problems;
    throw error;
  }
  return [];
}

const BAD_BUCKETS: readonly [string, string][] = [
  ['ab', 'is 2 characters long; S3 wants 3 to 63'],
  ['a'.repeat(64), 'is 64 characters long; S3 wants 3 to 63'],
  ['My-Bucket', 'may hold only lowercase letters, digits, dots and hyphens'],
  ['my_bucket', 'may hold only lowercase letters, digits, dots and hyphens'],
  ['-bucket', 'must start and end with a letter or digit'],
  ['bucket.', 'must start and end with a letter or digit'],
  ['my..bucket', 'must not hold two adjacent dots'],
  ['192.168.5.4', 'must not be formatted as an IP address'],
  ['xn--bucket', 'must not start with xn-- (reserved by AWS)'],
  ['sthree-bucket', 'must not start with sthree- (reserved by AWS)'],
  ['bucket-s3alias', 'must not end with -s3alias (reserved by AWS)'],
  ['bucket--ol-s3', 'must not end with --ol-s3 (reserved by AWS)'],
];

describe('bucketNameProblem', () => {
  it.each(BAD_BUCKETS)('refuses %s: %s', (name, problem) => {
    expect(bucketNameProblem(name)).toBe(problem);
  });

  it.each(['abc', 'my-archive-bucket', 'archive.example.com', '1bucket1', 'a'.repeat(63), '192.168.5.x'])(
    'accepts %s',
    (name) => {
      expect(bucketNameProblem(name)).toBeUndefined();
    },
  );
});

describe('one location parser for the CLI and the worker', () => {
  it.each(BAD_BUCKETS)('both refuse s3://%s/x with the same message', async (bucket, problem) => {
    const location = `s3://${bucket}/vol-1`;
    const message = `${location}: bucket name "${bucket}" ${problem}`;
    const cli = await runCli(['archive', 'disk.img', location], { cwd: work });
    expect(cli).toMatchObject({ code: 2, stderr: `vaultpilot: ${message}\n` });
    expect(workerProblems({ VAULTPILOT_DESTINATION: location })).toEqual([`VAULTPILOT_DESTINATION: ${message}`]);
    expect(workerProblems({ VAULTPILOT_DESTINATION: '/tmp/x', VAULTPILOT_PARENT: location })).toEqual([
      `VAULTPILOT_PARENT: ${message}`,
    ]);
  });

  it('both refuse an EBS snapshot as an archive', async () => {
    const cli = await runCli(['verify', 'ebs://snap-1'], { cwd: work });
    expect(cli).toMatchObject({ code: 2, stderr: 'vaultpilot: ebs://snap-1: an EBS snapshot is not an archive\n' });
    expect(workerProblems({ VAULTPILOT_DESTINATION: 'ebs://snap-1' })).toEqual([
      'VAULTPILOT_DESTINATION: ebs://snap-1: an EBS snapshot is not an archive',
    ]);
  });

  it('the worker names a bad destination when it reads its job, before anything starts', () => {
    expect(workerProblems({ VAULTPILOT_DESTINATION: 's3:///prefix' })).toEqual([
      'VAULTPILOT_DESTINATION: s3:///prefix: write S3 locations as s3://bucket/prefix',
    ]);
  });

  it('resolves relative directories against the working directory, as both record them', () => {
    const job = readExportJob(
      { VAULTPILOT_SNAPSHOT_ID: 'snap-1', VAULTPILOT_DESTINATION: 'day2', VAULTPILOT_PARENT: './archives/day1/' },
      [],
      work,
    );
    expect(job).toMatchObject({ destination: join(work, 'day2'), parent: join(work, 'archives/day1') });
    expect(canonicalArchiveLocation('./archives/day1/', work)).toBe(join(work, 'archives/day1'));
    expect(canonicalArchiveLocation('s3://bucket/vol-1/day1//', work)).toBe('s3://bucket/vol-1/day1');
    expect(canonicalArchiveLocation('s3://bucket', work)).toBe('s3://bucket');
  });

  it('parses sources, archives and restore targets', () => {
    expect(parseSourceLocation('ebs://snap-0123456789abcdef0')).toEqual({
      kind: 'ebs-snapshot',
      snapshotId: 'snap-0123456789abcdef0',
    });
    expect(parseSourceLocation('./disk.img')).toEqual({ kind: 'file', path: './disk.img' });
    expect(() => parseSourceLocation('ebs://vol-1')).toThrow('ebs://vol-1: write EBS snapshots as ebs://snap-…');
    expect(() => parseSourceLocation('s3://bucket/x')).toThrow('an S3 location is an archive, not a source');
    expect(parseArchiveLocation('s3://bucket/a/b/')).toEqual({ kind: 's3', bucket: 'bucket', prefix: 'a/b/' });
    expect(parseArchiveLocation('s3://bucket')).toEqual({ kind: 's3', bucket: 'bucket', prefix: '' });
    expect(parseRestoreTargetLocation('ebs://new')).toEqual({ kind: 'new-ebs-snapshot' });
    expect(() => parseRestoreTargetLocation('ebs://snap-1')).toThrow('restore to a new snapshot with ebs://new');
  });
});

describe('awsAccessFromEnv', () => {
  it('reads Region, endpoints and static keys from the environment it is given', () => {
    expect(
      awsAccessFromEnv({
        AWS_DEFAULT_REGION: 'eu-west-1',
        AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
        AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:2',
        AWS_ACCESS_KEY_ID: 'a',
        AWS_SECRET_ACCESS_KEY: 'b',
        AWS_SESSION_TOKEN: 'c',
      }),
    ).toEqual({
      region: 'eu-west-1',
      ebsEndpoint: 'http://127.0.0.1:1',
      s3Endpoint: 'http://127.0.0.1:2',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b', sessionToken: 'c' },
    });
    expect(awsAccessFromEnv({ AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'a' })).toEqual({ region: 'us-east-1' });
  });
});
