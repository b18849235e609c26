/**
 * `convert parquet-to-dynamodb`: a converted export back to DynamoDB JSON as AWS writes it (docs/dynamodb.md,
 * "The way back"): `data/<n>.json.gz` with one `{"Item":…}` per line, read from `_item` only, then
 * manifest-files.json (md5Checksum, itemCount per file) and manifest-summary.json, written last. Every Parquet
 * file is checked against the Vaultpilot manifest (size, SHA-256, rows) before it is trusted.
 */
import { toDynamoJsonStatement } from '../../core/dynamodb/dynamoSql.js';
import {
  type ExportDataFile,
  ExportManifestError,
  parseVaultpilotManifest,
  VAULTPILOT_MANIFEST,
  type VaultpilotDynamoManifest,
} from '../../core/dynamodb/manifests.js';
import type { ConvertLocation } from './ConvertLocation.js';
import { digestFile } from './ConvertLocation.js';
import type { ConvertProgress } from './convertExport.js';
import { type DuckDbSettings, openDuckPool, runOnPool } from './duckdbPool.js';
import { DataFileMismatchError, DynamoConversionError } from './errors.js';

export interface ConvertBackOptions {
  /** A Vaultpilot archive: the folder of vaultpilot-dynamodb-manifest.json. */
  readonly source: ConvertLocation;
  readonly destination: ConvertLocation;
  /** @default true */
  readonly gzip?: boolean;
  readonly concurrency: number;
  readonly duckdb?: DuckDbSettings;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: ConvertProgress) => void;
}

export interface ConvertBackResult {
  readonly manifest: VaultpilotDynamoManifest;
  readonly files: readonly ExportDataFile[];
  readonly itemCount: number;
  readonly outputBytes: number;
}

/** Name of the n-th DynamoDB JSON data file written back. */
export function backDataName(n: number, gzip: boolean): string {
  return `data/${String(n).padStart(5, '0')}.json${gzip ? '.gz' : ''}`;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Writes the archive's items back as DynamoDB JSON; the manifests come last. */
export async function convertParquetToDynamoDb(options: ConvertBackOptions): Promise<ConvertBackResult> {
  const { source, destination, signal, onProgress } = options;
  const gzip = options.gzip ?? true;
  const text = await source.readText(VAULTPILOT_MANIFEST);
  if (text === undefined) throw new DynamoConversionError(`${source.location}: no ${VAULTPILOT_MANIFEST} here`);
  let manifest: VaultpilotDynamoManifest;
  try {
    manifest = parseVaultpilotManifest(text);
  } catch (error) {
    if (error instanceof ExportManifestError)
      throw new DynamoConversionError(error.message, 'corrupt', { cause: error });
    throw error;
  }
  if ((await destination.readText('manifest-files.json')) !== undefined) {
    throw new DynamoConversionError(`${destination.location} already holds manifest-files.json`, 'usage');
  }
  const concurrency = Math.max(1, Math.min(options.concurrency, manifest.files.length || 1));
  const pool = await openDuckPool(concurrency, options.duckdb ?? {}, []);
  let done = 0;
  let items = 0;
  let bytes = 0;
  try {
    const files = await runOnPool(
      pool,
      manifest.files,
      async (file, index, connection) => {
        const copy = await source.localCopy(file.key).catch((error) => {
          throw new DataFileMismatchError(file.key, `cannot be read: ${message(error)}`, { cause: error });
        });
        try {
          const digest = await digestFile(copy.path, ['sha256']);
          if (digest.bytes !== file.bytes) {
            throw new DataFileMismatchError(file.key, `is ${digest.bytes} bytes, the manifest says ${file.bytes}`);
          }
          if (digest.sha256.toString('hex') !== file.sha256) {
            throw new DataFileMismatchError(
              file.key,
              `SHA-256 ${digest.sha256.toString('hex')} is not the manifest's ${file.sha256}`,
            );
          }
          const name = backDataName(index, gzip);
          const staged = await destination.stage(name);
          try {
            const reader = await connection.runAndReadAll(toDynamoJsonStatement(copy.path, staged.path, gzip));
            const rows = Number(reader.getRows()[0]?.[0]);
            if (rows !== file.rows) {
              throw new DataFileMismatchError(file.key, `holds ${rows} rows, the manifest says ${file.rows}`);
            }
            const out = await digestFile(staged.path, ['md5']);
            await staged.commit();
            items += rows;
            bytes += digest.bytes;
            onProgress?.({ phase: 'convert', filesDone: ++done, files: manifest.files.length, items, bytes });
            return {
              itemCount: rows,
              md5Checksum: out.md5.toString('base64'),
              etag: out.md5.toString('hex'),
              dataFileS3Key: destination.keyOf(name),
              bytes: out.bytes,
            };
          } catch (error) {
            await staged.discard().catch(() => {});
            throw error;
          }
        } catch (error) {
          if (error instanceof DynamoConversionError) throw error;
          throw new DynamoConversionError(`${file.key}: conversion failed: ${message(error)}`, 'failed', {
            cause: error,
          });
        } finally {
          await copy.release();
        }
      },
      signal,
    );
    const dataFiles: ExportDataFile[] = files.map(({ bytes: _bytes, ...f }) => f);
    await destination.writeText('manifest-files.json', dataFiles.map((f) => `${JSON.stringify(f)}\n`).join(''));
    const summary = {
      version: '2020-06-30',
      ...(manifest.source.exportArn ? { exportArn: manifest.source.exportArn } : {}),
      ...(manifest.source.tableArn ? { tableArn: manifest.source.tableArn } : {}),
      ...(manifest.source.exportTime ? { exportTime: manifest.source.exportTime } : {}),
      manifestFilesS3Key: destination.keyOf('manifest-files.json'),
      itemCount: manifest.itemCount,
      outputFormat: 'DYNAMODB_JSON',
      exportType: 'FULL_EXPORT',
    };
    await destination.writeText('manifest-summary.json', `${JSON.stringify(summary)}\n`);
    return { manifest, files: dataFiles, itemCount: items, outputBytes: files.reduce((n, f) => n + f.bytes, 0) };
  } finally {
    pool.close();
  }
}
