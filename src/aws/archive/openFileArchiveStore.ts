/**
 * Opens the destination of a file archive: a local directory, or an S3 prefix written with growing multipart
 * parts (src/aws/s3/GrowingPartS3Store.ts), since one object there may be terabytes long. The AWS SDK is loaded
 * only for `s3://` locations.
 */
import { resolve } from 'node:path';
import type { StorageClass } from '@aws-sdk/client-s3';
import { type ArchiveStore, LocalDirectoryStore } from '../../archive/index.js';
import { type ArchiveLocation, parseArchiveLocation } from '../../core/archive/archiveLocation.js';
import type { OpenLocationOptions } from './openArchiveLocation.js';

/** Opens `s3://bucket/prefix` or a directory as the store of a file archive. */
export async function openFileArchiveStore(
  location: string | ArchiveLocation,
  options: OpenLocationOptions,
): Promise<ArchiveStore> {
  const parsed = typeof location === 'string' ? parseArchiveLocation(location) : location;
  if (parsed.kind === 'directory') return new LocalDirectoryStore(resolve(options.cwd, parsed.path));
  const { createS3Client } = await import('../s3/createS3Client.js');
  const { GrowingPartS3Store } = await import('../s3/GrowingPartS3Store.js');
  const endpoint = options.s3Endpoint;
  const client = createS3Client({
    endpoint,
    region: options.region,
    forcePathStyle: endpoint !== undefined,
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
  return new GrowingPartS3Store({
    client,
    bucket: parsed.bucket,
    prefix: parsed.prefix,
    ...(options.storageClass ? { storageClass: options.storageClass as StorageClass } : {}),
  });
}
