/**
 * A PostgreSQL database → `pg_dump/*.zst` in the store: `pg_dump -Fd -Z0 -j N` into a temporary directory, each of
 * its files compressed with `zstd -T<n>` and streamed to the store WHILE pg_dump writes it. pg_dump's directory
 * format is the only one it writes in parallel, and it writes files, not a stream, so the bytes pass through local
 * disk, but briefly: a follower reads each file as it grows, punches a hole over what it has read every 32 MiB
 * (`fallocate --punch-hole`), and pauses the pg_dump process writing it (SIGSTOP/SIGCONT) when the unread part
 * passes 64 MiB. The disk peak is about `jobs` × 100 MiB whatever the database's size; memory is the pipes' and the
 * store's part buffers. A file is finished when no process of pg_dump holds it open (Linux /proc, two scans after
 * the last read); without /proc (not Linux) every file is compressed after pg_dump ends, and the peak is the whole
 * uncompressed dump. toc.dat is written at the end and taken last.
 *
 * The dump reads a snapshot exported by our own connection (pg_export_snapshot + `pg_dump --snapshot`), and the
 * per-table row counts are taken in that same snapshot while pg_dump runs: they are exactly the dumped rows.
 */
import { open as fsOpen, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import pg from 'pg';
import type { DatabaseUrl } from '../../core/dump/databaseUrl.js';
import { type DumpManifest, POSTGRES_DUMP_FOLDER } from '../../core/dump/dumpManifest.js';
import type { ArchiveStore } from '../ports.js';
import { findTool, runForOutput, startChild } from './childProcesses.js';
import type { DumpProgress } from './dumpProgress.js';
import { DumpError } from './errors.js';
import { putCompressed, type StoredCompressedFile } from './zstdFiles.js';

/** What a PostgreSQL dump needs. */
export interface PostgresDumpInput {
  readonly url: DatabaseUrl;
  readonly password?: string;
  readonly store: ArchiveStore;
  readonly jobs: number;
  readonly level: number;
  readonly threads: number;
  readonly rowCounts: boolean;
  readonly env: NodeJS.ProcessEnv;
  readonly tempDirectory?: string;
  readonly signal: AbortSignal;
  readonly progress: DumpProgress;
}

/** Environment of PostgreSQL tools: the password and TLS mode through libpq's variables, never arguments. */
export function postgresChildEnv(url: DatabaseUrl, password: string | undefined, env: NodeJS.ProcessEnv) {
  const out: NodeJS.ProcessEnv = { ...env };
  if (password !== undefined) out.PGPASSWORD = password;
  if (url.parameters.sslmode) out.PGSSLMODE = url.parameters.sslmode;
  return out;
}

/** Connects with the pg client; a refused connection becomes a DumpError that says where and why. */
export async function connectPostgres(url: DatabaseUrl, password: string | undefined, database = url.database) {
  const sslmode = url.parameters.sslmode;
  const client = new pg.Client({
    host: url.host,
    port: url.port,
    user: url.user,
    database,
    ...(password === undefined ? {} : { password }),
    ...(sslmode && sslmode !== 'disable' && sslmode !== 'prefer' && sslmode !== 'allow'
      ? { ssl: { rejectUnauthorized: sslmode.startsWith('verify') } }
      : {}),
    connectionTimeoutMillis: 10_000,
  });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    const message = (error as Error).message || String(error);
    throw new DumpError(
      `cannot connect to PostgreSQL ${url.host}:${url.port}/${database} as ${url.user}: ${message}`,
      'failed',
      {
        cause: error,
      },
    );
  }
  return client;
}

export function quotePgIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Dumps the database; returns the manifest's engine-specific part. */
export async function dumpPostgres(
  input: PostgresDumpInput,
): Promise<Omit<DumpManifest, 'format' | 'version' | 'startedAt' | 'finishedAt'>> {
  const { url, store, signal } = input;
  const env = postgresChildEnv(url, input.password, input.env);
  const tool = await findTool(['pg_dump'], env);
  const client = await connectPostgres(url, input.password);
  if (input.tempDirectory) await mkdir(input.tempDirectory, { recursive: true });
  const temp = await mkdtemp(join(input.tempDirectory ?? tmpdir(), 'vaultpilot-pgdump-'));
  const stored: StoredCompressedFile[] = [];
  try {
    const info = await client.query<{ v: string; enc: string; coll: string }>(
      `SELECT current_setting('server_version') AS v, pg_encoding_to_char(encoding) AS enc, datcollate AS coll
         FROM pg_database WHERE datname = current_database()`,
    );
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const snapshot = (await client.query<{ s: string }>('SELECT pg_export_snapshot() AS s')).rows[0]!.s;
    const directory = join(temp, 'dump');
    const args = [
      '--format=directory',
      '--compress=0',
      `--jobs=${input.jobs}`,
      `--snapshot=${snapshot}`,
      '--no-password',
      `--host=${url.host}`,
      `--port=${url.port}`,
      `--username=${url.user}`,
      `--dbname=${url.database}`,
      `--file=${directory}`,
    ];
    const work = new AbortController();
    const paused = new Set<number>();
    const stop = () => work.abort(signal.reason);
    signal.addEventListener('abort', stop, { once: true });
    try {
      const dump = startChild(tool.name, args, { env, signal: work.signal, stdout: 'ignore' });
      const counting = input.rowCounts ? countRows(client) : Promise.resolve({});
      counting.catch(() => work.abort(new Error('counting rows failed')));
      const compressing = compressAsWritten(directory, dump, {
        store,
        level: input.level,
        threads: input.threads,
        jobs: input.jobs,
        env: input.env,
        signal: work.signal,
        stored,
        progress: input.progress,
        paused,
      });
      compressing.catch((error: unknown) => work.abort(error));
      await Promise.all([dump.exited, compressing, counting]);
      const tables = await counting;
      await client.query('COMMIT');
      return {
        engine: 'postgresql',
        layout: 'pg-directory',
        compression: 'zstd',
        serverVersion: info.rows[0]?.v ?? '',
        source: { host: url.host, port: url.port, user: url.user, database: url.database },
        ...(info.rows[0] ? { encoding: info.rows[0].enc, collation: info.rows[0].coll } : {}),
        tool: {
          name: tool.name,
          version: tool.version,
          arguments: args.map((a) =>
            a.startsWith('--file=')
              ? '--file=<temporary directory>'
              : a.startsWith('--snapshot=')
                ? '--snapshot=<exported snapshot>'
                : a,
          ),
        },
        files: [...stored].sort((a, b) => (a.name < b.name ? -1 : 1)),
        rowCounts: { mode: input.rowCounts ? 'snapshot' : 'none', tables },
      };
    } catch (error) {
      work.abort(error);
      // A paused pg_dump worker would never see the SIGTERM.
      for (const p of paused) {
        try {
          process.kill(p, 'SIGCONT');
        } catch {
          // Gone already.
        }
      }
      // The first failure is the one to report: pg_dump's own message, not "killed by SIGTERM" after it.
      throw signal.aborted ? signal.reason : error;
    } finally {
      signal.removeEventListener('abort', stop);
    }
  } catch (error) {
    await Promise.all(stored.map((f) => store.delete(f.name).catch(() => {})));
    throw error;
  } finally {
    await client.end().catch(() => {});
    await rm(temp, { recursive: true, force: true });
  }
}

/** Rows of every ordinary table (not inherited children's), in the transaction's snapshot. */
async function countRows(client: pg.Client): Promise<Record<string, number>> {
  const tables = await client.query<{ s: string; t: string }>(
    `SELECT n.nspname AS s, c.relname AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
      ORDER BY 1, 2`,
  );
  const counts: Record<string, number> = {};
  for (const { s, t } of tables.rows) {
    const r = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ONLY ${quotePgIdent(s)}.${quotePgIdent(t)}`);
    counts[`${s}.${t}`] = Number(r.rows[0]?.n ?? 0);
  }
  return counts;
}

interface CompressContext {
  readonly store: ArchiveStore;
  readonly level: number;
  readonly threads: number;
  readonly jobs: number;
  readonly env: NodeJS.ProcessEnv;
  readonly signal: AbortSignal;
  readonly stored: StoredCompressedFile[];
  readonly progress: DumpProgress;
  /** pg_dump processes paused by a follower right now; the caller continues them on any failure. */
  readonly paused: Set<number>;
}

const POLL_MS = 100;
/** Complete (closed) files compressed at once: small ones cost a process start and an fsync each. */
const FINISHERS = 6;
const CHUNK = 1 << 20;
/** Consumed bytes of a file being followed are given back to the file system (a hole punched) every this many. */
const PUNCH_EVERY = 32 << 20;
/**
 * When a file's unread part grows past this (pg_dump writing faster than zstd compresses), the pg_dump process
 * writing it is paused (SIGSTOP) until the follower has caught up to a quarter of it (SIGCONT): the disk a file
 * takes stays under this plus PUNCH_EVERY.
 */
const MAX_BACKLOG = 64 << 20;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Compresses each file of pg_dump's directory while pg_dump writes it: a follower reads the file as it grows
 * (like `tail -f`), pipes it through zstd into the store, and punches a hole (`fallocate --punch-hole`) over what it
 * has read every 32 MiB, so the file takes almost no disk; it ends when pg_dump no longer holds the file open (seen
 * in /proc on two scans after the last read) and everything is read. Without /proc, files are compressed after
 * pg_dump exits. toc.dat is written at the end and taken last.
 */
async function compressAsWritten(
  directory: string,
  dump: ReturnType<typeof startChild>,
  ctx: CompressContext,
): Promise<void> {
  const pid = dump.child.pid;
  const canWatch =
    pid !== undefined &&
    (await stat('/proc/self/fd').then(
      () => true,
      () => false,
    ));
  let exited = false;
  let scans = 0;
  let open = new Map<string, number[]>();
  dump.exited.then(
    () => {
      exited = true;
    },
    () => {
      exited = true;
    },
  );
  const taken = new Set<string>();
  const running = new Set<Promise<void>>();
  let failure: unknown;
  let punch = true;
  const limit = ctx.jobs + 2;

  /** `complete`: pg_dump had already closed the file (it never reopens one): read it to its end, no waiting. */
  const follow = async (name: string, complete: boolean) => {
    const path = join(directory, name);
    const handle = await fsOpen(path, 'r');
    let position = 0;
    let punched = 0;
    let checked = 0;
    let paused: number[] = [];
    const resume = () => {
      for (const p of paused) {
        ctx.paused.delete(p);
        try {
          process.kill(p, 'SIGCONT');
        } catch {
          // Gone already.
        }
      }
      paused = [];
    };
    const throttle = async () => {
      const backlog = (await handle.stat()).size - position;
      if (paused.length === 0 && backlog > MAX_BACKLOG && !exited) {
        paused = (open.get(name) ?? []).filter((p) => {
          try {
            process.kill(p, 'SIGSTOP');
            ctx.paused.add(p);
            return true;
          } catch {
            return false;
          }
        });
      } else if (paused.length > 0 && backlog < MAX_BACKLOG / 4) resume();
    };
    async function* bytes(): AsyncGenerator<Buffer> {
      try {
        for (;;) {
          const buffer = Buffer.allocUnsafe(CHUNK);
          const { bytesRead } = await handle.read(buffer, 0, CHUNK, position);
          if (bytesRead > 0) {
            position += bytesRead;
            yield buffer.subarray(0, bytesRead);
            if (position - checked >= 8 << 20) {
              checked = position;
              await throttle();
            }
            if (punch && position - punched >= PUNCH_EVERY) {
              punched = position - (position % 4096);
              await runForOutput('fallocate', ['--punch-hole', '--offset', '0', '--length', String(punched), path], {
                env: ctx.env,
              }).catch(() => {
                punch = false;
              });
            }
            continue;
          }
          if (complete) return;
          // At the end of what is written so far: finished once two scans that began after this read show it closed.
          resume();
          const after = scans;
          let closedScans = 0;
          while (!exited && closedScans < 2) {
            await sleep(POLL_MS / 2);
            ctx.signal.throwIfAborted();
            if (scans > after + closedScans) {
              if (open.has(name)) break;
              closedScans++;
            }
          }
          if (exited || closedScans >= 2) {
            const { bytesRead: last } = await handle.read(buffer, 0, CHUNK, position);
            if (last === 0) return;
            position += last;
            yield buffer.subarray(0, last);
          }
        }
      } finally {
        resume();
        await handle.close();
      }
    }
    const file = await putCompressed(
      ctx.store,
      `${POSTGRES_DUMP_FOLDER}/${name}.zst`,
      { stream: Readable.from(bytes()) },
      {
        level: ctx.level,
        threads: ctx.threads,
        env: ctx.env,
        signal: ctx.signal,
        onStored: (n) => ctx.progress.stored(n),
        onRead: (n) => ctx.progress.read(n),
      },
    );
    ctx.stored.push(file);
    ctx.progress.fileDone();
    await rm(path, { force: true });
  };
  const finishing = new Set<Promise<void>>();
  const start = (name: string, complete: boolean) => {
    taken.add(name);
    const set = complete ? finishing : running;
    const p: Promise<void> = follow(name, complete)
      .catch((error: unknown) => {
        failure ??= error;
      })
      .finally(() => set.delete(p));
    set.add(p);
  };
  const closedScans = new Map<string, number>();
  const listing = async () => {
    try {
      return (await readdir(directory, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  };

  while (!exited) {
    await sleep(POLL_MS);
    if (failure !== undefined) throw failure;
    ctx.signal.throwIfAborted();
    if (!canWatch || exited) continue;
    open = await openFilesOf(pid!, directory);
    scans++;
    // Files being written are followed (≤ jobs at a time); files seen closed on two scans are complete: compressed
    // at once, FINISHERS at a time (many small tables must not each wait for scans).
    for (const name of (await listing()).sort()) {
      if (taken.has(name) || name === 'toc.dat') continue;
      if (open.has(name)) {
        closedScans.delete(name);
        if (running.size < limit) start(name, false);
        continue;
      }
      const seen = (closedScans.get(name) ?? 0) + 1;
      closedScans.set(name, seen);
      if (seen >= 2 && finishing.size < FINISHERS) start(name, true);
    }
  }
  await dump.exited;
  // What is left (toc.dat, files never followed) is complete now.
  const rest = (await listing())
    .filter((n) => !taken.has(n))
    .sort((a, b) => (a === 'toc.dat' ? 1 : b === 'toc.dat' ? -1 : 0));
  while (rest.length > 0 || running.size > 0 || finishing.size > 0) {
    while (rest.length > 0 && finishing.size < FINISHERS) start(rest.shift()!, true);
    await Promise.race([...running, ...finishing]);
    if (failure !== undefined) throw failure;
  }
  if (failure !== undefined) throw failure;
}

/** The files in `directory` that process `root` or any of its descendants holds open, and which (Linux /proc). */
async function openFilesOf(root: number, directory: string): Promise<Map<string, number[]>> {
  const parents = new Map<number, number>();
  for (const name of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(after[1]);
    if (Number.isFinite(ppid)) parents.set(Number(name), ppid);
  }
  const tree = new Set<number>([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [p, pp] of parents) {
      if (!tree.has(p) && tree.has(pp)) {
        tree.add(p);
        grew = true;
      }
    }
  }
  const open = new Map<string, number[]>();
  const prefix = `${directory}/`;
  for (const p of tree) {
    for (const fd of await readdir(`/proc/${p}/fd`).catch(() => [] as string[])) {
      const target = await readlink(`/proc/${p}/fd/${fd}`).catch(() => '');
      if (!target.startsWith(prefix)) continue;
      const name = target.slice(prefix.length);
      open.set(name, [...(open.get(name) ?? []), p]);
    }
  }
  return open;
}
