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

/** The SQL expression of a typed column over `v` (the attribute's DynamoDB JSON value). */
export function columnExpression(spec: ColumnSpec, v: string): string {
  switch (spec.role === 'decimal' ? 'DECIMAL' : spec.tag) {
    case 'DECIMAL':
      return `CAST(${v}->>'N' AS ${spec.type})`;
    case 'S':
      return `(${v}->>'S')`;
    case 'N':
      return `CAST(${v}->>'N' AS DOUBLE)`;
    case 'B':
      return `from_base64(${v}->>'B')`;
    case 'BOOL':
      return `CAST(${v}->'BOOL' AS BOOLEAN)`;
    case 'SS':
      return `CAST(${v}->'SS' AS VARCHAR[])`;
    case 'NS':
      return `list_transform(CAST(${v}->'NS' AS VARCHAR[]), x -> CAST(x AS DOUBLE))`;
    case 'BS':
      return `list_transform(CAST(${v}->'BS' AS VARCHAR[]), x -> from_base64(x))`;
    case 'M':
      return `(${v}->'M')`;
    case 'L':
      return `(${v}->'L')`;
    default:
      throw new Error(`no column expression for ${spec.column} (${spec.tag})`);
  }
}

/** Pass 2 over one data file: COPY the typed columns and `_item` to a zstd Parquet file with key-value metadata. */
export function toParquetStatement(
  source: string,
  target: string,
  columns: readonly ColumnSpec[],
  metadata: Readonly<Record<string, string>>,
): string {
  const typed = columns.filter((c) => c.role !== 'item');
  const attributes = [...new Set(typed.map((c) => c.attribute!))];
  const index = new Map(attributes.map((a, i) => [a, i + 1]));
  const select = typed.map(
    (c) => `${columnExpression(c, `v[${index.get(c.attribute!)}]`)}::${c.type} AS ${sqlIdentifier(c.column)}`,
  );
  select.push(`Item AS ${sqlIdentifier(ITEM_COLUMN)}`);
  const paths = attributes.map((a) => sqlString(attributePath(a))).join(', ');
  const inner =
    attributes.length > 0
      ? `SELECT Item, json_extract(Item, [${paths}]) AS v FROM ${readExportFile(source, 'JSON')}`
      : `SELECT Item FROM ${readExportFile(source, 'JSON')}`;
  const kv = Object.entries(metadata)
    .map(([k, value]) => `${sqlString(k)}: ${sqlString(value)}`)
    .join(', ');
  return `COPY (SELECT ${select.join(', ')} FROM (${inner})) TO ${sqlString(target)} (FORMAT parquet, COMPRESSION zstd, KV_METADATA {${kv}})`;
}

/** The way back: one Parquet file's `_item` column as `{"Item":…}` lines, gzip or not. */
export function toDynamoJsonStatement(source: string, target: string, gzip: boolean): string {
  return `COPY (SELECT CAST(${sqlIdentifier(ITEM_COLUMN)} AS JSON) AS Item FROM read_parquet(${sqlString(source)})) TO ${sqlString(target)} (FORMAT json, COMPRESSION ${gzip ? 'gzip' : 'none'})`;
}
