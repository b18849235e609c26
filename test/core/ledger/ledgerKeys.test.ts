import { describe, expect, it } from 'vitest';
import {
  dayJobKey,
  jobStateKey,
  keyPart,
  lastGoodKey,
  policyVersionKey,
  resourceJobKey,
  runLeaseKey,
} from '../../../src/core/ledger/ledgerKeys.js';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

describe('keyPart', () => {
  it('keeps real ids and ARNs as they are', () => {
    const arn = 'arn:aws:rds:eu-west-1:111122223333:db:prod-db';
    expect(keyPart(arn)).toBe(arn);
    expect(keyPart('ümlaut-vault')).toBe('ümlaut-vault');
  });

  it('replaces an oversized or ill-formed value by a prefix and a stable hash', () => {
    const long = `arn:aws:dynamodb:eu-west-1:111122223333:table/${'😀'.repeat(2_000)}`;
    expect(keyPart(long)).toBe(keyPart(long));
    expect(keyPart(long)).not.toBe(keyPart(`${long}x`));
    expect(keyPart(long)).toMatch(/^arn:aws:dynamodb:[\x20-\x7e]*~[0-9a-f]{16}$/);
    expect(keyPart('job-\ud800')).toMatch(/^job-\?~[0-9a-f]{16}$/);
  });

  it('keeps every key within DynamoDB limits (partition 2,048 bytes, sort 1,024) whatever the values', () => {
    const huge = '字'.repeat(8_192);
    const keys = [
      jobStateKey('backup-job', huge),
      dayJobKey('2026-12-03', 'backup-job', huge),
      resourceJobKey(huge, '2026-12-03T00:00:00.000Z', 'backup-job', huge),
      lastGoodKey(huge),
      policyVersionKey(huge, '2026-12-03T00:00:00.000Z', 'policy-change:0123456789abcdef'),
    ];
    for (const key of keys) {
      expect(bytes(key.pk)).toBeLessThanOrEqual(2_048);
      expect(bytes(key.sk)).toBeLessThanOrEqual(1_024);
    }
  });
});

describe('runLeaseKey', () => {
  it('keeps one lease item per name in a partition of its own', () => {
    expect(runLeaseKey('rpo-check')).toEqual({ pk: 'LEASE#rpo-check', sk: 'LEASE' });
    expect(runLeaseKey('digest:2026-11-21')).toEqual({ pk: 'LEASE#digest:2026-11-21', sk: 'LEASE' });
  });
});
