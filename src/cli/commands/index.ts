import type { Command } from 'commander';
import type { CliContext } from '../CliContext.js';
import { registerActionsCommand } from './actions.js';
import { registerArchiveCommand } from './archive.js';
import { registerConvertCommand } from './convert.js';
import { registerDemoCommand } from './demo.js';
import { registerDumpCommand } from './dump.js';
import { registerInitCommand } from './init.js';
import { registerInspectCommand } from './inspect.js';
import { registerRestoreCommand } from './restore.js';
import { registerSandboxCommand } from './sandbox.js';
import { registerSimulate } from './simulate.js';
import { registerSynthCommand } from './synth.js';
import { registerValidateCommand } from './validate.js';
import { registerVerifyCommand } from './verify.js';

/** Adds every subcommand to the program. Each command lives in its own module in this folder. */
export function registerCommands(program: Command, ctx: CliContext): void {
  registerSimulate(program, ctx);
  registerInitCommand(program, ctx);
  registerValidateCommand(program, ctx);
  registerSynthCommand(program, ctx);
  registerActionsCommand(program, ctx);
  registerArchiveCommand(program, ctx);
  registerRestoreCommand(program, ctx);
  registerVerifyCommand(program, ctx);
  registerInspectCommand(program, ctx);
  registerConvertCommand(program, ctx);
  registerDumpCommand(program, ctx);
  registerSandboxCommand(program, ctx);
  registerDemoCommand(program, ctx);
}
