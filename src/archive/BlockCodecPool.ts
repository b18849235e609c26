/**
 * Compresses and decompresses frames of blocks on every core: worker threads running zstd-napi, each also
 * hashing the blocks it handles so SHA-256 and zstd share the cores instead of queuing on the main thread.
 */

import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ArchiveError } from './errors.js';

/**
 * The worker body, plain CommonJS evaluated in the thread: evaluating source text works the same under
 * tsx, vitest and compiled output, where a `.ts` worker file would need a loader.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
// The raw binding: compress into one reused output buffer instead of allocating (and leaving for the
// garbage collector) a compressBound-sized buffer per frame, which is what kept worker memory high.
const binding = require(workerData.bindingPath);
const cctx = new binding.CCtx();
const dctx = new binding.DCtx();
let scratch = new Uint8Array(0);
function hashBlocks(data, blocks, blockSize) {
  const hashes = new Uint8Array(32 * blocks);
  for (let i = 0; i < blocks; i++) {
    hashes.set(createHash('sha256').update(data.subarray(i * blockSize, (i + 1) * blockSize)).digest(), 32 * i);
  }
  return hashes;
}
parentPort.on('message', (m) => {
  try {
    const input = new Uint8Array(m.buffer, m.byteOffset, m.byteLength);
    if (m.op === 'compress') {
      const hashes = hashBlocks(input, m.blocks, m.blockSize);
      const bound = binding.compressBound(input.byteLength);
      if (scratch.byteLength < bound) scratch = new Uint8Array(bound);
      const length = cctx.compress(scratch, input, m.level);
      const frame = scratch.slice(0, length);
      // The input goes back too, so the engine can refill it instead of allocating a new chunk.
      parentPort.postMessage({ id: m.id, frame, hashes, input: m.buffer }, [frame.buffer, hashes.buffer, m.buffer]);
    } else {
      const data = new Uint8Array(m.blocks * m.blockSize);
      const length = dctx.decompress(data, input);
      if (length !== data.byteLength) {
        parentPort.postMessage({ id: m.id, error: 'frame holds ' + length + ' bytes, expected ' + data.byteLength });
        return;
      }
      const hashes = hashBlocks(data, m.blocks, m.blockSize);
      parentPort.postMessage({ id: m.id, data, hashes }, [data.buffer, hashes.buffer]);
    }
  } catch (error) {
    parentPort.postMessage({ id: m.id, error: String((error && error.message) || error) });
  }
});
`;

/** A frame could not be compressed or decompressed. */
export class CodecError extends ArchiveError {}

interface Pending {
  resolve(value: CodecResult): void;
  reject(error: Error): void;
}

interface CodecResult {
  readonly frame?: Uint8Array;
  readonly input?: ArrayBuffer;
  readonly data?: Uint8Array;
  readonly hashes: Uint8Array;
}

interface PoolWorker {
  readonly worker: Worker;
  busy: number;
  /** Why the thread is gone, once it is: jobs are never sent to a dead thread (nothing would answer). */
  dead?: Error;
}

/** A pool of worker threads compressing/decompressing frames of whole blocks. */
export class BlockCodecPool {
  private readonly workers: PoolWorker[] = [];
  private readonly pending = new Map<number, Pending & { owner: PoolWorker }>();
  private nextId = 0;
  private closed = false;

  constructor(
    readonly size = Math.max(1, availableParallelism()),
    private readonly blockSize = 524_288,
  ) {
    const bindingPath = join(dirname(createRequire(import.meta.url).resolve('zstd-napi')), '..', 'binding.js');
    for (let i = 0; i < size; i++) {
      // The source is CommonJS: drop --input-type, which would make Node evaluate it as a module.
      const execArgv = process.execArgv.filter((arg) => !arg.startsWith('--input-type'));
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { bindingPath }, execArgv });
      const entry: PoolWorker = { worker, busy: 0 };
      worker.on('message', (m: { id: number; error?: string } & CodecResult) => {
        const job = this.pending.get(m.id);
        if (!job) return;
        this.pending.delete(m.id);
        job.owner.busy--;
        if (m.error !== undefined) job.reject(new CodecError(m.error));
        else job.resolve(m);
      });
      worker.on('error', (error) => this.failAll(entry, error));
      worker.on('exit', (code) => {
        if (!this.closed) this.failAll(entry, new CodecError(`codec worker exited with code ${code}`));
      });
      this.workers.push(entry);
    }
  }

  /**
   * Compresses `data` (whole blocks) into one zstd frame and hashes each block. Takes ownership of `data`
   * and hands its memory back as `input` for reuse.
   */
  async compress(
    data: Uint8Array,
    level: number,
  ): Promise<{ frame: Uint8Array; hashes: Uint8Array; input: ArrayBuffer | undefined }> {
    const result = await this.run('compress', data, data.byteLength / this.blockSize, { level });
    return { frame: result.frame!, hashes: result.hashes, input: result.input };
  }

  /** Decompresses one frame that must hold exactly `blocks` blocks, and hashes each block. */
  async decompress(frame: Uint8Array, blocks: number): Promise<{ data: Uint8Array; hashes: Uint8Array }> {
    const result = await this.run('decompress', frame, blocks, {});
    return { data: result.data!, hashes: result.hashes };
  }

  /** Stops the threads. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
    for (const job of this.pending.values()) job.reject(new CodecError('codec pool closed'));
    this.pending.clear();
  }

  private run(op: string, input: Uint8Array, blocks: number, extra: object): Promise<CodecResult> {
    if (this.closed) return Promise.reject(new CodecError('codec pool closed'));
    const alive = this.workers.filter((w) => !w.dead);
    if (alive.length === 0) {
      const cause = this.workers[0]?.dead;
      return Promise.reject(new CodecError(`no codec thread is running: ${cause?.message}`, { cause }));
    }
    const owner = alive.reduce((a, b) => (b.busy < a.busy ? b : a));
    const id = this.nextId++;
    owner.busy++;
    // Transfer when the bytes own their ArrayBuffer; copying a shared (pooled) one is cheaper than corrupting it.
    const whole = input.byteOffset === 0 && input.byteLength === input.buffer.byteLength;
    const buffer = whole ? input.buffer : new Uint8Array(input).buffer;
    return new Promise<CodecResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, owner });
      owner.worker.postMessage(
        {
          op,
          id,
          buffer,
          byteOffset: 0,
          byteLength: input.byteLength,
          blocks,
          blockSize: this.blockSize,
          ...extra,
        },
        [buffer as ArrayBuffer],
      );
    });
  }

  private failAll(owner: PoolWorker, error: Error): void {
    owner.dead ??= error;
    for (const [id, job] of this.pending) {
      if (job.owner !== owner) continue;
      this.pending.delete(id);
      job.reject(new CodecError(`codec worker failed: ${error.message}`, { cause: error }));
    }
  }
}
