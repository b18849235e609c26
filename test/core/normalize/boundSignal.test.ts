import { describe, expect, it } from 'vitest';
import { boundSignal, cutKeepingEnds, cutKeepingStart, FIELD_LIMITS } from '../../../src/core/normalize/boundSignal.js';
import { buildSignal } from '../../../src/core/normalize/buildSignal.js';
import { truncateMiddle } from '../../../src/core/render/truncateText.js';

const draft = (resourceArn: string, statusMessage?: string) =>
  buildSignal({
    kind: 'backup-job',
    outcome: 'failed',
    source: 'eventbridge',
    eventType: 'Backup Job State Change',
    idParts: ['job-1', 'FAILED'],
    resource: { arn: resourceArn },
    statusMessage,
    links: [{ label: 'Resource', url: `https://console.aws.amazon.com/x/${encodeURIComponent(resourceArn)}` }],
    raw: { resourceArn },
  });

describe('cutKeepingStart / cutKeepingEnds', () => {
  it('cut to the limit, marking the cut', () => {
    expect(cutKeepingStart('abcdefghij', 5)).toBe('abcd…');
    expect(cutKeepingEnds('abcdefghij', 6)).toBe('abc…ij');
    expect(cutKeepingStart('abc', 5)).toBe('abc');
  });

  it('never leave half of a surrogate pair at the cut', () => {
    expect(cutKeepingStart('abc😀def', 5).isWellFormed()).toBe(true);
    expect(cutKeepingEnds('😀😀😀😀😀😀', 6).isWellFormed()).toBe(true);
  });
});

describe('boundSignal', () => {
  it('returns the same signal when every field is within its limit', () => {
    const signal = draft('arn:aws:rds:eu-west-1:111122223333:db:prod');
    expect(boundSignal(signal)).toBe(signal);
    expect(signal.shortened).toBeUndefined();
  });

  it('cuts an oversized ARN keeping both ends, leaves out the link it would break, and says so', () => {
    const arn = `arn:aws:rds:eu-west-1:111122223333:db:${'x'.repeat(100_000)}-tail`;
    const signal = draft(arn, 'y'.repeat(20_000));
    expect(signal.resource.arn).toHaveLength(FIELD_LIMITS.identifier);
    expect(signal.resource.arn?.startsWith('arn:aws:rds:eu-west-1:')).toBe(true);
    expect(signal.resource.arn?.endsWith('-tail')).toBe(true);
    expect(signal.statusMessage).toHaveLength(FIELD_LIMITS.message);
    expect(signal.links).toEqual([]);
    expect(signal.shortened).toEqual([
      { field: 'links.Resource', length: expect.any(Number), kept: 0 },
      { field: 'statusMessage', length: 20_000, kept: FIELD_LIMITS.message },
      { field: 'resource.arn', length: arn.length, kept: FIELD_LIMITS.identifier },
    ]);
    // The input itself is kept whole.
    expect((signal.raw as { resourceArn: string }).resourceArn).toBe(arn);
  });

  it('makes lone surrogate halves well-formed without calling that a cut', () => {
    const signal = draft('arn:aws:rds:eu-west-1:111122223333:db:prod', 'broken \ud800 half');
    expect(signal.statusMessage).toBe('broken \ufffd half');
    expect(signal.shortened).toBeUndefined();
  });
});

describe('truncateMiddle on long text', () => {
  it('keeps both ends of a 1,000,000-character value (only the ends are segmented)', () => {
    const text = `start-${'👨‍👩‍👧'.repeat(200_000)}-end`;
    const cut = truncateMiddle(text, 40);
    expect(cut.length).toBeLessThanOrEqual(40);
    expect(cut.startsWith('start-')).toBe(true);
    expect(cut.endsWith('-end')).toBe(true);
    expect(cut.isWellFormed()).toBe(true);
  });
});
