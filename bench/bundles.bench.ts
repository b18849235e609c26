/**
 * Bundles every Lambda entry exactly as the CDK app deploys it (esbuild, minified ESM, AWS SDK from the
 * runtime) and prints each size with its largest contributors. Fails when a bundle reaches 1 MB.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HANDLER_ENTRIES, type HandlerName } from '../src/core/deployment/contract.js';
import { BUNDLE_SIZE_LIMIT_BYTES } from '../src/infra/lambdaBundling.js';
import { measureBundle } from '../src/infra/measureBundle.js';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

let over = 0;
console.log(`limit: ${kib(BUNDLE_SIZE_LIMIT_BYTES)} per bundle (minified, without source map)`);
for (const handler of Object.keys(HANDLER_ENTRIES) as HandlerName[]) {
  const m = await measureBundle(projectRoot, handler);
  const share = ((m.bytes / BUNDLE_SIZE_LIMIT_BYTES) * 100).toFixed(0);
  const top = m.largest.map((l) => `${l.name} ${kib(l.bytes)}`).join(', ');
  console.log(`${handler.padEnd(9)} ${kib(m.bytes).padStart(11)}  ${share.padStart(3)}% of limit  largest: ${top}`);
  if (m.bytes >= BUNDLE_SIZE_LIMIT_BYTES) over++;
}
if (over > 0) {
  console.error(`${over} bundle(s) at or over the limit`);
  process.exit(1);
}
