/**
 * Length limits of notification channels are counted in characters; we count UTF-16 code units
 * (JavaScript string length), which is never less than what any channel counts, and cut only between
 * grapheme clusters so an emoji, a surrogate pair or a letter with its accent is never split.
 */

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** Cuts `text` to at most `max` UTF-16 code units, ending with `ellipsis` when it had to cut. */
export function truncateText(text: string, max: number, ellipsis = '…'): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  if (ellipsis.length >= max) return ellipsis.slice(0, max);
  const budget = max - ellipsis.length;
  let kept = '';
  // Only the start can be kept: segment a prefix a little longer than the budget, not the whole text.
  for (const { segment } of graphemes.segment(text.slice(0, budget + 32))) {
    if (kept.length + segment.length > budget) break;
    kept += segment;
  }
  return `${kept.trimEnd()}${ellipsis}`;
}

/** Cuts `text` in the middle (keeps its start and its end), for identifiers whose tail matters. */
export function truncateMiddle(text: string, max: number, ellipsis = '…'): string {
  if (text.length <= max) return text;
  if (ellipsis.length >= max) return ellipsis.slice(0, max);
  const budget = max - ellipsis.length;
  // Only `budget` code units of each end can be kept: segment those windows, never the whole text.
  const window = budget + 32;
  const front = [...graphemes.segment(text.slice(0, window))].map((s) => s.segment);
  const back = [...graphemes.segment(text.slice(-window))].map((s) => s.segment);
  // The back window starts mid-text, so its first segment may be part of a cluster: never take it.
  back.shift();
  let head = '';
  let tail = '';
  let i = 0;
  let j = back.length - 1;
  // Alternate so both ends keep about the same share; the head gets the odd one.
  while (i < front.length || j >= 0) {
    const next = front[i] ?? '';
    if (next === '' || head.length + tail.length + next.length > budget) break;
    head += next;
    i++;
    const last = back[j] ?? '';
    if (last === '' || head.length + tail.length + last.length > budget) break;
    tail = last + tail;
    j--;
  }
  return `${head}${ellipsis}${tail}`;
}

// C0 and C1 control characters, DEL, and the Unicode line/paragraph separators.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

// A surrogate half without its partner cannot be encoded as UTF-8; JSON.parse lets such strings through.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const SURROGATE = /[\ud800-\udfff]/;

/** Replaces lone surrogate halves with U+FFFD so the text encodes as UTF-8 everywhere. */
export function toWellFormed(text: string): string {
  // Most text has no surrogates at all; a plain character-class test is much cheaper than the lookarounds.
  return SURROGATE.test(text) ? text.replace(LONE_SURROGATE, '\ufffd') : text;
}

/** Makes one line of `text`: control characters and line breaks become spaces, runs of spaces collapse. */
export function toSingleLine(text: string): string {
  return toWellFormed(text).replace(CONTROL, ' ').replace(/\s+/g, ' ').trim();
}

/** Removes control characters except line breaks and tabs, and normalizes line breaks to `\n`. */
export function toPrintableText(text: string): string {
  return toWellFormed(text)
    .replace(/\r\n?/g, '\n')
    .replace(/[\u2028\u2029]/g, '\n')
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, ' ');
}

const ASCII_LOOKALIKES: Readonly<Record<string, string>> = {
  '…': '...',
  '–': '-',
  '—': '-',
  '‐': '-',
  '−': '-',
  '‘': "'",
  '’': "'",
  '“': '"',
  '”': '"',
  '→': '->',
  '·': '-',
  '×': 'x',
  ß: 'ss',
  æ: 'ae',
  Æ: 'AE',
  ø: 'o',
  Ø: 'O',
  ł: 'l',
  Ł: 'L',
};

/**
 * Makes a single line of printable ASCII: accents are dropped (é → e), common typography gets an
 * ASCII look-alike, and anything else becomes `?`, so a subject line never turns into mojibake.
 */
export function toAsciiLine(text: string): string {
  const line = toSingleLine(text).normalize('NFKD').replace(/\p{M}/gu, '');
  let out = '';
  for (const char of line) {
    const code = char.codePointAt(0) ?? 0;
    if (code >= 0x20 && code <= 0x7e) out += char;
    else out += ASCII_LOOKALIKES[char] ?? '?';
  }
  return out;
}
