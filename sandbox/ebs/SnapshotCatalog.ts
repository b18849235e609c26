/**
 * The snapshots the EBS direct API stand-in serves: snapshots backed by local image files (registered by the test
 * or demo) and snapshots written through StartSnapshot / PutSnapshotBlock / CompleteSnapshot (kept in sparse files
 * in a temporary directory, so memory stays bounded whatever is written).
 *
 * Like EBS, every snapshot records only the blocks written in it ("own" blocks); its content is its own blocks laid
 * over its parent's. ListSnapshotBlocks lists the union along the lineage, ListChangedBlocks the own blocks between
 * two snapshots of one lineage.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { conflictError, EbsStandInError, snapshotNotFound, validationError } from './ebsStandInErrors.js';

/** EBS direct API block size: 512 KiB. */
export const EBS_BLOCK_SIZE = 524_288;
const BLOCKS_PER_GIB = 2048;
const GIB = 1024 ** 3;
const ZERO_BLOCK = Buffer.alloc(EBS_BLOCK_SIZE);
const ZERO_DIGEST = createHash('sha256').update(ZERO_BLOCK).digest();

export type SnapshotStatus = 'pending' | 'completed' | 'error';

/** How to register a snapshot backed by a local image file. */
export interface ImageSnapshotSpec {
  /** `snap-…` id; generated when absent. */
  readonly snapshotId?: string;
  /** Path of the raw image file (its size sets the volume size, rounded up to whole GiB). */
  readonly imagePath: string;
  /** A registered snapshot this one is the child of: ListChangedBlocks between the two then works. */
  readonly parentSnapshotId?: string;
  /**
   * The blocks written in this snapshot. Default: every block that differs from the parent's content,
   * or, without a parent, every block that is not all zero (a hole).
   */
  readonly writtenBlocks?: readonly number[];
  /** Volume size in GiB; default: the image size rounded up (and at least the parent's). */
  readonly volumeSizeGiB?: number;
  readonly description?: string;
}

/** The StartSnapshot request fields the catalog needs. */
export interface StartSnapshotSpec {
  readonly volumeSizeGiB: number;
  readonly parentSnapshotId?: string;
  readonly clientToken?: string;
  readonly description?: string;
  readonly timeoutMinutes?: number;
  readonly encrypted?: boolean;
  readonly kmsKeyArn?: string;
  readonly tags?: readonly { Key?: string; Value?: string }[];
}

/** One snapshot as the stand-in keeps it. */
export interface SnapshotRecord {
  readonly snapshotId: string;
  readonly parentSnapshotId: string | undefined;
  readonly rootSnapshotId: string;
  readonly volumeSizeGiB: number;
  readonly origin: 'image' | 'written';
  readonly startTime: number;
  readonly description: string | undefined;
  readonly tags: readonly { Key?: string; Value?: string }[];
  readonly timeoutMinutes: number;
  readonly clientToken: string | undefined;
  readonly fingerprint: string;
  status: SnapshotStatus;
  /** Why a written snapshot ended in `error`. */
  errorReason?: string;
  /** Set by CompleteSnapshot when completion is delayed: the status the snapshot reaches, and when. */
  completion?: { readonly at: number; readonly status: 'completed' | 'error' };
  readonly ownBlocks: Set<number>;
  /** SHA-256 of own blocks: from PutSnapshotBlock (for the LINEAR check on completion), or computed at registration. */
  readonly ownDigests: Map<number, Buffer>;
  readonly file: FileHandle;
  /** Bytes of the backing image (reads past its end are zeros). */
  readonly fileSize: number;
  sortedBlocks?: readonly number[];
}

/** The snapshots of one stand-in, with their block data. */
export class SnapshotCatalog {
  private readonly snapshots = new Map<string, SnapshotRecord>();
  private readonly byClientToken = new Map<string, string>();
  private tempDir: string | undefined;

  /**
   * @param now the stand-in's clock (epoch ms)
   * @param completionDelayMs how long a completed write stays `pending` after CompleteSnapshot, as on EBS
   */
  constructor(
    private readonly now: () => number,
    private readonly completionDelayMs = 0,
  ) {}

  /** Registers a snapshot backed by an image file; scans it for written blocks unless they are given. */
  async addImageSnapshot(spec: ImageSnapshotSpec): Promise<SnapshotRecord> {
    const snapshotId = spec.snapshotId ?? newSnapshotId();
    if (this.snapshots.has(snapshotId)) throw new Error(`snapshot ${snapshotId} is already registered`);
    const parent = spec.parentSnapshotId === undefined ? undefined : this.require(spec.parentSnapshotId);
    const { size } = await stat(spec.imagePath);
    const file = await open(spec.imagePath, 'r');
    const volumeSizeGiB = spec.volumeSizeGiB ?? Math.max(1, Math.ceil(size / GIB), parent ? parent.volumeSizeGiB : 1);
    const record: SnapshotRecord = {
      snapshotId,
      parentSnapshotId: parent?.snapshotId,
      rootSnapshotId: parent ? parent.rootSnapshotId : snapshotId,
      volumeSizeGiB,
      origin: 'image',
      startTime: this.now(),
      description: spec.description,
      tags: [],
      timeoutMinutes: 0,
      clientToken: undefined,
      fingerprint: '',
      status: 'completed',
      ownBlocks: new Set(),
      ownDigests: new Map(),
      file,
      fileSize: size,
    };
    try {
      if (spec.writtenBlocks) {
        for (const index of spec.writtenBlocks) record.ownBlocks.add(index);
      } else {
        await this.scanOwnBlocks(record, parent);
      }
      // EBS keeps every block's checksum with the block; computing them once here keeps hashing out of the
      // read path, so a benchmark reading through the stand-in does not pay for it on the shared cores.
      for (const index of [...record.ownBlocks].sort((a, b) => a - b)) {
        const data = await readAt(file, size, index);
        record.ownDigests.set(index, createHash('sha256').update(data).digest());
      }
    } catch (error) {
      await file.close();
      throw error;
    }
    this.snapshots.set(snapshotId, record);
    return record;
  }

  /** StartSnapshot: a new pending snapshot, or the one already started with the same ClientToken. */
  async startSnapshot(spec: StartSnapshotSpec): Promise<SnapshotRecord> {
    const fingerprint = JSON.stringify([spec.volumeSizeGiB, spec.parentSnapshotId ?? null, spec.description ?? null]);
    if (spec.clientToken !== undefined) {
      const existing = this.byClientToken.get(spec.clientToken);
      if (existing !== undefined) {
        const record = this.require(existing);
        if (record.fingerprint !== fingerprint) {
          throw conflictError('The ClientToken was already used with different request parameters.');
        }
        return record;
      }
    }
    if (!Number.isInteger(spec.volumeSizeGiB) || spec.volumeSizeGiB < 1 || spec.volumeSizeGiB > 65_536) {
      throw validationError('INVALID_VOLUME_SIZE', 'VolumeSize must be an integer from 1 to 65536 GiB.');
    }
    const timeoutMinutes = spec.timeoutMinutes ?? 60;
    if (!Number.isInteger(timeoutMinutes) || timeoutMinutes < 10 || timeoutMinutes > 4320) {
      throw validationError('INVALID_PARAMETER_VALUE', 'Timeout must be from 10 to 4320 minutes.');
    }
    let parent: SnapshotRecord | undefined;
    if (spec.parentSnapshotId !== undefined) {
      parent = this.require(spec.parentSnapshotId);
      if (this.statusOf(parent) !== 'completed') {
        throw validationError('INVALID_SNAPSHOT_ID', `The parent snapshot ${parent.snapshotId} is not completed.`);
      }
      if (spec.volumeSizeGiB < parent.volumeSizeGiB) {
        throw validationError('INVALID_VOLUME_SIZE', 'VolumeSize must not be smaller than the parent snapshot.');
      }
    }
    this.tempDir ??= await mkdtemp(join(tmpdir(), 'vaultpilot-ebs-'));
    const snapshotId = newSnapshotId();
    const file = await open(join(this.tempDir, `${snapshotId}.img`), 'w+');
    const record: SnapshotRecord = {
      snapshotId,
      parentSnapshotId: parent?.snapshotId,
      rootSnapshotId: parent ? parent.rootSnapshotId : snapshotId,
      volumeSizeGiB: spec.volumeSizeGiB,
      origin: 'written',
      startTime: this.now(),
      description: spec.description,
      tags: spec.tags ?? [],
      timeoutMinutes,
      clientToken: spec.clientToken,
      fingerprint,
      status: 'pending',
      ownBlocks: new Set(),
      ownDigests: new Map(),
      file,
      fileSize: spec.volumeSizeGiB * GIB,
    };
    this.snapshots.set(snapshotId, record);
    if (spec.clientToken !== undefined) this.byClientToken.set(spec.clientToken, snapshotId);
    return record;
  }

  /** PutSnapshotBlock: stores a verified block in a pending snapshot. */
  async putBlock(snapshotId: string, blockIndex: number, data: Buffer, digest: Buffer): Promise<void> {
    const record = this.require(snapshotId);
    const status = this.statusOf(record);
    if (record.completion) {
      throw validationError('INVALID_SNAPSHOT_ID', `CompleteSnapshot was already called for ${snapshotId}.`);
    }
    if (record.origin !== 'written' || status !== 'pending') {
      throw validationError(
        status === 'error' ? 'WRITE_REQUEST_TIMEOUT' : 'INVALID_SNAPSHOT_ID',
        `The snapshot ${snapshotId} is ${status}, not pending: it accepts no more blocks.`,
      );
    }
    this.checkBlockIndex(record, blockIndex);
    await record.file.write(data, 0, data.length, blockIndex * EBS_BLOCK_SIZE);
    record.ownBlocks.add(blockIndex);
    record.ownDigests.set(blockIndex, digest);
  }

  /**
   * CompleteSnapshot: checks the changed-block count and, when given, the LINEAR aggregate checksum, and ends the
   * snapshot in `completed` or `error` (as EBS does, a mismatch is reported through the status, not an HTTP error).
   */
  completeSnapshot(
    snapshotId: string,
    changedBlocksCount: number,
    checksum: string | undefined,
    algorithm: string | undefined,
    aggregation: string | undefined,
  ): SnapshotStatus {
    const record = this.require(snapshotId);
    const status = this.statusOf(record);
    if (record.origin !== 'written' || status !== 'pending' || record.completion) return status;
    if (checksum !== undefined && (algorithm !== 'SHA256' || aggregation !== 'LINEAR')) {
      throw validationError(
        'INVALID_PARAMETER_VALUE',
        'ChecksumAlgorithm must be SHA256 and ChecksumAggregationMethod LINEAR.',
      );
    }
    let outcome: 'completed' | 'error' = 'completed';
    if (changedBlocksCount !== record.ownBlocks.size) {
      outcome = 'error';
      record.errorReason = `ChangedBlocksCount ${changedBlocksCount} but ${record.ownBlocks.size} blocks were written`;
    } else if (checksum !== undefined && checksum !== linearChecksum(record)) {
      outcome = 'error';
      record.errorReason = 'the LINEAR aggregate checksum does not match the written blocks';
    }
    if (this.completionDelayMs > 0) {
      record.completion = { at: this.now() + this.completionDelayMs, status: outcome };
      return 'pending';
    }
    record.status = outcome;
    this.sortedBlocksOf(record);
    return record.status;
  }

  /** The snapshot with this id, or ResourceNotFoundException. */
  require(snapshotId: string): SnapshotRecord {
    const record = this.snapshots.get(snapshotId);
    if (!record) throw snapshotNotFound(snapshotId);
    return record;
  }

  /** The snapshot for a read API: it must exist and be completed. */
  requireReadable(snapshotId: string): SnapshotRecord {
    const record = this.require(snapshotId);
    if (this.statusOf(record) !== 'completed') {
      throw validationError('INVALID_SNAPSHOT_ID', `The snapshot ${snapshotId} is not completed.`);
    }
    return record;
  }

  /** The status, turning a pending snapshot whose Timeout has passed into `error`. */
  statusOf(record: SnapshotRecord): SnapshotStatus {
    if (record.status === 'pending' && record.completion) {
      if (this.now() >= record.completion.at) record.status = record.completion.status;
      return record.status;
    }
    if (record.status === 'pending' && this.now() > record.startTime + record.timeoutMinutes * 60_000) {
      record.status = 'error';
      record.errorReason = 'the snapshot was not completed before its Timeout';
    }
    return record.status;
  }

  /** Every snapshot the catalog holds. */
  list(): SnapshotRecord[] {
    return [...this.snapshots.values()];
  }

  /** The ascending block indexes of a snapshot's content: its own blocks and those of its ancestors. */
  sortedBlocksOf(record: SnapshotRecord): readonly number[] {
    if (record.sortedBlocks) return record.sortedBlocks;
    const all = new Set<number>();
    for (const r of this.lineage(record)) for (const index of r.ownBlocks) all.add(index);
    const sorted = [...all].sort((a, b) => a - b);
    if (this.statusOf(record) === 'completed') record.sortedBlocks = sorted;
    return sorted;
  }

  /**
   * The blocks that differ between two snapshots of one lineage, ascending, each with whether it exists in the
   * first and in the second snapshot. Without a first snapshot, every block of the second.
   */
  changedBlocks(
    first: SnapshotRecord | undefined,
    second: SnapshotRecord,
  ): { index: number; inFirst: boolean; inSecond: boolean }[] {
    if (!first) return this.sortedBlocksOf(second).map((index) => ({ index, inFirst: false, inSecond: true }));
    if (first.rootSnapshotId !== second.rootSnapshotId) {
      throw validationError('UNRELATED_SNAPSHOTS', 'The snapshots are not of the same lineage.');
    }
    const firstChain = this.lineage(first);
    const secondChain = this.lineage(second);
    const common = new Set(firstChain.map((r) => r.snapshotId));
    const sharedAncestor = secondChain.find((r) => common.has(r.snapshotId));
    const changed = new Set<number>();
    for (const chain of [firstChain, secondChain]) {
      for (const r of chain) {
        if (r === sharedAncestor) break;
        for (const index of r.ownBlocks) changed.add(index);
      }
    }
    const inFirst = new Set(this.sortedBlocksOf(first));
    const inSecond = new Set(this.sortedBlocksOf(second));
    return [...changed]
      .sort((a, b) => a - b)
      .map((index) => ({ index, inFirst: inFirst.has(index), inSecond: inSecond.has(index) }));
  }

  /** Reads one block of a snapshot's content (the newest write along its lineage). */
  async readBlock(record: SnapshotRecord, blockIndex: number): Promise<Buffer> {
    return (await this.readBlockWithDigest(record, blockIndex)).data;
  }

  /**
   * Reads one block and its SHA-256. Digests are kept per block once computed (blocks never change after they
   * are written), so a benchmark running the stand-in in its own process does not pay for hashing twice.
   */
  async readBlockWithDigest(record: SnapshotRecord, blockIndex: number): Promise<{ data: Buffer; digest: Buffer }> {
    const owner = this.lineage(record).find((r) => r.ownBlocks.has(blockIndex));
    if (!owner) return { data: Buffer.alloc(EBS_BLOCK_SIZE), digest: ZERO_DIGEST };
    const data = await readAt(owner.file, owner.fileSize, blockIndex);
    let digest = owner.ownDigests.get(blockIndex);
    if (!digest) {
      digest = createHash('sha256').update(data).digest();
      owner.ownDigests.set(blockIndex, digest);
    }
    return { data, digest };
  }

  /** Throws ValidationException INVALID_BLOCK when the index is outside the volume. */
  checkBlockIndex(record: SnapshotRecord, blockIndex: number): void {
    if (!Number.isInteger(blockIndex) || blockIndex < 0 || blockIndex >= record.volumeSizeGiB * BLOCKS_PER_GIB) {
      throw validationError('INVALID_BLOCK', `Block index ${blockIndex} is outside the volume.`);
    }
  }

  /** Closes every file and removes the written snapshots. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.snapshots.values()].map((r) => r.file.close()));
    this.snapshots.clear();
    if (this.tempDir) await rm(this.tempDir, { recursive: true, force: true });
  }

  /** The snapshot and its ancestors, nearest first. */
  private lineage(record: SnapshotRecord): SnapshotRecord[] {
    const chain: SnapshotRecord[] = [];
    for (let r: SnapshotRecord | undefined = record; r; ) {
      chain.push(r);
      r = r.parentSnapshotId === undefined ? undefined : this.snapshots.get(r.parentSnapshotId);
    }
    return chain;
  }

  private async scanOwnBlocks(record: SnapshotRecord, parent: SnapshotRecord | undefined): Promise<void> {
    const blocks = Math.ceil(record.fileSize / EBS_BLOCK_SIZE);
    const parentSorted = parent ? this.sortedBlocksOf(parent) : [];
    const parentBlocks = new Set(parentSorted);
    const end = Math.max(blocks, (parentSorted.at(-1) ?? -1) + 1);
    // Read 8 MiB at a time: registering a multi-GiB image should take seconds, not minutes.
    const batch = 16;
    const buffer = Buffer.allocUnsafe(batch * EBS_BLOCK_SIZE);
    for (let first = 0; first < end; first += batch) {
      const count = Math.min(batch, end - first);
      const wanted = Math.max(0, Math.min(count * EBS_BLOCK_SIZE, record.fileSize - first * EBS_BLOCK_SIZE));
      let filled = 0;
      while (filled < wanted) {
        const { bytesRead } = await record.file.read(buffer, filled, wanted - filled, first * EBS_BLOCK_SIZE + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      buffer.fill(0, filled, count * EBS_BLOCK_SIZE);
      for (let i = 0; i < count; i++) {
        const index = first + i;
        const data = buffer.subarray(i * EBS_BLOCK_SIZE, (i + 1) * EBS_BLOCK_SIZE);
        const before = parent && parentBlocks.has(index) ? await this.readBlock(parent, index) : ZERO_BLOCK;
        if (!data.equals(before)) record.ownBlocks.add(index);
      }
    }
  }
}

/** SHA-256 over the concatenated per-block digests in block order, base64: the LINEAR aggregate checksum. */
export function linearChecksum(record: Pick<SnapshotRecord, 'ownBlocks' | 'ownDigests'>): string {
  const hash = createHash('sha256');
  for (const index of [...record.ownBlocks].sort((a, b) => a - b)) {
    const digest = record.ownDigests.get(index);
    if (!digest) throw new EbsStandInError(500, 'InternalServerException', `no digest for block ${index}`);
    hash.update(digest);
  }
  return hash.digest('base64');
}

async function readAt(file: FileHandle, fileSize: number, blockIndex: number): Promise<Buffer> {
  // Unfilled: every byte is either read or zeroed below.
  const data = Buffer.allocUnsafe(EBS_BLOCK_SIZE);
  const offset = blockIndex * EBS_BLOCK_SIZE;
  let filled = 0;
  while (filled < EBS_BLOCK_SIZE && offset + filled < fileSize) {
    const { bytesRead } = await file.read(data, filled, EBS_BLOCK_SIZE - filled, offset + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  if (filled < EBS_BLOCK_SIZE) data.fill(0, filled);
  return data;
}

function newSnapshotId(): string {
  return `snap-${randomUUID().replaceAll('-', '').slice(0, 17)}`;
}
