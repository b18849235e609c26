/**
 * The S3 client the archive store uses: SDK retries off (the store retries each part itself, once), explicit
 * timeouts, keep-alive sockets, and `endpoint` + `forcePathStyle` for S3-compatible stores.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

/** Settings of an S3 client. */
export interface S3ClientOptions {
  /** @default the SDK's (AWS_REGION) */
  readonly region?: string;
  /** An S3-compatible endpoint, e.g. a local stand-in. */
  readonly endpoint?: string;
  /** Address buckets in the path (`host/bucket/key`), as most S3-compatible stores need. @default false */
  readonly forcePathStyle?: boolean;
  readonly credentials?: S3ClientConfig['credentials'];
  /** Abort a request that has not finished after this long, or whose socket is idle this long, in ms. @default 120000 */
  readonly requestTimeoutMs?: number;
  /** @default 3000 */
  readonly connectionTimeoutMs?: number;
  /** @default 64 */
  readonly maxSockets?: number;
}

/** Creates an S3Client with maxAttempts 1, timeouts and keep-alive agents. */
export function createS3Client(options: S3ClientOptions = {}): S3Client {
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 64 };
  const timeout = options.requestTimeoutMs ?? 120_000;
  return new S3Client({
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    forcePathStyle: options.forcePathStyle ?? false,
    // S3-compatible stores (s3rver among them) do not all decode the aws-chunked bodies with trailing checksums the
    // SDK sends for streamed uploads by default: they store the chunk framing as data. Against a custom endpoint,
    // checksums only where S3 requires them.
    ...(options.endpoint === undefined
      ? {}
      : { requestChecksumCalculation: 'WHEN_REQUIRED' as const, responseChecksumValidation: 'WHEN_REQUIRED' as const }),
    maxAttempts: 1,
    requestHandler: {
      // A 10 MiB part on a slow link takes a while: the timeout bounds a stalled request, not a slow one.
      requestTimeout: timeout,
      throwOnRequestTimeout: true,
      socketTimeout: Math.min(timeout, 30_000),
      connectionTimeout: options.connectionTimeoutMs ?? 3_000,
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
    },
  });
}
