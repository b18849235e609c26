/**
 * POSTs JSON to Slack, Teams and generic webhooks with a per-attempt timeout and jittered exponential
 * backoff on 429, 5xx, 408 and network errors, honouring Retry-After. Other 4xx answers are not retried here:
 * they mean a wrong URL or payload, and the SQS redrive and dead-letter queue keep the message for people.
 */
import { WebhookDeliveryError } from './NotifyError.js';

export interface WebhookPosterOptions {
  /** Attempts per post, the first included. @default 4 */
  readonly maxAttempts?: number;
  /** First backoff delay; doubled per attempt, with full jitter. @default 250 */
  readonly baseDelayMs?: number;
  /** Cap of one backoff delay. @default 5000 */
  readonly maxDelayMs?: number;
  /** Longest Retry-After honoured; a longer one ends the attempts (SQS retries later). @default 20000 */
  readonly maxRetryAfterMs?: number;
  /** Timeout of one attempt. @default 10000 */
  readonly timeoutMs?: number;
  /** @default global fetch */
  readonly fetch?: typeof fetch;
  /** @default setTimeout-based sleep */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default Math.random */
  readonly random?: () => number;
  /** @default Date.now */
  readonly now?: () => number;
}

/** The result of a successful post. */
export interface PostResult {
  readonly status: number;
  readonly attempts: number;
}

/** One webhook request. */
export interface WebhookRequest {
  readonly url: string;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Epoch ms after which no attempt may still be running (the Lambda's remaining time, less a margin):
   * attempts are cut short and no new one starts past it, leaving the retry to the queue.
   */
  readonly deadlineMs?: number;
}

/** Shortest attempt worth starting before a deadline. */
const MIN_ATTEMPT_MS = 1_000;

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Posts JSON with retries. */
export class WebhookPoster {
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(options: WebhookPosterOptions = {}) {
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 4);
    this.baseDelayMs = options.baseDelayMs ?? 250;
    this.maxDelayMs = options.maxDelayMs ?? 5000;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 20_000;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.fetchFn = options.fetch ?? fetch;
    this.sleep = options.sleep ?? sleepFor;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
  }

  /** POSTs `body` as JSON; resolves on 2xx, throws WebhookDeliveryError when it gives up. */
  async post(request: WebhookRequest): Promise<PostResult> {
    const payload = JSON.stringify(request.body);
    let lastError: WebhookDeliveryError | undefined;
    const deadline = request.deadlineMs ?? Number.POSITIVE_INFINITY;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      let retryAfterMs: number | undefined;
      const timeoutMs = Math.min(this.timeoutMs, deadline - this.now());
      if (timeoutMs < Math.min(MIN_ATTEMPT_MS, this.timeoutMs)) {
        lastError ??= new WebhookDeliveryError('no time left in this invocation to post', undefined, attempt - 1, true);
        break;
      }
      try {
        const response = await this.fetchFn(request.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...request.headers },
          body: payload,
          signal: AbortSignal.timeout(timeoutMs),
        });
        // Drain the body so the connection can be reused; its text helps people reading the dead letter.
        const text = await response.text().catch(() => '');
        if (response.ok) return { status: response.status, attempts: attempt };
        const retryable = response.status === 429 || response.status === 408 || response.status >= 500;
        lastError = new WebhookDeliveryError(
          `webhook answered ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`,
          response.status,
          attempt,
          retryable,
        );
        if (!retryable) throw lastError;
        retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), this.now());
      } catch (error) {
        if (error instanceof WebhookDeliveryError) {
          if (!error.retryable) throw error;
        } else {
          const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
          lastError = new WebhookDeliveryError(
            timedOut ? `webhook did not answer within ${timeoutMs} ms` : 'webhook request failed',
            undefined,
            attempt,
            true,
            { cause: error },
          );
        }
      }
      if (attempt === this.maxAttempts) break;
      if (retryAfterMs !== undefined && retryAfterMs > this.maxRetryAfterMs) break;
      const delay = retryAfterMs ?? this.backoff(attempt);
      if (this.now() + delay + MIN_ATTEMPT_MS > deadline) break;
      await this.sleep(delay);
    }
    throw lastError ?? new WebhookDeliveryError('webhook not attempted', undefined, 0, true);
  }

  /** Full-jitter exponential backoff: uniform in [0, min(cap, base·2^(attempt-1))]. */
  private backoff(attempt: number): number {
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(this.random() * ceiling);
  }
}

/** Reads a Retry-After header (delta seconds or an HTTP date) as milliseconds from now. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  if (!Number.isFinite(at)) return undefined;
  return Math.max(0, at - nowMs);
}
