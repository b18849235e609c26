import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPRESSION_LEVEL } from '../../src/core/archive/archiveSettings.js';
import { parseNumber } from '../../src/core/archive/parseNumber.js';
import { readExportJob } from '../../src/worker/exportSnapshot.js';
import { WorkerConfigError } from '../../src/worker/WorkerError.js';
import { runCli } from './runCli.js';

const root = resolve(__dirname, '../..');
let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'vp-cli-options-'));
  writeFileSync(join(work, 'disk.img'), Buffer.alloc(1024 * 1024, 7));
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

function workerProblems(env: NodeJS.ProcessEnv): readonly string[] {
  try {
    readExportJob({ VAULTPILOT_SNAPSHOT_ID: 'snap-1', VAULTPILOT_DESTINATION: '/tmp/x', ...env }, [], work);
  } catch (error) {
    if (error instanceof WorkerConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('parseNumber', () => {
  it.each([
    ['', 'empty text (Number gives 0)'],
    ['  ', 'blanks'],
    ['12abc', 'a number followed by letters (parseInt gives 12)'],
    ['0x10', 'hexadecimal (Number gives 16)'],
    ['1e3', 'an exponent (Number gives 1000)'],
    ['1.5', 'a fraction'],
    ['Infinity', 'infinity'],
    ['9007199254740993', 'an integer beyond the safe range'],
  ])('refuses %j as an integer: %s', (text) => {
    expect(parseNumber(text, { min: 0 })).toEqual({ ok: false, problem: 'must be an integer ≥ 0' });
  });

  it('accepts plain integers and decimals within the range', () => {
    expect(parseNumber('12', { min: 1, max: 64 })).toEqual({ ok: true, value: 12 });
    expect(parseNumber(' 7 ', { min: 1 })).toEqual({ ok: true, value: 7 });
    expect(parseNumber('-0', { min: 0 })).toEqual({ ok: true, value: 0 });
    expect(parseNumber('0.25', { integer: false, min: 0, max: 1 })).toEqual({ ok: true, value: 0.25 });
    expect(parseNumber('.5', { integer: false, min: 0, max: 1 })).toEqual({ ok: true, value: 0.5 });
  });

  it('names the range it wanted', () => {
    expect(parseNumber('65', { min: 1, max: 64 })).toEqual({ ok: false, problem: 'must be an integer from 1 to 64' });
    expect(parseNumber('2', { integer: false, min: 0, max: 1 })).toEqual({
      ok: false,
      problem: 'must be a number from 0 to 1',
    });
  });
});

describe('numeric options of every command', () => {
  it.each([
    ['archive', ['archive', 'disk.img', 'out-c'], '--concurrency <n>', 'an integer from 1 to 1024'],
    ['restore', ['restore', 'nothing', 'out.img'], '--concurrency <n>', 'an integer from 1 to 1024'],
  ])(
    '%s rejects --concurrency abc, "" and 12abc with a usage error naming the option',
    async (_name, args, flags, range) => {
      for (const value of ['abc', '', '12abc', '0']) {
        const run = await runCli([...args, '--concurrency', value], { cwd: work });
        expect(run.code).toBe(2);
        expect(run.stderr).toContain(`error: option '${flags}' must be ${range}, got ${JSON.stringify(value)}`);
      }
    },
  );

  it.each([
    ['archive', ['archive', 'disk.img', 'out-t']],
    ['restore', ['restore', 'nothing', 'out.img']],
    ['verify', ['verify', 'nothing']],
  ])('%s rejects --threads 2x', async (_name, args) => {
    const run = await runCli([...args, '--threads', '2x'], { cwd: work });
    expect(run).toMatchObject({
      code: 2,
      stderr: expect.stringContaining(`'--threads <n>' must be an integer from 1 to 256, got "2x"`),
    });
  });

  it('archive rejects --segment-size 0 and 1.5', async () => {
    for (const value of ['0', '1.5']) {
      const run = await runCli(['archive', 'disk.img', 'out-s', '--segment-size', value], { cwd: work });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`error: option '--segment-size <MiB>' must be an integer from 1 to 65536`);
    }
  });

  it.each([
    ['--port', ''],
    ['--port', '70000'],
    ['--latency-ms', '5ms'],
    ['--error-rate', '1.5'],
    ['--seed', '0x10'],
  ])('sandbox ebs rejects %s %j before starting anything', async (option, value) => {
    const run = await runCli(['sandbox', 'ebs', option, value], { cwd: work });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      new RegExp(`error: option '${option} <[a-z]+>' must be .*, got ${JSON.stringify(value)}`),
    );
    expect(run.stdout).toBe('');
  });

  it('sandbox s3 rejects --port abc', async () => {
    const run = await runCli(['sandbox', 's3', '--port', 'abc'], { cwd: work });
    expect(run).toMatchObject({
      code: 2,
      stderr: expect.stringContaining(`'--port <n>' must be an integer from 0 to 65535`),
    });
  });
});

describe('the zstd level', () => {
  it.each(['0', '99', '20', '-1', '3.5', ''])('is refused alike by the CLI and the worker: %j', async (level) => {
    const cli = await runCli(['archive', 'disk.img', 'out-l', '--level', level], { cwd: work });
    expect(cli.code).toBe(2);
    const phrase = `must be an integer from ${COMPRESSION_LEVEL.min} to ${COMPRESSION_LEVEL.max}`;
    expect(cli.stderr).toContain(`error: option '--level <n>' ${phrase}, got ${JSON.stringify(level)}`);
    if (level !== '')
      expect(workerProblems({ VAULTPILOT_COMPRESSION_LEVEL: level })).toEqual([
        `VAULTPILOT_COMPRESSION_LEVEL=${level} ${phrase}`,
      ]);
  });

  it('accepts 1 and 19 in both', async () => {
    for (const level of ['1', '19']) {
      expect(workerProblems({ VAULTPILOT_COMPRESSION_LEVEL: level })).toEqual([]);
      const cli = await runCli(['archive', 'disk.img', `out-level-${level}`, '--level', level, '--json'], {
        cwd: work,
      });
      expect(cli.code).toBe(0);
    }
    const inspected = await runCli(['inspect', 'out-level-19', '--json'], { cwd: work });
    expect(JSON.parse(inspected.stdout).compression.level).toBe(19);
  });
});

describe('vaultpilot --version', () => {
  it("prints package.json's version", async () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    const run = await runCli(['--version']);
    expect(run).toMatchObject({ code: 0, stdout: `${version}\n` });
  });
});

describe('usage errors', () => {
  it('exit 2, as documented, for unknown options and missing arguments too', async () => {
    expect((await runCli(['archive', 'disk.img', 'x', '--no-such-option'], { cwd: work })).code).toBe(2);
    expect((await runCli(['verify'], { cwd: work })).code).toBe(2);
  });
});
