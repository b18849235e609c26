/**
 * Restores into a local file (sparse: zero blocks of a fresh file are left as holes) or a block device.
 * For a device every block not written by the restore is zeroed at the end, since a device keeps old data.
 */
import { type FileHandle, open, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ArchiveUsageError } from './errors.js';
import { ZERO_BLOCK_SHA256 } from './format.js';
import type { CallOptions, RestoreCompletion, RestoreStart, RestoreTarget } from './ports.js';

const ZERO_CHECKSUM = ZERO_BLOCK_SHA256.toString('base64');

export interface FileRestoreOptions {
  /** Keep the existing content and write over it (restoring a child archive onto its parent's image). */
  readonly overlay?: boolean;
}

/** Writes restored blocks into a file or device. */
export class FileRestoreTarget implements RestoreTarget {
  readonly path: string;
  private handle: FileHandle | undefined;
  private volumeSize = 0;
  private blockSize = 0;
  private device = false;
  private written: Uint8Array | undefined;

  constructor(
    path: string,
    private readonly options: FileRestoreOptions = {},
  ) {
    this.path = resolve(path);
  }

  async start(params: RestoreStart): Promise<{ id: string }> {
    this.volumeSize = params.volumeSize;
    this.blockSize = params.blockSize;
    const existing = await stat(this.path).catch(() => undefined);
    this.device = existing?.isBlockDevice() ?? false;
    if (existing && !existing.isFile() && !this.device) {
      throw new ArchiveUsageError(`${this.path} is neither a regular file nor a block device`);
    }
    if (this.device) {
      this.handle = await open(this.path, 'r+');
      if (!this.options.overlay) this.written = new Uint8Array(Math.ceil(params.volumeSize / params.blockSize / 8));
    } else {
      this.handle = await open(this.path, this.options.overlay ? 'r+' : 'w');
      await this.handle.truncate(params.volumeSize);
    }
    return { id: this.path };
  }

  async writeBlock(index: number, data: Uint8Array, checksum: string, options?: CallOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    const handle = this.requireHandle();
    const offset = index * this.blockSize;
    if (offset >= this.volumeSize) throw new ArchiveUsageError(`block ${index} lies beyond the volume end`);
    if (this.written) this.written[index >> 3]! |= 1 << (index & 7);
    // A fresh regular file already reads zero there: leave a hole.
    if (checksum === ZERO_CHECKSUM && !this.options.overlay && !this.device) return;
    const length = Math.min(this.blockSize, this.volumeSize - offset);
    let done = 0;
    while (done < length) {
      const { bytesWritten } = await handle.write(data, done, length - done, offset + done);
      done += bytesWritten;
    }
  }

  async complete(_params: RestoreCompletion, options?: CallOptions): Promise<{ id: string }> {
    const handle = this.requireHandle();
    if (this.written) await this.zeroUnwritten(handle, options);
    await handle.sync();
    await handle.close();
    this.handle = undefined;
    return { id: this.path };
  }

  async abort(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close().catch(() => {});
  }

  private async zeroUnwritten(handle: FileHandle, options?: CallOptions): Promise<void> {
    const zero = Buffer.alloc(this.blockSize);
    const blocks = Math.ceil(this.volumeSize / this.blockSize);
    for (let index = 0; index < blocks; index++) {
      if (this.written![index >> 3]! & (1 << (index & 7))) continue;
      options?.signal?.throwIfAborted();
      const offset = index * this.blockSize;
      await handle.write(zero, 0, Math.min(this.blockSize, this.volumeSize - offset), offset);
    }
  }

  private requireHandle(): FileHandle {
    if (!this.handle) throw new ArchiveUsageError('restore target is not started');
    return this.handle;
  }
}
