/**
 * A minimal SigV4 signer for the one request shape of block reads: a GET with no body, signing exactly the
 * headers @smithy/signature-v4 signs for it (host, x-amz-content-sha256, x-amz-date and, with temporary
 * credentials, x-amz-security-token). The signing key is derived once per day, credentials, region and service
 * instead of per request, and no request object is copied: the SDK signer costs about as much main-thread CPU
 * per block as reading the block's HTTP answer. The output is the SDK signer's, byte for byte (see the tests).
 */
import { createHash, createHmac } from 'node:crypto';

/** Resolved AWS credentials. */
export interface SigningCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
}

/** The headers to send with a signed GET (names lower case). */
export interface SignedGetHeaders {
  readonly 'x-amz-date': string;
  readonly 'x-amz-content-sha256': string;
  readonly 'x-amz-security-token'?: string;
  readonly authorization: string;
}

/** SHA-256 of an empty body, the payload hash of every GET. */
export const EMPTY_SHA256_HEX = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** RFC 3986 encoding as the SDK does it: encodeURIComponent plus !'()*. */
export function escapeUri(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The canonical path of SigV4 for a non-S3 service: normalised, then each segment encoded again. */
export function canonicalPath(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment.length === 0 || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const normalized = `${path.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`;
  return escapeUri(normalized).replace(/%2F/g, '/');
}

/** Signs GETs for one region and service. */
export class GetRequestSigner {
  private keyFor = '';
  private key: Buffer = Buffer.alloc(0);

  constructor(
    readonly region: string,
    readonly service: string,
  ) {}

  /**
   * Signs `GET path?query` to `host` at `date`. `query` is the canonical query string (keys sorted, keys and
   * values encoded with escapeUri).
   */
  sign(credentials: SigningCredentials, date: Date, host: string, path: string, query: string): SignedGetHeaders {
    const longDate = `${date.toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`;
    const shortDate = longDate.slice(0, 8);
    const scope = `${shortDate}/${this.region}/${this.service}/aws4_request`;
    const token = credentials.sessionToken;
    const signedHeaders = token
      ? 'host;x-amz-content-sha256;x-amz-date;x-amz-security-token'
      : 'host;x-amz-content-sha256;x-amz-date';
    const canonicalRequest =
      `GET\n${canonicalPath(path)}\n${query}\n` +
      `host:${canonicalValue(host)}\nx-amz-content-sha256:${EMPTY_SHA256_HEX}\nx-amz-date:${longDate}\n` +
      (token ? `x-amz-security-token:${canonicalValue(token)}\n` : '') +
      `\n${signedHeaders}\n${EMPTY_SHA256_HEX}`;
    const stringToSign = `AWS4-HMAC-SHA256\n${longDate}\n${scope}\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
    const signature = createHmac('sha256', this.signingKey(credentials, shortDate)).update(stringToSign).digest('hex');
    const authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
    return token
      ? {
          'x-amz-date': longDate,
          'x-amz-content-sha256': EMPTY_SHA256_HEX,
          'x-amz-security-token': token,
          authorization,
        }
      : { 'x-amz-date': longDate, 'x-amz-content-sha256': EMPTY_SHA256_HEX, authorization };
  }

  /** The derived key for the day and credentials, computed when either changes. */
  private signingKey(credentials: SigningCredentials, shortDate: string): Buffer {
    const id = `${shortDate}\n${credentials.accessKeyId}\n${credentials.secretAccessKey}`;
    if (id !== this.keyFor) {
      let key: Buffer = Buffer.from(`AWS4${credentials.secretAccessKey}`, 'utf8');
      for (const part of [shortDate, this.region, this.service, 'aws4_request']) {
        key = createHmac('sha256', key).update(part).digest();
      }
      this.key = key;
      this.keyFor = id;
    }
    return this.key;
  }
}

function canonicalValue(value: string): string {
  return value.trim().replace(/\s+/g, ' ');
}
