import { describe, expect, it } from 'vitest';
import { cleanStatusMessage, isoTime, readableBytes, text } from '../../../src/core/normalize/eventFields.js';

describe('cleanStatusMessage', () => {
  it('strips the stray quotes AWS puts around whole status messages', () => {
    expect(cleanStatusMessage('"Backup job was stopped by user."')).toBe('Backup job was stopped by user.');
    expect(cleanStatusMessage('  "\'nested\'"  ')).toBe('nested');
  });

  it('keeps quotes inside a message', () => {
    expect(cleanStatusMessage('Vault "prod" does not exist')).toBe('Vault "prod" does not exist');
    expect(cleanStatusMessage('"a" and "b"')).toBe('"a" and "b"');
  });

  it('reads empty and quote-only messages as no message', () => {
    for (const value of ['', '   ', '""', '"  "', undefined, null, {}])
      expect(cleanStatusMessage(value)).toBeUndefined();
  });
});

describe('isoTime', () => {
  it('reads ISO times with Z, +00:00 and +0000', () => {
    expect(isoTime('2026-11-20T02:15:03Z')).toBe('2026-11-20T02:15:03.000Z');
    expect(isoTime('2026-11-20T02:15:03.985+0000')).toBe('2026-11-20T02:15:03.985Z');
    expect(isoTime('2026-11-20T04:15:03+02:00')).toBe('2026-11-20T02:15:03.000Z');
  });

  it('reads the RDS "Event Time" without a zone as UTC, not local time', () => {
    expect(isoTime('2026-11-20 02:13:05.103')).toBe('2026-11-20T02:13:05.103Z');
  });

  it('reads epoch seconds, epoch milliseconds and CloudTrail {seconds, nanos}', () => {
    expect(isoTime(1795140011)).toBe('2026-11-20T02:00:11.000Z');
    expect(isoTime(1795140011204)).toBe('2026-11-20T02:00:11.204Z');
    expect(isoTime({ seconds: 1795140011, nanos: 204000000 })).toBe('2026-11-20T02:00:11.204Z');
  });

  it('reads what is not a time as no time rather than a wrong one', () => {
    for (const value of ['Jul 15, 2020 9:39:07 PM', 'soon', '', -5, Number.NaN, 1e20, {}, null, true])
      expect(isoTime(value)).toBeUndefined();
  });
});

describe('readableBytes', () => {
  it('shows sizes in binary units with the exact byte count', () => {
    expect(readableBytes('734003200')).toBe('700 MiB (734003200 bytes)');
    expect(readableBytes(36048)).toBe('35.2 KiB (36048 bytes)');
    expect(readableBytes('3221225472')).toBe('3 GiB (3221225472 bytes)');
    expect(readableBytes('0')).toBe('0 bytes');
  });

  it('ignores values that are not whole numbers', () => {
    for (const value of ['-1', '1.5', 'lots', {}, undefined]) expect(readableBytes(value)).toBeUndefined();
  });
});

describe('text', () => {
  it('reads strings and finite numbers, and nothing else', () => {
    expect(text(' a ')).toBe('a');
    expect(text(12)).toBe('12');
    for (const value of ['', ' ', Number.POSITIVE_INFINITY, {}, [], null, true]) expect(text(value)).toBeUndefined();
  });
});
