import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { CONFIG_SCHEMA_PATH } from '../../core/config/configReference.js';
import { DEFAULT_CONFIG_FILE } from '../../core/config/configSchema.js';
import { renderStarterConfig } from '../../core/config/starterConfig.js';
import { type CliContext, CliError } from '../CliContext.js';

interface InitOptions {
  readonly force?: boolean;
}

/** The package's JSON Schema file, found by walking up from this module (source tree or compiled dist). */
export function findConfigSchemaFile(start = dirname(fileURLToPath(import.meta.url))): string | undefined {
  let dir = start;
  for (;;) {
    const candidate = join(dir, CONFIG_SCHEMA_PATH);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The `$schema=` reference for a config file: relative to it, so editors find it offline. */
export function schemaReferenceFor(configPath: string, schemaFile = findConfigSchemaFile()): string {
  if (!schemaFile) return `./node_modules/vaultpilot/${CONFIG_SCHEMA_PATH}`;
  const rel = relative(dirname(configPath), schemaFile).split(sep).join('/');
  return rel.startsWith('.') ? rel : `./${rel}`;
}

/** `vaultpilot init [file] [--force]`: writes a commented starter configuration that validates as written. */
export function registerInitCommand(program: Command, ctx: CliContext): void {
  program
    .command('init')
    .description('Write a commented starter configuration file.')
    .argument('[file]', 'file to write', DEFAULT_CONFIG_FILE)
    .option('--force', 'overwrite the file if it exists')
    .action(async (file: string, options: InitOptions) => {
      const path = resolve(ctx.cwd, file);
      const text = renderStarterConfig(schemaReferenceFor(path));
      try {
        // 'wx' fails if the file exists, so a concurrent writer cannot be overwritten between check and write.
        await writeFile(path, text, { encoding: 'utf8', flag: options.force ? 'w' : 'wx' });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') {
          throw new CliError(`${file} already exists; use --force to overwrite it`, 1, { cause: error });
        }
        if (code === 'ENOENT')
          throw new CliError(`cannot write ${file}: its folder does not exist`, 1, { cause: error });
        throw new CliError(`cannot write ${file}: ${String(error)}`, 1, { cause: error });
      }
      ctx.stdout.write(
        `wrote ${file}\nnext: replace the values marked REPLACE, then run \`vaultpilot validate ${file}\`\n`,
      );
    });
}
