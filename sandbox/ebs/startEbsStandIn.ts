/**
 * A local stand-in for the EBS direct APIs (service `ebs`), plain node:http. It answers the REST paths, query
 * parameters, headers, status codes and error shapes `@aws-sdk/client-ebs` uses, so the real SDK (pointed at
 * `endpoint`, any credentials, region us-east-1) works against it unchanged — including its exception classes.
 * Signatures are not checked. See docs/sandbox.md for what it does and does not do.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EbsStandInError, validationError } from './ebsStandInErrors.js';
import { type EbsFaultOptions, type FaultCounters, FaultInjector } from './FaultInjector.js';
import { type PagePosition, TokenSigner } from './pageTokens.js';
import {
  EBS_BLOCK_SIZE,
  type ImageSnapshotSpec,
  SnapshotCatalog,
  type SnapshotRecord,
  type SnapshotStatus,
} from './SnapshotCatalog.js';

export type { EbsFaultOptions } from './FaultInjector.js';
export type { ImageSnapshotSpec } from './SnapshotCatalog.js';
export { EBS_BLOCK_SIZE } from './SnapshotCatalog.js';

/** How to start the stand-in. */
export interface EbsStandInOptions {
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default 0 (the OS chooses) */
  readonly port?: number;
  /** Snapshots to register before the server answers. */
  readonly snapshots?: readonly ImageSnapshotSpec[];
  readonly faults?: EbsFaultOptions;
  /**
   * How long a snapshot stays `pending` after CompleteSnapshot before it turns `completed` (or `error`), as EBS
   * completes snapshots asynchronously. @default 0 (at once)
   */
  readonly completionDelayMs?: number;
  /** Clock for token expiry, snapshot timeouts and the rate limit. @default Date.now */
  readonly now?: () => number;
}

/** What a snapshot looks like from outside, for tests and the demo. */
export interface StandInSnapshotInfo {
  readonly snapshotId: string;
  readonly parentSnapshotId: string | undefined;
  readonly status: SnapshotStatus;
  readonly errorReason: string | undefined;
  readonly volumeSizeGiB: number;
  readonly origin: 'image' | 'written';
  /** Ascending indexes of every block of its content (own and inherited). */
  readonly blocks: readonly number[];
  /** Ascending indexes of the blocks written in this snapshot itself. */
  readonly ownBlocks: readonly number[];
}

/** A running stand-in. */
export interface EbsStandIn {
  /** `http://host:port`, for the SDK's `endpoint`. */
  readonly endpoint: string;
  readonly port: number;
  /** Registers an image-backed snapshot and returns its id. */
  addSnapshot(spec: ImageSnapshotSpec): Promise<string>;
  /** A snapshot's status and blocks. */
  snapshot(snapshotId: string): StandInSnapshotInfo;
  /** Every snapshot, registered and written. */
  snapshots(): StandInSnapshotInfo[];
  /** Changes fault settings while running. */
  setFaults(faults: EbsFaultOptions): void;
  /** Throttles the next `requests` requests. */
  startThrottleStorm(requests: number): void;
  /** Makes every block and page token issued so far invalid, as if they had expired. */
  expireTokens(): void;
  /** Requests answered, by operation, and the faults injected. */
  readonly stats: { readonly requests: Record<string, number>; readonly faults: FaultCounters };
  /** Stops the server, drops open connections and removes written snapshots. */
  close(): Promise<void>;
}

const MIN_RESULTS = 100;
const MAX_RESULTS = 10_000;

/** Starts the EBS direct API stand-in on 127.0.0.1 (a port the OS chooses unless given). */
export async function startEbsStandIn(options: EbsStandInOptions = {}): Promise<EbsStandIn> {
  const now = options.now ?? Date.now;
  const catalog = new SnapshotCatalog(now, options.completionDelayMs ?? 0);
  const faults = new FaultInjector(options.faults ?? {}, now);
  const tokens = new TokenSigner(now);
  const requests: Record<string, number> = {};
  const timers = new Set<NodeJS.Timeout>();
  for (const spec of options.snapshots ?? []) await catalog.addImageSnapshot(spec);

  const handler = new RequestHandler(catalog, faults, tokens);
  const server: Server = createServer((req, res) => {
    void handler.handle(req, res, requests, timers);
  });
  // Keep-alive sockets would hold close() open; answers of a few ms do not need long idle timeouts.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  const info = (record: SnapshotRecord): StandInSnapshotInfo => ({
    snapshotId: record.snapshotId,
    parentSnapshotId: record.parentSnapshotId,
    status: catalog.statusOf(record),
    errorReason: record.errorReason,
    volumeSizeGiB: record.volumeSizeGiB,
    origin: record.origin,
    blocks: catalog.sortedBlocksOf(record),
    ownBlocks: [...record.ownBlocks].sort((a, b) => a - b),
  });

  return {
    endpoint: `http://${host}:${address.port}`,
    port: address.port,
    addSnapshot: async (spec) => (await catalog.addImageSnapshot(spec)).snapshotId,
    snapshot: (snapshotId) => info(catalog.require(snapshotId)),
    snapshots: () => catalog.list().map(info),
    setFaults: (f) => faults.update(f),
    startThrottleStorm: (n) => faults.startStorm(n),
    expireTokens: () => tokens.expireAll(),
    stats: { requests, faults: faults.counters },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await catalog.close();
    },
  };
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer | string;
}

/** Routes one HTTP request to an operation and writes its answer (after the injected delay). */
class RequestHandler {
  /** Block requests in flight per snapshot, until their answer is sent or the client goes away. */
  private readonly inFlight = new Map<string, number>();

  constructor(
    private readonly catalog: SnapshotCatalog,
    private readonly faults: FaultInjector,
    private readonly tokens: TokenSigner,
  ) {}

  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    requests: Record<string, number>,
    timers: Set<NodeJS.Timeout>,
  ): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const route = matchRoute(req.method ?? 'GET', url.pathname);
    let answer: Answer;
    let delayMs = 0;
    try {
      if (!route) throw new EbsStandInError(404, 'UnknownOperationException', `No operation at ${url.pathname}.`);
      requests[route.operation] = (requests[route.operation] ?? 0) + 1;
      const blockOperation = route.operation === 'GetSnapshotBlock' || route.operation === 'PutSnapshotBlock';
      let inFlight: number | undefined;
      if (blockOperation) {
        const key = route.snapshotId;
        inFlight = (this.inFlight.get(key) ?? 0) + 1;
        this.inFlight.set(key, inFlight);
        res.once('close', () => this.inFlight.set(key, (this.inFlight.get(key) ?? 1) - 1));
      }
      const decision = this.faults.decide(route.snapshotId, inFlight);
      delayMs = decision.delayMs;
      // Read the body even when failing, so the connection stays usable for the next request.
      const body = await readBody(req, EBS_BLOCK_SIZE + 1);
      if (decision.error) throw decision.error;
      answer = await this.run(route, url.searchParams, req.headers, body);
    } catch (error) {
      answer = errorAnswer(error);
    }
    const send = () => {
      if (res.destroyed || res.writableEnded) return;
      res.writeHead(answer.status, { ...answer.headers, 'x-amzn-RequestId': randomUUID() });
      res.end(answer.body);
    };
    if (delayMs <= 0) {
      send();
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      send();
    }, delayMs);
    timers.add(timer);
  }

  private async run(
    route: Route,
    query: URLSearchParams,
    headers: IncomingMessage['headers'],
    body: Buffer | undefined,
  ): Promise<Answer> {
    switch (route.operation) {
      case 'ListSnapshotBlocks':
        return this.listSnapshotBlocks(route.snapshotId, query);
      case 'ListChangedBlocks':
        return this.listChangedBlocks(route.snapshotId, query);
      case 'GetSnapshotBlock':
        return this.getSnapshotBlock(route.snapshotId, route.blockIndex, query);
      case 'PutSnapshotBlock':
        return this.putSnapshotBlock(route.snapshotId, route.blockIndex, headers, body);
      case 'StartSnapshot':
        return this.startSnapshot(body);
      case 'CompleteSnapshot':
        return this.completeSnapshot(route.snapshotId, headers);
    }
  }

  private listSnapshotBlocks(snapshotId: string, query: URLSearchParams): Answer {
    const record = this.catalog.requireReadable(snapshotId);
    const start = this.startIndex('list', snapshotId, undefined, query);
    const maxResults = readMaxResults(query);
    const all = this.catalog.sortedBlocksOf(record);
    const { items, next } = page(all, (i) => i, start, maxResults, this.faults.emptyPage());
    return json(200, {
      Blocks: items.map((index) => ({ BlockIndex: index, BlockToken: this.tokens.blockToken(snapshotId, index) })),
      ExpiryTime: this.tokens.blockTokenExpiry() / 1000,
      VolumeSize: record.volumeSizeGiB,
      BlockSize: EBS_BLOCK_SIZE,
      ...(next === undefined
        ? {}
        : { NextToken: this.tokens.pageToken({ operation: 'list', snapshotId, nextIndex: next }) }),
    });
  }

  private listChangedBlocks(secondId: string, query: URLSearchParams): Answer {
    const firstId = query.get('firstSnapshotId') ?? undefined;
    const second = this.catalog.requireReadable(secondId);
    const first = firstId === undefined ? undefined : this.catalog.requireReadable(firstId);
    const start = this.startIndex('changed', secondId, firstId, query);
    const maxResults = readMaxResults(query);
    const changed = this.catalog.changedBlocks(first, second);
    const { items, next } = page(changed, (c) => c.index, start, maxResults, this.faults.emptyPage());
    return json(200, {
      ChangedBlocks: items.map((c) => ({
        BlockIndex: c.index,
        ...(c.inFirst && firstId !== undefined ? { FirstBlockToken: this.tokens.blockToken(firstId, c.index) } : {}),
        ...(c.inSecond ? { SecondBlockToken: this.tokens.blockToken(secondId, c.index) } : {}),
      })),
      ExpiryTime: this.tokens.blockTokenExpiry() / 1000,
      VolumeSize: second.volumeSizeGiB,
      BlockSize: EBS_BLOCK_SIZE,
      ...(next === undefined
        ? {}
        : {
            NextToken: this.tokens.pageToken({
              operation: 'changed',
              snapshotId: secondId,
              ...(firstId === undefined ? {} : { firstSnapshotId: firstId }),
              nextIndex: next,
            }),
          }),
    });
  }

  private async getSnapshotBlock(snapshotId: string, blockIndex: number, query: URLSearchParams): Promise<Answer> {
    const record = this.catalog.requireReadable(snapshotId);
    this.catalog.checkBlockIndex(record, blockIndex);
    const token = query.get('blockToken');
    if (!token || !this.tokens.checkBlockToken(token, snapshotId, blockIndex)) {
      throw validationError('INVALID_BLOCK_TOKEN', 'The block token is not valid for this block, or has expired.');
    }
    const { data, digest } = await this.catalog.readBlockWithDigest(record, blockIndex);
    let checksum = digest.toString('base64');
    if (this.faults.wrongChecksumFor(snapshotId, blockIndex)) {
      checksum = createHash('sha256').update(checksum).digest('base64');
    }
    return {
      status: 200,
      headers: {
        'content-type': 'application/octet-stream',
        'x-amz-Data-Length': String(data.length),
        'x-amz-Checksum': checksum,
        'x-amz-Checksum-Algorithm': 'SHA256',
      },
      body: data,
    };
  }

  private async putSnapshotBlock(
    snapshotId: string,
    blockIndex: number,
    headers: IncomingMessage['headers'],
    body: Buffer | undefined,
  ): Promise<Answer> {
    const data = body ?? Buffer.alloc(0);
    const declaredLength = Number(header(headers, 'x-amz-data-length'));
    const checksum = header(headers, 'x-amz-checksum');
    const algorithm = header(headers, 'x-amz-checksum-algorithm');
    if (declaredLength !== data.length) {
      throw validationError(
        'INVALID_PARAMETER_VALUE',
        `x-amz-Data-Length ${declaredLength} differs from the ${data.length} bytes sent.`,
      );
    }
    if (data.length !== EBS_BLOCK_SIZE) {
      throw validationError('INVALID_BLOCK', `A block must be ${EBS_BLOCK_SIZE} bytes, not ${data.length}.`);
    }
    if (algorithm !== 'SHA256' || !checksum) {
      throw validationError('INVALID_PARAMETER_VALUE', 'x-amz-Checksum with algorithm SHA256 is required.');
    }
    const digest = createHash('sha256').update(data).digest();
    if (digest.toString('base64') !== checksum) {
      throw validationError('INVALID_PARAMETER_VALUE', `The checksum of block ${blockIndex} does not match its data.`);
    }
    await this.catalog.putBlock(snapshotId, blockIndex, data, digest);
    return {
      status: 201,
      headers: { 'x-amz-Checksum': checksum, 'x-amz-Checksum-Algorithm': 'SHA256', 'content-length': '0' },
      body: '',
    };
  }

  private async startSnapshot(body: Buffer | undefined): Promise<Answer> {
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(body?.toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      throw new EbsStandInError(400, 'SerializationException', 'The request body is not JSON.');
    }
    if (typeof input.VolumeSize !== 'number') {
      throw validationError('INVALID_VOLUME_SIZE', 'VolumeSize is required.');
    }
    if (input.Encrypted === true || typeof input.KmsKeyArn === 'string') {
      // Encryption changes nothing the stand-in models; say so rather than pretend.
      throw validationError('INVALID_PARAMETER_VALUE', 'The stand-in does not model encrypted snapshots.');
    }
    const record = await this.catalog.startSnapshot({
      volumeSizeGiB: input.VolumeSize,
      ...(typeof input.ParentSnapshotId === 'string' ? { parentSnapshotId: input.ParentSnapshotId } : {}),
      ...(typeof input.ClientToken === 'string' ? { clientToken: input.ClientToken } : {}),
      ...(typeof input.Description === 'string' ? { description: input.Description } : {}),
      ...(typeof input.Timeout === 'number' ? { timeoutMinutes: input.Timeout } : {}),
      ...(Array.isArray(input.Tags) ? { tags: input.Tags as { Key?: string; Value?: string }[] } : {}),
    });
    return json(201, {
      SnapshotId: record.snapshotId,
      OwnerId: '111122223333',
      Status: this.catalog.statusOf(record),
      StartTime: record.startTime / 1000,
      VolumeSize: record.volumeSizeGiB,
      BlockSize: EBS_BLOCK_SIZE,
      SseType: 'none',
      ...(record.description === undefined ? {} : { Description: record.description }),
      ...(record.parentSnapshotId === undefined ? {} : { ParentSnapshotId: record.parentSnapshotId }),
      ...(record.tags.length === 0 ? {} : { Tags: record.tags }),
    });
  }

  private completeSnapshot(snapshotId: string, headers: IncomingMessage['headers']): Answer {
    const countHeader = header(headers, 'x-amz-changedblockscount');
    const count = Number(countHeader);
    if (countHeader === undefined || !Number.isInteger(count) || count < 0) {
      throw validationError('INVALID_PARAMETER_VALUE', 'x-amz-ChangedBlocksCount is required.');
    }
    const status = this.catalog.completeSnapshot(
      snapshotId,
      count,
      header(headers, 'x-amz-checksum'),
      header(headers, 'x-amz-checksum-algorithm'),
      header(headers, 'x-amz-checksum-aggregation-method'),
    );
    return json(202, { Status: status });
  }

  /** Where a listing starts: the page token's position, or StartingBlockIndex. */
  private startIndex(
    operation: PagePosition['operation'],
    snapshotId: string,
    firstSnapshotId: string | undefined,
    query: URLSearchParams,
  ): number {
    const pageToken = query.get('pageToken');
    if (pageToken !== null) {
      const position = this.tokens.readPageToken(pageToken);
      if (
        !position ||
        position.operation !== operation ||
        position.snapshotId !== snapshotId ||
        position.firstSnapshotId !== firstSnapshotId
      ) {
        throw validationError('INVALID_PAGE_TOKEN', 'The page token is not valid for this request, or has expired.');
      }
      return position.nextIndex;
    }
    const starting = query.get('startingBlockIndex');
    if (starting === null) return 0;
    const index = Number(starting);
    if (!Number.isInteger(index) || index < 0) {
      throw validationError('INVALID_PARAMETER_VALUE', 'StartingBlockIndex must be a non-negative integer.');
    }
    return index;
  }
}

type Route =
  | { operation: 'ListSnapshotBlocks' | 'ListChangedBlocks' | 'CompleteSnapshot'; snapshotId: string }
  | { operation: 'GetSnapshotBlock' | 'PutSnapshotBlock'; snapshotId: string; blockIndex: number }
  | { operation: 'StartSnapshot'; snapshotId?: undefined };

function matchRoute(method: string, path: string): Route | undefined {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] !== 'snapshots') return undefined;
  if (method === 'POST' && parts.length === 1) return { operation: 'StartSnapshot' };
  if (method === 'POST' && parts.length === 3 && parts[1] === 'completion') {
    return { operation: 'CompleteSnapshot', snapshotId: parts[2]! };
  }
  const snapshotId = parts[1];
  if (snapshotId === undefined) return undefined;
  if (method === 'GET' && parts.length === 3 && parts[2] === 'blocks') {
    return { operation: 'ListSnapshotBlocks', snapshotId };
  }
  if (method === 'GET' && parts.length === 3 && parts[2] === 'changedblocks') {
    return { operation: 'ListChangedBlocks', snapshotId };
  }
  if (parts.length === 4 && parts[2] === 'blocks' && /^\d+$/.test(parts[3]!)) {
    const blockIndex = Number(parts[3]);
    if (method === 'GET') return { operation: 'GetSnapshotBlock', snapshotId, blockIndex };
    if (method === 'PUT') return { operation: 'PutSnapshotBlock', snapshotId, blockIndex };
  }
  return undefined;
}

/** One page of an ascending list, from the first item whose index is ≥ start. */
function page<T>(
  all: readonly T[],
  indexOf: (item: T) => number,
  start: number,
  maxResults: number,
  empty: boolean,
): { items: T[]; next: number | undefined } {
  let from = lowerBound(all, indexOf, start);
  if (empty && from < all.length) return { items: [], next: start };
  const items = all.slice(from, from + maxResults);
  from += items.length;
  const following = all[from];
  return { items, next: following === undefined ? undefined : indexOf(following) };
}

function lowerBound<T>(all: readonly T[], indexOf: (item: T) => number, value: number): number {
  let lo = 0;
  let hi = all.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (indexOf(all[mid]!) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function readMaxResults(query: URLSearchParams): number {
  const raw = query.get('maxResults');
  if (raw === null) return MAX_RESULTS;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < MIN_RESULTS || value > MAX_RESULTS) {
    throw validationError('INVALID_PARAMETER_VALUE', `MaxResults must be from ${MIN_RESULTS} to ${MAX_RESULTS}.`);
  }
  return value;
}

function header(headers: IncomingMessage['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= limit) chunks.push(chunk as Buffer);
  }
  if (size > limit) throw validationError('INVALID_BLOCK', `The request body exceeds ${EBS_BLOCK_SIZE} bytes.`);
  return size === 0 ? undefined : Buffer.concat(chunks);
}

function json(status: number, body: unknown): Answer {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

function errorAnswer(error: unknown): Answer {
  const e =
    error instanceof EbsStandInError
      ? error
      : new EbsStandInError(500, 'InternalServerException', error instanceof Error ? error.message : String(error));
  return {
    status: e.status,
    headers: { 'content-type': 'application/json', 'x-amzn-ErrorType': e.type },
    body: JSON.stringify({ Message: e.message, ...(e.reason === undefined ? {} : { Reason: e.reason }) }),
  };
}
