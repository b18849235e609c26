import { describe, expect, it } from 'vitest';
import { HANDLER_ENTRIES, type HandlerName } from '../../src/core/deployment/contract.js';
import { BUNDLE_SIZE_LIMIT_BYTES } from '../../src/infra/lambdaBundling.js';
import { measureBundle } from '../../src/infra/measureBundle.js';
import { projectRoot } from './fixtureApp.js';

describe('Lambda bundles', () => {
  for (const handler of Object.keys(HANDLER_ENTRIES) as HandlerName[]) {
    it(`keeps the ${handler} bundle under 1 MB minified`, async () => {
      const measured = await measureBundle(projectRoot, handler);
      // A bundle of a few bytes would mean the entry bundled to nothing.
      expect(measured.bytes).toBeGreaterThan(10_000);
      expect(measured.bytes).toBeLessThan(BUNDLE_SIZE_LIMIT_BYTES);
    });
  }
});
