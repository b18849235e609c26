/**
 * A local directory as an archive store. Objects are written to a temporary name and renamed into place
 * after fsync, so a crash or an abort never leaves a partial object under its real key.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { ArchiveObjectNotFoundError, ArchiveUsageError } from './errors.js';
import type { ArchiveStore, CallOptions, GetOptions, PutOptions, StoredObject } from './ports.js';

const PARTIAL = '.partial-';

/** Stores archive objects as files under a root directory. */
export class LocalDirectoryStore implements ArchiveStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  get location(): string {
    return this.root;
  }

  async put(key: string, body: AsyncIterable<Uint8Array>, options?: PutOptions): Promise<StoredObject> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}${PARTIAL}${randomBytes(6).toString('hex')}`;
    const handle = await open(temporary, 'w');
    let size = 0;
    try {
      for await (const chunk of body) {
        options?.signal?.throwIfAborted();
        let offset = 0;
        while (offset < chunk.byteLength) {
          const { bytesWritten } = await handle.write(chunk, offset, chunk.byteLength - offset);
          offset += bytesWritten;
        }
        size += chunk.byteLength;
        options?.onProgress?.(chunk.byteLength);
      }
      options?.signal?.throwIfAborted();
      await handle.sync();
      await handle.close();
      await rename(temporary, path);
      return { key, size };
    } catch (error) {
      await handle.close().catch(() => {});
      await rm(temporary, { force: true });
      throw error;
    }
  }

  async get(key: string, options?: GetOptions): Promise<AsyncIterable<Uint8Array>> {
    const path = this.pathOf(key);
    const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') throw new ArchiveObjectNotFoundError(key, { cause: error });
      throw error;
    });
    if (!info.isFile()) throw new ArchiveObjectNotFoundError(key);
    const range = options?.range;
    if (range && range.end <= range.start) return (async function* () {})();
    return createReadStream(path, {
      start: range?.start,
      end: range ? range.end - 1 : undefined,
      highWaterMark: 1024 * 1024,
      signal: options?.signal,
    });
  }

  async head(key: string, _options?: CallOptions): Promise<StoredObject | undefined> {
    try {
      const info = await stat(this.pathOf(key));
      return info.isFile() ? { key, size: info.size } : undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async *list(prefix: string, options?: CallOptions): AsyncGenerator<StoredObject> {
    const found: StoredObject[] = [];
    const walk = async (dir: string): Promise<void> => {
      options?.signal?.throwIfAborted();
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      for (const name of names) {
        const path = join(dir, name);
        const info = await stat(path);
        if (info.isDirectory()) await walk(path);
        else if (!name.includes(PARTIAL)) {
          const key = relative(this.root, path).split(sep).join('/');
          if (key.startsWith(prefix)) found.push({ key, size: info.size });
        }
      }
    };
    await walk(this.root);
    found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    yield* found;
  }

  async delete(key: string, _options?: CallOptions): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  private pathOf(key: string): string {
    const path = resolve(this.root, key);
    if (!path.startsWith(this.root + sep)) throw new ArchiveUsageError(`key ${key} escapes ${this.root}`);
    return path;
  }
}
