#!/usr/bin/env node
/**
 * The npm registry mirror our machines use serves only the Linux glibc builds of Biome's platform
 * packages, so `npm install` writes a lockfile without the other platforms' optional entries, and
 * `npm ci` then refuses the lockfile as out of sync. This adds those entries (version, os, cpu, libc,
 * optional) so `npm ci` accepts the lockfile; npm skips them on every other platform, and on those
 * platforms npm fetches them from the public registry as usual.
 *
 * Run after any `npm install` that rewrites package-lock.json:  node scripts/stubBiomePlatformPackages.mjs
 */
import { readFileSync, writeFileSync } from 'node:fs';

const path = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
const biome = lock.packages['node_modules/@biomejs/biome'];
if (!biome) throw new Error('package-lock.json has no @biomejs/biome');

let added = 0;
for (const name of Object.keys(biome.optionalDependencies ?? {})) {
  const key = `node_modules/${name}`;
  if (lock.packages[key]) continue;
  // Names look like @biomejs/cli-<os>-<cpu>[-musl].
  const [os, cpu, libc] = name.replace('@biomejs/cli-', '').split('-');
  lock.packages[key] = {
    version: biome.optionalDependencies[name],
    cpu: [cpu],
    dev: true,
    ...(os === 'linux' ? { libc: [libc === 'musl' ? 'musl' : 'glibc'] } : {}),
    license: biome.license,
    optional: true,
    os: [os],
  };
  added++;
}
const sorted = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b, 'en'))),
);
lock.packages = sorted;
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(
  added === 0
    ? 'package-lock.json already lists every Biome platform package'
    : `added ${added} Biome platform entries`,
);
