/**
 * `vaultpilot archive <source> <destination>` (and `vaultpilot archive merge <destination>`): exports an EBS
 * snapshot or a local image/device into a block archive in a directory or S3. Also holds what the other
 * archive commands share: turning `ebs://…`, `s3://…` and paths into sources, stores and targets, Ctrl-C
 * handling and exit codes.
 */
import { resolve } from 'node:path';
import type { StorageClass } from '@aws-sdk/client-s3';
import type { Command } from 'commander';
import {
  ArchiveCorruptError,
  ArchiveError,
  type ArchiveStore,
  type BlockSource,
  exportArchive,
  FileRestoreTarget,
  LocalDirectoryStore,
  LocalFileSource,
  mergeShards,
  type RestoreTarget,
} from '../../archive/index.js';
import { type CliContext, CliError } from '../CliContext.js';
import { formatBytes, ProgressBar } from '../progressBar.js';

/** Exit codes of the archive commands. */
export const EXIT = { ok: 0, failed: 1, usage: 2, corrupt: 3, interrupted: 130 } as const;

/** Endpoint and region options shared by the archive commands. */
export interface EndpointOptions {
  readonly endpoint?: string;
  /** S3 storage class of new objects (archive only), e.g. GLACIER_IR or DEEP_ARCHIVE. */
  readonly storageClass?: string;
  readonly ebsEndpoint?: string;
  readonly s3Endpoint?: string;
  readonly region?: string;
}

const SNAPSHOT_URL = /^ebs:\/\/(snap-[0-9a-zA-Z]+)$/;

/** True for `s3://bucket[/prefix]`. */
function isS3(location: string): boolean {
  return location.startsWith('s3://');
}

/** Adds --endpoint/--ebs-endpoint/--s3-endpoint/--region to a command. */
export function addEndpointOptions(command: Command): Command {
  return command
    .option('--endpoint <url>', 'endpoint for ebs:// and s3:// (a local stand-in or an S3-compatible store)')
    .option('--ebs-endpoint <url>', 'endpoint of the EBS direct APIs only')
    .option('--s3-endpoint <url>', 'endpoint of the S3-compatible store only')
    .option('--region <region>', 'AWS Region (default: from the environment)');
}

/** An EBS client for the options; the SDK is loaded only when an ebs:// location is used (it costs ~50 MiB). */
async function ebsClient(options: EndpointOptions) {
  const { createEbsClient } = await import('../../aws/ebs/createEbsClient.js');
  return createEbsClient({ endpoint: options.ebsEndpoint ?? options.endpoint, region: options.region });
}

/** Opens a block source: `ebs://snap-…` or a local image file or block device. */
export async function openSource(location: string, options: EndpointOptions, ctx: CliContext): Promise<BlockSource> {
  const snapshot = SNAPSHOT_URL.exec(location);
  if (snapshot) {
    const { EbsSnapshotSource } = await import('../../aws/ebs/EbsSnapshotSource.js');
    return new EbsSnapshotSource({ client: await ebsClient(options), snapshotId: snapshot[1]! });
  }
  if (location.startsWith('ebs://')) throw new CliError(`${location}: write EBS snapshots as ebs://snap-…`, EXIT.usage);
  if (isS3(location)) throw new CliError(`${location}: an S3 location is an archive, not a source`, EXIT.usage);
  return new LocalFileSource(resolve(ctx.cwd, location));
}

/** The canonical form of an archive location, as recorded in a child's `parent.location`. */
export function canonicalLocation(location: string, ctx: CliContext): string {
  return isS3(location) ? location.replace(/\/+$/, '') : resolve(ctx.cwd, location);
}

/** Opens an archive store: `s3://bucket/prefix` (the S3 SDK is loaded only then) or a local directory. */
export async function openStore(location: string, options: EndpointOptions, ctx: CliContext): Promise<ArchiveStore> {
  if (isS3(location)) {
    const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(location);
    if (!match) throw new CliError(`${location}: write S3 locations as s3://bucket/prefix`, EXIT.usage);
    const { createS3Client } = await import('../../aws/s3/createS3Client.js');
    const { S3ArchiveStore } = await import('../../aws/s3/S3ArchiveStore.js');
    const endpoint = options.s3Endpoint ?? options.endpoint;
    // S3-compatible stores address buckets by path; AWS itself prefers virtual-hosted names.
    const client = createS3Client({ endpoint, region: options.region, forcePathStyle: endpoint !== undefined });
    const prefix = (match[2] ?? '').replace(/\/+$/, '');
    return new S3ArchiveStore({
      client,
      bucket: match[1]!,
      prefix: prefix ? `${prefix}/` : '',
      ...(options.storageClass ? { storageClass: options.storageClass as StorageClass } : {}),
    });
  }
  if (location.startsWith('ebs://')) throw new CliError(`${location}: an EBS snapshot is not an archive`, EXIT.usage);
  return new LocalDirectoryStore(resolve(ctx.cwd, location));
}

/** Opens a restore target: `ebs://new` (a new EBS snapshot) or a local file or block device. */
export async function openTarget(
  location: string,
  options: EndpointOptions,
  ctx: CliContext,
  overlay: boolean,
): Promise<RestoreTarget> {
  if (location === 'ebs://new' || location === 'ebs://') {
    const { EbsSnapshotTarget } = await import('../../aws/ebs/EbsSnapshotTarget.js');
    return new EbsSnapshotTarget({ client: await ebsClient(options) });
  }
  if (location.startsWith('ebs://')) {
    throw new CliError(`${location}: restore to a new snapshot with ebs://new`, EXIT.usage);
  }
  if (isS3(location)) throw new CliError(`${location}: restore into a file, a device or ebs://new`, EXIT.usage);
  return new FileRestoreTarget(resolve(ctx.cwd, location), { overlay });
}

/**
 * Runs `work` with an AbortSignal that SIGINT and SIGTERM trigger, and maps engine errors to exit codes:
 * interrupted 130, corrupt archive 3, bad usage 2, other failures 1.
 */
export async function runInterruptible<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let received: string | undefined;
  const onSignal = (name: NodeJS.Signals) => {
    // A second Ctrl-C means "now": nothing is committed before the manifest, so leaving at once is safe.
    if (received) process.exit(EXIT.interrupted);
    received = name;
    controller.abort(new Error(`interrupted by ${name}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await work(controller.signal);
  } catch (error) {
    if (received) {
      throw new CliError(`interrupted by ${received}: stopped cleanly, nothing was committed`, EXIT.interrupted, {
        cause: error,
      });
    }
    if (error instanceof CliError) throw error;
    if (error instanceof ArchiveCorruptError) {
      throw new CliError(error.problems.join('\n'), EXIT.corrupt, { cause: error });
    }
    if (error instanceof ArchiveError) {
      const usage = error.name === 'ArchiveUsageError';
      throw new CliError(error.message, usage ? EXIT.usage : EXIT.failed, { cause: error });
    }
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Parses `--shard i/N`. */
export function parseShard(text: string | undefined): { index: number; count: number } | undefined {
  if (text === undefined) return undefined;
  const match = /^(\d+)\/(\d+)$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index >= count)
    throw new CliError(`--shard ${text}: write i/N with 0 ≤ i < N`, EXIT.usage);
  return { index, count };
}

function positiveInt(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new CliError(`${name} ${text}: expected a positive integer`, EXIT.usage);
  return value;
}

interface ArchiveOptions extends EndpointOptions {
  readonly parent?: string;
  readonly level?: string;
  readonly segmentSize?: string;
  readonly concurrency?: string;
  readonly threads?: string;
  readonly shard?: string;
  readonly json?: boolean;
}

/** `vaultpilot archive`. */
export function registerArchiveCommand(program: Command, ctx: CliContext): void {
  const command = program
    .command('archive')
    .description(
      'Export an EBS snapshot (ebs://snap-…) or a local image/device into a block archive (directory or s3://bucket/prefix).\n' +
        '`vaultpilot archive merge <destination>` commits a sharded export.',
    )
    .argument('<source>', 'ebs://snap-…, an image file or a block device; or `merge`')
    .argument('<destination>', 'a directory or s3://bucket/prefix (empty)')
    .option('--parent <archive>', 'make an incremental archive on top of this archive (EBS sources)')
    .option('--level <n>', 'zstd level, 1 (fast) to 19 (small)', '3')
    .option('--segment-size <MiB>', 'uncompressed MiB of stored blocks per segment object', '128')
    .option('--concurrency <n>', 'blocks read in parallel (default 16 for EBS, 8 for files)')
    .option('--threads <n>', 'compression threads (default: one per core)')
    .option('--shard <i/N>', 'export only part i (0-based) of N; commit with `archive merge`')
    .option('--storage-class <class>', 'S3 storage class of the objects, e.g. GLACIER_IR or DEEP_ARCHIVE')
    .option('--json', 'print a JSON summary on stdout');
  addEndpointOptions(command).action(async (source: string, destination: string, options: ArchiveOptions) => {
    const started = Date.now();
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
    const level = Number(options.level ?? '3');
    if (!Number.isInteger(level) || level < -7 || level > 22)
      throw new CliError(`--level ${options.level}: 1–19`, EXIT.usage);
    const segmentMiB = positiveInt('--segment-size', options.segmentSize, 128);
    const isEbs = source.startsWith('ebs://');
    const blockSource = await openSource(source, options, ctx);
    const store = await openStore(destination, options, ctx);
    const parent = options.parent
      ? { store: await openStore(options.parent, options, ctx), location: canonicalLocation(options.parent, ctx) }
      : undefined;
    const bar = new ProgressBar(ctx.stderr, 'archive', ctx.interactive && !options.json);
    const result = await runInterruptible((signal) =>
      exportArchive({
        source: blockSource,
        store,
        parent,
        level,
        segmentBlocks: Math.max(1, Math.round((segmentMiB * 1024 * 1024) / 524_288)),
        readConcurrency: positiveInt('--concurrency', options.concurrency, isEbs ? 16 : 8),
        threads: options.threads ? positiveInt('--threads', options.threads, 1) : undefined,
        shard: parseShard(options.shard),
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
