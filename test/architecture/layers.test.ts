import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const src = join(root, 'src');

/** Which of our layers each layer may import (DESIGN.md, "The dependency rule"). */
const allowed: Record<string, readonly string[]> = {
  core: [],
  archive: ['core'],
  aws: ['core', 'archive'],
  functions: ['core', 'archive', 'aws'],
  worker: ['core', 'archive', 'aws'],
  cli: ['core', 'archive', 'aws', 'infra', 'sandbox'],
  infra: ['core'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

function layerOf(path: string): string | undefined {
  const rel = relative(root, path).split(sep);
  if (rel[0] === 'sandbox') return 'sandbox';
  if (rel[0] !== 'src') return undefined;
  return rel[1];
}

const importPattern = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(importPattern)].map((m) => m[1] ?? m[2] ?? '');
}

describe('the dependency rule', () => {
  const files = sourceFiles(src);

  it('finds the source tree', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it('lets each layer import only the layers below it', () => {
    const violations: string[] = [];
    for (const file of files) {
      const from = layerOf(file);
      if (!from) continue;
      for (const spec of importsOf(file)) {
        if (!spec.startsWith('.')) continue;
        const to = layerOf(resolve(dirname(file), spec));
        if (!to || to === from) continue;
        if (!(allowed[from] ?? []).includes(to))
          violations.push(`${relative(root, file)} (${from}) imports ${spec} (${to})`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('keeps core pure: no AWS SDK, no node built-ins, no process.env', () => {
    const violations: string[] = [];
    for (const file of files.filter((f) => layerOf(f) === 'core')) {
      const text = readFileSync(file, 'utf8');
      for (const spec of importsOf(file)) {
        if (spec.startsWith('node:') || spec.startsWith('@aws-sdk/') || spec.startsWith('aws-cdk-lib')) {
          violations.push(`${relative(root, file)} imports ${spec}`);
        }
      }
      if (/process\.(env|exit|argv|stdout|stderr)/.test(text)) violations.push(`${relative(root, file)} uses process`);
    }
    expect(violations).toEqual([]);
  });

  it('keeps infra from importing handlers: it refers to them by entry path', () => {
    const violations = files
      .filter((f) => layerOf(f) === 'infra')
      .flatMap((file) =>
        importsOf(file)
          .filter((spec) => spec.startsWith('.'))
          .filter((spec) => ['functions', 'worker'].includes(layerOf(resolve(dirname(file), spec)) ?? ''))
          .map((spec) => `${relative(root, file)} imports ${spec}`),
      );
    expect(violations).toEqual([]);
  });

  it('never reads from ../shared', () => {
    const offenders = [...files, ...sourceFiles(join(root, 'test'))].filter((f) =>
      /['"`][^'"`]*\.\.\/shared\//.test(readFileSync(f, 'utf8').replace(/never reads from \.\.\/shared/g, '')),
    );
    expect(offenders.map((f) => relative(root, f))).toEqual([]);
  });
});
