import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMPRESSION_LEVEL, READ_CONCURRENCY } from '../../src/core/archive/archiveSettings.js';
import { WORKER_DEFAULTS, WORKER_ENTRIES, WORKER_ENV, WORKER_EXIT_CODES } from '../../src/core/deployment/contract.js';

const root = resolve(__dirname, '../..');
const docs = readFileSync(join(root, 'docs/archiving.md'), 'utf8');
/** The rows of the worker's table in docs/archiving.md, by variable. */
const rows = docs.split('\n').filter((line) => line.startsWith('| `VAULTPILOT_') || line.startsWith('| `AWS_BATCH'));

function rowOf(variable: string): string {
  const row = rows.find((r) => r.includes(`\`${variable}\``));
  if (!row) throw new Error(`docs/archiving.md has no row for ${variable}`);
  return row;
}

describe('the worker in the deployment contract', () => {
  it('names an entry file that exists', () => {
    for (const entry of Object.values(WORKER_ENTRIES)) expect(() => readFileSync(join(root, entry))).not.toThrow();
  });

  it('is documented in docs/archiving.md variable by variable', () => {
    for (const variable of Object.values(WORKER_ENV)) expect(rowOf(variable)).toBeTruthy();
  });

  it('documents the defaults the worker really uses, the same the CLI uses for EBS', () => {
    expect(WORKER_DEFAULTS.readConcurrency).toBe(READ_CONCURRENCY.ebs);
    expect(WORKER_DEFAULTS.compressionLevel).toBe(COMPRESSION_LEVEL.default);
    const lastCell = (row: string) => row.split('|').at(-2)?.trim();
    expect(lastCell(rowOf(WORKER_ENV.readConcurrency))).toBe(String(WORKER_DEFAULTS.readConcurrency));
    expect(lastCell(rowOf(WORKER_ENV.compressionLevel))).toBe(String(WORKER_DEFAULTS.compressionLevel));
    expect(lastCell(rowOf(WORKER_ENV.shardCount))).toBe(String(WORKER_DEFAULTS.shardCount));
    expect(lastCell(rowOf(WORKER_ENV.mode))).toBe(`\`${WORKER_DEFAULTS.mode}\``);
    expect(rowOf(WORKER_ENV.compressionLevel)).toContain(`${COMPRESSION_LEVEL.min}–${COMPRESSION_LEVEL.max}`);
  });

  it('documents its exit codes', () => {
    const sentence = docs.slice(docs.indexOf('It prints one JSON line'));
    for (const code of Object.values(WORKER_EXIT_CODES)) expect(sentence).toContain(`\`${code}\``);
  });
});
