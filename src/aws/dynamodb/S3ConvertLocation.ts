/**
 * An S3 prefix as a ConvertLocation: reads download to a temporary folder (removed on release), staged files
 * upload with PutObject on commit. Opened by openConvertLocation() with the same location parsing and endpoint
 * options as the archive commands.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  type ConvertLocation,
  LocalConvertLocation,
  type LocalCopy,
  type StagedFile,
} from '../../archive/dynamodb/index.js';
import { formatS3Location, parseArchiveLocation } from '../../core/archive/archiveLocation.js';
import type { OpenLocationOptions } from '../archive/openArchiveLocation.js';

function isMissing(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}

export class S3ConvertLocation implements ConvertLocation {
  readonly location: string;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    /** '' or ending in '/'. */
    private readonly prefix: string,
  ) {
    this.location = formatS3Location(bucket, prefix);
  }

  async readText(name: string): Promise<string | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + name }));
      return await out.Body!.transformToString('utf8');
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async localCopy(name: string): Promise<LocalCopy> {
    const folder = await mkdtemp(join(tmpdir(), 'vaultpilot-s3-'));
    const path = join(folder, name.replaceAll('/', '_'));
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + name }));
      await pipeline(out.Body as Readable, createWriteStream(path));
    } catch (error) {
      await rm(folder, { recursive: true, force: true });
      throw error;
    }
    return { path, release: () => rm(folder, { recursive: true, force: true }) };
  }

  async subfolders(name: string): Promise<string[]> {
    const out = await this.client.send(
      new ListObjectsV2Command({ Bucket: this.bucket, Prefix: `${this.prefix}${name}/`, Delimiter: '/' }),
    );
    return (out.CommonPrefixes ?? [])
      .map((p) => p.Prefix!.slice(`${this.prefix}${name}/`.length).replace(/\/$/, ''))
      .filter((p) => p !== '');
  }

  child(name: string): ConvertLocation {
    return new S3ConvertLocation(this.client, this.bucket, `${this.prefix}${name.replace(/\/+$/, '')}/`);
  }

  async stage(name: string): Promise<StagedFile> {
    const folder = await mkdtemp(join(tmpdir(), 'vaultpilot-s3-'));
    const path = join(folder, name.replaceAll('/', '_'));
    const discard = () => rm(folder, { recursive: true, force: true });
    return {
      path,
      commit: async () => {
        const { size } = await stat(path);
        await this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: this.prefix + name,
            Body: createReadStream(path),
            ContentLength: size,
          }),
        );
        await discard();
      },
      discard,
    };
  }

  async writeText(name: string, text: string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.prefix + name, Body: text }));
  }

  keyOf(name: string): string {
    return this.prefix + name;
  }

  async fileSizes(name: string): Promise<Map<string, number>> {
    const folder = `${this.prefix}${name.replace(/\/+$/, '')}/`;
    const sizes = new Map<string, number>();
    let token: string | undefined;
    do {
      const out = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: folder, Delimiter: '/', ContinuationToken: token }),
      );
      for (const o of out.Contents ?? []) {
        const file = o.Key!.slice(folder.length);
        if (file !== '') sizes.set(file, o.Size ?? 0);
      }
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return sizes;
  }

  async remove(names: readonly string[]): Promise<void> {
    if (names.length === 1) {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.prefix + names[0] }));
      return;
    }
    for (let i = 0; i < names.length; i += 1000) {
      const out = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: names.slice(i, i + 1000).map((n) => ({ Key: this.prefix + n })), Quiet: true },
        }),
      );
      const failed = (out.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
      if (failed.length > 0) {
        throw new Error(`${this.location}: cannot delete ${failed.map((e) => `${e.Key} (${e.Code})`).join(', ')}`);
      }
    }
  }
}

/** Opens `s3://bucket/prefix` or a local directory (resolved against options.cwd) for the conversion. */
export async function openConvertLocation(location: string, options: OpenLocationOptions): Promise<ConvertLocation> {
  const parsed = parseArchiveLocation(location);
  if (parsed.kind === 'directory') {
    return new LocalConvertLocation(resolve(options.cwd, parsed.path));
  }
  const { createS3Client } = await import('../s3/createS3Client.js');
  const endpoint = options.s3Endpoint;
  const client = createS3Client({
    endpoint,
    region: options.region,
    forcePathStyle: endpoint !== undefined,
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
  return new S3ConvertLocation(client, parsed.bucket, parsed.prefix);
}
