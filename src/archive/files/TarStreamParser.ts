/**
 * A streaming reader of the tar streams GNU tar writes with `--format=posix` (pax headers, GNU sparse format 1.0,
 * also ustar/GNU long names and base-256 numbers), fed chunk by chunk as the bytes flow to the compressor. It
 * turns each member into a listing entry and hashes regular files' content on the way, holes of sparse files as
 * zeros: the listing costs no second read of the source.
 */
import { createHash, type Hash } from 'node:crypto';
import { ArchiveCorruptError } from '../errors.js';
import { type FileEntryType, type FileListingEntry, isoTime, listingPath } from './fileListing.js';

const BLOCK = 512;
const ZEROS = Buffer.alloc(1024 * 1024);

interface Header {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: string;
  typeflag: string;
  linkname: string;
  devmajor: number;
  devminor: number;
}

/** What the member being read is, once its header (and pax records) are known. */
type Body =
  | { kind: 'skip' }
  | { kind: 'collect'; chunks: Buffer[]; purpose: 'pax' | 'global' | 'longname' | 'longlink' }
  | { kind: 'file'; hash: Hash }
  | {
      kind: 'sparse';
      hash: Hash;
      realSize: number;
      mapText: string;
      map?: [number, number][];
      /** Bytes of this member's data consumed so far (map included). */
      consumed: number;
      /** Start of the stored chunks in the member's data (the map padded to 512). */
      dataStart: number;
      /** Logical offset hashed so far. */
      position: number;
      segment: number;
      segmentLeft: number;
    };

/** Parses a tar stream incrementally; `push` returns the entries whose members ended within the chunk. */
export class TarStreamParser {
  /** Member data bytes of regular files seen (logical sizes), for progress. */
  contentBytes = 0;
  entryCount = 0;
  private readonly headerBuffer = Buffer.alloc(BLOCK);
  private headerFill = 0;
  private remaining = 0;
  private padding = 0;
  private body: Body = { kind: 'skip' };
  private current?: FileListingEntry & { sparse?: true };
  private pax = new Map<string, string>();
  private global = new Map<string, string>();
  private longName?: string;
  private longLink?: string;
  private zeroHeaders = 0;
  private finished = false;
  private offset = 0;
  private out: FileListingEntry[] = [];

  /** True once the end-of-archive marker (two zero blocks) was read. */
  get ended(): boolean {
    return this.finished;
  }

  /** Feeds the next bytes of the stream; returns the entries completed by them. */
  push(chunk: Uint8Array): FileListingEntry[] {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let at = 0;
    while (at < buf.length) {
      if (this.finished) break; // zero padding after the end marker (tar's record blocking)
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, buf.length - at);
        this.consume(buf.subarray(at, at + take));
        at += take;
        this.remaining -= take;
        if (this.remaining === 0) this.endMember();
        continue;
      }
      if (this.padding > 0) {
        const take = Math.min(this.padding, buf.length - at);
        at += take;
        this.padding -= take;
        continue;
      }
      const take = Math.min(BLOCK - this.headerFill, buf.length - at);
      buf.copy(this.headerBuffer, this.headerFill, at, at + take);
      this.headerFill += take;
      at += take;
      if (this.headerFill === BLOCK) {
        this.headerFill = 0;
        this.startMember();
      }
    }
    this.offset += buf.length;
    const done = this.out;
    this.out = [];
    return done;
  }

  /** Checks that the stream ended where a tar stream may end. */
  end(): void {
    if (!this.finished) {
      throw new ArchiveCorruptError([
        `the tar stream ends after ${this.offset} bytes without its end-of-archive marker`,
      ]);
    }
  }

  private startMember(): void {
    const h = this.headerBuffer;
    if (h.every((b) => b === 0)) {
      this.zeroHeaders++;
      if (this.zeroHeaders >= 2) this.finished = true;
      return;
    }
    this.zeroHeaders = 0;
    const stored = octal(h, 148, 8);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
    if (stored !== sum) {
      throw new ArchiveCorruptError([`tar header at byte ${this.offset} has a bad checksum`]);
    }
    const header = this.readHeader(h);
    const size = header.size;
    this.remaining = size;
    this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
    switch (header.typeflag) {
      case 'x':
        this.body = { kind: 'collect', chunks: [], purpose: 'pax' };
        break;
      case 'g':
        this.body = { kind: 'collect', chunks: [], purpose: 'global' };
        break;
      case 'L':
        this.body = { kind: 'collect', chunks: [], purpose: 'longname' };
        break;
      case 'K':
        this.body = { kind: 'collect', chunks: [], purpose: 'longlink' };
        break;
      default:
        this.startEntry(header);
    }
    if (this.remaining === 0) this.endMember();
  }

  private readHeader(h: Buffer): Header {
    const ustar = h.toString('latin1', 257, 262) === 'ustar';
    const prefix = ustar ? cString(h, 345, 155) : '';
    const name = cString(h, 0, 100);
    return {
      name: prefix ? `${prefix}/${name}` : name,
      mode: octal(h, 100, 8),
      uid: octal(h, 108, 8),
      gid: octal(h, 116, 8),
      size: octal(h, 124, 12),
      mtime: String(octal(h, 136, 12)),
      typeflag: String.fromCharCode(h[156]!),
      linkname: cString(h, 157, 100),
      devmajor: octal(h, 329, 8),
      devminor: octal(h, 337, 8),
    };
  }

  private startEntry(header: Header): void {
    const pax = new Map([...this.global, ...this.pax]);
    this.pax = new Map();
    const number = (key: string, fallback: number) => (pax.has(key) ? Number(pax.get(key)) : fallback);
    let name = pax.get('path') ?? this.longName ?? header.name;
    const link = pax.get('linkpath') ?? this.longLink ?? header.linkname;
    this.longName = undefined;
    this.longLink = undefined;
    const size = number('size', header.size);
    if (pax.has('size')) {
      this.remaining = size;
      this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
    }
    const sparse = pax.get('GNU.sparse.major') === '1' && pax.has('GNU.sparse.name');
    if (sparse) name = pax.get('GNU.sparse.name')!;
    const type = entryType(header.typeflag);
    const realSize = sparse ? number('GNU.sparse.realsize', size) : size;
    const entry = {
      path: listingPath(name),
      type,
      size: type === 'file' ? realSize : 0,
      mtime: isoTime(pax.get('mtime') ?? header.mtime),
      mode: (header.mode & 0o7777).toString(8).padStart(4, '0'),
      uid: number('uid', header.uid),
      gid: number('gid', header.gid),
      ...(type === 'symlink' ? { link } : type === 'hardlink' ? { link: listingPath(link) } : {}),
      ...(sparse ? { sparse: true as const } : {}),
      ...(type === 'char' || type === 'block' ? { device: [header.devmajor, header.devminor] as const } : {}),
    };
    this.current = entry;
    if (type !== 'file') {
      this.body = { kind: 'skip' };
    } else if (sparse) {
      this.body = {
        kind: 'sparse',
        hash: createHash('sha256'),
        realSize,
        mapText: '',
        consumed: 0,
        dataStart: 0,
        position: 0,
        segment: 0,
        segmentLeft: 0,
      };
    } else {
      this.body = { kind: 'file', hash: createHash('sha256') };
    }
  }

  private consume(data: Buffer): void {
    const body = this.body;
    if (body.kind === 'skip') return;
    if (body.kind === 'collect') {
      body.chunks.push(Buffer.from(data));
      return;
    }
    if (body.kind === 'file') {
      body.hash.update(data);
      this.contentBytes += data.length;
      return;
    }
    this.consumeSparse(body, data);
  }

  private consumeSparse(body: Extract<Body, { kind: 'sparse' }>, data: Buffer): void {
    let at = 0;
    while (at < data.length) {
      if (!body.map) {
        // The map: decimal numbers, one a line: count, then offset and size of each stored chunk.
        const nl = data.indexOf(10, at);
        const end = nl === -1 ? data.length : nl + 1;
        body.mapText += data.toString('latin1', at, end);
        body.consumed += end - at;
        at = end;
        const numbers = body.mapText.split('\n').slice(0, -1).map(Number);
        const count = numbers[0];
        if (count !== undefined && numbers.length >= 1 + 2 * count) {
          if (numbers.some((n) => !Number.isSafeInteger(n) || n < 0)) {
            throw new ArchiveCorruptError([`${this.current?.path}: bad sparse map`]);
          }
          body.map = [];
          for (let i = 0; i < count; i++) body.map.push([numbers[1 + 2 * i]!, numbers[2 + 2 * i]!]);
          body.dataStart = Math.ceil(body.consumed / BLOCK) * BLOCK;
          body.segment = -1;
          body.segmentLeft = 0;
        }
        continue;
      }
      if (body.consumed < body.dataStart) {
        const skip = Math.min(body.dataStart - body.consumed, data.length - at);
        at += skip;
        body.consumed += skip;
        continue;
      }
      while (body.segmentLeft === 0) {
        body.segment++;
        const next = body.map[body.segment];
        if (!next) throw new ArchiveCorruptError([`${this.current?.path}: more data than its sparse map holds`]);
        this.hashZeros(body, next[0] - body.position);
        body.segmentLeft = next[1];
      }
      const take = Math.min(body.segmentLeft, data.length - at);
      body.hash.update(data.subarray(at, at + take));
      this.contentBytes += take;
      body.position += take;
      body.segmentLeft -= take;
      body.consumed += take;
      at += take;
    }
  }

  private hashZeros(body: Extract<Body, { kind: 'sparse' }>, count: number): void {
    if (count < 0) throw new ArchiveCorruptError([`${this.current?.path}: sparse map out of order`]);
    let left = count;
    while (left > 0) {
      const n = Math.min(left, ZEROS.length);
      body.hash.update(ZEROS.subarray(0, n));
      left -= n;
    }
    body.position += count;
    this.contentBytes += count;
  }

  private endMember(): void {
    const body = this.body;
    this.body = { kind: 'skip' };
    if (body.kind === 'collect') {
      const data = Buffer.concat(body.chunks);
      if (body.purpose === 'longname') this.longName = cString(data, 0, data.length);
      else if (body.purpose === 'longlink') this.longLink = cString(data, 0, data.length);
      else parsePax(data, body.purpose === 'pax' ? this.pax : this.global);
      return;
    }
    const entry = this.current;
    this.current = undefined;
    if (!entry) return;
    let sha256: string | undefined;
    if (body.kind === 'file') sha256 = body.hash.digest('hex');
    if (body.kind === 'sparse') {
      if (!body.map) throw new ArchiveCorruptError([`${entry.path}: sparse map missing`]);
      const unread = body.segmentLeft > 0 || body.map.slice(body.segment + 1).some(([, n]) => n > 0);
      if (unread) {
        throw new ArchiveCorruptError([`${entry.path}: sparse data shorter than its map`]);
      }
      this.hashZeros(body, body.realSize - body.position);
      sha256 = body.hash.digest('hex');
    }
    this.entryCount++;
    this.out.push(sha256 === undefined ? entry : insertSha(entry, sha256));
  }
}

/** The entry with `sha256` placed before `sparse`/`device`, the listing's field order. */
function insertSha(entry: FileListingEntry, sha256: string): FileListingEntry {
  const { sparse, device, ...rest } = entry;
  return { ...rest, sha256, ...(sparse ? { sparse } : {}), ...(device ? { device } : {}) };
}

function entryType(flag: string): FileEntryType {
  switch (flag) {
    case '0':
    case '\0':
    case '7':
      return 'file';
    case '1':
      return 'hardlink';
    case '2':
      return 'symlink';
    case '3':
      return 'char';
    case '4':
      return 'block';
    case '5':
      return 'dir';
    case '6':
      return 'fifo';
    default:
      return 'other';
  }
}

/** A NUL-terminated field as UTF-8 (pax and GNU tar write UTF-8 names). */
function cString(buf: Buffer, start: number, length: number): string {
  const end = buf.indexOf(0, start);
  return buf.toString('utf8', start, end === -1 || end > start + length ? start + length : end);
}

/** An octal numeric field, or GNU's base-256 form (high bit of the first byte set). */
function octal(buf: Buffer, start: number, length: number): number {
  if (buf[start]! & 0x80) {
    let value = buf[start]! & 0x7f;
    for (let i = 1; i < length; i++) value = value * 256 + buf[start + i]!;
    return value;
  }
  const text = buf
    .toString('latin1', start, start + length)
    .replace(/\0.*$/s, '')
    .trim();
  return text === '' ? 0 : Number.parseInt(text, 8);
}

/** Parses pax records (`<len> <key>=<value>\n`) into `into`. */
function parsePax(data: Buffer, into: Map<string, string>): void {
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(32, at);
    if (space === -1) break;
    const length = Number(data.toString('latin1', at, space));
    if (!Number.isSafeInteger(length) || length <= 0) throw new ArchiveCorruptError(['bad pax record']);
    const record = data.subarray(space + 1, at + length - 1);
    const eq = record.indexOf(61);
    if (eq > 0) into.set(record.toString('utf8', 0, eq), record.toString('utf8', eq + 1));
    at += length;
  }
}
