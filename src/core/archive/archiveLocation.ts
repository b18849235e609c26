/**
 * The one parser of archive locations, shared by the CLI and the container worker: `ebs://snap-…` (an EBS
 * snapshot), `ebs://new` (a new snapshot, restore only), `s3://bucket/prefix` and local paths. Pure: paths are
 * returned as written; the opener (src/aws/archive/openArchiveLocation.ts) resolves them against a directory.
 */

/** A location that cannot be used where it was given; `message` names the location and what is wrong. */
export class ArchiveLocationError extends Error {
  constructor(
    readonly location: string,
    readonly reason: string,
  ) {
    super(`${location}: ${reason}`);
    this.name = 'ArchiveLocationError';
  }
}

/** Where an archive lives: an S3 prefix or a local directory. */
export type ArchiveLocation =
  | {
      readonly kind: 's3';
      readonly bucket: string;
      /** Key prefix of every object: '' or ending in '/'. */
      readonly prefix: string;
    }
  | { readonly kind: 'directory'; readonly path: string };

/** What an export reads: an EBS snapshot or a local image file or block device. */
export type SourceLocation =
  | { readonly kind: 'ebs-snapshot'; readonly snapshotId: string }
  | { readonly kind: 'file'; readonly path: string };

/** Where a restore writes: a new EBS snapshot or a local image file or block device. */
export type RestoreTargetLocation =
  | { readonly kind: 'new-ebs-snapshot' }
  | { readonly kind: 'file'; readonly path: string };

/** An EBS snapshot id as the EBS direct APIs take it (`snap-` and letters or digits; stand-ins use names). */
const SNAPSHOT_ID = /^snap-[0-9a-zA-Z]+$/;
const IPV4_LIKE = /^\d{1,3}(?:\.\d{1,3}){3}$/;
/** Prefixes and suffixes AWS reserves (general purpose bucket naming rules). */
const RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'] as const;
const RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'] as const;

/**
 * Why `name` is not a valid S3 general purpose bucket name, or undefined when it is. The rules are AWS's:
 * 3–63 characters; lowercase letters, digits, dots and hyphens; a letter or digit first and last; no two
 * adjacent dots; not an IPv4 address; none of the reserved prefixes (`xn--`, `sthree-`, `amzn-s3-demo-`)
 * or suffixes (`-s3alias`, `--ol-s3`, `.mrap`, `--x-s3`, `--table-s3`).
 */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return `is ${name.length} characters long; S3 wants 3 to 63`;
  if (!/^[a-z0-9.-]+$/.test(name)) return 'may hold only lowercase letters, digits, dots and hyphens';
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return 'must start and end with a letter or digit';
  if (name.includes('..')) return 'must not hold two adjacent dots';
  if (IPV4_LIKE.test(name)) return 'must not be formatted as an IP address';
  const prefix = RESERVED_PREFIXES.find((p) => name.startsWith(p));
  if (prefix) return `must not start with ${prefix} (reserved by AWS)`;
  const suffix = RESERVED_SUFFIXES.find((s) => name.endsWith(s));
  if (suffix) return `must not end with ${suffix} (reserved by AWS)`;
  return undefined;
}

/** True for locations written as a URL of the given scheme (`s3://…`, `ebs://…`). */
function hasScheme(location: string, scheme: 'ebs' | 's3'): boolean {
  return location.startsWith(`${scheme}://`);
}

/** Parses `s3://bucket[/prefix]`, checking the bucket name by AWS's rules. */
function parseS3(location: string): ArchiveLocation {
  const rest = location.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  if (bucket === '') throw new ArchiveLocationError(location, 'write S3 locations as s3://bucket/prefix');
  const problem = bucketNameProblem(bucket);
  if (problem) throw new ArchiveLocationError(location, `bucket name "${bucket}" ${problem}`);
  const prefix = slash === -1 ? '' : rest.slice(slash + 1).replace(/\/+$/, '');
  return { kind: 's3', bucket, prefix: prefix ? `${prefix}/` : '' };
}

/** Parses where an archive lives: `s3://bucket/prefix` or a directory. */
export function parseArchiveLocation(location: string): ArchiveLocation {
  if (hasScheme(location, 's3')) return parseS3(location);
  if (hasScheme(location, 'ebs')) throw new ArchiveLocationError(location, 'an EBS snapshot is not an archive');
  if (location === '') throw new ArchiveLocationError(location, 'an archive location is empty');
  return { kind: 'directory', path: location };
}

/** Parses a bare snapshot id or `ebs://snap-…`; undefined when it is neither. */
export function parseSnapshotId(text: string): string | undefined {
  const id = hasScheme(text, 'ebs') ? text.slice('ebs://'.length) : text;
  return SNAPSHOT_ID.test(id) ? id : undefined;
}

/** Parses what an export reads: `ebs://snap-…` or a local image file or block device. */
export function parseSourceLocation(location: string): SourceLocation {
  if (hasScheme(location, 'ebs')) {
    const snapshotId = parseSnapshotId(location);
    if (!snapshotId) throw new ArchiveLocationError(location, 'write EBS snapshots as ebs://snap-…');
    return { kind: 'ebs-snapshot', snapshotId };
  }
  if (hasScheme(location, 's3')) throw new ArchiveLocationError(location, 'an S3 location is an archive, not a source');
  if (location === '') throw new ArchiveLocationError(location, 'a source location is empty');
  return { kind: 'file', path: location };
}

/** Parses where a restore writes: `ebs://new` or a local image file or block device. */
export function parseRestoreTargetLocation(location: string): RestoreTargetLocation {
  if (location === 'ebs://new' || location === 'ebs://') return { kind: 'new-ebs-snapshot' };
  if (hasScheme(location, 'ebs')) throw new ArchiveLocationError(location, 'restore to a new snapshot with ebs://new');
  if (hasScheme(location, 's3')) throw new ArchiveLocationError(location, 'restore into a file, a device or ebs://new');
  if (location === '') throw new ArchiveLocationError(location, 'a restore target is empty');
  return { kind: 'file', path: location };
}

/** The text of an S3 archive location, as recorded and shown: `s3://bucket/prefix` (no trailing slash). */
export function formatS3Location(bucket: string, prefix: string): string {
  const trimmed = prefix.replace(/\/+$/, '');
  return trimmed ? `s3://${bucket}/${trimmed}` : `s3://${bucket}`;
}
