/**
 * What every notification format says about a signal, decided once: the headline, the facts in reading
 * order, the links, the policy diff. The per-format renderers only lay this out within their limits,
 * so email, Slack, Teams and webhooks never disagree about what happened.
 */
import { diffPolicyDocuments, type PolicyDiff } from '../policy/diffPolicyDocuments.js';
import type { ConsoleLink, Outcome, Severity, Signal, SignalKind } from '../signal.js';
import { elapsedBetween, formatDuration } from './formatDuration.js';
import { toPrintableText, toSingleLine, truncateMiddle, truncateText } from './truncateText.js';

/** Options that add what the signal alone cannot know. */
export interface RenderOptions {
  /** The policy document as it was before this change (from the ledger), to show a diff. */
  readonly previousPolicyContent?: string;
}

/** One labelled fact, e.g. `Account: 111122223333`. */
export interface Fact {
  readonly label: string;
  readonly value: string;
  /** Short facts fit side by side (Slack fields); long ones (ARNs) get a line of their own. */
  readonly short: boolean;
}

/** The headline in three parts, so a subject can be cut without losing what happened or to what. */
export interface Headline {
  /** What happened, never cut: `Backup FAILED:`, `TAMPER: DeleteRecoveryPoint on`. */
  readonly lead: string;
  /** To what, cut if it must be: `prod-db (RDS)`. */
  readonly target: string;
  /** Where and by whom, dropped from the end when there is no room: ` in 111122223333 / eu-west-1`. */
  readonly tails: readonly string[];
}

/** The format-independent content of a notification. */
export interface SignalDescription {
  readonly severity: Severity;
  /** `CRITICAL`, `WARNING`, `INFO`. */
  readonly severityWord: string;
  readonly headline: Headline;
  /** The headline as one line, uncut. */
  readonly title: string;
  /** What to read first: the AWS status message, or a sentence saying what happened. */
  readonly summary: string;
  readonly facts: readonly Fact[];
  readonly links: readonly ConsoleLink[];
  readonly policyDiff?: PolicyDiff;
  /** For unparsed input only: a short, cut, single-line excerpt of the input. */
  readonly inputExcerpt?: string;
  /** `Vaultpilot · Backup Job State Change via eventbridge · signal <id>`. */
  readonly footer: string;
}

/** Longest input excerpt shown for an unparsed signal: enough to recognize the input, never the whole of it. */
export const INPUT_EXCERPT_LENGTH = 160;

const KIND_LABELS: Readonly<Record<SignalKind, string>> = {
  'backup-job': 'Backup',
  'copy-job': 'Copy job',
  'restore-job': 'Restore job',
  'recovery-point': 'Recovery point',
  vault: 'Backup vault',
  plan: 'Backup plan',
  'region-setting': 'Backup region settings',
  'policy-change': 'Backup policy',
  tamper: 'TAMPER',
  index: 'Recovery point index',
  scan: 'Malware scan',
  'rds-snapshot': 'RDS snapshot',
  alarm: 'Alarm',
  action: 'Backup action',
  unparsed: 'Unparsed event',
};

const OUTCOME_WORDS: Readonly<Record<Outcome, string>> = {
  succeeded: 'COMPLETED',
  'completed-with-issues': 'COMPLETED WITH ISSUES',
  failed: 'FAILED',
  expired: 'EXPIRED',
  aborted: 'ABORTED',
  partial: 'PARTIAL',
  canceled: 'CANCELED',
  'threats-found': 'THREATS FOUND',
  created: 'CREATED',
  changed: 'CHANGED',
  deleted: 'DELETED',
  pending: 'PENDING',
  running: 'RUNNING',
  started: 'STARTED',
  stopped: 'STOPPED',
  'in-alarm': 'ALARM',
  ok: 'OK',
  'insufficient-data': 'INSUFFICIENT_DATA',
  unknown: 'UNKNOWN',
};

/** Organizations API calls → what they did to the policy. */
const POLICY_VERBS: Readonly<Record<string, string>> = {
  CreatePolicy: 'CREATED',
  UpdatePolicy: 'UPDATED',
  DeletePolicy: 'DELETED',
  AttachPolicy: 'ATTACHED',
  DetachPolicy: 'DETACHED',
  EnablePolicyType: 'ENABLED',
  DisablePolicyType: 'DISABLED',
};

/** Organizations API calls → what the caller tried to do, for refused calls. */
const POLICY_ATTEMPTS: Readonly<Record<string, string>> = {
  CreatePolicy: 'CREATE',
  UpdatePolicy: 'UPDATE',
  DeletePolicy: 'DELETE',
  AttachPolicy: 'ATTACH',
  DetachPolicy: 'DETACH',
  EnablePolicyType: 'ENABLE',
  DisablePolicyType: 'DISABLE',
};

/**
 * The error code of a refused API call (`Result: refused: <code> — …`), or undefined when the call went
 * through. A refused call changed nothing: its notification must not say it did.
 */
function refusalOf(signal: Signal): string | undefined {
  if (signal.outcome !== 'failed' || (signal.kind !== 'tamper' && signal.kind !== 'policy-change')) return undefined;
  const result = signal.details.Result;
  if (!result?.startsWith('refused')) return undefined;
  return toSingleLine(/^refused:\s*([^\s—]+)/.exec(result)?.[1] ?? 'refused');
}

const JOB_ID_LABELS: Partial<Record<SignalKind, string>> = {
  'backup-job': 'Backup job ID',
  'copy-job': 'Copy job ID',
  'restore-job': 'Restore job ID',
  scan: 'Scan job ID',
  'rds-snapshot': 'RDS event',
  action: 'Export task',
};

// A fact value longer than this is cut: facts are for reading, the console link has the rest.
const MAX_FACT_VALUE = 600;
const MAX_SUMMARY = 2_000;
const MAX_FACT_LABEL = 60;
const MAX_FOOTER = 400;
const MAX_LINK_LABEL = 100;
// Facts beyond this are noise in a notification; the webhook payload carries them all.
const MAX_DETAILS = 40;
/** Facts left out when an earlier fact already shows the same value. */
const REDUNDANT_LABELS = new Set(['Recovery point ARN', 'Policy ARN', 'Policy', 'Vault ARN']);

/** Decides what a notification about `signal` says, independent of the channel. */
export function describeSignal(signal: Signal, options: RenderOptions = {}): SignalDescription {
  const severityWord = signal.severity.toUpperCase();
  const headline = headlineOf(signal);
  const policyDiff =
    signal.kind === 'policy-change' || signal.policy?.content !== undefined
      ? diffPolicyDocuments(options.previousPolicyContent, signal.policy?.content, {
          ...(signal.policy?.type ? { policyType: signal.policy.type } : {}),
        })
      : undefined;
  return {
    severity: signal.severity,
    severityWord,
    headline,
    // Some headlines (region settings) have no target: no double space then.
    title: `${headline.lead}${headline.target ? ` ${headline.target}` : ''}${headline.tails.join('')}`,
    summary: toPrintableText(summaryOf(signal, headline)).trim(),
    facts: factsOf(signal, severityWord),
    // Console links are percent-encoded ASCII; anything else did not come from our link builders.
    links: signal.links
      .filter((l) => /^https:\/\/[\x21-\x7e]+$/.test(l.url) && toSingleLine(l.label) !== '')
      .map((l) => ({ label: truncateText(toSingleLine(l.label), MAX_LINK_LABEL), url: l.url })),
    ...(policyDiff ? { policyDiff } : {}),
    ...(signal.kind === 'unparsed' ? { inputExcerpt: excerptOf(signal.raw) } : {}),
    footer: truncateText(
      `Vaultpilot · ${toSingleLine(signal.eventType) || 'event'} via ${toSingleLine(signal.source)} · signal ${toSingleLine(signal.id)}`,
      MAX_FOOTER,
    ),
  };
}

/** A friendly name for the resource: its name, else the last part of its ARN, else what else we know. */
export function resourceName(signal: Signal): string | undefined {
  const { name, arn } = signal.resource;
  if (name && name.trim() !== '') return toSingleLine(name);
  if (arn) {
    const tail = arn.split(/[:/]/).filter((p) => p !== '');
    const last = tail.at(-1);
    if (last) return toSingleLine(last);
  }
  return undefined;
}

function lastArnPart(arn: string | undefined): string | undefined {
  const last = arn
    ?.split(/[:/]/)
    .filter((p) => p !== '')
    .at(-1);
  return last ? toSingleLine(last) : undefined;
}

/** Shortens a principal ARN to what people recognize: `admin/mendiof` for an assumed role session. */
export function actorName(actor: string): string {
  const single = toSingleLine(actor);
  const assumed = /:assumed-role\/(.+)$/.exec(single);
  if (assumed?.[1]) return assumed[1];
  const user = /:user\/(.+)$/.exec(single);
  if (user?.[1]) return user[1];
  if (/^arn:[^:]+:iam::\d+:root$/.test(single)) return 'root';
  const service = /^([a-z0-9.-]+)\.amazonaws\.com$/.exec(single);
  if (service?.[1]) return `AWS service ${service[1]}`;
  return single;
}

function located(signal: Signal): string[] {
  const where = [signal.account, signal.region].filter((v): v is string => Boolean(v)).map(toSingleLine);
  return where.length > 0 ? [` in ${where.join(' / ')}`] : [];
}

function byActor(signal: Signal): string[] {
  return signal.actor ? [` by ${actorName(signal.actor)}`] : [];
}

function outcomeWord(signal: Signal): string {
  if (signal.outcome === 'unknown' && signal.state) return toSingleLine(signal.state).toUpperCase();
  return OUTCOME_WORDS[signal.outcome];
}

function withType(name: string, type: string | undefined): string {
  return type ? `${name} (${toSingleLine(type)})` : name;
}

function headlineOf(signal: Signal): Headline {
  const kindLabel = KIND_LABELS[signal.kind];
  const outcome = outcomeWord(signal);
  const name = resourceName(signal);
  switch (signal.kind) {
    case 'unparsed':
      return {
        lead: `${kindLabel}:`,
        target: toSingleLine(signal.reason ?? '') || 'input not recognized',
        tails: located(signal),
      };
    case 'policy-change': {
      const policy = signal.policy ?? {};
      const operation = policy.operation ?? signal.eventType;
      const refused = refusalOf(signal);
      const verb =
        refused && POLICY_ATTEMPTS[operation]
          ? `${POLICY_ATTEMPTS[operation]} REFUSED`
          : (POLICY_VERBS[operation] ?? outcome);
      const noun = policy.type && policy.type !== 'BACKUP_POLICY' ? 'Organizations policy' : kindLabel;
      if (operation === 'EffectivePolicyValidation') {
        // Not a call: Organizations found the effective policy of an account invalid (or valid again).
        const state =
          signal.outcome === 'failed' ? 'INVALID' : signal.outcome === 'succeeded' ? 'VALID again' : outcome;
        const account = policy.targetId ? `account ${toSingleLine(policy.targetId)}` : 'an account';
        const culprit = policy.id ? [` (policy ${toSingleLine(policy.id)})`] : [];
        return { lead: `${noun} ${state}:`, target: account, tails: culprit };
      }
      if (operation === 'EnablePolicyType' || operation === 'DisablePolicyType') {
        const root = policy.targetId ? ` in ${toSingleLine(policy.targetId)}` : '';
        return { lead: `${noun} type ${verb}`, target: root.trim() || 'for the organization', tails: byActor(signal) };
      }
      const policyName = policy.name ? toSingleLine(policy.name) : undefined;
      const policyId = policy.id ? toSingleLine(policy.id) : undefined;
      const label =
        policyName && policyId ? `${policyName} (${policyId})` : (policyName ?? policyId ?? 'unknown policy');
      const toward =
        policy.targetId && (operation === 'AttachPolicy' || operation === 'DetachPolicy')
          ? [` ${operation === 'AttachPolicy' ? 'to' : 'from'} ${toSingleLine(policy.targetId)}`]
          : [];
      return { lead: `${noun} ${verb}:`, target: label, tails: [...toward, ...byActor(signal)] };
    }
    case 'tamper': {
      const what = name ?? (signal.vault?.name ? `vault ${toSingleLine(signal.vault.name)}` : undefined);
      return {
        lead: `${kindLabel}${refusalOf(signal) ? ' REFUSED' : ''}: ${toSingleLine(signal.eventType) || 'change'}${what ? ' on' : ''}`,
        target: what ?? '',
        // Who did it matters more than where for tampering: it is kept first when the subject is cut.
        tails: [...byActor(signal), ...located(signal)],
      };
    }
    case 'alarm':
      return {
        lead: `${kindLabel} ${signal.state ? toSingleLine(signal.state).toUpperCase() : outcome}:`,
        target: name ?? (toSingleLine(signal.eventType) || 'unnamed alarm'),
        tails: located(signal),
      };
    case 'vault':
      return {
        lead: `${kindLabel} ${outcome}:`,
        target: signal.vault?.name ? toSingleLine(signal.vault.name) : (name ?? 'unknown vault'),
        tails: [...located(signal), ...byActor(signal)],
      };
    case 'region-setting':
      return { lead: `${kindLabel} ${outcome}`, target: '', tails: located(signal) };
    case 'action':
      return actionHeadline(signal, name);
    case 'plan': {
      // Plan events carry only the plan id/ARN; the normalizer puts it in the details.
      const plan = name ?? lastArnPart(signal.details['Backup plan'] ?? signal.details['Backup plan ID']);
      return { lead: `${kindLabel} ${outcome}:`, target: plan ?? 'unnamed plan', tails: located(signal) };
    }
    default: {
      // Without a resource, the recovery point (restores; the source one for a copy job's CREATED event,
      // which names nothing else) or the job id still identifies what this is about.
      const fallback =
        lastArnPart(signal.recoveryPointArn) ??
        lastArnPart(signal.details['Source recovery point']) ??
        (signal.jobId ? toSingleLine(signal.jobId) : undefined);
      return {
        lead: `${kindLabel} ${outcome}:`,
        target: withType(name ?? fallback ?? 'unknown resource', signal.resource.type),
        tails: located(signal),
      };
    }
  }
}

/** The export format an action signal's workflow names (`rds-export-parquet (to Parquet)` → `Parquet`). */
function actionFormat(signal: Signal): string | undefined {
  const format = /\(to ([^)]+)\)$/.exec(signal.details.Workflow ?? '')?.[1];
  return format ? toSingleLine(format) : undefined;
}

/** `12 of 14 tables complete` → [12, 14]. */
function actionTables(signal: Signal): { readonly complete: number; readonly total: number } | undefined {
  const match = /^(\d+) of (\d+) tables? complete$/.exec(signal.details.Tables ?? '');
  return match ? { complete: Number(match[1]), total: Number(match[2]) } : undefined;
}

/** What became of the recovery point, in a few words for a subject. */
function deletionPhrase(deletion: string | undefined): string | undefined {
  if (!deletion) return undefined;
  if (deletion === 'deleted') return 'recovery point deleted';
  if (deletion.startsWith('kept')) return 'recovery point kept';
  if (deletion.startsWith('refused')) return 'deletion REFUSED';
  if (deletion.startsWith('not deleted')) return 'recovery point NOT deleted';
  if (deletion.startsWith('requested')) return 'deletion requested';
  return undefined;
}

/** The number of things an export failure left behind (`Cleanup: …, 2 things LEFT BEHIND`), or 0. */
function leftBehindCount(signal: Signal): number {
  const count = /(\d+) things? LEFT BEHIND/.exec(signal.details.Cleanup ?? '')?.[1];
  return count ? Number(count) : signal.details['Left behind'] ? 1 : 0;
}

// A reason longer than this stays out of the subject (the summary has it).
const MAX_SUBJECT_REASON = 48;
// State names are short (`Start export`); a longer one is cut so the lead keeps its colon.
const MAX_STEP_IN_LEAD = 32;

/**
 * Action headlines say what became of the export first, and in a success what it holds:
 * `Exported to Parquet: prod-db (RDS), 12 tables, 1.2 GiB, recovery point deleted`,
 * `Export FAILED at Start export: prod-db (RDS) in 111122223333 / eu-west-1`.
 */
function actionHeadline(signal: Signal, name: string | undefined): Headline {
  const target = withType(
    name ?? lastArnPart(signal.recoveryPointArn) ?? (signal.jobId ? toSingleLine(signal.jobId) : 'unknown resource'),
    signal.resource.type,
  );
  const format = actionFormat(signal);
  const tables = actionTables(signal);
  const facts = (...parts: (string | undefined)[]) => {
    const shown = parts.filter((p): p is string => Boolean(p));
    return shown.length > 0 ? [`, ${shown.join(', ')}`] : [];
  };
  switch (signal.outcome) {
    case 'succeeded':
      return {
        lead: `Exported${format ? ` to ${format}` : ''}:`,
        target,
        tails: [
          ...facts(
            tables ? `${tables.total} ${tables.total === 1 ? 'table' : 'tables'}` : undefined,
            signal.details.Size?.replace(/ \(.*\)$/, ''),
            deletionPhrase(signal.details.Deletion),
          ),
          ...located(signal),
        ],
      };
    case 'partial':
      return {
        lead: 'Export PARTIAL:',
        target,
        tails: [
          ...facts(tables ? `${tables.total - tables.complete} of ${tables.total} tables not exported` : undefined),
          ...located(signal),
        ],
      };
    case 'stopped': {
      // `engine sqlserver-se: RDS cannot export …`: the subject takes the reason's first part.
      const reason = signal.statusMessage ? toSingleLine(signal.statusMessage).split(': ')[0] : undefined;
      return {
        lead: 'Not exportable:',
        target,
        tails: [...facts(reason && reason.length <= MAX_SUBJECT_REASON ? reason : undefined), ...located(signal)],
      };
    }
    case 'failed': {
      const step = signal.details['Failed step'];
      const left = leftBehindCount(signal);
      return {
        lead: `Export FAILED${step ? ` at ${truncateText(toSingleLine(step), MAX_STEP_IN_LEAD)}` : ''}:`,
        target,
        tails: [
          ...facts(left > 0 ? `${left} ${left === 1 ? 'thing' : 'things'} LEFT BEHIND` : undefined),
          ...located(signal),
        ],
      };
    }
    default:
      return { lead: `Export ${outcomeWord(signal)}:`, target, tails: located(signal) };
  }
}

/** A sentence ends with one period. */
function sentence(text: string): string {
  const single = toSingleLine(text);
  return /[.!?]$/.test(single) ? single : `${single}.`;
}

/** What became of the recovery point, as a sentence. */
function deletionSentence(deletion: string | undefined): string | undefined {
  if (!deletion) return undefined;
  if (deletion === 'deleted') return 'The recovery point was deleted after the export was verified.';
  if (deletion.startsWith('kept')) return sentence(`The recovery point was ${deletion}`);
  if (deletion.startsWith('refused')) return sentence(`Deleting the recovery point was ${deletion}`);
  if (deletion.startsWith('not deleted')) return sentence(`The recovery point was ${deletion}`);
  if (deletion.startsWith('requested')) return sentence(`Deletion of the recovery point was ${deletion}`);
  return sentence(`Recovery point: ${deletion}`);
}

/**
 * The summary of an action: what became of the export, where it is, what became of the recovery point,
 * and, first thing after a failure, what the cleanup left behind for someone to remove.
 */
function actionSummary(signal: Signal, headline: Headline): string {
  const d = signal.details;
  const where = whereSentence(signal);
  const format = actionFormat(signal);
  const to = format ? ` to ${format}` : '';
  const what = `${headline.target}${to}`;
  const status = signal.statusMessage ? toSingleLine(signal.statusMessage) : undefined;
  const contents = [d.Tables, d.Size?.replace(/ \(.*\)$/, '')].filter(Boolean).join(', ');
  const archive = d.Archive ? ` in ${toSingleLine(d.Archive)}` : '';
  const parts: (string | undefined)[] = [];
  switch (signal.outcome) {
    case 'succeeded':
      parts.push(sentence(`${headline.target} was exported${to}${where}${contents ? `: ${contents}` : ''}${archive}`));
      break;
    case 'partial':
      parts.push(
        sentence(
          `The export of ${what} completed only partially${where}${contents ? `: ${contents}` : ''}${archive}; the missing tables are not in the archive`,
        ),
      );
      break;
    case 'stopped':
      parts.push(
        sentence(`${headline.target} cannot be exported${to}${where}${status ? `: ${status}` : ''}`),
        'Its data will not reach the archive.',
      );
      break;
    case 'failed':
      parts.push(sentence(`The export of ${what} failed${where}${status ? `: ${status}` : ''}`));
      if (d['Left behind']) {
        parts.push(sentence(`LEFT BEHIND by the cleanup, to remove by hand: ${d['Left behind']}`));
      }
      if (d.Cleanup) parts.push(sentence(`Cleanup: ${d.Cleanup}`));
      break;
    default:
      parts.push(
        sentence(`The export of ${what} ${OUTCOME_PHRASES[signal.outcome]}${where}${status ? `: ${status}` : ''}`),
      );
  }
  parts.push(deletionSentence(d.Deletion));
  const warnings =
    Object.keys(d).filter((label) => /^Warning( \d+)?$/.test(label)).length +
    Number(/^(\d+) more/.exec(d['More warnings'] ?? '')?.[1] ?? 0);
  if (warnings > 0 && signal.outcome !== 'failed') {
    parts.push(`${warnings === 1 ? '1 warning' : `${warnings} warnings`} below.`);
  }
  return parts.filter(Boolean).join(' ');
}

const OUTCOME_PHRASES: Readonly<Record<Outcome, string>> = {
  succeeded: 'completed',
  'completed-with-issues': 'completed with issues',
  failed: 'failed',
  expired: 'expired',
  aborted: 'was aborted',
  partial: 'completed only partially',
  canceled: 'was canceled',
  'threats-found': 'found threats',
  created: 'was created',
  changed: 'was changed',
  deleted: 'was deleted',
  pending: 'is pending',
  running: 'is running',
  started: 'started',
  stopped: 'stopped',
  'in-alarm': 'went into ALARM',
  ok: 'is back to OK',
  'insufficient-data': 'has insufficient data',
  unknown: 'reported an unknown state',
};

const SUBJECT_PHRASES: Partial<Record<SignalKind, string>> = {
  'backup-job': 'The backup job for',
  'copy-job': 'The copy job for',
  'restore-job': 'The restore job for',
  'recovery-point': 'The recovery point of',
  index: 'The search index of the recovery point of',
  scan: 'The malware scan of',
  'rds-snapshot': 'The RDS snapshot of',
  vault: 'The backup vault',
  plan: 'The backup plan',
  alarm: 'The alarm',
};

/** Summary subjects for recovery point and index signals that name no resource, only the recovery point. */
const RECOVERY_POINT_TARGET_PHRASES: Partial<Record<SignalKind, string>> = {
  'recovery-point': 'The recovery point',
  index: 'The search index of the recovery point',
};

function whereSentence(signal: Signal): string {
  const account = signal.account ? `account ${toSingleLine(signal.account)}` : undefined;
  const region = signal.region ? toSingleLine(signal.region) : undefined;
  if (account && region) return ` in ${account}, ${region}`;
  if (account || region) return ` in ${account ?? region}`;
  return '';
}

/** A sentence saying what happened, for signals that carry no AWS status message. */
function summaryOf(signal: Signal, headline: Headline): string {
  if (signal.kind === 'action') return truncateText(actionSummary(signal, headline), MAX_SUMMARY);
  if (signal.statusMessage && signal.statusMessage.trim() !== '') {
    return truncateText(signal.statusMessage.trim(), MAX_SUMMARY);
  }
  const who = signal.actor ? actorName(signal.actor) : 'Someone';
  const where = whereSentence(signal);
  switch (signal.kind) {
    case 'unparsed':
      return truncateText(
        `Vaultpilot received an input it could not understand: ${toSingleLine(signal.reason ?? 'no reason given')}. It was kept for review.`,
        MAX_SUMMARY,
      );
    case 'policy-change': {
      const refused = refusalOf(signal);
      const attempt = POLICY_ATTEMPTS[signal.policy?.operation ?? signal.eventType];
      if (refused && attempt) {
        const noun = headline.lead.includes('Organizations') ? 'the Organizations policy' : 'the backup policy';
        const what = headline.lead.includes(' type ')
          ? `${noun} type ${headline.target}`
          : `${noun} ${headline.target}${headline.tails[0]?.startsWith(' by ') ? '' : (headline.tails[0] ?? '')}`;
        return truncateText(
          `${who} tried to ${attempt.toLowerCase()} ${what}; the call was refused (${refused}), nothing changed.`,
          MAX_SUMMARY,
        );
      }
      const verb = headline.lead.replace(/:$/, '').split(' ').at(-1)?.toLowerCase() ?? 'changed';
      const noun = headline.lead.includes('Organizations') ? 'the Organizations policy' : 'the backup policy';
      if (headline.lead.includes(' type ')) {
        return truncateText(`${who} ${verb} the backup policy type ${headline.target}.`, MAX_SUMMARY);
      }
      return truncateText(
        `${who} ${verb} ${noun} ${headline.target}${headline.tails[0]?.startsWith(' by ') ? '' : (headline.tails[0] ?? '')}.`,
        MAX_SUMMARY,
      );
    }
    case 'tamper': {
      const refused = refusalOf(signal);
      if (refused) {
        return truncateText(
          `${who} tried to call ${toSingleLine(signal.eventType)}${headline.target ? ` on ${headline.target}` : ''}${where}; the call was refused (${refused}). Someone tried to weaken or destroy backups: check who and why.`,
          MAX_SUMMARY,
        );
      }
      return truncateText(
        `${who} called ${toSingleLine(signal.eventType)}${headline.target ? ` on ${headline.target}` : ''}${where}. This call can weaken or destroy backups: check that it was intended.`,
        MAX_SUMMARY,
      );
    }
    case 'region-setting':
      return `AWS Backup region settings ${OUTCOME_PHRASES[signal.outcome].replace(/^was /, '')}${where}.`;
    default: {
      // Without a resource the target is the recovery point itself: "the recovery point of <it>" is wrong.
      const subject =
        (!signal.resource.name && RECOVERY_POINT_TARGET_PHRASES[signal.kind]) ||
        (SUBJECT_PHRASES[signal.kind] ?? KIND_LABELS[signal.kind]);
      const phrase =
        signal.outcome === 'unknown' && signal.state
          ? `reported state ${toSingleLine(signal.state)}`
          : OUTCOME_PHRASES[signal.outcome];
      return truncateText(`${subject} ${headline.target} ${phrase}${where}.`, MAX_SUMMARY);
    }
  }
}

function fact(label: string, value: string | undefined, short = true): Fact[] {
  if (value === undefined) return [];
  const single = toSingleLine(value);
  if (single === '') return [];
  return [
    {
      label: truncateText(toSingleLine(label), MAX_FACT_LABEL),
      value: single.length > MAX_FACT_VALUE ? truncateMiddle(single, MAX_FACT_VALUE) : single,
      short,
    },
  ];
}

function timeFact(label: string, iso: string | undefined, since?: string): Fact[] {
  if (!iso) return [];
  const elapsed = elapsedBetween(since, iso);
  return fact(label, elapsed === undefined ? iso : `${iso} (took ${formatDuration(elapsed)})`);
}

function factsOf(signal: Signal, severityWord: string): Fact[] {
  const { resource, vault, times, policy } = signal;
  const started = times.started ?? times.created;
  const facts: Fact[] = [
    ...fact('Severity', severityWord),
    ...fact('Status', signal.state),
    ...fact('Vault', vault?.name),
    ...fact('Resource', resourceName(signal)),
    ...fact('Resource type', resource.type),
    ...fact('Resource ARN', resource.arn, false),
    ...fact(JOB_ID_LABELS[signal.kind] ?? 'Job ID', signal.jobId),
    ...fact('Recovery point ARN', signal.recoveryPointArn, false),
    ...fact('Account', signal.account),
    ...fact('Region', signal.region),
    ...fact('Event time', times.event),
    ...fact('Created', times.created),
    ...(times.started && times.started !== times.created ? fact('Started', times.started) : []),
    ...timeFact('Completed', times.completed, started),
    ...fact('Start by', times.startBy),
    ...fact('Actor', signal.actor ? actorName(signal.actor) : undefined),
    ...fact('Principal', signal.actor && actorName(signal.actor) !== signal.actor ? signal.actor : undefined, false),
    ...fact('Policy', policy?.name),
    ...fact('Policy ID', policy?.id),
    ...fact('Policy type', policy?.type),
    ...fact('Policy target', policy?.targetId),
    ...fact('API call', policy?.operation ?? (signal.kind === 'tamper' ? signal.eventType : undefined)),
    ...fact('Policy ARN', policy?.arn, false),
    ...fact('Reason', signal.kind === 'unparsed' ? signal.reason : undefined, false),
    ...Object.entries(signal.details)
      .slice(0, MAX_DETAILS)
      .flatMap(([label, value]) => fact(toSingleLine(label), value)),
    ...(Object.keys(signal.details).length > MAX_DETAILS
      ? fact('More details', `${Object.keys(signal.details).length - MAX_DETAILS} not shown (see the webhook payload)`)
      : []),
    ...fact('Vault ARN', vault?.arn, false),
    ...fact('Shortened', shortenedText(signal), false),
  ];
  // A label may only appear once (details could repeat one of ours), and the same value under two
  // labels (a policy is also the resource; a recovery point ARN often is) is shown once, first label wins.
  const seenLabels = new Set<string>();
  const seenValues = new Set<string>();
  return facts.filter((f) => {
    const label = f.label.toLowerCase();
    const value = `${f.short}|${f.value}`;
    if (seenLabels.has(label) || (REDUNDANT_LABELS.has(f.label) && seenValues.has(value))) return false;
    seenLabels.add(label);
    seenValues.add(value);
    return true;
  });
}

/** Says which values were too long to show whole, e.g. `resource.arn (100,000 characters)`. */
function shortenedText(signal: Signal): string | undefined {
  const cuts = signal.shortened;
  if (!cuts || cuts.length === 0) return undefined;
  const shown = cuts.slice(0, 8).map((cut) => {
    const size = `${cut.length.toLocaleString('en-US')} ${cut.field === 'details' ? 'details' : 'characters'}`;
    if (cut.kept > 0) return `${cut.field} (${size})`;
    return cut.field.startsWith('links.')
      ? `console link "${cut.field.slice('links.'.length)}" left out (${size})`
      : `${cut.field} left out (${size})`;
  });
  const more = cuts.length > 8 ? `, and ${cuts.length - 8} more` : '';
  return `${shown.join(', ')}${more}: too long to show whole; the original input has them in full`;
}

/** A short single-line excerpt of the input: enough to recognize it, never a dump of it. */
function excerptOf(raw: unknown): string {
  let text: string;
  if (typeof raw === 'string') text = raw;
  else {
    try {
      text = JSON.stringify(raw) ?? String(raw);
    } catch {
      text = Object.prototype.toString.call(raw);
    }
  }
  return truncateText(toSingleLine(text), INPUT_EXCERPT_LENGTH);
}
