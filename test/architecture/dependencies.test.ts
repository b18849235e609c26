import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** Packages used as commands or by tools rather than imported: why each is kept. */
const USED_WITHOUT_IMPORT: Record<string, string> = {
  '@biomejs/biome': 'the `biome` command of npm run lint / format',
  '@types/node': 'the Node type declarations tsc reads',
  '@types/pg': 'the pg type declarations tsc reads (pg ships none)',
  typescript: 'the `tsc` command of npm run build / typecheck',
  'aws-cdk': 'the `cdk deploy` command of docs/deployment.md',
  tsx: 'runs bench/ and scripts/, and the tests that spawn the CLI from source',
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : files(path);
    return /\.(?:ts|mts|js|mjs)$/.test(name) ? [path] : [];
  });
}

describe('package.json', () => {
  it('depends only on packages something imports (or runs as a command)', () => {
    const sources = ['src', 'test', 'bench', 'sandbox', 'scripts', 'bin']
      .flatMap((dir) => files(join(root, dir)))
      .concat(join(root, 'vitest.config.ts'))
      .map((file) => readFileSync(file, 'utf8'))
      .join('\n');
    const unused = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies }).filter((name) => {
      if (name in USED_WITHOUT_IMPORT) return false;
      const escaped = name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      return !new RegExp(`['"\`]${escaped}(?:/[^'"\`]*)?['"\`]`).test(sources);
    });
    expect(unused).toEqual([]);
  });
});
