/**
 * The archive commands' side of the shared location opener (src/aws/archive/openArchiveLocation.ts): options
 * and the command's environment (CliContext.env) decide region, endpoints and credentials; paths are resolved
 * against CliContext.cwd; a location that cannot be used where it was given is a usage error.
 */
import type { ArchiveStore, BlockSource, RestoreTarget } from '../archive/index.js';
import {
  awsAccessFromEnv,
  canonicalArchiveLocation,
  type OpenLocationOptions,
  openArchiveStore,
  openBlockSource,
  openRestoreTarget,
} from '../aws/archive/openArchiveLocation.js';
import { ArchiveLocationError } from '../core/archive/archiveLocation.js';
import { type CliContext, CliError } from './CliContext.js';
import { EXIT } from './exitCodes.js';
import type { EndpointOptions } from './options.js';

/** Endpoint options plus the S3 storage class of new objects (archive only). */
export interface LocationOptions extends EndpointOptions {
  readonly storageClass?: string;
}

/** What the shared opener needs, from the options first and then from the command's environment. */
export function openOptions(options: LocationOptions, ctx: CliContext): OpenLocationOptions {
  const env = awsAccessFromEnv(ctx.env);
  const region = options.region ?? env.region;
  const ebsEndpoint = options.ebsEndpoint ?? options.endpoint ?? env.ebsEndpoint;
  const s3Endpoint = options.s3Endpoint ?? options.endpoint ?? env.s3Endpoint;
  return {
    cwd: ctx.cwd,
    ...(region ? { region } : {}),
    ...(ebsEndpoint ? { ebsEndpoint } : {}),
    ...(s3Endpoint ? { s3Endpoint } : {}),
    ...(env.credentials ? { credentials: env.credentials } : {}),
    ...(options.storageClass ? { storageClass: options.storageClass } : {}),
  };
}

/** Runs `open`, turning a location that cannot be used into a usage error. */
async function asUsage<T>(open: () => Promise<T> | T): Promise<T> {
  try {
    return await open();
  } catch (error) {
    if (error instanceof ArchiveLocationError) throw new CliError(error.message, EXIT.usage, { cause: error });
    throw error;
  }
}

/** Opens a block source: `ebs://snap-…` or a local image file or block device. */
export function openSource(location: string, options: LocationOptions, ctx: CliContext): Promise<BlockSource> {
  return asUsage(() => openBlockSource(location, openOptions(options, ctx)));
}

/** Opens an archive store: `s3://bucket/prefix` or a local directory. */
export function openStore(location: string, options: LocationOptions, ctx: CliContext): Promise<ArchiveStore> {
  return asUsage(() => openArchiveStore(location, openOptions(options, ctx)));
}

/** Opens a restore target: `ebs://new` or a local file or block device (`overlay`: keep what is there). */
export function openTarget(
  location: string,
  options: LocationOptions,
  ctx: CliContext,
  overlay: boolean,
): Promise<RestoreTarget> {
  return asUsage(() => openRestoreTarget(location, { ...openOptions(options, ctx), overlay }));
}

/** The canonical form of an archive location (absolute path, `s3://bucket/prefix`), as a child records it. */
export function canonicalLocation(location: string, ctx: CliContext): Promise<string> {
  return asUsage(() => canonicalArchiveLocation(location, ctx.cwd));
}
