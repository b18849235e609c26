import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decimalScale, numberShape } from '../../../src/core/dynamodb/attributeTypes.js';
import type { ColumnSpec } from '../../../src/core/dynamodb/columnMapping.js';
import { columnExpression, sqlString } from '../../../src/core/dynamodb/dynamoSql.js';

describe('the DECIMAL column expression', () => {
  it('is the exact DECIMAL(38,s) of the text, through the fast DECIMAL(18,s) or not (property)', async () => {
    const duck = await DuckDBInstance.create(':memory:');
    const c = await duck.connect();
    const numbers = fc
      .tuple(
        fc.constantFrom('', '-'),
        fc.stringMatching(/^[0-9]{0,24}$/),
        fc.option(fc.stringMatching(/^[0-9]{0,12}$/)),
        fc.option(fc.integer({ min: -20, max: 20 })),
      )
      .filter(([, i, f]) => i !== '' || (f ?? '') !== '')
      .map(([s, i, f, e]) => `${s}${i}${f === null ? '' : `.${f}`}${e === null ? '' : `E${e >= 0 ? '+' : ''}${e}`}`);
    await fc.assert(
      fc.asyncProperty(numbers, async (text) => {
        const shape = numberShape(text)!;
        const scale = decimalScale({
          name: 'x',
          tags: { N: 1 },
          maxScale: shape.scale,
          maxIntegerDigits: shape.integerDigits,
        });
        if (scale === undefined) return;
        const type = `DECIMAL(38,${scale})`;
        const spec: ColumnSpec = { column: 'x', attribute: 'x', role: 'decimal', tag: 'N', type, scale };
        // Some texts DuckDB's exact cast itself refuses (e.g. 20 digits with an exponent): not this test's concern.
        const exact = await c
          .runAndReadAll(`SELECT CAST(${sqlString(text)} AS ${type})::VARCHAR AS v`)
          .then((r) => r.getRowObjectsJson()[0]!.v)
          .catch(() => undefined);
        if (exact === undefined) return;
        const row = (
          await c.runAndReadAll(`SELECT (${columnExpression(spec, sqlString(text))})::${type}::VARCHAR AS fast`)
        ).getRowObjectsJson()[0]!;
        expect(row.fast).toBe(exact);
      }),
      { numRuns: 300 },
    );
    c.closeSync();
    duck.closeSync();
  });
});
