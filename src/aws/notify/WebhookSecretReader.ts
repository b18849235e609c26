/**
 * Reads webhook URLs from Secrets Manager and caches them per container, so a warm delivery Lambda does not
 * call Secrets Manager for every message. A rotated URL is picked up when the cache entry expires.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretReadError } from './NotifyError.js';

/** Where and how to post: the URL and any extra headers the secret names. */
export interface WebhookTarget {
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface WebhookSecretReaderOptions {
  readonly client: SecretsManagerClient;
  /** @default 300000 (5 minutes) */
  readonly cacheMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

/** Reads and caches webhook secrets. */
export class WebhookSecretReader {
  private readonly client: SecretsManagerClient;
  private readonly cacheMs: number;
  private readonly now: () => number;
  private readonly cache = new Map<string, { readonly target: Promise<WebhookTarget>; readonly until: number }>();

  constructor(options: WebhookSecretReaderOptions) {
    this.client = options.client;
    this.cacheMs = options.cacheMs ?? 300_000;
    this.now = options.now ?? Date.now;
  }

  /** The webhook target held by a secret (name or ARN). */
  read(secretId: string): Promise<WebhookTarget> {
    const cached = this.cache.get(secretId);
    if (cached && cached.until > this.now()) return cached.target;
    const target = this.fetch(secretId);
    this.cache.set(secretId, { target, until: this.now() + this.cacheMs });
    // A failed read is not cached: the next message tries again.
    target.catch(() => this.cache.delete(secretId));
    return target;
  }

  private async fetch(secretId: string): Promise<WebhookTarget> {
    let value: string | undefined;
    try {
      const out = await this.client.send(new GetSecretValueCommand({ SecretId: secretId }));
      value = out.SecretString;
    } catch (error) {
      throw new SecretReadError(`cannot read secret ${secretId}`, { cause: error });
    }
    if (value === undefined) throw new SecretReadError(`secret ${secretId} holds no string value`);
    return parseWebhookSecret(value, secretId);
  }
}

/** Reads a secret value: a bare https URL, or JSON `{"url": …, "headers": {…}}` (also `webhookUrl`). */
export function parseWebhookSecret(value: string, secretId: string): WebhookTarget {
  const trimmed = value.trim();
  let url: unknown = trimmed;
  let headers: Record<string, string> | undefined;
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (error) {
      throw new SecretReadError(`secret ${secretId} looks like JSON but does not parse`, { cause: error });
    }
    const record = (parsed ?? {}) as Record<string, unknown>;
    url = record.url ?? record.webhookUrl;
    if (record.headers && typeof record.headers === 'object') {
      headers = Object.fromEntries(
        Object.entries(record.headers as Record<string, unknown>).filter(
          (entry): entry is [string, string] => typeof entry[1] === 'string',
        ),
      );
    }
  }
  if (typeof url !== 'string' || !/^https?:\/\/\S+$/.test(url)) {
    // Never echo the value: it is a credential.
    throw new SecretReadError(`secret ${secretId} holds no http(s) URL (expected a URL or {"url": …})`);
  }
  return headers ? { url, headers } : { url };
}
