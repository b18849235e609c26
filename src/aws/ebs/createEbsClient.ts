/**
 * The EBS direct API client the adapters use: SDK retries off (the adapters retry themselves, once), explicit
 * connection and request timeouts, and keep-alive sockets sized for many blocks in flight.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { EBSClient, type EBSClientConfig } from '@aws-sdk/client-ebs';
import { rememberDirectReadSettings } from './DirectBlockReader.js';

/** Settings of an EBS client. */
export interface EbsClientOptions {
  /** @default process's AWS_REGION through the SDK */
  readonly region?: string;
  /** Another endpoint, e.g. the local stand-in's. */
  readonly endpoint?: string;
  readonly credentials?: EBSClientConfig['credentials'];
  /** Abort a request that has not finished after this long, or whose socket is idle this long, in ms. @default 15000 */
  readonly requestTimeoutMs?: number;
  /** Abort a connection attempt after this long, in ms. @default 3000 */
  readonly connectionTimeoutMs?: number;
  /** Sockets per host; keep it ≥ the number of blocks in flight. @default 128 */
  readonly maxSockets?: number;
}

/** Creates an EBSClient with maxAttempts 1, timeouts and keep-alive agents. */
export function createEbsClient(options: EbsClientOptions = {}): EBSClient {
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 128 };
  const client = new EBSClient({
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    maxAttempts: 1,
    requestHandler: {
      // requestTimeout alone only logs a warning in current SDKs: make it an error, and time out idle sockets too.
      requestTimeout: options.requestTimeoutMs ?? 15_000,
      throwOnRequestTimeout: true,
      socketTimeout: options.requestTimeoutMs ?? 15_000,
      connectionTimeout: options.connectionTimeoutMs ?? 3_000,
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
    },
  });
  // GetSnapshotBlock bypasses the SDK middleware (see DirectBlockReader) with the same timeouts and socket limit.
  rememberDirectReadSettings(client, {
    requestTimeoutMs: options.requestTimeoutMs ?? 15_000,
    connectionTimeoutMs: options.connectionTimeoutMs ?? 3_000,
    maxSockets: agentOptions.maxSockets,
  });
  return client;
}
