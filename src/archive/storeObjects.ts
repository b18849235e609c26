/** Whole-object helpers over an ArchiveStore, for the small objects of an archive (manifests, indexes). */
import { createHash } from 'node:crypto';
import type { ArchiveStore, CallOptions, StoredObject } from './ports.js';

/** Reads a whole object into memory. Use only for small objects. */
export async function readObject(store: ArchiveStore, key: string, options?: CallOptions): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of await store.get(key, options)) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

/** Stores bytes held in memory as one object. */
export function putBytes(
  store: ArchiveStore,
  key: string,
  bytes: Uint8Array,
  options?: CallOptions,
): Promise<StoredObject> {
  return store.put(key, oneChunk(bytes), options);
}

async function* oneChunk(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/** Hex SHA-256 of bytes. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
