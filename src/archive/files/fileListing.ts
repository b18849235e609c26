/**
 * The listing of a file archive (`files.list.jsonl`): one JSON object per tar entry, in archive order, and the
 * names and keys of the objects of a file archive.
 */

/** Objects of a file archive, under its directory or S3 prefix. The manifest is written last. */
export const FILE_ARCHIVE_KEYS = {
  archive: 'files.tar.zst',
  listing: 'files.list.jsonl',
  manifest: 'vaultpilot-files-manifest.json',
} as const;

/** What a tar entry is. */
export type FileEntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'fifo' | 'char' | 'block' | 'other';

/** One line of `files.list.jsonl`. */
export interface FileListingEntry {
  /** Relative to the archived root, `/`-separated, no leading `./`; the root itself is `.`. */
  readonly path: string;
  readonly type: FileEntryType;
  /** Bytes of content (the logical size of sparse files); 0 for everything but regular files. */
  readonly size: number;
  /** ISO 8601 UTC with the precision tar recorded (nanoseconds in POSIX archives). */
  readonly mtime: string;
  /** Permission bits with setuid/setgid/sticky, 4 octal digits (`0755`). */
  readonly mode: string;
  readonly uid: number;
  readonly gid: number;
  /** Symlink target (as stored), or the path of the entry a hard link points to. */
  readonly link?: string;
  /** Hex SHA-256 of a regular file's content (holes of sparse files read as zeros). */
  readonly sha256?: string;
  /** True when tar stored the file as sparse (holes not stored). */
  readonly sparse?: true;
  /** Major and minor number of a device node. */
  readonly device?: readonly [number, number];
}

/** The line of `entry` in `files.list.jsonl`, with its newline. Field order is fixed so lines compare as text. */
export function listingLine(entry: FileListingEntry): string {
  const ordered: Record<string, unknown> = {
    path: entry.path,
    type: entry.type,
    size: entry.size,
    mtime: entry.mtime,
    mode: entry.mode,
    uid: entry.uid,
    gid: entry.gid,
  };
  if (entry.link !== undefined) ordered.link = entry.link;
  if (entry.sha256 !== undefined) ordered.sha256 = entry.sha256;
  if (entry.sparse) ordered.sparse = true;
  if (entry.device) ordered.device = entry.device;
  return `${JSON.stringify(ordered)}\n`;
}

/** A tar member name as a listing path: `./a/b/` → `a/b`, `./` → `.`. */
export function listingPath(name: string): string {
  let path = name;
  while (path.startsWith('./')) path = path.slice(2);
  while (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  return path === '' || path === '/' ? '.' : path;
}

/**
 * A decimal timestamp in seconds as tar writes it (`1577934245.5`, `-1.25`, `1700000000`) as ISO 8601 UTC,
 * keeping every fractional digit tar recorded (trailing zeros dropped).
 */
export function isoTime(seconds: string): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(seconds.trim());
  if (!match) return seconds;
  const digits = (match[3] ?? '').slice(0, 9).padEnd(9, '0');
  let ns = BigInt(match[2]!) * 1_000_000_000n + BigInt(digits);
  if (match[1] === '-') ns = -ns;
  let whole = ns / 1_000_000_000n;
  let frac = ns % 1_000_000_000n;
  if (frac < 0n) {
    frac += 1_000_000_000n;
    whole -= 1n;
  }
  const base = new Date(Number(whole) * 1000).toISOString().slice(0, 19);
  const fraction = frac === 0n ? '' : `.${frac.toString().padStart(9, '0').replace(/0+$/, '')}`;
  return `${base}${fraction}Z`;
}

/**
 * Undoes GNU tar's default `escape` quoting of names in `tar -t` output (`\\`, `\n`, `\t`, octal `\303\251` for
 * bytes the locale cannot print), giving back the name's bytes decoded as UTF-8.
 */
export function unescapeTarName(text: string): string {
  if (!text.includes('\\')) return text;
  const bytes: number[] = [];
  const simple: Record<string, number> = { '\\': 92, n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, '?': 63 };
  const raw = Buffer.from(text, 'utf8');
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i]!;
    if (byte !== 92 || i + 1 >= raw.length) {
      bytes.push(byte);
      continue;
    }
    const next = String.fromCharCode(raw[i + 1]!);
    const octal = /^[0-7]{3}$/.exec(raw.subarray(i + 1, i + 4).toString('latin1'));
    if (octal) {
      bytes.push(Number.parseInt(octal[0], 8));
      i += 3;
    } else if (next in simple) {
      bytes.push(simple[next]!);
      i += 1;
    } else {
      bytes.push(byte);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}
