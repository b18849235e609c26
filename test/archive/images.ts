/** Builds real ext4 images (mkfs.ext4 -d) with holes, zero blocks, text and random data for archive tests. */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** Fills a directory with text, random and zero files, seeded by `variant` so images differ. */
export function fillTree(dir: string, variant: number): void {
  mkdirSync(join(dir, 'docs'), { recursive: true });
  mkdirSync(join(dir, 'bin'), { recursive: true });
  const text = Array.from({ length: 40_000 }, (_, i) => `line ${i} of variant ${variant}: the quick brown fox\n`).join(
    '',
  );
  writeFileSync(join(dir, 'docs', 'log.txt'), text);
  writeFileSync(join(dir, 'bin', 'random.bin'), randomBytes(1_500_000 + variant * 300_000));
  writeFileSync(join(dir, 'zeros.bin'), Buffer.alloc(2 * 1024 * 1024));
  writeFileSync(join(dir, `variant-${variant}.txt`), `variant ${variant}\n`);
}

/** Makes an ext4 image of `sizeMiB` from a directory tree. */
export function makeExt4(image: string, tree: string, sizeMiB = 48): void {
  execFileSync('truncate', ['-s', `${sizeMiB}M`, image]);
  execFileSync('mkfs.ext4', ['-q', '-F', '-b', '4096', '-E', 'root_owner=0:0', '-d', tree, image]);
}

/** Writes bytes at an offset of an existing file (to put an explicit all-zero or data block in place). */
export function writeAt(path: string, offset: number, bytes: Uint8Array): void {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, bytes, 0, bytes.byteLength, offset);
  } finally {
    closeSync(fd);
  }
}
