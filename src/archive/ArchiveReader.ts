/**
 * Reads an archive back: its manifest, each segment's index, and the blocks of a segment in order, checking
 * every digest on the way. Used by verify, restore and merge. Problems are named precisely (segment, block,
 * manifest field); a caller either collects them (verify) or stops at the first (restore).
 */
import { createHash } from 'node:crypto';
import { decompress as zstdDecompress } from 'zstd-napi';
import type { BlockCodecPool } from './BlockCodecPool.js';
import { ArchiveCorruptError, ArchiveError, ArchiveObjectNotFoundError } from './errors.js';
import {
  type ArchiveManifest,
  type BlockKind,
  blockCount,
  type IndexLine,
  MANIFEST_KEY,
  manifestSha256,
  parseIndex,
  parseManifest,
  type SegmentEntry,
  segmentDataKey,
  segmentIndexKey,
  ZERO_BLOCK_SHA256,
  ZERO_BLOCK_SHA256_HEX,
} from './format.js';
import { mapOrdered } from './mapOrdered.js';
import type { ArchiveStore, CallOptions } from './ports.js';
import { readObject, sha256Hex } from './storeObjects.js';

/** A block read back from a segment. `data` is set for stored (D) blocks only. */
export interface ReadBlock {
  readonly index: number;
  readonly kind: BlockKind;
  /** The digest recorded in the index (checked against `data` for D blocks). */
  readonly sha256: Uint8Array;
  readonly data?: Uint8Array;
}

type BlockLine = Exclude<IndexLine, { kind: 'F' }>;

interface Unit {
  readonly frameSize?: number;
  readonly lines: BlockLine[];
}

export interface ReadSegmentOptions extends CallOptions {
  /** Collects problems and goes on where possible; without it the first problem throws. */
  readonly onProblem?: (problem: string) => void;
  /** Frames decompressed ahead of the consumer. */
  readonly readAhead?: number;
}

/** An opened archive. */
export class ArchiveReader {
  private constructor(
    readonly store: ArchiveStore,
    readonly manifest: ArchiveManifest,
    /** Hex SHA-256 of the manifest bytes, what children record as `parent.manifestSha256`. */
    readonly manifestSha256: string,
  ) {}

  /** Reads and checks the manifest (or a shard manifest under `key`). */
  static async open(store: ArchiveStore, options?: CallOptions & { key?: string }): Promise<ArchiveReader> {
    const key = options?.key ?? MANIFEST_KEY;
    let bytes: Buffer;
    try {
      bytes = await readObject(store, key, options);
    } catch (error) {
      if (error instanceof ArchiveObjectNotFoundError) {
        throw new ArchiveError(
          `${store.location} holds no complete archive: ${key} is missing (an export that never finished leaves none)`,
          { cause: error },
        );
      }
      throw error;
    }
    const text = bytes.toString('utf8');
    const manifest = parseManifest(text);
    return new ArchiveReader(store, manifest, manifestSha256(text));
  }

  /** Problems in the manifest's own fields (totals, segment order and ranges). */
  manifestProblems(): string[] {
    const m = this.manifest;
    const problems: string[] = [];
    const blocks = blockCount(m.volumeSize, m.blockSize);
    if (m.range.first > m.range.end || m.range.end > blocks) {
      problems.push(`manifest.range: [${m.range.first}, ${m.range.end}) does not fit a volume of ${blocks} blocks`);
    }
    const sum = { entries: 0, dataBlocks: 0, zeroBlocks: 0, removedBlocks: 0, storedBytes: 0 };
    let previous = -1;
    m.segments.forEach((s, i) => {
      const where = `manifest.segments[${i}] (${s.name})`;
      if (Number(s.name) !== s.firstBlock) problems.push(`${where}: name does not match firstBlock ${s.firstBlock}`);
      if (s.firstBlock <= previous)
        problems.push(`${where}: firstBlock ${s.firstBlock} is not after block ${previous}`);
      if (s.lastBlock < s.firstBlock) problems.push(`${where}: lastBlock ${s.lastBlock} is before firstBlock`);
      if (s.firstBlock < m.range.first || s.lastBlock >= m.range.end) {
        problems.push(`${where}: blocks ${s.firstBlock}–${s.lastBlock} lie outside manifest.range`);
      }
      if (s.entries !== s.dataBlocks + s.zeroBlocks + s.removedBlocks) {
        problems.push(`${where}: entries ${s.entries} ≠ dataBlocks + zeroBlocks + removedBlocks`);
      }
      previous = s.lastBlock;
      sum.entries += s.entries;
      sum.dataBlocks += s.dataBlocks;
      sum.zeroBlocks += s.zeroBlocks;
      sum.removedBlocks += s.removedBlocks;
      sum.storedBytes += s.size;
    });
    for (const field of Object.keys(sum) as (keyof typeof sum)[]) {
      if (sum[field] !== m.totals[field]) {
        problems.push(`manifest.totals.${field}: ${m.totals[field]}, but the segments add up to ${sum[field]}`);
      }
    }
    return problems;
  }

  /** Reads a segment's index, checking its digest and its agreement with the manifest entry. */
  async readIndex(segment: SegmentEntry, options?: CallOptions): Promise<IndexLine[]> {
    const key = segmentIndexKey(segment.name);
    const where = `segment ${segment.name} index (${key})`;
    let bytes: Buffer;
    try {
      bytes = await readObject(this.store, key, options);
    } catch (error) {
      if (error instanceof ArchiveObjectNotFoundError) throw new ArchiveCorruptError([`${where}: missing`]);
      throw error;
    }
    if (bytes.byteLength !== segment.indexSize) {
      throw new ArchiveCorruptError([`${where}: ${bytes.byteLength} bytes, manifest says ${segment.indexSize}`]);
    }
    const digest = sha256Hex(bytes);
    if (digest !== segment.indexSha256) {
      throw new ArchiveCorruptError([`${where}: sha256 ${digest}, manifest says ${segment.indexSha256}`]);
    }
    let text: string;
    try {
      text = zstdDecompress(bytes).toString('utf8');
    } catch (error) {
      throw new ArchiveCorruptError([`${where}: cannot be decompressed`], { cause: error });
    }
    const lines = parseIndex(text, where);
    const problems = this.indexProblems(segment, lines, where);
    if (problems.length > 0) throw new ArchiveCorruptError(problems);
    return lines;
  }

  /**
   * Yields the blocks of a segment in index order, decompressing frames on the pool. Every stored block's
   * SHA-256 is checked against the index, and the data object's size and digest against the manifest.
   */
  async *readSegment(
    segment: SegmentEntry,
    pool: BlockCodecPool,
    options: ReadSegmentOptions = {},
  ): AsyncGenerator<ReadBlock> {
    const report = (problem: string) => {
      if (options.onProblem) options.onProblem(problem);
      else throw new ArchiveCorruptError([problem]);
    };
    const lines = await this.readIndex(segment, options);
    const units = groupUnits(lines);
    const key = segmentDataKey(segment.name);
    const where = `segment ${segment.name} (${key})`;
    if (segment.dataBlocks === 0) {
      for (const unit of units) yield* unit.lines.map(zeroBlockOf);
      return;
    }
    let body: AsyncIterable<Uint8Array>;
    try {
      body = await this.store.get(key, options);
    } catch (error) {
      if (!(error instanceof ArchiveObjectNotFoundError)) throw error;
      report(`${where}: missing`);
      return;
    }
    const reader = new ExactReader(body);
    let truncated = false;
    async function* framed(): AsyncGenerator<{ unit: Unit; frame?: Uint8Array }> {
      for (const unit of units) {
        if (unit.frameSize === undefined) {
          yield { unit };
          continue;
        }
        const frame = truncated ? undefined : await reader.read(unit.frameSize);
        if (!frame) truncated = true;
        yield { unit, frame };
      }
    }
    const decoded = mapOrdered(
      framed(),
      options.readAhead ?? pool.size * 2,
      async ({ unit, frame }) => {
        if (unit.frameSize === undefined) return { unit };
        if (!frame) return { unit, error: 'truncated' as const };
        const stored = unit.lines.filter((l) => l.kind === 'D').length;
        try {
          return { unit, ...(await pool.decompress(frame, stored)) };
        } catch (error) {
          return { unit, error: (error as Error).message };
        }
      },
      options.signal,
    );
    for await (const result of decoded) {
      const { unit } = result;
      if (unit.frameSize !== undefined && !('data' in result)) {
        const first = unit.lines.find((l) => l.kind === 'D')?.index;
        if ('error' in result && result.error === 'truncated') {
          report(`${where}: truncated: the frame of block ${first} is missing`);
        } else {
          report(`${where}: the frame of blocks from ${first} cannot be decompressed (${result.error})`);
        }
        continue;
      }
      let stored = 0;
      for (const line of unit.lines) {
        if (line.kind !== 'D') {
          if (line.sha256 !== ZERO_BLOCK_SHA256_HEX)
            report(`${where}: block ${line.index}: zero entry has a wrong digest`);
          yield zeroBlockOf(line);
          continue;
        }
        const data =
          'data' in result
            ? result.data!.subarray(stored * this.manifest.blockSize, (stored + 1) * this.manifest.blockSize)
            : undefined;
        const actual =
          'hashes' in result ? Buffer.from(result.hashes!.subarray(32 * stored, 32 * stored + 32)) : undefined;
        stored++;
        if (!actual || actual.toString('hex') !== line.sha256) {
          report(`${where}: block ${line.index}: data does not match its sha256 ${line.sha256}`);
          continue;
        }
        yield { index: line.index, kind: 'D', sha256: actual, data };
      }
    }
    const trailing = truncated ? 0 : await reader.rest();
    if (trailing > 0) report(`${where}: ${trailing} unexpected bytes after the last frame`);
    if (reader.total !== segment.size && !truncated) {
      report(`${where}: ${reader.total} bytes, manifest says ${segment.size}`);
    } else if (truncated) {
      report(`${where}: truncated: ${reader.total} bytes, manifest says ${segment.size}`);
    }
    const digest = reader.digest();
    if (!truncated && digest !== segment.sha256) report(`${where}: sha256 ${digest}, manifest says ${segment.sha256}`);
  }

  private indexProblems(segment: SegmentEntry, lines: IndexLine[], where: string): string[] {
    const problems: string[] = [];
    const counts = { D: 0, Z: 0, R: 0 };
    let previous = -1;
    let frames = 0;
    let framed = false;
    const end = Math.min(this.manifest.range.end, blockCount(this.manifest.volumeSize, this.manifest.blockSize));
    for (const line of lines) {
      if (line.kind === 'F') {
        frames += line.frameSize;
        framed = true;
        continue;
      }
      if (line.index <= previous) problems.push(`${where}: block ${line.index} is listed after block ${previous}`);
      if (line.index >= end) problems.push(`${where}: block ${line.index} lies beyond the volume end`);
      if (line.kind === 'D' && !framed) problems.push(`${where}: block ${line.index} is stored but no frame holds it`);
      previous = line.index;
      counts[line.kind]++;
    }
    const blockLines = lines.filter((l) => l.kind !== 'F');
    if (blockLines[0]?.index !== segment.firstBlock)
      problems.push(`${where}: first block differs from the manifest's firstBlock ${segment.firstBlock}`);
    if (blockLines.at(-1)?.index !== segment.lastBlock)
      problems.push(`${where}: last block differs from the manifest's lastBlock ${segment.lastBlock}`);
    if (counts.D !== segment.dataBlocks)
      problems.push(`${where}: ${counts.D} stored blocks, manifest says ${segment.dataBlocks}`);
    if (counts.Z !== segment.zeroBlocks)
      problems.push(`${where}: ${counts.Z} zero blocks, manifest says ${segment.zeroBlocks}`);
    if (counts.R !== segment.removedBlocks)
      problems.push(`${where}: ${counts.R} removed blocks, manifest says ${segment.removedBlocks}`);
    if (frames !== segment.size)
      problems.push(`${where}: frames add up to ${frames} bytes, manifest says ${segment.size}`);
    return problems;
  }
}

function zeroBlockOf(line: BlockLine): ReadBlock {
  return { index: line.index, kind: line.kind, sha256: ZERO_BLOCK_SHA256 };
}

/** Groups index lines into frames: an F line opens a unit holding the lines up to the next F line. */
function groupUnits(lines: IndexLine[]): Unit[] {
  const units: Unit[] = [];
  let current: { frameSize?: number; lines: BlockLine[] } = { lines: [] };
  for (const line of lines) {
    if (line.kind === 'F') {
      if (current.lines.length > 0 || current.frameSize !== undefined) units.push(current);
      current = { frameSize: line.frameSize, lines: [] };
    } else {
      current.lines.push(line);
    }
  }
  if (current.lines.length > 0 || current.frameSize !== undefined) units.push(current);
  return units;
}

/** Reads exact byte counts from a chunked stream while hashing and counting everything read. */
class ExactReader {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private pending: Buffer = Buffer.alloc(0);
  private readonly hash = createHash('sha256');
  total = 0;

  constructor(body: AsyncIterable<Uint8Array>) {
    this.iterator = body[Symbol.asyncIterator]();
  }

  /** Exactly `size` bytes, or undefined if the stream ends first. */
  async read(size: number): Promise<Uint8Array | undefined> {
    const parts: Buffer[] = [];
    let have = 0;
    while (have < size) {
      if (this.pending.byteLength === 0) {
        const next = await this.iterator.next();
        if (next.done) return undefined;
        this.pending = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
        this.hash.update(this.pending);
        this.total += this.pending.byteLength;
      }
      const take = Math.min(size - have, this.pending.byteLength);
      parts.push(this.pending.subarray(0, take));
      this.pending = this.pending.subarray(take);
      have += take;
    }
    // A fresh copy the pool can take ownership of.
    return parts.length === 1 ? new Uint8Array(parts[0]!) : Buffer.concat(parts, size);
  }

  /** Drains the stream; returns how many bytes were left. */
  async rest(): Promise<number> {
    let left = this.pending.byteLength;
    this.pending = Buffer.alloc(0);
    while (true) {
      const next = await this.iterator.next();
      if (next.done) return left;
      this.hash.update(next.value);
      this.total += next.value.byteLength;
      left += next.value.byteLength;
    }
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}
