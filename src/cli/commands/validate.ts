import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { type ConfigProblem, formatConfigProblem } from '../../core/config/configProblem.js';
import { DEFAULT_CONFIG_FILE, type VaultpilotConfig } from '../../core/config/configSchema.js';
import { parseConfig } from '../../core/config/parseConfig.js';
import { type CliContext, CliError } from '../CliContext.js';

interface ValidateOptions {
  readonly json?: boolean;
}

/** One line describing a valid configuration: what would be deployed where. */
export function summarizeConfig(config: VaultpilotConfig): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const vaults =
    config.watchedVaults.length === 0 ? 'every vault' : plural(config.watchedVaults.length, 'watched vault');
  return [
    `organization ${config.organization.id}`,
    `central account ${config.central.account} in ${config.central.region}`,
    `${plural(config.members.organizationalUnits.length, 'OU')} × ${plural(config.members.regions.length, 'Region')}`,
    vaults,
    `${plural(config.notifications.channels.length, 'channel')}, ${plural(config.notifications.routes.length, 'route')}`,
    `RPO ${config.rpo.enabled ? `${config.rpo.defaultHours} h by default` : 'check off'}`,
    `digest ${config.digest.enabled ? `at ${config.digest.time} ${config.digest.timeZone}` : 'off'}`,
  ].join(' · ');
}

async function readConfigText(path: string): Promise<{ text: string } | { problem: ConfigProblem }> {
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

/** `vaultpilot validate [file]`: prints every problem of a configuration file; exit 1 when there are any. */
export function registerValidateCommand(program: Command, ctx: CliContext): void {
  program
    .command('validate')
    .description('Check a configuration file and print every problem with its line, path and a hint.')
    .argument('[file]', 'configuration file', DEFAULT_CONFIG_FILE)
    .option('--json', 'print the result as JSON')
    .action(async (file: string, options: ValidateOptions) => {
      const path = resolve(ctx.cwd, file);
      const read = await readConfigText(path);
      const result =
        'text' in read
          ? parseConfig(read.text, file)
          : { ok: false as const, problems: [read.problem], warnings: [], source: file };

      if (options.json) {
        const output = result.ok
          ? { file, ok: true, problems: [], warnings: result.warnings, summary: summarizeConfig(result.config) }
          : { file, ok: false, problems: result.problems, warnings: result.warnings };
        ctx.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
      } else {
        for (const warning of result.warnings) {
          ctx.stderr.write(`${formatConfigProblem({ ...warning, message: `warning: ${warning.message}` }, file)}\n`);
        }
        if (result.ok) {
          ctx.stdout.write(`${file} is valid: ${summarizeConfig(result.config)}\n`);
        } else {
          for (const problem of result.problems) ctx.stdout.write(`${formatConfigProblem(problem, file)}\n`);
          const count = result.problems.length;
          ctx.stdout.write(`${count} problem${count === 1 ? '' : 's'} in ${file}\n`);
        }
      }
      ctx.exitCode = result.ok ? 0 : 1;
    });
}
