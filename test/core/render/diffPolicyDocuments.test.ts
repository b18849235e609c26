import { describe, expect, it } from 'vitest';
import { diffPolicyDocuments, MAX_DIFF_LINES } from '../../../src/core/policy/diffPolicyDocuments.js';
import { parsePolicyDocument } from '../../../src/core/policy/parsePolicyDocument.js';
import { policyAfterBroken, policyBefore } from './sampleSignals.js';

const lineTexts = (diff: ReturnType<typeof diffPolicyDocuments>) => diff?.lines.map((l) => `${l.op} ${l.text}`);

describe('parsePolicyDocument', () => {
  it('parses a valid document without repairs', () => {
    expect(parsePolicyDocument('{"a":1}')).toEqual({ ok: true, value: { a: 1 }, repairs: [] });
  });

  it('repairs a raw line break inside a key, as in a real CloudTrail sample', () => {
    const parsed = parsePolicyDocument('{"delete_aft\ner_days":{"@@assign":"7"}}');
    expect(parsed).toMatchObject({ ok: true, value: { delete_after_days: { '@@assign': '7' } } });
    expect(parsed.ok && parsed.repairs[0]).toMatch(/control character/);
  });

  it('keeps escaped line breaks, which are valid content', () => {
    expect(parsePolicyDocument('{"a":"x\\ny"}')).toMatchObject({ ok: true, value: { a: 'x\ny' }, repairs: [] });
  });

  it('repairs a byte-order mark and trailing commas', () => {
    const parsed = parsePolicyDocument('\ufeff{"a":[1,2,],}');
    expect(parsed).toMatchObject({ ok: true, value: { a: [1, 2] } });
    expect(parsed.ok && parsed.repairs).toHaveLength(2);
  });

  it('reports, without throwing, what it cannot repair', () => {
    const parsed = parsePolicyDocument('{"a": nope');
    expect(parsed.ok).toBe(false);
  });
});

describe('diffPolicyDocuments', () => {
  it('shows a changed setting by its path, leaving out @@assign', () => {
    const diff = diffPolicyDocuments(policyBefore, policyAfterBroken);
    expect(diff?.mode).toBe('changes');
    expect(lineTexts(diff)).toEqual([
      '~ plans.Daily.rules.Daily.lifecycle.delete_after_days: "2" → "7"',
      '+ plans.Weekly: {"rules":{"Weekly":{"schedule_expression":"cron(0 5 ? * 1 *)"}}}',
    ]);
    expect(diff?.notes.join()).toMatch(/new version: removed 1 control character/);
  });

  it('shows removed settings', () => {
    const diff = diffPolicyDocuments('{"plans":{"A":{"x":1},"B":{"y":2}}}', '{"plans":{"A":{"x":1}}}');
    expect(lineTexts(diff)).toEqual(['- plans.B: {"y":2}']);
  });

  it('compares arrays as whole values and quotes keys that are not plain words', () => {
    const diff = diffPolicyDocuments('{"regions":["a"],"my key":1}', '{"regions":["a","b"],"my key":2}');
    expect(lineTexts(diff)).toEqual(['~ regions: ["a"] → ["a","b"]', '~ ["my key"]: 1 → 2']);
  });

  it('says when nothing changed', () => {
    expect(diffPolicyDocuments('{"a":1}', '{ "a" : 1 }')).toMatchObject({ mode: 'unchanged', lines: [] });
  });

  it('pretty-prints the whole document when no previous version is known', () => {
    const diff = diffPolicyDocuments(undefined, '{"plans":{"Daily":{}}}');
    expect(diff?.mode).toBe('document');
    expect(diff?.lines.map((l) => l.text)).toEqual(['{', '  "plans": {', '    "Daily": {}', '  }', '}']);
  });

  it('shows the last known document of a deleted policy', () => {
    const diff = diffPolicyDocuments('{"a":1}', undefined);
    expect(diff?.title).toMatch(/deleted/);
    expect(diff?.mode).toBe('document');
  });

  it('returns nothing when no document is known at all', () => {
    expect(diffPolicyDocuments(undefined, undefined)).toBeUndefined();
  });

  it('falls back to a line diff, setting by setting, when a document cannot be repaired', () => {
    const diff = diffPolicyDocuments('{"a":1,"b":2}', '{"a":1,"b":3');
    expect(diff?.mode).toBe('text-changes');
    expect(lineTexts(diff)).toEqual(['-   "b":2', '- }', '+   "b":3']);
    expect(diff?.notes.join()).toMatch(/new version is not valid JSON/);
  });

  it('shows an unrepairable document as cleaned text, never with control characters', () => {
    const diff = diffPolicyDocuments(undefined, 'not json\u0007 at\tall');
    expect(diff?.mode).toBe('text');
    expect(diff?.lines.map((l) => l.text)).toEqual(['not json? at  all']);
  });

  it('keeps at most MAX_DIFF_LINES lines and says how many more there were', () => {
    const big = JSON.stringify(Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i])));
    const diff = diffPolicyDocuments('{}', big);
    expect(diff?.lines).toHaveLength(MAX_DIFF_LINES);
    expect(diff?.notes.join()).toMatch(/300 more lines not shown/);
  });

  it('decodes a document that was JSON-encoded twice', () => {
    const diff = diffPolicyDocuments(JSON.stringify('{"a":1}'), '{"a":2}');
    expect(lineTexts(diff)).toEqual(['~ a: 1 → 2']);
  });
});
