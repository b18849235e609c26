/**
 * A token bucket that caps a request rate: EBS allows about 1,000 GetSnapshotBlock / PutSnapshotBlock requests per
 * second per snapshot, so every request of one snapshot takes a token from the same bucket before it is sent.
 * Waiters are served in arrival order: each take reserves the next token, which may lie in the future.
 */
import { abortReason, type Clock, systemClock } from './Clock.js';

/** Settings of a token bucket. */
export interface TokenBucketOptions {
  /** Tokens added per second: the sustained request rate. */
  readonly ratePerSecond: number;
  /** Most tokens the bucket holds: how many requests may go at once after a quiet period. @default ratePerSecond / 10, at least 1 */
  readonly burst?: number;
  /** @default systemClock */
  readonly clock?: Clock;
}

/** Caps a request rate; `take()` resolves when the caller may send one request. */
export class TokenBucket {
  readonly ratePerSecond: number;
  readonly burst: number;
  private readonly clock: Clock;
  private tokens: number;
  private updatedAt: number;

  constructor(options: TokenBucketOptions) {
    if (!(options.ratePerSecond > 0)) throw new RangeError('ratePerSecond must be positive');
    this.ratePerSecond = options.ratePerSecond;
    this.burst = Math.max(1, options.burst ?? Math.floor(options.ratePerSecond / 10));
    this.clock = options.clock ?? systemClock;
    this.tokens = this.burst;
    this.updatedAt = this.clock.now();
  }

  /** Waits until a token is available and takes it. An abort while waiting gives the reserved token back. */
  async take(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw abortReason(signal);
    this.refill();
    this.tokens -= 1;
    if (this.tokens >= 0) return;
    const waitMs = (-this.tokens / this.ratePerSecond) * 1000;
    try {
      await this.clock.sleep(waitMs, signal);
    } catch (error) {
      this.tokens += 1;
      throw error;
    }
  }

  /** Tokens available now (negative when callers are waiting for reserved tokens). */
  available(): number {
    this.refill();
    return this.tokens;
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsed = Math.max(0, now - this.updatedAt);
    this.updatedAt = now;
    this.tokens = Math.min(this.burst, this.tokens + (elapsed / 1000) * this.ratePerSecond);
  }
}

/** One token bucket per key (e.g. per snapshot id), created on first use with the same settings. */
export class TokenBucketRegistry {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly defaults: Omit<TokenBucketOptions, 'ratePerSecond'> = {}) {}

  /** The bucket of `key`, created with `ratePerSecond` if it does not exist yet. */
  bucket(key: string, ratePerSecond: number): TokenBucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket({ ...this.defaults, ratePerSecond });
      this.buckets.set(key, bucket);
    }
    return bucket;
  }
}

/**
 * The process-wide buckets for EBS snapshots: every source and target of one snapshot in this process shares its
 * bucket, since the EBS quota is per snapshot, not per client.
 */
export const snapshotRateLimits = new TokenBucketRegistry();
