import type { Signal } from '../signal.js';
import { describeSignal, type RenderOptions, type SignalDescription } from './describeSignal.js';
import { toAsciiLine, truncateMiddle, truncateText } from './truncateText.js';

/** SNS accepts subjects of printable ASCII, no line breaks, "less than 100 characters". */
export const MAX_SUBJECT_LENGTH = 99;
// The lead holds the outcome; it is only cut when input-provided parts of it (an API name) are absurdly long.
const MAX_LEAD_LENGTH = 60;

/**
 * The email / SNS subject: what happened to what, where, e.g.
 * `Backup FAILED: prod-db (RDS) in 111122223333 / eu-west-1`. Printable ASCII, at most 99 characters;
 * when too long, the location and actor go first, then the resource name is cut in the middle.
 */
export function renderSubject(
  signal: Signal,
  options?: RenderOptions,
  description: SignalDescription = describeSignal(signal, options),
): string {
  const { headline } = description;
  const lead = truncateText(toAsciiLine(headline.lead), MAX_LEAD_LENGTH, '...');
  const target = toAsciiLine(headline.target);
  const room = MAX_SUBJECT_LENGTH - lead.length - (target ? 1 : 0);
  let subject = target ? `${lead} ${truncateMiddle(target, room, '...')}` : lead;
  for (const tail of headline.tails) {
    // Tails start with a space, which toAsciiLine would trim, or with punctuation (`, 12 tables`) that follows on.
    const next = /^\s/.test(tail) ? `${subject} ${toAsciiLine(tail)}` : `${subject}${toAsciiLine(tail)}`;
    if (next.length > MAX_SUBJECT_LENGTH) break;
    subject = next;
  }
  return subject.trim() || 'Vaultpilot notification';
}
