/**
 * Reading event inputs for the commands that take them (`simulate`, `actions plan`): files, folders (every
 * `.json`, `.ndjson`, `.jsonl` inside, in name order), `-` or a pipe for standard input, else the bundled
 * samples. Each text is named as shown in `file:line` locations.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import type { CliContext } from './CliContext.js';
import { packageRoot } from './packageRoot.js';

const EVENT_FILE = /\.(json|ndjson|jsonl)$/i;

/** One input text to read: a file, or standard input. */
export interface InputText {
  readonly name: string;
  readonly text: string;
}

/** The inputs given, else standard input when it is piped, else the bundled sample events. */
export async function resolveInputs(inputs: readonly string[], ctx: CliContext): Promise<string[]> {
  if (inputs.length > 0) return [...inputs];
  if (ctx.stdinKind === 'pipe' || ctx.stdinKind === 'file') return ['-'];
  return [join(packageRoot(), 'samples', 'events')];
}

/** Reads one input: standard input, a file, or every event file in a folder (in name order). */
export async function readInput(input: string, ctx: CliContext): Promise<InputText[]> {
  if (input === '-') return [{ name: '<stdin>', text: await readStream(ctx.stdin) }];
  const path = isAbsolute(input) ? input : join(ctx.cwd, input);
  const files = (await stat(path)).isDirectory() ? await eventFilesIn(path) : [path];
  if (files.length === 0) throw new Error('the folder holds no .json, .ndjson or .jsonl files');
  return Promise.all(files.map(async (f) => ({ name: displayName(f, ctx), text: await readFile(f, 'utf8') })));
}

/**
 * Reads every input, reporting the ones that cannot be read to stderr as `<command>: cannot read <input>: …`;
 * returns the texts and how many inputs could not be read.
 */
export async function readEventInputs(
  inputs: readonly string[],
  ctx: CliContext,
  command: string,
): Promise<{ texts: InputText[]; unreadable: number }> {
  const texts: InputText[] = [];
  let unreadable = 0;
  for (const input of await resolveInputs(inputs, ctx)) {
    try {
      texts.push(...(await readInput(input, ctx)));
    } catch (error) {
      unreadable++;
      ctx.stderr.write(`vaultpilot ${command}: cannot read ${input}: ${describeError(error)}\n`);
    }
  }
  return { texts, unreadable };
}

async function eventFilesIn(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && EVENT_FILE.test(e.name) && !e.name.includes('.expected.'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

function displayName(path: string, ctx: CliContext): string {
  const rel = relative(ctx.cwd, path);
  return rel.startsWith('..') ? path : rel;
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** Why an input could not be read, in words. */
export function describeError(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error && error.code === 'ENOENT') return 'no such file or folder';
  return error instanceof Error ? error.message : String(error);
}
