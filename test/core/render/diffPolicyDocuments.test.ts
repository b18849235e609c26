import { describe, expect, it } from 'vitest';
import {
  diffPolicyDocuments,
  MAX_DIFF_LINES,
  MAX_TEXT_EXCERPT_LINES,
} from '../../../src/core/policy/diffPolicyDocuments.js';
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
  it('says what changed in a plan in the words of the summary, leaving out @@assign', () => {
    const diff = diffPolicyDocuments(policyBefore, policyAfterBroken);
    expect(diff?.mode).toBe('changes');
    expect(lineTexts(diff)).toEqual([
      '~ plan Daily, rule Daily: delete after 2 days → 7 days',
      '+ plan Weekly (new plan)',
      '+ plan Weekly, rule Weekly (new rule)',
      '+ plan Weekly, rule Weekly: schedule cron(0 5 ? * 1 *): every Sunday at 05:00 UTC',
    ]);
    expect(diff?.notes.join()).toMatch(/new version: removed 1 control character/);
  });

  it('says a removed plan in one line, with how many settings went with it', () => {
    const diff = diffPolicyDocuments(
      '{"plans":{"A":{"regions":{"@@assign":["eu-west-1"]}},"B":{"regions":{"@@assign":["eu-west-1"]},"rules":{"R":{"target_backup_vault_name":{"@@assign":"v"}}}}}}',
      '{"plans":{"A":{"regions":{"@@assign":["eu-west-1"]}}}}',
    );
    expect(lineTexts(diff)).toEqual(['- plan B (removed, with its 2 settings)']);
  });

  it('names the Regions a changed list adds and removes', () => {
    const diff = diffPolicyDocuments(
      '{"plans":{"P":{"regions":{"@@append":["us-east-1","eu-north-1"]}}}}',
      '{"plans":{"P":{"regions":{"@@append":["us-east-1","eu-west-1"]}}}}',
    );
    expect(lineTexts(diff)).toEqual([
      '~ plan P: adds Regions us-east-1, eu-north-1 → us-east-1, eu-west-1 (added eu-west-1; removed eu-north-1)',
    ]);
  });

  it('says when a value changes inheritance operator', () => {
    const diff = diffPolicyDocuments(
      '{"plans":{"P":{"regions":{"@@assign":["us-east-1"]}}}}',
      '{"plans":{"P":{"regions":{"@@append":["us-east-1"]}}}}',
    );
    expect(lineTexts(diff)).toEqual(['~ plan P: sets Regions us-east-1 → adds Regions us-east-1']);
  });

  it('says when a value is locked for child policies', () => {
    const diff = diffPolicyDocuments(
      '{"plans":{"P":{"rules":{"R":{"lifecycle":{"delete_after_days":{"@@assign":"35"}}}}}}}',
      '{"plans":{"P":{"rules":{"R":{"lifecycle":{"delete_after_days":{"@@assign":"35","@@operators_allowed_for_child_policies":["@@none"]}}}}}}}',
    );
    expect(lineTexts(diff)).toEqual(['+ plan P, rule R: child policies may not change the deletion age']);
  });

  it('lists keys it does not know by their path, with readable values, for other policy types too', () => {
    const diff = diffPolicyDocuments('{"regions":["a"],"my key":1}', '{"regions":["a","b"],"my key":2}');
    expect(lineTexts(diff)).toEqual(['~ regions: a → a, b (added b)', '~ my key: 1 → 2']);
  });

  it('says when nothing changed', () => {
    expect(diffPolicyDocuments('{"a":1}', '{ "a" : 1 }')).toMatchObject({ mode: 'unchanged', lines: [] });
  });

  it('summarizes the whole document when no previous version is known', () => {
    const diff = diffPolicyDocuments(undefined, policyBefore, { policyType: 'BACKUP_POLICY' });
    expect(diff?.mode).toBe('document');
    expect(diff?.title).toBe('Summary of the whole document (no earlier version known to compare with)');
    expect(diff?.lines.map((l) => l.text)).toEqual([
      'Plan Daily',
      '  sets Regions eu-west-1',
      '  Rule Daily',
      '    schedule cron(0 5 ? * * *): every day at 05:00 UTC',
      '    delete after 2 days',
      '    target vault Default',
    ]);
  });

  it('summarizes the last known document of a deleted policy', () => {
    const diff = diffPolicyDocuments('{"a":1}', undefined);
    expect(diff?.title).toMatch(/deleted/);
    expect(diff?.mode).toBe('document');
    expect(diff?.lines).toEqual([{ op: ' ', text: 'a: 1' }]);
  });

  it('returns nothing when no document is known at all', () => {
    expect(diffPolicyDocuments(undefined, undefined)).toBeUndefined();
  });

  it('falls back to a line diff, setting by setting, when a document cannot be repaired', () => {
    const diff = diffPolicyDocuments('{"a":1,"b":2}', '{"a":1,"b":3');
    expect(diff?.mode).toBe('text-changes');
    expect(lineTexts(diff)).toEqual(['- b: 2', '+ b: 3']);
    expect(diff?.notes.join()).toMatch(/new version is not valid JSON/);
  });

  it('shows an unrepairable document as cleaned text, never with control characters', () => {
    const diff = diffPolicyDocuments(undefined, 'not json\u0007 at\tall');
    expect(diff?.mode).toBe('text');
    expect(diff?.lines.map((l) => l.text)).toEqual(['not json? at  all']);
  });

  it('shows a cut-off document as a bounded excerpt, one setting a line, without quotes or braces', () => {
    const rules = Object.fromEntries(
      Array.from({ length: 100 }, (_, i) => [`R${i}`, { target_backup_vault_name: { '@@assign': `v${i}` } }]),
    );
    const cut = JSON.stringify({ plans: { P: { rules } } }).slice(0, -40);
    const diff = diffPolicyDocuments(undefined, cut);
    expect(diff?.mode).toBe('text');
    expect(diff?.lines).toHaveLength(MAX_TEXT_EXCERPT_LINES);
    expect(diff?.lines.slice(0, 5).map((l) => l.text)).toEqual([
      'plans:',
      '  P:',
      '    rules:',
      '      R0:',
      '        target_backup_vault_name:',
    ]);
    expect(diff?.notes.join(' ')).toMatch(/not valid JSON .*excerpt.*first 40 of \d+ lines shown/);
    expect(diff?.lines.some((l) => /[{}"[\]]/.test(l.text))).toBe(false);
  });

  it('keeps at most MAX_DIFF_LINES lines and says how many more there were', () => {
    const big = JSON.stringify(Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i])));
    const diff = diffPolicyDocuments('{}', big);
    expect(diff?.lines).toHaveLength(MAX_DIFF_LINES);
    expect(diff?.notes.join()).toMatch(/and 300 more lines not shown/);
  });

  it('decodes a document that was JSON-encoded twice', () => {
    const diff = diffPolicyDocuments(JSON.stringify('{"a":1}'), '{"a":2}');
    expect(lineTexts(diff)).toEqual(['~ a: 1 → 2']);
  });

  it('never throws on a document nested far deeper than any policy', () => {
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    const deeper = `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`;
    expect(diffPolicyDocuments(deep, deeper)?.mode).toBe('changes');
    expect(diffPolicyDocuments(undefined, deeper)?.lines[0]?.text).toMatch(/nested deeper than 12 levels, not shown/);
  });
});
