/**
 * Golden files: every fixture of the event corpus (test/fixtures/events/<shape>/<name>.json) normalized
 * and rendered for every channel, written under test/golden/<format>/<shape>/<name>.<ext>. They are the
 * specification of what people receive: review them by eye after `UPDATE_GOLDEN=1 npx vitest run test/core/render`.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeInput } from '../../../src/core/normalize/normalizeInput.js';
import { type Rendering, type RenderOptions, renderSignal } from '../../../src/core/render/renderSignal.js';
import type { Signal } from '../../../src/core/signal.js';
import { limitViolations, rawDumps, repoRoot } from './renderingChecks.js';
import { policyBefore, sampleSignals } from './sampleSignals.js';

const fixturesDir = join(repoRoot, 'test/fixtures/events');
const goldenDir = join(repoRoot, 'test/golden');
const update = process.env.UPDATE_GOLDEN === '1';

/** Golden formats: where each is written and how a list of renderings becomes file content. */
const FORMATS = {
  email: {
    ext: 'txt',
    write: (rs: readonly Rendering[]) =>
      rs.length === 0
        ? '(no signal: nothing is sent)\n'
        : rs
            .map(
              (r, i) =>
                `${rs.length > 1 ? `=== signal ${i + 1} of ${rs.length} ===\n` : ''}Subject: ${r.subject}\n\n${r.text}`,
            )
            .join('\n'),
  },
  slack: { ext: 'json', write: (rs: readonly Rendering[]) => json(rs.map((r) => r.slack)) },
  teams: { ext: 'json', write: (rs: readonly Rendering[]) => json(rs.map((r) => r.teams)) },
  webhook: { ext: 'json', write: (rs: readonly Rendering[]) => json(rs.map((r) => r.webhook)) },
} as const;

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

const fixtures = filesUnder(fixturesDir)
  .filter((f) => f.endsWith('.json') && !f.endsWith('.expected.json'))
  .map((f) => relative(fixturesDir, f).replace(/\.json$/, ''))
  .sort();

function readFixture(name: string): unknown {
  return JSON.parse(readFileSync(join(fixturesDir, `${name}.json`), 'utf8'));
}

/**
 * The previous policy document for fixtures that update a policy, as the ledger would supply it: the
 * content of the fixture that created it. Other policy fixtures render without (whole document).
 */
const PREVIOUS_POLICY_FROM: Readonly<Record<string, string>> = {
  'cloudtrail/organizations-updatepolicy': 'cloudtrail/organizations-createpolicy',
};

function optionsFor(name: string): RenderOptions {
  const from = PREVIOUS_POLICY_FROM[name];
  if (!from) return {};
  const content = normalizeInput(readFixture(from))[0]?.policy?.content;
  return content === undefined ? {} : { previousPolicyContent: content };
}

/** Compares with (or, with UPDATE_GOLDEN=1, writes) the golden files of one case. */
function checkGolden(caseName: string, renderings: readonly Rendering[]): void {
  for (const [format, { ext, write }] of Object.entries(FORMATS)) {
    const path = join(goldenDir, format, `${caseName}.${ext}`);
    const content = write(renderings);
    if (update) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content);
    }
    expect(
      existsSync(path),
      `${relative(repoRoot, path)} is missing: run UPDATE_GOLDEN=1 npx vitest run test/core/render`,
    ).toBe(true);
    expect(readFileSync(path, 'utf8'), relative(repoRoot, path)).toBe(content);
  }
}

function checkRendering(signals: readonly Signal[], renderings: readonly Rendering[]): void {
  renderings.forEach((r, i) => {
    expect(limitViolations(r)).toEqual([]);
    expect(rawDumps(r, signals[i]?.raw)).toEqual([]);
  });
}

describe('golden renderings of the fixture corpus', () => {
  it('finds the corpus', () => {
    expect(fixtures.length).toBeGreaterThan(50);
  });

  it.each(fixtures)('renders %s as its golden files, within every channel limit', (name) => {
    const signals = normalizeInput(readFixture(name));
    const options = optionsFor(name);
    const renderings = signals.map((s) => renderSignal(s, options));
    checkRendering(signals, renderings);
    checkGolden(name, renderings);
  });

  it.each(Object.keys(sampleSignals))('renders the hand-built sample %s as its golden files', (name) => {
    const signal = sampleSignals[name] as Signal;
    const rendering = renderSignal(signal, name === 'policyUpdate' ? { previousPolicyContent: policyBefore } : {});
    checkRendering([signal], [rendering]);
    checkGolden(`samples/${name}`, [rendering]);
  });

  it('keeps no golden file whose fixture is gone', () => {
    const expected = new Set([...fixtures, ...Object.keys(sampleSignals).map((n) => `samples/${n}`)]);
    const stale = Object.entries(FORMATS).flatMap(([format, { ext }]) =>
      filesUnder(join(goldenDir, format))
        .map((path) => ({ path, name: relative(join(goldenDir, format), path).replace(new RegExp(`\\.${ext}$`), '') }))
        .filter(({ name }) => !expected.has(name)),
    );
    if (update) for (const { path } of stale) rmSync(path);
    else expect(stale.map((s) => relative(repoRoot, s.path))).toEqual([]);
  });
});
