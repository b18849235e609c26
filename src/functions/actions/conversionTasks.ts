/**
 * The conversion Tasks of the DynamoDB branch: a finished table export (DynamoDB JSON in the archive bucket) to
 * lossless Parquet next to it, as parallel workers — Plan conversion splits the export's data files into batches,
 * the Map states run Scan batch (verify every file against DynamoDB's manifest, gather the type statistics) and
 * Convert batch (Parquet) once per batch, Choose columns and Finish conversion join them; the Vaultpilot manifest
 * of the Parquet is written last (src/archive/dynamodb/convertInBatches.ts). Every step keeps its state in the
 * archive bucket, so each is idempotent and a retried Lambda redoes only its own batch. These Tasks run DuckDB: on
 * AWS they are the container-image function (docker/actions/Dockerfile).
 */

import type { ConvertLocation } from '../../archive/dynamodb/ConvertLocation.js';
import {
  chooseColumns as chooseColumnsOf,
  convertBatch,
  type DuckDbSettings,
  DynamoConversionError,
  finishConversion as finishConversionOf,
  planConversion as planConversionOf,
  scanBatch,
} from '../../archive/dynamodb/index.js';
import { actionErrorOf } from '../../aws/export/awsErrors.js';
import {
  ACTION_ERRORS,
  ActionError,
  type ConversionPlan,
  type ConversionTask,
  type ExportState,
  type VerificationSummary,
} from '../../core/actions/exportWorkflow.js';
import { dynamoDbPrefixes } from './dynamoDbTasks.js';
import { parseState } from './exportTasks.js';

/** What the conversion Tasks work with. */
export interface ConversionDependencies {
  /** The archive bucket's objects under a key prefix, as the converter reads and writes them. */
  location(prefix: string): ConvertLocation;
  /** Data files in flight within one batch (each on its own DuckDB connection). */
  readonly concurrency: number;
  readonly duckdb?: DuckDbSettings;
  /** Compressed bytes of data files per batch. @default the converter's (512 MiB) */
  readonly targetBatchBytes?: number;
}

function requireField<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new ActionError(ACTION_ERRORS.badInput, `the workflow state has no ${what}`);
  return value;
}

/** Conversion failures are permanent (the export does not prove itself); S3 trouble is retried. */
async function converting<T>(doing: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DynamoConversionError) {
      throw new ActionError(ACTION_ERRORS.verificationFailed, `${doing}: ${error.message}`, { cause: error });
    }
    throw actionErrorOf(error, doing, ACTION_ERRORS.verificationFailed);
  }
}

function batchOf(state: ExportState): number {
  const batch = state.batch;
  if (typeof batch !== 'number' || !Number.isInteger(batch) || batch < 0) {
    throw new ActionError(ACTION_ERRORS.badInput, 'the Map iteration has no batch number');
  }
  return batch;
}

/** Plan conversion: the export is COMPLETED; its data files are split into batches for the Map states. */
export async function planConversion(state: ExportState, deps: ConversionDependencies): Promise<ConversionPlan> {
  const tableExport = requireField(state.tableExport, 'tableExport');
  if (tableExport.status !== 'COMPLETED' || !tableExport.manifestSummaryKey) {
    throw new ActionError(
      ACTION_ERRORS.verificationFailed,
      `table export ${tableExport.exportArn} is ${tableExport.status}, not COMPLETED with a manifest`,
    );
  }
  const keys = requireField(tableExport.keys, 'key schema of the exported table');
  const exportFolder = tableExport.manifestSummaryKey.replace(/manifest-summary\.json$/, '');
  const { parquetPrefix } = dynamoDbPrefixes(state.request);
  const plan = await converting('planning the conversion', () =>
    planConversionOf({
      source: deps.location(exportFolder),
      destination: deps.location(parquetPrefix),
      keys,
      ...(deps.targetBatchBytes ? { targetBatchBytes: deps.targetBatchBytes } : {}),
    }),
  );
  if (tableExport.itemCount !== undefined && plan.items !== tableExport.itemCount) {
    throw new ActionError(
      ACTION_ERRORS.verificationFailed,
      `DynamoDB's manifest lists ${plan.items} items, DescribeExport said ${tableExport.itemCount}`,
    );
  }
  return { ...plan, batches: [...plan.batches], exportFolder, parquetPrefix, keys };
}

/** Scan batch (one Map iteration): the batch's data files checked against DynamoDB's manifest, statistics kept. */
export async function scanFiles(state: ExportState, deps: ConversionDependencies) {
  const conversion = requireField(state.conversion, 'conversion (Plan conversion did not run)');
  const batch = batchOf(state);
  return converting(`scanning batch ${batch}`, () =>
    scanBatch({
      source: deps.location(conversion.exportFolder),
      destination: deps.location(conversion.parquetPrefix),
      batch,
      concurrency: deps.concurrency,
      ...(deps.duckdb ? { duckdb: deps.duckdb } : {}),
    }),
  );
}

/** Choose columns: every batch's statistics merged into the typed columns. */
export async function chooseColumns(state: ExportState, deps: ConversionDependencies) {
  const conversion = requireField(state.conversion, 'conversion');
  return converting('choosing the columns', () =>
    chooseColumnsOf({ destination: deps.location(conversion.parquetPrefix) }),
  );
}

/** Convert batch (one Map iteration): the batch's data files to Parquet. */
export async function convertFiles(state: ExportState, deps: ConversionDependencies) {
  const conversion = requireField(state.conversion, 'conversion');
  const batch = batchOf(state);
  return converting(`converting batch ${batch}`, () =>
    convertBatch({
      source: deps.location(conversion.exportFolder),
      destination: deps.location(conversion.parquetPrefix),
      batch,
      concurrency: deps.concurrency,
      ...(deps.duckdb ? { duckdb: deps.duckdb } : {}),
    }),
  );
}

/**
 * Finish conversion: every batch's parts joined, the rows counted against the export, the Parquet's manifest
 * written last. Its result is the verification the shared tail of the workflow (manifest, deletion) reads.
 */
export async function finishConversion(state: ExportState, deps: ConversionDependencies): Promise<VerificationSummary> {
  const conversion = requireField(state.conversion, 'conversion');
  const finished = await converting('finishing the conversion', () =>
    finishConversionOf({ destination: deps.location(conversion.parquetPrefix) }),
  );
  const expected = state.tableExport?.itemCount ?? conversion.items;
  if (finished.items !== expected) {
    throw new ActionError(
      ACTION_ERRORS.verificationFailed,
      `the Parquet holds ${finished.items} items, DynamoDB exported ${expected}`,
    );
  }
  return {
    complete: true,
    tables: 1,
    completeTables: 1,
    objects: finished.files,
    bytes: finished.outputBytes,
    warnings: state.source?.exportFromNote ? [state.source.exportFromNote] : [],
    detailKey: `${conversion.parquetPrefix}${finished.manifestName}`,
  };
}

/** The conversion Tasks by name, called with the state checked against the contract (Lambda handlers, local runs). */
export const CONVERSION_TASK_FUNCTIONS: Readonly<
  Record<ConversionTask, (input: unknown, deps: ConversionDependencies) => Promise<unknown>>
> = {
  planConversion: (input, deps) => planConversion(parseState(input), deps),
  scanFiles: (input, deps) => scanFiles(parseState(input), deps),
  chooseColumns: (input, deps) => chooseColumns(parseState(input), deps),
  convertFiles: (input, deps) => convertFiles(parseState(input), deps),
  finishConversion: (input, deps) => finishConversion(parseState(input), deps),
};
