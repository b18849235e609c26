/**
 * The column mapping of a converted export, pure: which attributes become typed columns, their DuckDB types,
 * and safe, unique column names (docs/dynamodb.md, "The column mapping"). The original attribute name of every
 * column is kept in the mapping, which goes into the Vaultpilot manifest and each Parquet file's key-value
 * metadata, so a sanitized name is never ambiguous.
 */
import {
  type AttributeStats,
  consistentTag,
  type DynamoTag,
  decimalScale,
  MAX_DECIMAL_PRECISION,
  valueCount,
} from './attributeTypes.js';

/** The column that holds every item, complete, as DynamoDB JSON text. */
export const ITEM_COLUMN = '_item';

/** DuckDB (and Parquet) type of a typed column of each tag. */
export const COLUMN_TYPES: Partial<Record<DynamoTag, string>> = {
  S: 'VARCHAR',
  N: 'DOUBLE',
  B: 'BLOB',
  BOOL: 'BOOLEAN',
  SS: 'VARCHAR[]',
  NS: 'DOUBLE[]',
  BS: 'BLOB[]',
  M: 'JSON',
  L: 'JSON',
};

/** One column of the Parquet files. */
export interface ColumnSpec {
  /** Column name in Parquet. */
  readonly column: string;
  /** The attribute it is read from; absent for `_item`. */
  readonly attribute?: string;
  /** `key`: a table key; `attribute`: a typed attribute; `decimal`: the exact DECIMAL twin of an N column. */
  readonly role: 'key' | 'attribute' | 'decimal' | 'item';
  /** The DynamoDB tag of the attribute's values. */
  readonly tag?: DynamoTag;
  /** DuckDB type, e.g. `VARCHAR`, `DECIMAL(38,2)`, `JSON`. */
  readonly type: string;
  /** For `decimal`: the scale. */
  readonly scale?: number;
}

/** The table's key attributes. */
export interface TableKeys {
  readonly partitionKey: string;
  readonly sortKey?: string;
}

/** A key attribute that cannot be a column, or an option that cannot be used. */
export class ColumnMappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ColumnMappingError';
  }
}

/** What deciding the mapping needs. */
export interface MappingInput {
  /** Merged statistics over every data file. */
  readonly stats: ReadonlyMap<string, AttributeStats>;
  /** Items in the export. */
  readonly itemCount: number;
  readonly keys?: TableKeys;
  /** At most this many typed attribute columns (keys not counted), the most frequent attributes first. */
  readonly maxColumns: number;
}

/** Longest column name: Glue and Athena take 255 characters; shorter reads better. */
const MAX_NAME_LENGTH = 128;

/**
 * A safe column name for an attribute: characters other than ASCII letters, digits and `_` become `_`, a
 * leading digit (or an empty name) gets `a_` in front, and the name is cut at 128 characters. Unique
 * case-insensitively (Athena and Glue fold case): a name already taken gets `_2`, `_3`, … . `_item` is ours.
 */
export function safeColumnName(attribute: string, taken: Set<string>): string {
  let base = attribute.replace(/[^A-Za-z0-9_]/g, '_');
  if (base === '' || /^[0-9]/.test(base)) base = `a_${base}`;
  base = base.slice(0, MAX_NAME_LENGTH);
  let name = base;
  for (let n = 2; taken.has(name.toLowerCase()); n++) name = `${base.slice(0, MAX_NAME_LENGTH - 8)}_${n}`;
  taken.add(name.toLowerCase());
  return name;
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether a DuckDB JSON path can name the attribute (DuckDB takes `*` as a wildcard, quoted or not). */
export function addressableByJsonPath(attribute: string): boolean {
  return !attribute.includes('*');
}

/**
 * Decides the columns: the keys first (always; refused when a key is missing from an item, or is not one of
 * S, N, B throughout), then every attribute with one consistent tag besides NULL, in attribute-name order
 * (code points), each N column followed by its DECIMAL twin when the values fit one, and `_item` last.
 */
export function decideColumns(input: MappingInput): ColumnSpec[] {
  const taken = new Set<string>([ITEM_COLUMN]);
  const columns: ColumnSpec[] = [];
  const keyNames = input.keys ? [input.keys.partitionKey, input.keys.sortKey].filter((k) => k !== undefined) : [];
  if (new Set(keyNames).size !== keyNames.length) throw new ColumnMappingError('the two keys are the same attribute');
  const add = (stats: AttributeStats, tag: DynamoTag, role: 'key' | 'attribute') => {
    columns.push({
      column: safeColumnName(stats.name, taken),
      attribute: stats.name,
      role,
      tag,
      type: COLUMN_TYPES[tag]!,
    });
    const scale = tag === 'N' ? decimalScale(stats) : undefined;
    if (scale !== undefined) {
      columns.push({
        column: safeColumnName(`${stats.name}_decimal`, taken),
        attribute: stats.name,
        role: 'decimal',
        tag,
        type: `DECIMAL(${MAX_DECIMAL_PRECISION},${scale})`,
        scale,
      });
    }
  };
  for (const key of keyNames) {
    if (!addressableByJsonPath(key)) {
      throw new ColumnMappingError(`key attribute "${key}" holds a "*", which DuckDB's JSON paths cannot address`);
    }
    if (input.itemCount === 0) {
      // An empty table: no value tells the key's type. A string column keeps the key in the schema.
      add({ name: key, tags: {} }, 'S', 'key');
      continue;
    }
    const stats = input.stats.get(key);
    const present = stats ? valueCount(stats) : 0;
    if (!stats || present < input.itemCount) {
      throw new ColumnMappingError(
        `key attribute "${key}" is missing from ${input.itemCount - present} of ${input.itemCount} items`,
      );
    }
    const tag = consistentTag(stats);
    if (tag !== 'S' && tag !== 'N' && tag !== 'B') {
      const found = Object.keys(stats.tags).join(', ');
      throw new ColumnMappingError(`key attribute "${key}" must be S, N or B in every item; found ${found}`);
    }
    add(stats, tag, 'key');
  }
  const typed = [...input.stats.values()]
    .filter((s) => !keyNames.includes(s.name))
    // DuckDB reads `*` in a JSON path as a wildcard even inside quotes: such attributes stay in `_item` only.
    .filter((s) => addressableByJsonPath(s.name))
    .filter((s) => {
      const tag = consistentTag(s);
      return tag !== 'mixed' && tag !== 'null';
    });
  const chosen =
    typed.length > input.maxColumns
      ? typed.sort((a, b) => valueCount(b) - valueCount(a) || compareNames(a.name, b.name)).slice(0, input.maxColumns)
      : typed;
  for (const stats of chosen.sort((a, b) => compareNames(a.name, b.name))) {
    add(stats, consistentTag(stats) as DynamoTag, 'attribute');
  }
  columns.push({ column: ITEM_COLUMN, role: 'item', type: 'JSON' });
  return columns;
}
