/**
 * Writing raw volume images for the EBS stand-in, tests and demos: sparse files with chosen blocks filled,
 * so a "written block" is simply a block that is not all zero.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { EBS_BLOCK_SIZE } from './SnapshotCatalog.js';

/** A deterministic, incompressible-looking 512 KiB block derived from `seed` (SHA-256 in counter mode). */
export function patternBlock(seed: number | string): Buffer {
  const block = Buffer.alloc(EBS_BLOCK_SIZE);
  let digest = createHash('sha256').update(String(seed)).digest();
  for (let offset = 0; offset < EBS_BLOCK_SIZE; offset += digest.length) {
    digest.copy(block, offset);
    digest = createHash('sha256').update(digest).digest();
  }
  return block;
}

/** Writes a sparse image of `sizeBytes` whose listed blocks hold the given data and every other block is a hole. */
export async function writeImage(
  path: string,
  sizeBytes: number,
  blocks: Iterable<readonly [index: number, data: Uint8Array]>,
): Promise<void> {
  const file = await open(path, 'w');
  try {
    await file.truncate(sizeBytes);
    for (const [index, data] of blocks) {
      if (data.length !== EBS_BLOCK_SIZE) throw new Error(`block ${index} must be ${EBS_BLOCK_SIZE} bytes`);
      if ((index + 1) * EBS_BLOCK_SIZE > sizeBytes) throw new Error(`block ${index} lies outside the image`);
      await file.write(data, 0, data.length, index * EBS_BLOCK_SIZE);
    }
  } finally {
    await file.close();
  }
}
