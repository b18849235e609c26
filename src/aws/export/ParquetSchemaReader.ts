/**
 * Reads the schema of one Parquet object in S3 from its footer alone, with hyparquet: an AsyncBuffer whose slices
 * are ranged GETs. hyparquet asks for the last 512 KiB (or the whole object when smaller), then, only if the footer
 * is larger, for the rest of it; the data pages are never read. Ranges are always explicit (`bytes=a-b`): some
 * S3-compatible stores ignore suffix ranges (`bytes=-n`) and would answer the whole object.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type AsyncBuffer, parquetMetadataAsync, type SchemaElement } from 'hyparquet';
import { ACTION_ERRORS } from '../../core/actions/exportWorkflow.js';
import type { ParquetColumn } from '../../core/actions/glueTables.js';
import { actionErrorOf } from './awsErrors.js';

/** The footer fetch: large enough for the footer of any table RDS writes in one request. */
const INITIAL_FETCH_BYTES = 512 * 1024;

export class ParquetSchemaReader {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  /** The top-level columns of `key` (of `size` bytes, as listed in the manifest), in file order. */
  async columns(key: string, size: number): Promise<ParquetColumn[]> {
    const where = `s3://${this.bucket}/${key}`;
    const buffer: AsyncBuffer = {
      byteLength: size,
      slice: (start, end) => this.range(key, size, start, end ?? size),
    };
    let schema: SchemaElement[];
    try {
      schema = (await parquetMetadataAsync(buffer, { initialFetchSize: INITIAL_FETCH_BYTES })).schema;
    } catch (error) {
      throw actionErrorOf(error, `reading the Parquet footer of ${where}`, ACTION_ERRORS.verificationFailed);
    }
    return topLevelColumns(schema);
  }

  private async range(key: string, size: number, start: number, end: number): Promise<ArrayBuffer> {
    if (end <= start) return new ArrayBuffer(0);
    const out = await this.s3.send(
      new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=${start}-${end - 1}` }),
    );
    const bytes = (await out.Body?.transformToByteArray()) ?? new Uint8Array();
    if (bytes.length !== end - start) {
      // A store that ignored the range, or an object that changed size since the manifest was written.
      if (bytes.length === size) return copy(bytes.subarray(start, end));
      throw new Error(`asked for bytes ${start}-${end - 1}, got ${bytes.length} bytes`);
    }
    return copy(bytes);
  }
}

function copy(bytes: Uint8Array): ArrayBuffer {
  const buffer = new ArrayBuffer(bytes.length);
  new Uint8Array(buffer).set(bytes);
  return buffer;
}

/**
 * The top-level columns of a flattened Parquet schema (depth-first, the root first, each group followed by its
 * `num_children` descendants).
 */
export function topLevelColumns(schema: readonly SchemaElement[]): ParquetColumn[] {
  const root = schema[0];
  if (!root) return [];
  const columns: ParquetColumn[] = [];
  let index = 1;
  const skip = (i: number): number => {
    // The index after element i and all its descendants.
    const children = schema[i]?.num_children ?? 0;
    let next = i + 1;
    for (let c = 0; c < children; c++) next = skip(next);
    return next;
  };
  for (let c = 0; c < (root.num_children ?? 0) && index < schema.length; c++) {
    const e = schema[index]!;
    columns.push(columnOf(e));
    index = skip(index);
  }
  return columns;
}

function columnOf(e: SchemaElement): ParquetColumn {
  const logical = e.logical_type as (Record<string, unknown> & { type: string }) | undefined;
  return {
    name: e.name,
    ...(e.type ? { physicalType: e.type } : {}),
    ...(e.converted_type ? { convertedType: e.converted_type } : {}),
    ...(logical
      ? {
          logicalType: {
            type: logical.type,
            ...numberField(logical, 'precision'),
            ...numberField(logical, 'scale'),
            ...numberField(logical, 'bitWidth'),
            ...(typeof logical.isSigned === 'boolean' ? { isSigned: logical.isSigned } : {}),
            ...(typeof logical.unit === 'string' ? { unit: logical.unit } : {}),
            ...(typeof logical.isAdjustedToUTC === 'boolean' ? { isAdjustedToUTC: logical.isAdjustedToUTC } : {}),
          },
        }
      : {}),
    ...(e.precision !== undefined ? { precision: e.precision } : {}),
    ...(e.scale !== undefined ? { scale: e.scale } : {}),
    ...(e.repetition_type ? { repetition: e.repetition_type } : {}),
    ...(e.num_children ? { children: e.num_children } : {}),
  };
}

function numberField(o: Record<string, unknown>, key: string): Record<string, number> {
  return typeof o[key] === 'number' ? { [key]: o[key] } : {};
}
