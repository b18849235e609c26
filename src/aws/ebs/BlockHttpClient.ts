/**
 * A lean HTTP/1.1 client for one kind of exchange: a GET without body whose answer is a block. Keep-alive
 * connections to one origin, at most `maxSockets` of them. Over plain TCP the socket reads straight into the
 * block's buffer (net's `onread`: the kernel copies the body once, into its final place, and no 64 KiB chunk is
 * allocated per read); over TLS the decrypted chunks are copied into it once. Status line, headers,
 * Content-Length and chunked framing are parsed here: node:http's parser, IncomingMessage stream and agent cost
 * more main-thread CPU per block than the rest of the request.
 *
 * Failures look like node:http's: socket errors keep their `code`, a connection that closes mid-answer is
 * ECONNRESET ("socket hang up"), timeouts are `TimeoutError`, an aborted request rejects with an AbortError.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';

/** What an answer looked like: for status 200, the body in the buffer `allocate` gave (or undefined). */
export interface BlockAnswer {
  readonly status: number;
  /** Header names in lower case; repeated headers joined with ", ". */
  readonly headers: Record<string, string>;
  /** For 200: the buffer, filled exactly; undefined when the body was longer or shorter than it. */
  readonly data: Buffer | undefined;
  /** For other statuses: the body (at most 64 KiB of it). */
  readonly body: Buffer;
}

export interface BlockHttpClientOptions {
  readonly protocol: 'http:' | 'https:';
  readonly hostname: string;
  readonly port: number;
  readonly maxSockets: number;
  readonly requestTimeoutMs: number;
  readonly connectionTimeoutMs: number;
  /** Close a kept-alive connection unused this long, before the server does (a request sent on a closing one fails). @default 4000 */
  readonly idleTimeoutMs?: number;
  /** More TLS settings (a CA for tests, say). */
  readonly tls?: ConnectionOptions;
}

const SCRATCH = 16_384;
const MAX_HEAD = 65_536;
const MAX_ERROR_BODY = 65_536;
const CRLF_CRLF = Buffer.from('\r\n\r\n');

type Phase = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailer' | 'until-close' | 'done';

/** One request in flight on a connection. */
class Exchange {
  phase: Phase = 'head';
  head: Buffer | undefined;
  status = 0;
  headers: Record<string, string> = {};
  /** Body bytes still to come: of the whole body (length) or of the current chunk. */
  remaining = 0;
  /** The buffer a 200 body goes into, and how much of it is filled. */
  target: Buffer | undefined;
  filled = 0;
  overflow = false;
  /** Error bodies. */
  collected: Buffer[] = [];
  collectedBytes = 0;
  line = '';
  keepAlive = true;
  timer: NodeJS.Timeout | undefined;
  onAbort: (() => void) | undefined;

  constructor(
    readonly allocate: (length: number) => Buffer,
    readonly resolve: (answer: BlockAnswer) => void,
    readonly reject: (error: Error) => void,
    readonly signal: AbortSignal | undefined,
  ) {}
}

class Connection {
  exchange: Exchange | undefined;
  closed = false;
  idleSince = 0;
  /** Whether the buffer handed to the last read was the exchange's target. */
  direct = false;
  readonly scratch: Buffer;
  readonly socket: Socket;

  constructor(
    private readonly client: BlockHttpClient,
    options: BlockHttpClientOptions,
  ) {
    this.scratch = Buffer.allocUnsafe(SCRATCH);
    if (options.protocol === 'https:') {
      this.socket = tlsConnect({
        ...options.tls,
        host: options.hostname,
        port: options.port,
        servername: options.hostname,
        ALPNProtocols: ['http/1.1'],
      });
      this.socket.on('data', (chunk: Buffer) => this.received(chunk, 0, chunk.byteLength));
    } else {
      this.socket = netConnect({
        host: options.hostname,
        port: options.port,
        onread: {
          buffer: () => this.nextBuffer(),
          callback: (bytes: number, buffer: Uint8Array) => {
            if (this.direct) this.receivedInPlace(bytes);
            else this.received(buffer as Buffer, 0, bytes);
            return true;
          },
        },
      });
    }
    this.socket.setNoDelay(true);
    const connectTimer = setTimeout(() => {
      this.fail(Object.assign(new Error('connection timed out'), { name: 'TimeoutError', code: 'ETIMEDOUT' }));
    }, options.connectionTimeoutMs);
    this.socket.once(options.protocol === 'https:' ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
    this.socket.on('error', (error) => {
      clearTimeout(connectTimer);
      this.fail(error);
    });
    this.socket.on('end', () => this.ended());
    this.socket.on('close', () => {
      clearTimeout(connectTimer);
      this.ended();
    });
  }

  /** Sends a request on this (idle) connection. */
  send(head: string, exchange: Exchange): void {
    this.exchange = exchange;
    this.socket.write(head, 'latin1');
  }

  /** Where the next socket read goes: straight into the block when body bytes of it are due. */
  private nextBuffer(): Uint8Array {
    const x = this.exchange;
    if (x?.target && !x.overflow && (x.phase === 'length' || x.phase === 'chunk-data') && x.remaining > 0) {
      const room = x.target.byteLength - x.filled;
      if (room > 0) {
        this.direct = true;
        return x.target.subarray(x.filled, x.filled + Math.min(room, x.remaining));
      }
    }
    this.direct = false;
    return this.scratch;
  }

  private receivedInPlace(bytes: number): void {
    const x = this.exchange!;
    x.filled += bytes;
    x.remaining -= bytes;
    if (x.remaining === 0) this.endOfBodyPart(x);
  }

  /** Parses `bytes` bytes of `buffer` from `start`. */
  private received(buffer: Buffer, start: number, bytes: number): void {
    let at = start;
    const end = start + bytes;
    while (at < end) {
      const x = this.exchange;
      if (!x || x.phase === 'done') {
        // Bytes nobody asked for: the connection cannot be trusted any more.
        this.socket.destroy();
        return;
      }
      switch (x.phase) {
        case 'head': {
          const piece = buffer.subarray(at, end);
          const head = x.head ? Buffer.concat([x.head, piece]) : piece;
          const found = head.indexOf(CRLF_CRLF);
          if (found < 0) {
            if (head.byteLength > MAX_HEAD) {
              this.fail(protocolError('answer headers too long'));
              return;
            }
            x.head = Buffer.from(head);
            at = end;
            break;
          }
          const consumed = found + 4 - (x.head?.byteLength ?? 0);
          const text = head.toString('latin1', 0, found);
          x.head = undefined;
          at += consumed;
          if (!this.parseHead(x, text)) return;
          break;
        }
        case 'length':
        case 'chunk-data': {
          const n = Math.min(x.remaining, end - at);
          this.body(x, buffer, at, n);
          at += n;
          x.remaining -= n;
          if (x.remaining === 0) this.endOfBodyPart(x);
          break;
        }
        case 'until-close': {
          this.body(x, buffer, at, end - at);
          at = end;
          break;
        }
        case 'chunk-size':
        case 'chunk-end':
        case 'trailer': {
          const lf = buffer.indexOf(10, at);
          const stop = lf < 0 || lf >= end ? end : lf + 1;
          x.line += buffer.toString('latin1', at, stop);
          at = stop;
          if (x.line.length > 4096) {
            this.fail(protocolError('chunk framing line too long'));
            return;
          }
          if (!x.line.endsWith('\n')) break;
          const line = x.line.replace(/\r?\n$/, '');
          x.line = '';
          if (x.phase === 'chunk-end') {
            if (line !== '') {
              this.fail(protocolError('chunk data longer than its size'));
              return;
            }
            x.phase = 'chunk-size';
          } else if (x.phase === 'chunk-size') {
            const size = Number.parseInt(line.split(';')[0]!.trim(), 16);
            if (!Number.isFinite(size) || size < 0) {
              this.fail(protocolError('bad chunk size'));
              return;
            }
            if (size === 0) x.phase = 'trailer';
            else {
              x.phase = 'chunk-data';
              x.remaining = size;
            }
          } else if (line === '') this.complete(x);
          break;
        }
      }
    }
  }

  /** Status line and headers; then how the body is framed. False when the connection was failed. */
  private parseHead(x: Exchange, text: string): boolean {
    const lines = text.split('\r\n');
    const statusLine = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
    if (!statusLine) {
      this.fail(protocolError('not an HTTP/1.1 answer'));
      return false;
    }
    const status = Number(statusLine[1]);
    if (status >= 100 && status < 200) return true; // 100 Continue and the like: the real answer follows.
    const headers: Record<string, string> = {};
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    x.status = status;
    x.headers = headers;
    x.keepAlive = !/\bclose\b/i.test(headers.connection ?? '') && lines[0]!.startsWith('HTTP/1.1');
    if (status === 200) {
      const length = Number(headers['x-amz-data-length']);
      if (Number.isSafeInteger(length) && length >= 0) x.target = x.allocate(length);
    }
    if (/\bchunked\b/i.test(headers['transfer-encoding'] ?? '')) x.phase = 'chunk-size';
    else if (headers['content-length'] !== undefined) {
      const length = Number(headers['content-length']);
      if (!Number.isSafeInteger(length) || length < 0) {
        this.fail(protocolError('bad Content-Length'));
        return false;
      }
      x.phase = 'length';
      x.remaining = length;
      if (length === 0) this.complete(x);
    } else if (status === 204 || status === 304) this.complete(x);
    else {
      x.phase = 'until-close';
      x.keepAlive = false;
    }
    return true;
  }

  private body(x: Exchange, buffer: Buffer, at: number, n: number): void {
    if (n === 0) return;
    if (x.target) {
      if (x.overflow || x.filled + n > x.target.byteLength) {
        x.overflow = true;
        return;
      }
      buffer.copy(x.target, x.filled, at, at + n);
      x.filled += n;
    } else if (x.collectedBytes < MAX_ERROR_BODY) {
      x.collected.push(Buffer.from(buffer.subarray(at, at + Math.min(n, MAX_ERROR_BODY - x.collectedBytes))));
      x.collectedBytes += n;
    }
  }

  private endOfBodyPart(x: Exchange): void {
    if (x.phase === 'chunk-data') x.phase = 'chunk-end';
    else this.complete(x);
  }

  private complete(x: Exchange): void {
    x.phase = 'done';
    this.exchange = undefined;
    finish(x);
    const data = x.target && !x.overflow && x.filled === x.target.byteLength ? x.target : undefined;
    const body = x.target ? Buffer.alloc(0) : Buffer.concat(x.collected);
    if (x.keepAlive && !this.closed) this.client.release(this);
    else this.close();
    x.resolve({ status: x.status, headers: x.headers, data, body });
  }

  /** The server closed the connection. */
  private ended(): void {
    const x = this.exchange;
    if (x?.phase === 'until-close') this.complete(x);
    this.fail(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
  }

  /** Ends the connection; the request on it, if any, rejects with `error`. */
  fail(error: Error): void {
    const x = this.exchange;
    this.exchange = undefined;
    this.close();
    if (x && x.phase !== 'done') {
      x.phase = 'done';
      finish(x);
      x.reject(error);
    }
  }

  close(): void {
    if (!this.closed) {
      this.closed = true;
      this.client.forget(this);
    }
    this.socket.destroy();
  }
}

function finish(x: Exchange): void {
  if (x.timer) clearTimeout(x.timer);
  if (x.onAbort) x.signal?.removeEventListener('abort', x.onAbort);
}

function protocolError(message: string): Error {
  return Object.assign(new Error(`GetSnapshotBlock: ${message}`), { code: 'HPE_INVALID' });
}

/** Keep-alive GETs to one origin. */
export class BlockHttpClient {
  private readonly idle: Connection[] = [];
  private readonly waiting: ((connection: Connection | undefined) => void)[] = [];
  private open = 0;
  private destroyed = false;

  constructor(private readonly options: BlockHttpClientOptions) {}

  /** GETs `pathAndQuery` with `headers` (name: value lines, each ending in CRLF). */
  async get(
    pathAndQuery: string,
    headerLines: string,
    allocate: (length: number) => Buffer,
    signal: AbortSignal | undefined,
  ): Promise<BlockAnswer> {
    signal?.throwIfAborted();
    const connection = await this.acquire(signal);
    const head = `GET ${pathAndQuery} HTTP/1.1\r\n${headerLines}\r\n`;
    return new Promise<BlockAnswer>((resolve, reject) => {
      const x = new Exchange(allocate, resolve, reject, signal);
      x.timer = setTimeout(() => {
        connection.fail(Object.assign(new Error('GetSnapshotBlock timed out'), { name: 'TimeoutError' }));
      }, this.options.requestTimeoutMs);
      if (signal) {
        x.onAbort = () =>
          connection.fail(
            Object.assign(new Error('The operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR' }),
          );
        signal.addEventListener('abort', x.onAbort, { once: true });
      }
      connection.send(head, x);
    });
  }

  /** Closes every connection. */
  close(): void {
    this.destroyed = true;
    for (const c of [...this.idle]) c.close();
    this.idle.length = 0;
    for (const w of this.waiting.splice(0)) w(undefined);
  }

  /** @internal A connection whose answer is complete and that can carry the next request. */
  release(connection: Connection): void {
    const next = this.waiting.shift();
    if (next) next(connection);
    else {
      connection.idleSince = Date.now();
      this.idle.push(connection);
    }
  }

  /** @internal A connection that is gone. */
  forget(connection: Connection): void {
    this.open--;
    const at = this.idle.indexOf(connection);
    if (at >= 0) this.idle.splice(at, 1);
    // A slot is free: a waiting request gets a new connection.
    const next = this.waiting.shift();
    if (next) {
      if (this.destroyed) next(undefined);
      else next(this.connect());
    }
  }

  private acquire(signal: AbortSignal | undefined): Promise<Connection> {
    if (this.destroyed) return Promise.reject(Object.assign(new Error('client closed'), { code: 'ERR_CLOSED' }));
    const idleLimit = Date.now() - (this.options.idleTimeoutMs ?? 4_000);
    while (this.idle.length > 0) {
      const connection = this.idle.pop()!;
      if (connection.closed) continue;
      if (connection.idleSince < idleLimit) {
        connection.close();
        continue;
      }
      return Promise.resolve(connection);
    }
    if (this.open < this.options.maxSockets) return Promise.resolve(this.connect());
    return new Promise<Connection>((resolve, reject) => {
      const onAbort = () => {
        const at = this.waiting.indexOf(take);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(Object.assign(new Error('The operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR' }));
      };
      const take = (connection: Connection | undefined) => {
        signal?.removeEventListener('abort', onAbort);
        if (connection) resolve(connection);
        else reject(Object.assign(new Error('client closed'), { code: 'ERR_CLOSED' }));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(take);
    });
  }

  private connect(): Connection {
    this.open++;
    return new Connection(this, this.options);
  }
}
