import type { PolicyDiff } from '../policy/diffPolicyDocuments.js';
import type { Outcome, Severity, Signal } from '../signal.js';
import { describeSignal, type Fact, type RenderOptions, type SignalDescription } from './describeSignal.js';
import { toSingleLine, truncateText } from './truncateText.js';

/** A Slack text object. `mrkdwn` text is escaped (&, <, >) by the renderer. */
export interface SlackText {
  readonly type: 'plain_text' | 'mrkdwn';
  readonly text: string;
  readonly emoji?: boolean;
}

export interface SlackButton {
  readonly type: 'button';
  readonly text: SlackText;
  readonly url: string;
  readonly action_id: string;
}

export type SlackBlock =
  | { readonly type: 'header'; readonly text: SlackText }
  | { readonly type: 'section'; readonly text: SlackText }
  | { readonly type: 'section'; readonly fields: readonly SlackText[] }
  | { readonly type: 'context'; readonly elements: readonly SlackText[] }
  | { readonly type: 'actions'; readonly elements: readonly SlackButton[] };

/** A Slack message for chat.postMessage or an incoming webhook: Block Kit blocks plus a `text` fallback. */
export interface SlackMessage {
  readonly text: string;
  readonly blocks: readonly SlackBlock[];
}

/** Block Kit limits we stay within (Slack rejects the whole message when one is exceeded). */
export const SLACK_LIMITS = {
  headerText: 150,
  sectionText: 3_000,
  fields: 10,
  fieldText: 2_000,
  blocks: 50,
  contextElements: 10,
  actionElements: 25,
  buttonText: 75,
  buttonUrl: 3_000,
  /** Slack advises keeping the notification fallback short; it is what phones and screen readers show. */
  fallbackText: 3_000,
} as const;

// Link buttons beyond this crowd the message; the rest stay reachable in the email and webhook.
const MAX_BUTTONS = 5;
const MAX_DIFF_LINES = 40;

/** The emoji that says how bad it is, ahead of the header. */
export function severityEmoji(severity: Severity, outcome: Outcome): string {
  if (severity === 'critical') return '🚨';
  if (severity === 'warning') return '⚠️';
  return outcome === 'succeeded' || outcome === 'ok' ? '✅' : 'ℹ️';
}

/** Escapes the three characters Slack mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escapes and cuts so the escaped text is within `max`; never cuts inside an entity. */
function mrkdwn(text: string, max: number): SlackText {
  let escaped = escapeMrkdwn(text);
  if (escaped.length > max) {
    escaped = truncateText(escaped, max);
    // A cut may have split `&amp;` into `&am…`: drop the partial entity.
    escaped = escaped.replace(/&[a-z]{0,3}…$/, '…');
  }
  return { type: 'mrkdwn', text: escaped };
}

/** The Slack Block Kit message: header with severity emoji, summary, fact fields, diff, link buttons, footer. */
export function renderSlack(
  signal: Signal,
  options?: RenderOptions,
  description: SignalDescription = describeSignal(signal, options),
): SlackMessage {
  const d = description;
  const emoji = severityEmoji(d.severity, signal.outcome);
  const blocks: SlackBlock[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: truncateText(`${emoji} ${d.title}`, SLACK_LIMITS.headerText), emoji: true },
    },
    { type: 'section', text: mrkdwn(d.summary, SLACK_LIMITS.sectionText) },
  ];

  // Only ten fields fit: times other than the completion go to the list below first.
  const chosen = new Set(
    d.facts
      .filter((f) => f.short)
      .map((f, index) => ({ f, rank: fieldRank(f.label), index }))
      .sort((a, b) => a.rank - b.rank || a.index - b.index)
      .slice(0, SLACK_LIMITS.fields)
      .map(({ f }) => f),
  );
  const short = d.facts.filter((f) => chosen.has(f));
  if (short.length > 0) {
    blocks.push({
      type: 'section',
      fields: short.map((f) => mrkdwn(`*${f.label}*\n${f.value}`, SLACK_LIMITS.fieldText)),
    });
  }
  // The diff is what a policy change is about: it comes before the long facts.
  if (d.policyDiff) blocks.push({ type: 'section', text: policyDiffMrkdwn(d.policyDiff) });

  const rest = d.facts.filter((f) => !short.includes(f));
  // Leave room for the diff, excerpt, actions and context blocks below.
  const reserved = 4;
  for (const chunk of chunkFacts(rest, SLACK_LIMITS.sectionText)) {
    if (blocks.length >= SLACK_LIMITS.blocks - reserved) break;
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: chunk } });
  }

  if (d.inputExcerpt !== undefined) {
    blocks.push({
      type: 'section',
      text: mrkdwn(
        `*Input excerpt* (truncated, for diagnosis only)\n\`${d.inputExcerpt.replace(/`/g, "'")}\``,
        SLACK_LIMITS.sectionText,
      ),
    });
  }

  const buttons = d.links
    .filter((l) => l.url.length <= SLACK_LIMITS.buttonUrl)
    .slice(0, MAX_BUTTONS)
    .map(
      (l, i): SlackButton => ({
        type: 'button',
        text: { type: 'plain_text', text: truncateText(toSingleLine(l.label), SLACK_LIMITS.buttonText), emoji: true },
        url: l.url,
        action_id: `vaultpilot-link-${i}`,
      }),
    );
  if (buttons.length > 0) blocks.push({ type: 'actions', elements: buttons });

  blocks.push({ type: 'context', elements: [mrkdwn(d.footer, SLACK_LIMITS.sectionText)] });

  return {
    text: mrkdwn(`${emoji} ${d.title}\n${d.summary}`, SLACK_LIMITS.fallbackText).text,
    blocks,
  };
}

const LESSER_TIMES = new Set(['Event time', 'Created', 'Started', 'Start by']);

function fieldRank(label: string): number {
  return LESSER_TIMES.has(label) ? 1 : 0;
}

/** Facts as `*Label:* value` lines, packed into mrkdwn texts of at most `max` characters. */
function chunkFacts(facts: readonly Fact[], max: number): string[] {
  const chunks: string[] = [];
  let current = '';
  for (const f of facts) {
    const line = `*${escapeMrkdwn(f.label)}:* ${mrkdwn(f.value, max - f.label.length - 10).text}`;
    if (current && current.length + 1 + line.length > max) {
      chunks.push(current);
      current = '';
    }
    current = current ? `${current}\n${line}` : line;
  }
  if (current) chunks.push(current);
  return chunks;
}

/** The policy diff as a code block; lines beyond what fits are counted, not silently dropped. */
function policyDiffMrkdwn(diff: PolicyDiff): SlackText {
  const marker = diff.mode === 'document' || diff.mode === 'text' ? () => '' : (op: string) => `${op} `;
  const head = `*Policy: ${escapeMrkdwn(diff.title)}*`;
  const notes = diff.notes.map((n) => `_${escapeMrkdwn(toSingleLine(n))}_`);
  // Triple backticks inside a line would end the code block early.
  const lines = diff.lines.map((l) => escapeMrkdwn(`${marker(l.op)}${l.text}`.replace(/```/g, "'''")));
  const budget = SLACK_LIMITS.sectionText - head.length - notes.join('\n').length - 40;
  const shown: string[] = [];
  let used = 0;
  for (const line of lines.slice(0, MAX_DIFF_LINES)) {
    if (used + line.length + 1 > budget) break;
    shown.push(line);
    used += line.length + 1;
  }
  const hidden = lines.length - shown.length;
  const parts = [head];
  if (shown.length > 0) parts.push(`\`\`\`${shown.join('\n')}\`\`\``);
  if (hidden > 0) parts.push(`_… ${hidden} more line${hidden === 1 ? '' : 's'} in the email and webhook_`);
  parts.push(...notes);
  return { type: 'mrkdwn', text: truncateText(parts.join('\n'), SLACK_LIMITS.sectionText) };
}
