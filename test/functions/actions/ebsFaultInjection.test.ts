/**
 * The EBS branch of the export workflow, run locally (the synthesized state machine with its two Map states, the
 * real Task functions and block-archive engine, the EBS direct API stand-in over image files, AWS Backup and S3
 * stand-ins): a full archive and an incremental one of a child snapshot, each restored and compared with its image;
 * a snapshot in the archive tier reported, not read; then a fault at every Task state of the branch and the shared
 * tail, with the safety properties: no objects of an unverified archive stay, and no recovery point is deleted
 * without a complete, verified archive.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LOCAL_ACCOUNT as ACCOUNT,
  LOCAL_BUCKET,
  type LocalActions,
  type LocalExecution,
  LOCAL_REGION as REGION,
  startLocalActions,
} from '../../../sandbox/actions/localActions.js';
import { FileRestoreTarget, restoreArchive } from '../../../src/archive/index.js';
import { createS3Client } from '../../../src/aws/s3/createS3Client.js';
import { S3ArchiveStore } from '../../../src/aws/s3/S3ArchiveStore.js';
import { exportRoot, MANIFEST_FILE } from '../../../src/core/actions/exportManifest.js';
import { EXPORT_STATES, type ExportRequest } from '../../../src/core/actions/exportWorkflow.js';
import { ActionsSchema } from '../../../src/core/config/actionsSchema.js';
import { permanent, resultFor as resultOf, transientOnce } from './faults.js';

const actions = ActionsSchema.parse({ enabled: true, vaults: [{ name: 'prod-daily' }] });
const BLOCK = 524_288;

let local: LocalActions;
let dir: string;
let counter = 0;
const resultFor = (arn: string) => resultOf(local, arn);

beforeAll(async () => {
  local = await startLocalActions({ actions });
  local.backup.addVault('prod-daily');
  dir = mkdtempSync(join(tmpdir(), 'vp-ebs-actions-'));
});

afterAll(async () => {
  await local?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** An image of `blocks` blocks: random data, a few zero blocks and holes. */
function image(name: string, blocks: number, base?: Buffer, changed: readonly number[] = []): Buffer {
  const bytes = base ? Buffer.from(base) : Buffer.alloc(blocks * BLOCK);
  const write = (i: number) => randomBytes(BLOCK).copy(bytes, i * BLOCK);
  if (!base) for (let i = 0; i < blocks; i++) if (i % 5 !== 3) write(i);
  for (const i of changed) write(i);
  writeFileSync(join(dir, name), bytes);
  return bytes;
}

interface Point {
  readonly arn: string;
  readonly snapshotId: string;
  readonly request: ExportRequest;
  readonly bytes: Buffer;
}

async function newRecoveryPoint(
  options: {
    volume?: string;
    parent?: Point;
    changed?: readonly number[];
    cold?: boolean;
    archiveTier?: boolean;
    tags?: Record<string, string>;
    deleteAfterExport?: boolean;
    maxChainDepth?: number;
    excludeTags?: { key: string; value?: string }[];
  } = {},
): Promise<Point> {
  counter += 1;
  const volume = options.volume ?? `vol-${String(counter).padStart(17, '0')}`;
  const name = `image-${counter}.img`;
  const bytes = image(name, 24, options.parent?.bytes, options.changed);
  const snapshotId = await local.ebs.addSnapshot({
    imagePath: join(dir, name),
    ...(options.parent ? { parentSnapshotId: options.parent.snapshotId } : {}),
  });
  const arn = `arn:aws:ec2:${REGION}::snapshot/${snapshotId}`;
  local.ec2.addSnapshot({
    snapshotId,
    volumeId: volume,
    volumeSizeGiB: 1,
    ...(options.archiveTier ? { storageTier: 'archive' } : {}),
    ...(options.tags ? { tags: options.tags } : {}),
  });
  local.backup.addRecoveryPoint({
    vault: 'prod-daily',
    recoveryPointArn: arn,
    resourceArn: `arn:aws:ec2:${REGION}:${ACCOUNT}:volume/${volume}`,
    resourceType: 'EBS',
    creationDate: new Date(Date.now() - (options.cold ? 200 : 1) * 86_400_000),
    ...(options.cold ? { lifecycle: { moveToColdStorageAfterDays: 90 } } : {}),
  });
  const request: ExportRequest = {
    workflow: 'ebs-block-archive',
    recoveryPointArn: arn,
    resourceType: 'EBS',
    ...(options.maxChainDepth !== undefined ? { ebsMaxChainDepth: options.maxChainDepth } : {}),
    vault: 'prod-daily',
    watchedVaults: ['prod-daily'],
    account: ACCOUNT,
    region: REGION,
    resourceName: volume,
    trigger: 'backup job COMPLETED',
    fromBackup: true,
    deleteAfterExport: options.deleteAfterExport ?? true,
    attempt: 1,
    exportTaskIdentifier: `vp-${volume}-${snapshotId}-1`,
    s3Prefix: `exports/account=${ACCOUNT}/region=${REGION}/type=ebs/resource=${volume}/date=2026-12-0${1 + (counter % 9)}`,
    includeTags: [],
    excludeTags: options.excludeTags ?? [],
    sourcePatterns: [],
    requestedAt: new Date().toISOString(),
  };
  return { arn, snapshotId, request, bytes };
}

async function manifestOf(request: ExportRequest): Promise<Record<string, unknown> | undefined> {
  try {
    const key = `${exportRoot(request.s3Prefix, request.exportTaskIdentifier)}${MANIFEST_FILE}`;
    const out = await local.s3Client.send(new GetObjectCommand({ Bucket: local.bucket, Key: key }));
    return JSON.parse(await out.Body!.transformToString()) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

async function assertSafe(point: Point, label: string) {
  const manifest = await manifestOf(point.request);
  const root = exportRoot(point.request.s3Prefix, point.request.exportTaskIdentifier);
  const objects = await local.deps.archive.list(root);
  if (!manifest) {
    expect(
      objects.map((o) => o.key),
      `${label}: objects of an unverified archive left behind`,
    ).toEqual([]);
  }
  if (local.backup.recoveryPoint(point.arn)?.deleted) {
    expect(manifest?.result, `${label}: recovery point deleted without a complete, verified archive`).toBe('complete');
  }
}

/** The archive restored (its chain through s3:// locations, as `vaultpilot restore` opens them) to a file. */
async function restored(point: Point): Promise<Buffer> {
  const client = createS3Client({
    endpoint: local.s3.endpoint,
    region: REGION,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    forcePathStyle: true,
  });
  const storeAt = (prefix: string) => new S3ArchiveStore({ client, bucket: LOCAL_BUCKET, prefix });
  const target = join(dir, `restored-${point.snapshotId}.img`);
  await restoreArchive({
    store: storeAt(`${exportRoot(point.request.s3Prefix, point.request.exportTaskIdentifier)}archive/`),
    openStore: async (location: string) => storeAt(location.replace(`s3://${LOCAL_BUCKET}/`, '')),
    target: (position) => new FileRestoreTarget(target, { overlay: position > 0 }),
  });
  return readFileSync(target);
}

describe('the EBS export workflow, locally', () => {
  let first: Point;

  it('archives a snapshot through the EBS direct APIs, verifies it, and the archive restores the same bytes', async () => {
    first = await newRecoveryPoint({ volume: 'vol-0aaa000000000000a', deleteAfterExport: false });
    const run = await local.run({ request: first.request });
    const result = resultFor(first.arn);
    expect(run.status, JSON.stringify(result)).toBe('SUCCEEDED');
    expect(result).toMatchObject({ workflow: 'ebs-block-archive', outcome: 'exported', resourceType: 'EBS' });
    expect(run.path).toEqual(
      expect.arrayContaining([
        EXPORT_STATES.planArchive,
        EXPORT_STATES.archiveShard,
        EXPORT_STATES.verifyShard,
        EXPORT_STATES.mergeArchive,
      ]),
    );
    const manifest = (await manifestOf(first.request)) as {
      export: { ebs: { chainDepth: number; snapshotId: string } };
    };
    expect(manifest.export.ebs).toMatchObject({ chainDepth: 0, snapshotId: first.snapshotId });
    const back = await restored(first);
    expect(back.subarray(0, first.bytes.length).equals(first.bytes)).toBe(true);
  });

  it('archives the next snapshot of the volume incrementally, and the chain restores it', async () => {
    const second = await newRecoveryPoint({
      volume: 'vol-0aaa000000000000a',
      parent: first,
      changed: [1, 7, 13],
      deleteAfterExport: false,
    });
    // The latest pointer is per volume (the S3 prefix without its date): found whatever day the first one ran.
    const { request } = second;
    const run = await local.run({ request });
    expect(run.status, JSON.stringify(resultFor(second.arn))).toBe('SUCCEEDED');
    const manifest = (await manifestOf(request)) as {
      export: { ebs: { chainDepth: number; parent?: { snapshotId: string }; dataBlocks: number } };
    };
    expect(manifest.export.ebs.chainDepth).toBe(1);
    expect(manifest.export.ebs.parent?.snapshotId).toBe(first.snapshotId);
    // Only the changed blocks are stored in the incremental archive.
    expect(manifest.export.ebs.dataBlocks).toBe(3);
    const back = await restored(second);
    expect(back.subarray(0, second.bytes.length).equals(second.bytes)).toBe(true);
  });

  it('reports a snapshot EC2 says is in the archive tier, and applies the tag filters to its EC2 tags', async () => {
    const archived = await newRecoveryPoint({ archiveTier: true });
    expect((await local.run({ request: archived.request })).path).toContain(EXPORT_STATES.notExportable);
    expect(resultFor(archived.arn)?.cause).toContain('Archive tier');
    const skipped = await newRecoveryPoint({
      tags: { 'backup-export': 'skip' },
      excludeTags: [{ key: 'backup-export', value: 'skip' }],
    });
    expect((await local.run({ request: skipped.request })).path).toContain(EXPORT_STATES.notExportable);
    expect(resultFor(skipped.arn)?.cause).toContain('backup-export=skip');
    const kept = await newRecoveryPoint({
      tags: { 'backup-export': 'yes' },
      excludeTags: [{ key: 'backup-export', value: 'skip' }],
      deleteAfterExport: false,
    });
    const run = await local.run({ request: kept.request });
    expect(run.status).toBe('SUCCEEDED');
    expect(resultFor(kept.arn)?.outcome).toBe('exported');
  });

  it('reports a snapshot in the archive tier (cold storage) as not exportable, reading nothing', async () => {
    const point = await newRecoveryPoint({ cold: true });
    const run = await local.run({ request: point.request });
    expect(run.status).toBe('SUCCEEDED');
    expect(run.path).toContain(EXPORT_STATES.notExportable);
    expect(resultFor(point.arn)).toMatchObject({ outcome: 'not-exportable' });
    expect(resultFor(point.arn)?.cause).toContain('Archive tier');
    // Nothing was read: neither EC2 nor the EBS direct APIs were asked about it.
    expect(local.ec2.calls[point.snapshotId]).toBeUndefined();
  });
});

const HAPPY_PATH_TASKS = [
  EXPORT_STATES.describeSource,
  EXPORT_STATES.planArchive,
  EXPORT_STATES.archiveShard,
  EXPORT_STATES.verifyShard,
  EXPORT_STATES.mergeArchive,
  EXPORT_STATES.writeManifest,
  EXPORT_STATES.deleteRecoveryPoint,
  EXPORT_STATES.confirmDeletion,
  EXPORT_STATES.recordOutcome,
];

const summary: { state: string; fault: string; execution: LocalExecution['status'] }[] = [];

describe('fault injection at every Task of the EBS export workflow', () => {
  for (const state of HAPPY_PATH_TASKS) {
    it(`retries a transient fault at ${state} and ends as without it`, async () => {
      const point = await newRecoveryPoint();
      const run = await local.run({ request: point.request }, { intercept: transientOnce(state) });
      summary.push({ state, fault: 'transient', execution: run.status });
      expect(run.status, JSON.stringify(resultFor(point.arn))).toBe('SUCCEEDED');
      expect(run.retries).toBeGreaterThanOrEqual(1);
      expect(resultFor(point.arn)).toMatchObject({ outcome: 'exported', deletion: { status: 'deleted' } });
      await assertSafe(point, `transient at ${state}`);
    });
  }

  for (const state of HAPPY_PATH_TASKS) {
    it(`handles a permanent fault at ${state} safely and says so`, async () => {
      const point = await newRecoveryPoint();
      const run = await local.run({ request: point.request }, { intercept: permanent(state) });
      const result = resultFor(point.arn);
      summary.push({ state, fault: 'permanent', execution: run.status });
      await assertSafe(point, `permanent at ${state}`);
      if (state === EXPORT_STATES.confirmDeletion) {
        expect(run.status).toBe('SUCCEEDED');
        expect(result).toMatchObject({ outcome: 'exported', deletion: { status: 'not-deleted' } });
        return;
      }
      expect(run.status).toBe('FAILED');
      expect(run.path).toContain(EXPORT_STATES.cleanUp);
      if (state === EXPORT_STATES.deleteRecoveryPoint) {
        expect(result).toMatchObject({ outcome: 'exported', deletion: { status: 'not-deleted' } });
        return;
      }
      if (state === EXPORT_STATES.recordOutcome) {
        expect(run.path).toContain(EXPORT_STATES.recordFailure);
        return;
      }
      const failedStep =
        state === EXPORT_STATES.archiveShard
          ? EXPORT_STATES.archiveShards
          : state === EXPORT_STATES.verifyShard
            ? EXPORT_STATES.verifyShards
            : state;
      expect(result).toMatchObject({ outcome: 'failed', failedStep });
      expect(result?.cause).toContain('refused for good');
      expect(local.backup.recoveryPoint(point.arn)?.deleted, 'recovery point kept').toBe(false);
    });
  }

  it('ran both kinds of fault at every Task of the happy path', () => {
    expect(summary.length).toBe(HAPPY_PATH_TASKS.length * 2);
  });
});
