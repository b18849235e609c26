/**
 * The engines' own tools as child processes (pg_dump, mariadb-dump, zstd, …): started with an environment that
 * carries the password (never an argument), stopped when the AbortSignal fires, and failing with the tail of
 * their standard error.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { DumpError } from './errors.js';

/** How to start a child. */
export interface ChildOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal;
  /** @default 'ignore' */
  readonly stdin?: 'ignore' | 'pipe';
  /** @default 'pipe' */
  readonly stdout?: 'ignore' | 'pipe';
}

/** A started child and the promise of its successful exit (rejects with DumpError and its stderr tail). */
export interface StartedChild {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  /** The last 8 KiB of its standard error. */
  stderr(): string;
}

const STDERR_TAIL = 8192;

/** Starts `command`; `exited` resolves on exit code 0. The child is sent SIGTERM when the signal fires. */
export function startChild(command: string, args: readonly string[], options: ChildOptions): StartedChild {
  const child = spawn(command, args, {
    env: options.env,
    stdio: [options.stdin ?? 'ignore', options.stdout ?? 'pipe', 'pipe'],
  });
  let tail = '';
  child.stderr?.on('data', (d: Buffer) => {
    tail = (tail + d.toString()).slice(-STDERR_TAIL);
  });
  const kill = () => child.kill('SIGTERM');
  options.signal?.addEventListener('abort', kill, { once: true });
  const exited = new Promise<void>((resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      options.signal?.removeEventListener('abort', kill);
      reject(
        error.code === 'ENOENT'
          ? new DumpError(`${command} is not installed (not found on PATH)`, 'failed', { cause: error })
          : new DumpError(`${command}: ${error.message}`, 'failed', { cause: error }),
      );
    });
    child.once('close', (code, signal) => {
      options.signal?.removeEventListener('abort', kill);
      if (options.signal?.aborted) return reject(options.signal.reason);
      if (code === 0) return resolve();
      const how = code === null ? `was killed by ${signal}` : `exited with ${code}`;
      const said = tail.trim().split('\n').slice(-6).join('\n');
      reject(new DumpError(`${command} ${how}${said ? `: ${said}` : ''}`));
    });
  });
  // Callers await `exited` later; a failure before then must not count as unhandled.
  exited.catch(() => {});
  return { child, exited, stderr: () => tail };
}

/** Runs `command` to its end and returns its standard output. */
export async function runForOutput(command: string, args: readonly string[], options: ChildOptions): Promise<string> {
  const started = startChild(command, args, options);
  let out = '';
  started.child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  await started.exited;
  return out;
}

/** The first of `names` that runs, with the first line of its `--version`. */
export async function findTool(
  names: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ readonly name: string; readonly version: string }> {
  for (const name of names) {
    try {
      const version = (await runForOutput(name, ['--version'], { env })).trim().split('\n')[0] ?? '';
      return { name, version };
    } catch {
      // Try the next one.
    }
  }
  throw new DumpError(`none of ${names.join(', ')} is installed (not found on PATH)`);
}
