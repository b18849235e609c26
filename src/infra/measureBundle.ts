import { join } from 'node:path';
import { build } from 'esbuild';
import { HANDLER_ENTRIES, type HandlerName } from '../core/deployment/contract.js';
import { LAMBDA_BUNDLING } from './lambdaBundling.js';

/** The size of one handler's deployed bundle. */
export interface BundleMeasurement {
  readonly handler: HandlerName;
  readonly entry: string;
  /** Minified bundle, without its source map. */
  readonly bytes: number;
  /** The three largest contributors (npm package or our folder), largest first. */
  readonly largest: readonly { readonly name: string; readonly bytes: number }[];
}

/** Bundles a handler in memory exactly as the CDK app does and measures it. */
export async function measureBundle(projectRoot: string, handler: HandlerName): Promise<BundleMeasurement> {
  const entry = HANDLER_ENTRIES[handler];
  const result = await build({
    entryPoints: [join(projectRoot, entry)],
    absWorkingDir: projectRoot,
    bundle: true,
    write: false,
    metafile: true,
    outfile: 'index.mjs',
    platform: LAMBDA_BUNDLING.platform,
    format: LAMBDA_BUNDLING.format,
    target: LAMBDA_BUNDLING.target,
    minify: LAMBDA_BUNDLING.minify,
    mainFields: [...LAMBDA_BUNDLING.mainFields],
    external: [...LAMBDA_BUNDLING.externalModules],
    banner: { js: LAMBDA_BUNDLING.banner },
    logLevel: 'silent',
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error(`esbuild produced no output for ${entry}`);
  const byPackage = new Map<string, number>();
  for (const out of Object.values(result.metafile.outputs)) {
    for (const [file, input] of Object.entries(out.inputs)) {
      const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? file.split('/').slice(0, 2).join('/');
      byPackage.set(name, (byPackage.get(name) ?? 0) + input.bytesInOutput);
    }
  }
  const largest = [...byPackage.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([name, bytes]) => ({ name, bytes }));
  return { handler, entry, bytes: output.contents.byteLength, largest };
}
