/**
 * What an export of the RDS stand-in reads and writes: the tables of a live PostgreSQL or MySQL/MariaDB database
 * (over the network, with `pg` / `mysql2`) and one gzip-compressed Parquet file per table, written by DuckDB.
 *
 * Values are read as the server's text (binary columns as bytes), staged in an in-memory DuckDB table of VARCHAR /
 * BLOB columns, and cast to the mapped DuckDB type in the `COPY … TO … (FORMAT parquet, COMPRESSION gzip)` itself,
 * so DuckDB's own parsers decide every conversion (a value they cannot parse fails the table, as a value RDS cannot
 * convert fails it there). NULLs stay NULL.
 */
import { randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import mysql from 'mysql2/promise';
import pg from 'pg';

/** A database an export reads, live, at export time. */
export interface StandInDatabase {
  readonly engine: 'postgres' | 'mysql' | 'mariadb';
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password?: string;
  readonly database: string;
}

/** One column: what the source says about it, and how it is exported. */
export interface SourceColumn {
  readonly name: string;
  /** The source's type name (information_schema `data_type`), e.g. `integer`, `character varying`, `varchar`. */
  readonly originalType: string;
  readonly charMaxLength: number;
  readonly numPrecision: number;
  readonly numScale: number;
  readonly dateTimePrecision: number;
  /** The DuckDB type the Parquet column gets, e.g. `INTEGER`, `DECIMAL(12,2)`, `TIMESTAMP`. */
  readonly duckType: string;
  /** The Parquet type written, as the tables-info file reports it, e.g. `int32`, `binary (UTF8)`. */
  readonly exportedType: string;
  /** Whether values travel as bytes (BLOB) rather than text. */
  readonly binary: boolean;
}

export interface SourceTable {
  /** PostgreSQL schema; for MySQL/MariaDB the database name (RDS names MySQL tables `database.table`). */
  readonly schema: string;
  readonly table: string;
  readonly columns: readonly SourceColumn[];
}

export type SourceValue = string | Buffer | null;

/** An open connection to a source database. */
export interface SourceReader {
  listTables(): Promise<SourceTable[]>;
  readRows(table: SourceTable): Promise<SourceValue[][]>;
  close(): Promise<void>;
}

export async function openSource(database: StandInDatabase): Promise<SourceReader> {
  return database.engine === 'postgres' ? openPostgres(database) : openMysql(database);
}

interface ColumnFacts {
  name: string;
  dataType: string;
  columnType: string;
  charMaxLength: number | null;
  numPrecision: number | null;
  numScale: number | null;
  dateTimePrecision: number | null;
}

// pg hands every value over as the server's text: DuckDB parses it, and nothing is lost to JS numbers or Dates.
const rawText = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;

async function openPostgres(database: StandInDatabase): Promise<SourceReader> {
  const client = new pg.Client({
    host: database.host,
    port: database.port,
    user: database.user,
    database: database.database,
    ...(database.password === undefined ? {} : { password: database.password }),
  });
  await client.connect();
  return {
    listTables: async () => {
      const tables = await client.query<{ table_schema: string; table_name: string }>(
        `SELECT table_schema, table_name FROM information_schema.tables
          WHERE table_type = 'BASE TABLE'
            AND table_schema NOT IN ('pg_catalog', 'information_schema')
            AND table_schema NOT LIKE 'pg\\_toast%' AND table_schema NOT LIKE 'pg\\_temp%'
          ORDER BY table_schema, table_name`,
      );
      const columns = await client.query<{
        table_schema: string;
        table_name: string;
        column_name: string;
        data_type: string;
        udt_name: string;
        character_maximum_length: number | null;
        numeric_precision: number | null;
        numeric_scale: number | null;
        datetime_precision: number | null;
      }>(
        `SELECT table_schema, table_name, column_name, data_type, udt_name, character_maximum_length,
                numeric_precision, numeric_scale, datetime_precision
           FROM information_schema.columns
          WHERE table_schema NOT IN ('pg_catalog', 'information_schema')
          ORDER BY table_schema, table_name, ordinal_position`,
      );
      return tables.rows.map((t) => ({
        schema: t.table_schema,
        table: t.table_name,
        columns: columns.rows
          .filter((c) => c.table_schema === t.table_schema && c.table_name === t.table_name)
          .map((c) =>
            postgresColumn({
              name: c.column_name,
              dataType: c.data_type,
              columnType: c.udt_name,
              charMaxLength: c.character_maximum_length,
              numPrecision: c.numeric_precision,
              numScale: c.numeric_scale,
              dateTimePrecision: c.datetime_precision,
            }),
          ),
      }));
    },
    readRows: async (table) => {
      const result = await client.query<SourceValue[]>({
        text: `SELECT ${table.columns.map((c) => quotePg(c.name)).join(', ') || '*'} FROM ${quotePg(table.schema)}.${quotePg(table.table)}`,
        rowMode: 'array',
        types: rawText,
      });
      return result.rows.map((row) =>
        row.map((value, i) =>
          // bytea's text form is `\x` and hex digits.
          value !== null && table.columns[i]?.binary ? Buffer.from(String(value).slice(2), 'hex') : value,
        ),
      );
    },
    close: () => client.end(),
  };
}

function quotePg(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function postgresColumn(facts: ColumnFacts): SourceColumn {
  const { duckType, exportedType, binary } = postgresType(facts);
  return column(facts, duckType, exportedType, binary);
}

function postgresType(facts: ColumnFacts): { duckType: string; exportedType: string; binary: boolean } {
  switch (facts.dataType) {
    case 'smallint':
      return typed('SMALLINT', 'int32');
    case 'integer':
      return typed('INTEGER', 'int32');
    case 'bigint':
      return typed('BIGINT', 'int64');
    case 'numeric':
      return decimal(facts.numPrecision, facts.numScale);
    case 'real':
      return typed('FLOAT', 'float');
    case 'double precision':
      return typed('DOUBLE', 'double');
    case 'boolean':
      return typed('BOOLEAN', 'boolean');
    case 'date':
      return typed('DATE', 'int32 (DATE)');
    case 'timestamp without time zone':
      return typed('TIMESTAMP', 'int64 (TIMESTAMP_MICROS)');
    case 'timestamp with time zone':
      return typed('TIMESTAMPTZ', 'int64 (TIMESTAMP_MICROS, UTC)');
    case 'bytea':
      return { duckType: 'BLOB', exportedType: 'binary', binary: true };
    default:
      // text, varchar, char, json, jsonb, uuid, time, interval, arrays, enums…: their text form, unchanged.
      return typed('VARCHAR', 'binary (UTF8)');
  }
}

async function openMysql(database: StandInDatabase): Promise<SourceReader> {
  const connection = await mysql.createConnection({
    host: database.host,
    port: database.port,
    user: database.user,
    database: database.database,
    ...(database.password === undefined ? {} : { password: database.password }),
    // Every value as its bytes: text is decoded below, binary columns stay bytes, nothing passes through JS numbers.
    typeCast: (field) => field.buffer(),
  });
  return {
    listTables: async () => {
      const [tables] = await connection.query<mysql.RowDataPacket[]>(
        `SELECT TABLE_NAME AS name FROM information_schema.TABLES
          WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME`,
        [database.database],
      );
      const [columns] = await connection.query<mysql.RowDataPacket[]>(
        `SELECT TABLE_NAME AS tableName, COLUMN_NAME AS name, DATA_TYPE AS dataType, COLUMN_TYPE AS columnType,
                CHARACTER_MAXIMUM_LENGTH AS charMaxLength, NUMERIC_PRECISION AS numPrecision,
                NUMERIC_SCALE AS numScale, DATETIME_PRECISION AS dateTimePrecision
           FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION`,
        [database.database],
      );
      const text = (value: unknown): string => (Buffer.isBuffer(value) ? value.toString('utf8') : String(value));
      const num = (value: unknown): number | null => (value === null ? null : Number(text(value)));
      return tables.map((t) => ({
        schema: database.database,
        table: text(t.name),
        columns: columns
          .filter((c) => text(c.tableName) === text(t.name))
          .map((c) =>
            mysqlColumn({
              name: text(c.name),
              dataType: text(c.dataType).toLowerCase(),
              columnType: text(c.columnType).toLowerCase(),
              charMaxLength: num(c.charMaxLength),
              numPrecision: num(c.numPrecision),
              numScale: num(c.numScale),
              dateTimePrecision: num(c.dateTimePrecision),
            }),
          ),
      }));
    },
    readRows: async (table) => {
      const list = table.columns.map((c) => `\`${c.name.replace(/`/g, '``')}\``).join(', ') || '*';
      const [rows] = await connection.query<mysql.RowDataPacket[][]>({
        sql: `SELECT ${list} FROM \`${table.table.replace(/`/g, '``')}\``,
        rowsAsArray: true,
      });
      return rows.map((row) =>
        (row as unknown as (Buffer | null)[]).map((value, i) =>
          value === null || table.columns[i]?.binary ? value : value.toString('utf8'),
        ),
      );
    },
    close: () => connection.end(),
  };
}

const MYSQL_BINARY = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob', 'bit']);

function mysqlColumn(facts: ColumnFacts): SourceColumn {
  const { duckType, exportedType, binary } = mysqlType(facts);
  return column(facts, duckType, exportedType, binary);
}

function mysqlType(facts: ColumnFacts): { duckType: string; exportedType: string; binary: boolean } {
  const unsigned = facts.columnType.includes('unsigned');
  if (MYSQL_BINARY.has(facts.dataType)) return { duckType: 'BLOB', exportedType: 'binary', binary: true };
  switch (facts.dataType) {
    case 'tinyint':
      return typed(unsigned ? 'SMALLINT' : 'TINYINT', 'int32');
    case 'smallint':
      return typed(unsigned ? 'INTEGER' : 'SMALLINT', 'int32');
    case 'mediumint':
      return typed('INTEGER', 'int32');
    case 'int':
    case 'integer':
      return unsigned ? typed('BIGINT', 'int64') : typed('INTEGER', 'int32');
    case 'bigint':
      return unsigned ? typed('UBIGINT', 'int64 (UINT_64)') : typed('BIGINT', 'int64');
    case 'decimal':
      return decimal(facts.numPrecision, facts.numScale);
    case 'float':
      return typed('FLOAT', 'float');
    case 'double':
      return typed('DOUBLE', 'double');
    case 'year':
      return typed('INTEGER', 'int32');
    case 'date':
      return typed('DATE', 'int32 (DATE)');
    case 'datetime':
    case 'timestamp':
      return typed('TIMESTAMP', 'int64 (TIMESTAMP_MICROS)');
    default:
      // char, varchar, text types, enum, set, json (MariaDB: longtext), time (may exceed 24 h): text.
      return typed('VARCHAR', 'binary (UTF8)');
  }
}

function typed(duckType: string, exportedType: string): { duckType: string; exportedType: string; binary: boolean } {
  return { duckType, exportedType, binary: false };
}

/** DECIMAL(p,s) when DuckDB can hold it exactly (p ≤ 38); otherwise, and for unconstrained numeric, the text. */
function decimal(precision: number | null, scale: number | null): ReturnType<typeof typed> {
  if (precision === null || precision < 1 || precision > 38) return typed('VARCHAR', 'binary (UTF8)');
  const s = scale ?? 0;
  const physical = precision <= 9 ? 'int32' : precision <= 18 ? 'int64' : 'fixed_len_byte_array';
  return typed(`DECIMAL(${precision},${s})`, `${physical} (DECIMAL(${precision},${s}))`);
}

function column(facts: ColumnFacts, duckType: string, exportedType: string, binary: boolean): SourceColumn {
  return {
    name: facts.name,
    originalType: facts.dataType,
    charMaxLength: facts.charMaxLength ?? 0,
    numPrecision: facts.numPrecision ?? 0,
    numScale: facts.numScale ?? 0,
    dateTimePrecision: facts.dateTimePrecision ?? 0,
    duckType,
    exportedType,
    binary,
  };
}

/** Writes tables as gzip Parquet through one in-memory DuckDB, in temporary files under `directory`. */
export class ParquetWriter {
  private instance: Promise<DuckDBInstance> | undefined;
  private counter = 0;

  constructor(private readonly directory: string) {}

  /** The Parquet file of `rows`, as bytes. */
  async write(table: SourceTable, rows: readonly SourceValue[][]): Promise<Buffer> {
    this.instance ??= DuckDBInstance.create(':memory:');
    const connection = await (await this.instance).connect();
    const stage = `stage_${++this.counter}`;
    const file = join(this.directory, `${randomUUID()}.gz.parquet`);
    try {
      await this.stage(connection, stage, table, rows);
      const select =
        table.columns
          .map((c, i) => `${c.binary ? `c${i}` : `CAST(c${i} AS ${c.duckType})`} AS ${quoteDuck(c.name)}`)
          .join(', ') || '1 AS "?column?"';
      await connection.run(`COPY (SELECT ${select} FROM ${stage}) TO '${file}' (FORMAT parquet, COMPRESSION gzip)`);
      return await readFile(file);
    } finally {
      await connection.run(`DROP TABLE IF EXISTS ${stage}`).catch(() => undefined);
      connection.closeSync();
      await rm(file, { force: true });
    }
  }

  private async stage(
    connection: DuckDBConnection,
    stage: string,
    table: SourceTable,
    rows: readonly SourceValue[][],
  ): Promise<void> {
    const columns = table.columns.map((c, i) => `c${i} ${c.binary ? 'BLOB' : 'VARCHAR'}`).join(', ');
    await connection.run(`CREATE TABLE ${stage} (${columns || 'c0 VARCHAR'})`);
    if (table.columns.length === 0) return;
    const appender = await connection.createAppender(stage);
    try {
      for (const row of rows) {
        for (let i = 0; i < table.columns.length; i++) {
          const value = row[i] ?? null;
          if (value === null) appender.appendNull();
          else if (Buffer.isBuffer(value)) appender.appendBlob(value);
          else appender.appendVarchar(value);
        }
        appender.endRow();
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  }

  close(): void {
    const instance = this.instance;
    this.instance = undefined;
    void instance?.then((i) => i.closeSync()).catch(() => undefined);
  }
}

function quoteDuck(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
