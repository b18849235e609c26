/**
 * Opens the locations src/core/archive/archiveLocation.ts parses — the one opener of sources, stores and restore
 * targets, shared by the CLI and the container worker. Local paths are resolved against the caller's working
 * directory, so what is recorded (a child's `parent.location`) is absolute. The AWS SDK is loaded only when an
 * `ebs://` or `s3://` location is opened: it costs about 50 MiB, which commands on local files should not pay.
 */
import { resolve } from 'node:path';
import type { StorageClass } from '@aws-sdk/client-s3';
import {
  type ArchiveStore,
  type BlockSource,
  FileRestoreTarget,
  LocalDirectoryStore,
  LocalFileSource,
  type RestoreTarget,
} from '../../archive/index.js';
import {
  type ArchiveLocation,
  formatS3Location,
  parseArchiveLocation,
  parseRestoreTargetLocation,
  parseSourceLocation,
  type RestoreTargetLocation,
  type SourceLocation,
} from '../../core/archive/archiveLocation.js';

/** Static AWS keys, as the SDK clients take them. */
export interface AwsKeys {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** How to reach AWS (or stand-ins) for `ebs://` and `s3://` locations. */
export interface AwsAccess {
  /** @default the SDK's (AWS_REGION, the profile) */
  readonly region?: string;
  /** Endpoint of the EBS direct APIs, e.g. a local stand-in. */
  readonly ebsEndpoint?: string;
  /** Endpoint of an S3-compatible store; buckets are then addressed by path. */
  readonly s3Endpoint?: string;
  /** @default the SDK's default credential chain */
  readonly credentials?: AwsKeys;
}

/** What opening a location needs: where relative paths start, and how to reach AWS. */
export interface OpenLocationOptions extends AwsAccess {
  /** Directory relative paths are resolved against. */
  readonly cwd: string;
  /** S3 storage class of new objects (archive destinations), e.g. GLACIER_IR or DEEP_ARCHIVE. */
  readonly storageClass?: string;
}

/**
 * Region, endpoints and credentials named by an environment (the process's, or one a test passes): AWS_REGION
 * (else AWS_DEFAULT_REGION), AWS_ENDPOINT_URL_EBS / AWS_ENDPOINT_URL_S3 (else AWS_ENDPOINT_URL), and static keys
 * AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN). What it does not name is left to the SDK.
 */
export function awsAccessFromEnv(env: NodeJS.ProcessEnv): AwsAccess {
  const value = (name: string) => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  const region = value('AWS_REGION') ?? value('AWS_DEFAULT_REGION');
  const ebsEndpoint = value('AWS_ENDPOINT_URL_EBS') ?? value('AWS_ENDPOINT_URL');
  const s3Endpoint = value('AWS_ENDPOINT_URL_S3') ?? value('AWS_ENDPOINT_URL');
  const accessKeyId = value('AWS_ACCESS_KEY_ID');
  const secretAccessKey = value('AWS_SECRET_ACCESS_KEY');
  const sessionToken = value('AWS_SESSION_TOKEN');
  return {
    ...(region ? { region } : {}),
    ...(ebsEndpoint ? { ebsEndpoint } : {}),
    ...(s3Endpoint ? { s3Endpoint } : {}),
    ...(accessKeyId && secretAccessKey
      ? { credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } }
      : {}),
  };
}

/**
 * The canonical text of an archive location, as recorded in a child's `parent.location`: `s3://bucket/prefix`
 * without a trailing slash, or an absolute path. Throws ArchiveLocationError for what is not an archive.
 */
export function canonicalArchiveLocation(location: string, cwd: string): string {
  const parsed = parseArchiveLocation(location);
  return parsed.kind === 's3' ? formatS3Location(parsed.bucket, parsed.prefix) : resolve(cwd, parsed.path);
}

async function ebsClient(options: OpenLocationOptions) {
  const { createEbsClient } = await import('../ebs/createEbsClient.js');
  return createEbsClient({
    endpoint: options.ebsEndpoint,
    region: options.region,
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
}

/** Opens a block source: `ebs://snap-…` (EBS direct APIs) or a local image file or block device. */
export async function openBlockSource(
  location: string | SourceLocation,
  options: OpenLocationOptions,
): Promise<BlockSource> {
  const parsed = typeof location === 'string' ? parseSourceLocation(location) : location;
  if (parsed.kind === 'file') return new LocalFileSource(resolve(options.cwd, parsed.path));
  const { EbsSnapshotSource } = await import('../ebs/EbsSnapshotSource.js');
  return new EbsSnapshotSource({ client: await ebsClient(options), snapshotId: parsed.snapshotId });
}

/**
 * Opens an archive store: `s3://bucket/prefix` or a local directory. `objects: 'streams'` is for stores whose objects
 * may be terabytes long and of unknown size when written (file archives): S3 multipart parts that grow
 * (src/aws/s3/GrowingPartS3Store.ts) instead of fixed 8 MiB ones (block archives' segments).
 */
export async function openArchiveStore(
  location: string | ArchiveLocation,
  options: OpenLocationOptions,
  objects: 'segments' | 'streams' = 'segments',
): Promise<ArchiveStore> {
  const parsed = typeof location === 'string' ? parseArchiveLocation(location) : location;
  if (parsed.kind === 'directory') return new LocalDirectoryStore(resolve(options.cwd, parsed.path));
  const { createS3Client } = await import('../s3/createS3Client.js');
  const endpoint = options.s3Endpoint;
  // S3-compatible stores address buckets by path; AWS itself prefers virtual-hosted names.
  const client = createS3Client({
    endpoint,
    region: options.region,
    forcePathStyle: endpoint !== undefined,
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
  const settings = {
    client,
    bucket: parsed.bucket,
    prefix: parsed.prefix,
    ...(options.storageClass ? { storageClass: options.storageClass as StorageClass } : {}),
  };
  if (objects === 'streams') {
    const { GrowingPartS3Store } = await import('../s3/GrowingPartS3Store.js');
    return new GrowingPartS3Store(settings);
  }
  const { S3ArchiveStore } = await import('../s3/S3ArchiveStore.js');
  return new S3ArchiveStore(settings);
}

/** Opens a restore target: `ebs://new` (a new EBS snapshot) or a local image file or block device. */
export async function openRestoreTarget(
  location: string | RestoreTargetLocation,
  options: OpenLocationOptions & { readonly overlay?: boolean },
): Promise<RestoreTarget> {
  const parsed = typeof location === 'string' ? parseRestoreTargetLocation(location) : location;
  if (parsed.kind === 'file') {
    return new FileRestoreTarget(resolve(options.cwd, parsed.path), { overlay: options.overlay ?? false });
  }
  const { EbsSnapshotTarget } = await import('../ebs/EbsSnapshotTarget.js');
  return new EbsSnapshotTarget({ client: await ebsClient(options) });
}
