/**
 * Option definitions the commands share, and the one parser of numeric options: every command that takes a
 * number checks it here, so none silently coerces (`--concurrency ''` is not 0, `--level 12abc` is not 12).
 */
import { type Command, Option } from 'commander';
import { CODEC_THREADS } from '../core/archive/archiveSettings.js';
import { type NumberSpec, parseNumber } from '../core/archive/parseNumber.js';
import { CliError } from './CliContext.js';
import { EXIT } from './exitCodes.js';

/** A numeric option: what it accepts and, optionally, its default. */
export interface NumberOptionSpec extends NumberSpec {
  readonly default?: number;
}

/**
 * Adds a numeric option to `command`. A bad value ends the command with a usage error (exit 2) naming the
 * option, the accepted range and the value: `error: option '--concurrency <n>' must be an integer from 1 to
 * 1024, got "abc"`.
 */
export function addNumberOption(command: Command, flags: string, description: string, spec: NumberOptionSpec): Command {
  const option = new Option(flags, description).argParser((text: string) => {
    const parsed = parseNumber(text, spec);
    if (parsed.ok) return parsed.value;
    // A code of our own: commander would otherwise wrap an 'invalidArgument' message in its own words.
    return command.error(`error: option '${flags}' ${parsed.problem}, got ${JSON.stringify(text)}`, {
      exitCode: EXIT.usage,
      code: 'vaultpilot.invalidNumber',
    });
  });
  if (spec.default !== undefined) option.default(spec.default);
  return command.addOption(option);
}

/** Endpoint and region options of the commands that reach AWS. */
export interface EndpointOptions {
  readonly endpoint?: string;
  readonly ebsEndpoint?: string;
  readonly s3Endpoint?: string;
  readonly region?: string;
}

/** Adds --endpoint/--ebs-endpoint/--s3-endpoint/--region. */
export function addEndpointOptions(command: Command): Command {
  return command
    .option(
      '--endpoint <url>',
      'endpoint for ebs:// and s3:// (a local stand-in or an S3-compatible store; default: AWS_ENDPOINT_URL)',
    )
    .option('--ebs-endpoint <url>', 'endpoint of the EBS direct APIs only (default: AWS_ENDPOINT_URL_EBS)')
    .option('--s3-endpoint <url>', 'endpoint of the S3-compatible store only (default: AWS_ENDPOINT_URL_S3)')
    .option('--region <region>', 'AWS Region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile)');
}

/** Adds `--threads <n>` (codec threads, default one per core). */
export function addThreadsOption(command: Command, work: 'compression' | 'decompression'): Command {
  return addNumberOption(command, '--threads <n>', `${work} threads (default: one per core)`, CODEC_THREADS);
}

/** Adds `--json`. */
export function addJsonOption(command: Command, description = 'print a JSON summary on stdout'): Command {
  return command.option('--json', description);
}

/** Parses `--shard i/N` (0 ≤ i < N). */
export function parseShard(text: string | undefined): { index: number; count: number } | undefined {
  if (text === undefined) return undefined;
  const match = /^(\d+)\/(\d+)$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index >= count)
    throw new CliError(`--shard ${text}: write i/N with 0 ≤ i < N`, EXIT.usage);
  return { index, count };
}
