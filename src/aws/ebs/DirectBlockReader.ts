/**
 * GetSnapshotBlock without the SDK's per-request middleware: one SigV4-signed GET over node:http(s) keep-alive
 * sockets, the body read straight into a buffer of x-amz-Data-Length. It is the one hot call of an export (one per
 * 512 KiB block), where the SDK's middleware, HTTP handler and body collection cost as much main-thread CPU as
 * compressing and hashing the block. Everything else (listing, writing) keeps using the SDK.
 *
 * Failures look like the SDK's to the retry loop: the error type as `name`, `Reason`, `$fault` and
 * `$metadata.httpStatusCode`; timeouts as `TimeoutError`; socket errors keep their `code`.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { EBSClient } from '@aws-sdk/client-ebs';
import { SignatureV4 } from '@smithy/signature-v4';

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

/** Reads blocks with signed GETs; made from an EBSClient's region, endpoint and credentials. */
export class DirectBlockReader {
  private readonly agent: HttpAgent;
  private signer: SignatureV4 | undefined;
  private endpoint: URL | undefined;

  private constructor(
    private readonly client: EBSClient,
    private readonly settings: DirectReadSettings,
  ) {
    const agentOptions = { keepAlive: true, maxSockets: settings.maxSockets };
    this.agent = new HttpsAgent(agentOptions);
    this.httpAgent = new HttpAgent(agentOptions);
  }

  private readonly httpAgent: HttpAgent;

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
    const endpoint = await this.resolveEndpoint();
    const signer = await this.resolveSigner();
    const basePath = endpoint.pathname.replace(/\/$/, '');
    const path = `${basePath}/snapshots/${encodeURIComponent(snapshotId)}/blocks/${blockIndex}`;
    // The SDK keeps the clock skew it learned from AWS's answers (listing goes through it first): sign with it too.
    const offset = (this.client.config as { systemClockOffset?: number }).systemClockOffset ?? 0;
    const signed = await signer.sign(
      {
        method: 'GET',
        protocol: endpoint.protocol,
        hostname: endpoint.hostname,
        ...(endpoint.port ? { port: Number(endpoint.port) } : {}),
        path,
        query: { blockToken },
        headers: { host: endpoint.host },
      },
      { signingDate: new Date(Date.now() + offset) },
    );
    const https = endpoint.protocol === 'https:';
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = (https ? httpsRequest : httpRequest)({
        method: 'GET',
        protocol: endpoint.protocol,
        hostname: endpoint.hostname,
        port: endpoint.port || undefined,
        path: `${path}?blockToken=${encodeURIComponent(blockToken)}`,
        headers: signed.headers,
        agent: https ? this.agent : this.httpAgent,
        ...(signal ? { signal } : {}),
      });
      const timer = setTimeout(() => {
        req.destroy(Object.assign(new Error('GetSnapshotBlock timed out'), { name: 'TimeoutError' }));
      }, this.settings.requestTimeoutMs);
      req.once('response', (res) => {
        res.once('close', () => clearTimeout(timer));
        resolve(res);
      });
      req.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      req.end();
    });
    const status = response.statusCode ?? 0;
    if (status !== 200) throw await errorOf(response, status);
    const dataLength = Number(response.headers['x-amz-data-length']);
    const checksum = String(response.headers['x-amz-checksum'] ?? '');
    const data = await readInto(response, allocate(dataLength));
    return { data, checksum, dataLength };
  }

  /** Closes the keep-alive sockets. */
  close(): void {
    this.agent.destroy();
    this.httpAgent.destroy();
  }

  private async resolveEndpoint(): Promise<URL> {
    if (this.endpoint) return this.endpoint;
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
    this.endpoint = new URL(resolved.url.href);
    return this.endpoint;
  }

  private async resolveSigner(): Promise<SignatureV4> {
    if (this.signer) return this.signer;
    const config = this.client.config;
    this.signer = new SignatureV4({
      credentials: config.credentials,
      region: await config.region(),
      service: 'ebs',
      sha256: config.sha256,
    });
    return this.signer;
  }
}

/** Reads a body into `buffer`; undefined when it is longer or shorter than the buffer. */
async function readInto(response: IncomingMessage, buffer: Buffer): Promise<Buffer | undefined> {
  let filled = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    if (filled < 0) continue;
    if (filled + chunk.byteLength > buffer.byteLength) {
      filled = -1;
      continue;
    }
    chunk.copy(buffer, filled);
    filled += chunk.byteLength;
  }
  return filled === buffer.byteLength ? buffer : undefined;
}

/** An SDK-shaped error from an error answer (JSON body, type in x-amzn-ErrorType). */
async function errorOf(response: IncomingMessage, status: number): Promise<Error> {
  const chunks: Buffer[] = [];
  for await (const chunk of response as AsyncIterable<Buffer>) chunks.push(chunk);
  let body: { Message?: string; message?: string; Reason?: string } = {};
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch {
    // Not JSON (a proxy's page): the status alone decides.
  }
  const type = String(response.headers['x-amzn-errortype'] ?? '').split(':')[0] || `Http${status}`;
  return Object.assign(new Error(body.Message ?? body.message ?? `GetSnapshotBlock answered ${status}`), {
    name: type,
    ...(body.Reason === undefined ? {} : { Reason: body.Reason }),
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });
}
