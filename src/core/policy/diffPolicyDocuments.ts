import { diffTextLines } from './diffTextLines.js';
import { parsePolicyDocument } from './parsePolicyDocument.js';
import { factText, type PolicyFact, policyFacts, scopeText, summaryLine } from './summarizePolicyDocument.js';

/**
 * How the diff was made:
 * - `changes`: both documents parsed; one line per changed statement of their readable summaries;
 * - `unchanged`: both parsed and are equal;
 * - `document`: only one document is known; its readable summary (plans, rules, selections, …);
 * - `text-changes`: a document did not parse even after repair; a line diff of the texts;
 * - `text`: only one document is known and it did not parse; a bounded excerpt of its text.
 */
export type PolicyDiffMode = 'changes' | 'unchanged' | 'document' | 'text-changes' | 'text';

/** `~` changed, `+` added, `-` removed, ` ` a line of a summary or of document text. */
export type PolicyDiffOp = '~' | '+' | '-' | ' ';

export interface PolicyDiffLine {
  readonly op: PolicyDiffOp;
  /** The line without its op marker, e.g. `plan Daily, rule Daily: delete after 2 days → 7 days`. */
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

/** Options that say how to read the documents. */
export interface PolicyDiffOptions {
  /** The Organizations policy type (BACKUP_POLICY, SERVICE_CONTROL_POLICY, …); unknown on DeletePolicy. */
  readonly policyType?: string;
}

/** At most this many lines are kept; renderers show fewer where their channel is smaller. */
export const MAX_DIFF_LINES = 200;
/** A document that does not parse is shown as an excerpt of at most this many lines. */
export const MAX_TEXT_EXCERPT_LINES = 40;
const MAX_LINE_LENGTH = 240;
/** Text lines are indented by nesting depth, up to this depth. */
const MAX_TEXT_INDENT = 8;

/**
 * Diffs two policy documents (JSON strings as Organizations sends them), in the terms of their readable
 * summaries. With no previous content, summarizes the current document; with no current content
 * (DeletePolicy), the last known one. Returns undefined when neither is known. Never throws.
 */
export function diffPolicyDocuments(
  previous: string | undefined,
  current: string | undefined,
  options: PolicyDiffOptions = {},
): PolicyDiff | undefined {
  if (previous === undefined && current === undefined) return undefined;
  if (previous === undefined || current === undefined) {
    const only = (current ?? previous) as string;
    return describeDocument(
      only,
      current === undefined
        ? 'Summary of the last known document (now deleted)'
        : 'Summary of the whole document (no earlier version known to compare with)',
      options.policyType,
    );
  }
  const before = readDocument(previous);
  const after = readDocument(current);
  const notes = [
    ...before.repairs.map((r) => `previous version: ${r}`),
    ...after.repairs.map((r) => `new version: ${r}`),
  ];
  if (before.ok && after.ok) {
    if (deepEqual(before.value, after.value)) {
      return { mode: 'unchanged', title: 'No change in the policy document', lines: [], notes };
    }
    const lines = diffFacts(
      policyFacts(before.value, options.policyType),
      policyFacts(after.value, options.policyType),
    );
    if (lines.length === 0) {
      // The documents differ only where the summary cuts (a very long value, a deep nesting).
      lines.push({ op: '~', text: 'the documents differ only in details too long or too deep to show' });
    }
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

function describeDocument(text: string, title: string, policyType: string | undefined): PolicyDiff {
  const doc = readDocument(text);
  if (doc.ok) {
    const lines = policyFacts(doc.value, policyType).map(
      (fact): PolicyDiffLine => ({ op: ' ', text: summaryLine(fact) }),
    );
    if (lines.length === 0) lines.push({ op: ' ', text: '(an empty document)' });
    return { mode: 'document', title, ...capLines(lines, [...doc.repairs]) };
  }
  // Not readable as a policy: a bounded excerpt of its text, laid out setting by setting, never one blob.
  const all = textLinesOf(doc);
  const shown = all.slice(0, MAX_TEXT_EXCERPT_LINES);
  const notes = [
    `the document is not valid JSON (${doc.error}): an excerpt of its text is shown, one setting a line, quotes and brackets left out`,
  ];
  if (all.length > shown.length) notes.push(`first ${shown.length} of ${all.length} lines shown`);
  return { mode: 'text', title, lines: shown.map((line) => ({ op: ' ', text: line })), notes };
}

// ---------------------------------------------------------------------------------------------------
// Diff of two summaries

/**
 * The statements added, removed and changed between two documents, paired by identity (scope and
 * setting) and kept in reading order. A scope that is gone is one line; a new one is shown in full,
 * since a reader needs to know what it does. Linear in the number of facts.
 */
function diffFacts(before: readonly PolicyFact[], after: readonly PolicyFact[]): PolicyDiffLine[] {
  const beforeById = new Map<string, PolicyFact>();
  for (const fact of before) if (!beforeById.has(fact.id)) beforeById.set(fact.id, fact);
  const afterById = new Map<string, PolicyFact>();
  for (const fact of after) if (!afterById.has(fact.id)) afterById.set(fact.id, fact);

  // A scope that is gone is said once; what was in it is not listed.
  const goneScopes = new Set<string>();
  const settingsIn = new Map<string, number>();
  for (const fact of before) {
    if (fact.opens && !afterById.has(fact.id)) goneScopes.add(fact.id);
    for (const scope of fact.scope) if (!fact.opens) settingsIn.set(scope.id, (settingsIn.get(scope.id) ?? 0) + 1);
  }
  const insideGone = (fact: PolicyFact) =>
    fact.scope.some((s, i) => goneScopes.has(s.id) && !(fact.opens && i === fact.scope.length - 1));

  const lines: PolicyDiffLine[] = [];
  const removed = (fact: PolicyFact) => {
    if (insideGone(fact)) return;
    if (fact.opens) {
      const count = settingsIn.get(fact.opens.id) ?? 0;
      lines.push({
        op: '-',
        text: `${scopeText(fact.scope)} (removed, with its ${count} setting${count === 1 ? '' : 's'})`,
      });
    } else {
      lines.push({ op: '-', text: withScope(fact, factText(fact)) });
    }
  };
  const added = (fact: PolicyFact) => {
    if (fact.opens) {
      lines.push({ op: '+', text: `${scopeText(fact.scope)} (new ${fact.opens.kind})` });
    } else {
      lines.push({ op: '+', text: withScope(fact, factText(fact)) });
    }
  };

  // Removed facts are placed before the next fact both versions share, so the diff reads in order.
  let b = 0;
  const flushRemovedUpTo = (limit: number) => {
    for (; b < limit; b++) {
      const old = before[b] as PolicyFact;
      if (!afterById.has(old.id)) removed(old);
    }
  };
  const beforeIndex = new Map<string, number>();
  before.forEach((fact, i) => {
    if (!beforeIndex.has(fact.id)) beforeIndex.set(fact.id, i);
  });
  for (const fact of after) {
    const old = beforeById.get(fact.id);
    if (!old) {
      added(fact);
      continue;
    }
    flushRemovedUpTo((beforeIndex.get(fact.id) ?? 0) + 1);
    if (fact.opens) continue;
    const was = factText(old);
    const now = factText(fact);
    if (was === now) continue;
    lines.push({
      op: '~',
      text:
        old.label === fact.label
          ? withScope(fact, `${fact.label} ${old.value} → ${fact.value}${itemChanges(old, fact)}`)
          : withScope(fact, `${was} → ${now}${itemChanges(old, fact)}`),
    });
  }
  flushRemovedUpTo(before.length);
  return lines;
}

function withScope(fact: PolicyFact, text: string): string {
  const scope = scopeText(fact.scope);
  return scope === '' ? text : `${scope}: ${text}`;
}

/** ` (added eu-central-1; removed us-east-1)` for two lists; nothing when either is not a list. */
function itemChanges(old: PolicyFact, now: PolicyFact): string {
  if (!old.items || !now.items || old.items.length + now.items.length < 3) return '';
  const was = new Set(old.items);
  const is = new Set(now.items);
  const addedItems = now.items.filter((i) => !was.has(i));
  const removedItems = old.items.filter((i) => !is.has(i));
  const parts = [
    ...(addedItems.length > 0 ? [`added ${shortList(addedItems)}`] : []),
    ...(removedItems.length > 0 ? [`removed ${shortList(removedItems)}`] : []),
  ];
  return parts.length > 0 ? ` (${parts.join('; ')})` : '';
}

function shortList(items: readonly string[]): string {
  const shown = items.slice(0, 5);
  return `${shown.join(', ')}${items.length > shown.length ? `, and ${items.length - shown.length} more` : ''}`;
}

// ---------------------------------------------------------------------------------------------------
// Documents that do not parse

/**
 * Lines of a document that is not valid JSON, for an excerpt and a text comparison: read token by
 * token, one setting a line (`key: value`, list items as `- value`), indented by nesting depth, with
 * the quotes, braces and brackets left out — so a one-line document compares setting by setting and
 * a cut-off document still reads. Anything that is not a token is kept as text. Linear in the text.
 */
function textLinesOf(doc: ReadDocument): string[] {
  const text = doc.text.replace(/\r\n?/g, '\n');
  const lines: string[] = [];
  // Whether each open container is a list (its items get `- `).
  const open: boolean[] = [];
  let pendingKey: string | undefined;
  let loose = '';
  // The document's own braces add no level: its keys start at the margin.
  const indent = () => '  '.repeat(Math.min(Math.max(0, open.length - 1), MAX_TEXT_INDENT));
  const emit = (line: string) => {
    const cleaned = cleanLine(line);
    if (cleaned.trim() !== '') lines.push(cleaned);
  };
  const scalar = (value: string) => {
    const prefix = pendingKey !== undefined ? `${pendingKey}: ` : open.at(-1) ? '- ' : '';
    emit(`${indent()}${prefix}${value}`);
    pendingKey = undefined;
  };
  const flushLoose = () => {
    const word = loose.trim();
    loose = '';
    if (word !== '') scalar(word);
  };
  let i = 0;
  while (i < text.length) {
    const char = text[i] as string;
    if (char === '"') {
      flushLoose();
      let j = i + 1;
      let escaped = false;
      for (; j < text.length; j++) {
        const c = text[j];
        if (escaped) escaped = false;
        else if (c === '\\') escaped = true;
        else if (c === '"') break;
      }
      const literal = text.slice(i + 1, j);
      i = j + 1;
      let k = i;
      while (k < text.length && /\s/.test(text[k] as string)) k++;
      if (text[k] === ':') {
        if (pendingKey !== undefined) scalar('');
        pendingKey = unescapeLiteral(literal) || '(empty key)';
        i = k + 1;
      } else {
        scalar(unescapeLiteral(literal) || '(empty)');
      }
      continue;
    }
    if (char === '{' || char === '[') {
      flushLoose();
      if (pendingKey !== undefined) emit(`${indent()}${pendingKey}:`);
      else if (open.at(-1)) emit(`${indent()}-`);
      pendingKey = undefined;
      open.push(char === '[');
    } else if (char === '}' || char === ']') {
      flushLoose();
      if (pendingKey !== undefined) scalar('');
      open.pop();
    } else if (char === ',' || char === '\n') {
      flushLoose();
    } else if (char === ':' && loose.trim() !== '') {
      // An unquoted key (not JSON, but people write it).
      pendingKey = loose.trim();
      loose = '';
    } else {
      loose += char;
    }
    i++;
  }
  flushLoose();
  if (pendingKey !== undefined) emit(`${indent()}${pendingKey}:`);
  return lines;
}

/** The text of a string literal with its escapes read; the literal as written when they do not read. */
function unescapeLiteral(literal: string): string {
  if (!literal.includes('\\')) return literal;
  try {
    const value: unknown = JSON.parse(`"${literal}"`);
    return typeof value === 'string' ? value : literal;
  } catch {
    return literal;
  }
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
  const kept = lines.slice(0, MAX_DIFF_LINES).map((l) => ({ op: l.op, text: cleanLine(l.text) }));
  if (lines.length <= MAX_DIFF_LINES) return { lines: kept, notes };
  return { lines: kept, notes: [...notes, `and ${lines.length - MAX_DIFF_LINES} more lines not shown`] };
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

/** Structural equality without recursion (a document may nest thousands of levels deep). */
function deepEqual(left: unknown, right: unknown): boolean {
  const stack: [unknown, unknown][] = [[left, right]];
  while (stack.length > 0) {
    const [a, b] = stack.pop() as [unknown, unknown];
    if (a === b) continue;
    if (Array.isArray(a) && Array.isArray(b)) {
      if (a.length !== b.length) return false;
      for (let i = 0; i < a.length; i++) stack.push([a[i], b[i]]);
    } else if (isPlainObject(a) && isPlainObject(b)) {
      const keys = Object.keys(a);
      if (keys.length !== Object.keys(b).length) return false;
      for (const key of keys) {
        if (!Object.hasOwn(b, key)) return false;
        stack.push([a[key], b[key]]);
      }
    } else {
      return false;
    }
  }
  return true;
}
