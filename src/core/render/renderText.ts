import type { PolicyDiff } from '../policy/diffPolicyDocuments.js';
import type { Signal } from '../signal.js';
import { describeSignal, INPUT_EXCERPT_LENGTH, type RenderOptions, type SignalDescription } from './describeSignal.js';
import { toPrintableText, truncateText } from './truncateText.js';

// Labels are padded to line up values; a label longer than this just gets one space.
const LABEL_COLUMN = 20;
/**
 * SNS messages are at most 256 KB of UTF-8; 60,000 UTF-16 units stay below that even when every
 * character takes three bytes, and no person reads further anyway.
 */
export const MAX_TEXT_LENGTH = 60_000;

/**
 * The plain-text body (email): the status message first, then the facts (vault, resource, ids,
 * account/region, times, actor), the policy diff, console links and a footer naming Vaultpilot.
 */
export function renderText(
  signal: Signal,
  options?: RenderOptions,
  description: SignalDescription = describeSignal(signal, options),
): string {
  const d = description;
  const sections: string[] = [toPrintableText(d.summary), `${d.severityWord}: ${d.title}`];

  const width = Math.min(LABEL_COLUMN, Math.max(...d.facts.map((f) => f.label.length + 1), 0));
  sections.push(d.facts.map((f) => `${`${f.label}:`.padEnd(width)} ${f.value}`).join('\n'));

  if (d.policyDiff) sections.push(policyDiffText(d.policyDiff));

  if (d.inputExcerpt !== undefined) {
    sections.push(
      `Input excerpt (first ${INPUT_EXCERPT_LENGTH} characters at most, for diagnosis only):\n  ${d.inputExcerpt}`,
    );
  }

  if (d.links.length > 0) {
    sections.push(['Open in the AWS console:', ...d.links.map((l) => `  ${l.label}: ${l.url}`)].join('\n'));
  }

  const footer = `\n\n-- \n${d.footer}\n`;
  const body = sections.filter((s) => s.trim() !== '').join('\n\n');
  return `${truncateText(body, MAX_TEXT_LENGTH - footer.length, '\n… (cut: the message was too long)')}${footer}`;
}

/** The policy diff as indented text lines, with its notes. */
export function policyDiffText(diff: PolicyDiff): string {
  const lines = [`Policy: ${diff.title}`];
  for (const line of diff.lines)
    lines.push(`  ${diff.mode === 'document' || diff.mode === 'text' ? '' : `${line.op} `}${line.text}`);
  for (const note of diff.notes) lines.push(`  (note: ${note})`);
  return lines.join('\n');
}
