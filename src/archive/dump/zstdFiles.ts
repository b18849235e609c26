/**
 * Compressed files in an ArchiveStore (a directory or an S3 prefix): written by piping bytes through `zstd -T<n>`
 * straight into the store's streaming put (a multipart upload on S3, a temporary file renamed on commit locally),
 * hashing the compressed bytes as they pass; read back through `zstd -dc`. Memory stays at the pipes' and the
 * store's part buffers, whatever the file's size.
 */
import { createHash } from 'node:crypto';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ArchiveStore } from '../ports.js';
import { type StartedChild, startChild } from './childProcesses.js';
import { DumpError } from './errors.js';

/** What was stored. */
export interface StoredCompressedFile {
  readonly name: string;
  readonly bytes: number;
  readonly uncompressedBytes: number;
  readonly sha256: string;
}

/** How to compress. */
export interface CompressOptions {
  readonly level: number;
  readonly threads: number;
  readonly env: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal;
  /** Called with compressed bytes as they are stored. */
  readonly onStored?: (bytes: number) => void;
  /** Called with uncompressed bytes of a stream input as they pass. */
  readonly onRead?: (bytes: number) => void;
}

/**
 * Stores `name` as zstd of `input`: a local file path, or a stream (e.g. a dump's standard output) whose producer's
 * exit `producers` must also succeed before the object is committed. A failure of any of them leaves no object.
 */
export async function putCompressed(
  store: ArchiveStore,
  name: string,
  input: { readonly path: string; readonly bytes: number } | { readonly stream: Readable },
  options: CompressOptions,
  producers: readonly Promise<void>[] = [],
): Promise<StoredCompressedFile> {
  const args = ['-q', '-c', `-${options.level}`, `-T${options.threads}`];
  const fromFile = 'path' in input;
  const zstd = startChild('zstd', fromFile ? [...args, '--', input.path] : args, {
    env: options.env,
    ...(options.signal ? { signal: options.signal } : {}),
    stdin: fromFile ? 'ignore' : 'pipe',
  });
  let uncompressed = fromFile ? input.bytes : 0;
  const feeding = fromFile
    ? Promise.resolve()
    : pipeline(
        input.stream,
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            uncompressed += chunk.length;
            options.onRead?.(chunk.length);
            yield chunk;
          }
        },
        zstd.child.stdin as Writable,
      );
  feeding.catch(() => {});
  // Consumed at once: Node discards what a child wrote to a pipe nobody reads when it exits (a tiny file's zstd
  // can end before the store is ready to take bytes).
  const output = (zstd.child.stdout as Readable).pipe(new PassThrough({ highWaterMark: 1 << 20 }));
  const hash = createHash('sha256');
  async function* compressed(): AsyncGenerator<Uint8Array> {
    for await (const chunk of output as AsyncIterable<Buffer>) {
      hash.update(chunk);
      yield chunk;
    }
    // Commit only what every process produced completely.
    await Promise.all([...producers, feeding, zstd.exited]);
  }
  try {
    const put = await store.put(name, compressed(), {
      ...(options.signal ? { signal: options.signal } : {}),
      onProgress: (n) => options.onStored?.(n),
    });
    return { name, bytes: put.size, uncompressedBytes: uncompressed, sha256: hash.digest('hex') };
  } catch (error) {
    zstd.child.kill('SIGTERM');
    throw error;
  }
}

/** The hex SHA-256 and size of a stored object. */
export async function digestStored(
  store: ArchiveStore,
  name: string,
  signal?: AbortSignal,
  onBytes?: (bytes: number) => void,
): Promise<{ readonly sha256: string; readonly bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of await store.get(name, signal ? { signal } : {})) {
    hash.update(chunk);
    bytes += chunk.byteLength;
    onBytes?.(chunk.byteLength);
  }
  return { sha256: hash.digest('hex'), bytes };
}

/**
 * Starts `zstd -dc` fed from a stored object; its standard output is the decompressed bytes (pass
 * `output` to have zstd write a file instead). The returned `exited` covers the download and zstd.
 */
export async function startDecompress(
  store: ArchiveStore,
  name: string,
  options: { readonly env: NodeJS.ProcessEnv; readonly signal?: AbortSignal; readonly output?: string },
): Promise<StartedChild> {
  const body = await store.get(name, options.signal ? { signal: options.signal } : {});
  const zstd = startChild('zstd', ['-q', '-d', ...(options.output ? ['-f', '-o', options.output] : ['-c'])], {
    env: options.env,
    ...(options.signal ? { signal: options.signal } : {}),
    stdin: 'pipe',
    stdout: options.output ? 'ignore' : 'pipe',
  });
  const feeding = pipeline(body, zstd.child.stdin as Writable);
  feeding.catch(() => zstd.child.kill('SIGTERM'));
  const exited = Promise.all([feeding, zstd.exited]).then(
    () => {},
    (error: unknown) => {
      throw error instanceof DumpError || options.signal?.aborted
        ? error
        : new DumpError(`${name}: ${(error as Error).message}`, 'failed', { cause: error });
    },
  );
  exited.catch(() => {});
  return { child: zstd.child, exited, stderr: zstd.stderr };
}
