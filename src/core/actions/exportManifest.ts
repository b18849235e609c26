/**
 * The Vaultpilot manifest of one export, written last into the export's folder (its presence says: this
 * export was verified), and the stable per-resource pointer to the latest verified export:
 *
 *   <S3Prefix>/<export id>/vaultpilot-manifest.json
 *   latest/account=<id>/region=<region>/type=<rds|aurora>/resource=<name>/latest.json
 *
 * Checksums are what S3 reports for the objects RDS wrote (ETag; for SSE-KMS objects and multipart uploads an
 * ETag is not an MD5 of the content, so it identifies a version rather than proving bytes): Vaultpilot does not
 * re-read an export's data to hash it.
 */
import type { VaultpilotDynamoManifest } from '../dynamodb/manifests.js';
import type {
  EbsArchivePlan,
  ExportProgress,
  ExportRequest,
  SourceDescription,
  TableExportProgress,
} from './exportWorkflow.js';
import type { RdsExportVerification } from './verifyRdsExport.js';

export const MANIFEST_FORMAT = 'vaultpilot-export-manifest';
export const MANIFEST_VERSION = 1;
export const MANIFEST_FILE = 'vaultpilot-manifest.json';
/** The verification's working file, next to the manifest (the manifest copies it in). */
export const VERIFICATION_FILE = 'vaultpilot-verification.json';

/** `<S3Prefix>/<export id>/` */
export function exportRoot(s3Prefix: string, exportTaskIdentifier: string): string {
  return `${s3Prefix.replace(/\/+$/, '')}/${exportTaskIdentifier}/`;
}

/** The latest pointer's key for the export's resource: the S3 prefix's partitions without the date. */
export function latestPointerKey(s3Prefix: string): string {
  const parts = s3Prefix.replace(/\/+$/, '').split('/');
  const kept = parts.filter((p) => /^(account|region|type|resource)=/.test(p));
  return ['latest', ...kept, 'latest.json'].join('/');
}

export interface ExportManifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly version: typeof MANIFEST_VERSION;
  readonly result: 'complete' | 'partial';
  readonly source: {
    readonly recoveryPointArn: string;
    readonly resourceType: string;
    readonly resourceName: string;
    readonly vault?: string;
    readonly account: string;
    readonly region: string;
    readonly engine: string;
    readonly sourceIdentifier?: string;
    readonly snapshotTime?: string;
    readonly encrypted: boolean;
    readonly trigger: string;
  };
  readonly export: {
    readonly exportTaskIdentifier: string;
    readonly bucket: string;
    readonly root: string;
    /** Parquet (RDS, Aurora, DynamoDB), or Vaultpilot's block archive (EBS). */
    readonly format: 'parquet' | 'vaultpilot-block-archive';
    readonly startedAt: string;
    readonly verifiedAt: string;
    readonly totalExtractedDataInGB?: number;
    readonly warningMessage?: string;
    /** DynamoDB: the table export the Parquet was converted from, and the Parquet's own manifest. */
    readonly dynamodb?: {
      readonly exportFrom: string;
      readonly exportArn: string;
      readonly exportedTableArn: string;
      readonly exportTime?: string;
      readonly itemCount: number;
      readonly conversionManifest: string;
      readonly columns: number;
    };
    /** EBS: the block archive, its chain, and what the archive manifest says. */
    readonly ebs?: {
      readonly snapshotId: string;
      readonly volumeId: string;
      readonly volumeSizeGiB: number;
      readonly archivePrefix: string;
      readonly archiveManifest: string;
      /** 0: a full archive; n: the n-th incremental archive since the last full one. */
      readonly chainDepth: number;
      readonly parent?: { readonly archivePrefix: string; readonly snapshotId: string };
      readonly fullBecause?: string;
      readonly linearChecksum: string;
      readonly dataBlocks: number;
    };
  };
  readonly tables: readonly {
    readonly target: string;
    readonly status: string;
    readonly bytes: number;
    readonly objects: readonly { readonly key: string; readonly size: number; readonly etag?: string }[];
  }[];
  readonly statusFiles: readonly string[];
  readonly objects: number;
  readonly bytes: number;
  readonly warnings: readonly string[];
}

/** The manifest's `source`: the recovery point and what Describe source found. */
function manifestSource(
  request: ExportRequest,
  source: SourceDescription,
  vault: string | undefined,
): ExportManifest['source'] {
  return {
    recoveryPointArn: request.recoveryPointArn,
    resourceType: request.resourceType,
    resourceName: request.resourceName,
    ...(vault ? { vault } : {}),
    account: request.account,
    region: request.region,
    engine: source.engine,
    ...(source.sourceIdentifier ? { sourceIdentifier: source.sourceIdentifier } : {}),
    ...(source.snapshotTime ? { snapshotTime: source.snapshotTime } : {}),
    encrypted: source.encrypted,
    trigger: request.trigger,
  };
}

/** The manifest of a verified export. */
export function buildManifest(input: {
  request: ExportRequest;
  source: SourceDescription;
  progress: ExportProgress;
  verification: RdsExportVerification;
  verifiedAt: string;
}): ExportManifest {
  const { request, source, progress, verification } = input;
  return {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    result: verification.complete ? 'complete' : 'partial',
    source: manifestSource(request, source, request.vault),
    export: {
      exportTaskIdentifier: progress.exportTaskIdentifier,
      bucket: progress.s3Bucket,
      root: exportRoot(progress.s3Prefix, progress.exportTaskIdentifier),
      format: 'parquet',
      startedAt: progress.startedAt,
      verifiedAt: input.verifiedAt,
      ...(progress.totalExtractedDataInGB !== undefined
        ? { totalExtractedDataInGB: progress.totalExtractedDataInGB }
        : {}),
      ...(progress.warningMessage ? { warningMessage: progress.warningMessage } : {}),
    },
    tables: verification.tables.map((t) => ({
      target: t.target,
      status: t.status,
      bytes: t.bytes,
      objects: t.objects.map((o) => ({ key: o.key, size: o.size, ...(o.etag ? { etag: o.etag } : {}) })),
    })),
    statusFiles: verification.infoFiles,
    objects: verification.objects,
    bytes: verification.bytes,
    warnings: verification.warnings,
  };
}

/**
 * The manifest of a verified DynamoDB export: one "table" (the source table), its Parquet parts as the objects;
 * the Parquet's own manifest (columns, inputs, SHA-256 of every part) is named and kept beside them.
 */
export function buildDynamoDbManifest(input: {
  request: ExportRequest;
  source: SourceDescription;
  tableExport: TableExportProgress;
  conversion: VaultpilotDynamoManifest;
  /** S3 key of the Parquet's manifest (`…/parquet/vaultpilot-dynamodb-manifest.json`). */
  conversionManifestKey: string;
  bucket: string;
  verifiedAt: string;
}): ExportManifest {
  const { request, source, tableExport, conversion } = input;
  const root = exportRoot(request.s3Prefix, request.exportTaskIdentifier);
  const parquetPrefix = input.conversionManifestKey.replace(/[^/]*$/, '');
  const objects = conversion.files.map((f) => ({ key: `${parquetPrefix}${f.key}`, size: f.bytes }));
  const bytes = objects.reduce((n, o) => n + o.size, 0);
  return {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    result: 'complete',
    source: manifestSource(request, source, source.vault ?? request.vault),
    export: {
      exportTaskIdentifier: request.exportTaskIdentifier,
      bucket: input.bucket,
      root,
      format: 'parquet',
      startedAt: tableExport.startedAt,
      verifiedAt: input.verifiedAt,
      dynamodb: {
        exportFrom: source.exportFrom ?? 'backup',
        exportArn: tableExport.exportArn,
        exportedTableArn: tableExport.tableArn,
        ...(tableExport.exportTime ? { exportTime: tableExport.exportTime } : {}),
        itemCount: conversion.itemCount,
        conversionManifest: input.conversionManifestKey,
        columns: conversion.columns.length,
      },
    },
    tables: [
      {
        target: source.sourceIdentifier ?? request.resourceName,
        status: 'COMPLETE',
        bytes,
        objects,
      },
    ],
    statusFiles: [
      input.conversionManifestKey,
      ...(tableExport.manifestSummaryKey ? [tableExport.manifestSummaryKey] : []),
    ],
    objects: objects.length,
    bytes,
    warnings: source.exportFromNote ? [source.exportFromNote] : [],
  };
}

/** What writeManifest reads of a block archive's manifest (src/archive/format.ts), for the action manifest. */
export interface BlockArchiveSummary {
  readonly segments: readonly { readonly name: string; readonly size: number; readonly indexSize: number }[];
  readonly totals: { readonly dataBlocks: number; readonly storedBytes: number };
  readonly linearChecksum: string;
}

/**
 * The manifest of a verified EBS block archive: one "table" (the volume), the archive's segment objects as its
 * objects; restore and verify read the archive's own manifest, named here.
 */
export function buildEbsManifest(input: {
  request: ExportRequest;
  source: SourceDescription;
  plan: EbsArchivePlan;
  archive: BlockArchiveSummary;
  bucket: string;
  startedAt: string;
  verifiedAt: string;
}): ExportManifest {
  const { request, source, plan, archive } = input;
  const objects = archive.segments.flatMap((s) => [
    { key: `${plan.archivePrefix}segments/${s.name}.zst`, size: s.size },
    { key: `${plan.archivePrefix}segments/${s.name}.idx.zst`, size: s.indexSize },
  ]);
  const bytes = objects.reduce((n, o) => n + o.size, 0);
  return {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    result: 'complete',
    source: manifestSource(request, source, source.vault ?? request.vault),
    export: {
      exportTaskIdentifier: request.exportTaskIdentifier,
      bucket: input.bucket,
      root: exportRoot(request.s3Prefix, request.exportTaskIdentifier),
      format: 'vaultpilot-block-archive',
      startedAt: input.startedAt,
      verifiedAt: input.verifiedAt,
      ebs: {
        snapshotId: plan.snapshotId,
        volumeId: plan.volumeId,
        volumeSizeGiB: plan.volumeSizeGiB,
        archivePrefix: plan.archivePrefix,
        archiveManifest: `${plan.archivePrefix}manifest.json`,
        chainDepth: plan.chainDepth,
        ...(plan.parent
          ? { parent: { archivePrefix: plan.parent.archivePrefix, snapshotId: plan.parent.snapshotId } }
          : {}),
        ...(plan.fullBecause ? { fullBecause: plan.fullBecause } : {}),
        linearChecksum: archive.linearChecksum,
        dataBlocks: archive.totals.dataBlocks,
      },
    },
    tables: [{ target: plan.volumeId, status: 'COMPLETE', bytes, objects }],
    statusFiles: [`${plan.archivePrefix}manifest.json`],
    objects: objects.length,
    bytes,
    warnings: plan.fullBecause ? [`full archive: ${plan.fullBecause}`] : [],
  };
}

/** The per-resource pointer to the latest verified export. */
export interface LatestPointer {
  readonly manifestKey: string;
  readonly exportTaskIdentifier: string;
  readonly root: string;
  readonly recoveryPointArn: string;
  /** When the exported snapshot was taken: a later pointer never gives way to an older snapshot. */
  readonly snapshotTime?: string;
  readonly verifiedAt: string;
}

/** Whether `candidate` should replace `current` (newer snapshot, or the same snapshot verified later). */
export function supersedes(candidate: LatestPointer, current: LatestPointer | undefined): boolean {
  if (!current) return true;
  const a = Date.parse(candidate.snapshotTime ?? '');
  const b = Date.parse(current.snapshotTime ?? '');
  if (Number.isFinite(a) && Number.isFinite(b) && a !== b) return a > b;
  return candidate.verifiedAt >= current.verifiedAt;
}
