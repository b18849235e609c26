/**
 * Cleanup when container Tasks may still be writing (a failed Map, an aborted execution): it deletes, says
 * CleanupPending until the quiet period since its first call has passed (deleting again each time), then removes
 * its marker; without such workers it finishes at once; a verified export is never touched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3StandIn, startS3StandIn } from '../../../sandbox/s3/startS3StandIn.js';
import { ArchiveObjects } from '../../../src/aws/export/ArchiveObjects.js';
import { createS3Client } from '../../../src/aws/s3/createS3Client.js';
import { exportRoot, MANIFEST_FILE } from '../../../src/core/actions/exportManifest.js';
import { cleanupMarkerKey, removeUnverifiedObjects } from '../../../src/functions/actions/removeUnverifiedObjects.js';

const BUCKET = 'archive';
let s3: S3StandIn;
let archive: ArchiveObjects;
let clock = 1_000_000;
const now = () => clock;
let n = 0;

beforeAll(async () => {
  s3 = await startS3StandIn({ buckets: [BUCKET] });
  archive = new ArchiveObjects(
    createS3Client({
      region: 'eu-west-1',
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    }),
    BUCKET,
  );
});

afterAll(async () => {
  await s3?.close();
});

function request() {
  n += 1;
  return { s3Prefix: `exports/type=ebs/resource=vol-${n}/date=2026-12-04`, exportTaskIdentifier: `vp-vol-${n}-1` };
}

describe('removeUnverifiedObjects', () => {
  it('without workers that may still write: deletes and is done', async () => {
    const r = request();
    const root = exportRoot(r.s3Prefix, r.exportTaskIdentifier);
    await archive.putJson(`${root}archive/shards/a.json`, {});
    expect(await removeUnverifiedObjects(r, { archive, now }, false)).toEqual({
      objectsDeleted: 1,
      leftBehind: [],
      done: {},
    });
    expect(await archive.list(root)).toEqual([]);
  });

  it('with workers that may still write: pending until the quiet period has passed, deleting late writes', async () => {
    const r = request();
    const root = exportRoot(r.s3Prefix, r.exportTaskIdentifier);
    const deps = { archive, now, cleanupQuietMs: 60_000 };
    await archive.putJson(`${root}archive/segments/1.json`, {});
    await expect(removeUnverifiedObjects(r, deps, true, { tableDeleted: true })).rejects.toMatchObject({
      name: 'CleanupPending',
    });
    expect(await archive.list(root)).toEqual([]);
    // A shard that outlived its Map writes after the first cleanup…
    clock += 30_000;
    await archive.putJson(`${root}archive/segments/2.json`, {});
    await expect(removeUnverifiedObjects(r, deps, true)).rejects.toMatchObject({ name: 'CleanupPending' });
    expect(await archive.list(root)).toEqual([]);
    // …and once the quiet period has passed, cleanup is done and its marker gone.
    clock += 31_000;
    // Every call's work is reported: both late objects, and what the first call did besides.
    expect(await removeUnverifiedObjects(r, deps, true, { tableDeleted: false })).toEqual({
      objectsDeleted: 2,
      leftBehind: [],
      done: { tableDeleted: true },
    });
    expect(await archive.list(cleanupMarkerKey(r))).toEqual([]);
  });

  it('never touches an export whose action manifest exists', async () => {
    const r = request();
    const root = exportRoot(r.s3Prefix, r.exportTaskIdentifier);
    await archive.putJson(`${root}archive/manifest.json`, {});
    await archive.putJson(`${root}${MANIFEST_FILE}`, {});
    expect(await removeUnverifiedObjects(r, { archive, now }, true)).toEqual({
      objectsDeleted: 0,
      leftBehind: [],
      done: {},
    });
    expect((await archive.list(root)).length).toBe(2);
  });
});
