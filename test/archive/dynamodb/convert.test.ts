import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ItemJson, writeExportFiles } from '../../../sandbox/dynamodb/exportFiles.js';
import {
  convertDynamoDbExport,
  convertParquetToDynamoDb,
  DataFileMismatchError,
  LocalConvertLocation,
} from '../../../src/archive/dynamodb/index.js';
import { parseVaultpilotManifest, VAULTPILOT_MANIFEST } from '../../../src/core/dynamodb/manifests.js';
import { items } from './arbitraries.js';

let root: string;
let run = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'vp-ddb-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Reads back every `{"Item":…}` line of a back-converted folder, in file order. */
async function readBack(folder: string): Promise<ItemJson[]> {
  const manifest = (await readFile(join(folder, 'manifest-files.json'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const out: ItemJson[] = [];
  for (const f of manifest) {
    const raw = await readFile(join(folder, f.dataFileS3Key));
    const text = f.dataFileS3Key.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
    const lines = text.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(f.itemCount);
    for (const line of lines) out.push(JSON.parse(line).Item);
  }
  return out;
}

async function roundTrip(list: ItemJson[], files: number, gzip = true) {
  const dir = join(root, `run-${++run}`);
  const written = await writeExportFiles(join(dir, 'export'), list, { files });
  const source = new LocalConvertLocation(join(dir, 'export'));
  const parquet = new LocalConvertLocation(join(dir, 'parquet'));
  const forward = await convertDynamoDbExport({
    source,
    destination: parquet,
    keys: { partitionKey: 'pk' },
    concurrency: 2,
  });
  const back = new LocalConvertLocation(join(dir, 'back'));
  await convertParquetToDynamoDb({ source: parquet, destination: back, concurrency: 2, gzip });
  return { dir, written, forward, back: await readBack(join(dir, 'back')) };
}

/** The items of a round robin over `files` files, in the order the files are read back. */
function inFileOrder(list: ItemJson[], files: number): ItemJson[] {
  return Array.from({ length: files }, (_, f) => list.filter((_, i) => i % files === f)).flat();
}

describe('convert dynamodb ⇄ parquet-to-dynamodb', () => {
  it('gives back every item, attribute for attribute (property)', async () => {
    await fc.assert(
      fc.asyncProperty(items(12), fc.integer({ min: 1, max: 3 }), async (list, files) => {
        const { back } = await roundTrip(list, files);
        expect(back).toEqual(inFileOrder(list, files));
      }),
      { numRuns: 12 },
    );
  });

  const sample: ItemJson[] = [
    {
      pk: { S: 'a' },
      price: { N: '12.50' },
      qty: { N: '3' },
      name: { S: 'é "x"' },
      'a.b c': { BOOL: true },
      blob: { B: 'AAEC' },
      tags: { SS: ['x', 'y'] },
      ns: { NS: ['1', '2.5'] },
      bs: { BS: ['AA=='] },
      m: { M: { k: { S: 'v' } } },
      l: { L: [{ N: '1' }] },
      mixed: { S: 's' },
      nul: { NULL: true },
      big: { N: '1e-130' },
    },
    {
      pk: { S: 'b' },
      price: { N: '0.1' },
      qty: { N: '-1E+5' },
      mixed: { N: '1' },
      nul: { NULL: true },
      A: { S: 'upper' },
      a: { S: 'lower' },
      big: { N: '1E+125' },
    },
  ];

  it('writes typed columns DuckDB reads with the right types and values', async () => {
    const { dir, forward } = await roundTrip(sample, 2, false);
    const columns = Object.fromEntries(forward.manifest.columns.map((c) => [c.column, c]));
    expect(columns.price).toMatchObject({ attribute: 'price', type: 'DOUBLE' });
    expect(columns.price_decimal).toMatchObject({ type: 'DECIMAL(38,1)', role: 'decimal' });
    expect(columns.qty_decimal).toMatchObject({ type: 'DECIMAL(38,0)' });
    expect(columns.big_decimal).toBeUndefined();
    expect(columns.a_b_c).toMatchObject({ attribute: 'a.b c', type: 'BOOLEAN' });
    expect(columns.mixed).toBeUndefined();
    expect(columns.nul).toBeUndefined();
    expect(columns.A).toMatchObject({ attribute: 'A' });
    expect(columns.a_2).toMatchObject({ attribute: 'a' });
    expect(forward.manifest.files.map((f) => f.rows)).toEqual([1, 1]);
    const duck = await DuckDBInstance.create(':memory:');
    const c = await duck.connect();
    const glob = join(dir, 'parquet', 'data', '*.parquet');
    const types = (
      await c.runAndReadAll(
        `SELECT column_name, column_type AS data_type FROM (DESCRIBE SELECT * FROM read_parquet('${glob}'))`,
      )
    ).getRowObjectsJson();
    expect(Object.fromEntries(types.map((t) => [t.column_name, t.data_type]))).toMatchObject({
      pk: 'VARCHAR',
      price: 'DOUBLE',
      price_decimal: 'DECIMAL(38,1)',
      qty: 'DOUBLE',
      name: 'VARCHAR',
      a_b_c: 'BOOLEAN',
      blob: 'BLOB',
      tags: 'VARCHAR[]',
      ns: 'DOUBLE[]',
      bs: 'BLOB[]',
      m: 'JSON',
      l: 'JSON',
      _item: 'JSON',
    });
    const rows = (
      await c.runAndReadAll(
        `SELECT pk, price, price_decimal::VARCHAR AS pd, qty_decimal::VARCHAR AS qd, name, a_b_c, hex(blob) AS blob, tags, ns, m->>'$.k.S' AS mk, json_extract_string(_item, '$.pk.S') AS ipk FROM read_parquet('${glob}') ORDER BY pk`,
      )
    ).getRowObjectsJson();
    expect(rows).toEqual([
      {
        pk: 'a',
        price: 12.5,
        pd: '12.5',
        qd: '3',
        name: 'é "x"',
        a_b_c: true,
        blob: '000102',
        tags: ['x', 'y'],
        ns: [1, 2.5],
        mk: 'v',
        ipk: 'a',
      },
      {
        pk: 'b',
        price: 0.1,
        pd: '0.1',
        qd: '-100000',
        name: null,
        a_b_c: null,
        blob: null,
        tags: null,
        ns: null,
        mk: null,
        ipk: 'b',
      },
    ]);
    const kv = (
      await c.runAndReadAll(
        `SELECT decode(value) AS v FROM parquet_kv_metadata('${glob}') WHERE decode(key) = 'vaultpilot.columns' LIMIT 1`,
      )
    ).getRowObjectsJson();
    expect(JSON.parse(String(kv[0]?.v))).toEqual(forward.manifest.columns);
    c.closeSync();
    duck.closeSync();
    const manifest = parseVaultpilotManifest(await readFile(join(dir, 'parquet', VAULTPILOT_MANIFEST), 'utf8'));
    expect(manifest.itemCount).toBe(2);
    expect(await readdir(join(dir, 'back', 'data'))).toEqual(['00000.json', '00001.json']);
  });

  it('refuses a missing or mixed key, naming it', async () => {
    const dir = join(root, `keys-${++run}`);
    await writeExportFiles(dir, [{ pk: { S: 'a' } }, { pk: { N: '1' } }, { other: { S: 'x' } }]);
    const source = new LocalConvertLocation(dir);
    const destination = new LocalConvertLocation(join(dir, 'out'));
    await expect(
      convertDynamoDbExport({ source, destination, keys: { partitionKey: 'other' }, concurrency: 1 }),
    ).rejects.toThrow('key attribute "other" is missing from 2 of 3 items');
    await writeFile(
      join(dir, 'AWSDynamoDB', (await readdir(join(dir, 'AWSDynamoDB')))[0]!, 'vaultpilot-table.json'),
      JSON.stringify({ Table: { KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }] } }),
    );
    await expect(convertDynamoDbExport({ source, destination, concurrency: 1 })).rejects.toThrow('key attribute "pk"');
  });

  it('refuses a data file whose md5 or item count is not the manifest’s, and writes no manifest', async () => {
    for (const damage of ['md5', 'count'] as const) {
      const dir = join(root, `bad-${++run}`);
      const written = await writeExportFiles(dir, sample, { files: 2 });
      const manifestPath = join(written.folder, 'manifest-files.json');
      const lines = (await readFile(manifestPath, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      if (damage === 'md5') lines[1].md5Checksum = Buffer.alloc(16).toString('base64');
      else {
        lines[1].itemCount += 1;
        const summaryPath = join(written.folder, 'manifest-summary.json');
        const summary = JSON.parse(await readFile(summaryPath, 'utf8'));
        await writeFile(summaryPath, JSON.stringify({ ...summary, itemCount: summary.itemCount + 1 }));
      }
      await writeFile(manifestPath, lines.map((l) => JSON.stringify(l)).join('\n'));
      const destination = new LocalConvertLocation(join(dir, 'out'));
      const error = await convertDynamoDbExport({
        source: new LocalConvertLocation(dir),
        destination,
        concurrency: 2,
      }).catch((e) => e);
      expect(error).toBeInstanceOf(DataFileMismatchError);
      expect(error.message).toContain(lines[1].dataFileS3Key);
      expect(error.message).toContain(damage === 'md5' ? 'md5' : 'holds 1 items, the manifest says 2');
      expect(await destination.readText(VAULTPILOT_MANIFEST)).toBeUndefined();
    }
  });
});

describe('an export of an empty table', () => {
  it('converts and converts back with zero items, keys still columns', async () => {
    const { forward, back } = await roundTrip([], 1);
    expect(forward.manifest.itemCount).toBe(0);
    expect(forward.manifest.columns.map((c) => c.column)).toContain('pk');
    expect(back).toEqual([]);
  });

  it('accepts an export with no data file at all (an empty manifest-files.json)', async () => {
    const dir = join(root, `run-${++run}`);
    await writeExportFiles(join(dir, 'export'), [], { files: 1 });
    const folder = join(dir, 'export', 'AWSDynamoDB', (await readdir(join(dir, 'export', 'AWSDynamoDB')))[0]!);
    for (const name of await readdir(join(folder, 'data'))) await rm(join(folder, 'data', name));
    await writeFile(join(folder, 'manifest-files.json'), '');
    const result = await convertDynamoDbExport({
      source: new LocalConvertLocation(join(dir, 'export')),
      destination: new LocalConvertLocation(join(dir, 'parquet')),
      keys: { partitionKey: 'pk' },
      concurrency: 1,
    });
    expect(result.manifest.itemCount).toBe(0);
  });
});
