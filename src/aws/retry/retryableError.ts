/**
 * Which AWS call failures are worth retrying, decided from what the SDK raises: throttling (by error name or
 * HTTP 429), server faults (5xx), and network failures or timeouts (no HTTP answer at all).
 */

/** Why a failure may be retried; undefined when it may not. */
export type RetryReason = 'throttled' | 'server' | 'network';

const THROTTLING_NAMES = new Set([
  'RequestThrottledException',
  'ThrottlingException',
  'ThrottledException',
  'Throttling',
  'TooManyRequestsException',
  'SlowDown',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'RequestThrottled',
  'BandwidthLimitExceeded',
  'ConcurrentLimitExceededException',
]);

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

const NETWORK_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'NetworkingError']);

interface SdkLikeError {
  name?: unknown;
  code?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $retryable?: unknown;
}

/** Classifies an error thrown by an AWS SDK call (or the HTTP layer under it). */
export function retryReason(error: unknown): RetryReason | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as SdkLikeError;
  const name = typeof e.name === 'string' ? e.name : '';
  // An abort is a decision of the caller, never something to retry.
  if (name === 'AbortError') return undefined;
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  if (THROTTLING_NAMES.has(name) || status === 429) return 'throttled';
  if (status !== undefined && status >= 500) return 'server';
  if (status === undefined && e.$fault === 'server') return 'server';
  if (NETWORK_NAMES.has(name) || (typeof e.code === 'string' && NETWORK_CODES.has(e.code))) return 'network';
  if (status === undefined && e.$retryable !== undefined && e.$retryable !== null) return 'network';
  return undefined;
}

/** True when the failure is worth retrying. */
export function isRetryableError(error: unknown): boolean {
  return retryReason(error) !== undefined;
}
