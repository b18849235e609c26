/**
 * One retry loop for every AWS call of the adapters, with the SDK's own retries turned off (maxAttempts: 1),
 * so there are never two nested loops multiplying attempts. Waits grow exponentially with full jitter, so
 * many workers throttled together do not come back together.
 */
import { abortReason, type Clock, systemClock } from './Clock.js';
import { type RetryReason, retryReason } from './retryableError.js';

/** Settings of a retry loop. */
export interface RetryOptions {
  /** Attempts in all, the first included. @default 8 */
  readonly maxAttempts?: number;
  /** Upper bound of the first wait, in ms. @default 100 */
  readonly baseDelayMs?: number;
  /** Largest wait, in ms. @default 20000 */
  readonly maxDelayMs?: number;
  /** Decides whether a failure is retried, and why. @default retryReason */
  readonly classify?: (error: unknown) => RetryReason | 'checksum' | undefined;
  /** Called before each wait (for logs and counters). */
  readonly onRetry?: (info: { attempt: number; delayMs: number; reason: string; error: unknown }) => void;
  readonly signal?: AbortSignal;
  /** @default systemClock */
  readonly clock?: Clock;
  /** Random numbers in [0, 1) for the jitter. @default Math.random */
  readonly random?: () => number;
}

/** The wait before retry number `attempt` (1 = first retry): uniform in [0, min(max, base × 2^(attempt-1))]. */
export function jitteredBackoffMs(
  attempt: number,
  baseDelayMs: number,
  maxDelayMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

/**
 * Runs `call` until it succeeds, fails with an error that is not retryable, or has used `maxAttempts`; then
 * rethrows the last error unchanged. The attempt number (1-based) is passed to `call`.
 */
export async function withRetries<T>(call: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 8;
  const clock = options.clock ?? systemClock;
  const classify = options.classify ?? retryReason;
  for (let attempt = 1; ; attempt++) {
    if (options.signal?.aborted) throw abortReason(options.signal);
    try {
      return await call(attempt);
    } catch (error) {
      if (options.signal?.aborted) throw abortReason(options.signal);
      const reason = classify(error);
      if (reason === undefined || attempt >= maxAttempts) throw error;
      const delayMs = jitteredBackoffMs(
        attempt,
        options.baseDelayMs ?? 100,
        options.maxDelayMs ?? 20_000,
        options.random,
      );
      options.onRetry?.({ attempt, delayMs, reason, error });
      await clock.sleep(delayMs, options.signal);
    }
  }
}
