/**
 * Verification of an RDS export, pure: RDS's own per-table status files and the objects that are really in the
 * bucket must agree before an export counts. A task that says COMPLETE proves nothing by itself (public
 * recipes reported "export succeeded" over an empty bucket), so:
 *
 * - at least one `export_tables_info_*.json` must exist and list at least one table;
 * - every table it lists as COMPLETE must have Parquet objects under `<database>/<schema>.<table>/`, each
 *   ending in Parquet's magic bytes (checked by the caller, reported here as `validParquet`);
 * - tables listed as SKIPPED or FAILED make the export partial: they are named as warnings, and a partial
 *   export is never followed by deletion of the recovery point.
 *
 * A COMPLETE table without objects is accepted only when RDS reports it empty (no data extracted); otherwise the
 * export is not verified.
 */
import * as z from 'zod';

/** One entry of `perTableStatus` in RDS's `export_tables_info_*.json`, as far as verification needs it. */
const tableStatusSchema = z
  .object({
    target: z.string(),
    status: z.string(),
    sizeGB: z.number().optional(),
    warningMessage: z.string().optional(),
    failureCause: z.string().optional(),
    tableStatistics: z
      .object({
        extractionStartTime: z.string().optional(),
        extractionEndTime: z.string().optional(),
      })
      .loose()
      .optional(),
  })
  .loose();
export type TableStatus = z.infer<typeof tableStatusSchema>;

const tablesInfoSchema = z.object({ perTableStatus: z.array(tableStatusSchema) }).loose();

/** An object found under the export's prefix. */
export interface ExportObject {
  /** Full S3 key. */
  readonly key: string;
  readonly size: number;
  readonly etag?: string;
  /** Whether its last bytes are Parquet's magic `PAR1` (undefined: not checked, e.g. not a Parquet key). */
  readonly validParquet?: boolean;
}

/** One table as verified, with its objects (kept in the manifest). */
export interface VerifiedTable {
  readonly target: string;
  readonly status: string;
  readonly objects: readonly ExportObject[];
  readonly bytes: number;
  readonly sizeGB?: number;
  readonly problem?: string;
}

/** The full verification result. */
export interface RdsExportVerification {
  readonly complete: boolean;
  /** Why the export cannot be trusted at all (then no manifest, cleanup runs). */
  readonly failure?: string;
  readonly tables: readonly VerifiedTable[];
  readonly warnings: readonly string[];
  readonly infoFiles: readonly string[];
  readonly objects: number;
  readonly bytes: number;
}

/** Whether `key` is one of RDS's per-table status files. */
export function isTablesInfoKey(key: string): boolean {
  return /(^|\/)export_tables_info_[^/]*\.json$/.test(key);
}

/** Whether `key` is RDS's export summary file. */
export function isExportInfoKey(key: string): boolean {
  return /(^|\/)export_info_[^/]*\.json$/.test(key);
}

/** Whether `key` holds table data. */
export function isParquetKey(key: string): boolean {
  return key.endsWith('.parquet');
}

/** Parses one `export_tables_info_*.json` file's text; throws with the reason when it is not one. */
export function parseTablesInfo(text: string, key: string): TableStatus[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${key} is not JSON: ${(error as Error).message}`);
  }
  const parsed = tablesInfoSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${key} has no perTableStatus list of tables`);
  return parsed.data.perTableStatus;
}

/** The table (`database.schema.table`) an object key under `root` belongs to, by RDS's folder layout. */
export function tableFolderOf(root: string, key: string): { database: string; table: string } | undefined {
  if (!key.startsWith(root)) return undefined;
  const parts = key.slice(root.length).split('/');
  if (parts.length < 3) return undefined;
  return { database: parts[0] ?? '', table: parts[1] ?? '' };
}

function belongsTo(target: string, folder: { database: string; table: string }): boolean {
  const full = `${folder.database}.${folder.table}`;
  // PostgreSQL: target db.schema.table, folder db/schema.table. MySQL: the folder is db/db.table and the target
  // names the table either way; accept both spellings rather than guess which one RDS uses.
  return full === target || folder.table === target || full === `${folder.database}.${target}`;
}

const MAX_WARNINGS = 50;

/**
 * Verifies an export from its status files (parsed) and the objects under `root` (`<S3Prefix>/<export id>/`).
 * `root` must end with `/`.
 */
export function verifyRdsExport(
  root: string,
  infoFiles: readonly { key: string; tables: readonly TableStatus[] }[],
  objects: readonly ExportObject[],
): RdsExportVerification {
  const parquet = objects.filter((o) => isParquetKey(o.key));
  const totals = { objects: objects.length, bytes: objects.reduce((sum, o) => sum + o.size, 0) };
  const infoKeys = infoFiles.map((f) => f.key);
  if (infoFiles.length === 0) {
    return fail(
      objects.length === 0
        ? 'the export task said COMPLETE but wrote nothing under its prefix: no status files, no Parquet'
        : 'the export wrote no export_tables_info_*.json, so which tables it holds cannot be checked',
    );
  }
  const statuses = infoFiles.flatMap((f) => f.tables);
  if (statuses.length === 0) return fail('the status files list no table: nothing was exported');

  const warnings: string[] = [];
  const problems: string[] = [];
  const tables: VerifiedTable[] = statuses.map((status) => {
    const own = parquet.filter((o) => {
      const folder = tableFolderOf(root, o.key);
      return folder !== undefined && belongsTo(status.target, folder);
    });
    const bytes = own.reduce((sum, o) => sum + o.size, 0);
    const base = { target: status.target, status: status.status, objects: own, bytes, sizeGB: status.sizeGB };
    if (status.status !== 'COMPLETE') {
      const why = status.failureCause ?? status.warningMessage;
      warnings.push(`table ${status.target} ${status.status.toLowerCase()}${why ? `: ${why}` : ''}`);
      return base;
    }
    const broken = own.filter((o) => o.validParquet === false || o.size === 0);
    if (broken.length > 0) {
      const problem = `${broken.length} of its Parquet objects are not Parquet (${broken[0]?.key})`;
      problems.push(`table ${status.target}: ${problem}`);
      return { ...base, problem };
    }
    if (own.length === 0 && (status.sizeGB ?? 0) > 0) {
      const problem = `RDS reports ${status.sizeGB} GB extracted, but no Parquet object is in the bucket`;
      problems.push(`table ${status.target}: ${problem}`);
      return { ...base, problem };
    }
    if (own.length === 0) warnings.push(`table ${status.target} is empty: RDS wrote no Parquet for it`);
    return base;
  });
  const complete = problems.length === 0 && tables.every((t) => t.status === 'COMPLETE');
  return {
    complete,
    ...(problems.length > 0 ? { failure: problems.slice(0, 5).join('; ') } : {}),
    tables,
    warnings: warnings.slice(0, MAX_WARNINGS),
    infoFiles: infoKeys,
    ...totals,
  };

  function fail(failure: string): RdsExportVerification {
    return { complete: false, failure, tables: [], warnings: [], infoFiles: infoKeys, ...totals };
  }
}
