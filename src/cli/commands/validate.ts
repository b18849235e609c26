import { resolve } from 'node:path';
import type { Command } from 'commander';
import { formatConfigProblem } from '../../core/config/configProblem.js';
import { DEFAULT_CONFIG_FILE, type VaultpilotConfig } from '../../core/config/configSchema.js';
import { parseConfig } from '../../core/config/parseConfig.js';
import type { CliContext } from '../CliContext.js';
import { readConfigText } from '../loadConfig.js';
import { addJsonOption } from '../options.js';

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

/** `vaultpilot validate [file]`: prints every problem of a configuration file; exit 1 when there are any. */
export function registerValidateCommand(program: Command, ctx: CliContext): void {
  const command = program
    .command('validate')
    .description('Check a configuration file and print every problem with its line, path and a hint.')
    .argument('[file]', 'configuration file', DEFAULT_CONFIG_FILE);
  addJsonOption(command, 'print the result as JSON').action(async (file: string, options: ValidateOptions) => {
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
