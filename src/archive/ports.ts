/**
 * The ports of the block-archive engine: what it needs from a block source (an EBS snapshot through the
 * direct APIs, a local image), a restore target (a new EBS snapshot, a local file) and an archive store
 * (S3, a local directory). The engine depends only on these interfaces; src/aws implements them over the
 * AWS SDK, src/archive implements the local ones. Every call takes an AbortSignal so Ctrl-C, a kill or a
 * failing sibling stops work promptly.
 */

/** EBS direct API block size: 512 KiB. Archives use it for every source so blocks map 1:1 to EBS. */
export const EBS_BLOCK_SIZE = 524_288;

/** Options every port call accepts. */
export interface CallOptions {
  /** Cancels the call; implementations reject with the signal's reason (or an AbortError). */
  readonly signal?: AbortSignal;
}

/** Options of BlockSource.readBlock. */
export interface ReadBlockOptions extends CallOptions {
  /**
   * Whether the source checks the block against the checksum it reports. `false` means the caller hashes the
   * block anyway (the export engine does, on its codec threads) and reads it again with `verify: true` on a
   * mismatch, so the source need not hash every block a second time. @default true
   */
  readonly verify?: boolean;
}

/** A half-open range of block indexes: `first` ≤ index < `end`. */
export interface BlockRange {
  readonly first: number;
  readonly end: number;
}

/** What a source knows about the volume it reads. */
export interface SourceInfo {
  /** Volume size in bytes (EBS: VolumeSize GiB × 2^30). */
  readonly volumeSize: number;
  /** Block size in bytes; always EBS_BLOCK_SIZE for archives. */
  readonly blockSize: number;
  /** Stable identity of what is read, e.g. `snap-0123…` or an absolute file path. */
  readonly id: string;
  /** Kind of source, recorded in the manifest. */
  readonly kind: 'ebs-snapshot' | 'file';
}

/** A block named by a listing. `token` is the opaque BlockToken EBS needs to read it (absent for files). */
export interface ListedBlock {
  readonly index: number;
  readonly token?: string;
}

/**
 * A block that differs between a parent and this snapshot (ListChangedBlocks). `removed` is true when the
 * block exists in the parent but not in this snapshot (EBS sends no SecondBlockToken): it reads as zeros now.
 */
export interface ChangedBlock {
  readonly index: number;
  /** Token of the block in this (the newer) snapshot; absent when removed. */
  readonly token?: string;
  readonly removed: boolean;
}

/** The bytes of one block and, when the source reports one, its checksum. */
export interface BlockData {
  /** Exactly `blockSize` bytes (a short final block of a file is padded with zeros). */
  readonly data: Uint8Array;
  /** Base64 SHA-256 of `data` as the source reported it (EBS x-amz-Checksum); absent for local files. */
  readonly checksum?: string;
  /**
   * Optional: the engine calls it once it no longer needs `data`, so the source may reuse the memory
   * (saves allocating and collecting 512 KiB per block).
   */
  readonly release?: () => void;
}

/** Where archived blocks come from. */
export interface BlockSource {
  /** Size, block size and identity of the volume. */
  describe(options?: CallOptions): Promise<SourceInfo>;
  /** Lists the written blocks of `range` in ascending index order, each exactly once. */
  listBlocks(range: BlockRange, options?: CallOptions): AsyncIterable<ListedBlock>;
  /**
   * Lists the blocks of `range` that differ from `parentId` (an older snapshot of the same lineage), in
   * ascending order. Absent on sources that cannot compare (local files).
   */
  listChangedBlocks?(parentId: string, range: BlockRange, options?: CallOptions): AsyncIterable<ChangedBlock>;
  /**
   * Reads one listed block. Implementations retry transient failures and verify `checksum` if they can (unless
   * `verify` is false: then `checksum` is what the source reported, unchecked).
   */
  readBlock(block: ListedBlock, options?: ReadBlockOptions): Promise<BlockData>;
  /** Releases file handles or connections. */
  close?(): Promise<void>;
}

/** Parameters of a restore. */
export interface RestoreStart {
  readonly volumeSize: number;
  readonly blockSize: number;
  /** EBS snapshot the new snapshot is based on (incremental chains), if any. */
  readonly parentSnapshotId?: string;
  /** Human-readable description (EBS snapshot Description). */
  readonly description?: string;
}

/** Parameters of the final commit of a restore. */
export interface RestoreCompletion {
  /** How many blocks were written. */
  readonly changedBlocksCount: number;
  /** Base64 SHA-256 over the SHA-256 digests of the written blocks in ascending block order (LINEAR). */
  readonly linearChecksum: string;
}

/** Where a restore writes blocks: a new EBS snapshot, a file or a device. One instance per restore. */
export interface RestoreTarget {
  /** Starts the restore (StartSnapshot, open/truncate the file). Returns the id of what is being written. */
  start(params: RestoreStart, options?: CallOptions): Promise<{ readonly id: string }>;
  /** Writes one block of exactly `blockSize` bytes; `checksum` is its base64 SHA-256. May run concurrently. */
  writeBlock(index: number, data: Uint8Array, checksum: string, options?: CallOptions): Promise<void>;
  /** Commits what was written (CompleteSnapshot, fsync). Returns the final id (e.g. `snap-…`). */
  complete(params: RestoreCompletion, options?: CallOptions): Promise<{ readonly id: string }>;
  /** Abandons a started restore; never throws for an already-failed one. */
  abort(reason?: unknown): Promise<void>;
}

/** An object in an archive store. Keys are relative to the store's root (bucket prefix or directory). */
export interface StoredObject {
  readonly key: string;
  readonly size: number;
}

/** Options of ArchiveStore.put. */
export interface PutOptions extends CallOptions {
  /** Called with the number of bytes just stored, as parts complete. */
  readonly onProgress?: (bytes: number) => void;
}

/** Options of ArchiveStore.get. */
export interface GetOptions extends CallOptions {
  /** Byte range to read, half-open: `start` ≤ offset < `end`. */
  readonly range?: { readonly start: number; readonly end: number };
}

/**
 * Where archives live (S3 bucket prefix, local directory). An object becomes visible only when `put`
 * resolves: a failed or aborted put leaves nothing behind (S3: the multipart upload is aborted).
 */
export interface ArchiveStore {
  /** Where this store points, for messages (e.g. `s3://bucket/prefix`, `/srv/archives/x`). */
  readonly location: string;
  /** Stores an object from a stream of unknown length; resolves with its size once it is durable. */
  put(key: string, body: AsyncIterable<Uint8Array>, options?: PutOptions): Promise<StoredObject>;
  /** Streams an object (or a range of it). Rejects with ArchiveObjectNotFoundError if it does not exist. */
  get(key: string, options?: GetOptions): Promise<AsyncIterable<Uint8Array>>;
  /** Size of an object, or undefined if it does not exist. */
  head(key: string, options?: CallOptions): Promise<StoredObject | undefined>;
  /** Lists objects whose key starts with `prefix`, in ascending key order. */
  list(prefix: string, options?: CallOptions): AsyncIterable<StoredObject>;
  /** Deletes an object; deleting a missing object is not an error. */
  delete(key: string, options?: CallOptions): Promise<void>;
}
