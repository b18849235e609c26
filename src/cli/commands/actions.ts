import type { Command } from 'commander';
import { planRecoveryPoint, type RecoveryPointPlan } from '../../core/actions/planRecoveryPoint.js';
import { DEFAULT_CONFIG_FILE, type VaultpilotConfig } from '../../core/config/configSchema.js';
import { splitJsonValues } from '../../core/input/splitJsonValues.js';
import { unparsedSignal } from '../../core/normalize/buildSignal.js';
import { normalizeInput } from '../../core/normalize/normalizeInput.js';
import type { Signal } from '../../core/signal.js';
import type { CliContext } from '../CliContext.js';
import { EXIT } from '../exitCodes.js';
import { loadConfigForCommand } from '../loadConfig.js';
import { readEventInputs } from '../readEventInputs.js';

interface PlanOptions {
  readonly config: string;
  readonly json?: boolean;
}

/** `vaultpilot actions`: the backup actions (for now: `plan`, the dry run). */
export function registerActionsCommand(program: Command, ctx: CliContext): void {
  const actions = program
    .command('actions')
    .description('Backup actions: export recovery points to the S3 archive (see docs/actions.md).');
  actions
    .command('plan')
    .description(
      'Dry run: read events and print what Vaultpilot would do with each under the `actions:` configuration, ' +
        'or why it would do nothing. Touches no AWS account.',
    )
    .argument(
      '[inputs...]',
      'event files or folders (a JSON object, a JSON array, NDJSON, or JSON objects back to back); "-" reads standard input; default: piped standard input, else the bundled samples',
    )
    .option('-c, --config <file>', 'configuration file', DEFAULT_CONFIG_FILE)
    .option('--json', 'print one JSON object per event and line (the summary goes to standard error)')
    .addHelpText(
      'after',
      `
Triggers: backup jobs COMPLETED (EventBridge, vault SNS notification, BackupJobCompleted service event) and
copy jobs COMPLETED into a vault of actions.vaults, recovery points COMPLETED or AVAILABLE there, and RDS
snapshot events RDS-EVENT-0091 / 0169 (automated) and 0042 / 0075 (manual) when actions.rdsSnapshots says so.
RDS and Aurora snapshots plan rds-export; DynamoDB recovery points (table/<name>/backup/<id> or AWS Backup
recovery-point ARNs) plan dynamodb-export when actions.resourceTypes.DynamoDB.export is parquet; EBS
snapshots (arn:aws:ec2:<region>::snapshot/snap-…) plan ebs-archive when actions.resourceTypes.EBS.export is
block (incremental to the volume's previous archive or full: decided when the workflow runs). EC2 recovery
points (AMIs) are not archived yet. Everything else is "none", with the reason. What an event cannot tell
(the engine, tags, PITR, the snapshot's tier, the previous archive) is checked when the workflow runs and
listed as such.

With --json each line holds input (file:line), action (rds-export, dynamodb-export, ebs-archive or none),
reason, recoveryPointArn, exportTaskIdentifier, s3Prefix, deleteAfterExport, and trigger, workflow,
resourceType, resourceName, dynamoDbExportFrom (DynamoDB only, else null), ebsMaxChainDepth (EBS only, else
null), vault, account, region, checkedWhenRun. The exit code is 1 when an input cannot be read or the
configuration is not valid.

Examples:
  vaultpilot actions plan --config examples/vaultpilot.config.yaml test/fixtures/events/rds-sns/
  vaultpilot actions plan --json events.ndjson | jq -r 'select(.action != "none") | .exportTaskIdentifier'
`,
    )
    .action(async (inputs: string[], options: PlanOptions) => {
      const config = await loadConfigForCommand(ctx, options.config);
      await plan(inputs, options, config, ctx);
    });
}

async function plan(
  inputs: readonly string[],
  options: PlanOptions,
  config: VaultpilotConfig,
  ctx: CliContext,
): Promise<void> {
  const { texts, unreadable } = await readEventInputs(inputs, ctx, 'actions plan');
  let events = 0;
  let exports = 0;
  const out = ctx.stdout;
  for (const { name, text } of texts) {
    for (const chunk of splitJsonValues(text)) {
      const where = `${name}:${chunk.line}`;
      const signals = chunk.ok
        ? normalizeInput(chunk.value)
        : [unparsedSignal(chunk.excerpt, `${where}: ${chunk.error}`)];
      for (const signal of signals) {
        const planned = planRecoveryPoint(signal, config.actions);
        events++;
        if (planned.action !== 'none') exports++;
        out.write(
          options.json ? `${JSON.stringify(jsonLine(planned, signal, where))}\n` : textBlock(planned, signal, where),
        );
      }
    }
  }
  const summary =
    `${events} event${events === 1 ? '' : 's'}: ${exports} export${exports === 1 ? '' : 's'} planned, ` +
    `${events - exports} nothing to do` +
    (unreadable ? `, ${unreadable} input${unreadable === 1 ? '' : 's'} could not be read` : '') +
    (config.actions.enabled ? '' : ' (actions are off in this configuration)');
  (options.json ? ctx.stderr : ctx.stdout).write(`${summary}\n`);
  if (unreadable > 0) ctx.exitCode = EXIT.failed;
}

function jsonLine(p: RecoveryPointPlan, signal: Signal, input: string): Record<string, unknown> {
  return {
    input,
    action: p.action,
    reason: p.reason,
    recoveryPointArn: p.recoveryPointArn ?? signal.recoveryPointArn ?? null,
    exportTaskIdentifier: p.exportTaskIdentifier ?? null,
    s3Prefix: p.s3Prefix ?? null,
    deleteAfterExport: p.deleteAfterExport,
    trigger: p.trigger ?? null,
    workflow: p.workflow ?? null,
    resourceType: p.resourceType ?? signal.resource.type ?? null,
    resourceName: p.resourceName ?? null,
    dynamoDbExportFrom: p.dynamoDbExportFrom ?? null,
    ebsMaxChainDepth: p.ebsMaxChainDepth ?? null,
    vault: p.vault ?? signal.vault?.name ?? null,
    account: p.account ?? signal.account ?? null,
    region: p.region ?? signal.region ?? null,
    checkedWhenRun: p.checkedWhenRun,
    kind: signal.kind,
    eventType: signal.eventType,
  };
}

function exportFromText(p: RecoveryPointPlan): string {
  return p.dynamoDbExportFrom === 'source-pitr'
    ? "source-pitr (the source table's PITR at the backup's creation time; else the backup)"
    : 'backup (restored to a temporary table, exported from there)';
}

function chainText(p: RecoveryPointPlan): string {
  const depth = p.ebsMaxChainDepth;
  if (depth === 0) return 'full every time (maxChainDepth 0)';
  return (
    `incremental to the previous archive of the volume, or full after ${depth ?? '?'} incremental ` +
    'archives in a row (maxChainDepth): decided when the workflow runs'
  );
}

function textBlock(p: RecoveryPointPlan, signal: Signal, input: string): string {
  const lines = [`── ${p.action} · ${signal.kind} · ${signal.eventType} · ${input}`];
  if (p.action === 'none') {
    lines.push(`   nothing to do: ${p.reason}`);
  } else {
    lines.push(`   ${p.reason}`);
    lines.push(`   workflow:        ${p.workflow ?? '—'}`);
    lines.push(`   recovery point:  ${p.recoveryPointArn ?? '—'}`);
    if (p.resourceType === 'DynamoDB') {
      lines.push(`   table:           ${p.resourceName ?? '—'}`);
      lines.push(`   export from:     ${exportFromText(p)}`);
    }
    if (p.resourceType === 'EBS') {
      lines.push(`   volume:          ${p.resourceName ?? '—'}`);
      lines.push(`   archive:         ${chainText(p)}`);
    }
    lines.push(`   export task id:  ${p.exportTaskIdentifier ?? '—'}`);
    lines.push(`   S3 prefix:       ${p.s3Prefix ?? '—'}/${p.exportTaskIdentifier ?? ''}/`);
    lines.push(`   then delete:     ${p.deleteAfterExport ? 'yes, after the export is verified' : 'no'}`);
    for (const check of p.checkedWhenRun) lines.push(`   checked when the workflow runs: ${check}`);
  }
  return `${lines.join('\n')}\n\n`;
}
