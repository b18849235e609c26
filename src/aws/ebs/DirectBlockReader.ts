/**
 * GetSnapshotBlock without the SDK's per-request middleware: one SigV4-signed GET (GetRequestSigner) over a lean
 * keep-alive HTTP/1.1 client (BlockHttpClient) that reads the body straight into the buffer of x-amz-Data-Length.
 * It is the one hot call of an export (one per 512 KiB block), where the SDK's middleware, HTTP handler and body
 * collection — and even node:http's parser, streams and agent — cost as much main-thread CPU as compressing and
 * hashing the block. Everything else (listing, writing) keeps using the SDK.
 *
 * Failures look like the SDK's to the retry loop: the error type as `name`, `Reason`, `$fault` and
 * `$metadata.httpStatusCode`; timeouts as `TimeoutError`; socket errors keep their `code`.
 */
import type { EBSClient } from '@aws-sdk/client-ebs';
import { type BlockAnswer, BlockHttpClient } from './BlockHttpClient.js';
import { escapeUri, GetRequestSigner, type SigningCredentials } from './GetRequestSigner.js';

/** Settings createEbsClient records for each client it makes, so the direct reader behaves the same. */
export interface DirectReadSettings {
  readonly requestTimeoutMs: number;
  readonly connectionTimeoutMs: number;
  readonly maxSockets: number;
}

const settingsByClient = new WeakMap<EBSClient, DirectReadSettings>();

/** Records the HTTP settings of a client made by createEbsClient. */
export function rememberDirectReadSettings(client: EBSClient, settings: DirectReadSettings): void {
  settingsByClient.set(client, settings);
}

/** What a direct read returns: the body (in `buffer`, or undefined when its length was not the announced one). */
export interface DirectBlock {
  readonly data: Buffer | undefined;
  readonly checksum: string;
  readonly dataLength: number;
}

interface Resolved {
  readonly http: BlockHttpClient;
  readonly signer: GetRequestSigner;
  /** Host header value (with the port when it is not the default one). */
  readonly host: string;
  /** The endpoint's path, without a trailing slash. */
  readonly basePath: string;
}

/** Reads blocks with signed GETs; made from an EBSClient's region, endpoint and credentials. */
export class DirectBlockReader {
  private resolved: Promise<Resolved> | undefined;
  private closed = false;

  private constructor(
    private readonly client: EBSClient,
    private readonly settings: DirectReadSettings,
  ) {}

  /** A reader for a client made by createEbsClient; undefined for any other client (the SDK path is used then). */
  static for(client: EBSClient): DirectBlockReader | undefined {
    const settings = settingsByClient.get(client);
    return settings ? new DirectBlockReader(client, settings) : undefined;
  }

  /**
   * GETs one block. `allocate(length)` gives the buffer the body is read into. Rejects with SDK-shaped errors
   * for error answers, timeouts and socket failures.
   */
  async read(
    snapshotId: string,
    blockIndex: number,
    blockToken: string,
    allocate: (length: number) => Buffer,
    signal: AbortSignal | undefined,
  ): Promise<DirectBlock> {
    this.resolved ??= this.resolve().catch((error: unknown) => {
      // Not settled for good: the next read tries again.
      this.resolved = undefined;
      throw error;
    });
    const { http, signer, host, basePath } = await this.resolved;
    // The SDK's provider memoizes and refreshes credentials: ask it each time, as its signer does.
    const credentials = (await this.client.config.credentials()) as SigningCredentials;
    const path = `${basePath}/snapshots/${encodeURIComponent(snapshotId)}/blocks/${blockIndex}`;
    const query = `blockToken=${escapeUri(blockToken)}`;
    // The SDK keeps the clock skew it learned from AWS's answers (listing goes through it first): sign with it too.
    const offset = (this.client.config as { systemClockOffset?: number }).systemClockOffset ?? 0;
    const signed = signer.sign(credentials, new Date(Date.now() + offset), host, path, query);
    const headers =
      `Host: ${host}\r\nX-Amz-Date: ${signed['x-amz-date']}\r\nX-Amz-Content-Sha256: ${signed['x-amz-content-sha256']}\r\n` +
      (signed['x-amz-security-token'] ? `X-Amz-Security-Token: ${signed['x-amz-security-token']}\r\n` : '') +
      `Authorization: ${signed.authorization}\r\n`;
    const answer = await http.get(`${path}?${query}`, headers, allocate, signal);
    if (answer.status !== 200) throw errorOf(answer);
    const dataLength = Number(answer.headers['x-amz-data-length']);
    const checksum = answer.headers['x-amz-checksum'] ?? '';
    return { data: answer.data, checksum, dataLength };
  }

  /** Closes the keep-alive sockets. */
  close(): void {
    this.closed = true;
    this.resolved?.then((r) => r.http.close()).catch(() => {});
  }

  private async resolve(): Promise<Resolved> {
    const config = this.client.config;
    const custom = config.endpoint ? await config.endpoint() : undefined;
    const region = await config.region();
    const resolved = config.endpointProvider({
      Region: region,
      UseFIPS: await config.useFipsEndpoint(),
      UseDualStack: await config.useDualstackEndpoint(),
      ...(custom
        ? { Endpoint: `${custom.protocol}//${custom.hostname}${custom.port ? `:${custom.port}` : ''}${custom.path}` }
        : {}),
    });
    const endpoint = new URL(resolved.url.href);
    const https = endpoint.protocol === 'https:';
    const http = new BlockHttpClient({
      protocol: https ? 'https:' : 'http:',
      // URL keeps IPv6 literals in brackets; sockets want them bare.
      hostname: endpoint.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: endpoint.port ? Number(endpoint.port) : https ? 443 : 80,
      maxSockets: this.settings.maxSockets,
      requestTimeoutMs: this.settings.requestTimeoutMs,
      connectionTimeoutMs: this.settings.connectionTimeoutMs,
    });
    if (this.closed) http.close();
    return {
      http,
      signer: new GetRequestSigner(region, 'ebs'),
      host: endpoint.host,
      basePath: endpoint.pathname.replace(/\/$/, ''),
    };
  }
}

/** An SDK-shaped error from an error answer (JSON body, type in x-amzn-ErrorType). */
function errorOf(answer: BlockAnswer): Error {
  const status = answer.status;
  let body: { Message?: string; message?: string; Reason?: string } = {};
  try {
    body = JSON.parse(answer.body.toString('utf8') || '{}');
  } catch {
    // Not JSON (a proxy's page): the status alone decides.
  }
  const type = String(answer.headers['x-amzn-errortype'] ?? '').split(':')[0] || `Http${status}`;
  return Object.assign(new Error(body.Message ?? body.message ?? `GetSnapshotBlock answered ${status}`), {
    name: type,
    ...(body.Reason === undefined ? {} : { Reason: body.Reason }),
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });
}
