/**
 * Stable de-duplication ids. The same real-world transition must give the same id however often and
 * through whichever envelope it arrives, so ids are built from what identifies the transition (kind,
 * job id, state, CloudTrail event id, …), never from envelope ids or arrival times.
 */

/** A property value, or a marker when reading it throws (getters on hostile input). */
function readProperty(obj: object, key: string): unknown {
  try {
    return (obj as Record<string, unknown>)[key];
  } catch {
    return '[unreadable]';
  }
}

/** JSON text with object keys sorted, safe on cycles, BigInt and functions (never throws). */
export function stableStringify(value: unknown): string {
  const seen = new WeakSet<object>();
  const walk = (v: unknown): string => {
    if (v === null) return 'null';
    switch (typeof v) {
      case 'string':
        return JSON.stringify(v);
      case 'number':
        return Number.isFinite(v) ? String(v) : 'null';
      case 'boolean':
        return v ? 'true' : 'false';
      case 'bigint':
        return JSON.stringify(`${v.toString()}n`);
      case 'undefined':
      case 'function':
      case 'symbol':
        return 'null';
    }
    const obj = v as object;
    if (seen.has(obj)) return '"[cycle]"';
    seen.add(obj);
    let out: string;
    if (Array.isArray(obj)) {
      out = `[${obj.map(walk).join(',')}]`;
    } else {
      const keys = Object.keys(obj).sort();
      out = `{${keys.map((k) => `${JSON.stringify(k)}:${walk(readProperty(obj, k))}`).join(',')}}`;
    }
    seen.delete(obj);
    return out;
  };
  try {
    return walk(value);
  } catch {
    // Proxies and exotic objects can throw even on Object.keys; the id then only says so.
    return '"[unserializable]"';
  }
}

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK = 0xffffffffffffffffn;

/** 64-bit FNV-1a over the UTF-16 code units of a string, as 16 hex digits. Not cryptographic: ids only. */
export function fnv1a64(text: string): string {
  let hash = FNV_OFFSET;
  for (let i = 0; i < text.length; i++) {
    hash ^= BigInt(text.charCodeAt(i));
    hash = (hash * FNV_PRIME) & MASK;
  }
  return hash.toString(16).padStart(16, '0');
}

/** `<kind>:<hash of the identifying parts>`; parts are joined unambiguously. */
export function signalId(kind: string, parts: readonly (string | undefined)[]): string {
  return `${kind}:${fnv1a64(JSON.stringify(parts.map((p) => p ?? '')))}`;
}
