import { fstatSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';

/** What a command needs from the process, passed in so tests can run commands in-process. */
export interface CliContext {
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly stdin: Readable;
  /** What standard input is: a terminal, a pipe or file with something to read, or nothing (e.g. /dev/null). */
  readonly stdinKind: 'tty' | 'pipe' | 'file' | 'none';
  /** True when stdout is a terminal (progress bars, colours). */
  readonly interactive: boolean;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Set by a command to choose the process exit code. */
  exitCode: number;
}

/** A command's error that should end the process with a message and an exit code, not a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'CliError';
  }
}

export function processContext(): CliContext {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    stdinKind: stdinKind(),
    interactive: Boolean(process.stdout.isTTY),
    cwd: process.cwd(),
    env: process.env,
    exitCode: 0,
  };
}

function stdinKind(): CliContext['stdinKind'] {
  if (process.stdin.isTTY) return 'tty';
  try {
    const stat = fstatSync(0);
    if (stat.isFIFO() || stat.isSocket()) return 'pipe';
    if (stat.isFile()) return 'file';
    return 'none';
  } catch {
    return 'none';
  }
}
