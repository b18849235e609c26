/**
 * A bounded push-to-pull byte channel: the engine pushes compressed frames, an ArchiveStore.put pulls them
 * as an AsyncIterable. `push` waits while the queue is full, so a slow store slows the engine instead of
 * growing memory; `fail` makes the consumer's iteration throw, which is how a put is told to abort.
 */
export class ByteChannel implements AsyncIterable<Uint8Array> {
  private readonly queue: Uint8Array[] = [];
  private queuedBytes = 0;
  private ended = false;
  private error: unknown;
  private failed = false;
  private wakeConsumer?: () => void;
  private wakeProducer?: () => void;

  constructor(private readonly maxBytes = 16 * 1024 * 1024) {}

  /** Queues bytes; resolves once there is room for more. */
  async push(chunk: Uint8Array): Promise<void> {
    if (this.failed) throw this.error;
    if (this.ended) throw new Error('push after end');
    this.queue.push(chunk);
    this.queuedBytes += chunk.byteLength;
    this.wakeConsumer?.();
    while (this.queuedBytes > this.maxBytes && !this.failed) {
      await new Promise<void>((resolve) => {
        this.wakeProducer = resolve;
      });
    }
    if (this.failed) throw this.error;
  }

  /** Marks the end of the stream. */
  end(): void {
    this.ended = true;
    this.wakeConsumer?.();
  }

  /** Makes the consumer fail with `error` (the store then aborts the upload). */
  fail(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.error = error;
    this.queue.length = 0;
    this.wakeConsumer?.();
    this.wakeProducer?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    try {
      while (true) {
        if (this.failed) throw this.error;
        const chunk = this.queue.shift();
        if (chunk) {
          this.queuedBytes -= chunk.byteLength;
          this.wakeProducer?.();
          yield chunk;
          continue;
        }
        if (this.ended) return;
        await new Promise<void>((resolve) => {
          this.wakeConsumer = resolve;
        });
      }
    } finally {
      // A consumer that stops early must not leave the producer waiting forever.
      if (!this.ended && !this.failed) this.fail(new Error('the store stopped reading'));
    }
  }
}
