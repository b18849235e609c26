import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildManifest,
  exportRoot,
  type LatestPointer,
  latestPointerKey,
  MANIFEST_FORMAT,
  MANIFEST_VERSION,
  supersedes,
} from '../../../src/core/actions/exportManifest.js';
import type { ExportProgress, ExportRequest, SourceDescription } from '../../../src/core/actions/exportWorkflow.js';
import type { RdsExportVerification } from '../../../src/core/actions/verifyRdsExport.js';

const PREFIX = 'exports/account=111122223333/region=eu-west-1/type=rds/resource=prod-db/date=2026-11-20';

const request: ExportRequest = {
  workflow: 'rds-export-parquet',
  recoveryPointArn: 'arn:aws:rds:eu-west-1:111122223333:snapshot:awsbackup:job-1',
  resourceType: 'RDS',
  vault: 'prod-daily',
  watchedVaults: ['prod-daily'],
  account: '111122223333',
  region: 'eu-west-1',
  resourceName: 'prod-db',
  trigger: 'backup job COMPLETED',
  fromBackup: true,
  deleteAfterExport: true,
  attempt: 1,
  exportTaskIdentifier: 'vp-prod-db-0123456789ab-1',
  s3Prefix: PREFIX,
  includeTags: [],
  excludeTags: [],
  sourcePatterns: [],
  requestedAt: '2026-11-20T02:10:00.000Z',
};
const source: SourceDescription = {
  exportable: true,
  engine: 'postgres',
  status: 'available',
  encrypted: true,
  sourceIdentifier: 'prod-db',
  snapshotTime: '2026-11-20T02:00:00.000Z',
  tags: {},
};
const progress: ExportProgress = {
  exportTaskIdentifier: request.exportTaskIdentifier,
  status: 'COMPLETE',
  s3Bucket: 'archive',
  s3Prefix: PREFIX,
  percentProgress: 100,
  totalExtractedDataInGB: 0,
  startedAt: '2026-11-20T02:11:00.000Z',
  pollCount: 3,
  waitSeconds: 480,
};
const root = exportRoot(PREFIX, request.exportTaskIdentifier);
const verification: RdsExportVerification = {
  complete: true,
  tables: [
    {
      target: 'db.public.orders',
      status: 'COMPLETE',
      bytes: 30,
      objects: [
        { key: `${root}db/public.orders/1/a.parquet`, size: 10, etag: '"a"', validParquet: true },
        { key: `${root}db/public.orders/1/b.parquet`, size: 20, validParquet: true },
      ],
    },
  ],
  warnings: ['a warning'],
  infoFiles: [`${root}export_tables_info_x_from_1_to_1.json`],
  objects: 4,
  bytes: 1234,
};

describe('exportRoot', () => {
  it('is <S3Prefix>/<export id>/ whatever trailing slashes the prefix has', () => {
    expect(exportRoot('a/b', 'id')).toBe('a/b/id/');
    expect(exportRoot('a/b///', 'id')).toBe('a/b/id/');
  });
});

describe('latestPointerKey', () => {
  it('keeps the account, region, type and resource partitions and drops the date', () => {
    expect(latestPointerKey(PREFIX)).toBe(
      'latest/account=111122223333/region=eu-west-1/type=rds/resource=prod-db/latest.json',
    );
    expect(latestPointerKey(`${PREFIX}/`)).toBe(latestPointerKey(PREFIX));
  });

  it('is the same for every date of one resource', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }), (d) => {
        const prefix = PREFIX.replace(/date=.*$/, `date=${d.toISOString().slice(0, 10)}`);
        expect(latestPointerKey(prefix)).toBe(latestPointerKey(PREFIX));
      }),
    );
  });
});

describe('buildManifest', () => {
  it('describes a verified export', () => {
    const m = buildManifest({ request, source, progress, verification, verifiedAt: '2026-11-20T03:00:00.000Z' });
    expect(m).toEqual({
      format: MANIFEST_FORMAT,
      version: MANIFEST_VERSION,
      result: 'complete',
      source: {
        recoveryPointArn: request.recoveryPointArn,
        resourceType: 'RDS',
        resourceName: 'prod-db',
        vault: 'prod-daily',
        account: '111122223333',
        region: 'eu-west-1',
        engine: 'postgres',
        sourceIdentifier: 'prod-db',
        snapshotTime: '2026-11-20T02:00:00.000Z',
        encrypted: true,
        trigger: 'backup job COMPLETED',
      },
      export: {
        exportTaskIdentifier: request.exportTaskIdentifier,
        bucket: 'archive',
        root,
        format: 'parquet',
        startedAt: progress.startedAt,
        verifiedAt: '2026-11-20T03:00:00.000Z',
        totalExtractedDataInGB: 0,
      },
      tables: [
        {
          target: 'db.public.orders',
          status: 'COMPLETE',
          bytes: 30,
          objects: [
            { key: `${root}db/public.orders/1/a.parquet`, size: 10, etag: '"a"' },
            { key: `${root}db/public.orders/1/b.parquet`, size: 20 },
          ],
        },
      ],
      statusFiles: verification.infoFiles,
      objects: 4,
      bytes: 1234,
      warnings: ['a warning'],
    });
  });

  it('says partial, and leaves out what is not known', () => {
    const { vault: _vault, ...noVault } = request;
    const m = buildManifest({
      request: noVault,
      source: { exportable: true, engine: 'mysql', status: 'available', encrypted: false, tags: {} },
      progress: { ...progress, warningMessage: 'some tables skipped', totalExtractedDataInGB: undefined } as never,
      verification: { ...verification, complete: false },
      verifiedAt: 'x',
    });
    expect(m.result).toBe('partial');
    expect(m.source).not.toHaveProperty('vault');
    expect(m.source).not.toHaveProperty('sourceIdentifier');
    expect(m.source).not.toHaveProperty('snapshotTime');
    expect(m.export).not.toHaveProperty('totalExtractedDataInGB');
    expect(m.export.warningMessage).toBe('some tables skipped');
    // Serializable without losing anything (no undefined values).
    expect(JSON.parse(JSON.stringify(m))).toEqual(m);
  });
});

describe('supersedes', () => {
  const pointer = (snapshotTime: string | undefined, verifiedAt: string): LatestPointer => ({
    manifestKey: 'm',
    exportTaskIdentifier: 'id',
    root: 'r/',
    recoveryPointArn: 'arn',
    ...(snapshotTime ? { snapshotTime } : {}),
    verifiedAt,
  });

  it('replaces no pointer', () => {
    expect(supersedes(pointer(undefined, '2026-01-01T00:00:00Z'), undefined)).toBe(true);
  });

  it('a newer snapshot wins even when verified earlier; an older one never does', () => {
    const older = pointer('2026-11-19T02:00:00Z', '2026-11-21T00:00:00Z');
    const newer = pointer('2026-11-20T02:00:00Z', '2026-11-20T03:00:00Z');
    expect(supersedes(newer, older)).toBe(true);
    expect(supersedes(older, newer)).toBe(false);
  });

  it('compares snapshot times as times, not strings', () => {
    expect(supersedes(pointer('2026-11-20T03:00:00+02:00', 'a'), pointer('2026-11-20T02:00:00Z', 'b'))).toBe(false);
  });

  it('the same snapshot verified later (or again) wins; unknown times fall back to verifiedAt', () => {
    const a = pointer('2026-11-20T02:00:00Z', '2026-11-20T03:00:00Z');
    const b = pointer('2026-11-20T02:00:00Z', '2026-11-20T04:00:00Z');
    expect(supersedes(b, a)).toBe(true);
    expect(supersedes(a, b)).toBe(false);
    expect(supersedes(a, a)).toBe(true);
    expect(supersedes(pointer(undefined, '2'), pointer('2026-11-20T02:00:00Z', '1'))).toBe(true);
  });

  it('is antisymmetric for different snapshot times', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4e12 }), fc.integer({ min: 0, max: 4e12 }), (x, y) => {
        fc.pre(x !== y);
        const a = pointer(new Date(x).toISOString(), 'v');
        const b = pointer(new Date(y).toISOString(), 'v');
        expect(supersedes(a, b)).toBe(!supersedes(b, a));
      }),
    );
  });
});
