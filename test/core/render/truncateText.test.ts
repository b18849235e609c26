import { describe, expect, it } from 'vitest';
import {
  toAsciiLine,
  toSingleLine,
  toWellFormed,
  truncateMiddle,
  truncateText,
} from '../../../src/core/render/truncateText.js';

describe('truncateText', () => {
  it('leaves text that fits alone', () => {
    expect(truncateText('short', 5)).toBe('short');
  });

  it('cuts to the limit including the ellipsis', () => {
    expect(truncateText('abcdefghij', 6)).toBe('abcde…');
    expect(truncateText('abcdefghij', 6, '...')).toBe('abc...');
  });

  it('never splits a surrogate pair or an emoji sequence', () => {
    const family = '👨‍👩‍👧';
    const cut = truncateText(`ab${family}cd`, 6);
    expect(cut).toBe('ab…');
    expect(truncateText('a😀b', 3)).toBe('a…');
  });
});

describe('truncateMiddle', () => {
  it('keeps the start and the end', () => {
    expect(truncateMiddle('abcdefghijklmnop', 9, '...')).toBe('abc...nop');
  });
});

describe('toSingleLine', () => {
  it('turns line breaks and control characters into single spaces', () => {
    expect(toSingleLine(' a\r\n\tb\u0000c\u2028d ')).toBe('a b c d');
  });
});

describe('toWellFormed', () => {
  it('replaces a lone surrogate half', () => {
    expect(toWellFormed('a\ud800b')).toBe('a\ufffdb');
    expect(toWellFormed('😀')).toBe('😀');
  });
});

describe('toAsciiLine', () => {
  it('drops accents, maps typography and replaces the rest', () => {
    expect(toAsciiLine('Zürich – “vault” … 🎂')).toBe('Zurich - "vault" ... ?');
  });
});
