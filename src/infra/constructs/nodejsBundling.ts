/** The NodejsFunction bundling of every Vaultpilot function (LAMBDA_BUNDLING in CDK's terms), in one place. */
import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LAMBDA_BUNDLING } from '../lambdaBundling.js';

export const NODEJS_BUNDLING: BundlingOptions = {
  forceDockerBundling: false,
  minify: LAMBDA_BUNDLING.minify,
  sourceMap: true,
  // Maps without embedded sources still give file:line stack traces, at a fraction of the size.
  sourcesContent: false,
  target: LAMBDA_BUNDLING.target,
  format: OutputFormat.ESM,
  mainFields: [...LAMBDA_BUNDLING.mainFields],
  banner: LAMBDA_BUNDLING.banner,
  externalModules: [...LAMBDA_BUNDLING.externalModules],
};
