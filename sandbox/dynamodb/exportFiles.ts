/**
 * Writes DynamoDB exports the way ExportTableToPointInTime does (format DYNAMODB_JSON), for tests, demos and a
 * future DynamoDB stand-in: `AWSDynamoDB/<ExportId>/manifest-summary.json`, `manifest-files.json` (JSON lines,
 * md5Checksum = base64 md5 of each .gz), `_started` and `data/<random>.json.gz` with one `{"Item":…}` per line.
 */
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';

/** A DynamoDB JSON attribute value: `{ S: '…' }`, `{ N: '1.5' }`, `{ M: {…} }`, … */
export type AttributeValueJson =
  | { readonly S: string }
  | { readonly N: string }
  | { readonly B: string }
  | { readonly BOOL: boolean }
  | { readonly NULL: true }
  | { readonly SS: readonly string[] }
  | { readonly NS: readonly string[] }
  | { readonly BS: readonly string[] }
  | { readonly M: { readonly [name: string]: AttributeValueJson } }
  | { readonly L: readonly AttributeValueJson[] };

/** An item in DynamoDB JSON. */
export type ItemJson = { readonly [name: string]: AttributeValueJson };

export interface ExportFilesOptions {
  /** @default a random 26-character id like AWS's (`01700000000000-abcdef12`) */
  readonly exportId?: string;
  /** Data files to spread the items over (round robin). @default 1 */
  readonly files?: number;
  /** @default arn:aws:dynamodb:us-east-1:111122223333:table/sandbox */
  readonly tableArn?: string;
  readonly bucket?: string;
  /** The export's S3 prefix (`s3Prefix`); keys in the manifests start with it. @default none */
  readonly prefix?: string;
  readonly exportTime?: Date;
}

/** What was written. */
export interface WrittenExport {
  /** The `AWSDynamoDB/<ExportId>` folder. */
  readonly folder: string;
  readonly exportId: string;
  readonly exportArn: string;
  readonly itemCount: number;
  readonly dataFiles: readonly {
    readonly path: string;
    readonly key: string;
    readonly itemCount: number;
    readonly md5Checksum: string;
  }[];
}

/** Writes an export of `items` under `root` (`root/AWSDynamoDB/<ExportId>/…`); streams, so items may be a generator. */
export async function writeExportFiles(
  root: string,
  items: Iterable<ItemJson> | AsyncIterable<ItemJson>,
  options: ExportFilesOptions = {},
): Promise<WrittenExport> {
  const exportTime = options.exportTime ?? new Date('2025-01-15T12:00:00Z');
  const exportId = options.exportId ?? `${exportTime.getTime()}-${randomBytes(4).toString('hex')}`;
  const tableArn = options.tableArn ?? 'arn:aws:dynamodb:us-east-1:111122223333:table/sandbox';
  const bucket = options.bucket ?? 'sandbox-exports';
  const keyPrefix = options.prefix ? `${options.prefix.replace(/\/+$/, '')}/` : '';
  const folder = join(root, 'AWSDynamoDB', exportId);
  const base = `${keyPrefix}AWSDynamoDB/${exportId}`;
  await mkdir(join(folder, 'data'), { recursive: true });
  await writeFile(join(folder, '_started'), '');
  const count = Math.max(1, options.files ?? 1);
  const outputs = Array.from({ length: count }, () => {
    const name = `${randomBytes(13)
      .toString('base64url')
      .toLowerCase()
      .replace(/[^a-z0-9]/g, 'x')}.json.gz`;
    const path = join(folder, 'data', name);
    const gzip = createGzip();
    const md5 = createHash('md5');
    const file = createWriteStream(path);
    gzip.on('data', (chunk: Buffer) => md5.update(chunk));
    gzip.pipe(file);
    return { name, path, gzip, md5, file, itemCount: 0 };
  });
  let n = 0;
  for await (const item of items as AsyncIterable<ItemJson>) {
    const out = outputs[n++ % count]!;
    out.itemCount++;
    if (!out.gzip.write(`${JSON.stringify({ Item: item })}\n`)) await once(out.gzip, 'drain');
  }
  const dataFiles = await Promise.all(
    outputs.map(async (o) => {
      const closed = once(o.file, 'close');
      o.gzip.end();
      await closed;
      return {
        path: o.path,
        key: `${base}/data/${o.name}`,
        itemCount: o.itemCount,
        md5Checksum: o.md5.digest('base64'),
      };
    }),
  );
  await writeFile(
    join(folder, 'manifest-files.json'),
    dataFiles
      .map(
        (f) =>
          `${JSON.stringify({ itemCount: f.itemCount, md5Checksum: f.md5Checksum, etag: Buffer.from(f.md5Checksum, 'base64').toString('hex'), dataFileS3Key: f.key })}\n`,
      )
      .join(''),
  );
  const exportArn = `${tableArn}/export/${exportId}`;
  const iso = exportTime.toISOString();
  await writeFile(
    join(folder, 'manifest-summary.json'),
    JSON.stringify({
      version: '2020-06-30',
      exportArn,
      startTime: iso,
      endTime: new Date(exportTime.getTime() + 300_000).toISOString(),
      tableArn,
      tableId: '00000000-0000-4000-8000-000000000000',
      exportTime: iso,
      s3Bucket: bucket,
      s3Prefix: options.prefix ?? null,
      s3SseAlgorithm: 'AES256',
      manifestFilesS3Key: `${base}/manifest-files.json`,
      billedSizeBytes: 0,
      itemCount: n,
      outputFormat: 'DYNAMODB_JSON',
      exportType: 'FULL_EXPORT',
    }),
  );
  return { folder, exportId, exportArn, itemCount: n, dataFiles };
}
