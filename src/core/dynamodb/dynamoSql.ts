/**
 * The DuckDB SQL of the conversion, built as text, pure: literals and JSON paths quoted for any attribute
 * name, the per-file statistics query (pass 1), the typed COPY to Parquet (pass 2) and the COPY back to
 * DynamoDB JSON.
 */
import { type ColumnSpec, ITEM_COLUMN } from './columnMapping.js';

/** A SQL string literal. */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** A SQL identifier, always quoted. */
export function sqlIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The JSON path of a top-level attribute: `$."name"`, with `"` and `\` escaped, so dots, brackets and quotes stay part of the name. */
export function attributePath(attribute: string): string {
  return `$."${attribute.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** read_json of one DynamoDB export data file, `Item` read as `itemType` (JSON or MAP(VARCHAR, JSON)). */
export function readExportFile(path: string, itemType: 'JSON' | 'MAP(VARCHAR, JSON)'): string {
  // 16 MiB per line: an item is at most 400 KB in DynamoDB, its JSON (base64, escapes) a few times that at worst.
  return `read_json(${sqlString(path)}, format='newline_delimited', columns={Item: ${sqlString(itemType)}}, maximum_object_size=16777216)`;
}

/**
 * Macros the statistics query uses: the minimal exact scale and the integer digits of a number's text, as
 * numberShape() in attributeTypes.ts computes them.
 */
export const NUMBER_MACROS = [
  `CREATE OR REPLACE TEMP MACRO vp_mant(t) AS regexp_extract(t, '^[+-]?([0-9]*[.]?[0-9]*)', 1)`,
  `CREATE OR REPLACE TEMP MACRO vp_exp(t) AS coalesce(TRY_CAST(regexp_extract(t, '[eE]([+-]?[0-9]+)$', 1) AS INTEGER), 0)`,
  `CREATE OR REPLACE TEMP MACRO vp_frac(t) AS CASE WHEN contains(vp_mant(t), '.') THEN split_part(vp_mant(t), '.', 2) ELSE '' END`,
  `CREATE OR REPLACE TEMP MACRO vp_digits(t) AS ltrim(replace(vp_mant(t), '.', ''), '0')`,
  `CREATE OR REPLACE TEMP MACRO vp_sig(t) AS rtrim(vp_digits(t), '0')`,
  `CREATE OR REPLACE TEMP MACRO vp_scale(t) AS CASE WHEN vp_sig(t) = '' THEN 0 ELSE length(vp_frac(t)) - vp_exp(t) - (length(vp_digits(t)) - length(vp_sig(t))) END`,
  `CREATE OR REPLACE TEMP MACRO vp_int_digits(t) AS CASE WHEN vp_sig(t) = '' THEN 0 ELSE greatest(0, length(vp_sig(t)) - vp_scale(t)) END`,
] as const;

/**
 * Pass 1 over one data file: one row per (attribute, tag) with the count and, for N, the largest scale and
 * integer digits; plus one row with a NULL name whose count is the number of items.
 */
export function statisticsQuery(path: string): string {
  return `WITH e AS (SELECT unnest(list_append(map_entries(Item), NULL)) AS kv FROM ${readExportFile(path, 'MAP(VARCHAR, JSON)')}),
t AS (SELECT kv.key AS name, json_keys(kv.value)[1] AS tag, CASE WHEN json_keys(kv.value)[1] = 'N' THEN kv.value->>'N' END AS num FROM e)
SELECT name, tag, count(*)::BIGINT AS n, max(vp_scale(num))::INTEGER AS max_scale, max(vp_int_digits(num))::INTEGER AS max_int
FROM t GROUP BY ALL`;
}

/** Rows per Parquet row group: a writer buffers one row group per thread, so this bounds its memory. */
const ROW_GROUP_ROWS = 20_480;

/** DuckDB's largest DECIMAL stored in 64 bits; casting text to it is fast, to DECIMAL(38,s) much slower. */
const FAST_DECIMAL_PRECISION = 18;

/**
 * The lines of one data file, each as VARCHAR `line`, read by DuckDB's CSV reader with no delimiter, quote
 * or escape (a JSON line holds no raw U+0001): it splits lines far faster than the JSON reader parses them,
 * and the line is then parsed once by json_transform (the typed values) and once by json_extract (`_item`).
 * Blank lines are skipped, as the JSON reader skips them.
 */
export function readExportLines(path: string): string {
  return `(SELECT line FROM read_csv(${sqlString(path)}, columns={'line': 'VARCHAR'}, delim=chr(1), quote='', escape='', header=false, auto_detect=false, new_line='\\n', strict_mode=false, max_line_size=16777216) WHERE line IS NOT NULL)`;
}

/** The json_transform structure of a tag's value. */
function transformType(spec: ColumnSpec): unknown {
  switch (spec.tag) {
    case 'BOOL':
      return 'BOOLEAN';
    case 'SS':
    case 'NS':
    case 'BS':
      return ['VARCHAR'];
    case 'M':
    case 'L':
      return 'JSON';
    default:
      return 'VARCHAR';
  }
}

/**
 * The SQL expression of a typed column over `x`, the value under the attribute's tag as json_transform
 * gives it (VARCHAR for S, N and B; BOOLEAN; VARCHAR[] for the sets; JSON for M and L).
 */
export function columnExpression(spec: ColumnSpec, x: string): string {
  switch (spec.role === 'decimal' ? 'DECIMAL' : spec.tag) {
    case 'DECIMAL': {
      const scale = spec.scale ?? 0;
      // The fast cast only for short plain text (at most 18 characters, no exponent: at most 18 digits, which
      // DuckDB parses exactly; longer mantissas or exponents can round there); everything else, and any value
      // that does not fit DECIMAL(18,s), takes the exact DECIMAL(38,s) cast.
      const short = `CASE WHEN length(${x}) <= ${FAST_DECIMAL_PRECISION} AND NOT contains(${x}, 'e') AND NOT contains(${x}, 'E') THEN ${x} END`;
      return scale <= FAST_DECIMAL_PRECISION
        ? `coalesce(TRY_CAST(${short} AS DECIMAL(${FAST_DECIMAL_PRECISION},${scale})), CAST(${x} AS ${spec.type}))`
        : `CAST(${x} AS ${spec.type})`;
    }
    case 'S':
    case 'BOOL':
    case 'SS':
    case 'M':
    case 'L':
      return `(${x})`;
    case 'N':
      return `CAST(${x} AS DOUBLE)`;
    case 'B':
      return `from_base64(${x})`;
    case 'NS':
      return `list_transform(${x}, e -> CAST(e AS DOUBLE))`;
    case 'BS':
      return `list_transform(${x}, e -> from_base64(e))`;
    default:
      throw new Error(`no column expression for ${spec.column} (${spec.tag})`);
  }
}

/**
 * Pass 2 over one data file: COPY the typed columns and `_item` to a zstd Parquet file with key-value metadata.
 * Each line is parsed once by json_transform into a STRUCT of the typed attributes (each a STRUCT of its one
 * tag), and once by json_extract for `_item`. Struct fields are read by position: DuckDB matches JSON keys
 * exactly, but struct field names by SQL rules (case-insensitively), and `A` and `a` may both be attributes.
 */
export function toParquetStatement(
  source: string,
  target: string,
  columns: readonly ColumnSpec[],
  metadata: Readonly<Record<string, string>>,
): string {
  const typed = columns.filter((c) => c.role !== 'item');
  const attributes = new Map<string, { position: number; structure: unknown }>();
  for (const c of typed) {
    if (!attributes.has(c.attribute!)) {
      attributes.set(c.attribute!, { position: attributes.size + 1, structure: { [c.tag!]: transformType(c) } });
    }
  }
  const select = typed.map((c) => {
    const value = `struct_extract_at(struct_extract_at(t, ${attributes.get(c.attribute!)!.position}), 1)`;
    return `${columnExpression(c, value)}::${c.type} AS ${sqlIdentifier(c.column)}`;
  });
  select.push(`item AS ${sqlIdentifier(ITEM_COLUMN)}`);
  // Written out in order: a JS object would put integer-like names ("0") first, and positions would shift.
  const structure = [...attributes].map(([name, a]) => `${JSON.stringify(name)}:${JSON.stringify(a.structure)}`);
  const transform =
    attributes.size > 0
      ? `, struct_extract(json_transform(line, ${sqlString(`{"Item":{${structure.join(',')}}}`)}), 'Item') AS t`
      : '';
  const inner = `SELECT json_extract(line, '$.Item') AS item${transform} FROM ${readExportLines(source)}`;
  const kv = Object.entries(metadata)
    .map(([k, value]) => `${sqlString(k)}: ${sqlString(value)}`)
    .join(', ');
  return `COPY (SELECT ${select.join(', ')} FROM (${inner})) TO ${sqlString(target)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${ROW_GROUP_ROWS}, KV_METADATA {${kv}})`;
}

/** The way back: one Parquet file's `_item` column as `{"Item":…}` lines, gzip or not. */
export function toDynamoJsonStatement(source: string, target: string, gzip: boolean): string {
  return `COPY (SELECT CAST(${sqlIdentifier(ITEM_COLUMN)} AS JSON) AS Item FROM read_parquet(${sqlString(source)})) TO ${sqlString(target)} (FORMAT json, COMPRESSION ${gzip ? 'gzip' : 'none'})`;
}
