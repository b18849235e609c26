/** Reading the configuration file for the commands that need it (validate, synth). */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type ConfigProblem, formatConfigProblem } from '../core/config/configProblem.js';
import { DEFAULT_CONFIG_FILE, type VaultpilotConfig } from '../core/config/configSchema.js';
import { parseConfig } from '../core/config/parseConfig.js';
import { type CliContext, CliError } from './CliContext.js';

/** Reads a configuration file, or says why it cannot be read as a problem of the file. */
export async function readConfigText(path: string): Promise<{ text: string } | { problem: ConfigProblem }> {
  try {
    return { text: await readFile(path, 'utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT'
        ? 'file not found'
        : code === 'EISDIR'
          ? 'is a directory, not a file'
          : `cannot read: ${String(error)}`;
    return { problem: { path: '', message, hint: 'run `vaultpilot init` to write a starter file, or give the path' } };
  }
}

/**
 * Reads and validates a configuration file for another command (synth, deploy, …): returns the
 * configuration, prints warnings to stderr, and throws CliError listing every problem otherwise.
 */
export async function loadConfigForCommand(ctx: CliContext, file = DEFAULT_CONFIG_FILE): Promise<VaultpilotConfig> {
  const read = await readConfigText(resolve(ctx.cwd, file));
  if ('problem' in read) {
    throw new CliError(formatConfigProblem(read.problem, file));
  }
  const result = parseConfig(read.text, file);
  for (const warning of result.warnings) {
    ctx.stderr.write(`${formatConfigProblem({ ...warning, message: `warning: ${warning.message}` }, file)}\n`);
  }
  if (!result.ok) {
    const lines = result.problems.map((p) => formatConfigProblem(p, file));
    throw new CliError(`${file} is not valid (${result.problems.length} problem(s)):\n${lines.join('\n')}`);
  }
  return result.config;
}
