import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Signal } from '../../../src/core/signal.js';

export const fixtureRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../fixtures/events');

export interface Fixture {
  /** `<shape>/<name>` relative to the corpus root. */
  readonly name: string;
  readonly path: string;
  readonly expectedPath: string;
  readonly input: unknown;
}

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((entry) => {
      const path = join(dir, entry);
      return statSync(path).isDirectory() ? walk(path) : [path];
    });
}

/** Every input fixture (`*.json` that is not `*.expected.json`) of the corpus. */
export function loadFixtures(): Fixture[] {
  return walk(fixtureRoot)
    .filter((p) => p.endsWith('.json') && !p.endsWith('.expected.json'))
    .map((path) => ({
      name: relative(fixtureRoot, path).replace(/\.json$/, ''),
      path,
      expectedPath: path.replace(/\.json$/, '.expected.json'),
      input: JSON.parse(readFileSync(path, 'utf8')) as unknown,
    }));
}

/** Expected files without a matching input fixture (left behind by a rename). */
export function orphanExpectedFiles(): string[] {
  return walk(fixtureRoot)
    .filter((p) => p.endsWith('.expected.json'))
    .filter((p) => {
      try {
        return !statSync(p.replace(/\.expected\.json$/, '.json')).isFile();
      } catch {
        return true;
      }
    })
    .map((p) => relative(fixtureRoot, p));
}

/** A signal as stored in an expected file: everything but `raw`, in JSON form. */
export function withoutRaw(signal: Signal): Omit<Signal, 'raw'> {
  const { raw: _raw, ...rest } = signal;
  return JSON.parse(JSON.stringify(rest)) as Omit<Signal, 'raw'>;
}
