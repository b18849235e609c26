/**
 * The work of `vaultpilot synth`, loaded only when the command runs: it pulls in aws-cdk-lib (about 70 MiB
 * and a second of start-up), which no other command needs.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { ConfigError } from '../../core/config/ConfigError.js';
import { buildApp, STACK_NAMES } from '../../infra/app.js';
import { InfraError } from '../../infra/InfraError.js';
import {
  checkTemplateSizes,
  INLINE_TEMPLATE_LIMIT_BYTES,
  S3_TEMPLATE_LIMIT_BYTES,
  type TemplateSize,
} from '../../infra/templateSizes.js';
import { type CliContext, CliError } from '../CliContext.js';
import { loadConfigForCommand } from '../loadConfig.js';
import { packageRoot } from '../packageRoot.js';

export interface SynthOptions {
  readonly config: string;
  readonly out: string;
  readonly delegatedAdmin?: boolean;
  readonly validation: boolean;
  readonly assetsBucket?: string;
  readonly actionsCodeBucket?: string;
}

/** Where each stack goes, in the order an administrator deploys them. */
const DEPLOY_ORDER: readonly string[] = [
  STACK_NAMES.central,
  STACK_NAMES.actions,
  STACK_NAMES.monitoring,
  STACK_NAMES.digest,
  STACK_NAMES.management,
  STACK_NAMES.memberStackSet,
  STACK_NAMES.member,
  STACK_NAMES.actionsStackSet,
  STACK_NAMES.actionsMember,
];

/** A stack's place in DEPLOY_ORDER; the archives of other Regions (`Vaultpilot-Actions-<region>`) follow the central one. */
function deployRank(stackName: string): number {
  const rank = DEPLOY_ORDER.indexOf(stackName);
  return rank >= 0 ? rank : DEPLOY_ORDER.indexOf(STACK_NAMES.actions) + 0.5;
}

function formatBytes(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KiB`;
}

function directorySize(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((sum, entry) => {
    const path = join(dir, entry.name);
    return sum + (entry.isDirectory() ? directorySize(path) : statSync(path).size);
  }, 0);
}

/** The zip assets (bundled Lambda code) of a stack, read from its asset manifest. */
function lambdaAssets(outdir: string, stackName: string): { name: string; path: string }[] {
  const manifest = join(outdir, `${stackName}.assets.json`);
  if (!existsSync(manifest)) return [];
  const files = (JSON.parse(readFileSync(manifest, 'utf8')).files ?? {}) as Record<
    string,
    { displayName?: string; source?: { path?: string; packaging?: string } }
  >;
  return Object.values(files)
    .filter((f) => f.source?.packaging === 'zip' && f.source.path)
    .map((f) => ({ name: f.displayName ?? 'asset', path: f.source?.path as string }));
}

/** Pulls the readable part out of a CDK validation failure (cdk-nag or CloudFormation schema). */
function validationMessage(error: Error): string | undefined {
  if (!/Validation failed/i.test(error.message)) return undefined;
  return error.message.split('\n').slice(0, 40).join('\n');
}

/** Synthesizes every stack offline into a cloud assembly and lists what it wrote. */
export async function runSynth(options: SynthOptions, ctx: CliContext): Promise<void> {
  const config = await loadConfigForCommand(ctx, options.config);
  const outdir = resolve(ctx.cwd, options.out);
  let built: ReturnType<typeof buildApp>;
  let assembly: ReturnType<ReturnType<typeof buildApp>['app']['synth']>;
  let sizes: Map<string, TemplateSize>;
  try {
    built = buildApp(config, {
      outdir,
      projectRoot: packageRoot(),
      cloudFormationValidation: options.validation,
      delegatedAdmin: options.delegatedAdmin,
      assetsBucket: options.assetsBucket,
      actionsCodeBucket: options.actionsCodeBucket,
    });
    assembly = built.app.synth();
    sizes = new Map(checkTemplateSizes(assembly).map((size) => [size.stackName, size]));
  } catch (error) {
    if (error instanceof ConfigError || error instanceof InfraError) {
      throw new CliError(`${options.config}: ${error.message}`, 1, { cause: error });
    }
    const message = error instanceof Error ? validationMessage(error) : undefined;
    if (message) throw new CliError(`synthesis found problems:\n${message}`, 1, { cause: error });
    throw error;
  }

  const show = (path: string) => relative(ctx.cwd, path) || '.';
  ctx.stdout.write(
    `Synthesized ${assembly.stacks.length} stacks into ${show(outdir)}/ (cdk-nag AwsSolutions: clean)\n\n`,
  );
  const stacks = [...assembly.stacks].sort(
    (a, b) => deployRank(a.stackName) - deployRank(b.stackName) || a.stackName.localeCompare(b.stackName),
  );
  for (const stack of stacks) {
    const template = join(outdir, stack.templateFile);
    const resources = Object.keys(stack.template.Resources ?? {}).length;
    const where =
      stack.stackName === STACK_NAMES.member
        ? 'every member account and Region (through the StackSet)'
        : stack.stackName === STACK_NAMES.actionsMember
          ? 'every account and Region with watched vaults (through the actions StackSet)'
          : `account ${stack.environment.account}, ${stack.environment.region}`;
    ctx.stdout.write(`  ${stack.stackName.padEnd(26)} ${where}\n`);
    ctx.stdout.write(
      `    template  ${show(template)} (${resources} resources, ${formatBytes(statSync(template).size)})` +
        (sizes.get(stack.stackName)?.needsS3Upload
          ? ` — over CloudFormation's ${INLINE_TEMPLATE_LIMIT_BYTES}-byte inline limit: deploy with cdk deploy or aws cloudformation deploy --s3-bucket\n`
          : '\n'),
    );
    for (const asset of lambdaAssets(outdir, stack.stackName)) {
      const path = join(outdir, asset.path);
      const code = join(path, 'index.mjs');
      const codeSize = existsSync(code) ? `code ${formatBytes(statSync(code).size)}, ` : '';
      ctx.stdout.write(
        `    asset     ${show(path)}/ (${asset.name}: ${codeSize}${formatBytes(directorySize(path))} with source map)\n`,
      );
    }
  }
  ctx.stdout.write(
    `\nThe StackSet carries the member template inline (${formatBytes(Buffer.byteLength(built.memberTemplateBody))}).\n` +
      (built.actionsMemberTemplate
        ? `The actions StackSet reads the actions member template from S3 (${formatBytes(built.actionsMemberTemplate.bytes)}, ` +
          `CloudFormation's limit ${S3_TEMPLATE_LIMIT_BYTES.toLocaleString('en')} bytes):\n` +
          `  template file  ${show(built.actionsMemberTemplate.path)}\n` +
          `  upload to      s3://${built.actionsMemberTemplate.bucket}/${built.actionsMemberTemplate.fileName}\n` +
          `  TemplateURL    ${built.actionsMemberTemplate.url}\n` +
          'Upload it and the action code to the code buckets before deploying the actions StackSet ' +
          '(docs/deployment.md, "Backup actions").\n'
        : '') +
      `Deploy in this order with: npx cdk deploy --app ${show(outdir)} <stack>  (see docs/deployment.md)\n`,
  );
}
