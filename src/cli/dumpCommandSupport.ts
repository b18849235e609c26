/**
 * What `vaultpilot dump` and the dump side of `vaultpilot restore` share: database URLs and passwords from the
 * command's environment, progress on stderr, and dump errors as exit codes.
 */
import { DumpError, type DumpProgressSample } from '../archive/dump/index.js';
import { type DatabaseUrl, DatabaseUrlError, parseDatabaseUrl } from '../core/dump/databaseUrl.js';
import { type CliContext, CliError } from './CliContext.js';
import { EXIT } from './exitCodes.js';
import { formatBytes } from './progressBar.js';
import { runInterruptible } from './runInterruptible.js';

/** The URL parsed (a usage error otherwise) and its password: the URL's, else PGPASSWORD / MYSQL_PWD. */
export function databaseUrlOf(text: string, ctx: CliContext): { url: DatabaseUrl; password?: string } {
  let url: DatabaseUrl;
  try {
    url = parseDatabaseUrl(text);
  } catch (error) {
    if (error instanceof DatabaseUrlError) throw new CliError(error.message, EXIT.usage, { cause: error });
    throw error;
  }
  const password = url.password ?? (url.engine === 'postgresql' ? ctx.env.PGPASSWORD : ctx.env.MYSQL_PWD);
  return { url, ...(password === undefined ? {} : { password }) };
}

/** The tools' environment: the command's (PATH, locale, …) without the password variables the URL overrides. */
export function toolEnv(ctx: CliContext): NodeJS.ProcessEnv {
  return { PATH: '/usr/local/bin:/usr/bin:/bin', ...ctx.env };
}

/** Progress on stderr: redrawn in place on a terminal, a line every 2 s otherwise; silent with --json. */
export function dumpProgressPrinter(ctx: CliContext, label: string, quiet: boolean) {
  let drawn = false;
  let lastLine = 0;
  return {
    update(p: DumpProgressSample) {
      if (quiet) return;
      const now = Date.now();
      if (!ctx.interactive && now - lastLine < 2000) return;
      lastLine = now;
      const seconds = Math.max(p.elapsedSeconds, 1e-3);
      const line =
        `${label} ${p.phase}: ${formatBytes(p.uncompressedBytes)} ${p.phase === 'dump' ? 'dumped' : 'loaded'}, ` +
        `${formatBytes(p.compressedBytes)} ${p.phase === 'dump' ? 'written' : 'read'}, ${p.files} files ` +
        `(${(p.uncompressedBytes / 1e6 / seconds).toFixed(1)} MB/s)`;
      if (ctx.interactive) {
        ctx.stderr.write(`\r\x1b[2K${line}`);
        drawn = true;
      } else ctx.stderr.write(`${line}\n`);
    },
    finish() {
      if (drawn) ctx.stderr.write('\n');
      drawn = false;
    },
  };
}

/** runInterruptible, with dump errors as exit codes: corrupt 3, usage 2, others (exists included) 1. */
export async function runDumpWork<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  try {
    return await runInterruptible(work);
  } catch (error) {
    if (error instanceof DumpError) {
      const code = error.kind === 'corrupt' ? EXIT.corrupt : error.kind === 'usage' ? EXIT.usage : EXIT.failed;
      throw new CliError(error.message, code, { cause: error });
    }
    throw error;
  }
}
