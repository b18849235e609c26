/**
 * The Glue Data Catalog tables of verified exports, pure: from an export's manifest and the Parquet schema of each
 * of its tables, the `TableInput`s that let Athena query the archive at once, with no crawler.
 *
 * Per source table (`database.schema.table`) two tables in the database `vaultpilot_archive`:
 *
 * - a **history table** `<type>_<resource>_<schema>_<table>` over every export of that table, partitioned by
 *   `snapshot_date` and `export_id` with partition projection (no partitions to add, ever):
 *     SELECT … FROM rds_prod_db_public_orders WHERE snapshot_date = '2026-11-20' AND export_id = 'vp-…'
 * - a **latest table** `<…>_latest`, unpartitioned, whose location is the folder of that table in the latest
 *   COMPLETE export: moved by each complete export of a newer snapshot, never by a partial export, never back to an
 *   older snapshot (the snapshot time is kept in a table parameter and compared).
 *
 * Names: Glue keeps names lower-case and Athena wants `[a-z0-9_]`, at most 255 characters. MySQL's schema is its
 * database (RDS writes `db/db.table/`), so the database is not repeated in the name; when two PostgreSQL databases
 * of one export hold the same `schema.table`, both names get the database (`<type>_<resource>_<database>_<schema>_
 * <table>`), and a name that is still ambiguous or too long gets a short hash of the source table. Every rule depends
 * on the export's own table list only, so the same source table keeps its name from one export to the next.
 */
import type { ExportManifest } from './exportManifest.js';

/** The Glue database every export is registered in. */
export const GLUE_DATABASE = 'vaultpilot_archive';

/** The two partition keys of a history table, in order. */
export const PARTITION_KEYS = { snapshotDate: 'snapshot_date', exportId: 'export_id' } as const;

/** Suffix of the latest table's name. */
export const LATEST_SUFFIX = '_latest';

/** Glue's limit on a table name. */
export const MAX_GLUE_NAME = 255;

/** Table parameters Vaultpilot writes (and reads back to decide whether a newer export may replace a table). */
export const TABLE_PARAMETERS = {
  managedBy: 'vaultpilot.managed_by',
  kind: 'vaultpilot.table_kind',
  target: 'vaultpilot.source_target',
  resource: 'vaultpilot.source_resource',
  manifest: 'vaultpilot.manifest',
  exportId: 'vaultpilot.export_id',
  snapshotTime: 'vaultpilot.snapshot_time',
  verifiedAt: 'vaultpilot.verified_at',
  result: 'vaultpilot.export_result',
} as const;

export const PARQUET_FORMAT = {
  serde: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
  inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
} as const;

/** Parquet's physical types. */
export type ParquetPhysicalType =
  | 'BOOLEAN'
  | 'INT32'
  | 'INT64'
  | 'INT96'
  | 'FLOAT'
  | 'DOUBLE'
  | 'BYTE_ARRAY'
  | 'FIXED_LEN_BYTE_ARRAY';

/** One top-level column of a Parquet file's schema, as the footer describes it. */
export interface ParquetColumn {
  readonly name: string;
  /** Absent for a group (nested column). */
  readonly physicalType?: ParquetPhysicalType;
  /** The legacy annotation: UTF8, DECIMAL, DATE, TIMESTAMP_MICROS, INT_8, … */
  readonly convertedType?: string;
  /** The newer annotation (`{ type: 'DECIMAL', precision, scale }`, `{ type: 'INTEGER', bitWidth, isSigned }`, …). */
  readonly logicalType?: {
    readonly type: string;
    readonly precision?: number;
    readonly scale?: number;
    readonly bitWidth?: number;
    readonly isSigned?: boolean;
    readonly unit?: string;
    readonly isAdjustedToUTC?: boolean;
  };
  /** DECIMAL's precision and scale when given by the converted type. */
  readonly precision?: number;
  readonly scale?: number;
  readonly repetition?: 'REQUIRED' | 'OPTIONAL' | 'REPEATED';
  /** Number of child fields (a group: struct, list, map). */
  readonly children?: number;
}

/** A Glue column (the SDK's `Column`). */
export interface GlueColumnInput {
  Name: string;
  Type: string;
  Comment?: string;
}

/** A Glue `TableInput`, as far as Vaultpilot fills it (structurally the SDK's type). */
export interface GlueTableInput {
  Name: string;
  Description: string;
  TableType: 'EXTERNAL_TABLE';
  Parameters: Record<string, string>;
  PartitionKeys: GlueColumnInput[];
  StorageDescriptor: {
    Columns: GlueColumnInput[];
    Location: string;
    InputFormat: string;
    OutputFormat: string;
    Compressed: boolean;
    SerdeInfo: { SerializationLibrary: string; Parameters: Record<string, string> };
  };
}

// ---------------------------------------------------------------------------------------------- column types

/** The Hive/Athena type of one Parquet column, with a comment when the mapping needs explaining. */
export interface HiveType {
  readonly type: string;
  readonly comment?: string;
  /** Something a person should know (the column may not read as expected). */
  readonly warning?: string;
}

/** Athena's (Hive's) largest decimal precision. */
const MAX_DECIMAL_PRECISION = 38;

function decimal(precision: number | undefined, scale: number | undefined, name: string): HiveType {
  const p = precision ?? MAX_DECIMAL_PRECISION;
  const s = scale ?? 0;
  if (p > MAX_DECIMAL_PRECISION) {
    return {
      type: `decimal(${MAX_DECIMAL_PRECISION},${Math.min(s, MAX_DECIMAL_PRECISION)})`,
      comment: `decimal(${p},${s}) in Parquet, wider than Athena's 38 digits`,
      warning: `column ${name}: decimal(${p},${s}) exceeds Athena's precision of 38; registered as decimal(38,${Math.min(s, 38)})`,
    };
  }
  return { type: `decimal(${p},${s})` };
}

function integer(bitWidth: number, signed: boolean, physical: ParquetPhysicalType | undefined): HiveType {
  if (signed) {
    if (bitWidth <= 8) return { type: 'tinyint' };
    if (bitWidth <= 16) return { type: 'smallint' };
    if (bitWidth <= 32) return { type: 'int' };
    return { type: 'bigint' };
  }
  // An unsigned value needs the next wider signed type; 64-bit unsigned has none in Athena.
  if (bitWidth <= 8) return { type: 'smallint', comment: 'unsigned 8-bit' };
  if (bitWidth <= 16) return { type: 'int', comment: 'unsigned 16-bit' };
  if (bitWidth <= 32 && physical === 'INT32') return { type: 'bigint', comment: 'unsigned 32-bit' };
  return { type: 'bigint', comment: 'unsigned 64-bit in Parquet: values above 2^63-1 read as negative numbers' };
}

const CONVERTED_INTEGERS: Record<string, [number, boolean]> = {
  INT_8: [8, true],
  INT_16: [16, true],
  INT_32: [32, true],
  INT_64: [64, true],
  UINT_8: [8, false],
  UINT_16: [16, false],
  UINT_32: [32, false],
  UINT_64: [64, false],
};

const STRING_ANNOTATIONS = new Set(['STRING', 'UTF8', 'JSON', 'ENUM']);

/** Maps one Parquet column to its Hive/Athena type (logical annotation first, then the legacy one, then physical). */
export function hiveTypeOf(column: ParquetColumn): HiveType {
  const { physicalType: physical, logicalType: logical, convertedType: converted } = column;
  const annotation = logical?.type ?? converted;
  if ((column.children ?? 0) > 0 || physical === undefined || column.repetition === 'REPEATED') {
    const kind =
      annotation === 'LIST' || column.repetition === 'REPEATED' ? 'list' : annotation === 'MAP' ? 'map' : 'struct';
    return {
      type: 'string',
      comment: `nested Parquet ${kind}: not mapped to an Athena type; read it with DuckDB or Spark`,
      warning: `column ${column.name} is a nested Parquet ${kind}; registered as string, which Athena cannot read`,
    };
  }
  if (logical?.type === 'DECIMAL' || converted === 'DECIMAL') {
    return decimal(logical?.precision ?? column.precision, logical?.scale ?? column.scale, column.name);
  }
  if (logical?.type === 'INTEGER' && (physical === 'INT32' || physical === 'INT64')) {
    return integer(logical.bitWidth ?? (physical === 'INT32' ? 32 : 64), logical.isSigned ?? true, physical);
  }
  if (converted && CONVERTED_INTEGERS[converted] && (physical === 'INT32' || physical === 'INT64')) {
    const [bits, signed] = CONVERTED_INTEGERS[converted];
    return integer(bits, signed, physical);
  }
  if (annotation === 'DATE' && physical === 'INT32') return { type: 'date' };
  if (
    (logical?.type === 'TIMESTAMP' || converted === 'TIMESTAMP_MILLIS' || converted === 'TIMESTAMP_MICROS') &&
    physical === 'INT64'
  ) {
    const unit = logical?.unit ?? (converted === 'TIMESTAMP_MILLIS' ? 'MILLIS' : 'MICROS');
    return {
      type: 'timestamp',
      ...(unit === 'NANOS' ? { comment: 'nanosecond timestamp in Parquet' } : {}),
    };
  }
  if (annotation === 'TIME' || annotation === 'TIME_MILLIS' || annotation === 'TIME_MICROS') {
    const unit = logical?.unit ?? (annotation === 'TIME_MILLIS' ? 'MILLIS' : 'MICROS');
    return {
      type: physical === 'INT32' ? 'int' : 'bigint',
      comment: `time of day in ${unit.toLowerCase()} since midnight`,
    };
  }
  switch (physical) {
    case 'BOOLEAN':
      return { type: 'boolean' };
    case 'INT32':
      return { type: 'int' };
    case 'INT64':
      return { type: 'bigint' };
    case 'INT96':
      return { type: 'timestamp' };
    case 'FLOAT':
      return { type: 'float' };
    case 'DOUBLE':
      return { type: 'double' };
    case 'BYTE_ARRAY':
      if (annotation && STRING_ANNOTATIONS.has(annotation)) {
        return annotation === 'JSON' ? { type: 'string', comment: 'JSON' } : { type: 'string' };
      }
      return annotation === 'BSON' ? { type: 'binary', comment: 'BSON' } : { type: 'binary' };
    case 'FIXED_LEN_BYTE_ARRAY':
      return annotation === 'UUID' ? { type: 'binary', comment: 'UUID (16 bytes)' } : { type: 'binary' };
  }
}

/** The Glue columns of a Parquet schema: names lower-cased as Glue keeps them, duplicates suffixed (with a warning). */
export function glueColumns(columns: readonly ParquetColumn[]): { columns: GlueColumnInput[]; warnings: string[] } {
  const warnings: string[] = [];
  const taken = new Set<string>();
  const out: GlueColumnInput[] = [];
  for (const column of columns) {
    const base = column.name.toLowerCase();
    let name = base;
    for (let n = 2; taken.has(name); n++) name = `${base}_${n}`;
    if (name !== base) {
      warnings.push(
        `column ${column.name} has the same lower-case name as an earlier column; registered as ${name} (Athena matches Parquet columns by name, so it may read as NULL)`,
      );
    }
    taken.add(name);
    const mapped = hiveTypeOf(column);
    if (mapped.warning) warnings.push(mapped.warning);
    out.push({ Name: name, Type: mapped.type, ...(mapped.comment ? { Comment: mapped.comment } : {}) });
  }
  return { columns: out, warnings };
}

// ---------------------------------------------------------------------------------------------- names

/** A name part as Glue and Athena want it: lower-case `[a-z0-9_]`, no leading/trailing/double underscores. */
export function glueNamePart(text: string): string {
  const part = text
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_+|_+$/g, '');
  return part === '' ? 'x' : part;
}

/** FNV-1a (32 bit) of `text`, as 8 hex digits: a short, stable tag for names. */
export function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/** Room for the latest suffix: a history name is never longer than this. */
const MAX_HISTORY_NAME = MAX_GLUE_NAME - LATEST_SUFFIX.length;

function fitted(name: string, target: string): string {
  if (name.length <= MAX_HISTORY_NAME) return name;
  const tag = `_${shortHash(target)}`;
  return `${name.slice(0, MAX_HISTORY_NAME - tag.length).replace(/_+$/, '')}${tag}`;
}

// ---------------------------------------------------------------------------------------------- manifest → tables

/** Where an export lies, from its manifest's root `exports/…/resource=<name>/date=<d>/<export id>/`. */
export interface ExportLocation {
  readonly bucket: string;
  /** `exports/account=…/region=…/type=…/resource=…` (no trailing slash). */
  readonly resourcePrefix: string;
  /** The `date=` partition of the key: the history table's `snapshot_date`. */
  readonly snapshotDate: string;
  /** The export's folder name: the history table's `export_id`. */
  readonly exportId: string;
  /** The manifest's root, with its trailing slash. */
  readonly root: string;
}

/** The export's location, or throws when the manifest's root does not follow the archive layout. */
export function exportLocation(manifest: ExportManifest): ExportLocation {
  const root = manifest.export.root.endsWith('/') ? manifest.export.root : `${manifest.export.root}/`;
  const match = /^(.+)\/date=([^/]+)\/([^/]+)\/$/.exec(root);
  if (!match) {
    throw new Error(`the manifest's root ${root} is not <prefix>/date=<yyyy-mm-dd>/<export id>/`);
  }
  return {
    bucket: manifest.export.bucket,
    resourcePrefix: match[1]!,
    snapshotDate: match[2]!,
    exportId: match[3]!,
    root,
  };
}

/** One source table of an export, located. */
export interface ExportedTable {
  /** `database.schema.table` as RDS names it (MySQL: `database.table` or `database.database.table`). */
  readonly target: string;
  readonly database: string;
  readonly schema: string;
  readonly table: string;
  /** `<database>/<schema>.<table>/`, relative to the export's root, exactly as RDS wrote it. */
  readonly folder: string;
  /** The first Parquet object: the one whose footer gives the schema. */
  readonly firstObjectKey: string;
  readonly complete: boolean;
  /** The history table's name; the latest table adds LATEST_SUFFIX. */
  readonly historyName: string;
  readonly latestName: string;
}

/** A table of the manifest that gets no Glue table, and why. */
export interface SkippedTable {
  readonly target: string;
  readonly reason: string;
}

/**
 * The manifest's tables that can be registered (those with Parquet objects), with their folder and Glue names.
 * Tables that RDS did not export (FAILED, SKIPPED) or that hold no object are skipped, with the reason.
 */
export function exportedTables(manifest: ExportManifest): { tables: ExportedTable[]; skipped: SkippedTable[] } {
  const location = exportLocation(manifest);
  const type = glueNamePart(manifest.source.resourceType);
  const resource = glueNamePart(manifest.source.resourceName);
  const skipped: SkippedTable[] = [];
  const located: Omit<ExportedTable, 'historyName' | 'latestName'>[] = [];
  for (const t of manifest.tables) {
    if (t.status !== 'COMPLETE') {
      skipped.push({ target: t.target, reason: `RDS reports the table ${t.status.toLowerCase()}` });
      continue;
    }
    const first = [...t.objects]
      .map((o) => o.key)
      .filter((k) => k.endsWith('.parquet'))
      .sort()[0];
    if (!first) {
      skipped.push({ target: t.target, reason: 'the table has no Parquet object (empty), so no schema to register' });
      continue;
    }
    const parts = first.startsWith(location.root) ? first.slice(location.root.length).split('/') : [];
    if (manifest.export.dynamodb) {
      // A DynamoDB export is one table: its Parquet parts are all under `<root>parquet/data/`.
      const folder = `${parts.slice(0, -1).join('/')}/`;
      if (parts.length < 2) {
        skipped.push({ target: t.target, reason: `${first} is not under <root>/parquet/data/` });
        continue;
      }
      located.push({
        target: t.target,
        database: '',
        schema: '',
        table: t.target,
        folder,
        firstObjectKey: first,
        complete: true,
      });
      continue;
    }
    const database = parts[0] ?? '';
    const schemaTable = parts[1] ?? '';
    const dot = schemaTable.indexOf('.');
    if (parts.length < 3 || database === '' || dot <= 0 || dot === schemaTable.length - 1) {
      skipped.push({ target: t.target, reason: `${first} is not under <root>/<database>/<schema>.<table>/` });
      continue;
    }
    located.push({
      target: t.target,
      database,
      schema: schemaTable.slice(0, dot),
      table: schemaTable.slice(dot + 1),
      folder: `${database}/${schemaTable}/`,
      firstObjectKey: first,
      complete: true,
    });
  }

  // Names: `<type>_<resource>_<schema>_<table>`; the database joins in when it tells apart two tables of the export.
  // A DynamoDB table is the resource itself: `dynamodb_<table>`.
  const short = (t: (typeof located)[number]) =>
    (t.schema === '' ? [type, resource] : [type, resource, t.schema, t.table]).map(glueNamePart).join('_');
  const long = (t: (typeof located)[number]) =>
    [type, resource, t.database, t.schema, t.table].map(glueNamePart).join('_');
  const count = (names: string[]) => names.reduce((m, n) => m.set(n, (m.get(n) ?? 0) + 1), new Map<string, number>());
  const shortCounts = count(located.map(short));
  let names = located.map((t) => fitted((shortCounts.get(short(t)) ?? 0) > 1 ? long(t) : short(t), t.target));
  // Still ambiguous (`a_b.c` and `a.b_c` both read `a_b_c`), or one table's history name is another's latest name:
  // tag those with a hash of their own target.
  const counts = count(names);
  const latestNames = new Set(names.map((n) => `${n}${LATEST_SUFFIX}`));
  names = names.map((n, i) => {
    if ((counts.get(n) ?? 0) === 1 && !latestNames.has(n)) return n;
    const target = located[i]!.target;
    return fitted(`${n.slice(0, MAX_HISTORY_NAME - 9)}_${shortHash(target)}`, target);
  });
  const tables = located.map((t, i) => ({ ...t, historyName: names[i]!, latestName: `${names[i]!}${LATEST_SUFFIX}` }));
  return { tables, skipped };
}

/** The Glue tables of one source table of an export. */
export interface TableRegistration {
  readonly table: ExportedTable;
  readonly history: GlueTableInput;
  /** Only for a complete export: the latest table pointing at this export. */
  readonly latest?: GlueTableInput;
  readonly warnings: readonly string[];
}

function storage(columns: GlueColumnInput[], location: string): GlueTableInput['StorageDescriptor'] {
  return {
    Columns: columns,
    Location: location,
    InputFormat: PARQUET_FORMAT.inputFormat,
    OutputFormat: PARQUET_FORMAT.outputFormat,
    Compressed: true,
    SerdeInfo: { SerializationLibrary: PARQUET_FORMAT.serde, Parameters: { 'serialization.format': '1' } },
  };
}

/**
 * The Glue tables of every registrable table of `manifest`, given the Parquet schema of each (by target). A table
 * whose schema is missing is skipped.
 */
export function buildTableInputs(
  manifest: ExportManifest,
  schemas: ReadonlyMap<string, readonly ParquetColumn[]>,
): { registrations: TableRegistration[]; skipped: SkippedTable[] } {
  const location = exportLocation(manifest);
  const { tables, skipped } = exportedTables(manifest);
  const manifestUri = `s3://${location.bucket}/${location.root}vaultpilot-manifest.json`;
  const complete = manifest.result === 'complete';
  const common = (kind: 'history' | 'latest', table: ExportedTable): Record<string, string> => ({
    classification: 'parquet',
    EXTERNAL: 'TRUE',
    [TABLE_PARAMETERS.managedBy]: 'vaultpilot',
    [TABLE_PARAMETERS.kind]: kind,
    [TABLE_PARAMETERS.target]: table.target,
    [TABLE_PARAMETERS.resource]: `${manifest.source.resourceType}/${manifest.source.resourceName} (${manifest.source.account}, ${manifest.source.region})`,
    [TABLE_PARAMETERS.manifest]: manifestUri,
    [TABLE_PARAMETERS.exportId]: location.exportId,
    ...(manifest.source.snapshotTime ? { [TABLE_PARAMETERS.snapshotTime]: manifest.source.snapshotTime } : {}),
    [TABLE_PARAMETERS.verifiedAt]: manifest.export.verifiedAt,
    [TABLE_PARAMETERS.result]: manifest.result,
  });
  const registrations: TableRegistration[] = [];
  for (const table of tables) {
    const schema = schemas.get(table.target);
    if (!schema) {
      skipped.push({ target: table.target, reason: 'no Parquet schema was read for the table' });
      continue;
    }
    const { columns, warnings } = glueColumns(schema);
    const base = `s3://${location.bucket}/${location.resourcePrefix}/`;
    const template = `${base}date=\${${PARTITION_KEYS.snapshotDate}}/\${${PARTITION_KEYS.exportId}}/${table.folder}`;
    const history: GlueTableInput = {
      Name: table.historyName,
      Description: `Every Vaultpilot export of ${table.target} (${manifest.source.resourceType} ${manifest.source.resourceName}); filter on ${PARTITION_KEYS.snapshotDate} and ${PARTITION_KEYS.exportId}.`,
      TableType: 'EXTERNAL_TABLE',
      Parameters: {
        ...common('history', table),
        // Injected projection: Athena takes both partition values from the query's WHERE clause and reads exactly
        // that one folder. A `date` range × an `enum` of export ids would instead make Athena list every
        // combination (years of days × every export id ever made) and probe thousands of empty S3 locations per
        // query, and the enum would have to be rewritten after each export. The price: a query must name both keys.
        'projection.enabled': 'true',
        [`projection.${PARTITION_KEYS.snapshotDate}.type`]: 'injected',
        [`projection.${PARTITION_KEYS.exportId}.type`]: 'injected',
        'storage.location.template': template,
      },
      PartitionKeys: [
        { Name: PARTITION_KEYS.snapshotDate, Type: 'string', Comment: 'the date= folder of the export (yyyy-mm-dd)' },
        { Name: PARTITION_KEYS.exportId, Type: 'string', Comment: 'the export task identifier (vp-…)' },
      ],
      StorageDescriptor: storage(columns, base),
    };
    const latest: GlueTableInput | undefined = complete
      ? {
          Name: table.latestName,
          Description: `${table.target} (${manifest.source.resourceType} ${manifest.source.resourceName}) as of the latest complete Vaultpilot export.`,
          TableType: 'EXTERNAL_TABLE',
          Parameters: common('latest', table),
          PartitionKeys: [],
          StorageDescriptor: storage(columns, `s3://${location.bucket}/${location.root}${table.folder}`),
        }
      : undefined;
    registrations.push({ table, history, ...(latest ? { latest } : {}), warnings });
  }
  return { registrations, skipped };
}

/**
 * Whether a table built from one export (its parameters) may replace the table in the catalog (its parameters):
 * a newer snapshot wins; for the same snapshot (or when a snapshot time is missing), the later verification. A
 * table Vaultpilot did not write (no verification time) is replaced. The history table follows the same rule for
 * its columns, so a late export of an older snapshot does not bring back an old schema.
 */
export function replacesTable(
  candidate: Readonly<Record<string, string>>,
  current: Readonly<Record<string, string>> | undefined,
): boolean {
  const currentVerified = current?.[TABLE_PARAMETERS.verifiedAt];
  if (!current || !currentVerified) return true;
  const a = Date.parse(candidate[TABLE_PARAMETERS.snapshotTime] ?? '');
  const b = Date.parse(current[TABLE_PARAMETERS.snapshotTime] ?? '');
  if (Number.isFinite(a) && Number.isFinite(b) && a !== b) return a > b;
  return (candidate[TABLE_PARAMETERS.verifiedAt] ?? '') >= currentVerified;
}
