/**
 * Type inference over a DynamoDB export, pure: the statistics one data file yields per top-level attribute
 * (which type tags it carries, and for numbers how many digits and decimals they need), how the statistics of
 * all files merge, and the column mapping they decide (docs/dynamodb.md, "The column mapping").
 */

/** The type tags of DynamoDB JSON. */
export const DYNAMODB_TAGS = ['S', 'N', 'B', 'BOOL', 'NULL', 'SS', 'NS', 'BS', 'M', 'L'] as const;
export type DynamoTag = (typeof DYNAMODB_TAGS)[number];

export function isDynamoTag(text: string): text is DynamoTag {
  return (DYNAMODB_TAGS as readonly string[]).includes(text);
}

/** What is known of one attribute: values per tag, and for numbers the largest exact scale and integer digits. */
export interface AttributeStats {
  readonly name: string;
  readonly tags: Partial<Record<DynamoTag, number>>;
  /** Over every `N` value: the largest minimal exact scale (decimals, trailing zeros ignored; may be < 0). */
  readonly maxScale?: number;
  /** Over every `N` value: the largest count of digits left of the decimal point. */
  readonly maxIntegerDigits?: number;
}

/** Merges two statistics of the same attribute. */
export function mergeStats(a: AttributeStats, b: AttributeStats): AttributeStats {
  const tags: Partial<Record<DynamoTag, number>> = { ...a.tags };
  for (const [tag, count] of Object.entries(b.tags) as [DynamoTag, number][]) tags[tag] = (tags[tag] ?? 0) + count;
  const max = (x?: number, y?: number) => (x === undefined ? y : y === undefined ? x : Math.max(x, y));
  const maxScale = max(a.maxScale, b.maxScale);
  const maxIntegerDigits = max(a.maxIntegerDigits, b.maxIntegerDigits);
  return {
    name: a.name,
    tags,
    ...(maxScale === undefined ? {} : { maxScale }),
    ...(maxIntegerDigits === undefined ? {} : { maxIntegerDigits }),
  };
}

/** Merges per-file statistics into `into` (keyed by attribute name). */
export function mergeInto(into: Map<string, AttributeStats>, stats: Iterable<AttributeStats>): void {
  for (const s of stats) {
    const known = into.get(s.name);
    into.set(s.name, known ? mergeStats(known, s) : s);
  }
}

/** The digits and scale one DynamoDB number needs, exactly. */
export interface NumberShape {
  /** Minimal decimals to write it exactly (trailing zeros dropped); negative for e.g. `1E+5` (-5). */
  readonly scale: number;
  /** Digits left of the decimal point (0 for |x| < 1). */
  readonly integerDigits: number;
}

const NUMBER = /^[+-]?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * The shape of a DynamoDB number's text; the SQL in dynamoSql.ts computes the same in DuckDB (a property test
 * holds them equal). Undefined for text that is not a number.
 */
export function numberShape(text: string): NumberShape | undefined {
  const m = NUMBER.exec(text);
  if (!m || (m[1] === '' && (m[2] ?? '') === '')) return undefined;
  const fraction = m[2] ?? '';
  const exponent = m[3] === undefined ? 0 : Number(m[3]);
  const digits = `${m[1]}${fraction}`.replace(/^0+/, '');
  const significant = digits.replace(/0+$/, '');
  if (significant === '') return { scale: 0, integerDigits: 0 };
  const scale = fraction.length - exponent - (digits.length - significant.length);
  return { scale, integerDigits: Math.max(0, significant.length - scale) };
}

/** Most digits DuckDB's (and Parquet's) DECIMAL holds. */
export const MAX_DECIMAL_PRECISION = 38;

/**
 * The DECIMAL scale every value of a number attribute fits exactly, or undefined when none does: scale
 * S = max(0, largest minimal scale), and (largest integer digits) + S ≤ 38. The column is DECIMAL(38, S).
 */
export function decimalScale(stats: AttributeStats): number | undefined {
  if (stats.maxScale === undefined || stats.maxIntegerDigits === undefined) return undefined;
  const scale = Math.max(0, stats.maxScale);
  return stats.maxIntegerDigits + scale <= MAX_DECIMAL_PRECISION ? scale : undefined;
}

/** The one tag an attribute carries besides NULL, `mixed` for several, `null` for NULL only. */
export function consistentTag(stats: AttributeStats): DynamoTag | 'mixed' | 'null' {
  const tags = (Object.keys(stats.tags) as DynamoTag[]).filter((t) => t !== 'NULL' && (stats.tags[t] ?? 0) > 0);
  if (tags.length === 0) return 'null';
  return tags.length === 1 ? tags[0]! : 'mixed';
}

/** How many values of the attribute exist, over every tag. */
export function valueCount(stats: AttributeStats): number {
  return Object.values(stats.tags).reduce((sum, n) => sum + (n ?? 0), 0);
}
