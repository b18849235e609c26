import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decimalScale, numberShape } from '../../../src/core/dynamodb/attributeTypes.js';
import { decideColumns, safeColumnName } from '../../../src/core/dynamodb/columnMapping.js';
import { attributePath, NUMBER_MACROS, sqlString } from '../../../src/core/dynamodb/dynamoSql.js';

describe('number shapes', () => {
  it('finds the exact scale and integer digits', () => {
    expect(numberShape('12.50')).toEqual({ scale: 1, integerDigits: 2 });
    expect(numberShape('-1E+5')).toEqual({ scale: -5, integerDigits: 6 });
    expect(numberShape('1e-130')).toEqual({ scale: 130, integerDigits: 0 });
    expect(numberShape('0.000')).toEqual({ scale: 0, integerDigits: 0 });
    expect(numberShape('007')).toEqual({ scale: 0, integerDigits: 1 });
    expect(decimalScale({ name: 'x', tags: { N: 2 }, maxScale: 2, maxIntegerDigits: 36 })).toBe(2);
    expect(decimalScale({ name: 'x', tags: { N: 2 }, maxScale: 2, maxIntegerDigits: 37 })).toBeUndefined();
  });

  it('computes in DuckDB what numberShape computes (property)', async () => {
    const duck = await DuckDBInstance.create(':memory:');
    const c = await duck.connect();
    for (const sql of NUMBER_MACROS) await c.run(sql);
    const numbers = fc
      .tuple(
        fc.constantFrom('', '-'),
        fc.stringMatching(/^[0-9]{0,6}$/),
        fc.option(fc.stringMatching(/^[0-9]{0,6}$/)),
        fc.option(fc.integer({ min: -130, max: 125 })),
      )
      .filter(([, i, f]) => i !== '' || (f ?? '') !== '')
      .map(([s, i, f, e]) => `${s}${i}${f === null ? '' : `.${f}`}${e === null ? '' : `E${e >= 0 ? '+' : ''}${e}`}`);
    await fc.assert(
      fc.asyncProperty(numbers, async (text) => {
        const row = (
          await c.runAndReadAll(`SELECT vp_scale(${sqlString(text)}) s, vp_int_digits(${sqlString(text)}) i`)
        ).getRowObjectsJson()[0]!;
        const shape = numberShape(text)!;
        expect({ scale: Number(row.s), integerDigits: Number(row.i) }).toEqual(shape);
      }),
      { numRuns: 200 },
    );
    c.closeSync();
    duck.closeSync();
  });
});

describe('column names', () => {
  it('are safe and unique case-insensitively, keeping _item ours', () => {
    const taken = new Set(['_item']);
    expect(['a.b c', 'A', 'a', '9lives', '', '_item', 'a_b_c', 'ünï'].map((n) => safeColumnName(n, taken))).toEqual([
      'a_b_c',
      'A',
      'a_2',
      'a_9lives',
      'a_',
      '_item_2',
      'a_b_c_2',
      '_n_',
    ]);
  });

  it('JSON paths quote dots, quotes and backslashes', () => {
    expect(attributePath('say "hi".x\\y')).toBe('$."say \\"hi\\".x\\\\y"');
  });

  it('keys come first and mixed or NULL-only attributes get no column', () => {
    const stats = new Map([
      ['z', { name: 'z', tags: { S: 2 } }],
      ['pk', { name: 'pk', tags: { N: 2 }, maxScale: 0, maxIntegerDigits: 3 }],
      ['mix', { name: 'mix', tags: { S: 1, N: 1 }, maxScale: 0, maxIntegerDigits: 1 }],
      ['nul', { name: 'nul', tags: { NULL: 2 } }],
      ['opt', { name: 'opt', tags: { BOOL: 1, NULL: 1 } }],
    ]);
    const columns = decideColumns({ stats, itemCount: 2, keys: { partitionKey: 'pk' }, maxColumns: 10 });
    expect(columns.map((c) => `${c.column}:${c.type}`)).toEqual([
      'pk:DOUBLE',
      'pk_decimal:DECIMAL(38,0)',
      'opt:BOOLEAN',
      'z:VARCHAR',
      '_item:JSON',
    ]);
    expect(() => decideColumns({ stats, itemCount: 2, keys: { partitionKey: 'mix' }, maxColumns: 10 })).toThrow(
      'key attribute "mix" must be S, N or B',
    );
  });
});
