import { createHash } from 'node:crypto';
import { ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type S3StandIn, startS3StandIn } from '../../../sandbox/s3/startS3StandIn.js';
import { ArchiveObjectNotFoundError } from '../../../src/archive/errors.js';
import { createS3Client } from '../../../src/aws/s3/createS3Client.js';
import { S3ArchiveStore, type S3ArchiveStoreOptions } from '../../../src/aws/s3/S3ArchiveStore.js';

const MIB = 1024 * 1024;
const BUCKET = 'archive-test';

let s3: S3StandIn;
let client: S3Client;
/** Requests the client sent: method, path and headers, for asserting what went over the wire. */
let sent: { method: string; path: string; query: Record<string, unknown>; headers: Record<string, string> }[] = [];
let inFlightParts = 0;
let peakParts = 0;

beforeAll(async () => {
  s3 = await startS3StandIn({ buckets: [BUCKET] });
  client = createS3Client({
    endpoint: s3.endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as {
        method: string;
        path: string;
        query: Record<string, unknown>;
        headers: Record<string, string>;
      };
      sent.push({ method: request.method, path: request.path, query: request.query, headers: request.headers });
      const isPart = request.method === 'PUT' && 'partNumber' in (request.query ?? {});
      if (isPart) peakParts = Math.max(peakParts, ++inFlightParts);
      try {
        return await next(args);
      } finally {
        if (isPart) inFlightParts--;
      }
    },
    { step: 'finalizeRequest', name: 'recordRequests' },
  );
});

afterAll(async () => {
  client?.destroy();
  await s3?.close();
});

beforeEach(() => {
  sent = [];
  peakParts = 0;
});

function store(options: Partial<S3ArchiveStoreOptions> = {}) {
  return new S3ArchiveStore({
    client,
    bucket: BUCKET,
    prefix: 'exports/vol-1',
    partSizeBytes: 5 * MIB,
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    ...options,
  });
}

/** A fixed pseudo-random pattern whose length is prime, so no two parts of a test object look alike. */
const PATTERN = (() => {
  const out = Buffer.alloc(1_048_573);
  for (let i = 0; i < out.length; i += 32) createHash('sha256').update(`${i}`).digest().copy(out, i);
  return out;
})();

/** `total` bytes of deterministic data in chunks of `chunk` bytes; throws after `failAfter` bytes if given. */
async function* bytes(total: number, chunk = 256 * 1024, failAfter?: number): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < total; offset += chunk) {
    if (failAfter !== undefined && offset >= failAfter) throw new Error('source broke midway');
    const out = Buffer.alloc(Math.min(chunk, total - offset));
    for (let filled = 0; filled < out.length; ) {
      const at = (offset + filled) % PATTERN.length;
      filled += PATTERN.copy(out, filled, at, Math.min(PATTERN.length, at + out.length - filled));
    }
    yield out;
  }
}

async function concat(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of source) parts.push(Buffer.from(part));
  return Buffer.concat(parts);
}

/** A client whose first `failures` UploadPart requests fail with 503 SlowDown before reaching the server. */
function faultyClient(failures: number) {
  const faulty = createS3Client({
    endpoint: s3.endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  let failed = 0;
  faulty.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { method: string; query: Record<string, unknown> };
      if (request.method === 'PUT' && 'partNumber' in (request.query ?? {}) && failed < failures) {
        failed++;
        throw Object.assign(new Error('Please reduce your request rate.'), {
          name: 'SlowDown',
          $fault: 'server',
          $metadata: { httpStatusCode: 503 },
        });
      }
      return next(args);
    },
    { step: 'finalizeRequest', name: 'injectSlowDown' },
  );
  return { client: faulty, failed: () => failed };
}

/** A client whose first GetObject body breaks (ECONNRESET) after `after` bytes; it records what it sent. */
function breakingBodyClient(after: number) {
  const c = createS3Client({
    endpoint: s3.endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  const requests: { method: string; headers: Record<string, string> }[] = [];
  let broken = false;
  c.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { method: string; headers: Record<string, string> };
      requests.push({ method: request.method, headers: { ...request.headers } });
      const result = await next(args);
      const output = result.output as { Body?: AsyncIterable<Uint8Array> };
      if (request.method === 'GET' && output.Body && !broken) {
        broken = true;
        const body = output.Body;
        output.Body = (async function* () {
          let sent = 0;
          for await (const chunk of body) {
            const room = after - sent;
            if (chunk.length >= room) {
              if (room > 0) yield chunk.subarray(0, room);
              throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
            }
            sent += chunk.length;
            yield chunk;
          }
        })();
      }
      return result;
    },
    { step: 'finalizeRequest', name: 'breakFirstBody' },
  );
  return { client: c, sent: requests };
}

async function openUploads(): Promise<number> {
  const out = await client.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }));
  return out.Uploads?.length ?? 0;
}

describe('S3ArchiveStore', () => {
  it('puts a small object with one PutObject and reads it back', async () => {
    const st = store();
    const written = await st.put('small.bin', bytes(100_000, 7_000));
    expect(written).toEqual({ key: 'small.bin', size: 100_000 });
    expect(await concat(await st.get('small.bin'))).toEqual(await concat(bytes(100_000, 7_000)));
    expect(sent.filter((r) => 'uploads' in (r.query ?? {}))).toHaveLength(0);
  });

  it('puts a large object as a multipart upload of fixed-size parts and reads it back byte for byte', async () => {
    const st = store();
    const progress: number[] = [];
    const total = 17 * MIB + 123;
    const written = await st.put('big.bin', bytes(total), { onProgress: (n) => progress.push(n) });
    expect(written.size).toBe(total);
    expect(progress.reduce((a, b) => a + b, 0)).toBe(total);
    const partSizes = sent
      .filter((r) => r.method === 'PUT' && 'partNumber' in (r.query ?? {}))
      .map((r) => Number(r.headers['content-length']));
    expect(partSizes.sort((a, b) => b - a)).toEqual([5 * MIB, 5 * MIB, 5 * MIB, 2 * MIB + 123]);
    expect((await concat(await st.get('big.bin'))).equals(await concat(bytes(total)))).toBe(true);
    expect(await openUploads()).toBe(0);
  });

  it('keeps no more parts in flight than maxConcurrentParts', async () => {
    await store({ maxConcurrentParts: 2 }).put('bounded.bin', bytes(26 * MIB, MIB));
    expect(peakParts).toBeGreaterThan(0);
    expect(peakParts).toBeLessThanOrEqual(2);
  });

  it('reads a byte range', async () => {
    const st = store();
    await st.put('range.bin', bytes(MIB));
    const whole = await concat(bytes(MIB));
    const part = await concat(await st.get('range.bin', { range: { start: 1000, end: 5000 } }));
    expect(part.equals(whole.subarray(1000, 5000))).toBe(true);
  });

  it('resumes a read whose stream breaks midway with a ranged GET pinned to the same ETag', async () => {
    const flaky = breakingBodyClient(1_500_000);
    await store().put('resume.bin', bytes(3 * MIB, MIB));
    const st = store({ client: flaky.client });
    const read = await concat(await st.get('resume.bin'));
    expect(read.equals(await concat(bytes(3 * MIB, MIB)))).toBe(true);
    expect(st.counters.resumedReads).toBe(1);
    const resumed = flaky.sent.filter((r) => r.method === 'GET').at(-1);
    expect(resumed?.headers.range).toBe('bytes=1500000-');
    expect(resumed?.headers['if-match']).toMatch(/^"?[0-9a-f-]+"?$/);
    flaky.client.destroy();
  });

  it('resumes a broken ranged read within its range', async () => {
    const flaky = breakingBodyClient(1000);
    await store().put('resume-range.bin', bytes(MIB));
    const st = store({ client: flaky.client });
    const read = await concat(await st.get('resume-range.bin', { range: { start: 500, end: 300_500 } }));
    expect(read.equals((await concat(bytes(MIB))).subarray(500, 300_500))).toBe(true);
    expect(flaky.sent.filter((r) => r.method === 'GET').at(-1)?.headers.range).toBe('bytes=1500-300499');
    flaky.client.destroy();
  });

  it('heads an object, and answers undefined for a missing one', async () => {
    const st = store();
    await st.put('head.bin', bytes(4096, 4096));
    expect(await st.head('head.bin')).toEqual({ key: 'head.bin', size: 4096 });
    expect(await st.head('nothing-here.bin')).toBeUndefined();
  });

  it('rejects get of a missing object with ArchiveObjectNotFoundError', async () => {
    await expect(store().get('missing.bin')).rejects.toBeInstanceOf(ArchiveObjectNotFoundError);
  });

  it('lists objects under a prefix in key order across pages, keys relative to the store', async () => {
    const st = store({ prefix: 'listing', listPageSize: 2 });
    for (const name of ['e', 'a', 'c', 'b', 'd']) await st.put(`seg/${name}.zst`, bytes(10, 10));
    await st.put('other/x', bytes(10, 10));
    const listed: string[] = [];
    for await (const object of st.list('seg/')) listed.push(object.key);
    expect(listed).toEqual(['seg/a.zst', 'seg/b.zst', 'seg/c.zst', 'seg/d.zst', 'seg/e.zst']);
    const pages = sent.filter((r) => r.method === 'GET' && r.query?.['list-type'] === '2');
    expect(pages.length).toBeGreaterThanOrEqual(3);
  });

  it('deletes objects, and deleting a missing object is fine', async () => {
    const st = store();
    await st.put('gone.bin', bytes(10, 10));
    await st.delete('gone.bin');
    expect(await st.head('gone.bin')).toBeUndefined();
    await expect(st.delete('gone.bin')).resolves.toBeUndefined();
  });

  it('aborts the multipart upload when the source fails midway, leaving no object and no upload', async () => {
    const st = store();
    await expect(st.put('broken.bin', bytes(30 * MIB, MIB, 12 * MIB))).rejects.toThrow('source broke midway');
    expect(sent.some((r) => r.method === 'DELETE' && 'uploadId' in (r.query ?? {}))).toBe(true);
    expect(await openUploads()).toBe(0);
    expect(await st.head('broken.bin')).toBeUndefined();
    expect(st.counters.uploadsAborted).toBe(1);
  });

  it('aborts the multipart upload when the caller aborts', async () => {
    const st = store();
    const controller = new AbortController();
    let produced = 0;
    async function* slowSource() {
      for await (const chunk of bytes(40 * MIB, MIB)) {
        produced += chunk.length;
        if (produced === 11 * MIB) controller.abort(new Error('operator pressed Ctrl-C'));
        yield chunk;
      }
    }
    await expect(st.put('cancelled.bin', slowSource(), { signal: controller.signal })).rejects.toThrow(
      'operator pressed Ctrl-C',
    );
    expect(await openUploads()).toBe(0);
    expect(await st.head('cancelled.bin')).toBeUndefined();
  });

  it('gives up at once when aborted while the source is stuck, and aborts the upload', async () => {
    const st = store();
    const controller = new AbortController();
    async function* stuckSource() {
      yield* bytes(11 * MIB, MIB);
      await new Promise(() => undefined);
    }
    const putting = st.put('stuck.bin', stuckSource(), { signal: controller.signal });
    while (st.counters.partsUploaded < 2) await new Promise((r) => setTimeout(r, 10));
    controller.abort(new Error('gave up waiting'));
    await expect(putting).rejects.toThrow('gave up waiting');
    expect(await openUploads()).toBe(0);
  });

  it('sends the storage class and checksum algorithm with new objects', async () => {
    await store({ storageClass: 'DEEP_ARCHIVE' }).put('cold.bin', bytes(6 * MIB, MIB));
    const create = sent.find((r) => r.method === 'POST' && 'uploads' in (r.query ?? {}));
    expect(create?.headers['x-amz-storage-class']).toBe('DEEP_ARCHIVE');
    expect(create?.headers['x-amz-checksum-algorithm']).toBe('CRC32');
    await store({ storageClass: 'GLACIER' }).put('cool.bin', bytes(10, 10));
    const put = sent.find((r) => r.method === 'PUT' && r.path.endsWith('/cool.bin'));
    expect(put?.headers['x-amz-storage-class']).toBe('GLACIER');
  });

  it('retries a part answered with 503 SlowDown and completes the object intact', async () => {
    const flaky = faultyClient(2);
    const st = store({ client: flaky.client });
    await st.put('flaky.bin', bytes(12 * MIB, MIB));
    expect(flaky.failed()).toBe(2);
    expect(st.counters.retries).toBe(2);
    expect((await concat(await store().get('flaky.bin'))).equals(await concat(bytes(12 * MIB, MIB)))).toBe(true);
    flaky.client.destroy();
  });

  it('aborts the multipart upload when a part keeps failing', async () => {
    const flaky = faultyClient(Number.POSITIVE_INFINITY);
    const st = store({ client: flaky.client, retry: { baseDelayMs: 1, maxDelayMs: 2, maxAttempts: 3 } });
    const error = await st.put('doomed.bin', bytes(12 * MIB, MIB)).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/UploadPart of exports\/vol-1\/doomed.bin failed: SlowDown/);
    expect(await openUploads()).toBe(0);
    expect(await store().head('doomed.bin')).toBeUndefined();
    flaky.client.destroy();
  });

  it('refuses parts under 5 MiB', () => {
    expect(() => store({ partSizeBytes: MIB })).toThrow(/5 MiB/);
  });

  it('names where it points', () => {
    expect(store().location).toBe(`s3://${BUCKET}/exports/vol-1/`);
  });
});
