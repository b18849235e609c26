/**
 * The promise that no message shows a policy document as JSON: every format (email text, Slack, Teams,
 * webhook text/summary/policy.diff) of every policy fixture, and of random documents, whole, changed,
 * cut off or broken, carries the document only in words or as key/value lines.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeInput } from '../../../src/core/normalize/normalizeInput.js';
import { renderSignal } from '../../../src/core/render/renderSignal.js';
import type { Signal } from '../../../src/core/signal.js';
import { repoRoot, stringsIn } from './renderingChecks.js';
import { policyUpdate } from './sampleSignals.js';

/** What JSON text looks like: an object opening on a key, a key followed by a value, a quoted operator. */
const JSON_LITERAL = /\{\s*"|"\s*:\s*[{["\d]|\[\s*"|"@@|@@assign"/;

/** The strings of a rendering that look like JSON text. */
function jsonLooking(rendering: unknown): string[] {
  return stringsIn(rendering)
    .flatMap((s) => s.split('\n'))
    .filter((line) => JSON_LITERAL.test(line));
}

/** Every object and array inside a document, as compact and pretty JSON, when long enough to mean something. */
function dumpsOf(document: unknown): string[] {
  const dumps: string[] = [];
  const walk = (node: unknown) => {
    if (node === null || typeof node !== 'object') return;
    const compact = JSON.stringify(node);
    if (compact.length >= 12) dumps.push(compact, JSON.stringify(node, null, 2));
    for (const child of Object.values(node)) walk(child);
  };
  walk(document);
  return dumps;
}

const fixturesDir = join(repoRoot, 'test/fixtures/events/cloudtrail');
const policyFixtures = readdirSync(fixturesDir)
  .filter((f) => f.includes('organizations') && f.endsWith('.json') && !f.endsWith('.expected.json'))
  .map((f) => f.replace(/\.json$/, ''));

const signalsOf = (name: string): Signal[] =>
  normalizeInput(JSON.parse(readFileSync(join(fixturesDir, `${name}.json`), 'utf8')));

const withContent = (content: string, type = 'BACKUP_POLICY'): Signal => ({
  ...policyUpdate,
  policy: { ...policyUpdate.policy, type, content },
});

// Keys and values from a safe alphabet, so any JSON-looking text in a message came from a dump.
const word = fc.stringMatching(/^[A-Za-z0-9_ .*/$-]{1,12}$/);
const leaf = fc.oneof(word, fc.integer(), fc.boolean(), fc.constant(null), fc.array(word, { maxLength: 4 }));
const setting = fc.oneof(
  leaf,
  leaf.map((v) => ({ '@@assign': v })),
  fc.array(word, { maxLength: 3 }).map((v) => ({ '@@append': v })),
  fc.array(word, { maxLength: 3 }).map((v) => ({ '@@remove': v })),
  leaf.map((v) => ({ '@@assign': v, '@@operators_allowed_for_child_policies': ['@@none'] })),
);
const settings = (keys: readonly string[]) =>
  fc.dictionary(fc.oneof(fc.constantFrom(...keys), word), setting, { maxKeys: 5 });
const rule = fc.record(
  {
    schedule_expression: fc
      .constantFrom('cron(0 5 ? * * *)', 'cron(0 5/1 ? * * *)', 'rate(1 day)')
      .map((v) => ({ '@@assign': v })),
    lifecycle: settings(['delete_after_days', 'move_to_cold_storage_after_days']),
    copy_actions: fc.dictionary(
      word,
      fc.record({ target_backup_vault_arn: setting, lifecycle: settings(['delete_after_days']) }),
      {
        maxKeys: 2,
      },
    ),
    extra: settings(['target_backup_vault_name', 'start_backup_window_minutes', 'enable_continuous_backup']),
  },
  { requiredKeys: [] },
);
const plan = fc.record(
  {
    regions: setting,
    rules: fc.dictionary(word, rule, { maxKeys: 3 }),
    selections: fc.record(
      {
        tags: fc.dictionary(word, settings(['tag_key', 'tag_value', 'iam_role_arn']), { maxKeys: 2 }),
        resources: fc.dictionary(word, settings(['resource_types', 'not_resource_types', 'iam_role_arn']), {
          maxKeys: 2,
        }),
      },
      { requiredKeys: [] },
    ),
    unknown: fc.dictionary(word, fc.oneof(leaf, fc.dictionary(word, leaf, { maxKeys: 2 })), { maxKeys: 3 }),
  },
  { requiredKeys: [] },
);
const backupDocument = fc.dictionary(word, plan, { minKeys: 1, maxKeys: 3 }).map((plans) => ({ plans }));
/** A document as text: valid, cut off, or broken by a raw line break inside a string. */
const asText = (document: unknown) =>
  fc.constantFrom('valid', 'cut', 'broken').map((how) => {
    const text = JSON.stringify(document);
    if (how === 'cut') return text.slice(0, Math.max(1, Math.floor(text.length * 0.7)));
    if (how === 'broken') return text.replace(/_/g, '_\n');
    return text;
  });

describe('no policy document is shown as JSON', () => {
  it('finds the policy fixtures', () => {
    expect(policyFixtures.length).toBeGreaterThan(5);
  });

  it.each(policyFixtures)('renders %s in every format without JSON text', (name) => {
    const previous = name === 'organizations-updatepolicy' ? signalsOf('organizations-createpolicy')[0] : undefined;
    for (const signal of signalsOf(name)) {
      for (const options of [
        {},
        ...(previous?.policy?.content ? [{ previousPolicyContent: previous.policy.content }] : []),
      ]) {
        const rendering = renderSignal(signal, options);
        expect(jsonLooking(rendering)).toEqual([]);
        const content = signal.policy?.content;
        if (content) {
          const strings = stringsIn(rendering);
          expect(dumpsOf(JSON.parse(content)).filter((d) => strings.some((s) => s.includes(d)))).toEqual([]);
        }
      }
    }
  });

  it('renders random backup policies, whole, changed, cut off or broken, without JSON text', () => {
    fc.assert(
      fc.property(
        backupDocument.chain(asText),
        fc.option(backupDocument.chain(asText), { nil: undefined }),
        (current, previous) => {
          const rendering = renderSignal(
            withContent(current),
            previous === undefined ? {} : { previousPolicyContent: previous },
          );
          expect(jsonLooking(rendering)).toEqual([]);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('never carries a JSON dump of any part of a random document, of any policy type', () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 4 }),
        fc.option(fc.jsonValue({ maxDepth: 4 }), { nil: undefined }),
        fc.constantFrom('BACKUP_POLICY', 'SERVICE_CONTROL_POLICY', 'TAG_POLICY'),
        (document, previous, type) => {
          const content = JSON.stringify(document);
          const rendering = renderSignal(
            withContent(content, type),
            previous === undefined ? {} : { previousPolicyContent: JSON.stringify(previous) },
          );
          const strings = stringsIn(rendering);
          const dumps = [...dumpsOf(document), ...(previous === undefined ? [] : dumpsOf(previous))];
          expect(dumps.filter((d) => strings.some((s) => s.includes(d)))).toEqual([]);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('policy keys that Object.prototype also has', () => {
  it('renders a policy with keys named constructor, __proto__ and toString', () => {
    const content = '{"plans":{" ":{"rules":{"*":{"lifecycle":{"constructor":0,"toString":1,"__proto__":2}}}},"_":{}}}';
    const rendering = renderSignal(withContent(content));
    expect(jsonLooking(rendering)).toEqual([]);
    expect(rendering.text).toContain('lifecycle.constructor: 0');
  });
});
