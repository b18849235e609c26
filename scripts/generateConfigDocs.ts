/**
 * Regenerates the configuration's JSON Schema (schema/vaultpilot.config.schema.json) and the generated
 * sections of docs/configuration.md from the zod schema. Run after changing src/core/config:
 *
 *   npx tsx scripts/generateConfigDocs.ts
 *
 * test/core/config/configReference.test.ts fails while the committed files are stale.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CONFIG_SCHEMA_PATH,
  renderConfigJsonSchema,
  updateConfigurationDoc,
} from '../src/core/config/configReference.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Formats text as the project's formatter would format the file at `path`, so the lint stays clean. */
function formatLikeBiome(text: string, path: string): string {
  const biome = join(root, 'node_modules/.bin/biome');
  const result = spawnSync(biome, ['format', `--stdin-file-path=${path}`], {
    cwd: root,
    input: text,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`biome format failed for ${path}: ${result.stderr}`);
  return result.stdout;
}

/** The generated files, keyed by path relative to the package root, with their exact committed text. */
export function renderGeneratedConfigFiles(): Record<string, string> {
  const doc = updateConfigurationDoc(
    readFileSync(join(root, 'docs/configuration.md'), 'utf8'),
    readFileSync(join(root, 'examples/vaultpilot.config.yaml'), 'utf8'),
  );
  return {
    [CONFIG_SCHEMA_PATH]: formatLikeBiome(renderConfigJsonSchema(), CONFIG_SCHEMA_PATH),
    'docs/configuration.md': formatLikeBiome(doc, 'docs/configuration.md'),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const [path, text] of Object.entries(renderGeneratedConfigFiles())) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
    console.log(`wrote ${path}`);
  }
}
