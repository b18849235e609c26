import { describe, expect, it } from 'vitest';
import { isRetryableError, retryReason } from '../../../src/aws/retry/retryableError.js';
import { Semaphore } from '../../../src/aws/retry/Semaphore.js';
import { TokenBucket, TokenBucketRegistry } from '../../../src/aws/retry/TokenBucket.js';
import { jitteredBackoffMs, withRetries } from '../../../src/aws/retry/withRetries.js';
import { FakeClock } from './FakeClock.js';

const sdkError = (name: string, status?: number, fault?: 'client' | 'server') =>
  Object.assign(new Error(name), {
    name,
    $fault: fault,
    $metadata: status === undefined ? {} : { httpStatusCode: status },
  });

describe('TokenBucket', () => {
  it('lets a burst through at once, then no more than the rate per second (fake clock)', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ ratePerSecond: 100, burst: 10, clock });
    const granted: number[] = [];
    const takes = Array.from({ length: 110 }, () => bucket.take().then(() => granted.push(clock.now())));
    await clock.advance(0);
    expect(granted.length).toBe(10);
    for (let second = 1; second <= 3; second++) {
      await clock.advance(1000);
      const byNow = granted.filter((t) => t <= second * 1000).length;
      expect(byNow).toBeLessThanOrEqual(10 + 100 * second);
    }
    await Promise.all(takes);
    expect(granted.length).toBe(110);
    // 100 tokens beyond the burst at 100/s: the last one is granted at 1 s, not before.
    expect(Math.max(...granted)).toBe(1000);
  });

  it('serves waiters in arrival order, one every 1/rate seconds', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ ratePerSecond: 4, burst: 1, clock });
    const order: number[] = [];
    const takes = [0, 1, 2, 3].map((i) => bucket.take().then(() => order.push(i)));
    await clock.advance(250);
    expect(order).toEqual([0, 1]);
    await clock.advance(500);
    await Promise.all(takes);
    expect(order).toEqual([0, 1, 2, 3]);
  });

  it('refills no further than its burst after a quiet period', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ ratePerSecond: 1000, burst: 5, clock });
    await clock.advance(60_000);
    expect(bucket.available()).toBe(5);
  });

  it('gives a reserved token back when the waiter is aborted', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ ratePerSecond: 1, burst: 1, clock });
    await bucket.take();
    const controller = new AbortController();
    const waiting = bucket.take(controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    expect(bucket.available()).toBe(0);
  });

  it('is shared per key by a registry', () => {
    const registry = new TokenBucketRegistry();
    expect(registry.bucket('snap-1', 1000)).toBe(registry.bucket('snap-1', 1000));
    expect(registry.bucket('snap-1', 1000)).not.toBe(registry.bucket('snap-2', 1000));
  });
});

describe('retryReason', () => {
  it('marks throttling by name or HTTP 429 as throttled', () => {
    expect(retryReason(sdkError('RequestThrottledException', 400, 'client'))).toBe('throttled');
    expect(retryReason(sdkError('ThrottlingException', 400, 'client'))).toBe('throttled');
    expect(retryReason(sdkError('SlowDown', 503, 'server'))).toBe('throttled');
    expect(retryReason(sdkError('Whatever', 429, 'client'))).toBe('throttled');
  });

  it('marks 5xx answers as server faults and timeouts or resets as network failures', () => {
    expect(retryReason(sdkError('InternalServerException', 500, 'server'))).toBe('server');
    expect(retryReason(sdkError('ServiceUnavailable', 503, 'server'))).toBe('server');
    expect(retryReason(Object.assign(new Error('socket timed out'), { name: 'TimeoutError' }))).toBe('network');
    expect(retryReason(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe('network');
  });

  it('does not retry client errors or aborts', () => {
    expect(isRetryableError(sdkError('ValidationException', 400, 'client'))).toBe(false);
    expect(isRetryableError(sdkError('AccessDeniedException', 403, 'client'))).toBe(false);
    expect(isRetryableError(new DOMException('aborted', 'AbortError'))).toBe(false);
    expect(isRetryableError('a string')).toBe(false);
  });
});

describe('jitteredBackoffMs', () => {
  it('draws uniformly below an exponentially growing, capped ceiling', () => {
    expect(jitteredBackoffMs(1, 100, 20_000, () => 0.999)).toBe(99);
    expect(jitteredBackoffMs(4, 100, 20_000, () => 0.5)).toBe(400);
    expect(jitteredBackoffMs(20, 100, 20_000, () => 0.5)).toBe(10_000);
    expect(jitteredBackoffMs(3, 100, 20_000, () => 0)).toBe(0);
  });
});

describe('withRetries', () => {
  it('retries retryable failures with growing waits, then returns the result', async () => {
    const clock = new FakeClock();
    const waits: number[] = [];
    let calls = 0;
    const result = withRetries(
      async () => {
        calls++;
        if (calls < 4) throw sdkError('RequestThrottledException', 400, 'client');
        return 'ok';
      },
      { clock, random: () => 0.5, baseDelayMs: 100, onRetry: (i) => waits.push(i.delayMs) },
    );
    await clock.advance(10_000);
    await expect(result).resolves.toBe('ok');
    expect(calls).toBe(4);
    expect(waits).toEqual([50, 100, 200]);
  });

  it('rethrows a non-retryable error at once', async () => {
    let calls = 0;
    const failure = sdkError('ValidationException', 400, 'client');
    await expect(
      withRetries(async () => {
        calls++;
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(calls).toBe(1);
  });

  it('gives up after maxAttempts with the last error', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const result = withRetries(
      async () => {
        calls++;
        throw sdkError('InternalServerException', 500, 'server');
      },
      { clock, maxAttempts: 3 },
    );
    const settled = result.catch((e: Error) => e);
    await clock.advance(60_000);
    expect((await settled).name).toBe('InternalServerException');
    expect(calls).toBe(3);
  });

  it('stops waiting when aborted', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const result = withRetries(
      async () => {
        throw sdkError('ThrottlingException', 400, 'client');
      },
      { clock, signal: controller.signal },
    );
    const settled = result.catch((e: Error) => e);
    await clock.advance(0);
    controller.abort(new Error('cancelled by test'));
    expect((await settled).message).toBe('cancelled by test');
  });
});

describe('Semaphore', () => {
  it('never lets more than its limit run at once', async () => {
    const semaphore = new Semaphore(3);
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        semaphore.run(async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((r) => setImmediate(r));
          running--;
        }),
      ),
    );
    expect(peak).toBe(3);
  });

  it('drops a waiter whose signal aborts', async () => {
    const semaphore = new Semaphore(1);
    let release!: () => void;
    const holder = semaphore.run(() => new Promise<void>((r) => (release = r)));
    const controller = new AbortController();
    const waiter = semaphore.run(async () => 'ran', controller.signal);
    controller.abort(new Error('gone'));
    await expect(waiter).rejects.toThrow('gone');
    release();
    await holder;
    await expect(semaphore.run(async () => 'next')).resolves.toBe('next');
  });
});
