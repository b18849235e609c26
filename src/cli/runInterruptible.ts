/** Ctrl-C and SIGTERM handling of the long-running commands, and engine errors as exit codes. */
import { ArchiveCorruptError, ArchiveError } from '../archive/index.js';
import { CliError } from './CliContext.js';
import { EXIT } from './exitCodes.js';

/**
 * Runs `work` with an AbortSignal that SIGINT and SIGTERM trigger, and maps engine errors to exit codes:
 * interrupted 130, corrupt archive 3, bad usage 2, other failures 1.
 */
export async function runInterruptible<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let received: string | undefined;
  const onSignal = (name: NodeJS.Signals) => {
    // A second Ctrl-C means "now": nothing is committed before the manifest, so leaving at once is safe.
    if (received) process.exit(EXIT.interrupted);
    received = name;
    controller.abort(new Error(`interrupted by ${name}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await work(controller.signal);
  } catch (error) {
    if (received) {
      throw new CliError(`interrupted by ${received}: stopped cleanly, nothing was committed`, EXIT.interrupted, {
        cause: error,
      });
    }
    if (error instanceof CliError) throw error;
    if (error instanceof ArchiveCorruptError) {
      throw new CliError(error.problems.join('\n'), EXIT.corrupt, { cause: error });
    }
    if (error instanceof ArchiveError) {
      const usage = error.name === 'ArchiveUsageError';
      throw new CliError(error.message, usage ? EXIT.usage : EXIT.failed, { cause: error });
    }
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
