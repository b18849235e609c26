/**
 * The block-archive format (docs/archive-format.md is the specification): object keys, the manifest
 * schema, index lines and the LINEAR checksum. Everything here is pure: no I/O.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { ArchiveCorruptError } from './errors.js';
import { EBS_BLOCK_SIZE } from './ports.js';

export const FORMAT_NAME = 'vaultpilot-block-archive';
export const FORMAT_VERSION = 1;

/** The commit marker: an archive exists exactly when this object exists. */
export const MANIFEST_KEY = 'manifest.json';

/** Block kinds in index lines: stored data, all-zero (not stored), removed since the parent (reads as zero). */
export type BlockKind = 'D' | 'Z' | 'R';

/** Digest of an all-zero block of EBS_BLOCK_SIZE bytes: every Z and R entry carries it. */
export const ZERO_BLOCK_SHA256 = createHash('sha256').update(Buffer.alloc(EBS_BLOCK_SIZE)).digest();
export const ZERO_BLOCK_SHA256_HEX = ZERO_BLOCK_SHA256.toString('hex');

/** Width of the zero-padded first block index in segment names, enough for 2^39 blocks (256 PiB). */
const SEGMENT_NAME_DIGITS = 12;

/** Name of the segment whose first entry is block `firstBlock` (sorts in block order). */
export function segmentName(firstBlock: number): string {
  return String(firstBlock).padStart(SEGMENT_NAME_DIGITS, '0');
}

/** Key of a segment's compressed block data. */
export function segmentDataKey(name: string): string {
  return `segments/${name}.zst`;
}

/** Key of a segment's compressed index. */
export function segmentIndexKey(name: string): string {
  return `segments/${name}.idx.zst`;
}

/** Key of the partial manifest written by shard `index` of `count`. */
export function shardManifestKey(index: number, count: number): string {
  return `shards/${String(index).padStart(5, '0')}-of-${String(count).padStart(5, '0')}.json`;
}

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex SHA-256');
const count = z.number().int().nonnegative();

/** One segment: a zstd stream of its stored blocks and an index naming every entry. */
export const segmentSchema = z.strictObject({
  name: z.string().regex(/^[0-9]{12}$/),
  firstBlock: count,
  lastBlock: count,
  /** Index entries (D + Z + R). */
  entries: count,
  dataBlocks: count,
  zeroBlocks: count,
  removedBlocks: count,
  /** Size in bytes of the compressed data object. */
  size: count,
  sha256: hex64,
  indexSize: count,
  indexSha256: hex64,
});
export type SegmentEntry = z.infer<typeof segmentSchema>;

const totalsSchema = z.strictObject({
  entries: count,
  dataBlocks: count,
  zeroBlocks: count,
  removedBlocks: count,
  /** Compressed bytes of all segment data objects. */
  storedBytes: count,
});
export type ArchiveTotals = z.infer<typeof totalsSchema>;

export const manifestSchema = z.strictObject({
  format: z.literal(FORMAT_NAME),
  version: z.literal(FORMAT_VERSION),
  createdAt: z.string(),
  volumeSize: count,
  blockSize: z.literal(EBS_BLOCK_SIZE),
  source: z.strictObject({ kind: z.enum(['ebs-snapshot', 'file']), id: z.string().min(1) }),
  /** The archive this one is incremental to: its location as given, its manifest digest and source. */
  parent: z
    .strictObject({ location: z.string().min(1), manifestSha256: hex64, sourceId: z.string().min(1) })
    .optional(),
  /** Block range covered: the whole volume, or one shard's part in a shard manifest. */
  range: z.strictObject({ first: count, end: count }),
  shard: z.strictObject({ index: count, count: z.number().int().positive() }).optional(),
  compression: z.strictObject({ codec: z.literal('zstd'), level: z.number().int(), frameBlocks: count }),
  totals: totalsSchema,
  /** Base64 SHA-256 over the 32-byte digests of every entry in block order (EBS LINEAR aggregation). */
  linearChecksum: z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'a base64 SHA-256'),
  segments: z.array(segmentSchema),
  /** Hex SHA-256 of this manifest serialized with `digest` set to the empty string. */
  digest: z.string(),
});
export type ArchiveManifest = z.infer<typeof manifestSchema>;

/** Serializes a manifest (pretty, one field per line so shell tools can read it) with its digest filled in. */
export function serializeManifest(manifest: Omit<ArchiveManifest, 'digest'>): string {
  const blank = `${JSON.stringify({ ...manifest, digest: '' }, null, 2)}\n`;
  const digest = createHash('sha256').update(blank).digest('hex');
  return `${JSON.stringify({ ...manifest, digest }, null, 2)}\n`;
}

/** Parses and checks a manifest; names every field that is wrong. */
export function parseManifest(text: string): ArchiveManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ArchiveCorruptError(['manifest: not valid JSON'], { cause: error });
  }
  const parsed = manifestSchema.safeParse(value);
  if (!parsed.success) {
    throw new ArchiveCorruptError(
      parsed.error.issues.map((issue) => `manifest.${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  }
  const manifest = parsed.data;
  const blank = `${JSON.stringify({ ...manifest, digest: '' }, null, 2)}\n`;
  const digest = createHash('sha256').update(blank).digest('hex');
  if (digest !== manifest.digest) {
    throw new ArchiveCorruptError([
      `manifest.digest: ${manifest.digest || '(empty)'} does not match the manifest content (${digest}): a field was changed after it was written`,
    ]);
  }
  return manifest;
}

/** Hex SHA-256 of a manifest's exact bytes, recorded by children as `parent.manifestSha256`. */
export function manifestSha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Number of blocks of a volume (a short final block counts as one). */
export function blockCount(volumeSize: number, blockSize = EBS_BLOCK_SIZE): number {
  return Math.ceil(volumeSize / blockSize);
}

/** One line of a segment index. `frameSize` lines (kind F) give the compressed size of the next frame. */
export type IndexLine =
  | { readonly kind: BlockKind; readonly index: number; readonly sha256: string }
  | { readonly kind: 'F'; readonly index: number; readonly frameSize: number };

/** Formats an index line: `<block>\t<kind>\t<sha256 hex | frame size>\n`. */
export function formatIndexLine(line: IndexLine): string {
  return line.kind === 'F' ? `${line.index}\tF\t${line.frameSize}\n` : `${line.index}\t${line.kind}\t${line.sha256}\n`;
}

/** Parses a whole index text; `where` names the segment in error messages. */
export function parseIndex(text: string, where: string): IndexLine[] {
  const lines: IndexLine[] = [];
  const rows = text.split('\n');
  if (rows.at(-1) === '') rows.pop();
  rows.forEach((row, n) => {
    const [blockText, kind, value, extra] = row.split('\t');
    const index = Number(blockText);
    if (!Number.isSafeInteger(index) || index < 0 || extra !== undefined || value === undefined) {
      throw new ArchiveCorruptError([
        `${where}: index line ${n + 1} is malformed: ${JSON.stringify(row.slice(0, 100))}`,
      ]);
    }
    if (kind === 'F') {
      const frameSize = Number(value);
      if (!Number.isSafeInteger(frameSize) || frameSize <= 0) {
        throw new ArchiveCorruptError([`${where}: index line ${n + 1} has a bad frame size ${JSON.stringify(value)}`]);
      }
      lines.push({ kind, index, frameSize });
    } else if ((kind === 'D' || kind === 'Z' || kind === 'R') && /^[0-9a-f]{64}$/.test(value)) {
      lines.push({ kind, index, sha256: value });
    } else {
      throw new ArchiveCorruptError([
        `${where}: index line ${n + 1} is malformed: ${JSON.stringify(row.slice(0, 100))}`,
      ]);
    }
  });
  return lines;
}

/** Incremental LINEAR checksum: SHA-256 over per-block digests fed in ascending block order. */
export class LinearChecksum {
  private readonly hash = createHash('sha256');
  private last = -1;
  count = 0;

  /** Adds the digest of block `index`; indexes must ascend. */
  add(index: number, digest: Uint8Array): void {
    if (index <= this.last) throw new RangeError(`LINEAR checksum needs ascending blocks: ${index} after ${this.last}`);
    this.last = index;
    this.hash.update(digest);
    this.count++;
  }

  /** Base64 result. */
  digest(): string {
    return this.hash.digest('base64');
  }
}
