/**
 * The manifests of the conversion, pure: DynamoDB's export manifests (manifest-summary.json, manifest-files.json),
 * the optional table sidecar, and the Vaultpilot manifest written last (docs/dynamodb.md, "The archive").
 */
import * as z from 'zod';
import type { ColumnSpec, TableKeys } from './columnMapping.js';

/** A manifest or sidecar that cannot be used; `message` names the file and what is wrong. */
export class ExportManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportManifestError';
  }
}

const summarySchema = z
  .object({
    version: z.string().optional(),
    exportArn: z.string().optional(),
    startTime: z.string().optional(),
    endTime: z.string().optional(),
    tableArn: z.string().optional(),
    tableId: z.string().optional(),
    exportTime: z.string().optional(),
    s3Bucket: z.string().optional(),
    s3Prefix: z.string().nullable().optional(),
    manifestFilesS3Key: z.string().optional(),
    itemCount: z.number().int().nonnegative(),
    outputFormat: z.string().optional(),
    exportType: z.string().optional(),
  })
  .loose();

/** manifest-summary.json, the fields Vaultpilot reads. */
export type ExportSummary = z.infer<typeof summarySchema>;

const dataFileSchema = z.object({
  itemCount: z.number().int().nonnegative(),
  md5Checksum: z.string().min(1),
  etag: z.string().optional(),
  dataFileS3Key: z.string().min(1),
});

/** One line of manifest-files.json. */
export type ExportDataFile = z.infer<typeof dataFileSchema>;

function problems(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; ');
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ExportManifestError(`${file}: not JSON (${(error as Error).message})`);
  }
}

/** Parses manifest-summary.json; refuses exports in another format than DYNAMODB_JSON. */
export function parseExportSummary(text: string, file = 'manifest-summary.json'): ExportSummary {
  const parsed = summarySchema.safeParse(parseJson(text, file));
  if (!parsed.success) throw new ExportManifestError(`${file}: ${problems(parsed.error)}`);
  if (parsed.data.outputFormat !== undefined && parsed.data.outputFormat !== 'DYNAMODB_JSON') {
    throw new ExportManifestError(
      `${file}: outputFormat ${parsed.data.outputFormat}; only DYNAMODB_JSON exports convert`,
    );
  }
  if (parsed.data.exportType !== undefined && parsed.data.exportType !== 'FULL_EXPORT') {
    throw new ExportManifestError(`${file}: exportType ${parsed.data.exportType}; only FULL_EXPORT exports convert`);
  }
  return parsed.data;
}

/** Parses manifest-files.json (JSON lines). */
export function parseExportDataFiles(text: string, file = 'manifest-files.json'): ExportDataFile[] {
  return text
    .split('\n')
    .map((line, i) => [line.trim(), i + 1] as const)
    .filter(([line]) => line !== '')
    .map(([line, n]) => {
      const parsed = dataFileSchema.safeParse(parseJson(line, `${file}:${n}`));
      if (!parsed.success) throw new ExportManifestError(`${file}:${n}: ${problems(parsed.error)}`);
      return parsed.data;
    });
}

/** The name of a data file (`<random>.json.gz`) from its S3 key. */
export function dataFileName(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

/**
 * The optional table sidecar next to manifest-summary.json: `vaultpilot-table.json`, the `Table` of
 * `aws dynamodb describe-table` (only KeySchema and AttributeDefinitions are read).
 */
export const TABLE_SIDECAR = 'vaultpilot-table.json';

const tableSchema = z
  .object({
    TableName: z.string().optional(),
    KeySchema: z.array(z.object({ AttributeName: z.string().min(1), KeyType: z.enum(['HASH', 'RANGE']) })).min(1),
  })
  .loose();

/** The keys a table sidecar names (a describe-table output, with or without its `Table` wrapper). */
export function parseTableSidecar(text: string, file = TABLE_SIDECAR): TableKeys {
  const json = parseJson(text, file) as { Table?: unknown };
  const parsed = tableSchema.safeParse(json && typeof json === 'object' && 'Table' in json ? json.Table : json);
  if (!parsed.success) throw new ExportManifestError(`${file}: ${problems(parsed.error)}`);
  const hash = parsed.data.KeySchema.find((k) => k.KeyType === 'HASH');
  const range = parsed.data.KeySchema.find((k) => k.KeyType === 'RANGE');
  if (!hash) throw new ExportManifestError(`${file}: KeySchema has no HASH key`);
  return { partitionKey: hash.AttributeName, ...(range ? { sortKey: range.AttributeName } : {}) };
}

/** Parses `--keys pk[,sk]`. */
export function parseKeysOption(text: string): TableKeys {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length > 2 || parts.some((p) => p === '')) {
    throw new ExportManifestError(`--keys ${text}: write the partition key, and the sort key after a comma (pk,sk)`);
  }
  return { partitionKey: parts[0]!, ...(parts[1] ? { sortKey: parts[1] } : {}) };
}

/** File names of the archive. */
export const VAULTPILOT_MANIFEST = 'vaultpilot-dynamodb-manifest.json';
export const MANIFEST_FORMAT = 'vaultpilot-dynamodb-parquet';
export const MANIFEST_FORMAT_VERSION = 1;
/** Key of the Parquet key-value metadata that holds the column mapping (JSON). */
export const PARQUET_COLUMNS_KEY = 'vaultpilot.columns';

/** The Vaultpilot manifest of a converted export. */
export interface VaultpilotDynamoManifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly formatVersion: typeof MANIFEST_FORMAT_VERSION;
  readonly createdAt: string;
  readonly source: {
    readonly location: string;
    readonly exportArn?: string;
    readonly tableArn?: string;
    readonly exportTime?: string;
    readonly startTime?: string;
    readonly endTime?: string;
  };
  readonly keys?: TableKeys;
  readonly itemCount: number;
  readonly columns: readonly ColumnSpec[];
  readonly inputs: readonly {
    readonly dataFileS3Key: string;
    readonly md5Checksum: string;
    readonly itemCount: number;
  }[];
  readonly files: readonly {
    readonly key: string;
    readonly rows: number;
    readonly bytes: number;
    readonly sha256: string;
    /** The input data file it was converted from. */
    readonly input: string;
  }[];
}

const columnSchema = z.object({
  column: z.string(),
  attribute: z.string().optional(),
  role: z.enum(['key', 'attribute', 'decimal', 'item']),
  tag: z.string().optional(),
  type: z.string(),
  scale: z.number().int().optional(),
});

const manifestSchema = z
  .object({
    format: z.literal(MANIFEST_FORMAT),
    formatVersion: z.literal(MANIFEST_FORMAT_VERSION),
    createdAt: z.string(),
    source: z.object({ location: z.string() }).loose(),
    keys: z.object({ partitionKey: z.string(), sortKey: z.string().optional() }).optional(),
    itemCount: z.number().int().nonnegative(),
    columns: z.array(columnSchema),
    inputs: z.array(z.object({ dataFileS3Key: z.string(), md5Checksum: z.string(), itemCount: z.number().int() })),
    files: z.array(
      z.object({
        key: z.string().regex(/^data\/part-\d+\.parquet$/),
        rows: z.number().int().nonnegative(),
        bytes: z.number().int().nonnegative(),
        sha256: z.string().regex(/^[0-9a-f]{64}$/),
        input: z.string(),
      }),
    ),
  })
  .loose();

/** Parses a Vaultpilot manifest. */
export function parseVaultpilotManifest(text: string, file = VAULTPILOT_MANIFEST): VaultpilotDynamoManifest {
  const parsed = manifestSchema.safeParse(parseJson(text, file));
  if (!parsed.success) throw new ExportManifestError(`${file}: ${problems(parsed.error)}`);
  return parsed.data as VaultpilotDynamoManifest;
}

/** The Parquet key of the n-th data file (0-based): `data/part-00000.parquet`. */
export function partKey(n: number): string {
  return `data/part-${String(n).padStart(5, '0')}.parquet`;
}
