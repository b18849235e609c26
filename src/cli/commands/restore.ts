/** `vaultpilot restore <archive> <target>`: restores an archive (and its chain) to a file, device or new snapshot. */
import type { Command } from 'commander';
import { restoreArchive } from '../../archive/index.js';
import { WRITE_CONCURRENCY } from '../../core/archive/archiveSettings.js';
import { type LocationOptions, openStore, openTarget } from '../archiveLocations.js';
import type { CliContext } from '../CliContext.js';
import { addEndpointOptions, addJsonOption, addNumberOption, addThreadsOption } from '../options.js';
import { formatBytes, ProgressBar } from '../progressBar.js';
import { runInterruptible } from '../runInterruptible.js';

interface RestoreOptions extends LocationOptions {
  readonly concurrency: number;
  readonly threads?: number;
  readonly json?: boolean;
}

/** `vaultpilot restore`. */
export function registerRestoreCommand(program: Command, ctx: CliContext): void {
  const command = program
    .command('restore')
    .description(
      'Restore a block archive into an image file (sparse), a block device, or a new EBS snapshot (ebs://new).\n' +
        'Incremental archives are restored with their parents, base first.',
    )
    .argument('<archive>', 'a directory or s3://bucket/prefix holding manifest.json')
    .argument('<target>', 'an image file, a block device, or ebs://new');
  addNumberOption(
    command,
    '--concurrency <n>',
    `blocks written in parallel (${WRITE_CONCURRENCY.min}–${WRITE_CONCURRENCY.max})`,
    WRITE_CONCURRENCY,
  );
  addThreadsOption(command, 'decompression');
  addJsonOption(command);
  addEndpointOptions(command).action(async (archive: string, target: string, options: RestoreOptions) => {
    const started = Date.now();
    const store = await openStore(archive, options, ctx);
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
    ).finally(() => bar.finish());
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
