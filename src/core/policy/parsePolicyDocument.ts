/**
 * Reads an Organizations policy document as CloudTrail carries it: a JSON string that is not always
 * valid JSON (real samples have a raw line break inside a key). We repair what has one obvious repair
 * and report it; everything else is returned as "unreadable" with the reason, never thrown.
 */

export type ParsedPolicyDocument =
  | {
      readonly ok: true;
      readonly value: unknown;
      /** What had to be repaired before the text parsed, in words; empty when it was valid as sent. */
      readonly repairs: readonly string[];
    }
  | { readonly ok: false; readonly error: string };

/** Parses a policy document, repairing control characters inside strings, a BOM and trailing commas. */
export function parsePolicyDocument(text: string): ParsedPolicyDocument {
  const first = tryParse(text);
  if (first.ok) return { ok: true, value: first.value, repairs: [] };

  const repairs: string[] = [];
  let repaired = text;
  if (repaired.charCodeAt(0) === 0xfeff) {
    repaired = repaired.slice(1);
    repairs.push('removed a byte-order mark');
  }
  const stripped = stripControlCharactersInStrings(repaired);
  if (stripped.removed > 0) {
    repaired = stripped.text;
    repairs.push(
      `removed ${stripped.removed} control character${stripped.removed === 1 ? '' : 's'} (e.g. a line break) inside strings`,
    );
  }
  const withoutCommas = removeTrailingCommas(repaired);
  if (withoutCommas.removed > 0) {
    repaired = withoutCommas.text;
    repairs.push(`removed ${withoutCommas.removed} trailing comma${withoutCommas.removed === 1 ? '' : 's'}`);
  }
  if (repairs.length === 0) return { ok: false, error: first.error };
  const second = tryParse(repaired);
  if (second.ok) return { ok: true, value: second.value, repairs };
  return { ok: false, error: second.error };
}

function tryParse(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Drops raw characters below U+0020 that sit inside string literals (JSON forbids them there).
 * A line break inside a key is a wrapping artefact of whoever pasted the policy, not content.
 */
function stripControlCharactersInStrings(text: string): { text: string; removed: number } {
  let out = '';
  let removed = 0;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] ?? '';
    if (inString) {
      if (escaped) {
        escaped = false;
      } else if (char === '\\') {
        escaped = true;
      } else if (char === '"') {
        inString = false;
      } else if (char.charCodeAt(0) < 0x20) {
        removed++;
        continue;
      }
    } else if (char === '"') {
      inString = true;
    }
    out += char;
  }
  return { text: out, removed };
}

/** Removes commas that directly precede `}` or `]` (outside strings). */
function removeTrailingCommas(text: string): { text: string; removed: number } {
  let out = '';
  let removed = 0;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] ?? '';
    if (inString) {
      if (escaped) escaped = false;
      else if (char === '\\') escaped = true;
      else if (char === '"') inString = false;
    } else if (char === '"') {
      inString = true;
    } else if (char === ',') {
      let k = i + 1;
      while (k < text.length && /\s/.test(text[k] ?? '')) k++;
      if (text[k] === '}' || text[k] === ']') {
        removed++;
        continue;
      }
    }
    out += char;
  }
  return { text: out, removed };
}
