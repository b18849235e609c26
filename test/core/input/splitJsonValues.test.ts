import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitJsonValues } from '../../../src/core/input/splitJsonValues.js';

const values = (text: string) => splitJsonValues(text).map((c) => (c.ok ? c.value : { error: c.error, line: c.line }));

describe('splitJsonValues', () => {
  it('reads one object', () => {
    expect(values('{"a":1}')).toEqual([{ a: 1 }]);
  });

  it('reads one array as one value (the caller unwraps batches)', () => {
    expect(values('[{"a":1},{"b":2}]')).toEqual([[{ a: 1 }, { b: 2 }]]);
  });

  it('reads NDJSON, one value per line, with their line numbers', () => {
    const chunks = splitJsonValues('{"a":1}\n\n{"b":2}\n{"c":3}\n');
    expect(chunks.map((c) => c.ok && c.value)).toEqual([{ a: 1 }, { b: 2 }, { c: 3 }]);
    expect(chunks.map((c) => c.line)).toEqual([1, 3, 4]);
  });

  it('reads pretty-printed objects written back to back, as `cat *.json` produces', () => {
    const text = '{\n  "a": 1,\n  "s": "}{"\n}{\n  "b": [1, {"c": 2}]\n}\n';
    expect(values(text)).toEqual([{ a: 1, s: '}{' }, { b: [1, { c: 2 }] }]);
  });

  it('keeps escaped quotes and braces inside strings', () => {
    expect(values('{"m":"say \\"}\\" now"} {"n":2}')).toEqual([{ m: 'say "}" now' }, { n: 2 }]);
  });

  it('reports a broken line of NDJSON without losing the others', () => {
    const out = values('{"a":1}\n{"b":\n{"c":3}\n');
    expect(out[0]).toEqual({ a: 1 });
    expect(out[1]).toMatchObject({ line: 2, error: expect.stringContaining('invalid JSON') });
    expect(out[2]).toEqual({ c: 3 });
  });

  it('reports a truncated pretty-printed event and still reads the next one', () => {
    const text = '{\n  "detail": {\n    "state": "FAI\n{\n  "ok": true\n}\n';
    const out = values(text);
    expect(out).toHaveLength(2);
    expect(out[0]).toMatchObject({ line: 1, error: expect.stringContaining('invalid JSON') });
    expect(out[1]).toEqual({ ok: true });
  });

  it('reports a file cut off in the middle as one error with an excerpt', () => {
    const chunks = splitJsonValues('{"detail": {"state": "FAILED", "x": [1, 2');
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toMatchObject({ ok: false, excerpt: '{"detail": {"state": "FAILED", "x": [1, 2' });
  });

  it('reads arrays whose objects start at column 0', () => {
    expect(values('[\n{\n"a": 1\n},\n{\n"b": 2\n}\n]')).toEqual([[{ a: 1 }, { b: 2 }]]);
  });

  it('ignores a byte order mark and surrounding whitespace, and yields nothing for an empty text', () => {
    expect(values('\uFEFF  {"a":1}  \n')).toEqual([{ a: 1 }]);
    expect(splitJsonValues('  \n ')).toEqual([]);
  });

  it('round-trips any sequence of JSON values, in every layout', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), { minLength: 1, maxLength: 5 }), fc.boolean(), (vals, pretty) => {
        const docs = vals.map((v) => ({ v }));
        const text = docs.map((d) => JSON.stringify(d, null, pretty ? 2 : 0)).join(pretty ? '' : '\n');
        // JSON.stringify turns -0 into 0; compare the parsed forms.
        expect(values(text)).toEqual(docs.map((d) => JSON.parse(JSON.stringify(d))));
      }),
    );
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(() => splitJsonValues(text)).not.toThrow();
      }),
    );
  });
});
