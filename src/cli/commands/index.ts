import type { Command } from 'commander';
import type { CliContext } from '../CliContext.js';

/** Adds every subcommand to the program. Each command lives in its own module in this folder. */
export function registerCommands(program: Command, ctx: CliContext): void {
  void program;
  void ctx;
}
