import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('zod imports', () => {
  // `import { z } from 'zod'` makes esbuild keep all of zod (its locales included): it took the router bundle
  // from 620 KB to 973 KB, close to Lambda's 1 MB budget the bundle test enforces. The namespace import tree-shakes.
  it('import zod as a namespace (`import * as z`) or types only, in every source file', () => {
    const offenders = files(src).filter((file) => /^import \{[^}]*\} from 'zod'/m.test(readFileSync(file, 'utf8')));
    expect(offenders.map((f) => relative(src, f))).toEqual([]);
  });
});
