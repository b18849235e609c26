/** The batch steps of the conversion (convertInBatches.ts) against convertDynamoDbExport, locally and on the S3 stand-in. */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ItemJson, writeExportFiles } from '../../../sandbox/dynamodb/exportFiles.js';
import { type S3StandIn, startS3StandIn } from '../../../sandbox/s3/startS3StandIn.js';
import {
  assignBatches,
  CONVERSION_WORK_FOLDER,
  type ConvertLocation,
  chooseColumns,
  convertBatch,
  convertDynamoDbExport,
  convertParquetToDynamoDb,
  DataFileMismatchError,
  DynamoConversionError,
  finishConversion,
  LocalConvertLocation,
  planConversion,
  scanBatch,
} from '../../../src/archive/dynamodb/index.js';
import { S3ConvertLocation } from '../../../src/aws/dynamodb/S3ConvertLocation.js';
import { parseVaultpilotManifest, VAULTPILOT_MANIFEST } from '../../../src/core/dynamodb/manifests.js';

let root: string;
let run = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'vp-ddb-batches-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Items of mixed types: strings, exact and float numbers, sets, maps, a mixed attribute, NULLs. */
function sample(n: number): ItemJson[] {
  return Array.from({ length: n }, (_, i) => ({
    pk: { S: `item-${i}` },
    price: { N: `${i}.${i % 7}5` },
    qty: { N: String(i * 3 - 10) },
    name: i % 3 === 0 ? { NULL: true } : { S: `name "${i}" é` },
    ok: { BOOL: i % 2 === 0 },
    blob: { B: Buffer.from([i, i + 1]).toString('base64') },
    tags: { SS: [`t${i}`, 'x'] },
    m: { M: { k: { N: String(i) }, l: { L: [{ S: 'v' }] } } },
    mixed: i % 4 === 0 ? { N: '1' } : { S: 's' },
    ...(i % 5 === 0 ? { rare: { N: '1e-130' } } : {}),
  }));
}

function shuffled<T>(list: readonly T[], seed: number): T[] {
  const out = [...list];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Every step, batches in a shuffled order. */
async function runSteps(source: ConvertLocation, destination: ConvertLocation, targetBatchBytes: number) {
  const plan = await planConversion({ source, destination, keys: { partitionKey: 'pk' }, targetBatchBytes });
  for (const batch of shuffled(plan.batches, 7)) await scanBatch({ source, destination, batch, concurrency: 2 });
  const columns = await chooseColumns({ destination });
  for (const batch of shuffled(plan.batches, 11)) await convertBatch({ source, destination, batch, concurrency: 2 });
  const finished = await finishConversion({ destination, now: () => new Date('2026-01-01T00:00:00Z') });
  return { plan, columns, finished };
}

async function readBack(folder: string): Promise<ItemJson[]> {
  const out: ItemJson[] = [];
  for (const line of (await readFile(join(folder, 'manifest-files.json'), 'utf8')).trim().split('\n')) {
    const f = JSON.parse(line);
    const text = gunzipSync(await readFile(join(folder, f.dataFileS3Key))).toString('utf8');
    for (const l of text.split('\n').filter((x) => x !== '')) out.push(JSON.parse(l).Item);
  }
  return out;
}

async function rowsOf(glob: string): Promise<unknown[]> {
  const duck = await DuckDBInstance.create(':memory:');
  const c = await duck.connect();
  try {
    return (
      await c.runAndReadAll(`SELECT * EXCLUDE (_item), _item::VARCHAR AS item FROM read_parquet('${glob}') ORDER BY pk`)
    ).getRowObjectsJson();
  } finally {
    c.closeSync();
    duck.closeSync();
  }
}

async function newExport(list: ItemJson[], files: number) {
  const dir = join(root, `run-${++run}`);
  const written = await writeExportFiles(join(dir, 'export'), list, { files });
  return { dir, written, source: new LocalConvertLocation(join(dir, 'export')) };
}

describe('the conversion in batches', () => {
  it('writes the manifest and parts convertDynamoDbExport writes, and the items come back', async () => {
    const list = sample(60);
    const { dir, source } = await newExport(list, 5);
    const destination = new LocalConvertLocation(join(dir, 'batched'));
    const { plan, columns, finished } = await runSteps(source, destination, 1500);
    expect(plan.files).toBe(5);
    expect(plan.items).toBe(60);
    expect(plan.batches.length).toBeGreaterThan(1);
    expect(columns.typedColumns).toBeGreaterThan(5);

    const whole = new LocalConvertLocation(join(dir, 'whole'));
    const reference = await convertDynamoDbExport({
      source,
      destination: whole,
      keys: { partitionKey: 'pk' },
      concurrency: 2,
      now: () => new Date('2026-01-01T00:00:00Z'),
    });
    const manifest = parseVaultpilotManifest((await destination.readText(VAULTPILOT_MANIFEST))!);
    expect(manifest).toEqual(reference.manifest);
    expect(finished).toEqual({
      manifestName: VAULTPILOT_MANIFEST,
      items: 60,
      files: 5,
      inputBytes: reference.inputBytes,
      outputBytes: reference.outputBytes,
    });
    expect(columns.columns).toBe(reference.manifest.columns.length);
    expect(await rowsOf(join(dir, 'batched', 'data', '*.parquet'))).toEqual(
      await rowsOf(join(dir, 'whole', 'data', '*.parquet')),
    );
    expect(await readdir(join(dir, 'batched'))).toEqual(['data', VAULTPILOT_MANIFEST]);

    await convertParquetToDynamoDb({
      source: destination,
      destination: new LocalConvertLocation(join(dir, 'back')),
      concurrency: 2,
    });
    const byPk = (items: ItemJson[]) =>
      [...items].sort((a, b) => ((a.pk as { S: string }).S < (b.pk as { S: string }).S ? -1 : 1));
    expect(byPk(await readBack(join(dir, 'back')))).toEqual(byPk(list));
  });

  it('retried steps are harmless; a finished conversion finishes again with its summary', async () => {
    const { dir, source } = await newExport(sample(20), 3);
    const destination = new LocalConvertLocation(join(dir, 'out'));
    const keys = { partitionKey: 'pk' };
    await planConversion({ source, destination, keys, targetBatchBytes: 1 });
    const plan = await planConversion({ source, destination, keys, targetBatchBytes: 1 });
    expect(plan.batches).toEqual([0, 1, 2]);
    for (const batch of [...plan.batches, 1]) await scanBatch({ source, destination, batch, concurrency: 1 });
    await chooseColumns({ destination });
    await chooseColumns({ destination });
    for (const batch of [2, ...plan.batches, 0]) await convertBatch({ source, destination, batch, concurrency: 2 });
    const first = await finishConversion({ destination });
    const text = await readFile(join(dir, 'out', VAULTPILOT_MANIFEST), 'utf8');
    expect(await finishConversion({ destination })).toEqual({ ...first, inputBytes: 0 });
    expect(await readFile(join(dir, 'out', VAULTPILOT_MANIFEST), 'utf8')).toBe(text);
    await expect(planConversion({ source, destination, keys })).rejects.toThrow('already holds');
  });

  it('a retry of a finish that wrote the manifest but kept the work files returns the same summary', async () => {
    const { dir, source } = await newExport(sample(12), 2);
    const work = new LocalConvertLocation(join(dir, 'work'));
    const plan = await planConversion({ source, destination: work, targetBatchBytes: 1, keys: { partitionKey: 'pk' } });
    for (const batch of plan.batches) await scanBatch({ source, destination: work, batch, concurrency: 1 });
    await chooseColumns({ destination: work });
    for (const batch of plan.batches) await convertBatch({ source, destination: work, batch, concurrency: 1 });
    // Keep a copy of the work files, finish, then put them back as a timed-out first run would have left them.
    const saved = new Map<string, string>();
    for (const name of await readdir(join(dir, 'work', CONVERSION_WORK_FOLDER))) {
      saved.set(name, await readFile(join(dir, 'work', CONVERSION_WORK_FOLDER, name), 'utf8'));
    }
    const first = await finishConversion({ destination: work });
    for (const [name, text] of saved) await work.writeText(`${CONVERSION_WORK_FOLDER}/${name}`, text);
    expect(await finishConversion({ destination: work, now: () => new Date('2030-01-01T00:00:00Z') })).toEqual(first);
    expect(await readdir(join(dir, 'work'))).toEqual(['data', VAULTPILOT_MANIFEST]);
  });

  it('refuses steps out of order, naming the batch, and writes no manifest', async () => {
    const { dir, source } = await newExport(sample(12), 3);
    const destination = new LocalConvertLocation(join(dir, 'out'));
    await expect(scanBatch({ source, destination, batch: 0, concurrency: 1 })).rejects.toThrow(
      'run planConversion first',
    );
    const plan = await planConversion({ source, destination, keys: { partitionKey: 'pk' }, targetBatchBytes: 1 });
    await scanBatch({ source, destination, batch: 0, concurrency: 1 });
    const early = await chooseColumns({ destination }).catch((e) => e);
    expect(early).toBeInstanceOf(DynamoConversionError);
    expect(early.message).toContain('batch 1');
    await expect(scanBatch({ source, destination, batch: 3, concurrency: 1 })).rejects.toThrow('batch 3 is not');
    for (const batch of plan.batches) await scanBatch({ source, destination, batch, concurrency: 1 });
    await expect(convertBatch({ source, destination, batch: 0, concurrency: 1 })).rejects.toThrow('chooseColumns');
    await chooseColumns({ destination });
    await convertBatch({ source, destination, batch: 0, concurrency: 1 });
    await convertBatch({ source, destination, batch: 2, concurrency: 1 });
    const late = await finishConversion({ destination }).catch((e) => e);
    expect(late).toBeInstanceOf(DynamoConversionError);
    expect(late.message).toContain('batch 1');
    expect(await destination.readText(VAULTPILOT_MANIFEST)).toBeUndefined();
    // Planning anew with other batches makes the old batch files stale.
    await planConversion({ source, destination, keys: { partitionKey: 'pk' } });
    await expect(chooseColumns({ destination })).rejects.toThrow('batch 0 has no current');
  });

  it('fails the scan of the batch holding a corrupted data file with DataFileMismatchError', async () => {
    const { dir, source, written } = await newExport(sample(12), 3);
    const destination = new LocalConvertLocation(join(dir, 'out'));
    const bad = written.dataFiles[1]!;
    const bytes = await readFile(bad.path);
    bytes[bytes.length - 9]! ^= 0xff;
    await writeFile(bad.path, bytes);
    const plan = await planConversion({ source, destination, targetBatchBytes: 1 });
    await scanBatch({ source, destination, batch: 0, concurrency: 1 });
    await scanBatch({ source, destination, batch: 2, concurrency: 1 });
    const error = await scanBatch({ source, destination, batch: 1, concurrency: 1 }).catch((e) => e);
    expect(error).toBeInstanceOf(DataFileMismatchError);
    expect(error.message).toContain(bad.key);
    expect(error.message).toContain('md5');
    expect(plan.batches).toEqual([0, 1, 2]);
    // A data file missing altogether is refused when planning.
    await rm(written.dataFiles[2]!.path);
    await expect(planConversion({ source, destination })).rejects.toThrow(written.dataFiles[2]!.key);
  });
  it('converts an export with no data file in zero batches', async () => {
    const { dir, source, written } = await newExport([], 1);
    await rm(written.dataFiles[0]!.path);
    await writeFile(join(written.folder, 'manifest-files.json'), '');
    const destination = new LocalConvertLocation(join(dir, 'out'));
    const { plan, finished } = await runSteps(source, destination, 100);
    expect(plan).toEqual({ batches: [], files: 0, items: 0, bytes: 0 });
    expect(finished).toMatchObject({ items: 0, files: 0 });
    const manifest = parseVaultpilotManifest((await destination.readText(VAULTPILOT_MANIFEST))!);
    expect(manifest.columns.map((c) => c.column)).toEqual(['pk', '_item']);
  });
});

describe('assignBatches', () => {
  it('fills batches greedily in order; a file over the target is a batch by itself', () => {
    expect(assignBatches([3, 3, 3, 10, 1, 1], 6, 500)).toEqual({ batchOf: [0, 0, 1, 2, 3, 3], target: 6, batches: 4 });
    expect(assignBatches([], 6, 500)).toEqual({ batchOf: [], target: 6, batches: 0 });
    expect(assignBatches([7], 6, 500).batchOf).toEqual([0]);
  });

  it('raises the target to the smallest that fits in maxBatches', () => {
    expect(assignBatches([3, 3, 3, 10, 1, 1], 6, 3)).toEqual({ batchOf: [0, 0, 0, 1, 2, 2], target: 9, batches: 3 });
    expect(assignBatches([3, 3, 3, 10, 1, 1], 6, 1).batches).toBe(1);
    const many = assignBatches(
      Array.from({ length: 1000 }, () => 100),
      100,
      7,
    );
    expect(many.batches).toBeLessThanOrEqual(7);
    expect(many.target).toBe(Math.ceil(1000 / 7) * 100);
  });
});

describe('the conversion in batches on S3', () => {
  const BUCKET = 'vp-batches';
  let stand: S3StandIn;
  let s3: S3Client;
  beforeAll(async () => {
    stand = await startS3StandIn({ buckets: [BUCKET] });
    s3 = new S3Client({
      endpoint: stand.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    s3?.destroy();
    await stand?.close();
  });

  it('converts an export in S3 to the manifest of a local conversion and removes its work files', async () => {
    const list = sample(30);
    const { dir, source: local } = await newExport(list, 4);
    const base = join(dir, 'export');
    const upload = async (folder: string): Promise<void> => {
      for (const entry of await readdir(join(base, folder), { withFileTypes: true })) {
        const name = folder ? `${folder}/${entry.name}` : entry.name;
        if (entry.isDirectory()) await upload(name);
        else
          await s3.send(
            new PutObjectCommand({ Bucket: BUCKET, Key: `exports/${name}`, Body: await readFile(join(base, name)) }),
          );
      }
    };
    await upload('');
    const source = new S3ConvertLocation(s3, BUCKET, 'exports/');
    const destination = new S3ConvertLocation(s3, BUCKET, 'parquet/');
    const sizes = await source.child(`AWSDynamoDB/${(await source.subfolders('AWSDynamoDB'))[0]}`).fileSizes('data');
    expect(sizes.size).toBe(4);
    const { plan, finished } = await runSteps(source, destination, 2 * Math.max(...sizes.values()));
    expect(plan.batches).toEqual([0, 1]);
    const reference = await convertDynamoDbExport({
      source: local,
      destination: new LocalConvertLocation(join(dir, 'whole')),
      keys: { partitionKey: 'pk' },
      concurrency: 2,
    });
    const manifest = parseVaultpilotManifest((await destination.readText(VAULTPILOT_MANIFEST))!);
    expect({ ...manifest, createdAt: '', source: { ...manifest.source, location: '' } }).toEqual({
      ...reference.manifest,
      createdAt: '',
      source: { ...reference.manifest.source, location: '' },
    });
    expect(manifest.source.location).toMatch(/^s3:\/\/vp-batches\/exports\/AWSDynamoDB\//);
    expect(finished.outputBytes).toBe(reference.outputBytes);
    const keys = (await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'parquet/' }))).Contents!.map(
      (o) => o.Key,
    );
    expect(keys.sort()).toEqual(
      [...manifest.files.map((f) => `parquet/${f.key}`), `parquet/${VAULTPILOT_MANIFEST}`].sort(),
    );
  });
});
