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

/** 64-bit FNV-1a over the UTF-16 code units of a string, as 16 hex digits. Not cryptographic: ids only. */
export function fnv1a64(text: string): string {
  // 64-bit FNV-1a over UTF-16 code units, computed in four 16-bit limbs: the same value as BigInt
  // arithmetic, about 20 times faster (ids are computed for every signal on the router's hot path).
  // prime = 2^40 + 0x1b3, so hash * prime = hash * 0x1b3 + (hash << 40).
  let h0 = 0x2325;
  let h1 = 0x8422;
  let h2 = 0x9ce4;
  let h3 = 0xcbf2;
  for (let i = 0; i < text.length; i++) {
    h0 ^= text.charCodeAt(i);
    const t0 = h0 * 0x1b3;
    const t1 = h1 * 0x1b3 + (t0 >>> 16);
    const t2 = h2 * 0x1b3 + (t1 >>> 16) + (h0 << 8);
    const t3 = h3 * 0x1b3 + (t2 >>> 16) + (h1 << 8);
    h0 = t0 & 0xffff;
    h1 = t1 & 0xffff;
    h2 = t2 & 0xffff;
    h3 = t3 & 0xffff;
  }
  return [h3, h2, h1, h0].map((limb) => limb.toString(16).padStart(4, '0')).join('');
}

/** `<kind>:<hash of the identifying parts>`; parts are joined unambiguously. */
export function signalId(kind: string, parts: readonly (string | undefined)[]): string {
  return `${kind}:${fnv1a64(JSON.stringify(parts.map((p) => p ?? '')))}`;
}
