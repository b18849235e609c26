/**
 * `vaultpilot archive <source> <destination>` (and `vaultpilot archive merge <destination>`): exports an EBS
 * snapshot or a local image/device into a block archive in a directory or S3.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { archiveFiles, type FileArchiveProgress } from '../../archive/files/index.js';
import { exportArchive, mergeShards } from '../../archive/index.js';
import { openArchiveStore } from '../../aws/archive/openArchiveLocation.js';
import { ArchiveLocationError, parseSourceLocation } from '../../core/archive/archiveLocation.js';
import { COMPRESSION_LEVEL, READ_CONCURRENCY, SEGMENT_SIZE_MIB } from '../../core/archive/archiveSettings.js';
import { canonicalLocation, type LocationOptions, openOptions, openSource, openStore } from '../archiveLocations.js';
import { type CliContext, CliError } from '../CliContext.js';
import { EXIT } from '../exitCodes.js';
import { addEndpointOptions, addJsonOption, addNumberOption, addThreadsOption, parseShard } from '../options.js';
import { formatBytes, ProgressBar } from '../progressBar.js';
import { runInterruptible } from '../runInterruptible.js';

interface ArchiveOptions extends LocationOptions {
  readonly parent?: string;
  readonly level: number;
  readonly segmentSize: number;
  readonly concurrency?: number;
  readonly threads?: number;
  readonly shard?: string;
  readonly json?: boolean;
  readonly files?: boolean;
}

/** `vaultpilot archive`. */
export function registerArchiveCommand(program: Command, ctx: CliContext): void {
  const command = program
    .command('archive')
    .description(
      'Export an EBS snapshot (ebs://snap-…) or a local image/device into a block archive (directory or s3://bucket/prefix).\n' +
        '`vaultpilot archive merge <destination>` commits a sharded export.\n' +
        '`vaultpilot archive --files <dir|ext4 image> <destination>` writes a file-level archive (files.tar.zst, docs/file-archives.md).',
    )
    .argument('<source>', 'ebs://snap-…, an image file or a block device; or `merge`')
    .argument('<destination>', 'a directory or s3://bucket/prefix (empty)')
    .option('--parent <archive>', 'make an incremental archive on top of this archive (EBS sources)')
    .option('--files', 'file-level archive of a directory or an ext2/3/4 image (GNU tar + zstd, with a listing)');
  addNumberOption(command, '--level <n>', 'zstd level, 1 (fast) to 19 (small)', COMPRESSION_LEVEL);
  addNumberOption(
    command,
    '--segment-size <MiB>',
    `uncompressed MiB of stored blocks per segment object (${SEGMENT_SIZE_MIB.min}–${SEGMENT_SIZE_MIB.max})`,
    SEGMENT_SIZE_MIB,
  );
  addNumberOption(
    command,
    '--concurrency <n>',
    `blocks read in parallel, up to ${READ_CONCURRENCY.max} (default ${READ_CONCURRENCY.ebs} for EBS, ${READ_CONCURRENCY.file} for files)`,
    READ_CONCURRENCY,
  );
  addThreadsOption(command, 'compression')
    .option('--shard <i/N>', 'export only part i (0-based) of N; commit with `archive merge`')
    .option('--storage-class <class>', 'S3 storage class of the objects, e.g. GLACIER_IR or DEEP_ARCHIVE');
  addJsonOption(command);
  addEndpointOptions(command).action(async (source: string, destination: string, options: ArchiveOptions) => {
    const started = Date.now();
    if (options.files) {
      await archiveFileTree(source, destination, options, command, ctx);
      return;
    }
    if (source === 'merge') {
      const store = await openStore(destination, options, ctx);
      const manifest = await runInterruptible((signal) => mergeShards(store, { signal }));
      const summary = { archive: store.location, merged: true, segments: manifest.segments.length, ...manifest.totals };
      ctx.stdout.write(
        options.json
          ? `${JSON.stringify(summary)}\n`
          : `merged ${manifest.segments.length} segments into ${store.location}/manifest.json\n`,
      );
      return;
    }
    const shard = parseShard(options.shard);
    const blockSource = await openSource(source, options, ctx);
    const isEbs = parseSourceLocation(source).kind === 'ebs-snapshot';
    const store = await openStore(destination, options, ctx);
    const parent = options.parent
      ? {
          store: await openStore(options.parent, options, ctx),
          location: await canonicalLocation(options.parent, ctx),
        }
      : undefined;
    const bar = new ProgressBar(ctx.stderr, 'archive', ctx.interactive && !options.json);
    const result = await runInterruptible((signal) =>
      exportArchive({
        source: blockSource,
        store,
        parent,
        level: options.level,
        segmentBlocks: Math.max(1, Math.round((options.segmentSize * 1024 * 1024) / 524_288)),
        readConcurrency: options.concurrency ?? (isEbs ? READ_CONCURRENCY.ebs : READ_CONCURRENCY.file),
        threads: options.threads,
        shard,
        signal,
        onProgress: (p) => bar.update(p),
      }),
    ).finally(() => bar.finish());
    const seconds = (Date.now() - started) / 1000;
    const m = result.manifest;
    const scanned = (m.range.end - m.range.first) * m.blockSize;
    const summary = {
      archive: store.location,
      manifest: result.manifestKey,
      source: m.source,
      parent: m.parent?.location,
      shard: m.shard,
      volumeSize: m.volumeSize,
      ...m.totals,
      linearChecksum: m.linearChecksum,
      seconds: Number(seconds.toFixed(3)),
      mbPerSecond: Number((scanned / 1e6 / Math.max(seconds, 1e-3)).toFixed(1)),
    };
    if (options.json) {
      ctx.stdout.write(`${JSON.stringify(summary)}\n`);
    } else {
      ctx.stdout.write(
        `archived ${m.source.id} → ${store.location} (${result.manifestKey})\n` +
          `  ${m.totals.dataBlocks} data blocks, ${m.totals.zeroBlocks} zero, ${m.totals.removedBlocks} removed; ` +
          `${formatBytes(m.totals.dataBlocks * m.blockSize)} stored as ${formatBytes(m.totals.storedBytes)} ` +
          `in ${m.segments.length} segments, ${seconds.toFixed(1)} s (${summary.mbPerSecond} MB/s)\n`,
      );
    }
  });
}

/** `vaultpilot archive --files SRC DEST`: a tar + zstd archive of a directory or ext image, with its listing. */
async function archiveFileTree(
  source: string,
  destination: string,
  options: ArchiveOptions,
  command: Command,
  ctx: CliContext,
): Promise<void> {
  const blockOnly = ['parent', 'shard', 'segmentSize', 'concurrency'].filter(
    (name) => command.getOptionValueSource(name) === 'cli',
  );
  if (blockOnly.length > 0) {
    const flags = blockOnly.map((n) => `--${n.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ');
    throw new CliError(`${flags}: block-archive options, not for --files`, EXIT.usage);
  }
  if (source === 'merge') throw new CliError('--files archives are not sharded: there is nothing to merge', EXIT.usage);
  const store = await openArchiveStore(destination, openOptions(options, ctx), 'streams').catch((error: unknown) => {
    if (error instanceof ArchiveLocationError) throw new CliError(error.message, EXIT.usage, { cause: error });
    throw error;
  });
  const started = Date.now();
  const progress = new FileProgressLine(ctx.stderr, ctx.interactive && !options.json);
  const result = await runInterruptible((signal) =>
    archiveFiles({
      source: resolve(ctx.cwd, source),
      store,
      level: options.level,
      threads: options.threads ?? 0,
      signal,
      onProgress: (p) => progress.update(p),
    }),
  ).finally(() => progress.finish());
  const seconds = (Date.now() - started) / 1000;
  const m = result.manifest;
  const summary = {
    archive: store.location,
    manifest: result.manifestKey,
    source: m.source,
    entries: m.counts.entries,
    counts: m.counts,
    contentBytes: m.contentBytes,
    tarBytes: m.tarBytes,
    archiveBytes: m.archive.bytes,
    sha256: m.archive.sha256,
    seconds: Number(seconds.toFixed(3)),
    mbPerSecond: Number((m.tarBytes / 1e6 / Math.max(seconds, 1e-3)).toFixed(1)),
  };
  if (options.json) {
    ctx.stdout.write(`${JSON.stringify(summary)}\n`);
    return;
  }
  ctx.stdout.write(
    `archived ${m.source.path} → ${store.location} (${result.manifestKey})\n` +
      `  ${m.counts.entries} entries (${m.counts.file ?? 0} files, ${m.counts.dir ?? 0} directories), ` +
      `${formatBytes(m.contentBytes)} of content stored as ${formatBytes(m.archive.bytes)}, ` +
      `${seconds.toFixed(1)} s (${summary.mbPerSecond} MB/s)\n`,
  );
}

/** One progress line on a terminal: entries, bytes read, bytes stored, MB/s. */
class FileProgressLine {
  private readonly started = Date.now();
  private drawn = false;

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly enabled: boolean,
  ) {}

  update(p: FileArchiveProgress): void {
    if (!this.enabled) return;
    const seconds = Math.max((Date.now() - this.started) / 1000, 1e-3);
    this.drawn = true;
    this.out.write(
      `\r\x1b[2Karchive --files: ${p.entries} entries, ${formatBytes(p.contentBytes)} read, ` +
        `${formatBytes(p.storedBytes)} stored, ${(p.tarBytes / 1e6 / seconds).toFixed(0)} MB/s`,
    );
  }

  finish(): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}
