/**
 * The conversion of convertExport.ts split into steps for parallel workers (a Step Functions Map of Lambda
 * invocations): planConversion → scanBatch per batch → chooseColumns → convertBatch per batch → finishConversion.
 * Every step's state lives in the destination under `_conversion/` (JSON), every step may be retried, and
 * finishConversion writes the same Vaultpilot manifest as convertDynamoDbExport, last, then removes the work files.
 */
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { DuckDBConnection } from '@duckdb/node-api';
import { type AttributeStats, mergeInto } from '../../core/dynamodb/attributeTypes.js';
import type { ColumnSpec, TableKeys } from '../../core/dynamodb/columnMapping.js';
import { NUMBER_MACROS } from '../../core/dynamodb/dynamoSql.js';
import {
  dataFileName,
  type ExportDataFile,
  type ExportSummary,
  VAULTPILOT_MANIFEST,
  type VaultpilotDynamoManifest,
} from '../../core/dynamodb/manifests.js';
import type { ConvertLocation, LocalCopy } from './ConvertLocation.js';
import {
  buildManifest,
  columnsOf,
  convertFile,
  copyDataFile,
  type PartFile,
  partMetadata,
  readExport,
  refuseConverted,
  scanFile,
  writeManifest,
} from './convertExport.js';
import { type DuckDbSettings, openDuckPool, runOnPool } from './duckdbPool.js';
import { DataFileMismatchError, DynamoConversionError } from './errors.js';

/** The work folder under the destination; finishConversion removes it. */
export const CONVERSION_WORK_FOLDER = '_conversion';
const PLAN = `${CONVERSION_WORK_FOLDER}/plan.json`;
const COLUMNS = `${CONVERSION_WORK_FOLDER}/columns.json`;
const statsName = (batch: number) => `${CONVERSION_WORK_FOLDER}/stats-${batch}.json`;
const partsName = (batch: number) => `${CONVERSION_WORK_FOLDER}/parts-${batch}.json`;

export const DEFAULT_TARGET_BATCH_BYTES = 512 * 1024 * 1024;
export const DEFAULT_MAX_BATCHES = 500;

/** What planConversion returns: small, for a Step Functions Map over `batches`. */
export interface ConversionPlanSummary {
  /** 0..n-1 */
  readonly batches: readonly number[];
  readonly files: number;
  readonly items: number;
  readonly bytes: number;
}

export interface BatchResult {
  readonly files: number;
  readonly items: number;
  readonly bytes: number;
}

export interface FinishResult {
  readonly manifestName: string;
  readonly items: number;
  readonly files: number;
  /** 0 when the plan was already removed (a retry after a finished run). */
  readonly inputBytes: number;
  readonly outputBytes: number;
}

interface PlannedFile extends ExportDataFile {
  readonly bytes: number;
  readonly batch: number;
}

/** `_conversion/plan.json`. */
interface ConversionPlan {
  /** SHA-256 of the rest of the plan: the batch files of another plan are not this one's. */
  readonly planId: string;
  /** The export folder: its location, and its path relative to the source given to planConversion. */
  readonly exportFolder: { readonly location: string; readonly path: string };
  readonly summary: ExportSummary;
  readonly keys?: TableKeys;
  readonly maxColumns: number;
  readonly targetBatchBytes: number;
  readonly batches: number;
  readonly files: readonly PlannedFile[];
}

interface BatchStats {
  readonly planId: string;
  readonly batch: number;
  readonly items: number;
  readonly bytes: number;
  readonly stats: readonly AttributeStats[];
}

interface ChosenColumns {
  readonly planId: string;
  readonly columns: readonly ColumnSpec[];
}

interface BatchParts {
  readonly planId: string;
  readonly batch: number;
  readonly files: readonly (PartFile & { readonly index: number })[];
}

/**
 * Assigns files (sizes in order) to batches greedily, up to `target` bytes a batch (a larger file is a batch by
 * itself); when that makes more than `maxBatches`, the smallest larger target that fits. Returns each file's batch.
 */
export function assignBatches(
  sizes: readonly number[],
  target: number,
  maxBatches: number,
): { batchOf: number[]; target: number; batches: number } {
  const greedy = (cap: number) => {
    const batchOf: number[] = [];
    let batch = -1;
    let bytes = 0;
    for (const size of sizes) {
      if (batch < 0 || bytes + size > cap) {
        batch++;
        bytes = 0;
      }
      bytes += size;
      batchOf.push(batch);
    }
    return { batchOf, target: cap, batches: batch + 1 };
  };
  const max = Math.max(1, Math.floor(maxBatches));
  const first = greedy(Math.max(1, target));
  if (first.batches <= max) return first;
  // The batch count only falls as the target grows, and the total fits in one batch: the smallest target that fits.
  let low = first.target + 1;
  let high = Math.max(
    low,
    sizes.reduce((n, s) => n + s, 0),
  );
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    if (greedy(mid).batches <= max) high = mid;
    else low = mid + 1;
  }
  return greedy(high);
}

async function readJson<T>(location: ConvertLocation, name: string): Promise<T | undefined> {
  const text = await location.readText(name);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new DynamoConversionError(`${location.location}/${name}: not JSON (${(error as Error).message})`);
  }
}

const writeJson = (location: ConvertLocation, name: string, value: unknown) =>
  location.writeText(name, `${JSON.stringify(value)}\n`);

async function readPlan(destination: ConvertLocation): Promise<ConversionPlan> {
  const plan = await readJson<ConversionPlan>(destination, PLAN);
  if (!plan?.planId) {
    throw new DynamoConversionError(`${destination.location}: no ${PLAN}; run planConversion first`, 'usage');
  }
  return plan;
}

/** The export folder of the plan, from the source given to planConversion or the export folder itself. */
function exportFolderOf(source: ConvertLocation, plan: ConversionPlan): ConvertLocation {
  if (source.location === plan.exportFolder.location) return source;
  if (plan.exportFolder.path !== '') {
    const folder = source.child(plan.exportFolder.path);
    if (folder.location === plan.exportFolder.location) return folder;
  }
  throw new DynamoConversionError(
    `${source.location} is not the export planned (${plan.exportFolder.location}), nor holds it`,
    'usage',
  );
}

function batchFiles(plan: ConversionPlan, batch: number): { file: PlannedFile; index: number }[] {
  if (!Number.isInteger(batch) || batch < 0 || batch >= plan.batches) {
    throw new DynamoConversionError(`batch ${batch} is not one of the plan's 0..${plan.batches - 1}`, 'usage');
  }
  return plan.files.map((file, index) => ({ file, index })).filter((f) => f.file.batch === batch);
}

/** A batch's work file of this plan, or an error naming the batch and the step that writes it. */
async function batchFile<T extends { planId: string }>(
  destination: ConvertLocation,
  plan: ConversionPlan,
  name: string,
  batch: number,
  step: string,
): Promise<T> {
  const found = await readJson<T>(destination, name);
  if (found?.planId !== plan.planId) {
    throw new DynamoConversionError(
      `${destination.location}: batch ${batch} has no ${found ? 'current ' : ''}${name}; run ${step} for batch ${batch}`,
    );
  }
  return found;
}

/** Reads and validates the export, assigns its data files to batches and writes `_conversion/plan.json`. */
export async function planConversion(o: {
  readonly source: ConvertLocation;
  readonly destination: ConvertLocation;
  readonly keys?: TableKeys;
  readonly maxColumns?: number;
  /** @default 512 MiB */
  readonly targetBatchBytes?: number;
  /** @default 500 */
  readonly maxBatches?: number;
}): Promise<ConversionPlanSummary> {
  const exp = await readExport(o.source, o.keys);
  await refuseConverted(o.destination);
  const sizes = await exp.folder.fileSizes('data');
  const bytes = exp.files.map((file) => {
    const size = sizes.get(dataFileName(file.dataFileS3Key));
    if (size === undefined) {
      throw new DataFileMismatchError(file.dataFileS3Key, `cannot be read: not in ${exp.folder.location}/data`);
    }
    return size;
  });
  const assigned = assignBatches(
    bytes,
    o.targetBatchBytes ?? DEFAULT_TARGET_BATCH_BYTES,
    o.maxBatches ?? DEFAULT_MAX_BATCHES,
  );
  const content = {
    exportFolder: { location: exp.folder.location, path: exp.path },
    summary: exp.summary,
    ...(exp.keys ? { keys: exp.keys } : {}),
    maxColumns: o.maxColumns ?? 1000,
    targetBatchBytes: assigned.target,
    batches: assigned.batches,
    files: exp.files.map((f, i) => ({ ...f, bytes: bytes[i]!, batch: assigned.batchOf[i]! })),
  };
  const planId = createHash('sha256').update(JSON.stringify(content)).digest('hex');
  await writeJson(o.destination, PLAN, { planId, ...content } satisfies ConversionPlan);
  return {
    batches: Array.from({ length: assigned.batches }, (_, i) => i),
    files: exp.files.length,
    items: exp.summary.itemCount,
    bytes: bytes.reduce((n, b) => n + b, 0),
  };
}

interface BatchStep {
  readonly source: ConvertLocation;
  readonly destination: ConvertLocation;
  readonly batch: number;
  readonly concurrency: number;
  readonly duckdb?: DuckDbSettings;
  readonly signal?: AbortSignal;
}

/** Runs `fn` on each file of the batch with a local copy of it, released after. */
async function onBatchFiles<R>(
  o: BatchStep,
  plan: ConversionPlan,
  fn: (file: PlannedFile, index: number, copy: LocalCopy, connection: DuckDBConnection) => Promise<R>,
): Promise<R[]> {
  const folder = exportFolderOf(o.source, plan);
  const files = batchFiles(plan, o.batch);
  const pool = await openDuckPool(
    Math.max(1, Math.min(o.concurrency, files.length || 1)),
    o.duckdb ?? {},
    NUMBER_MACROS,
  );
  try {
    return await runOnPool(
      pool,
      files,
      async ({ file, index }, _, connection) => {
        const copy = await copyDataFile(folder, file);
        try {
          return await fn(file, index, copy, connection);
        } finally {
          await copy.release().catch(() => {});
        }
      },
      o.signal,
    );
  } finally {
    pool.close();
  }
}

/** Pass 1 on one batch: verifies its data files and writes their merged statistics. */
export async function scanBatch(o: BatchStep): Promise<BatchResult> {
  const plan = await readPlan(o.destination);
  const merged = new Map<string, AttributeStats>();
  const scanned = await onBatchFiles(o, plan, async (file, _, copy, connection) => {
    const result = await scanFile(connection, file, copy);
    mergeInto(merged, result.stats);
    return { items: file.itemCount, bytes: result.bytes };
  });
  const result = {
    files: scanned.length,
    items: scanned.reduce((n, s) => n + s.items, 0),
    bytes: scanned.reduce((n, s) => n + s.bytes, 0),
  };
  const stats: BatchStats = { planId: plan.planId, batch: o.batch, ...result, stats: [...merged.values()] };
  await writeJson(o.destination, statsName(o.batch), stats);
  return result;
}

/** Merges every batch's statistics and writes the column mapping. */
export async function chooseColumns(o: {
  readonly destination: ConvertLocation;
}): Promise<{ columns: number; typedColumns: number }> {
  const plan = await readPlan(o.destination);
  const merged = new Map<string, AttributeStats>();
  for (let batch = 0; batch < plan.batches; batch++) {
    const stats = await batchFile<BatchStats>(o.destination, plan, statsName(batch), batch, 'scanBatch');
    mergeInto(merged, stats.stats);
  }
  const columns = columnsOf(merged, plan.summary.itemCount, plan.keys, plan.maxColumns);
  await writeJson(o.destination, COLUMNS, { planId: plan.planId, columns } satisfies ChosenColumns);
  return { columns: columns.length, typedColumns: columns.filter((c) => c.role !== 'item').length };
}

/** Pass 2 on one batch: writes its Parquet parts and their manifest entries. */
export async function convertBatch(o: BatchStep): Promise<BatchResult> {
  const plan = await readPlan(o.destination);
  const chosen = await readJson<ChosenColumns>(o.destination, COLUMNS);
  if (chosen?.planId !== plan.planId) {
    throw new DynamoConversionError(`${o.destination.location}: no current ${COLUMNS}; run chooseColumns first`);
  }
  const metadata = partMetadata(chosen.columns);
  const files = await onBatchFiles(o, plan, async (file, index, copy, connection) => ({
    index,
    ...(await convertFile(connection, o.destination, file, index, copy, chosen.columns, metadata)),
  }));
  await writeJson(o.destination, partsName(o.batch), {
    planId: plan.planId,
    batch: o.batch,
    files,
  } satisfies BatchParts);
  return {
    files: files.length,
    items: files.reduce((n, f) => n + f.rows, 0),
    bytes: batchFiles(plan, o.batch).reduce((n, f) => n + f.file.bytes, 0),
  };
}

function summaryOf(manifest: VaultpilotDynamoManifest, inputBytes: number): FinishResult {
  return {
    manifestName: VAULTPILOT_MANIFEST,
    items: manifest.itemCount,
    files: manifest.files.length,
    inputBytes,
    outputBytes: manifest.files.reduce((n, f) => n + f.bytes, 0),
  };
}

/** Removes the work files, the plan last (it says the others may still be there). */
async function removeWorkFiles(destination: ConvertLocation): Promise<void> {
  const names = [...(await destination.fileSizes(CONVERSION_WORK_FOLDER)).keys()]
    .map((n) => `${CONVERSION_WORK_FOLDER}/${n}`)
    .filter((n) => n !== PLAN);
  if (names.length > 0) await destination.remove(names);
  await destination.remove([PLAN]);
}

/**
 * Checks every batch's parts, writes the Vaultpilot manifest (last) and removes the work files. A retry after a
 * run that wrote the manifest returns its summary.
 */
export async function finishConversion(o: {
  readonly destination: ConvertLocation;
  readonly now?: () => Date;
}): Promise<FinishResult> {
  const { destination } = o;
  const existing = await readJson<VaultpilotDynamoManifest>(destination, VAULTPILOT_MANIFEST);
  if (existing && (await destination.readText(PLAN)) === undefined) {
    await removeWorkFiles(destination);
    return summaryOf(existing, 0);
  }
  const plan = await readPlan(destination);
  const inputBytes = plan.files.reduce((n, f) => n + f.bytes, 0);
  const byIndex: (PartFile | undefined)[] = new Array(plan.files.length);
  let missing: DynamoConversionError | undefined;
  for (let batch = 0; batch < plan.batches && !missing; batch++) {
    try {
      const parts = await batchFile<BatchParts>(destination, plan, partsName(batch), batch, 'convertBatch');
      for (const { index, ...part } of parts.files) byIndex[index] = part;
    } catch (error) {
      if (!(error instanceof DynamoConversionError)) throw error;
      missing = error;
    }
  }
  const columns = (await readJson<ChosenColumns>(destination, COLUMNS))?.columns;
  const build = (files: readonly PartFile[], cols: readonly ColumnSpec[]) =>
    buildManifest({
      location: plan.exportFolder.location,
      summary: plan.summary,
      ...(plan.keys ? { keys: plan.keys } : {}),
      inputs: plan.files,
      columns: cols,
      files,
      createdAt: o.now?.() ?? new Date(),
    });
  if (existing) {
    // A retry: the first run wrote the manifest; it may have removed some work files since.
    const wanted = build(missing || !columns ? existing.files : (byIndex as PartFile[]), columns ?? existing.columns);
    if (!isDeepStrictEqual({ ...existing, createdAt: '' }, { ...wanted, createdAt: '' })) {
      throw new DynamoConversionError(
        `${destination.location} already holds a ${VAULTPILOT_MANIFEST} of another conversion`,
        'usage',
      );
    }
    await removeWorkFiles(destination);
    return summaryOf(existing, inputBytes);
  }
  if (missing) throw missing;
  if (!columns) throw new DynamoConversionError(`${destination.location}: no ${COLUMNS}; run chooseColumns first`);
  const files = plan.files.map((file, index) => {
    const part = byIndex[index];
    if (part?.input !== file.dataFileS3Key) {
      throw new DynamoConversionError(`${file.dataFileS3Key}: no Parquet part in batch ${file.batch}'s parts`);
    }
    return part;
  });
  const rows = files.reduce((n, f) => n + f.rows, 0);
  if (rows !== plan.summary.itemCount) {
    throw new DynamoConversionError(
      `the parts hold ${rows} rows, manifest-summary.json says ${plan.summary.itemCount}`,
      'corrupt',
    );
  }
  const manifest = build(files, columns);
  await writeManifest(destination, manifest);
  await removeWorkFiles(destination);
  return summaryOf(manifest, inputBytes);
}
