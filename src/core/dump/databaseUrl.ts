/**
 * The one parser of database URLs the dump and restore commands take: `postgres://user:password@host:port/db`
 * (also `postgresql://`) and `mysql://…` / `mariadb://…`. Pure: the password is returned apart so callers can hand
 * it to a child through its environment and show the URL without it.
 */

/** A URL that is not a database URL we can use; `message` says why. */
export class DatabaseUrlError extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`${redactDatabaseUrl(url)}: ${reason}`);
    this.name = 'DatabaseUrlError';
  }
}

/** The engine family a URL names: `postgresql`, or `mysql` for both mysql:// and mariadb://. */
export type DumpEngineFamily = 'postgresql' | 'mysql';

/** A parsed database URL. */
export interface DatabaseUrl {
  readonly engine: DumpEngineFamily;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** From the URL; undefined when it holds none (the caller then looks at PGPASSWORD / MYSQL_PWD). */
  readonly password?: string;
  readonly database: string;
  /** Query parameters, e.g. `sslmode=require` (PostgreSQL). */
  readonly parameters: Readonly<Record<string, string>>;
}

const SCHEMES: Readonly<Record<string, DumpEngineFamily>> = {
  'postgres:': 'postgresql',
  'postgresql:': 'postgresql',
  'mysql:': 'mysql',
  'mariadb:': 'mysql',
};

/** Whether `text` looks like a database URL (postgres://, postgresql://, mysql://, mariadb://). */
export function isDatabaseUrl(text: string): boolean {
  return /^(?:postgres|postgresql|mysql|mariadb):\/\//i.test(text);
}

/** The URL with any password replaced by `***`, for messages and manifests. */
export function redactDatabaseUrl(text: string): string {
  return text.replace(/^([a-z]+:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}

/** Parses a database URL; throws DatabaseUrlError naming what is wrong. */
export function parseDatabaseUrl(text: string): DatabaseUrl {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new DatabaseUrlError(text, 'not a URL (write postgres://user@host:port/database or mysql://…)');
  }
  const engine = SCHEMES[url.protocol.toLowerCase()];
  if (!engine)
    throw new DatabaseUrlError(text, 'the scheme must be postgres://, postgresql://, mysql:// or mariadb://');
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (database === '' || database.includes('/')) throw new DatabaseUrlError(text, 'name one database: …/database');
  if (!/^[A-Za-z0-9_$-]{1,63}$/.test(database)) {
    throw new DatabaseUrlError(text, `database name ${JSON.stringify(database)}: use letters, digits, _ $ - (≤ 63)`);
  }
  const host = url.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  const port = url.port === '' ? (engine === 'postgresql' ? 5432 : 3306) : Number(url.port);
  const user = decodeURIComponent(url.username) || (engine === 'postgresql' ? 'postgres' : 'root');
  const password = url.password === '' ? undefined : decodeURIComponent(url.password);
  const parameters: Record<string, string> = {};
  for (const [k, v] of url.searchParams) parameters[k] = v;
  return { engine, host, port, user, ...(password === undefined ? {} : { password }), database, parameters };
}
