/**
 * A local S3-compatible server for tests, the demo and the benchmark: s3rver, in this process, on 127.0.0.1 with a
 * port the OS chooses, storing objects in a temporary directory that close() removes.
 *
 * s3rver 3.7 lacks AbortMultipartUpload and ListMultipartUploads, which the archive store's tests need (a failed
 * upload must leave no upload behind), so the stand-in answers those two itself, over s3rver's own upload folders.
 *
 * s3rver signs listing continuation tokens with single DES, which OpenSSL 3 only offers through its legacy
 * provider; without it every truncated ListObjectsV2 answer fails. Triple DES with the key repeated three times
 * computes exactly single DES and needs no legacy provider, so when plain DES is missing the stand-in routes
 * s3rver's DES calls there (nothing else in the process uses single DES: OpenSSL 3 refuses it).
 */
import crypto from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

/** How to start the S3 stand-in. */
export interface S3StandInOptions {
  /** Buckets that exist from the start. @default ['vaultpilot-archive'] */
  readonly buckets?: readonly string[];
  /** @default 0 (the OS chooses) */
  readonly port?: number;
  /** Where objects are kept. @default a new temporary directory, removed by close() */
  readonly directory?: string;
}

/** A running S3 stand-in. */
export interface S3StandIn {
  /** `http://127.0.0.1:port`: use with `forcePathStyle: true`, any credentials, region us-east-1. */
  readonly endpoint: string;
  readonly buckets: readonly string[];
  close(): Promise<void>;
}

/** Starts s3rver on 127.0.0.1 with the given buckets. */
export async function startS3StandIn(options: S3StandInOptions = {}): Promise<S3StandIn> {
  routeSingleDesThroughTripleDes();
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), 'vaultpilot-s3-')));
  const buckets = options.buckets ?? ['vaultpilot-archive'];
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port ?? 0,
    silent: true,
    directory,
    allowMismatchedSignatures: true,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  server.middleware.unshift(multipartUploadsMiddleware(server));
  const address = await server.run();
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    buckets,
    close: async () => {
      await server.close();
      if (options.directory === undefined) await rm(directory, { recursive: true, force: true });
    },
  };
}

type S3rverServer = InstanceType<typeof S3rver>;
type Ctx = Parameters<S3rverServer['middleware'][number]>[0];

/** AbortMultipartUpload (DELETE /bucket/key?uploadId=…) and ListMultipartUploads (GET /bucket?uploads). */
function multipartUploadsMiddleware(server: S3rverServer): S3rverServer['middleware'][number] {
  const uploadsDir = (bucket: string) => server.store.getResourcePath(bucket, undefined, 'uploads');
  return async (ctx, next) => {
    const [bucket, ...keyParts] = ctx.path.split('/').filter(Boolean).map(decodeURIComponent);
    if (bucket && keyParts.length > 0 && ctx.method === 'DELETE' && typeof ctx.query.uploadId === 'string') {
      const dir = join(uploadsDir(bucket), ctx.query.uploadId);
      if (!(await exists(dir))) return xmlError(ctx, 404, 'NoSuchUpload', 'The specified upload does not exist.');
      await rm(dir, { recursive: true, force: true });
      ctx.status = 204;
      return;
    }
    if (bucket && keyParts.length === 0 && ctx.method === 'GET' && 'uploads' in ctx.query) {
      const prefix = typeof ctx.query.prefix === 'string' ? ctx.query.prefix : '';
      const uploads: string[] = [];
      const names = await readdir(uploadsDir(bucket)).catch(() => [] as string[]);
      for (const uploadId of names.sort()) {
        const dir = join(uploadsDir(bucket), uploadId);
        const key = await readFile(join(dir, 'key'), 'utf8').catch(() => undefined);
        if (key === undefined || !key.startsWith(prefix)) continue;
        const initiated = (await stat(dir)).birthtime.toISOString();
        uploads.push(
          `<Upload><Key>${escapeXml(key)}</Key><UploadId>${uploadId}</UploadId><Initiated>${initiated}</Initiated>` +
            '<StorageClass>STANDARD</StorageClass></Upload>',
        );
      }
      ctx.type = 'application/xml';
      ctx.body =
        '<?xml version="1.0" encoding="UTF-8"?>\n<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
        `<Bucket>${escapeXml(bucket)}</Bucket><Prefix>${escapeXml(prefix)}</Prefix><MaxUploads>1000</MaxUploads>` +
        `<IsTruncated>false</IsTruncated>${uploads.join('')}</ListMultipartUploadsResult>`;
      return;
    }
    await next();
  };
}

function xmlError(ctx: Ctx, status: number, code: string, message: string): void {
  ctx.status = status;
  ctx.type = 'application/xml';
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error>`;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

let routed = false;

function routeSingleDesThroughTripleDes(): void {
  if (routed) return;
  routed = true;
  try {
    crypto.createCipheriv('des', Buffer.alloc(8), Buffer.alloc(8));
    return; // The legacy provider is loaded: nothing to do.
  } catch {
    // Fall through: patch below.
  }
  const triple = (key: crypto.CipherKey): Buffer => {
    const k = Buffer.from(key as Uint8Array);
    return Buffer.concat([k, k, k]);
  };
  const { createCipheriv, createDecipheriv } = crypto;
  const patched = crypto as unknown as Record<string, unknown>;
  patched.createCipheriv = (algorithm: string, key: crypto.CipherKey, iv: crypto.BinaryLike | null, ...rest: []) =>
    algorithm === 'des' ? createCipheriv('des-ede3-cbc', triple(key), iv) : createCipheriv(algorithm, key, iv, ...rest);
  patched.createDecipheriv = (algorithm: string, key: crypto.CipherKey, iv: crypto.BinaryLike | null, ...rest: []) =>
    algorithm === 'des'
      ? createDecipheriv('des-ede3-cbc', triple(key), iv)
      : createDecipheriv(algorithm, key, iv, ...rest);
}
