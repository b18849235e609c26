/**
 * The manifest of a native database dump, `vaultpilot-dump-manifest.json`, written last: a dump without it is
 * unfinished. docs/dumps.md describes every field.
 */
import * as z from 'zod';

/** The manifest's name in the dump's directory or S3 prefix. */
export const DUMP_MANIFEST = 'vaultpilot-dump-manifest.json';

/** The one file of a MySQL/MariaDB dump. */
export const MYSQL_DUMP_FILE = 'dump.sql.zst';

/** The folder of a PostgreSQL dump's directory-format files, each compressed (`toc.dat.zst`, `3456.dat.zst`, …). */
export const POSTGRES_DUMP_FOLDER = 'pg_dump';

const fileSchema = z.object({
  /** Relative to the dump's root, e.g. `pg_dump/toc.dat.zst` or `dump.sql.zst`. */
  name: z.string().min(1),
  /** Bytes of the compressed file as stored. */
  bytes: z.number().int().nonnegative(),
  /** Bytes once decompressed. */
  uncompressedBytes: z.number().int().nonnegative(),
  /** Hex SHA-256 of the compressed bytes as stored. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

export const dumpManifestSchema = z.object({
  format: z.literal('vaultpilot-dump'),
  version: z.literal(1),
  engine: z.enum(['postgresql', 'mysql', 'mariadb']),
  /** `pg-directory`: pg_dump -Fd files each zstd-compressed; `sql`: one SQL script, zstd-compressed. */
  layout: z.enum(['pg-directory', 'sql']),
  compression: z.literal('zstd'),
  serverVersion: z.string(),
  /** The source, without password. */
  source: z.object({ host: z.string(), port: z.number().int(), user: z.string(), database: z.string() }),
  /** Server encoding / character set and collation of the source database, used to create the restored one. */
  encoding: z.string().optional(),
  collation: z.string().optional(),
  tool: z.object({ name: z.string(), version: z.string(), arguments: z.array(z.string()) }),
  files: z.array(fileSchema).min(1),
  startedAt: z.string(),
  finishedAt: z.string(),
  rowCounts: z.object({
    /**
     * `snapshot`: counted in the very snapshot the dump read (PostgreSQL, pg_export_snapshot); `approximate`:
     * counted in a consistent snapshot taken just before the dump's own (MySQL/MariaDB); `none`: not counted.
     */
    mode: z.enum(['snapshot', 'approximate', 'none']),
    /** Rows per base table, keyed `schema.table` (PostgreSQL) or `table` (MySQL/MariaDB). */
    tables: z.record(z.string(), z.number().int().nonnegative()),
  }),
});

export type DumpManifest = z.infer<typeof dumpManifestSchema>;
export type DumpFile = DumpManifest['files'][number];

/** Parses a manifest's text; throws an Error naming the first problem. */
export function parseDumpManifest(text: string): DumpManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${DUMP_MANIFEST} is not JSON: ${(error as Error).message}`);
  }
  const parsed = dumpManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${DUMP_MANIFEST}: ${issue?.path.join('.') || '(root)'} ${issue?.message ?? 'is invalid'}`);
  }
  return parsed.data;
}
