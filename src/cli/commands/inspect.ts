/** `vaultpilot inspect <archive>`: what an archive holds, from its manifest alone (nothing else is read). */
import type { Command } from 'commander';
import { ArchiveReader } from '../../archive/index.js';
import { type LocationOptions, openStore } from '../archiveLocations.js';
import type { CliContext } from '../CliContext.js';
import { addEndpointOptions, addJsonOption } from '../options.js';
import { formatBytes } from '../progressBar.js';
import { runInterruptible } from '../runInterruptible.js';

interface InspectOptions extends LocationOptions {
  readonly segments?: boolean;
  readonly json?: boolean;
}

/** `vaultpilot inspect`. */
export function registerInspectCommand(program: Command, ctx: CliContext): void {
  const command = program
    .command('inspect')
    .description('Show an archive manifest: source, size, parent, block counts, compression and segments.')
    .argument('<archive>', 'a directory or s3://bucket/prefix')
    .option('--segments', 'list every segment');
  addJsonOption(command, 'print the manifest as JSON');
  addEndpointOptions(command).action(async (archive: string, options: InspectOptions) => {
    const store = await openStore(archive, options, ctx);
    const reader = await runInterruptible((signal) => ArchiveReader.open(store, { signal }));
    const m = reader.manifest;
    if (options.json) {
      const { segments, ...rest } = m;
      ctx.stdout.write(`${JSON.stringify(options.segments ? m : { ...rest, segments: segments.length })}\n`);
      return;
    }
    const stored = m.totals.dataBlocks * m.blockSize;
    const lines = [
      `archive      ${store.location}`,
      `source       ${m.source.kind} ${m.source.id}`,
      `created      ${m.createdAt}`,
      `volume       ${formatBytes(m.volumeSize)} (${m.volumeSize} bytes), blocks of ${m.blockSize}`,
      `parent       ${m.parent ? `${m.parent.location} (source ${m.parent.sourceId})` : '— (full archive)'}`,
      `blocks       ${m.totals.entries} listed: ${m.totals.dataBlocks} data, ${m.totals.zeroBlocks} zero, ${m.totals.removedBlocks} removed`,
      `stored       ${formatBytes(stored)} → ${formatBytes(m.totals.storedBytes)} with zstd level ${m.compression.level}` +
        (m.totals.storedBytes > 0 ? ` (ratio ${(stored / m.totals.storedBytes).toFixed(2)})` : ''),
      `segments     ${m.segments.length}`,
      `linear       ${m.linearChecksum}`,
    ];
    if (options.segments) {
      for (const s of m.segments) {
        lines.push(
          `  ${s.name}  blocks ${s.firstBlock}–${s.lastBlock}  ${s.dataBlocks} data  ${formatBytes(s.size)}  ${s.sha256}`,
        );
      }
    }
    ctx.stdout.write(`${lines.join('\n')}\n`);
  });
}
