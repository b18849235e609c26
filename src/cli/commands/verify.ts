/** `vaultpilot verify <archive>`: re-reads an archive and names every corrupt segment, block or manifest field. */
import type { Command } from 'commander';
import { isFileArchive, verifyFileArchive } from '../../archive/files/index.js';
import { verifyArchive } from '../../archive/index.js';
import { type LocationOptions, openStore } from '../archiveLocations.js';
import type { CliContext } from '../CliContext.js';
import { EXIT } from '../exitCodes.js';
import { addEndpointOptions, addJsonOption, addThreadsOption } from '../options.js';
import { formatBytes, ProgressBar } from '../progressBar.js';
import { runInterruptible } from '../runInterruptible.js';

interface VerifyOptions extends LocationOptions {
  readonly threads?: number;
  readonly json?: boolean;
}

/** `vaultpilot verify`: exit 0 when intact, 3 when anything is wrong. */
export function registerVerifyCommand(program: Command, ctx: CliContext): void {
  const command = program
    .command('verify')
    .description(
      'Check every segment, index and block digest of an archive and its LINEAR checksum (exit 3 if corrupt).\n' +
        'A file archive (archive --files) is checked by its SHA-256, `zstd -dc | tar -t` and every listed file hash.',
    )
    .argument('<archive>', 'a directory or s3://bucket/prefix');
  addThreadsOption(command, 'decompression');
  addJsonOption(command, 'print the report as JSON on stdout');
  addEndpointOptions(command).action(async (archive: string, options: VerifyOptions) => {
    const store = await openStore(archive, options, ctx);
    if (await isFileArchive(store)) {
      await verifyFiles(store, options, ctx);
      return;
    }
    const bar = new ProgressBar(ctx.stderr, 'verify', ctx.interactive && !options.json);
    const report = await runInterruptible((signal) =>
      verifyArchive(store, {
        signal,
        threads: options.threads,
        onProgress: (p) => bar.update(p),
      }),
    ).finally(() => bar.finish());
    if (options.json) {
      ctx.stdout.write(`${JSON.stringify({ archive: store.location, ...report })}\n`);
    } else if (report.ok) {
      ctx.stdout.write(
        `ok: ${store.location}: ${report.segments} segments, ${report.blocks} blocks, ${formatBytes(report.storedBytes)} checked\n`,
      );
    } else {
      ctx.stdout.write(`CORRUPT: ${store.location}: ${report.problems.length} problem(s)\n`);
      for (const problem of report.problems) ctx.stdout.write(`  ${problem}\n`);
    }
    ctx.exitCode = report.ok ? EXIT.ok : EXIT.corrupt;
  });
}

/** `vaultpilot verify` of a file archive: SHA-256 of files.tar.zst, `tar -t` against the listing, every file hash. */
async function verifyFiles(
  store: Parameters<typeof verifyFileArchive>[0],
  options: VerifyOptions,
  ctx: CliContext,
): Promise<void> {
  const bar = new ProgressBar(ctx.stderr, 'verify', ctx.interactive && !options.json);
  const report = await runInterruptible((signal) =>
    verifyFileArchive(store, { signal, onProgress: (p) => bar.update(p) }),
  ).finally(() => bar.finish());
  if (options.json) {
    ctx.stdout.write(`${JSON.stringify({ archive: store.location, kind: 'files', ...report })}\n`);
  } else if (report.ok) {
    ctx.stdout.write(
      `ok: ${store.location}: file archive, ${report.entries} entries, ${formatBytes(report.contentBytes)} of content, ` +
        `${formatBytes(report.archiveBytes)} checked\n`,
    );
  } else {
    ctx.stdout.write(`CORRUPT: ${store.location}: ${report.problems.length} problem(s)\n`);
    for (const problem of report.problems) ctx.stdout.write(`  ${problem}\n`);
  }
  ctx.exitCode = report.ok ? EXIT.ok : EXIT.corrupt;
}
