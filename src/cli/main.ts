import { Command, CommanderError } from 'commander';
import { type CliContext, CliError, processContext } from './CliContext.js';
import { registerCommands } from './commands/index.js';
import { EXIT } from './exitCodes.js';
import { packageVersion } from './packageRoot.js';

/** Commander's ways of ending without an error: help asked for, version printed. */
const NOT_ERRORS = new Set(['commander.helpDisplayed', 'commander.version']);

/** Builds the `vaultpilot` program bound to a context. */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command('vaultpilot')
    .description('Vaultpilot: AWS Backup across an AWS Organization — alarms, monitoring, archives.')
    .version(packageVersion())
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
    });
  registerCommands(program, ctx);
  return program;
}

/** Runs the CLI with the given arguments and returns the exit code. */
export async function main(argv: readonly string[], ctx: CliContext = processContext()): Promise<number> {
  const program = buildProgram(ctx);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed its message. --help and --version end here with 0; every other way is bad usage.
      return NOT_ERRORS.has(error.code) || error.exitCode === 0 ? error.exitCode : EXIT.usage;
    }
    if (error instanceof CliError) {
      ctx.stderr.write(`vaultpilot: ${error.message}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    ctx.stderr.write(`vaultpilot: unexpected error: ${message}\n`);
    return EXIT.unexpected;
  }
}
