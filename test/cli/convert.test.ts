import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CreateTableCommand, DescribeTableCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ItemJson, writeExportFiles } from '../../sandbox/dynamodb/exportFiles.js';
import { numberShape } from '../../src/core/dynamodb/attributeTypes.js';
import { type LocalLedgerTable, startLocalLedgerTable } from '../aws/ledger/localLedgerTable.js';
import { runCli } from './runCli.js';

const items: ItemJson[] = Array.from({ length: 40 }, (_, i) => ({
  pk: { S: `user#${i}` },
  sk: { N: String(i * 10) },
  'display name': { S: i % 3 === 0 ? '' : `Name ${i} 😀` },
  balance: { N: `${i}.${String(i).padStart(2, '0')}` },
  avatar: { B: Buffer.from([i, 0, 255]).toString('base64') },
  prefs: {
    M: {
      'a.b': { L: [{ NULL: true }, { BOOL: i % 2 === 0 }, { NS: ['1', '1e-130'] }] },
      deep: { M: { x: { SS: ['q"', 'r'] } } },
    },
  },
}));

/** A number's value as `<digits>e<exponent>` with no leading or trailing zeros ('0' for zero). */
function canonicalNumber(text: string): string {
  const shape = numberShape(text)!;
  const sig = text
    .replace(/[eE].*$/, '')
    .replace(/[-+.]/g, '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return sig === '' ? '0' : `${text.startsWith('-') ? '-' : ''}${sig}e${-shape.scale}`;
}

let root: string;
let dynamo: LocalLedgerTable;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'vp-cli-ddb-'));
  dynamo = await startLocalLedgerTable();
});
afterAll(async () => {
  await dynamo?.close();
  await rm(root, { recursive: true, force: true });
});

describe('vaultpilot convert', () => {
  it('converts an export to Parquet and back, and the items load into DynamoDB unchanged', async () => {
    const written = await writeExportFiles(join(root, 'export'), items, { files: 3 });
    const forward = await runCli(['convert', 'dynamodb', written.folder, 'parquet', '--keys', 'pk,sk', '--json'], {
      cwd: root,
    });
    expect(forward.stderr).toBe('');
    expect(forward.code).toBe(0);
    const summary = JSON.parse(forward.stdout);
    expect(summary).toMatchObject({ itemCount: 40, files: 3 });
    expect(summary.columns.map((c: { column: string }) => c.column)).toEqual([
      'pk',
      'sk',
      'sk_decimal',
      'avatar',
      'balance',
      'balance_decimal',
      'display_name',
      'prefs',
      '_item',
    ]);
    const back = await runCli(['convert', 'parquet-to-dynamodb', 'parquet', 'back'], { cwd: root });
    expect(back.code).toBe(0);
    expect(back.stdout).toContain('wrote 40 items in 3 DynamoDB JSON files');
    expect(back.stderr).toContain('3/3 files');

    const table = `convert-${process.pid}`;
    await dynamo.raw.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'N' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      }),
    );
    while ((await dynamo.raw.send(new DescribeTableCommand({ TableName: table }))).Table?.TableStatus !== 'ACTIVE') {
      await new Promise((r) => setTimeout(r, 5));
    }
    const files = (await readFile(join(root, 'back', 'manifest-files.json'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    for (const f of files) {
      for (const line of gunzipSync(await readFile(join(root, 'back', f.dataFileS3Key)))
        .toString('utf8')
        .trim()
        .split('\n')) {
        await dynamo.raw.send(new PutItemCommand({ TableName: table, Item: JSON.parse(line).Item }));
      }
    }
    for (const item of items) {
      const got = await dynamo.raw.send(
        new GetItemCommand({ TableName: table, Key: { pk: item.pk as never, sk: item.sk as never } }),
      );
      // DynamoDB stores numbers, not their spelling: compare N values by value.
      const normalize = (v: unknown) =>
        JSON.parse(
          JSON.stringify(v, (k, x) =>
            x instanceof Uint8Array
              ? Buffer.from(x).toString('base64')
              : k === 'N'
                ? canonicalNumber(x)
                : k === 'NS'
                  ? x.map(canonicalNumber)
                  : x,
          ),
        );
      expect(normalize(got.Item)).toEqual(normalize(item));
    }
    // Converting the way-back output again gives the same items: it is an export in AWS's layout.
    const again = await runCli(['convert', 'dynamodb', 'back', 'again', '--keys', 'pk,sk', '--json'], { cwd: root });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).itemCount).toBe(40);
  });

  it('exits 3 on a data file that is not its manifest’s, 2 on bad usage', async () => {
    const written = await writeExportFiles(join(root, 'bad'), items.slice(0, 4));
    await rm(written.dataFiles[0]!.path);
    await writeExportFiles(join(root, 'bad2'), [{ pk: { S: 'x' } }], { exportId: written.exportId });
    const { copyFile } = await import('node:fs/promises');
    const other = (await import('node:fs')).readdirSync(
      join(root, 'bad2', 'AWSDynamoDB', written.exportId, 'data'),
    )[0]!;
    await copyFile(join(root, 'bad2', 'AWSDynamoDB', written.exportId, 'data', other), written.dataFiles[0]!.path);
    const run = await runCli(['convert', 'dynamodb', join(root, 'bad'), join(root, 'bad-out')]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(written.dataFiles[0]!.key);
    expect(run.stderr).toContain('md5');
    expect((await runCli(['convert', 'dynamodb', 'a', 'b', '--keys', ','])).code).toBe(2);
    expect((await runCli(['convert', 'dynamodb', 'a', 'b', '--concurrency', '0'])).code).toBe(2);
  });
});
