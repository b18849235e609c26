/**
 * The S3 layout of an RDS export and the two JSON summary files RDS writes beside the data. Field names follow the
 * files RDS writes (and the tools that read them): `export_info_<id>.json` carries the task in camelCase,
 * `export_tables_info_<id>_from_1_to_<N>.json` a `perTableStatus` entry per table. See docs/sandbox.md.
 */
import type { SourceTable } from './exportSource.js';

export type TableExportStatus = 'COMPLETE' | 'FAILED' | 'SKIPPED';

/** One `perTableStatus` entry. */
export interface PerTableStatus {
  readonly tableStatistics?: {
    readonly extractionStartTime: string;
    readonly extractionEndTime: string;
    readonly partitioningInfo: { readonly numberOfPartitions: number; readonly numberOfCompletedPartitions: number };
  };
  readonly schemaMetadata: {
    readonly originalTypeMappings: readonly {
      readonly columnName: string;
      readonly originalType: string;
      readonly expectedExportedType: string;
      readonly originalCharMaxLength: number;
      readonly originalNumPrecision: number;
      readonly originalDateTimePrecision: number;
    }[];
  };
  readonly status: TableExportStatus;
  readonly sizeGB: number;
  /** `database.schema.table` (MySQL/MariaDB: `database.database.table`). */
  readonly target: string;
  readonly warningMessage?: string;
  readonly failureCause?: string;
}

export const BYTES_PER_GB = 1024 ** 3;

/** `<S3Prefix>/<ExportTaskIdentifier>` (no leading or trailing slash); the prefix may be empty. */
export function exportRoot(s3Prefix: string, identifier: string): string {
  const prefix = s3Prefix.replace(/^\/+|\/+$/g, '');
  return prefix === '' ? identifier : `${prefix}/${identifier}`;
}

/** `<root>/<database>/<schema>.<table>/1/part-00000-<uuid>.gz.parquet`. */
export function tableObjectKey(root: string, database: string, table: SourceTable, uuid: string): string {
  return `${root}/${database}/${table.schema}.${table.table}/1/part-00000-${uuid}.gz.parquet`;
}

export function exportInfoKey(root: string, identifier: string): string {
  return `${root}/export_info_${identifier}.json`;
}

export function tablesInfoKey(root: string, identifier: string, tableCount: number): string {
  return `${root}/export_tables_info_${identifier}_from_1_to_${tableCount}.json`;
}

export function tableStatus(
  database: string,
  table: SourceTable,
  status: TableExportStatus,
  details: {
    readonly started?: Date;
    readonly ended?: Date;
    readonly bytes?: number;
    readonly warningMessage?: string;
    readonly failureCause?: string;
  },
): PerTableStatus {
  return {
    ...(details.started && details.ended
      ? {
          tableStatistics: {
            extractionStartTime: details.started.toISOString(),
            extractionEndTime: details.ended.toISOString(),
            partitioningInfo: {
              numberOfPartitions: 1,
              numberOfCompletedPartitions: status === 'COMPLETE' ? 1 : 0,
            },
          },
        }
      : {}),
    schemaMetadata: {
      originalTypeMappings: table.columns.map((c) => ({
        columnName: c.name,
        originalType: c.originalType,
        expectedExportedType: c.exportedType,
        originalCharMaxLength: c.charMaxLength,
        originalNumPrecision: c.numPrecision,
        originalDateTimePrecision: c.dateTimePrecision,
      })),
    },
    status,
    sizeGB: (details.bytes ?? 0) / BYTES_PER_GB,
    target: `${database}.${table.schema}.${table.table}`,
    ...(details.warningMessage === undefined ? {} : { warningMessage: details.warningMessage }),
    ...(details.failureCause === undefined ? {} : { failureCause: details.failureCause }),
  };
}

/** The content of `export_info_<id>.json`. */
export interface ExportInfo {
  readonly exportTaskIdentifier: string;
  readonly sourceArn: string;
  readonly exportOnly: readonly string[];
  readonly snapshotTime: string;
  readonly taskStartTime: string;
  readonly taskEndTime: string;
  readonly s3Bucket: string;
  readonly s3Prefix: string;
  /** Where the data lies, relative to the bucket: `<S3Prefix>/<ExportTaskIdentifier>`. */
  readonly exportedFilesPath: string;
  readonly iamRoleArn: string;
  readonly kmsKeyId: string;
  readonly status: 'COMPLETE';
  readonly percentProgress: 100;
  readonly totalExportedDataInGB: number;
  readonly warningMessage?: string;
  readonly sourceType: 'SNAPSHOT' | 'CLUSTER';
}
