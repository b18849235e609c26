#!/usr/bin/env node
// Runs the compiled CLI (built by `npm run build`, which `npm install` runs through `prepare`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
if (!existsSync(compiled)) {
  process.stderr.write(
    'vaultpilot: the CLI is not built yet; run `npm install` (or `npm run build`) in the project first.\n',
  );
  process.exit(2);
}
const { main } = await import(compiled);
process.exitCode = await main(process.argv.slice(2));
