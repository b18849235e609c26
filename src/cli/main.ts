import { Command, CommanderError } from 'commander';
import { type CliContext, CliError, processContext } from './CliContext.js';
import { registerCommands } from './commands/index.js';

/** Builds the `vaultpilot` program bound to a context. */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command('vaultpilot')
    .description('Vaultpilot: AWS Backup across an AWS Organization — alarms, monitoring, archives.')
    .version('0.1.0')
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
      // --help and --version end through here with exit code 0.
      return error.exitCode;
    }
    if (error instanceof CliError) {
      ctx.stderr.write(`vaultpilot: ${error.message}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    ctx.stderr.write(`vaultpilot: unexpected error: ${message}\n`);
    return 70;
  }
}
