import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebhookDeliveryError } from '../../../src/aws/notify/NotifyError.js';
import { parseRetryAfter, WebhookPoster } from '../../../src/aws/notify/WebhookPoster.js';
import { type LocalWebhookServer, startLocalWebhookServer } from './localWebhookServer.js';

let server: LocalWebhookServer;
let sleeps: number[];

beforeAll(async () => {
  server = await startLocalWebhookServer();
});
afterAll(async () => {
  await server?.close();
});
beforeEach(() => {
  sleeps = [];
});

/** A poster whose backoff sleeps are recorded instead of waited, so retries are checked without slow tests. */
function poster(options: ConstructorParameters<typeof WebhookPoster>[0] = {}): WebhookPoster {
  return new WebhookPoster({
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 1,
    baseDelayMs: 100,
    ...options,
  });
}

describe('WebhookPoster.post', () => {
  it('posts the body as JSON with the extra headers', async () => {
    const result = await poster().post({ url: `${server.url}/ok`, body: { text: 'hi' }, headers: { 'x-token': 't' } });
    expect(result).toEqual({ status: 200, attempts: 1 });
    const [post] = server.received.filter((p) => p.path === '/ok');
    expect(post?.json).toEqual({ text: 'hi' });
    expect(post?.headers['content-type']).toBe('application/json');
    expect(post?.headers['x-token']).toBe('t');
  });

  it('retries 5xx answers with growing backoff and succeeds when the endpoint recovers', async () => {
    server.script([{ status: 500 }, { status: 503 }], '/flaky');
    const result = await poster().post({ url: `${server.url}/flaky`, body: { n: 1 } });
    expect(result).toEqual({ status: 200, attempts: 3 });
    expect(sleeps).toEqual([100, 200]);
    expect(server.delivered('/flaky')).toHaveLength(1);
  });

  it('waits what Retry-After asks on 429', async () => {
    server.script([{ status: 429, headers: { 'retry-after': '2' } }], '/limited');
    const result = await poster().post({ url: `${server.url}/limited`, body: {} });
    expect(result.attempts).toBe(2);
    expect(sleeps).toEqual([2000]);
  });

  it('gives up at once when Retry-After is longer than it may wait, leaving the retry to the queue', async () => {
    server.script([{ status: 429, headers: { 'retry-after': '3600' } }], '/long');
    const error = await poster()
      .post({ url: `${server.url}/long`, body: {} })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebhookDeliveryError);
    expect(error).toMatchObject({ status: 429, attempts: 1, retryable: true });
    expect(sleeps).toEqual([]);
  });

  it('does not retry a 404 and says the failure is not retryable', async () => {
    server.script([{ status: 404, body: 'no_service' }], '/gone');
    const error = await poster()
      .post({ url: `${server.url}/gone`, body: {} })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 404, attempts: 1, retryable: false });
    expect((error as Error).message).toContain('no_service');
  });

  it('gives up after the last attempt with the last status', async () => {
    server.script([{ status: 500 }, { status: 500 }, { status: 502 }], '/down');
    const error = await poster({ maxAttempts: 3 })
      .post({ url: `${server.url}/down`, body: {} })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 502, attempts: 3, retryable: true });
    expect(server.received.filter((p) => p.path === '/down')).toHaveLength(3);
  });

  it('times out an endpoint that never answers and retries it', async () => {
    server.script([{ hang: true }], '/slow');
    const result = await poster({ timeoutMs: 200 }).post({ url: `${server.url}/slow`, body: {} });
    expect(result.attempts).toBe(2);
  });

  it('cuts an attempt short at the deadline and starts no other', async () => {
    server.script([{ hang: true }], '/deadline');
    const error = await poster({ timeoutMs: 10_000 })
      .post({ url: `${server.url}/deadline`, body: {}, deadlineMs: Date.now() + 1_200 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ attempts: 1, retryable: true });
    expect((error as Error).message).toMatch(/did not answer within \d+ ms/);
    expect(server.received.filter((p) => p.path === '/deadline')).toHaveLength(1);
  });

  it('does not wait a backoff that would end past the deadline', async () => {
    server.script([{ status: 503 }], '/late');
    const error = await poster({ baseDelayMs: 10_000 })
      .post({ url: `${server.url}/late`, body: {}, deadlineMs: Date.now() + 5_000 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 503, attempts: 1 });
    expect(sleeps).toEqual([]);
  });

  it('makes no request when the deadline has passed, and says the job may be retried', async () => {
    const before = server.received.length;
    const error = await poster()
      .post({ url: `${server.url}/never`, body: {}, deadlineMs: Date.now() - 1 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ attempts: 0, retryable: true });
    expect(server.received.length).toBe(before);
  });

  it('treats a refused connection as retryable', async () => {
    const closed = await startLocalWebhookServer();
    const url = `${closed.url}/x`;
    await closed.close();
    const error = await poster({ maxAttempts: 2 })
      .post({ url, body: {} })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: undefined, attempts: 2, retryable: true });
    expect((error as Error).cause).toBeDefined();
  });
});

describe('parseRetryAfter', () => {
  it('reads delta seconds and HTTP dates, and ignores nonsense', () => {
    const now = Date.parse('2026-11-21T10:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Sat, 21 Nov 2026 10:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Sat, 21 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
