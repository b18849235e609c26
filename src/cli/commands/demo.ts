import { join } from 'node:path';
import { type Command, Option } from 'commander';
import type { CliContext } from '../CliContext.js';
import { loadConfigForCommand } from '../loadConfig.js';
import { packageRoot } from '../packageRoot.js';

const SERVERS = ['postgres', 'mariadb'] as const;

interface DemoCommandOptions {
  readonly config?: string;
  readonly without?: (typeof SERVERS)[number][];
}

/** `vaultpilot demo`: the backup actions end to end on this machine (what `npm start` runs). */
export function registerDemoCommand(program: Command, ctx: CliContext): void {
  program
    .command('demo')
    .description(
      'Run the backup actions end to end locally: real RDS/Aurora-style exports to Parquet from seeded local ' +
        'PostgreSQL and MariaDB databases, verified, read back with DuckDB, with the notifications they produce.',
    )
    .option(
      '-c, --config <file>',
      'configuration whose actions section is used (default: the bundled examples/vaultpilot.config.yaml)',
    )
    .addOption(
      new Option('--without <server...>', 'run as if this database server were missing (postgres, mariadb)').choices(
        SERVERS,
      ),
    )
    .addHelpText(
      'after',
      `
Needs PostgreSQL on 127.0.0.1:5432 (user root, trust) and MariaDB on 127.0.0.1:3306 (root, empty password).
With one of them missing, it says how to start it and runs the part of the demo the other one can back;
the exit code is 1 only when neither is reachable. No AWS account, no network: S3, RDS, AWS Backup,
EventBridge and DynamoDB are local stand-ins, and the export workflow is the synthesized Step Functions
definition run locally.

The demo creates the databases vaultpilot_demo_shop (PostgreSQL) and vaultpilot_demo_inventory (MariaDB)
and drops them at the end, also on Ctrl-C or failure. Progress goes to standard error (one line per
export, redrawn in place on a terminal); everything else to standard output.

Scenario: an RDS PostgreSQL recovery point made by AWS Backup (exported, verified, recovery point deleted),
an Aurora MySQL cluster recovery point (the same), an RDS automated snapshot (exported and kept), one
export whose task fails (cleanup, recovery point kept, critical notification), and one duplicate trigger.
`,
    )
    .action(async (options: DemoCommandOptions) => {
      const startedAt = Date.now();
      const file = options.config ?? join(packageRoot(), 'examples', 'vaultpilot.config.yaml');
      const config = await loadConfigForCommand(ctx, file);
      const { runDemo } = await import('../demo/runDemo.js');
      await runDemo(ctx, {
        actions: config.actions,
        configName: options.config ?? 'examples/vaultpilot.config.yaml',
        startedAt,
        without: options.without ?? [],
      });
    });
}
