/**
 * Reads a text that holds JSON values in any of the ways people and tools write events: one object,
 * one array, NDJSON, or several pretty-printed objects one after another (what `cat *.json` gives).
 * Each value is parsed on its own, so one broken event does not hide the others.
 */

export type JsonChunk =
  | { readonly ok: true; readonly value: unknown; readonly line: number }
  | { readonly ok: false; readonly error: string; readonly line: number; readonly excerpt: string };

const EXCERPT_LENGTH = 200;

/** Splits `text` into top-level JSON values and parses each; never throws. */
export function splitJsonValues(text: string): JsonChunk[] {
  const chunks: JsonChunk[] = [];
  let i = skipWhitespace(text, 0);
  let line = 1 + countNewlines(text, 0, i);
  while (i < text.length) {
    const end = valueEnd(text, i);
    const raw = text.slice(i, end);
    chunks.push(parseChunk(raw, line));
    line += countNewlines(text, i, end);
    const next = skipWhitespace(text, end);
    line += countNewlines(text, end, next);
    i = next;
  }
  return chunks;
}

function parseChunk(raw: string, line: number): JsonChunk {
  try {
    return { ok: true, value: JSON.parse(raw), line };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, error: `invalid JSON: ${message}`, line, excerpt: excerptOf(raw) };
  }
}

function excerptOf(raw: string): string {
  const flat = raw.replace(/\s+/g, ' ').trim();
  return flat.length <= EXCERPT_LENGTH ? flat : `${flat.slice(0, EXCERPT_LENGTH)}…`;
}

function skipWhitespace(text: string, from: number): number {
  let i = from;
  // A UTF-8 byte order mark at the start of a file is whitespace for our purposes.
  while (i < text.length && /[\s\uFEFF]/.test(text[i] ?? '')) i++;
  return i;
}

function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

/**
 * Where the value starting at `start` ends. Objects and arrays end at their matching bracket (strings and
 * escapes respected); anything else ends at the end of its line. A value whose brackets never close, or
 * which meets a new top-level line starting with `{` before closing, ends there, so a truncated event does
 * not swallow the ones after it.
 */
function valueEnd(text: string, start: number): number {
  const first = text[start];
  if (first !== '{' && first !== '[') {
    const newline = text.indexOf('\n', start);
    return newline === -1 ? text.length : newline;
  }
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      else if (c === '\n') inString = false; // JSON strings cannot span lines: recover at the line end.
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      // Inside an object, a `{` at the very start of a line is the start of the next event: the current
      // one was truncated. (Arrays may legitimately hold objects at column 0, so only objects are cut.)
      if (first === '{' && depth > 0 && c === '{' && text[i - 1] === '\n' && isTopLevelStart(text, i)) {
        return i;
      }
      depth++;
    } else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return text.length;
}

/** A `{` at column 0 followed by a quote or newline looks like the start of a new pretty-printed event. */
function isTopLevelStart(text: string, i: number): boolean {
  const after = text.slice(i + 1, i + 3);
  return after.startsWith('\n') || after.startsWith('"') || after.startsWith('\r\n') || after.startsWith(' "');
}
