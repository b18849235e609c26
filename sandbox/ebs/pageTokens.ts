/**
 * Opaque, signed tokens of the EBS direct API stand-in: block tokens (what GetSnapshotBlock needs, valid 7 days
 * on EBS) and next-page tokens (valid 60 minutes). Signing keeps clients from forging or reusing them across
 * snapshots, and a generation counter lets a test expire every token handed out so far.
 */
import { createHmac, randomBytes } from 'node:crypto';

const BLOCK_TOKEN_TTL_MS = 7 * 24 * 3600 * 1000;
const PAGE_TOKEN_TTL_MS = 60 * 60 * 1000;

/** Where a listing continues. */
export interface PagePosition {
  readonly operation: 'list' | 'changed';
  readonly snapshotId: string;
  readonly firstSnapshotId?: string;
  readonly nextIndex: number;
}

/** Issues and checks the stand-in's tokens. */
export class TokenSigner {
  private readonly secret = randomBytes(16);
  private generation = 0;

  constructor(private readonly now: () => number) {}

  /** When block tokens issued now expire (epoch ms). */
  blockTokenExpiry(): number {
    return this.now() + BLOCK_TOKEN_TTL_MS;
  }

  /** A token that lets GetSnapshotBlock read this block of this snapshot. */
  blockToken(snapshotId: string, blockIndex: number): string {
    return this.sign(['b', snapshotId, blockIndex, this.blockTokenExpiry(), this.generation]);
  }

  /** True when the token was issued for this block of this snapshot and is still valid. */
  checkBlockToken(token: string, snapshotId: string, blockIndex: number): boolean {
    const fields = this.verify(token);
    return (
      fields !== undefined &&
      fields[0] === 'b' &&
      fields[1] === snapshotId &&
      fields[2] === blockIndex &&
      typeof fields[3] === 'number' &&
      fields[3] > this.now() &&
      fields[4] === this.generation
    );
  }

  /** A next-page token. */
  pageToken(position: PagePosition): string {
    return this.sign([
      'p',
      position.operation,
      position.snapshotId,
      position.firstSnapshotId ?? '',
      position.nextIndex,
      this.now() + PAGE_TOKEN_TTL_MS,
      this.generation,
    ]);
  }

  /** The position a page token stands for, or undefined when it is forged, foreign or expired. */
  readPageToken(token: string): PagePosition | undefined {
    const f = this.verify(token);
    if (!f) return undefined;
    if (f[0] !== 'p' || typeof f[5] !== 'number' || f[5] <= this.now() || f[6] !== this.generation) {
      return undefined;
    }
    const operation = f[1] === 'changed' ? 'changed' : 'list';
    const first = typeof f[3] === 'string' && f[3] !== '' ? f[3] : undefined;
    return {
      operation,
      snapshotId: String(f[2]),
      ...(first === undefined ? {} : { firstSnapshotId: first }),
      nextIndex: Number(f[4]),
    };
  }

  /** Makes every token issued so far invalid (as if they had all expired). */
  expireAll(): void {
    this.generation++;
  }

  private sign(fields: readonly (string | number)[]): string {
    const body = Buffer.from(JSON.stringify(fields)).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  private verify(token: string): unknown[] | undefined {
    const [body, mac] = token.split('.');
    if (!body || !mac || mac !== this.mac(body)) return undefined;
    try {
      const fields: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
      return Array.isArray(fields) ? fields : undefined;
    } catch {
      return undefined;
    }
  }

  private mac(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url').slice(0, 22);
  }
}
