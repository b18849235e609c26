import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, createServer as createNetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BlockHttpClient, type BlockHttpClientOptions } from '../../../src/aws/ebs/BlockHttpClient.js';
import { retryReason } from '../../../src/aws/retry/retryableError.js';

const BLOCK = 524_288;
const H = 'Host: x\r\n';
const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function listen(server: Server | ReturnType<typeof createNetServer>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        (server as Server).closeAllConnections?.();
        server.close(() => resolve());
      }),
  );
  return (server.address() as AddressInfo).port;
}

/** An HTTP server answering with `handler`, counting the connections it accepted. */
async function httpServer(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createHttpServer(handler);
  const stats = { connections: 0 };
  server.on('connection', () => stats.connections++);
  const port = await listen(server);
  return { server, port, stats };
}

function client(port: number, more: Partial<BlockHttpClientOptions> = {}) {
  const c = new BlockHttpClient({
    protocol: 'http:',
    hostname: '127.0.0.1',
    port,
    maxSockets: 8,
    requestTimeoutMs: 5_000,
    connectionTimeoutMs: 2_000,
    ...more,
  });
  closers.push(() => c.close());
  return c;
}

const blockHeaders = (length: number) => ({ 'x-amz-Data-Length': String(length), 'x-amz-Checksum': 'c' });

describe('BlockHttpClient', () => {
  it('reads Content-Length and chunked bodies into the given buffer, reusing one kept-alive connection', async () => {
    const body = randomBytes(BLOCK);
    const { port, stats } = await httpServer((req, res) => {
      if (req.url === '/chunked') {
        res.writeHead(200, blockHeaders(BLOCK));
        // Several chunks, so framing arrives between body bytes.
        res.write(body.subarray(0, 1000));
        res.write(body.subarray(1000, 300_000));
        res.end(body.subarray(300_000));
      } else {
        res.writeHead(200, { ...blockHeaders(BLOCK), 'content-length': String(BLOCK) });
        res.end(body);
      }
    });
    const c = client(port);
    for (const path of ['/length', '/chunked', '/length', '/chunked']) {
      const target = Buffer.alloc(BLOCK);
      const answer = await c.get(path, 'Host: x\r\n', (n) => (n === BLOCK ? target : Buffer.alloc(n)), undefined);
      expect(answer.status).toBe(200);
      expect(answer.headers['x-amz-checksum']).toBe('c');
      expect(answer.data).toBe(target);
      expect(target.equals(body)).toBe(true);
    }
    expect(stats.connections).toBe(1);
  });

  it('gives no data for a body longer or shorter than x-amz-Data-Length, and the connection stays usable', async () => {
    let length = 2000;
    const { port, stats } = await httpServer((_req, res) => {
      res.writeHead(200, { ...blockHeaders(1000), 'content-length': String(length) });
      res.end(Buffer.alloc(length, 1));
    });
    const c = client(port);
    expect((await c.get('/', H, (n) => Buffer.alloc(n), undefined)).data).toBeUndefined();
    length = 10;
    expect((await c.get('/', H, (n) => Buffer.alloc(n), undefined)).data).toBeUndefined();
    length = 1000;
    expect((await c.get('/', H, (n) => Buffer.alloc(n), undefined)).data?.byteLength).toBe(1000);
    expect(stats.connections).toBe(1);
  });

  it('returns error bodies, framed by length, chunks or the end of the connection', async () => {
    const raw = createNetServer((socket) => {
      socket.once('data', () => {
        socket.end(
          'HTTP/1.1 400 Bad Request\r\nx-amzn-ErrorType: ValidationException\r\nConnection: close\r\n\r\n{"Message":"no"}',
        );
      });
    });
    const rawPort = await listen(raw);
    const closing = await client(rawPort).get('/', H, (n) => Buffer.alloc(n), undefined);
    expect(closing.status).toBe(400);
    expect(closing.body.toString()).toBe('{"Message":"no"}');

    const { port } = await httpServer((_req, res) => {
      res.writeHead(503, { 'x-amzn-ErrorType': 'InternalServerException' });
      res.end('{"Message":"busy"}');
    });
    const chunked = await client(port).get('/', H, (n) => Buffer.alloc(n), undefined);
    expect(chunked.status).toBe(503);
    expect(chunked.headers['x-amzn-errortype']).toBe('InternalServerException');
    expect(chunked.body.toString()).toBe('{"Message":"busy"}');
  });

  it('opens at most maxSockets connections and queues the other requests', async () => {
    let open = 0;
    let most = 0;
    const { port, stats } = await httpServer((_req, res) => {
      open++;
      most = Math.max(most, open);
      setTimeout(() => {
        open--;
        res.writeHead(200, blockHeaders(4));
        res.end('abcd');
      }, 20);
    });
    const c = client(port, { maxSockets: 2 });
    const answers = await Promise.all(
      Array.from({ length: 7 }, () => c.get('/', H, (n) => Buffer.alloc(n), undefined)),
    );
    expect(answers.every((a) => a.data?.toString() === 'abcd')).toBe(true);
    expect(most).toBe(2);
    expect(stats.connections).toBe(2);
  });

  it('replaces connections the server closed while idle', async () => {
    let connections = 0;
    const raw = createNetServer((socket) => {
      connections++;
      socket.once('data', () => {
        // A kept-alive answer, then the server closes the idle connection (as at its keep-alive timeout).
        socket.write('HTTP/1.1 200 OK\r\nx-amz-Data-Length: 1\r\nContent-Length: 1\r\n\r\nx');
        setTimeout(() => socket.end(), 20);
      });
    });
    const port = await listen(raw);
    const c = client(port);
    for (let i = 0; i < 3; i++) {
      expect((await c.get('/', H, (n) => Buffer.alloc(n), undefined)).data?.toString()).toBe('x');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(connections).toBe(3);
  });

  it('fails like node:http when the connection drops mid-answer, on timeouts and on abort', async () => {
    const sockets: Socket[] = [];
    const raw = createNetServer((socket) => {
      sockets.push(socket);
      socket.once('data', (request) => {
        if (request.toString().startsWith('GET /drop')) {
          socket.end('HTTP/1.1 200 OK\r\nx-amz-Data-Length: 100\r\nContent-Length: 100\r\n\r\nshort');
        }
        // Anything else: never answered.
      });
    });
    closers.push(() => {
      for (const s of sockets) s.destroy();
    });
    const port = await listen(raw);
    const c = client(port, { requestTimeoutMs: 100 });
    const dropped = await c.get('/drop', H, (n) => Buffer.alloc(n), undefined).catch((e: unknown) => e);
    expect(dropped).toMatchObject({ code: 'ECONNRESET' });
    expect(retryReason(dropped)).toBe('network');

    const timedOut = await c.get('/hang', H, (n) => Buffer.alloc(n), undefined).catch((e: unknown) => e);
    expect(timedOut).toMatchObject({ name: 'TimeoutError' });
    expect(retryReason(timedOut)).toBe('network');

    const controller = new AbortController();
    const pending = c.get('/hang', H, (n) => Buffer.alloc(n), controller.signal).catch((e: unknown) => e);
    setTimeout(() => controller.abort(), 10);
    expect(await pending).toMatchObject({ name: 'AbortError' });
    expect(retryReason(await pending)).toBeUndefined();
  });

  it('reads blocks over TLS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vp-tls-'));
    closers.push(() => rmSync(dir, { recursive: true, force: true }));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost',
      ],
      { stdio: 'ignore' },
    );
    const cert = readFileSync(join(dir, 'cert.pem'));
    const body = randomBytes(BLOCK);
    const server = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert }, (_req, res) => {
      res.writeHead(200, blockHeaders(BLOCK));
      res.end(body);
    });
    const port = await listen(server);
    const c = client(port, { protocol: 'https:', hostname: 'localhost', tls: { ca: cert } });
    for (let i = 0; i < 2; i++) {
      const answer = await c.get('/', 'Host: localhost\r\n', (n) => Buffer.alloc(n), undefined);
      expect(answer.data?.equals(body)).toBe(true);
    }
    // Without trusting the certificate, the connection is refused.
    const untrusting = client(port, { protocol: 'https:', hostname: 'localhost' });
    await expect(untrusting.get('/', H, (n) => Buffer.alloc(n), undefined)).rejects.toThrow();
  });
});
