/**
 * The tuning settings of block-archive exports and restores, with their ranges and defaults, shared by the
 * CLI (`vaultpilot archive`, `restore`, `verify`) and the container worker so both accept the same values.
 */
import type { NumberSpec } from './parseNumber.js';

/** A numeric setting: what it accepts and its default. */
export interface NumberSetting extends NumberSpec {
  readonly min: number;
  readonly max: number;
  readonly default?: number;
}

/**
 * zstd compression level: 1 (fast) to 19 (small), default 3. zstd-napi would take up to 22, but levels 20–22
 * are zstd's "ultra" levels (the `zstd` command wants `--ultra` for them and they need far more memory per
 * codec thread for no gain on 4 MiB frames), and negative "fast" levels trade away the ratio archives are for.
 */
export const COMPRESSION_LEVEL = { integer: true, min: 1, max: 19, default: 3 } as const satisfies NumberSetting;

/**
 * Blocks read in parallel by an export. EBS answers each GetSnapshotBlock after a round trip, so it needs more
 * in flight than a local disk; every block in flight holds 512 KiB.
 */
export const READ_CONCURRENCY = {
  integer: true,
  min: 1,
  max: 1024,
  /** Default for EBS snapshots (the CLI and the worker). */
  ebs: 16,
  /** Default for local image files and block devices. */
  file: 8,
} as const satisfies NumberSetting & { readonly ebs: number; readonly file: number };

/** Blocks written in parallel by a restore. */
export const WRITE_CONCURRENCY = { integer: true, min: 1, max: 1024, default: 16 } as const satisfies NumberSetting;

/** Compression or decompression threads (default: one per core). */
export const CODEC_THREADS = { integer: true, min: 1, max: 256 } as const satisfies NumberSetting;

/**
 * Uncompressed MiB of stored blocks per segment object. At most 64 GiB: the S3 store writes 8 MiB parts and
 * an object holds at most 10,000 of them (~78 GiB), even for incompressible blocks.
 */
export const SEGMENT_SIZE_MIB = { integer: true, min: 1, max: 65_536, default: 128 } as const satisfies NumberSetting;

/** How many shards one export may be split into. */
export const SHARD_COUNT = { integer: true, min: 1, max: 10_000, default: 1 } as const satisfies NumberSetting;
