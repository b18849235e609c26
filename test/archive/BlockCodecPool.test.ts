import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BlockCodecPool } from '../../src/archive/BlockCodecPool.js';

const BLOCK = 524_288;

describe('BlockCodecPool', () => {
  it('compresses a frame, hashes each block, and decompresses it back to the same bytes', async () => {
    const pool = new BlockCodecPool(2);
    try {
      const data = Buffer.concat([randomBytes(BLOCK), Buffer.alloc(BLOCK, 'a'), randomBytes(BLOCK)]);
      const original = Buffer.from(data);
      const { frame, hashes, input } = await pool.compress(data, 3);
      expect(frame.byteLength).toBeLessThan(original.byteLength);
      expect(input?.byteLength).toBe(3 * BLOCK);
      for (let i = 0; i < 3; i++) {
        const expected = createHash('sha256')
          .update(original.subarray(i * BLOCK, (i + 1) * BLOCK))
          .digest();
        expect(Buffer.from(hashes.subarray(32 * i, 32 * i + 32)).equals(expected)).toBe(true);
      }
      const back = await pool.decompress(frame, 3);
      expect(Buffer.from(back.data).equals(original)).toBe(true);
      expect(Buffer.from(back.hashes).equals(Buffer.from(hashes))).toBe(true);
    } finally {
      await pool.close();
    }
  });

  it('rejects a frame that does not hold the expected number of blocks', async () => {
    const pool = new BlockCodecPool(1);
    try {
      const { frame } = await pool.compress(Buffer.alloc(2 * BLOCK, 7), 1);
      await expect(pool.decompress(frame, 3)).rejects.toThrow(/expected/);
      await expect(pool.decompress(randomBytes(100), 1)).rejects.toThrow();
    } finally {
      await pool.close();
    }
  });

  it('rejects new work once its threads are gone instead of waiting forever', async () => {
    const pool = new BlockCodecPool(1);
    const threads = (pool as unknown as { workers: { worker: { terminate(): Promise<number> } }[] }).workers;
    await threads[0]!.worker.terminate();
    await new Promise((r) => setTimeout(r, 50));
    await expect(pool.compress(Buffer.alloc(BLOCK), 1)).rejects.toThrow(/no codec thread is running/);
    await pool.close();
  });

  it('works in a process started with --input-type=module', () => {
    const root = resolve(__dirname, '../..');
    const script = `
      const { BlockCodecPool } = await import(${JSON.stringify(join(root, 'src/archive/BlockCodecPool.ts'))});
      const pool = new BlockCodecPool(1);
      const { frame } = await pool.compress(new Uint8Array(${BLOCK}), 1);
      console.log(frame.byteLength > 0 ? 'ok' : 'empty');
      await pool.close();`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      timeout: 20_000,
    });
    expect(out.toString().trim()).toBe('ok');
  });
});
