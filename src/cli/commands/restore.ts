/**
 * `vaultpilot restore <archive> <target>`: restores an archive (and its chain) to a file, device or new snapshot;
 * `vaultpilot restore <dump> postgres://…/NEWDB` (or mysql://…): a native dump into a new database (docs/dumps.md).
 */
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { restoreDump } from '../../archive/dump/index.js';
import { type ArchiveStore, restoreArchive } from '../../archive/index.js';
import { WRITE_CONCURRENCY } from '../../core/archive/archiveSettings.js';
import { isDatabaseUrl, redactDatabaseUrl } from '../../core/dump/databaseUrl.js';
import { DUMP_MANIFEST } from '../../core/dump/dumpManifest.js';
import { type LocationOptions, openStore, openTarget } from '../archiveLocations.js';
import { type CliContext, CliError } from '../CliContext.js';
import { databaseUrlOf, dumpProgressPrinter, runDumpWork, toolEnv } from '../dumpCommandSupport.js';
import { EXIT } from '../exitCodes.js';
import { addEndpointOptions, addJsonOption, addNumberOption, addThreadsOption } from '../options.js';
import { formatBytes, ProgressBar } from '../progressBar.js';
import { runInterruptible } from '../runInterruptible.js';

interface RestoreOptions extends LocationOptions {
  readonly concurrency: number;
  readonly threads?: number;
  readonly jobs: number;
  readonly tempDir?: string;
  readonly json?: boolean;
}

/** A dump (it holds vaultpilot-dump-manifest.json) into a new database named by `target`. */
async function restoreDumpInto(store: ArchiveStore, target: string, options: RestoreOptions, ctx: CliContext) {
  const { url, password } = databaseUrlOf(target, ctx);
  const started = Date.now();
  const progress = dumpProgressPrinter(ctx, 'restore', Boolean(options.json));
  const result = await runDumpWork((signal) =>
    restoreDump({
      store,
      target: url,
      ...(password === undefined ? {} : { password }),
      jobs: options.jobs,
      env: toolEnv(ctx),
      ...(options.tempDir ? { tempDirectory: options.tempDir } : {}),
      signal,
      onProgress: (p) => progress.update(p),
    }),
  ).finally(() => progress.finish());
  const seconds = (Date.now() - started) / 1000;
  const m = result.manifest;
  const summary = {
    dump: store.location,
    target: redactDatabaseUrl(target),
    engine: m.engine,
    database: result.database,
    files: m.files.length,
    verified: true,
    compressedBytes: result.compressedBytes,
    seconds: Number(seconds.toFixed(3)),
  };
  ctx.stdout.write(
    options.json
      ? `${JSON.stringify(summary)}\n`
      : `restored ${m.engine} dump ${store.location} → ${summary.target}: ${m.files.length} files verified (SHA-256) ` +
          `and loaded in ${seconds.toFixed(1)} s\n`,
  );
}

/** `vaultpilot restore`. */
export function registerRestoreCommand(program: Command, ctx: CliContext): void {
  const command = program
    .command('restore')
    .description(
      'Restore a block archive into an image file (sparse), a block device, or a new EBS snapshot (ebs://new).\n' +
        'Incremental archives are restored with their parents, base first.',
    )
    .argument(
      '<archive>',
      'a directory or s3://bucket/prefix holding manifest.json (or a dump: vaultpilot-dump-manifest.json)',
    )
    .argument(
      '<target>',
      'an image file, a block device, or ebs://new (for a dump: postgres://…/NEWDB, mysql://…/NEWDB)',
    )
    .option(
      '--temp-dir <dir>',
      "dumps into PostgreSQL: where the decompressed files wait for pg_restore (default: the system's)",
    );
  addNumberOption(
    command,
    '--concurrency <n>',
    `blocks written in parallel (${WRITE_CONCURRENCY.min}–${WRITE_CONCURRENCY.max})`,
    WRITE_CONCURRENCY,
  );
  addThreadsOption(command, 'decompression');
  addNumberOption(command, '--jobs <n>', 'dumps into PostgreSQL: pg_restore --jobs', {
    min: 1,
    max: 256,
    default: availableParallelism(),
  });
  addJsonOption(command);
  addEndpointOptions(command).action(async (archive: string, target: string, options: RestoreOptions) => {
    const started = Date.now();
    const store = await openStore(archive, options, ctx);
    if (isDatabaseUrl(target)) {
      if (!(await store.head(DUMP_MANIFEST))) {
        throw new CliError(
          `${store.location} holds no ${DUMP_MANIFEST}: only a dump restores into a database`,
          EXIT.usage,
        );
      }
      return restoreDumpInto(store, target, options, ctx);
    }
    const bar = new ProgressBar(ctx.stderr, 'restore', ctx.interactive && !options.json);
    const result = await runInterruptible((signal) =>
      restoreArchive({
        store,
        openStore: (location) => openStore(location, options, ctx),
        target: (position) => openTarget(target, options, ctx, position > 0),
        writeConcurrency: options.concurrency,
        threads: options.threads,
        signal,
        onProgress: (p) => bar.update(p),
      }),
    )
      .catch(async (error: unknown) => {
        if (await store.head(DUMP_MANIFEST).catch(() => undefined)) {
          throw new CliError(
            `${store.location} is a database dump: restore it into postgres://…/NEWDB or mysql://…/NEWDB`,
            EXIT.usage,
          );
        }
        throw error;
      })
      .finally(() => bar.finish());
    const seconds = (Date.now() - started) / 1000;
    const summary = {
      archive: store.location,
      restored: result.id,
      chain: result.ids,
      blocks: result.blocks,
      seconds: Number(seconds.toFixed(3)),
      mbPerSecond: Number((result.bytes / 1e6 / Math.max(seconds, 1e-3)).toFixed(1)),
    };
    ctx.stdout.write(
      options.json
        ? `${JSON.stringify(summary)}\n`
        : `restored ${store.location} → ${result.id}${result.ids.length > 1 ? ` (chain of ${result.ids.length})` : ''}: ` +
            `${result.blocks} blocks, ${formatBytes(result.bytes)} in ${seconds.toFixed(1)} s\n`,
    );
  });
}
