import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder of the installed vaultpilot package, found from this file whether run from src or dist. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'vaultpilot') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the vaultpilot package root above this file');
    dir = parent;
  }
}

/** The `version` of the installed vaultpilot package's package.json (what `vaultpilot --version` prints). */
export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: unknown };
  if (typeof manifest.version !== 'string') throw new Error('the vaultpilot package.json has no version');
  return manifest.version;
}
