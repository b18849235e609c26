import type { Command } from 'commander';
import type { CliContext } from '../CliContext.js';
import { registerInitCommand } from './init.js';
import { registerValidateCommand } from './validate.js';

/** Adds every subcommand to the program. Each command lives in its own module in this folder. */
export function registerCommands(program: Command, ctx: CliContext): void {
  void program;
  void ctx;
  registerInitCommand(program, ctx);
  registerValidateCommand(program, ctx);
}
