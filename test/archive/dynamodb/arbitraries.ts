/** fast-check arbitraries of DynamoDB items in DynamoDB JSON, every type, nested, with awkward names and numbers. */
import fc from 'fast-check';
import type { AttributeValueJson, ItemJson } from '../../../sandbox/dynamodb/exportFiles.js';

const oddNumbers = fc.constantFrom(
  '0',
  '0.10',
  '-1E+5',
  '1e-130',
  '1E+125',
  '-0.000',
  '12345678901234567890123456789012345678',
  '-9.9999999999999999999999999999999999999E+125',
  '100',
  '3.14159',
  '007',
  '1.50',
);
const number = fc.oneof(
  oddNumbers,
  fc.integer().map(String),
  fc.tuple(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.integer({ min: 0, max: 20 })).map(([m, s]) => {
    const t = (m < 0n ? -m : m).toString().padStart(s + 1, '0');
    return `${m < 0n ? '-' : ''}${s === 0 ? t : `${t.slice(0, t.length - s)}.${t.slice(t.length - s)}`}`;
  }),
);
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom('', 'a\u0000b', '"quoted"', 'back\\slash', 'line\nbreak', '😀', '\u2028', 'é'),
);
const b64 = fc.uint8Array({ maxLength: 12 }).map((b) => Buffer.from(b).toString('base64'));
const name = fc.oneof(
  fc.string({ minLength: 1, maxLength: 8 }),
  fc.constantFrom('with space', 'a.b', 'say "hi"', '[0]', "it's", 'ünï', '😀', '$.x', 'a\\b', 'A', 'a'),
);
const uniqueSet = <T>(arb: fc.Arbitrary<T>) => fc.uniqueArray(arb, { minLength: 1, maxLength: 4 });

export const attributeValue: fc.Arbitrary<AttributeValueJson> = fc.letrec<{ value: AttributeValueJson }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text.map((S) => ({ S })),
    number.map((N) => ({ N })),
    b64.map((B) => ({ B })),
    fc.boolean().map((BOOL) => ({ BOOL })),
    fc.constant({ NULL: true as const }),
    uniqueSet(text).map((SS) => ({ SS })),
    uniqueSet(fc.integer().map(String)).map((NS) => ({ NS })),
    uniqueSet(b64.filter((b) => b !== '')).map((BS) => ({ BS })),
    fc.dictionary(name, tie('value'), { maxKeys: 3 }).map((M) => ({ M })),
    fc.array(tie('value'), { maxLength: 3 }).map((L) => ({ L })),
  ),
})).value;

/** A value nested `depth` deep in maps and lists. */
export const deepValue = (depth: number): fc.Arbitrary<AttributeValueJson> =>
  depth === 0
    ? attributeValue
    : fc.oneof(
        fc.tuple(name, deepValue(depth - 1)).map(([k, v]) => ({ M: { [k]: v } })),
        deepValue(depth - 1).map((v) => ({ L: [v] })),
      );

/** Items with a unique string partition key `pk`. */
export const items = (maxLength: number): fc.Arbitrary<ItemJson[]> =>
  fc
    .array(
      fc.record({
        attrs: fc.dictionary(
          name.filter((n) => n !== 'pk'),
          attributeValue,
          { maxKeys: 6 },
        ),
        deep: deepValue(6),
        price: number,
      }),
      { minLength: 1, maxLength },
    )
    .map((rows) =>
      rows.map((r, i) => ({ pk: { S: `item-${i}` }, ...r.attrs, deep: r.deep, price: { N: r.price } }) as ItemJson),
    );
