import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILE_ARCHIVE_KEYS } from '../../src/archive/files/index.js';
import { FILES_WORKER_ENV, readFilesJob } from '../../src/worker/archiveFiles.js';
import { WorkerConfigError } from '../../src/worker/WorkerError.js';
import { buildTree } from '../archive/files/fileTree.js';

const root = resolve(__dirname, '../..');
let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'vp-worker-files-'));
  buildTree(join(work, 'mnt'));
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/** Runs the worker entry as the container would, with `env` only. */
function worker(env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/worker/archiveFiles.ts')], {
      cwd: root, // where tsx resolves; every path below is absolute
      env: { PATH: process.env.PATH ?? '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolveRun({ code, out, err }));
  });
}

describe('readFilesJob', () => {
  it('reads source, destination, level, threads and storage class from the environment', () => {
    const job = readFilesJob(
      {
        VAULTPILOT_SOURCE: '/mnt/restored',
        VAULTPILOT_DESTINATION: 's3://archive-bucket/files/vol-1/2026-12-04',
        VAULTPILOT_COMPRESSION_LEVEL: '6',
        VAULTPILOT_THREADS: '4',
        VAULTPILOT_STORAGE_CLASS: 'DEEP_ARCHIVE',
      },
      [],
      '/work',
    );
    expect(job).toMatchObject({
      source: '/mnt/restored',
      destination: 's3://archive-bucket/files/vol-1/2026-12-04',
      level: 6,
      threads: 4,
      access: { cwd: '/work', storageClass: 'DEEP_ARCHIVE' },
    });
  });

  it('defaults to level 3 and one zstd thread per core, and takes arguments too', () => {
    expect(readFilesJob({}, ['/mnt/x', '/tmp/out'])).toMatchObject({ level: 3, threads: 0, source: '/mnt/x' });
  });

  it('names every problem at once', () => {
    let error: unknown;
    try {
      readFilesJob({ VAULTPILOT_DESTINATION: 's3://Bad_Bucket/x', VAULTPILOT_COMPRESSION_LEVEL: '30' }, []);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WorkerConfigError);
    const problems = (error as WorkerConfigError).problems.join('\n');
    expect(problems).toMatch(/VAULTPILOT_SOURCE is missing/);
    expect(problems).toMatch(/VAULTPILOT_DESTINATION: s3:\/\/Bad_Bucket\/x: bucket name/);
    expect(problems).toMatch(/VAULTPILOT_COMPRESSION_LEVEL=30/);
  });

  it('uses the variable names it documents', () => {
    const docs = readFileSync(join(root, 'docs/file-archives.md'), 'utf8');
    for (const name of Object.values(FILES_WORKER_ENV)) expect(docs).toContain(`\`${name}\``);
  });
});

describe('the archiveFiles worker entry', () => {
  it('archives the mounted directory and prints one JSON line (exit 0)', async () => {
    const result = await worker({ VAULTPILOT_SOURCE: join(work, 'mnt'), VAULTPILOT_DESTINATION: join(work, 'out') });
    expect(result.code).toBe(0);
    const line = JSON.parse(result.out.trim());
    expect(line).toMatchObject({ ok: true, manifest: FILE_ARCHIVE_KEYS.manifest, source: { kind: 'directory' } });
    expect(line.entries).toBeGreaterThan(10);
    expect(existsSync(join(work, 'out', FILE_ARCHIVE_KEYS.manifest))).toBe(true);
  }, 30_000);

  it('exits 2 on bad configuration and 1 on a missing source, with no manifest', async () => {
    const bad = await worker({ VAULTPILOT_DESTINATION: join(work, 'x') });
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.out.trim())).toMatchObject({ ok: false });
    const missing = await worker({
      VAULTPILOT_SOURCE: join(work, 'nothing'),
      VAULTPILOT_DESTINATION: join(work, 'out-missing'),
    });
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.out.trim()).error).toMatch(/no such file or directory/);
    expect(existsSync(join(work, 'out-missing', FILE_ARCHIVE_KEYS.manifest))).toBe(false);
  }, 30_000);

  it('exits 143 when stopped by SIGTERM, leaving no manifest', async () => {
    const { writeFileSync, mkdirSync } = await import('node:fs');
    const { randomBytes } = await import('node:crypto');
    const big = join(work, 'big');
    mkdirSync(big);
    for (let i = 0; i < 6; i++) writeFileSync(join(big, `r${i}`), randomBytes(16 * 1024 * 1024));
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/worker/archiveFiles.ts')], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        VAULTPILOT_SOURCE: big,
        VAULTPILOT_DESTINATION: join(work, 'out-stopped'),
        VAULTPILOT_COMPRESSION_LEVEL: '19',
      },
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    // Stop once the archive has started writing.
    const started = Date.now();
    while (!existsSync(join(work, 'out-stopped')) && Date.now() - started < 20_000) {
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.on('close', r));
    expect(code).toBe(143);
    expect(JSON.parse(out.trim())).toEqual({ ok: false, error: 'stopped by SIGTERM' });
    expect(existsSync(join(work, 'out-stopped', FILE_ARCHIVE_KEYS.manifest))).toBe(false);
  }, 30_000);
});
