#!/usr/bin/env node
// Runs the compiled CLI (built by `npm run build`, which `npm install` runs through `prepare`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The AWS SDK warns on Node 20 that *future* SDK releases will need Node 22; the lockfile pins the SDK this
// CLI was tested with, so the warning is noise here. Set the variable to "false" to see it anyway.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const compiled = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
if (!existsSync(compiled)) {
  process.stderr.write(
    'vaultpilot: the CLI is not built yet; run `npm install` (or `npm run build`) in the project first.\n',
  );
  process.exit(2);
}
const { main } = await import(compiled);
process.exitCode = await main(process.argv.slice(2));
