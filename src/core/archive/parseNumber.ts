/**
 * The one parser of numeric settings typed by people: CLI options and the worker's environment variables.
 * It accepts only plain decimal numbers (`12`, `-3`, `0.25`), so the usual traps — `Number('')` being 0,
 * `parseInt('12abc')` being 12, `Number('0x10')` being 16, `Number('1e3')` being 1000 — are refused.
 */

/** What a numeric setting accepts. */
export interface NumberSpec {
  /** Whole numbers only. @default true */
  readonly integer?: boolean;
  readonly min?: number;
  readonly max?: number;
}

/** A parsed value, or the phrase that says what was expected (`must be an integer from 1 to 19`). */
export type ParsedNumber =
  | { readonly ok: true; readonly value: number }
  | { readonly ok: false; readonly problem: string };

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

/** What a spec accepts, in words: `an integer from 1 to 19`, `a number from 0 to 1`, `an integer ≥ 0`. */
export function describeNumberSpec(spec: NumberSpec): string {
  const kind = spec.integer === false ? 'a number' : 'an integer';
  if (spec.min !== undefined && spec.max !== undefined) return `${kind} from ${spec.min} to ${spec.max}`;
  if (spec.min !== undefined) return `${kind} ≥ ${spec.min}`;
  if (spec.max !== undefined) return `${kind} ≤ ${spec.max}`;
  return kind;
}

/** Parses `text` against `spec`; never coerces. */
export function parseNumber(text: string, spec: NumberSpec): ParsedNumber {
  const problem = { ok: false, problem: `must be ${describeNumberSpec(spec)}` } as const;
  const trimmed = text.trim();
  if (!(spec.integer === false ? DECIMAL : INTEGER).test(trimmed)) return problem;
  const value = Number(trimmed);
  if (!Number.isFinite(value) || (spec.integer !== false && !Number.isSafeInteger(value))) return problem;
  if (spec.min !== undefined && value < spec.min) return problem;
  if (spec.max !== undefined && value > spec.max) return problem;
  return { ok: true, value: Object.is(value, -0) ? 0 : value };
}
