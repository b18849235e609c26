/**
 * `vaultpilot dump <database-url> <destination>`: a native dump of one PostgreSQL (pg_dump, directory format, in
 * parallel) or MySQL/MariaDB (mariadb-dump) database, each file compressed with multi-threaded zstd on its way to a
 * directory or s3://bucket/prefix, and vaultpilot-dump-manifest.json written last. docs/dumps.md.
 */
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { dumpDatabase } from '../../archive/dump/index.js';
import { COMPRESSION_LEVEL } from '../../core/archive/archiveSettings.js';
import { redactDatabaseUrl } from '../../core/dump/databaseUrl.js';
import { DUMP_MANIFEST } from '../../core/dump/dumpManifest.js';
import { openStore } from '../archiveLocations.js';
import type { CliContext } from '../CliContext.js';
import { databaseUrlOf, dumpProgressPrinter, runDumpWork, toolEnv } from '../dumpCommandSupport.js';
import {
  addEndpointOptions,
  addJsonOption,
  addNumberOption,
  addThreadsOption,
  type EndpointOptions,
} from '../options.js';
import { formatBytes } from '../progressBar.js';

interface DumpOptions extends EndpointOptions {
  readonly jobs: number;
  readonly level: number;
  readonly threads?: number;
  readonly rowCounts: boolean;
  readonly tempDir?: string;
  readonly json?: boolean;
}

/** `vaultpilot dump`. */
export function registerDumpCommand(program: Command, ctx: CliContext): void {
  const command = program
    .command('dump')
    .description(
      'A native dump of one database, zstd-compressed, to a directory or S3 (docs/dumps.md):\n' +
        '  PostgreSQL: pg_dump --format=directory in parallel → pg_dump/<file>.zst\n' +
        '  MySQL/MariaDB: mariadb-dump --single-transaction … → dump.sql.zst\n' +
        `and ${DUMP_MANIFEST} (sizes, SHA-256, row counts) written last.\n` +
        'The password comes from the URL or PGPASSWORD / MYSQL_PWD and reaches the tools through their environment.',
    )
    .argument('<database-url>', 'postgres://user[:password]@host[:port]/database, mysql://… or mariadb://…')
    .argument('<destination>', 'a directory or s3://bucket/prefix (without a dump in it yet)')
    .option('--no-row-counts', 'do not count the rows of every table for the manifest')
    .option('--temp-dir <dir>', "where pg_dump's files wait for zstd (default: the system's temporary directory)");
  addNumberOption(command, '--jobs <n>', 'pg_dump --jobs: tables dumped in parallel', {
    min: 1,
    max: 256,
    default: availableParallelism(),
  });
  addNumberOption(
    command,
    '--level <n>',
    `zstd level (${COMPRESSION_LEVEL.min}–${COMPRESSION_LEVEL.max})`,
    COMPRESSION_LEVEL,
  );
  addThreadsOption(command, 'compression');
  addJsonOption(command);
  addEndpointOptions(command).action(async (databaseUrl: string, destination: string, options: DumpOptions) => {
    const { url, password } = databaseUrlOf(databaseUrl, ctx);
    const store = await openStore(destination, options, ctx);
    const started = Date.now();
    const progress = dumpProgressPrinter(ctx, 'dump', Boolean(options.json));
    const result = await runDumpWork((signal) =>
      dumpDatabase({
        url,
        ...(password === undefined ? {} : { password }),
        store,
        jobs: options.jobs,
        level: options.level,
        ...(options.threads ? { threads: options.threads } : {}),
        rowCounts: options.rowCounts,
        env: toolEnv(ctx),
        ...(options.tempDir ? { tempDirectory: options.tempDir } : {}),
        signal,
        onProgress: (p) => progress.update(p),
      }),
    ).finally(() => progress.finish());
    const seconds = (Date.now() - started) / 1000;
    const m = result.manifest;
    const summary = {
      source: redactDatabaseUrl(databaseUrl),
      destination: store.location,
      manifest: DUMP_MANIFEST,
      engine: m.engine,
      serverVersion: m.serverVersion,
      tool: m.tool.version,
      files: m.files.length,
      uncompressedBytes: result.uncompressedBytes,
      compressedBytes: result.compressedBytes,
      tables: Object.keys(m.rowCounts.tables).length,
      rows: Object.values(m.rowCounts.tables).reduce((a, b) => a + b, 0),
      rowCounts: m.rowCounts.mode,
      seconds: Number(seconds.toFixed(3)),
      mbPerSecond: Number((result.uncompressedBytes / 1e6 / Math.max(seconds, 1e-3)).toFixed(1)),
    };
    ctx.stdout.write(
      options.json
        ? `${JSON.stringify(summary)}\n`
        : `dumped ${m.engine} ${m.source.database} → ${store.location}: ${m.files.length} files, ` +
            `${formatBytes(result.uncompressedBytes)} → ${formatBytes(result.compressedBytes)} zstd in ${seconds.toFixed(1)} s ` +
            `(${summary.mbPerSecond} MB/s); ${summary.tables} tables, ${summary.rows} rows (${m.rowCounts.mode})\n`,
    );
  });
}
