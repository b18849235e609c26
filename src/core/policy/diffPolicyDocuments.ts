import { diffTextLines } from './diffTextLines.js';
import { parsePolicyDocument } from './parsePolicyDocument.js';

/**
 * How the diff was made:
 * - `changes`: both documents parsed; one line per changed setting;
 * - `unchanged`: both parsed and are equal;
 * - `document`: only one document is known; its pretty-printed text;
 * - `text-changes`: a document did not parse even after repair; a line diff of the texts;
 * - `text`: only one document is known and it did not parse; its (cleaned) text.
 */
export type PolicyDiffMode = 'changes' | 'unchanged' | 'document' | 'text-changes' | 'text';

/** `~` changed, `+` added, `-` removed, ` ` plain document text. */
export type PolicyDiffOp = '~' | '+' | '-' | ' ';

export interface PolicyDiffLine {
  readonly op: PolicyDiffOp;
  /** The line without its op marker, e.g. `plans.Daily.rules.Daily.lifecycle.delete_after_days: "2" → "7"`. */
  readonly text: string;
}

/** A readable account of how a policy document changed (or what it is, when no previous version is known). */
export interface PolicyDiff {
  readonly mode: PolicyDiffMode;
  /** A heading for people, e.g. `Changes since the previous version`. */
  readonly title: string;
  readonly lines: readonly PolicyDiffLine[];
  /** Repairs made to unreadable input and other caveats, in words. */
  readonly notes: readonly string[];
}

/** At most this many lines are kept; renderers show fewer where their channel is smaller. */
export const MAX_DIFF_LINES = 200;
const MAX_LINE_LENGTH = 240;
const MAX_VALUE_LENGTH = 160;

/**
 * Diffs two policy documents (JSON strings as Organizations sends them). With no previous content,
 * describes the current document in full; with no current content (DeletePolicy), the last known one.
 * Returns undefined when neither is known. Never throws.
 */
export function diffPolicyDocuments(previous: string | undefined, current: string | undefined): PolicyDiff | undefined {
  if (previous === undefined && current === undefined) return undefined;
  if (previous === undefined || current === undefined) {
    const only = (current ?? previous) as string;
    return describeDocument(
      only,
      current === undefined
        ? 'Last known document (now deleted)'
        : 'Whole document (no earlier version known to compare with)',
    );
  }
  const before = readDocument(previous);
  const after = readDocument(current);
  const notes = [
    ...before.repairs.map((r) => `previous version: ${r}`),
    ...after.repairs.map((r) => `new version: ${r}`),
  ];
  if (before.ok && after.ok) {
    const lines: PolicyDiffLine[] = [];
    compareValues(before.value, after.value, [], lines);
    if (lines.length === 0) return { mode: 'unchanged', title: 'No change in the policy document', lines, notes };
    return { mode: 'changes', title: 'Changes since the previous version', ...capLines(lines, notes) };
  }
  if (!before.ok) notes.push(`previous version is not valid JSON (${before.error}): compared line by line`);
  if (!after.ok) notes.push(`new version is not valid JSON (${after.error}): compared line by line`);
  const changes = diffTextLines(textLinesOf(before), textLinesOf(after)).map(
    (c): PolicyDiffLine => ({ op: c.op, text: c.line }),
  );
  if (changes.length === 0) return { mode: 'unchanged', title: 'No change in the policy document', lines: [], notes };
  return { mode: 'text-changes', title: 'Changed lines since the previous version', ...capLines(changes, notes) };
}

type ReadDocument =
  | { ok: true; value: unknown; repairs: readonly string[]; text: string }
  | { ok: false; error: string; repairs: readonly string[]; text: string };

function readDocument(text: string): ReadDocument {
  const parsed = parsePolicyDocument(text);
  if (!parsed.ok) return { ok: false, error: cleanLine(parsed.error), repairs: [], text };
  let value = parsed.value;
  const repairs = [...parsed.repairs];
  // Some tools store the document JSON-encoded twice; a string that parses to an object is unwrapped.
  if (typeof value === 'string' && /^\s*[{[]/.test(value)) {
    const inner = parsePolicyDocument(value);
    if (inner.ok) {
      value = inner.value;
      repairs.push('decoded a document that was JSON-encoded twice', ...inner.repairs);
    }
  }
  return { ok: true, value, repairs, text };
}

function describeDocument(text: string, title: string): PolicyDiff {
  const doc = readDocument(text);
  if (doc.ok) {
    const lines = JSON.stringify(doc.value, null, 2)
      .split('\n')
      .map((line): PolicyDiffLine => ({ op: ' ', text: line }));
    return { mode: 'document', title, ...capLines(lines, [...doc.repairs]) };
  }
  const lines = textLinesOf(doc).map((line): PolicyDiffLine => ({ op: ' ', text: line }));
  return {
    mode: 'text',
    title,
    ...capLines(lines, [`the document is not valid JSON (${doc.error}): shown as text`]),
  };
}

/**
 * Lines of a document for a text comparison, also when it is not valid JSON: the text is broken
 * after `{`, `[` and `,` and before `}` and `]` (outside strings) and indented by nesting depth, so
 * a one-line document compares setting by setting and both sides are laid out the same way.
 */
function textLinesOf(doc: ReadDocument): string[] {
  const lines: string[] = [];
  let line = '';
  let depth = 0;
  let inString = false;
  let escaped = false;
  const flush = () => {
    const trimmed = line.trim();
    if (trimmed !== '') lines.push(cleanLine(`${'  '.repeat(Math.max(0, depth))}${trimmed}`));
    line = '';
  };
  for (const char of doc.text.replace(/\r\n?/g, '\n')) {
    if (inString) {
      if (escaped) escaped = false;
      else if (char === '\\') escaped = true;
      else if (char === '"') inString = false;
      line += char;
      continue;
    }
    if (char === '"') {
      inString = true;
      line += char;
    } else if (char === '{' || char === '[') {
      line += char;
      flush();
      depth++;
    } else if (char === '}' || char === ']') {
      flush();
      depth--;
      line += char;
    } else if (char === ',') {
      line += char;
      flush();
    } else if (char === '\n') {
      flush();
    } else {
      line += char;
    }
  }
  flush();
  return lines;
}

function cleanLine(line: string): string {
  // Tabs become spaces; any other control character would garble a terminal or a chat client.
  const cleaned = line
    .replace(/\t/g, '  ')
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?')
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
  return clip(cleaned, MAX_LINE_LENGTH);
}

function capLines(lines: PolicyDiffLine[], notes: string[]): { lines: PolicyDiffLine[]; notes: string[] } {
  const clipped = lines.map((l) => ({ op: l.op, text: clip(l.text, MAX_LINE_LENGTH) }));
  if (clipped.length <= MAX_DIFF_LINES) return { lines: clipped, notes };
  return {
    lines: clipped.slice(0, MAX_DIFF_LINES),
    notes: [...notes, `${clipped.length - MAX_DIFF_LINES} more lines not shown`],
  };
}

/** Cuts at a code point boundary, so a surrogate pair is never split. */
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let out = '';
  for (const char of text) {
    if (out.length + char.length > max - 1) break;
    out += char;
  }
  return `${out}…`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Organizations policy syntax wraps every setting in an inheritance operator; `@@assign` is the usual
// one and says nothing to a reader, so it is left out of paths and values. Other operators stay.
const ASSIGN = '@@assign';

function compareValues(before: unknown, after: unknown, path: readonly string[], out: PolicyDiffLine[]): void {
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...Object.keys(before), ...Object.keys(after).filter((k) => !Object.hasOwn(before, k))];
    for (const key of keys) {
      const childPath = key === ASSIGN ? path : [...path, key];
      if (!Object.hasOwn(after, key)) {
        out.push({ op: '-', text: `${formatPath(childPath)}: ${formatValue(before[key])}` });
      } else if (!Object.hasOwn(before, key)) {
        out.push({ op: '+', text: `${formatPath(childPath)}: ${formatValue(after[key])}` });
      } else {
        compareValues(before[key], after[key], childPath, out);
      }
    }
    return;
  }
  if (deepEqual(before, after)) return;
  out.push({ op: '~', text: `${formatPath(path)}: ${formatValue(before)} → ${formatValue(after)}` });
}

function formatPath(path: readonly string[]): string {
  if (path.length === 0) return '(document)';
  return path
    .map((key, i) => {
      if (/^[A-Za-z0-9_$@-]+$/.test(key)) return i === 0 ? key : `.${key}`;
      return `[${JSON.stringify(key)}]`;
    })
    .join('');
}

function formatValue(value: unknown): string {
  return clip(JSON.stringify(withoutAssign(value)) ?? 'null', MAX_VALUE_LENGTH);
}

function withoutAssign(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutAssign);
  if (!isPlainObject(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === ASSIGN) return withoutAssign(value[ASSIGN]);
  return Object.fromEntries(keys.map((k) => [k, withoutAssign(value[k])]));
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}
