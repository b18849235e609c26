import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const cli = join(root, 'src/cli');
const commands = join(cli, 'commands');

/** A command's own lazily loaded part, which only that command imports. */
const OWN_PARTS: Record<string, readonly string[]> = { 'synth.ts': ['runSynth.ts'] };

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

const importPattern = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function relativeImports(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(importPattern)]
    .map((m) => m[1] ?? m[2] ?? '')
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => resolve(dirname(file), spec).replace(/\.js$/, '.ts'));
}

describe('the CLI modules', () => {
  it('share options and helpers through modules of their own: no command module imports another', () => {
    const violations: string[] = [];
    for (const file of sourceFiles(commands).filter((f) => basename(f) !== 'index.ts')) {
      for (const target of relativeImports(file)) {
        if (dirname(target) !== commands) continue;
        if ((OWN_PARTS[basename(file)] ?? []).includes(basename(target))) continue;
        violations.push(`${relative(root, file)} imports ${relative(root, target)}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('read the environment only through CliContext.env', () => {
    const offenders = sourceFiles(cli)
      .filter((f) => basename(f) !== 'CliContext.ts')
      .filter((f) => /process\.env/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(root, f));
    expect(offenders).toEqual([]);
  });

  it('give every numeric option to the one parser in src/cli/options.ts', () => {
    // Number(), parseInt() and parseFloat() on option text are how commands used to coerce '' to 0 or '12abc' to 12.
    const offenders = sourceFiles(cli)
      .filter((f) => /\b(?:Number|parseInt|parseFloat)\(\s*(?:opts|options|value|text)\b/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(root, f));
    expect(offenders).toEqual([]);
  });
});
