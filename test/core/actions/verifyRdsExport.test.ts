import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ExportObject,
  isExportInfoKey,
  isParquetKey,
  isTablesInfoKey,
  parseTablesInfo,
  type TableStatus,
  tableFolderOf,
  verifyRdsExport,
} from '../../../src/core/actions/verifyRdsExport.js';

const ROOT = 'exports/account=111122223333/region=eu-west-1/type=rds/resource=prod-db/date=2026-11-20/vp-x-1/';
const INFO = `${ROOT}export_tables_info_vp-x-1_from_1_to_3.json`;

const parquet = (folder: string, n = 1, size = 1000, validParquet = true): ExportObject[] =>
  Array.from({ length: n }, (_, i) => ({
    key: `${ROOT}${folder}/1/part-0000${i}-abc.gz.parquet`,
    size,
    etag: `"e${i}"`,
    validParquet,
  }));
const info = (tables: TableStatus[], key = INFO) => [{ key, tables }];
const t = (target: string, status = 'COMPLETE', extra: Partial<TableStatus> = {}): TableStatus => ({
  target,
  status,
  ...extra,
});

interface Case {
  readonly name: string;
  readonly tables: TableStatus[] | undefined;
  readonly objects: ExportObject[];
  readonly complete: boolean;
  readonly failure?: RegExp;
  readonly warnings?: RegExp[];
  readonly counts?: Record<string, number>;
}

const CASES: Case[] = [
  {
    name: 'complete export: every table COMPLETE with Parquet',
    tables: [t('db.public.orders', 'COMPLETE', { sizeGB: 0.01 }), t('db.public.customers')],
    objects: [...parquet('db/public.orders', 2), ...parquet('db/public.customers', 1)],
    complete: true,
    warnings: [],
    counts: { 'db.public.orders': 2, 'db.public.customers': 1 },
  },
  {
    name: 'skipped and failed tables: partial, named in warnings',
    tables: [
      t('db.public.orders'),
      t('db.public.logs', 'SKIPPED', { warningMessage: 'unsupported type' }),
      t('db.public.big', 'FAILED', { failureCause: 'out of space', warningMessage: 'ignored' }),
    ],
    objects: parquet('db/public.orders'),
    complete: false,
    warnings: [/^table db\.public\.logs skipped: unsupported type$/, /^table db\.public\.big failed: out of space$/],
  },
  {
    name: 'COMPLETE table with sizeGB > 0 and no Parquet: failure',
    tables: [t('db.public.orders', 'COMPLETE', { sizeGB: 2 })],
    objects: [],
    complete: false,
    failure: /db\.public\.orders: RDS reports 2 GB extracted, but no Parquet object/,
  },
  {
    name: 'empty table (sizeGB 0): a warning only',
    tables: [t('db.public.orders'), t('db.public.empty', 'COMPLETE', { sizeGB: 0 })],
    objects: parquet('db/public.orders'),
    complete: true,
    warnings: [/^table db\.public\.empty is empty/],
  },
  {
    name: 'a .parquet object that is not Parquet: failure',
    tables: [t('db.public.orders')],
    objects: [...parquet('db/public.orders', 1), ...parquet('db/public.orders', 1, 1000, false).map(renamed)],
    complete: false,
    failure: /db\.public\.orders: 1 of its Parquet objects are not Parquet/,
  },
  {
    name: 'a zero-byte .parquet object: failure',
    tables: [t('db.public.orders')],
    objects: parquet('db/public.orders', 1, 0, true),
    complete: false,
    failure: /not Parquet/,
  },
  {
    name: 'no info files, no objects',
    tables: undefined,
    objects: [],
    complete: false,
    failure: /wrote nothing under its prefix/,
  },
  {
    name: 'no info files, but objects',
    tables: undefined,
    objects: parquet('db/public.orders'),
    complete: false,
    failure: /no export_tables_info_\*\.json/,
  },
  {
    name: 'an info file listing zero tables',
    tables: [],
    objects: [],
    complete: false,
    failure: /list no table/,
  },
  {
    name: 'MySQL layout db/db.table with target db.db.table',
    tables: [t('shop.shop.orders')],
    objects: parquet('shop/shop.orders', 3),
    complete: true,
    counts: { 'shop.shop.orders': 3 },
  },
  {
    name: 'MySQL layout db/db.table with target db.table',
    tables: [t('shop.orders')],
    objects: parquet('shop/shop.orders', 2),
    complete: true,
    counts: { 'shop.orders': 2 },
  },
  {
    name: 'objects of public.orders do not count for public.order',
    tables: [t('db.public.order', 'COMPLETE', { sizeGB: 1 }), t('db.public.orders')],
    objects: parquet('db/public.orders', 2),
    complete: false,
    failure: /db\.public\.order: RDS reports 1 GB/,
    counts: { 'db.public.order': 0, 'db.public.orders': 2 },
  },
  {
    name: 'objects of db2 do not count for the same table of db1',
    tables: [t('db1.public.t', 'COMPLETE', { sizeGB: 1 })],
    objects: parquet('db2/public.t', 1),
    complete: false,
    failure: /db1\.public\.t: RDS reports 1 GB/,
  },
];

function renamed(o: ExportObject): ExportObject {
  return { ...o, key: o.key.replace('part-', 'broken-') };
}

describe('verifyRdsExport', () => {
  it.each(CASES)('$name', (c) => {
    const v = verifyRdsExport(ROOT, c.tables === undefined ? [] : info(c.tables), c.objects);
    expect(v.complete).toBe(c.complete);
    if (c.failure) expect(v.failure).toMatch(c.failure);
    else expect(v.failure).toBeUndefined();
    if (c.warnings) {
      expect(v.warnings).toHaveLength(c.warnings.length);
      c.warnings.forEach((w, i) => {
        expect(v.warnings[i]).toMatch(w);
      });
    }
    for (const [target, count] of Object.entries(c.counts ?? {})) {
      expect(v.tables.find((x) => x.target === target)?.objects).toHaveLength(count);
    }
    expect(v.objects).toBe(c.objects.length);
    expect(v.bytes).toBe(c.objects.reduce((s, o) => s + o.size, 0));
    expect(v.infoFiles).toEqual(c.tables === undefined ? [] : [INFO]);
  });

  it('caps warnings at 50', () => {
    const tables = Array.from({ length: 80 }, (_, i) => t(`db.public.t${i}`, 'SKIPPED'));
    const v = verifyRdsExport(ROOT, info(tables), []);
    expect(v.complete).toBe(false);
    expect(v.failure).toBeUndefined();
    expect(v.warnings).toHaveLength(50);
    expect(v.tables).toHaveLength(80);
  });

  it('merges the tables of several info files and counts bytes per table', () => {
    const v = verifyRdsExport(
      ROOT,
      [
        { key: `${ROOT}export_tables_info_a_from_1_to_1.json`, tables: [t('db.public.a')] },
        { key: `${ROOT}export_tables_info_a_from_2_to_2.json`, tables: [t('db.public.b')] },
      ],
      [...parquet('db/public.a', 2, 100), ...parquet('db/public.b', 1, 50)],
    );
    expect(v.complete).toBe(true);
    expect(v.tables.map((x) => [x.target, x.bytes])).toEqual([
      ['db.public.a', 200],
      ['db.public.b', 50],
    ]);
    expect(v.infoFiles).toHaveLength(2);
  });

  it('ignores objects outside the root and non-Parquet keys for tables', () => {
    const v = verifyRdsExport(ROOT, info([t('db.public.orders', 'COMPLETE', { sizeGB: 1 })]), [
      { key: `other/db/public.orders/1/part-0.gz.parquet`, size: 10, validParquet: true },
      { key: `${ROOT}db/public.orders/1/_SUCCESS`, size: 0 },
    ]);
    expect(v.complete).toBe(false);
    expect(v.failure).toMatch(/no Parquet object/);
  });

  const statusArb = fc.constantFrom('COMPLETE', 'SKIPPED', 'FAILED', 'IN_PROGRESS');
  const tableArb = fc.record({
    name: fc.stringMatching(/^[a-z]{1,6}$/),
    status: statusArb,
    sizeGB: fc.option(fc.double({ min: 0, max: 10, noNaN: true }), { nil: undefined }),
    objects: fc.nat(3),
    valid: fc.boolean(),
  });

  it('never reports complete when a table is not COMPLETE, or with a failure', () => {
    fc.assert(
      fc.property(fc.array(tableArb, { minLength: 1, maxLength: 8 }), (specs) => {
        const tables = specs.map((s) =>
          t(`db.public.${s.name}`, s.status, s.sizeGB === undefined ? {} : { sizeGB: s.sizeGB }),
        );
        const objects = specs.flatMap((s) => parquet(`db/public.${s.name}`, s.objects, 100, s.valid));
        const v = verifyRdsExport(ROOT, info(tables), objects);
        if (specs.some((s) => s.status !== 'COMPLETE')) expect(v.complete).toBe(false);
        if (v.failure) expect(v.complete).toBe(false);
        if (v.complete) {
          for (const table of v.tables) {
            expect(table.status).toBe('COMPLETE');
            expect(table.problem).toBeUndefined();
          }
        }
        expect(v.warnings.length).toBeLessThanOrEqual(50);
        // Every object is counted for at most the tables whose folder it is in.
        for (const table of v.tables) {
          for (const o of table.objects) expect(o.key.startsWith(`${ROOT}db/${table.target.slice(3)}/`)).toBe(true);
        }
      }),
    );
  });

  it('a COMPLETE-only export with valid Parquet for every table is complete', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[a-z]{1,8}$/), { minLength: 1, maxLength: 6 }), (names) => {
        const v = verifyRdsExport(
          ROOT,
          info(names.map((n) => t(`db.public.${n}`, 'COMPLETE', { sizeGB: 1 }))),
          names.flatMap((n) => parquet(`db/public.${n}`)),
        );
        expect(v.complete).toBe(true);
        expect(v.warnings).toEqual([]);
        for (const table of v.tables) expect(table.objects).toHaveLength(1);
      }),
    );
  });
});

describe('status file helpers', () => {
  it('tells the key kinds apart', () => {
    expect(isTablesInfoKey(`${ROOT}export_tables_info_vp-x-1_from_1_to_3.json`)).toBe(true);
    expect(isTablesInfoKey(`${ROOT}export_info_vp-x-1.json`)).toBe(false);
    expect(isExportInfoKey(`${ROOT}export_info_vp-x-1.json`)).toBe(true);
    expect(isExportInfoKey(`${ROOT}export_tables_info_vp-x-1_from_1_to_3.json`)).toBe(false);
    expect(isParquetKey('a/b.gz.parquet')).toBe(true);
    expect(isParquetKey('a/b.json')).toBe(false);
  });

  it('parses perTableStatus, keeping unknown fields', () => {
    const tables = parseTablesInfo(
      JSON.stringify({ perTableStatus: [{ target: 'db.public.t', status: 'COMPLETE', sizeGB: 0, extra: 1 }] }),
      'k',
    );
    expect(tables[0]).toMatchObject({ target: 'db.public.t', status: 'COMPLETE', sizeGB: 0, extra: 1 });
  });

  it('refuses text that is not a status file', () => {
    expect(() => parseTablesInfo('{', 'k.json')).toThrow(/k\.json is not JSON/);
    expect(() => parseTablesInfo('{"tables":[]}', 'k.json')).toThrow(/no perTableStatus/);
  });

  it('finds the table folder of a key', () => {
    expect(tableFolderOf(ROOT, `${ROOT}db/public.t/1/part.parquet`)).toEqual({ database: 'db', table: 'public.t' });
    expect(tableFolderOf(ROOT, `${ROOT}export_info_x.json`)).toBeUndefined();
    expect(tableFolderOf(ROOT, 'elsewhere/db/public.t/1/part.parquet')).toBeUndefined();
  });
});
