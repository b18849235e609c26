/**
 * An S3 archive store for single streams of unknown, possibly multi-terabyte length (a file archive's
 * `files.tar.zst`): multipart uploads whose parts grow as the stream goes on, so 10,000 parts carry ~7.6 TiB while
 * small streams still start with small parts; and memory bounded by the bytes in flight, not by the stream.
 *
 * `aws s3 cp - s3://…` picks one part size from an expected size it cannot know for a pipe, and fails past about
 * 50 GB; here part n is `base + floor((n-1)/every) × step` bytes. It is S3ArchiveStore with that part schedule and a
 * limit on the bytes in flight rather than on the number of parts.
 */
import type { S3Client, StorageClass } from '@aws-sdk/client-s3';
import { S3ArchiveStore } from './S3ArchiveStore.js';

const MIB = 1024 * 1024;
const MAX_PARTS = 10_000;
const MAX_PART_SIZE = 5 * 1024 * MIB;

/** How part sizes grow: part n (1-based) is `base + floor((n-1)/every) × step` bytes, at most 5 GiB. */
export interface PartSchedule {
  readonly baseBytes: number;
  readonly stepBytes: number;
  readonly every: number;
}

/** 8 MiB parts for the first 100 (800 MiB), then 16 MiB more every 100 parts: 10,000 parts hold ~7.6 TiB. */
export const DEFAULT_PART_SCHEDULE: PartSchedule = { baseBytes: 8 * MIB, stepBytes: 16 * MIB, every: 100 };

/** Bytes of part `partNumber` (1-based). */
export function partSize(partNumber: number, schedule: PartSchedule = DEFAULT_PART_SCHEDULE): number {
  const grown = schedule.baseBytes + Math.floor((partNumber - 1) / schedule.every) * schedule.stepBytes;
  return Math.min(MAX_PART_SIZE, grown);
}

/** The largest stream 10,000 parts of `schedule` carry. */
export function maxStreamBytes(schedule: PartSchedule = DEFAULT_PART_SCHEDULE): number {
  let total = 0;
  for (let n = 1; n <= MAX_PARTS; n++) total += partSize(n, schedule);
  return total;
}

/** Settings of a growing-part store. */
export interface GrowingPartS3StoreOptions {
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix?: string;
  readonly storageClass?: StorageClass;
  /** @default DEFAULT_PART_SCHEDULE */
  readonly schedule?: PartSchedule;
  /** Part bytes uploading at once (at least one part, whatever its size). @default 256 MiB */
  readonly maxBytesInFlight?: number;
  /** Attempts per request. @default S3ArchiveStore's */
  readonly maxAttempts?: number;
}

/** S3ArchiveStore whose multipart parts grow along `schedule`, bounded by the bytes in flight. */
export class GrowingPartS3Store extends S3ArchiveStore {
  constructor(options: GrowingPartS3StoreOptions) {
    const schedule = options.schedule ?? DEFAULT_PART_SCHEDULE;
    super({
      client: options.client,
      bucket: options.bucket,
      ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
      ...(options.storageClass === undefined ? {} : { storageClass: options.storageClass }),
      partSizes: (n) => partSize(n, schedule),
      // The byte limit decides: as many parts as fit in it.
      maxConcurrentParts: MAX_PARTS,
      maxBytesInFlight: options.maxBytesInFlight ?? 256 * MIB,
      ...(options.maxAttempts === undefined ? {} : { retry: { maxAttempts: options.maxAttempts } }),
    });
  }
}
