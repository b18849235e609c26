/**
 * Where the DynamoDB conversion reads and writes: a local directory here, an S3 prefix in
 * src/aws/dynamodb/S3ConvertLocation.ts. Names are relative to the location (`manifest-summary.json`,
 * `data/part-00000.parquet`); DuckDB works on local files, so reads hand out a local path and writes stage one.
 */
import { createHash } from 'node:crypto';
import { createReadStream, type Dirent } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** A local copy of a file of the location; release() removes it when it was downloaded. */
export interface LocalCopy {
  readonly path: string;
  release(): Promise<void>;
}

/** A local file that becomes the named object on commit(). */
export interface StagedFile {
  readonly path: string;
  commit(): Promise<void>;
  discard(): Promise<void>;
}

/** A directory or an S3 prefix. */
export interface ConvertLocation {
  /** As shown and recorded: an absolute path or `s3://bucket/prefix`. */
  readonly location: string;
  /** The text of a file, or undefined when there is none. */
  readText(name: string): Promise<string | undefined>;
  /** A local copy of a file (the file itself for a directory). */
  localCopy(name: string): Promise<LocalCopy>;
  /** The names of the subfolders of `name` (relative, no slash). */
  subfolders(name: string): Promise<string[]>;
  /** The location of a subfolder. */
  child(name: string): ConvertLocation;
  stage(name: string): Promise<StagedFile>;
  writeText(name: string, text: string): Promise<void>;
  /** The key AWS would write in manifests: the S3 key for S3, the relative name for a directory. */
  keyOf(name: string): string;
  /** The sizes in bytes of the files directly in folder `name`, by their names (relative to it); none when it is missing. */
  fileSizes(name: string): Promise<Map<string, number>>;
  /** Removes files (names relative to the location); missing ones are no error. */
  remove(names: readonly string[]): Promise<void>;
}

/** Reads and writes under a local directory; staged files are renamed into place. */
export class LocalConvertLocation implements ConvertLocation {
  constructor(readonly location: string) {}

  async readText(name: string): Promise<string | undefined> {
    try {
      return await readFile(join(this.location, name), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async localCopy(name: string): Promise<LocalCopy> {
    const path = join(this.location, name);
    await stat(path);
    return { path, release: async () => {} };
  }

  async subfolders(name: string): Promise<string[]> {
    try {
      const entries = await readdir(join(this.location, name), { withFileTypes: true });
      return entries.filter((e) => e.isDirectory()).map((e) => e.name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  child(name: string): ConvertLocation {
    return new LocalConvertLocation(join(this.location, name));
  }

  async stage(name: string): Promise<StagedFile> {
    const target = join(this.location, name);
    await mkdir(dirname(target), { recursive: true });
    const path = `${target}.partial-${process.pid}`;
    return { path, commit: () => rename(path, target), discard: () => rm(path, { force: true }) };
  }

  async writeText(name: string, text: string): Promise<void> {
    const staged = await this.stage(name);
    await writeFile(staged.path, text);
    await staged.commit();
  }

  keyOf(name: string): string {
    return name;
  }

  async fileSizes(name: string): Promise<Map<string, number>> {
    const folder = join(this.location, name);
    const sizes = new Map<string, number>();
    let entries: Dirent[];
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return sizes;
      throw error;
    }
    for (const e of entries.filter((f) => f.isFile()).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      sizes.set(e.name, (await stat(join(folder, e.name))).size);
    }
    return sizes;
  }

  /** Also removes the folders the files leave empty (up to the location). */
  async remove(names: readonly string[]): Promise<void> {
    const folders = new Set<string>();
    for (const name of names) {
      await rm(join(this.location, name), { force: true });
      for (let d = dirname(name); d !== '.' && d !== '/' && d !== ''; d = dirname(d)) folders.add(d);
    }
    for (const d of [...folders].sort((a, b) => b.length - a.length)) {
      await rmdir(join(this.location, d)).catch(() => {});
    }
  }
}

/** Digests of a local file's bytes: the requested ones (the others are empty), and its size. */
export async function digestFile(
  path: string,
  algorithms: readonly ('md5' | 'sha256')[],
): Promise<{ readonly bytes: number; readonly md5: Buffer; readonly sha256: Buffer }> {
  const hashes = algorithms.map((a) => [a, createHash(a)] as const);
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    bytes += (chunk as Buffer).length;
    for (const [, h] of hashes) h.update(chunk as Buffer);
  }
  const out = { bytes, md5: Buffer.alloc(0), sha256: Buffer.alloc(0) };
  for (const [a, h] of hashes) out[a] = h.digest();
  return out;
}
