import { type Command, Option } from 'commander';
import { splitJsonValues } from '../../core/input/splitJsonValues.js';
import { unparsedSignal } from '../../core/normalize/buildSignal.js';
import { normalizeInput } from '../../core/normalize/normalizeInput.js';
import { renderSignal } from '../../core/render/renderSignal.js';
import type { Signal } from '../../core/signal.js';
import { SEVERITIES } from '../../core/signal.js';
import { type CliContext, CliError } from '../CliContext.js';
import { readEventInputs } from '../readEventInputs.js';

const FORMATS = ['text', 'slack', 'teams', 'json'] as const;
type Format = (typeof FORMATS)[number];

interface SimulateOptions {
  readonly format: Format;
  readonly summary: boolean;
  readonly severity?: string;
}

/** `vaultpilot simulate`: shows what Vaultpilot makes of events, without AWS. */
export function registerSimulate(program: Command, ctx: CliContext): void {
  program
    .command('simulate')
    .description('Read AWS Backup events and print the signal and the notification Vaultpilot makes of each.')
    .argument(
      '[inputs...]',
      'event files or folders (a JSON object, a JSON array, NDJSON, or JSON objects back to back); "-" reads standard input; default: piped standard input, else the bundled samples',
    )
    .addOption(new Option('-f, --format <format>', 'how to print each notification').choices(FORMATS).default('text'))
    .option('--severity <levels>', 'only print signals of these severities, comma-separated (critical,warning,info)')
    .option('--no-summary', 'do not print the summary')
    .addHelpText(
      'after',
      `
Inputs can be EventBridge events (aws.backup, CloudTrail API calls, RDS snapshot events, CloudWatch alarm
state changes), AWS Backup vault notifications and RDS events as delivered by SNS, and any of these
wrapped as they reach a Lambda (SNS envelope, SQS records, arrays).

Formats:
  text   the subject and plain-text body of the email notification (default)
  slack  the Slack Block Kit message, one JSON document per signal
  teams  the Microsoft Teams Adaptive Card message, one JSON document per signal
  json   one JSON object per line: kind, outcome, severity, account, region, resource {arn, type, name},
         vault, ids, times, links, subject, text (the plain-text body), input (file:line) …

The summary counts signals by kind, severity and account; it goes to standard output with --format text
and to standard error otherwise, so standard output stays machine-readable.
Events that cannot be understood are reported as "unparsed" signals, never fatal. The exit code is 1
only when an input cannot be read (a missing file, say).

Examples:
  vaultpilot simulate                              # the bundled sample events
  vaultpilot simulate events/ failed-job.json      # files and folders
  aws events list-archives … | vaultpilot simulate -
  vaultpilot simulate --format json | jq -r 'select(.severity=="critical") | .subject'
`,
    )
    .action(async (inputs: string[], options: SimulateOptions) => {
      await simulate(inputs, options, ctx);
    });
}

async function simulate(inputs: readonly string[], options: SimulateOptions, ctx: CliContext): Promise<void> {
  const severities = parseSeverities(options.severity);
  const { texts, unreadable } = await readEventInputs(inputs, ctx, 'simulate');

  const signals: Signal[] = [];
  const policyVersions = new Map<string, string>();
  const out = ctx.stdout;
  for (const { name, text } of texts) {
    for (const chunk of splitJsonValues(text)) {
      const where = `${name}:${chunk.line}`;
      const produced = chunk.ok
        ? normalizeInput(chunk.value)
        : [unparsedSignal(chunk.excerpt, `${where}: ${chunk.error}`)];
      for (const signal of produced) {
        signals.push(signal);
        const previousPolicyContent = rememberPolicy(signal, policyVersions);
        if (severities && !severities.has(signal.severity)) continue;
        const rendering = renderSignal(signal, { previousPolicyContent });
        switch (options.format) {
          case 'text':
            out.write(`── ${signal.severity.toUpperCase()} · ${signal.kind} · ${signal.outcome} · ${where}\n`);
            out.write(`${rendering.subject}\n\n${rendering.text.trimEnd()}\n\n`);
            break;
          case 'slack':
            out.write(`${JSON.stringify(rendering.slack, null, 2)}\n`);
            break;
          case 'teams':
            out.write(`${JSON.stringify(rendering.teams, null, 2)}\n`);
            break;
          case 'json':
            out.write(`${JSON.stringify(jsonLine(signal, rendering.subject, rendering.text, where))}\n`);
            break;
        }
      }
    }
  }

  if (options.summary) {
    const summaryStream = options.format === 'text' ? ctx.stdout : ctx.stderr;
    summaryStream.write(summarize(signals, texts.length, unreadable));
  }
  if (unreadable > 0) ctx.exitCode = 1;
}

/** Remembers each policy's content by id and returns the version seen before this signal, for the diff. */
function rememberPolicy(signal: Signal, versions: Map<string, string>): string | undefined {
  const id = signal.policy?.id;
  if (signal.kind !== 'policy-change' || !id) return undefined;
  const previous = versions.get(id);
  if (signal.policy?.content !== undefined) versions.set(id, signal.policy.content);
  return previous;
}

function parseSeverities(value: string | undefined): Set<string> | undefined {
  if (value === undefined) return undefined;
  const levels = value
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const unknown = levels.filter((l) => !(SEVERITIES as readonly string[]).includes(l));
  if (unknown.length > 0 || levels.length === 0) {
    throw new CliError(`--severity takes ${SEVERITIES.join(', ')}; got "${value}"`, 2);
  }
  return new Set(levels);
}

function jsonLine(signal: Signal, subject: string, text: string, input: string): Record<string, unknown> {
  const { raw: _raw, ...fields } = signal;
  return { ...fields, subject, text, input };
}

function summarize(signals: readonly Signal[], inputs: number, unreadable: number): string {
  const count = (key: (s: Signal) => string | undefined) => {
    const counts = new Map<string, number>();
    for (const s of signals) {
      const k = key(s) ?? 'unknown';
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    return [...counts.entries()]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([k, n]) => `${k} ${n}`)
      .join(' · ');
  };
  const unparsed = signals.filter((s) => s.kind === 'unparsed').length;
  const lines = [
    `Summary: ${signals.length} signal${signals.length === 1 ? '' : 's'} from ${inputs} input${inputs === 1 ? '' : 's'}` +
      (unparsed ? `, ${unparsed} unparsed` : '') +
      (unreadable ? `, ${unreadable} input${unreadable === 1 ? '' : 's'} could not be read` : ''),
    `  by severity: ${count((s) => s.severity) || '—'}`,
    `  by kind:     ${count((s) => s.kind) || '—'}`,
    `  by account:  ${count((s) => s.account) || '—'}`,
  ];
  return `${lines.join('\n')}\n`;
}
