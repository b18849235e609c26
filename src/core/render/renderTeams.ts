import type { PolicyDiff } from '../policy/diffPolicyDocuments.js';
import type { Outcome, Severity, Signal } from '../signal.js';
import { describeSignal, type RenderOptions, type SignalDescription } from './describeSignal.js';
import { toSingleLine, truncateText } from './truncateText.js';

export type AdaptiveColor = 'Default' | 'Accent' | 'Good' | 'Warning' | 'Attention';

export interface AdaptiveTextBlock {
  readonly type: 'TextBlock';
  readonly text: string;
  readonly wrap: boolean;
  readonly weight?: 'Bolder';
  readonly size?: 'Small' | 'Medium' | 'Large';
  readonly color?: AdaptiveColor;
  readonly fontType?: 'Monospace';
  readonly spacing?: 'None' | 'Small' | 'Medium';
  readonly isSubtle?: boolean;
}

export interface AdaptiveFactSet {
  readonly type: 'FactSet';
  readonly facts: readonly { readonly title: string; readonly value: string }[];
}

export interface AdaptiveContainer {
  readonly type: 'Container';
  readonly items: readonly AdaptiveTextBlock[];
  readonly spacing?: 'Medium';
}

export interface AdaptiveOpenUrl {
  readonly type: 'Action.OpenUrl';
  readonly title: string;
  readonly url: string;
}

export interface AdaptiveCard {
  readonly $schema: 'http://adaptivecards.io/schemas/adaptive-card.json';
  readonly type: 'AdaptiveCard';
  readonly version: '1.4';
  readonly body: readonly (AdaptiveTextBlock | AdaptiveFactSet | AdaptiveContainer)[];
  readonly actions: readonly AdaptiveOpenUrl[];
  readonly msteams: { readonly width: 'Full' };
}

/** The message a Teams incoming webhook or a Workflows "post card" flow accepts: one Adaptive Card. */
export interface TeamsMessage {
  readonly type: 'message';
  readonly attachments: readonly [
    {
      readonly contentType: 'application/vnd.microsoft.card.adaptive';
      readonly contentUrl: null;
      readonly content: AdaptiveCard;
    },
  ];
}

/** Wraps an Adaptive Card body and actions in the message envelope Teams accepts. */
export function teamsMessage(body: AdaptiveCard['body'], actions: AdaptiveCard['actions'] = []): TeamsMessage {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body,
          actions,
          msteams: { width: 'Full' },
        },
      },
    ],
  };
}

/** Teams refuses messages above about 28 KB; we keep a margin for the envelope Teams adds. */
export const TEAMS_MAX_BYTES = 25_000;
const MAX_ACTIONS = 5;

/** How each shrinking step limits the card; the first that fits under TEAMS_MAX_BYTES is used. */
const BUDGETS = [
  { diffLines: 30, facts: 60, factValue: 600, summary: 2_000 },
  { diffLines: 10, facts: 40, factValue: 300, summary: 1_000 },
  { diffLines: 0, facts: 25, factValue: 120, summary: 500 },
  { diffLines: 0, facts: 12, factValue: 60, summary: 200 },
] as const;
type Budget = (typeof BUDGETS)[number];

/** The title colour for a severity: red for critical, amber for warnings, green for good news. */
export function severityColor(severity: Severity, outcome: Outcome): AdaptiveColor {
  if (severity === 'critical') return 'Attention';
  if (severity === 'warning') return 'Warning';
  return outcome === 'succeeded' || outcome === 'ok' ? 'Good' : 'Accent';
}

const utf8 = new TextEncoder();

/**
 * Escapes the markdown Teams applies to card text that AWS names trip over: `_` and `*` (a vault called
 * `prod_daily_vault` would otherwise show `daily` in italics). Teams honours backslash escapes for these.
 */
export function escapeTeamsMarkdown(text: string): string {
  return text.replace(/[_*]/g, (c) => `\\${c}`);
}
const md = escapeTeamsMarkdown;

/** The Microsoft Teams message: an Adaptive Card 1.4 with a coloured title, facts, diff and links. */
export function renderTeams(
  signal: Signal,
  options?: RenderOptions,
  description: SignalDescription = describeSignal(signal, options),
): TeamsMessage {
  let message = buildMessage(signal, description, BUDGETS[0]);
  for (const budget of BUDGETS.slice(1)) {
    if (utf8.encode(JSON.stringify(message)).length <= TEAMS_MAX_BYTES) break;
    message = buildMessage(signal, description, budget);
  }
  return message;
}

function buildMessage(signal: Signal, d: SignalDescription, budget: Budget): TeamsMessage {
  const body: (AdaptiveTextBlock | AdaptiveFactSet | AdaptiveContainer)[] = [
    {
      type: 'TextBlock',
      text: md(truncateText(d.title, 300)),
      wrap: true,
      weight: 'Bolder',
      size: 'Medium',
      color: severityColor(d.severity, signal.outcome),
    },
    { type: 'TextBlock', text: md(truncateText(d.summary, budget.summary)), wrap: true },
    {
      type: 'FactSet',
      facts: d.facts
        .slice(0, budget.facts)
        .map((f) => ({ title: md(truncateText(f.label, 60)), value: md(truncateText(f.value, budget.factValue)) })),
    },
  ];
  const hiddenFacts = d.facts.length - budget.facts;
  if (hiddenFacts > 0) {
    body.push({
      type: 'TextBlock',
      text: `… ${hiddenFacts} more fact${hiddenFacts === 1 ? '' : 's'} in the email and webhook`,
      wrap: true,
      isSubtle: true,
    });
  }
  if (d.policyDiff) body.push(policyDiffContainer(d.policyDiff, budget.diffLines));
  if (d.inputExcerpt !== undefined) {
    body.push({
      type: 'TextBlock',
      text: 'Input excerpt (truncated, for diagnosis only)',
      wrap: true,
      weight: 'Bolder',
    });
    body.push({ type: 'TextBlock', text: md(d.inputExcerpt), wrap: true, fontType: 'Monospace', spacing: 'None' });
  }
  body.push({ type: 'TextBlock', text: md(d.footer), wrap: true, size: 'Small', isSubtle: true });
  return teamsMessage(
    body,
    d.links
      .slice(0, MAX_ACTIONS)
      .map((l) => ({ type: 'Action.OpenUrl', title: truncateText(toSingleLine(l.label), 60), url: l.url })),
  );
}

// `-`/`+` at the start of a line would turn into a bulleted list in Teams markdown; brackets do not.
const TEAMS_MARKERS: Readonly<Record<string, string>> = { '+': '[+] ', '-': '[-] ', '~': '[~] ', ' ': '' };

function policyDiffContainer(diff: PolicyDiff, maxLines: number): AdaptiveContainer {
  const shown = diff.lines.slice(0, maxLines);
  const hidden = diff.lines.length - shown.length;
  const items: AdaptiveTextBlock[] = [
    { type: 'TextBlock', text: md(`Policy: ${diff.title}`), wrap: true, weight: 'Bolder' },
    ...shown.map(
      (l): AdaptiveTextBlock => ({
        type: 'TextBlock',
        // Teams trims leading spaces; no-break spaces keep the indentation that shows a summary's structure.
        text: `${TEAMS_MARKERS[l.op] ?? ''}${md(l.text).replace(/^ +/, (spaces) => '\u00a0'.repeat(spaces.length))}`,
        wrap: true,
        fontType: 'Monospace',
        spacing: 'None',
      }),
    ),
  ];
  if (hidden > 0) {
    items.push({
      type: 'TextBlock',
      text: `… ${hidden} more line${hidden === 1 ? '' : 's'} in the email and webhook`,
      wrap: true,
      isSubtle: true,
    });
  }
  for (const note of diff.notes)
    items.push({ type: 'TextBlock', text: md(`Note: ${note}`), wrap: true, isSubtle: true });
  return { type: 'Container', items, spacing: 'Medium' };
}
