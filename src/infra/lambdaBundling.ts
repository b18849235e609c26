/**
 * How every Vaultpilot Lambda function is bundled, shared by the CDK constructs, the bundle-size test
 * and the bundle benchmark so all three measure the same artifact.
 */

/** Bundles must stay under this size (minified, without source map). */
export const BUNDLE_SIZE_LIMIT_BYTES = 1024 * 1024;

/** ESM bundles still meet CommonJS dependencies that call `require`; this banner gives them one. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __vpCreateRequire } from 'node:module'; const require = __vpCreateRequire(import.meta.url);";

/**
 * Everything is bundled, the AWS SDK v3 included: the functions run the SDK versions the lockfile pins
 * and the tests exercised, not whatever the runtime ships. zod is imported as a namespace
 * (`import * as z`) everywhere so its locales are tree-shaken; bundles stay around 0.5 MB.
 */
export const LAMBDA_BUNDLING = {
  target: 'node22',
  format: 'esm',
  platform: 'node',
  minify: true,
  mainFields: ['module', 'main'],
  externalModules: [] as string[],
  banner: ESM_REQUIRE_BANNER,
} as const;
