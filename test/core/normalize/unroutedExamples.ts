import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Published AWS events Vaultpilot reads but no deployed EventBridge rule forwards yet (so they stay out
 * of test/fixtures/events, whose every envelope the rule tests check): test/core/normalize/unrouted/.
 */
export function unroutedExample(name: string): Record<string, unknown> & { detail: Record<string, unknown> } {
  const path = join(dirname(fileURLToPath(import.meta.url)), 'unrouted', `${name}.json`);
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown> & { detail: Record<string, unknown> };
}
