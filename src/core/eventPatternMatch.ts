/**
 * An EventBridge event-pattern matcher for the subset of the pattern language Vaultpilot's rules use, so
 * tests can evaluate every deployed rule against real-shaped events without AWS.
 *
 * Semantics follow the EventBridge documentation:
 * - every field named in the pattern must match; fields the pattern does not name are ignored;
 * - a leaf in the pattern is an array of alternatives; the event value matches when it equals (or
 *   satisfies) any of them; when the event value is itself an array, it matches when any element does;
 * - `$or` holds sub-patterns of which at least one must match, alongside the other fields at its level;
 * - content filters: `prefix`, `suffix` (both optionally `equals-ignore-case`), `anything-but` (values,
 *   `prefix`, `suffix`, `wildcard`, `equals-ignore-case`), `exists`, `numeric`, `equals-ignore-case`,
 *   `wildcard`.
 * A field that is absent from the event matches only `{"exists": false}`.
 */

/** A JSON value as found in events. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** One content filter in a pattern leaf. */
export type ContentFilter =
  | string
  | number
  | boolean
  | null
  | { readonly prefix: string | { readonly 'equals-ignore-case': string } }
  | { readonly suffix: string | { readonly 'equals-ignore-case': string } }
  | { readonly 'equals-ignore-case': string }
  | { readonly wildcard: string }
  | { readonly exists: boolean }
  | { readonly numeric: readonly (string | number)[] }
  | {
      readonly 'anything-but':
        | string
        | number
        | readonly (string | number)[]
        | { readonly prefix: string }
        | { readonly suffix: string }
        | { readonly wildcard: string }
        | { readonly 'equals-ignore-case': string | readonly string[] };
    };

/** An EventBridge event pattern. */
export interface EventPattern {
  readonly [field: string]: readonly ContentFilter[] | EventPattern | readonly EventPattern[];
}

/** The base error of pattern evaluation: raised for patterns outside the supported subset. */
export class EventPatternError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EventPatternError';
  }
}

const ABSENT = Symbol('absent');
type Value = JsonValue | typeof ABSENT;

/** True when the event matches the pattern under EventBridge semantics. */
export function matchesEventPattern(pattern: EventPattern, event: unknown): boolean {
  // EventBridge only ever evaluates one event object at a time.
  if (!isPlainObject(event)) return false;
  return matchObject(pattern, event as Value);
}

function isPlainObject(value: unknown): value is Record<string, JsonValue> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function matchObject(pattern: EventPattern, value: Value): boolean {
  // Arrays of objects in the event are matched element by element, as EventBridge flattens them.
  if (Array.isArray(value)) return value.some((element) => matchObject(pattern, element as Value));
  const record = isPlainObject(value) ? value : undefined;
  for (const [key, sub] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!Array.isArray(sub) || sub.length < 2)
        throw new EventPatternError('$or needs an array of two or more patterns');
      if (!(sub as readonly EventPattern[]).some((alternative) => matchObject(alternative, value))) return false;
      continue;
    }
    const field: Value = record && Object.hasOwn(record, key) ? (record[key] as JsonValue) : ABSENT;
    if (Array.isArray(sub)) {
      if (!matchLeaf(sub as readonly ContentFilter[], field)) return false;
    } else if (isPlainObject(sub)) {
      if (field === ABSENT || !matchObject(sub as EventPattern, field)) return false;
    } else {
      throw new EventPatternError(`pattern field "${key}" must be an array of filters or an object`);
    }
  }
  return true;
}

function matchLeaf(filters: readonly ContentFilter[], value: Value): boolean {
  if (filters.length === 0) throw new EventPatternError('a pattern leaf needs at least one filter');
  if (value === ABSENT) return filters.some((f) => isPlainObject(f) && 'exists' in f && f.exists === false);
  if (Array.isArray(value)) {
    if (filters.some((f) => isPlainObject(f) && 'exists' in f)) {
      // exists works on leaves: an array with at least one scalar is present.
      return filters.some((f) => matchScalar(f, value.length > 0 ? (value[0] as JsonValue) : ABSENT));
    }
    return value.some((element) => filters.some((f) => matchScalar(f, element as Value)));
  }
  return filters.some((f) => matchScalar(f, value));
}

function matchScalar(filter: ContentFilter, value: Value): boolean {
  if (!isPlainObject(filter)) return value !== ABSENT && !isPlainObject(value) && filter === value;
  if ('exists' in filter) return filter.exists ? value !== ABSENT && !isPlainObject(value) : value === ABSENT;
  if (value === ABSENT || isPlainObject(value) || Array.isArray(value)) return false;
  if ('prefix' in filter) return typeof value === 'string' && affix(filter.prefix, value, 'prefix');
  if ('suffix' in filter) return typeof value === 'string' && affix(filter.suffix, value, 'suffix');
  if ('equals-ignore-case' in filter) {
    return typeof value === 'string' && value.toLowerCase() === filter['equals-ignore-case'].toLowerCase();
  }
  if ('wildcard' in filter) return typeof value === 'string' && wildcardRegExp(filter.wildcard).test(value);
  if ('numeric' in filter) return typeof value === 'number' && numericMatch(filter.numeric, value);
  if ('anything-but' in filter) return anythingBut(filter['anything-but'], value as string | number | boolean | null);
  throw new EventPatternError(`unsupported content filter ${JSON.stringify(filter)}`);
}

function affix(spec: string | { readonly 'equals-ignore-case': string }, value: string, side: 'prefix' | 'suffix') {
  const ignoreCase = typeof spec !== 'string';
  const wanted = ignoreCase ? spec['equals-ignore-case'].toLowerCase() : spec;
  const subject = ignoreCase ? value.toLowerCase() : value;
  return side === 'prefix' ? subject.startsWith(wanted) : subject.endsWith(wanted);
}

function anythingBut(
  spec: Extract<ContentFilter, { readonly 'anything-but': unknown }>['anything-but'],
  value: string | number | boolean | null,
): boolean {
  if (typeof spec === 'string' || typeof spec === 'number') return value !== spec;
  if (Array.isArray(spec)) return !spec.includes(value as string | number);
  if (typeof value !== 'string') return false;
  const inner = spec as Record<string, unknown>;
  if (typeof inner.prefix === 'string') return !value.startsWith(inner.prefix);
  if (typeof inner.suffix === 'string') return !value.endsWith(inner.suffix);
  if (typeof inner.wildcard === 'string') return !wildcardRegExp(inner.wildcard).test(value);
  const ignoreCase = inner['equals-ignore-case'];
  if (ignoreCase !== undefined) {
    const excluded = (Array.isArray(ignoreCase) ? ignoreCase : [ignoreCase]).map((s) => String(s).toLowerCase());
    return !excluded.includes(value.toLowerCase());
  }
  throw new EventPatternError(`unsupported anything-but filter ${JSON.stringify(spec)}`);
}

function wildcardRegExp(wildcard: string): RegExp {
  let source = '';
  for (let i = 0; i < wildcard.length; i++) {
    const c = wildcard[i] as string;
    if (c === '\\' && wildcard[i + 1] === '*') {
      source += '\\*';
      i++;
    } else if (c === '*') {
      source += '.*';
    } else {
      source += c.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`, 's');
}

const COMPARATORS: Readonly<Record<string, (a: number, b: number) => boolean>> = {
  '=': (a, b) => a === b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

function numericMatch(spec: readonly (string | number)[], value: number): boolean {
  if (spec.length === 0 || spec.length % 2 !== 0) throw new EventPatternError('numeric needs operator/value pairs');
  for (let i = 0; i < spec.length; i += 2) {
    const compare = COMPARATORS[String(spec[i])];
    const bound = spec[i + 1];
    if (!compare || typeof bound !== 'number')
      throw new EventPatternError(`bad numeric filter ${JSON.stringify(spec)}`);
    if (!compare(value, bound)) return false;
  }
  return true;
}
