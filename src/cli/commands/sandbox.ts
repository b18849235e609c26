import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { EbsFaultOptions, ImageSnapshotSpec } from '../../../sandbox/ebs/startEbsStandIn.js';
import { type CliContext, CliError } from '../CliContext.js';
import { addNumberOption } from '../options.js';

const PORT = { min: 0, max: 65_535, default: 0 } as const;
const MILLISECONDS = { min: 0, max: 3_600_000 } as const;
const PROBABILITY = { integer: false, min: 0, max: 1, default: 0 } as const;

/** Hooks for running the sandbox commands in-process (tests): how to wait until the servers should stop. */
export interface SandboxCommandOptions {
  /** Resolves when the servers should stop. @default SIGINT or SIGTERM */
  readonly untilStopped?: () => Promise<void>;
}

interface EbsCommandOptions {
  readonly image: string[];
  readonly parent: string[];
  readonly host: string;
  readonly port: number;
  readonly latencyMs: number;
  readonly rateLimit?: number;
  readonly errorRate: number;
  readonly stormRate: number;
  readonly slowRate: number;
  readonly slowMs: number;
  readonly emptyPageRate: number;
  readonly seed: number;
  readonly completionDelayMs: number;
}

/** `vaultpilot sandbox ebs|s3`: local stand-ins for the AWS APIs the archive engine calls, for demos and benchmarks. */
export function registerSandboxCommand(program: Command, ctx: CliContext, options: SandboxCommandOptions = {}): void {
  const untilStopped = options.untilStopped ?? untilSignal;
  const sandbox = program
    .command('sandbox')
    .description('Run local stand-ins for AWS APIs (EBS direct APIs, S3) until Ctrl-C.');

  const ebsCommand = sandbox
    .command('ebs')
    .description('serve image files as EBS snapshots through the EBS direct APIs (the real SDK works against it)')
    .option('--image <id=path>', 'register an image file as a snapshot (repeatable)', collect, [])
    .option('--parent <id=parentId>', 'make a registered snapshot the child of another (repeatable)', collect, [])
    .option('--host <host>', 'address to listen on', '127.0.0.1');
  addNumberOption(ebsCommand, '--port <n>', 'port to listen on (0: any free port)', PORT);
  addNumberOption(ebsCommand, '--latency-ms <ms>', 'delay added to every answer', { ...MILLISECONDS, default: 0 });
  addNumberOption(ebsCommand, '--rate-limit <n>', 'block requests per second allowed per snapshot (EBS: 1000)', {
    min: 1,
  });
  addNumberOption(ebsCommand, '--error-rate <p>', 'chance of a 500/503 answer', PROBABILITY);
  addNumberOption(
    ebsCommand,
    '--storm-rate <p>',
    'chance that a request starts a storm of 20 throttled answers',
    PROBABILITY,
  );
  addNumberOption(ebsCommand, '--slow-rate <p>', 'chance that an answer is held back --slow-ms', PROBABILITY);
  addNumberOption(ebsCommand, '--slow-ms <ms>', 'how long a slow answer is held back', {
    ...MILLISECONDS,
    default: 5000,
  });
  addNumberOption(
    ebsCommand,
    '--empty-page-rate <p>',
    'chance that a list page comes back empty with a NextToken',
    PROBABILITY,
  );
  addNumberOption(ebsCommand, '--seed <n>', 'seed of the fault dice', { min: 0, default: 1 });
  addNumberOption(
    ebsCommand,
    '--completion-delay-ms <ms>',
    'how long a written snapshot stays pending after CompleteSnapshot',
    {
      ...MILLISECONDS,
      default: 0,
    },
  );
  ebsCommand
    .addHelpText(
      'after',
      `
Blocks that are entirely zero are holes; every other block of an image is a written block. With --parent,
a snapshot's written blocks are those that differ from its parent, so ListChangedBlocks works between them.
Snapshots written through StartSnapshot/PutSnapshotBlock/CompleteSnapshot are kept until the server stops.

Example:
  vaultpilot sandbox ebs --image snap-base=base.img --image snap-next=next.img --parent snap-next=snap-base \\
    --latency-ms 5 --rate-limit 1000
  AWS_ENDPOINT_URL_EBS=http://127.0.0.1:<port> AWS_REGION=us-east-1 \\
    AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x vaultpilot archive …`,
    )
    .action(async (opts: EbsCommandOptions) => {
      const parents = new Map(opts.parent.map((p) => splitPair(p, '--parent')));
      const specs: ImageSnapshotSpec[] = opts.image.map((entry) => {
        const [snapshotId, path] = splitPair(entry, '--image');
        const parentSnapshotId = parents.get(snapshotId);
        return { snapshotId, imagePath: resolve(ctx.cwd, path), ...(parentSnapshotId ? { parentSnapshotId } : {}) };
      });
      for (const [child] of parents) {
        if (!specs.some((s) => s.snapshotId === child))
          throw new CliError(`--parent names unknown snapshot ${child}`, 2);
      }
      const faults: EbsFaultOptions = {
        latencyMs: opts.latencyMs,
        ...(opts.rateLimit === undefined ? {} : { rateLimitPerSnapshot: opts.rateLimit }),
        serverErrorProbability: opts.errorRate,
        stormProbability: opts.stormRate,
        slowResponseProbability: opts.slowRate,
        slowResponseMs: opts.slowMs,
        emptyPageProbability: opts.emptyPageRate,
        seed: opts.seed,
      };
      // Parents must be registered before their children.
      const ordered = orderParentsFirst(specs);
      const { startEbsStandIn } = await import('../../../sandbox/ebs/startEbsStandIn.js');
      const standIn = await startEbsStandIn({
        host: opts.host,
        port: opts.port,
        faults,
        completionDelayMs: opts.completionDelayMs,
      }).catch((error: unknown) => {
        throw new CliError(`cannot start the EBS stand-in: ${(error as Error).message}`, 1, { cause: error });
      });
      try {
        for (const spec of ordered) {
          await standIn.addSnapshot(spec).catch((error: unknown) => {
            throw new CliError(`cannot register ${spec.snapshotId}: ${(error as Error).message}`, 2, { cause: error });
          });
        }
        ctx.stdout.write(`EBS direct API stand-in listening on ${standIn.endpoint}\n`);
        for (const snap of standIn.snapshots()) {
          const parent = snap.parentSnapshotId ? `, parent ${snap.parentSnapshotId}` : '';
          ctx.stdout.write(
            `  ${snap.snapshotId}  ${snap.volumeSizeGiB} GiB, ${snap.blocks.length} blocks (${snap.ownBlocks.length} own)${parent}\n`,
          );
        }
        ctx.stdout.write(
          `SDK: new EBSClient({ endpoint: '${standIn.endpoint}', region: 'us-east-1', credentials: any })\n` +
            `env: AWS_ENDPOINT_URL_EBS=${standIn.endpoint}\nPress Ctrl-C to stop.\n`,
        );
        await untilStopped();
        const requests = Object.entries(standIn.stats.requests)
          .map(([op, n]) => `${op} ${n}`)
          .join(', ');
        const f = standIn.stats.faults;
        ctx.stdout.write(
          `stopped. requests: ${requests || 'none'}; injected: ${f.throttled} throttled, ${f.serverErrors} 5xx, ` +
            `${f.slowResponses} slow, ${f.wrongChecksums} wrong checksums, ${f.emptyPages} empty pages\n`,
        );
      } finally {
        await standIn.close();
      }
    });

  const s3Command = sandbox
    .command('s3')
    .description('run an S3-compatible server (s3rver) with the given buckets')
    .option('--bucket <name>', 'create this bucket (repeatable)', collect, [])
    .option('--dir <path>', 'keep objects in this directory (default: a temporary one, removed on exit)');
  addNumberOption(s3Command, '--port <n>', 'port to listen on (0: any free port)', PORT);
  s3Command.action(async (opts: { bucket: string[]; dir?: string; port: number }) => {
    const buckets = opts.bucket.length > 0 ? opts.bucket : ['vaultpilot-archive'];
    // Loaded on demand: s3rver is a development dependency, and other commands should not pay for it.
    const { startS3StandIn } = await import('../../../sandbox/s3/startS3StandIn.js').catch((error: unknown) => {
      throw new CliError('the S3 stand-in needs the development dependency s3rver (npm install)', 1, {
        cause: error,
      });
    });
    const s3 = await startS3StandIn({
      buckets,
      port: opts.port,
      ...(opts.dir === undefined ? {} : { directory: resolve(ctx.cwd, opts.dir) }),
    });
    try {
      ctx.stdout.write(
        `S3 stand-in listening on ${s3.endpoint} with bucket(s) ${buckets.join(', ')}\n` +
          'Use path-style addressing (forcePathStyle: true), region us-east-1, any credentials.\n' +
          `env: AWS_ENDPOINT_URL_S3=${s3.endpoint}\nPress Ctrl-C to stop.\n`,
      );
      await untilStopped();
      ctx.stdout.write('stopped.\n');
    } finally {
      await s3.close();
    }
  });
}

function untilSignal(): Promise<void> {
  return new Promise((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

function orderParentsFirst(specs: readonly ImageSnapshotSpec[]): ImageSnapshotSpec[] {
  const byId = new Map(specs.map((s) => [s.snapshotId, s]));
  const ordered: ImageSnapshotSpec[] = [];
  const visiting = new Set<string | undefined>();
  const visit = (spec: ImageSnapshotSpec) => {
    if (ordered.includes(spec)) return;
    if (visiting.has(spec.snapshotId)) throw new CliError(`--parent makes a cycle at ${spec.snapshotId}`, 2);
    visiting.add(spec.snapshotId);
    const parent = spec.parentSnapshotId === undefined ? undefined : byId.get(spec.parentSnapshotId);
    if (spec.parentSnapshotId !== undefined && !parent) {
      throw new CliError(`--parent names unknown snapshot ${spec.parentSnapshotId}`, 2);
    }
    if (parent) visit(parent);
    ordered.push(spec);
  };
  for (const spec of specs) visit(spec);
  return ordered;
}

function splitPair(text: string, option: string): [string, string] {
  const at = text.indexOf('=');
  if (at <= 0 || at === text.length - 1) throw new CliError(`${option} expects <a>=<b>, got '${text}'`, 2);
  return [text.slice(0, at), text.slice(at + 1)];
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
