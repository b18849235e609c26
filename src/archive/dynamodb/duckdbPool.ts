/** One DuckDB instance with a connection per concurrent file, and the bounded pool that runs files on them. */
import { availableParallelism } from 'node:os';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

/** DuckDB settings of a conversion. */
export interface DuckDbSettings {
  /** @default DuckDB's (one per core) */
  readonly threads?: number;
  /** e.g. `2GB`. @default DuckDB's (80 % of RAM) */
  readonly memoryLimit?: string;
  /** Where DuckDB spills. */
  readonly tempDirectory?: string;
}

export interface DuckPool {
  readonly connections: readonly DuckDBConnection[];
  close(): void;
}

/** Opens an in-memory DuckDB with `count` connections, each after running `setup`. */
export async function openDuckPool(
  count: number,
  settings: DuckDbSettings,
  setup: readonly string[],
): Promise<DuckPool> {
  const options: Record<string, string> = {};
  // Files are converted `count` at a time, each on its own connection: DuckDB threads beyond the cores left per
  // connection only contend (measured on 2 cores, 2 files at a time: 1 thread was faster than 2 and held ~40 % less
  // memory).
  options.threads = String(settings.threads ?? Math.max(1, Math.floor(availableParallelism() / Math.max(1, count))));
  if (settings.memoryLimit !== undefined) options.memory_limit = settings.memoryLimit;
  if (settings.tempDirectory !== undefined) options.temp_directory = settings.tempDirectory;
  const instance = await DuckDBInstance.create(':memory:', options);
  const connections: DuckDBConnection[] = [];
  for (let i = 0; i < count; i++) {
    const connection = await instance.connect();
    for (const sql of setup) await connection.run(sql);
    connections.push(connection);
  }
  return {
    connections,
    close() {
      for (const c of connections) c.closeSync();
      instance.closeSync();
    },
  };
}

/**
 * Runs `fn` on each item with at most `connections.length` in flight, each call on a connection of its own;
 * results in input order. The first failure stops new calls (and interrupts running queries) and is thrown.
 */
export async function runOnPool<T, R>(
  pool: DuckPool,
  items: readonly T[],
  fn: (item: T, index: number, connection: DuckDBConnection) => Promise<R>,
  signal?: AbortSignal,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const onAbort = () => {
    failure ??= { error: signal?.reason };
    for (const c of pool.connections) c.interrupt();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  const worker = async (connection: DuckDBConnection) => {
    while (!failure && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index]!, index, connection);
      } catch (error) {
        if (!failure) {
          failure = { error };
          for (const c of pool.connections) if (c !== connection) c.interrupt();
        }
      }
    }
  };
  try {
    if (signal?.aborted) throw signal.reason;
    await Promise.all(pool.connections.slice(0, Math.max(1, items.length)).map(worker));
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (failure) throw failure.error;
  return results;
}
