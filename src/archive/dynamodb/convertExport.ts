/**
 * `convert dynamodb`: a DynamoDB export (DYNAMODB_JSON) to typed, lossless Parquet (docs/dynamodb.md).
 * Pass 1 verifies every data file (md5 of its bytes, its item count) and gathers the type statistics of every
 * top-level attribute, several files at a time on DuckDB; pass 2 writes one zstd Parquet file per data file
 * with the typed columns and the complete item in `_item`; the Vaultpilot manifest is written last. Memory is
 * bounded by DuckDB's streaming and the number of files in flight, never by the table's size.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import {
  type AttributeStats,
  type DynamoTag,
  isDynamoTag,
  mergeInto,
  mergeStats,
} from '../../core/dynamodb/attributeTypes.js';
import {
  ColumnMappingError,
  type ColumnSpec,
  decideColumns,
  type TableKeys,
} from '../../core/dynamodb/columnMapping.js';
import { NUMBER_MACROS, statisticsQuery, toParquetStatement } from '../../core/dynamodb/dynamoSql.js';
import {
  dataFileName,
  type ExportDataFile,
  ExportManifestError,
  type ExportSummary,
  MANIFEST_FORMAT,
  MANIFEST_FORMAT_VERSION,
  PARQUET_COLUMNS_KEY,
  parseExportDataFiles,
  parseExportSummary,
  parseTableSidecar,
  partKey,
  TABLE_SIDECAR,
  VAULTPILOT_MANIFEST,
  type VaultpilotDynamoManifest,
} from '../../core/dynamodb/manifests.js';
import { type ConvertLocation, digestFile, type LocalCopy } from './ConvertLocation.js';
import { type DuckDbSettings, openDuckPool, runOnPool } from './duckdbPool.js';
import { DataFileMismatchError, DynamoConversionError } from './errors.js';

/** Progress of a conversion, after each file. */
export interface ConvertProgress {
  readonly phase: 'verify' | 'convert';
  readonly filesDone: number;
  readonly files: number;
  readonly items: number;
  /** Bytes of input (.gz or Parquet) done. */
  readonly bytes: number;
}

export interface ConvertExportOptions {
  /** The export: its `AWSDynamoDB/<ExportId>/` folder, or a folder holding exactly one `AWSDynamoDB/<id>/`. */
  readonly source: ConvertLocation;
  readonly destination: ConvertLocation;
  /** The table's keys; default: the export's vaultpilot-table.json sidecar, else none. */
  readonly keys?: TableKeys;
  /** Data files in flight. */
  readonly concurrency: number;
  /** Typed attribute columns at most (the most frequent first). @default 1000 */
  readonly maxColumns?: number;
  readonly duckdb?: DuckDbSettings;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: ConvertProgress) => void;
  readonly now?: () => Date;
}

export interface ConvertExportResult {
  readonly manifest: VaultpilotDynamoManifest;
  readonly inputBytes: number;
  readonly outputBytes: number;
}

/** The export folder at or under `source`, and its path relative to `source` ('' for `source` itself). */
export async function locateExportFolder(source: ConvertLocation): Promise<{ folder: ConvertLocation; path: string }> {
  if ((await source.readText('manifest-summary.json')) !== undefined) return { folder: source, path: '' };
  const ids = await source.subfolders('AWSDynamoDB');
  const withSummary: string[] = [];
  for (const id of ids) {
    if ((await source.readText(`AWSDynamoDB/${id}/manifest-summary.json`)) !== undefined) withSummary.push(id);
  }
  if (withSummary.length === 1) {
    const path = `AWSDynamoDB/${withSummary[0]}`;
    return { folder: source.child(path), path };
  }
  if (withSummary.length > 1) {
    throw new DynamoConversionError(
      `${source.location} holds ${withSummary.length} exports (${withSummary.join(', ')}); name one: ${source.location}/AWSDynamoDB/<ExportId>`,
      'usage',
    );
  }
  throw new DynamoConversionError(
    `${source.location}: no DynamoDB export here (no manifest-summary.json, nor AWSDynamoDB/<ExportId>/manifest-summary.json)`,
  );
}

/** Finds the export folder (the one with manifest-summary.json) at or under `source`. */
export async function resolveExportFolder(source: ConvertLocation): Promise<ConvertLocation> {
  return (await locateExportFolder(source)).folder;
}

/** A read and validated export. */
export interface ReadExport {
  readonly folder: ConvertLocation;
  /** The folder's path relative to the source ('' for the source itself). */
  readonly path: string;
  readonly summary: ExportSummary;
  readonly files: readonly ExportDataFile[];
  readonly keys?: TableKeys;
}

/** Reads and validates the export's manifests; the keys default to the table sidecar. */
export async function readExport(source: ConvertLocation, keys: TableKeys | undefined): Promise<ReadExport> {
  const { folder, path } = await locateExportFolder(source);
  try {
    const summary = parseExportSummary((await folder.readText('manifest-summary.json'))!);
    const filesText = await folder.readText('manifest-files.json');
    if (filesText === undefined) throw new ExportManifestError(`${folder.location}: manifest-files.json is missing`);
    const files = parseExportDataFiles(filesText);
    const listed = files.reduce((n, f) => n + f.itemCount, 0);
    if (listed !== summary.itemCount) {
      throw new ExportManifestError(
        `manifest-files.json lists ${listed} items, manifest-summary.json says ${summary.itemCount}`,
      );
    }
    const sidecar = keys ? undefined : await folder.readText(TABLE_SIDECAR);
    const tableKeys = keys ?? (sidecar === undefined ? undefined : parseTableSidecar(sidecar));
    return { folder, path, summary, files, ...(tableKeys ? { keys: tableKeys } : {}) };
  } catch (error) {
    if (error instanceof ExportManifestError)
      throw new DynamoConversionError(error.message, 'failed', { cause: error });
    throw error;
  }
}

function statsOfRows(rows: Record<string, unknown>[]): { items: number; stats: AttributeStats[] } {
  let items = 0;
  const byName = new Map<string, AttributeStats>();
  for (const row of rows) {
    const count = Number(row.n);
    if (row.name === null) {
      items = count;
      continue;
    }
    const name = String(row.name);
    const tag = String(row.tag);
    if (!isDynamoTag(tag)) throw new Error(`attribute "${name}" has a value typed "${tag}", not DynamoDB JSON`);
    const stats: AttributeStats = {
      name,
      tags: { [tag]: count } as Partial<Record<DynamoTag, number>>,
      ...(row.max_scale === null ? {} : { maxScale: Number(row.max_scale) }),
      ...(row.max_int === null ? {} : { maxIntegerDigits: Number(row.max_int) }),
    };
    const known = byName.get(name);
    byName.set(name, known ? mergeStats(known, stats) : stats);
  }
  return { items, stats: [...byName.values()] };
}

export function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Refuses a destination that already holds a Vaultpilot manifest. */
export async function refuseConverted(destination: ConvertLocation): Promise<void> {
  if ((await destination.readText(VAULTPILOT_MANIFEST)) !== undefined) {
    throw new DynamoConversionError(`${destination.location} already holds ${VAULTPILOT_MANIFEST}`, 'usage');
  }
}

/** A local copy of a data file of the export folder; a failure to read it is the file's mismatch. */
export function copyDataFile(folder: ConvertLocation, file: ExportDataFile): Promise<LocalCopy> {
  return folder.localCopy(`data/${dataFileName(file.dataFileS3Key)}`).catch((error) => {
    throw new DataFileMismatchError(file.dataFileS3Key, `cannot be read: ${message(error)}`, { cause: error });
  });
}

/** Pass 1 on one data file: md5 and item count against the manifest, and the attribute statistics. */
export async function scanFile(
  connection: DuckDBConnection,
  file: ExportDataFile,
  copy: LocalCopy,
): Promise<{ stats: AttributeStats[]; bytes: number }> {
  const name = file.dataFileS3Key;
  const digest = digestFile(copy.path, ['md5']);
  let rows: Record<string, unknown>[];
  try {
    rows = (await connection.runAndReadAll(statisticsQuery(copy.path))).getRowObjects() as Record<string, unknown>[];
  } catch (error) {
    const d = await digest.catch(() => undefined);
    if (d && d.md5.toString('base64') !== file.md5Checksum) {
      throw new DataFileMismatchError(
        name,
        `md5 ${d.md5.toString('base64')} is not the manifest's ${file.md5Checksum}`,
      );
    }
    throw new DataFileMismatchError(name, `cannot be read as DynamoDB JSON: ${message(error)}`, { cause: error });
  }
  const d = await digest;
  if (d.md5.toString('base64') !== file.md5Checksum) {
    throw new DataFileMismatchError(name, `md5 ${d.md5.toString('base64')} is not the manifest's ${file.md5Checksum}`);
  }
  let result: { items: number; stats: AttributeStats[] };
  try {
    result = statsOfRows(rows);
  } catch (error) {
    throw new DataFileMismatchError(name, message(error));
  }
  if (result.items !== file.itemCount) {
    throw new DataFileMismatchError(name, `holds ${result.items} items, the manifest says ${file.itemCount}`);
  }
  return { stats: result.stats, bytes: d.bytes };
}

/** The column mapping of the export from its merged statistics. */
export function columnsOf(
  stats: ReadonlyMap<string, AttributeStats>,
  itemCount: number,
  keys: TableKeys | undefined,
  maxColumns: number | undefined,
): ColumnSpec[] {
  try {
    return decideColumns({ stats, itemCount, ...(keys ? { keys } : {}), maxColumns: maxColumns ?? 1000 });
  } catch (error) {
    if (error instanceof ColumnMappingError) throw new DynamoConversionError(error.message, 'failed', { cause: error });
    throw error;
  }
}

/** An entry of the manifest's `files`. */
export type PartFile = VaultpilotDynamoManifest['files'][number];

/** The Parquet key-value metadata of every part. */
export function partMetadata(columns: readonly ColumnSpec[]): Record<string, string> {
  return { [PARQUET_COLUMNS_KEY]: JSON.stringify(columns), 'vaultpilot.format': MANIFEST_FORMAT };
}

/** Pass 2 on one data file: its Parquet part `partKey(index)`, row count checked, committed. */
export async function convertFile(
  connection: DuckDBConnection,
  destination: ConvertLocation,
  file: ExportDataFile,
  index: number,
  copy: LocalCopy,
  columns: readonly ColumnSpec[],
  metadata: Record<string, string>,
): Promise<PartFile> {
  const key = partKey(index);
  const staged = await destination.stage(key);
  try {
    const reader = await connection.runAndReadAll(toParquetStatement(copy.path, staged.path, columns, metadata));
    const rows = Number(reader.getRows()[0]?.[0]);
    if (rows !== file.itemCount) {
      throw new DataFileMismatchError(
        file.dataFileS3Key,
        `converted to ${rows} rows, the manifest says ${file.itemCount}`,
      );
    }
    const digest = await digestFile(staged.path, ['sha256']);
    await staged.commit();
    return { key, rows, bytes: digest.bytes, sha256: digest.sha256.toString('hex'), input: file.dataFileS3Key };
  } catch (error) {
    await staged.discard().catch(() => {});
    if (error instanceof DynamoConversionError) throw error;
    throw new DynamoConversionError(`${file.dataFileS3Key}: conversion failed: ${message(error)}`, 'failed', {
      cause: error,
    });
  }
}

/** The Vaultpilot manifest of a converted export. */
export function buildManifest(o: {
  readonly location: string;
  readonly summary: ExportSummary;
  readonly keys?: TableKeys;
  readonly inputs: readonly ExportDataFile[];
  readonly columns: readonly ColumnSpec[];
  readonly files: readonly PartFile[];
  readonly createdAt: Date;
}): VaultpilotDynamoManifest {
  const s = o.summary;
  return {
    format: MANIFEST_FORMAT,
    formatVersion: MANIFEST_FORMAT_VERSION,
    createdAt: o.createdAt.toISOString(),
    source: {
      location: o.location,
      ...(s.exportArn ? { exportArn: s.exportArn } : {}),
      ...(s.tableArn ? { tableArn: s.tableArn } : {}),
      ...(s.exportTime ? { exportTime: s.exportTime } : {}),
      ...(s.startTime ? { startTime: s.startTime } : {}),
      ...(s.endTime ? { endTime: s.endTime } : {}),
    },
    ...(o.keys ? { keys: o.keys } : {}),
    itemCount: s.itemCount,
    columns: o.columns,
    inputs: o.inputs.map((f) => ({
      dataFileS3Key: f.dataFileS3Key,
      md5Checksum: f.md5Checksum,
      itemCount: f.itemCount,
    })),
    files: o.files,
  };
}

/** Writes the manifest (last). */
export async function writeManifest(destination: ConvertLocation, manifest: VaultpilotDynamoManifest): Promise<void> {
  await destination.writeText(VAULTPILOT_MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`);
}

/** Converts a DynamoDB export; the Vaultpilot manifest is written only after every Parquet file is committed. */
export async function convertDynamoDbExport(options: ConvertExportOptions): Promise<ConvertExportResult> {
  const { destination, signal, onProgress } = options;
  const exp = await readExport(options.source, options.keys);
  await refuseConverted(destination);
  const concurrency = Math.max(1, Math.min(options.concurrency, exp.files.length || 1));
  const pool = await openDuckPool(concurrency, options.duckdb ?? {}, NUMBER_MACROS);
  const copies: (LocalCopy | undefined)[] = new Array(exp.files.length);
  const sizes: number[] = new Array(exp.files.length).fill(0);
  let inputBytes = 0;
  try {
    // Pass 1: verify and gather statistics.
    const merged = new Map<string, AttributeStats>();
    let done = 0;
    let items = 0;
    await runOnPool(
      pool,
      exp.files,
      async (file, index, connection) => {
        const copy = await copyDataFile(exp.folder, file);
        copies[index] = copy;
        const scanned = await scanFile(connection, file, copy);
        mergeInto(merged, scanned.stats);
        inputBytes += scanned.bytes;
        sizes[index] = scanned.bytes;
        items += file.itemCount;
        onProgress?.({ phase: 'verify', filesDone: ++done, files: exp.files.length, items, bytes: inputBytes });
      },
      signal,
    );
    const columns = columnsOf(merged, exp.summary.itemCount, exp.keys, options.maxColumns);
    // Pass 2: one Parquet file per data file.
    const metadata = partMetadata(columns);
    done = 0;
    items = 0;
    let bytes = 0;
    const files = await runOnPool(
      pool,
      exp.files,
      async (file, index, connection) => {
        const part = await convertFile(connection, destination, file, index, copies[index]!, columns, metadata);
        await copies[index]!.release();
        copies[index] = undefined;
        items += part.rows;
        bytes += sizes[index]!;
        onProgress?.({ phase: 'convert', filesDone: ++done, files: exp.files.length, items, bytes });
        return part;
      },
      signal,
    );
    const manifest = buildManifest({
      location: exp.folder.location,
      summary: exp.summary,
      ...(exp.keys ? { keys: exp.keys } : {}),
      inputs: exp.files,
      columns,
      files,
      createdAt: options.now?.() ?? new Date(),
    });
    await writeManifest(destination, manifest);
    return { manifest, inputBytes, outputBytes: files.reduce((n, f) => n + f.bytes, 0) };
  } finally {
    pool.close();
    await Promise.all(copies.map((c) => c?.release().catch(() => {})));
  }
}
