import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEbsClient } from '../../../src/aws/ebs/createEbsClient.js';
import { DirectBlockReader } from '../../../src/aws/ebs/DirectBlockReader.js';
import { retryReason } from '../../../src/aws/retry/retryableError.js';

/** A server that records each request and answers with what the test sets. */
let seen: { url: string; headers: IncomingHttpHeaders }[] = [];
let answer: { status: number; headers: Record<string, string>; body: Buffer | string } = {
  status: 200,
  headers: {},
  body: '',
};
const server = createServer((req, res) => {
  seen.push({ url: req.url ?? '', headers: req.headers });
  res.writeHead(answer.status, answer.headers);
  res.end(answer.body);
});
let endpoint: string;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function reader() {
  const client = createEbsClient({
    endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
  });
  const r = DirectBlockReader.for(client);
  if (!r) throw new Error('createEbsClient clients should get a direct reader');
  return r;
}

describe('DirectBlockReader', () => {
  it('sends a SigV4-signed GET for the block, with the token in the query, and reads the body into the given buffer', async () => {
    seen = [];
    const body = Buffer.alloc(1000, 7);
    answer = { status: 200, headers: { 'x-amz-Data-Length': '1000', 'x-amz-Checksum': 'abc=' }, body };
    const target = Buffer.alloc(1000);
    const r = reader();
    const block = await r.read(
      'snap-01',
      42,
      'tok/en+=',
      (length) => (length === 1000 ? target : Buffer.alloc(0)),
      undefined,
    );
    r.close();
    expect(block.data).toBe(target);
    expect(target.equals(body)).toBe(true);
    expect(block.checksum).toBe('abc=');
    expect(seen[0]!.url).toBe('/snapshots/snap-01/blocks/42?blockToken=tok%2Fen%2B%3D');
    expect(seen[0]!.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/ebs\/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$/,
    );
    expect(seen[0]!.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
  });

  it('signs with the clock skew the SDK client has learned', async () => {
    seen = [];
    answer = { status: 200, headers: { 'x-amz-Data-Length': '1', 'x-amz-Checksum': 'a' }, body: Buffer.alloc(1) };
    const client = createEbsClient({
      endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    });
    // A year ahead: the signing date must follow.
    (client.config as { systemClockOffset?: number }).systemClockOffset = 366 * 24 * 3600 * 1000;
    const r = DirectBlockReader.for(client)!;
    await r.read('snap-01', 1, 't', (n) => Buffer.alloc(n), undefined);
    r.close();
    const stamp = String(seen[0]!.headers['x-amz-date']).replace(
      /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/,
      '$1-$2-$3T$4:$5:$6Z',
    );
    const skew = Date.parse(stamp) - Date.now();
    expect(Math.abs(skew - 366 * 24 * 3600 * 1000)).toBeLessThan(60_000);
  });

  it('gives no data when the body is shorter than x-amz-Data-Length', async () => {
    answer = {
      status: 200,
      headers: { 'x-amz-Data-Length': '1000', 'x-amz-Checksum': 'abc=' },
      body: Buffer.alloc(10),
    };
    const r = reader();
    const block = await r.read('snap-01', 1, 't', (length) => Buffer.alloc(length), undefined);
    r.close();
    expect(block.data).toBeUndefined();
  });

  it('raises error answers shaped like the SDK, so throttling is retried and expired tokens are recognized', async () => {
    const r = reader();
    answer = {
      status: 400,
      headers: { 'x-amzn-ErrorType': 'RequestThrottledException:http://internal' },
      body: JSON.stringify({ Message: 'slow down' }),
    };
    const throttled = await r.read('snap-01', 1, 't', (n) => Buffer.alloc(n), undefined).catch((e: unknown) => e);
    expect(throttled).toMatchObject({ name: 'RequestThrottledException', message: 'slow down' });
    expect(retryReason(throttled)).toBe('throttled');
    answer = {
      status: 400,
      headers: { 'x-amzn-ErrorType': 'ValidationException' },
      body: JSON.stringify({ Message: 'expired', Reason: 'INVALID_BLOCK_TOKEN' }),
    };
    const expired = await r.read('snap-01', 1, 't', (n) => Buffer.alloc(n), undefined).catch((e: unknown) => e);
    expect(expired).toMatchObject({ name: 'ValidationException', Reason: 'INVALID_BLOCK_TOKEN' });
    expect(retryReason(expired)).toBeUndefined();
    answer = { status: 503, headers: {}, body: 'busy' };
    const unavailable = await r.read('snap-01', 1, 't', (n) => Buffer.alloc(n), undefined).catch((e: unknown) => e);
    expect(retryReason(unavailable)).toBe('server');
    r.close();
  });
});
