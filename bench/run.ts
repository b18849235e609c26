/**
 * Runs every benchmark (bench/*.bench.ts) in its own process, one after the other, so each measures
 * on a quiet machine and reports its own peak memory. `npm run bench -- <name>` runs only those whose
 * file name contains <name>.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const benches = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((name) => f.includes(name)))
  .sort();

if (benches.length === 0) {
  console.error(`no benchmark matches ${filters.join(' ')}`);
  process.exit(2);
}
// The AWS SDK's notice that future releases need Node 22 is noise in benchmark output (the lockfile pins it).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
let failed = 0;
for (const bench of benches) {
  console.log(`\n=== ${bench} ===`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(here, bench)], { stdio: 'inherit' });
  if (result.status !== 0) {
    failed++;
    console.error(`${bench} failed with exit code ${result.status}`);
  }
}
process.exit(failed === 0 ? 0 : 1);
