/**
 * `vaultpilot convert dynamodb <source> <destination>`: a DynamoDB export (DYNAMODB_JSON) to typed, lossless
 * Parquet; `vaultpilot convert parquet-to-dynamodb <source> <destination>`: back to DynamoDB JSON as
 * ImportTable reads it. docs/dynamodb.md.
 */
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import {
  type ConvertLocation,
  type ConvertProgress,
  convertDynamoDbExport,
  convertParquetToDynamoDb,
  DynamoConversionError,
} from '../../archive/dynamodb/index.js';
import { openConvertLocation } from '../../aws/dynamodb/S3ConvertLocation.js';
import { ArchiveLocationError } from '../../core/archive/archiveLocation.js';
import { ExportManifestError, parseKeysOption } from '../../core/dynamodb/manifests.js';
import { openOptions } from '../archiveLocations.js';
import { type CliContext, CliError } from '../CliContext.js';
import { EXIT } from '../exitCodes.js';
import { addEndpointOptions, addJsonOption, addNumberOption, type EndpointOptions } from '../options.js';
import { formatBytes } from '../progressBar.js';
import { runInterruptible } from '../runInterruptible.js';

interface ConvertOptions extends EndpointOptions {
  readonly concurrency: number;
  readonly keys?: string;
  readonly maxColumns: number;
  readonly gzip: boolean;
  readonly json?: boolean;
}

async function open(location: string, options: ConvertOptions, ctx: CliContext): Promise<ConvertLocation> {
  try {
    return await openConvertLocation(location, openOptions(options, ctx));
  } catch (error) {
    if (error instanceof ArchiveLocationError) throw new CliError(error.message, EXIT.usage, { cause: error });
    throw error;
  }
}

/** Progress on stderr: redrawn in place on a terminal, a line per file otherwise; silent with --json. */
function progressPrinter(ctx: CliContext, label: string, quiet: boolean) {
  const started = Date.now();
  let drawn = false;
  return {
    update(p: ConvertProgress) {
      if (quiet) return;
      const seconds = Math.max((Date.now() - started) / 1000, 1e-3);
      const line =
        `${label} ${p.phase} ${p.filesDone}/${p.files} files, ${p.items} items ` +
        `(${Math.round(p.items / seconds)} items/s, ${(p.bytes / 1e6 / seconds).toFixed(1)} MB/s)`;
      if (ctx.interactive) {
        ctx.stderr.write(`\r\x1b[2K${line}`);
        drawn = true;
      } else ctx.stderr.write(`${line}\n`);
    },
    finish() {
      if (drawn) ctx.stderr.write('\n');
    },
  };
}

async function run<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  try {
    return await runInterruptible(work);
  } catch (error) {
    if (error instanceof DynamoConversionError) {
      const code = error.kind === 'corrupt' ? EXIT.corrupt : error.kind === 'usage' ? EXIT.usage : EXIT.failed;
      throw new CliError(error.message, code, { cause: error });
    }
    if (error instanceof ExportManifestError) throw new CliError(error.message, EXIT.failed, { cause: error });
    throw error;
  }
}

function common(command: Command): Command {
  addNumberOption(command, '--concurrency <n>', 'data files converted in parallel (default: one per core)', {
    min: 1,
    max: 256,
    default: availableParallelism(),
  });
  addJsonOption(command);
  return addEndpointOptions(command);
}

/** `vaultpilot convert`. */
export function registerConvertCommand(program: Command, ctx: CliContext): void {
  const convert = program
    .command('convert')
    .description('Convert DynamoDB exports to typed, lossless Parquet and back (docs/dynamodb.md)');

  const toParquet = convert
    .command('dynamodb')
    .description(
      'A DynamoDB export (DYNAMODB_JSON) → data/part-<n>.parquet + vaultpilot-dynamodb-manifest.json (written last)',
    )
    .argument('<source>', 'the export: a folder or s3://… holding AWSDynamoDB/<ExportId>/, or that folder itself')
    .argument('<destination>', 'a directory or s3://bucket/prefix')
    .option('--keys <pk[,sk]>', "the table's key attributes (default: the export's vaultpilot-table.json, else none)");
  addNumberOption(toParquet, '--max-columns <n>', 'typed attribute columns at most, the most frequent first', {
    min: 0,
    max: 10_000,
    default: 1000,
  });
  common(toParquet).action(async (source: string, destination: string, options: ConvertOptions) => {
    let keys: ReturnType<typeof parseKeysOption> | undefined;
    try {
      keys = options.keys === undefined ? undefined : parseKeysOption(options.keys);
    } catch (error) {
      throw new CliError((error as Error).message, EXIT.usage);
    }
    const started = Date.now();
    const from = await open(source, options, ctx);
    const to = await open(destination, options, ctx);
    const progress = progressPrinter(ctx, 'convert dynamodb', Boolean(options.json));
    const result = await run((signal) =>
      convertDynamoDbExport({
        source: from,
        destination: to,
        ...(keys ? { keys } : {}),
        concurrency: options.concurrency,
        maxColumns: options.maxColumns,
        signal,
        onProgress: (p) => progress.update(p),
      }),
    ).finally(() => progress.finish());
    const seconds = (Date.now() - started) / 1000;
    const m = result.manifest;
    const summary = {
      destination: to.location,
      manifest: 'vaultpilot-dynamodb-manifest.json',
      exportArn: m.source.exportArn,
      itemCount: m.itemCount,
      files: m.files.length,
      columns: m.columns.map((c) => ({ column: c.column, attribute: c.attribute, type: c.type })),
      inputBytes: result.inputBytes,
      outputBytes: result.outputBytes,
      seconds: Number(seconds.toFixed(3)),
      itemsPerSecond: Math.round(m.itemCount / Math.max(seconds, 1e-3)),
    };
    if (options.json) {
      ctx.stdout.write(`${JSON.stringify(summary)}\n`);
      return;
    }
    const typed = m.columns.filter((c) => c.role !== 'item');
    ctx.stdout.write(
      `converted ${m.itemCount} items from ${m.files.length} data files → ${to.location} ` +
        `(${formatBytes(result.inputBytes)} .gz → ${formatBytes(result.outputBytes)} Parquet, ${seconds.toFixed(1)} s, ` +
        `${summary.itemsPerSecond} items/s)\n` +
        `  columns: ${typed.map((c) => `${c.column} ${c.type}${c.attribute !== c.column && c.role !== 'decimal' ? ` (${JSON.stringify(c.attribute)})` : ''}`).join(', ') || 'none'}; every item complete in _item\n`,
    );
  });

  const toDynamo = convert
    .command('parquet-to-dynamodb')
    .description('A converted export back to DynamoDB JSON (data/<n>.json.gz + manifest-files.json) for ImportTable')
    .argument('<source>', 'the folder or s3://… of vaultpilot-dynamodb-manifest.json')
    .argument('<destination>', 'a directory or s3://bucket/prefix')
    .option('--no-gzip', 'write data/<n>.json uncompressed');
  common(toDynamo).action(async (source: string, destination: string, options: ConvertOptions) => {
    const started = Date.now();
    const from = await open(source, options, ctx);
    const to = await open(destination, options, ctx);
    const progress = progressPrinter(ctx, 'convert parquet-to-dynamodb', Boolean(options.json));
    const result = await run((signal) =>
      convertParquetToDynamoDb({
        source: from,
        destination: to,
        gzip: options.gzip,
        concurrency: options.concurrency,
        signal,
        onProgress: (p) => progress.update(p),
      }),
    ).finally(() => progress.finish());
    const seconds = (Date.now() - started) / 1000;
    const summary = {
      destination: to.location,
      itemCount: result.itemCount,
      files: result.files.length,
      outputBytes: result.outputBytes,
      keys: result.manifest.keys,
      seconds: Number(seconds.toFixed(3)),
    };
    if (options.json) {
      ctx.stdout.write(`${JSON.stringify(summary)}\n`);
      return;
    }
    ctx.stdout.write(
      `wrote ${result.itemCount} items in ${result.files.length} DynamoDB JSON files → ${to.location}/data/ ` +
        `(${formatBytes(result.outputBytes)}, ${seconds.toFixed(1)} s); import with ` +
        `aws dynamodb import-table --input-format DYNAMODB_JSON${options.gzip ? ' --input-compression-type GZIP' : ''} ` +
        `--s3-bucket-source S3Bucket=…,S3KeyPrefix=…/data/ (docs/dynamodb.md)\n`,
    );
  });
}
