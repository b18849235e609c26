import { Readable, Writable } from 'node:stream';
import type { CliContext } from '../../src/cli/CliContext.js';
import { main } from '../../src/cli/main.js';

/** A writable that keeps what was written, for asserting on CLI output. */
export class CollectedOutput extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliRunOptions {
  readonly cwd?: string;
  /** Text piped to standard input; without it, stdin is like /dev/null. */
  readonly stdin?: string;
  /** The environment the command sees (AWS credentials, say); empty by default. */
  readonly env?: NodeJS.ProcessEnv;
}

/** A CLI context whose output is captured, for running commands in-process. */
export function testContext(options: CliRunOptions = {}): CliContext & {
  readonly stdout: CollectedOutput;
  readonly stderr: CollectedOutput;
} {
  return {
    stdout: new CollectedOutput(),
    stderr: new CollectedOutput(),
    stdin: Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]),
    stdinKind: options.stdin === undefined ? 'none' : 'pipe',
    interactive: false,
    cwd: options.cwd ?? process.cwd(),
    env: options.env ?? {},
    exitCode: 0,
  };
}

/** Runs `vaultpilot <argv>` in-process with captured output. */
export async function runCli(argv: readonly string[], options: CliRunOptions = {}): Promise<CliRun> {
  const ctx = testContext(options);
  const code = await main(argv, ctx);
  return { code, stdout: ctx.stdout.text, stderr: ctx.stderr.text };
}
